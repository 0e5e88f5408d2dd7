#!/usr/bin/env python3
"""Summarizes an ONNX Runtime profile (what `network-time ... --profile PREFIX` writes) per operator:
time, share, and for the compute operators the multiply-add work and the rate achieved.

FLOPs come from the shapes ONNX Runtime recorded for each node (2 per multiply-add): Conv (also fused,
also NCHWc) 2·|output|·|weight|/M, ConvTranspose 2·|input|·|weight|/C (M output, C input channels),
MatMul/FusedMatMul/Gemm 2·|output|·K, Einsum from its equation. Attributes, and weight shapes the trace
leaves out (pre-packed weights), are read from the model by node name; nodes that optimization created
(fused, NCHWc) keep the shapes the trace gives.
Element-wise work is left uncounted. The first run of a profile (the warm-up) is skipped when the
trace holds several runs.
usage: profile_summary.py PROFILE.json [MODEL.onnx] [--runs-skip 1]
"""
import argparse
import json
from collections import defaultdict

import numpy as np


def prod(values):
    return float(np.prod(values, dtype=np.float64)) if values else 1.0


def shapes(entries):
    """[{'float': [1, 2]}, ...] -> [[1, 2], ...]"""
    return [next(iter(e.values())) for e in entries or []]


def flops(op, inputs, outputs, attributes, weight):
    """`weight`: the node's weight shape from the model, for kernels whose pre-packed weight the trace leaves out."""
    if not inputs or not outputs:
        return None
    out = outputs[0]
    if op in ("Conv", "FusedConv"):
        w = inputs[1] if len(inputs) >= 2 and len(inputs[1]) == len(out) else weight
        return None if w is None else 2.0 * prod(out) * prod(w[1:])
    if op == "ConvTranspose":
        w = weight or (inputs[1] if len(inputs) >= 2 and len(inputs[1]) == len(inputs[0]) else None)
        return None if w is None else 2.0 * prod(inputs[0]) * prod(w[1:])
    if op in ("MatMul", "FusedMatMul"):
        a = inputs[0]
        transposed = attributes.get("transA", 0)
        k = a[-2] if transposed else a[-1]
        return 2.0 * prod(out) * k
    if op == "Gemm":
        a = inputs[0]
        k = a[0] if attributes.get("transA", 0) else a[1]
        return 2.0 * prod(out) * k
    if op == "Einsum" and "equation" in attributes:
        lhs = attributes["equation"].replace(" ", "").split("->")[0]
        sizes = {}
        for term, shape in zip(lhs.split(","), inputs):
            sizes.update(zip(term, shape))
        return 2.0 * prod([sizes[c] for c in set(lhs.replace(",", ""))])
    return None


def read_model(model_path):
    """Per node name: its attributes, and its weight's shape (second input, when an initializer)."""
    if not model_path:
        return {}, {}
    import onnx
    from onnx import helper
    model = onnx.load(model_path, load_external_data=False)
    shapes_of = {i.name: list(i.dims) for i in model.graph.initializer}
    attributes, weights = {}, {}
    for node in model.graph.node:
        attributes[node.name] = {a.name: (helper.get_attribute_value(a).decode() if a.type == onnx.AttributeProto.STRING else helper.get_attribute_value(a))
                                 for a in node.attribute}
        if len(node.input) > 1 and node.input[1] in shapes_of:
            weights[node.name] = shapes_of[node.input[1]]
    return attributes, weights


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("profile")
    p.add_argument("model", nargs="?")
    p.add_argument("--runs-skip", type=int, default=1, help="leading model runs to leave out (warm-up)")
    args = p.parse_args()
    with open(args.profile) as f:
        events = json.load(f)
    attributes, weights = read_model(args.model)
    runs = [e for e in events if e.get("cat") == "Session" and e.get("name") == "model_run"]
    skip_until = runs[args.runs_skip - 1]["ts"] + runs[args.runs_skip - 1]["dur"] if 0 < args.runs_skip < len(runs) else -1
    counted_runs = [r for r in runs if r["ts"] > skip_until]
    time_us, work, calls = defaultdict(float), defaultdict(float), defaultdict(int)
    uncounted = defaultdict(float)
    for e in events:
        if e.get("cat") != "Node" or not e.get("name", "").endswith("_kernel_time") or e["ts"] <= skip_until:
            continue
        a = e.get("args", {})
        op = a.get("op_name", "?")
        node = e["name"][: -len("_kernel_time")]
        time_us[op] += e["dur"]
        calls[op] += 1
        f = flops(op, shapes(a.get("input_type_shape")), shapes(a.get("output_type_shape")), attributes.get(node, {}), weights.get(node))
        if f is None:
            uncounted[op] += e["dur"]
        else:
            work[op] += f
    total_us = sum(time_us.values())
    run_us = sum(r["dur"] for r in counted_runs)
    n = max(1, len(counted_runs))
    print(f"{args.profile}: {len(counted_runs)} run(s) counted, {run_us / n / 1e6:.3f} s per run, nodes {total_us / n / 1e6:.3f} s per run")
    print(f"{'operator':22s} {'calls/run':>9s} {'s/run':>8s} {'share':>6s} {'GFLOP/run':>10s} {'GFLOP/s':>8s}")
    for op, us in sorted(time_us.items(), key=lambda kv: -kv[1]):
        g = work.get(op, 0.0) / n / 1e9
        rate = f"{work[op] / (us - uncounted.get(op, 0.0)) / 1e3:8.1f}" if work.get(op) else "       -"
        print(f"{op:22s} {calls[op] / n:9.0f} {us / n / 1e6:8.3f} {100 * us / total_us:5.1f}% {g:10.1f} {rate}")
    all_work = sum(work.values())
    print(f"total multiply-add work {all_work / n / 1e9:.1f} GFLOP per run, {all_work / run_us / 1e3:.1f} GFLOP/s over the whole run")


if __name__ == "__main__":
    main()
