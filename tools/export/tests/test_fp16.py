import unittest

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tests import support  # noqa: F401
from e2a_export import fp16


def small_graph():
    """y = Relu(x·W + b) -> Resize (scales stay float32) -> Mul by a constant."""
    w = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3) / 7, "w")
    b = numpy_helper.from_array(np.ones(3, dtype=np.float32), "b")
    scales = numpy_helper.from_array(np.array([1, 2], dtype=np.float32), "scales")
    nodes = [
        helper.make_node("MatMul", ["x", "w"], ["xw"], name="/front/MatMul"),
        helper.make_node("Add", ["xw", "b"], ["h"], name="/body/Add"),
        helper.make_node("Relu", ["h"], ["r"], name="/body/Relu"),
        helper.make_node("Resize", ["r", "", "scales"], ["big"], name="/body/Resize", mode="nearest"),
        helper.make_node("Constant", [], ["two"], name="/body/Constant", value=numpy_helper.from_array(np.array(2, dtype=np.float32))),
        helper.make_node("Mul", ["big", "two"], ["y"], name="/body/Mul"),
    ]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 2])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 6])], [w, b, scales])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


class Fp16ConversionTests(unittest.TestCase):
    def test_weights_become_float16_and_the_interface_stays_float32(self):
        model = fp16.convert(small_graph())
        onnx.checker.check_model(model)
        types = {t.name: t.data_type for t in model.graph.initializer}
        self.assertEqual(TensorProto.FLOAT16, types["w"])
        self.assertEqual(TensorProto.FLOAT, types["scales"])  # Resize's scales are float32 by definition
        self.assertEqual(TensorProto.FLOAT, model.graph.input[0].type.tensor_type.elem_type)
        self.assertEqual(TensorProto.FLOAT, model.graph.output[0].type.tensor_type.elem_type)
        casts = [n for n in model.graph.node if n.op_type == "Cast"]
        self.assertEqual([TensorProto.FLOAT16, TensorProto.FLOAT], [c.attribute[0].i for c in casts][:1] + [casts[-1].attribute[0].i])
        self.assertEqual("y", casts[-1].output[0])
        constant = next(n for n in model.graph.node if n.op_type == "Constant")
        self.assertEqual(TensorProto.FLOAT16, constant.attribute[0].t.data_type)

    def test_kept_nodes_stay_float32_with_casts_at_the_boundary(self):
        model = fp16.convert(small_graph(), keep_float32=lambda name: name.startswith("/front/"))
        onnx.checker.check_model(model)
        types = {t.name: t.data_type for t in model.graph.initializer}
        self.assertEqual(TensorProto.FLOAT, types["w"])  # read only by the kept MatMul
        self.assertEqual(TensorProto.FLOAT16, types["b"])
        matmul = next(n for n in model.graph.node if n.op_type == "MatMul")
        self.assertEqual(["x", "w"], list(matmul.input))  # no cast in front of a float32 node
        add = next(n for n in model.graph.node if n.op_type == "Add")
        self.assertEqual("xw_as_fp16", add.input[0])

    def test_values_beyond_the_float16_range_are_clipped_not_infinite(self):
        model = small_graph()
        model.graph.initializer[1].CopyFrom(numpy_helper.from_array(np.full(3, 1e6, dtype=np.float32), "b"))
        converted = fp16.convert(model)
        b = numpy_helper.to_array(next(t for t in converted.graph.initializer if t.name == "b"))
        self.assertTrue(np.isfinite(b).all())


if __name__ == "__main__":
    unittest.main()
