"""Float16 conversion of an exported graph, for GPU sets: weights and arithmetic in float16, the
graph's inputs and outputs still float32 (the contracts do not change).

torch 1.13 cannot trace a float16 module on the CPU (its CPU kernels lack float16), so the
conversion works on the ONNX graph: every float32 initializer and constant becomes float16, Cast
nodes to float32 cast to float16, and Cast nodes are inserted where float32 meets float16: after
the graph inputs, before the graph outputs, and around nodes kept in float32 (a network's
`keep_float32` predicate on node names, for stages whose range float16 cannot hold, such as
CLAP's power spectrogram). Inputs that ONNX defines as float32 only (Resize's roi and scales) stay
float32."""
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

FLOAT, HALF = TensorProto.FLOAT, TensorProto.FLOAT16
# (op type, input index) pairs that ONNX requires to be float32 whatever the data type.
FLOAT32_ONLY_INPUTS = {("Resize", 1), ("Resize", 2), ("Upsample", 1)}
HALF_MAX = float(np.finfo(np.float16).max)


def _half(array):
    return np.clip(array, -HALF_MAX, HALF_MAX).astype(np.float16)


def _tensor_to_half(tensor):
    converted = numpy_helper.from_array(_half(numpy_helper.to_array(tensor)), tensor.name)
    tensor.CopyFrom(converted)


def float_tensor_names(model):
    """Names of every float32 value in the graph (inputs, initializers, node outputs), by shape inference."""
    inferred = onnx.shape_inference.infer_shapes(model)
    names = {v.name for v in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output)
             if v.type.tensor_type.elem_type == FLOAT}
    names |= {t.name for t in model.graph.initializer if t.data_type == FLOAT}
    for node in model.graph.node:
        if node.op_type == "Constant" and any(a.name == "value" and a.t.data_type == FLOAT for a in node.attribute):
            names.update(node.output)
    return names


def convert(model, keep_float32=None):
    """Converts `model` in place; `keep_float32(node_name)` marks nodes that stay float32. Returns it."""
    keep_float32 = keep_float32 or (lambda name: False)
    graph = model.graph
    floats = float_tensor_names(model)
    nodes = []
    for original in graph.node:  # detached copies: the graph's node list is rebuilt at the end
        node = onnx.NodeProto()
        node.CopyFrom(original)
        nodes.append((node, not keep_float32(node.name)))
    initializers = {t.name: t for t in graph.initializer}

    # Who reads each float value, in which precision.
    readers = {}
    for node, is_half in nodes:
        for index, name in enumerate(node.input):
            if name in floats:
                wants_half = is_half and (node.op_type, index) not in FLOAT32_ONLY_INPUTS
                readers.setdefault(name, set()).add(wants_half)

    # Initializers read only in float16 become float16; those read both ways get a float16 copy.
    precision = {}  # value name -> True when it is float16
    extra_initializers = []
    for name, tensor in initializers.items():
        if tensor.data_type != FLOAT:
            continue
        wanted = readers.get(name, set())
        if wanted == {True}:
            _tensor_to_half(tensor)
            precision[name] = True
        elif True in wanted:
            copy = numpy_helper.from_array(_half(numpy_helper.to_array(tensor)), name + "_fp16")
            extra_initializers.append(copy)
            precision[name] = False
            precision[copy.name] = True
        else:
            precision[name] = False
    graph.initializer.extend(extra_initializers)
    for value in graph.input:
        if value.name in floats:
            precision[value.name] = False

    new_nodes, casts = [], {}

    def cast(name, to_half):
        key = (name, to_half)
        if key not in casts:
            if to_half and name + "_fp16" in precision and name in initializers:
                casts[key] = name + "_fp16"
            else:
                out = f"{name}_as_{'fp16' if to_half else 'fp32'}"
                new_nodes.append(helper.make_node("Cast", [name], [out], name=f"{out}_cast", to=HALF if to_half else FLOAT))
                casts[key] = out
        return casts[key]

    for node, is_half in nodes:
        for index, name in enumerate(node.input):
            if name not in floats or name not in precision:
                continue
            wants_half = is_half and (node.op_type, index) not in FLOAT32_ONLY_INPUTS
            if precision[name] != wants_half:
                node.input[index] = cast(name, wants_half)
        if is_half:
            for attribute in node.attribute:
                if node.op_type == "Cast" and attribute.name == "to" and attribute.i == FLOAT:
                    attribute.i = HALF
                if attribute.type == onnx.AttributeProto.TENSOR and attribute.t.data_type == FLOAT:
                    _tensor_to_half(attribute.t)
        for name in node.output:
            if name in floats:
                precision[name] = is_half
        new_nodes.append(node)

    # Graph outputs stay float32.
    for value in graph.output:
        if precision.get(value.name):
            inner = value.name + "_fp16_out"
            for node in new_nodes:
                node.output[:] = [inner if o == value.name else o for o in node.output]
                node.input[:] = [inner if i == value.name else i for i in node.input]
            new_nodes.append(helper.make_node("Cast", [inner], [value.name], name=value.name + "_to_fp32", to=FLOAT))
    del graph.node[:]
    graph.node.extend(new_nodes)
    del graph.value_info[:]  # element types changed; ONNX Runtime infers them again
    return model


def convert_file(path, keep_float32=None):
    model = convert(onnx.load(path), keep_float32)
    onnx.checker.check_model(model)
    onnx.save(model, path)
