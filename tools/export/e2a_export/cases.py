"""Verification cases: DIR/cases/<network key>/<contract tensor name>.npy with the inputs and
PyTorch's outputs. Float inputs lie on the float16 grid and are stored as float16 (exact, half the
size); integer inputs as int64; outputs as float32."""
import os

import numpy as np
import torch

from . import contracts


class CaseError(Exception):
    pass


def compute(network):
    """Runs the PyTorch module on the case inputs; returns name -> output, checked against the contract."""
    outputs = network.module(*network.case_inputs.values())
    outputs = outputs if isinstance(outputs, (tuple, list)) else (outputs,)
    names = contracts.output_names(network.key)
    if len(outputs) != len(names):
        raise CaseError(f"{network.key}: the module returns {len(outputs)} outputs, the contract has {len(names)}")
    result = dict(zip(names, outputs))
    bindings = dict(network.fixed)
    declared = dict(network.key_tensors())
    for name, tensor in list(network.case_inputs.items()) + list(result.items()):
        try:
            contracts.bind_shape(declared[name], tuple(tensor.shape), bindings)
        except ValueError as e:
            raise CaseError(f"{network.key}: case {name} {tuple(tensor.shape)}: {e}") from None
    for name, tensor in result.items():
        if not torch.isfinite(tensor).all():
            raise CaseError(f"{network.key}: PyTorch output {name} is not finite on the case inputs")
    return result


def write(folder, network, outputs):
    directory = os.path.join(folder, network.key)
    os.makedirs(directory, exist_ok=True)
    for name, tensor in network.case_inputs.items():
        if tensor.is_floating_point():
            if not torch.equal(tensor.half().float(), tensor):
                raise CaseError(f"{network.key}: case input {name} is not on the float16 grid")
            array = tensor.numpy().astype(np.float16)
        else:
            array = tensor.numpy().astype(np.int64)
        np.save(os.path.join(directory, name + ".npy"), array)
    for name, tensor in outputs.items():
        np.save(os.path.join(directory, name + ".npy"), tensor.detach().numpy().astype(np.float32))
    return sum(os.path.getsize(os.path.join(directory, f)) for f in os.listdir(directory))
