"""What each network family hands the driver: the module to export and its trace and case inputs."""
from collections import OrderedDict
from dataclasses import dataclass, field

import torch

from . import contracts


@dataclass
class ExportableNetwork:
    """One contract network, wrapped and ready to trace.

    key: the contract key. module: a torch module whose forward takes the contract inputs in order
    and returns the contract outputs in order. trace_inputs / case_inputs: OrderedDicts of input
    name -> tensor; the case differs from the trace in batch size or length wherever the contract
    lets it, because a graph can silently bake its trace shapes in. fixed: contract symbols this
    export fixes (for example {'M': 4}). cross_checks: name -> max abs difference between the
    wrapper and the upstream code path it stands for, measured when the network was built."""
    key: str
    module: torch.nn.Module
    trace_inputs: "OrderedDict[str, torch.Tensor]"
    case_inputs: "OrderedDict[str, torch.Tensor]"
    fixed: dict = field(default_factory=dict)
    cross_checks: dict = field(default_factory=dict)
    keep_float32: object = None  # node name -> True for nodes that stay float32 in an fp16 export

    def __post_init__(self):
        expected = contracts.input_names(self.key)
        for label, inputs in (("trace", self.trace_inputs), ("case", self.case_inputs)):
            if list(inputs) != expected:
                raise ValueError(f"{self.key}: {label} inputs {list(inputs)}, contract {expected}")

    def dynamic_axes(self):
        """Every symbolic contract axis that this export does not fix, named by its symbol."""
        axes = {}
        for name, spec in self.key_tensors():
            named = {i: d for i, d in enumerate(contracts.dims(spec)) if isinstance(d, str) and d.lstrip("0123456789") not in self.fixed}
            if named:
                axes[name] = named
        return axes

    def key_tensors(self):
        c = contracts.CONTRACTS[self.key]
        return list(c["inputs"]) + list(c["outputs"])


def float16_grid(tensor):
    """Rounds a float tensor to values float16 represents exactly: case inputs are stored as float16
    (half the size) and feeding them back as float32 gives PyTorch's input bit for bit."""
    return tensor.half().float() if tensor.is_floating_point() else tensor


def seeded(seed):
    return torch.Generator().manual_seed(seed)
