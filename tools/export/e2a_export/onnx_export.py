"""Tracing to ONNX (opset 17) with the contract's names and declared shapes."""
import os
import time

import numpy as np
import onnx
import torch

from . import contracts

OPSET = 17


def export(network, path, log):
    """Traces network.module on its trace inputs to `path`; writes the contract's shapes (symbols
    for dynamic axes, sizes for fixed ones) onto the graph's inputs and outputs, and runs the ONNX
    checker. Returns the seconds it took and the number of weights in the graph."""
    start = time.time()
    names_in = list(network.trace_inputs)
    names_out = contracts.output_names(network.key)
    torch.onnx.export(network.module, tuple(network.trace_inputs.values()), path,
                      input_names=names_in, output_names=names_out, dynamic_axes=network.dynamic_axes(),
                      opset_version=OPSET, do_constant_folding=True)
    model = onnx.load(path)
    declare_contract_shapes(model, network)
    onnx.checker.check_model(model)
    onnx.save(model, path)
    # The weights the graph holds (a wrapper's module may own more, such as the VAE's encoder).
    weights = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    seconds = time.time() - start
    log(f"  {network.key}: exported {os.path.basename(path)} ({os.path.getsize(path) / 1e6:.1f} MB, {weights / 1e6:.1f} M weights) in {seconds:.1f} s")
    return seconds, weights


def declare_contract_shapes(model, network):
    """Gives every graph input and output the contract's shape: torch names dynamic output axes
    after internal nodes ('Reshapeeps_dim_2'), which `models info` would print."""
    declared = dict(network.key_tensors())
    for value in list(model.graph.input) + list(model.graph.output):
        if value.name not in declared:
            continue
        spec = contracts.dims(declared[value.name])
        shape = value.type.tensor_type.shape
        del shape.dim[:]
        for d in spec:
            dim = shape.dim.add()
            symbol = d.lstrip("0123456789") if isinstance(d, str) else None
            if isinstance(d, int):
                dim.dim_value = d
            elif symbol in network.fixed:
                dim.dim_value = network.fixed[symbol] * (int(d[:-len(symbol)]) if d != symbol else 1)
            else:
                dim.dim_param = d
