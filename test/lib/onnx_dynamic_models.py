#!/usr/bin/env python3
"""ONNX models with dynamic input dimensions, built with onnx.helper in the
forms exporters write (the shape arithmetic of torch.onnx.export's traces),
and NumPy references at any batch.

  onnx_dynamic_models.py head OUT.onnx
      x [batch, 4, 5, 5]: Conv 3x3, Relu, a Reshape to [batch, -1] whose
      target is Shape/Gather/Unsqueeze/Concat, MatMul and Add; a class token
      Expanded to [batch, 1, 6] (the target from Shape) and Concatenated;
      a Slice of the batch to its end (INT64_MAX)
  onnx_dynamic_models.py two-dims OUT.onnx
      x [batch, seq, 8]: Mul by a row, Softmax, the rows flattened to
      [batch * seq, 8] by a Mul of two Gathers of Shape, ReduceMax over them
  onnx_dynamic_models.py reshape-back OUT.onnx  the same, but the rows are
      reshaped back to Shape(x) (two dynamic extents) before a ReduceMax
      over seq
  onnx_dynamic_models.py matmul-two OUT.onnx  x [batch, seq, 8] MatMul
      [8, 6] (the importer folds batch and seq into one product), Relu,
      ReduceMax over seq
  onnx_dynamic_models.py reshape-double OUT.onnx  x [batch, seq, 8]
      reshaped to [2 * batch, seq, 4], an extent no tensor has
  onnx_dynamic_models.py expand-double OUT.onnx  a [1, 4] constant
      Expanded to [2 * batch, 4], an extent no tensor of the graph has
  onnx_dynamic_models.py constant-batch OUT.onnx  ConstantOfShape(Shape(x))
      (a float constant of the batch's extent) added to x
  onnx_dynamic_models.py squeeze-batch OUT.onnx  Squeeze of the batch axis,
      which only a batch of 1 allows
  onnx_dynamic_models.py reference NAME BATCH DIR  DIR/in0.npy, DIR/ref*.npy
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

RNG = np.random.default_rng(7)
CONV_W = RNG.standard_normal((6, 4, 3, 3)).astype(np.float32) * 0.3
CONV_B = RNG.standard_normal((6,)).astype(np.float32)
FC_W = RNG.standard_normal((150, 6)).astype(np.float32) * 0.1
FC_B = RNG.standard_normal((6,)).astype(np.float32)
CLS = RNG.standard_normal((1, 1, 6)).astype(np.float32)
ROW_W = RNG.standard_normal((8,)).astype(np.float32)
MM_W = RNG.standard_normal((8, 6)).astype(np.float32)


def _model(name, nodes, inputs, outputs, inits=()):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])


def _f(name, value):
    return numpy_helper.from_array(np.asarray(value, np.float32), name)


def _i64(name, value):
    return numpy_helper.from_array(np.asarray(value, np.int64), name)


def _node(op, inputs, outputs, **attrs):
    return helper.make_node(op, inputs, outputs, name=outputs[0] + "_" + op,
                            **attrs)


def _batch_of(x, out):
    """out = Unsqueeze(Gather(Shape(x), 0)): [batch] as torch traces it."""
    return [_node("Shape", [x], [out + "_shape"]),
            _node("Gather", [out + "_shape", "zero"], [out + "_scalar"], axis=0),
            _node("Unsqueeze", [out + "_scalar", "axes0"], [out])]


def head():
    nodes = [
        _node("Conv", ["x", "conv_w", "conv_b"], ["c"], pads=[1, 1, 1, 1]),
        _node("Relu", ["c"], ["r"]),
        *_batch_of("r", "b"),
        _node("Concat", ["b", "minus_one"], ["flat_shape"], axis=0),
        _node("Reshape", ["r", "flat_shape"], ["flat"]),
        _node("MatMul", ["flat", "fc_w"], ["mm"]),
        _node("Add", ["mm", "fc_b"], ["logits"]),
        _node("Concat", ["b", "one", "six"], ["cls_shape"], axis=0),
        _node("Expand", ["cls", "cls_shape"], ["cls_all"]),
        _node("Unsqueeze", ["logits", "axes1"], ["row"]),
        _node("Concat", ["cls_all", "row"], ["tokens"], axis=1),
        _node("Slice", ["tokens", "zero1", "int_max", "zero1"], ["y"]),
    ]
    return _model(
        "head", nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4, 5, 5])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 2, 6])],
        [_f("conv_w", CONV_W), _f("conv_b", CONV_B), _f("fc_w", FC_W),
         _f("fc_b", FC_B), _f("cls", CLS), _i64("zero", 0), _i64("zero1", [0]),
         _i64("axes0", [0]), _i64("axes1", [1]), _i64("minus_one", [-1]),
         _i64("one", [1]), _i64("six", [6]), _i64("int_max", [2**63 - 1])])


def two_dims(back=False):
    nodes = [
        _node("Mul", ["x", "row_w"], ["mm"]),
        _node("Softmax", ["mm"], ["sm"], axis=-1),
        _node("Shape", ["x"], ["s"]),
        _node("Gather", ["s", "zero"], ["b"], axis=0),
        _node("Gather", ["s", "one"], ["n"], axis=0),
        _node("Mul", ["b", "n"], ["bn"]),
        _node("Unsqueeze", ["bn", "axes0"], ["bn1"]),
        _node("Concat", ["bn1", "eight"], ["rows_shape"], axis=0),
        _node("Reshape", ["sm", "rows_shape"], ["rows"]),
    ]
    if back:
        nodes += [_node("Reshape", ["rows", "s"], ["back"]),
                  _node("ReduceMax", ["back"], ["y"], axes=[1], keepdims=0)]
    else:
        nodes += [_node("ReduceMax", ["rows"], ["y"], axes=[0], keepdims=0)]
    return _model(
        "two_dims", nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT,
                                       ["batch", 8] if back else [8])],
        [_f("row_w", ROW_W), _i64("zero", 0), _i64("one", 1),
         _i64("axes0", [0]), _i64("eight", [8])])


def matmul_two():
    nodes = [_node("MatMul", ["x", "mm_w"], ["mm"]),
             _node("Relu", ["mm"], ["r"]),
             _node("ReduceMax", ["r"], ["y"], axes=[1], keepdims=0)]
    return _model(
        "matmul_two", nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 6])],
        [_f("mm_w", MM_W)])


def reshape_double():
    nodes = [
        _node("Shape", ["x"], ["s"]),
        _node("Slice", ["s", "zero1", "one1"], ["b"]),
        _node("Mul", ["b", "two1"], ["b2"]),
        _node("Slice", ["s", "one1", "two1"], ["n"]),
        _node("Concat", ["b2", "n", "four1"], ["target"], axis=0),
        _node("Reshape", ["x", "target"], ["y"]),
    ]
    return _model(
        "reshape_double", nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", "seq", 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["rows", "seq", 4])],
        [_i64("zero1", [0]), _i64("one1", [1]), _i64("two1", [2]),
         _i64("four1", [4])])


def expand_double():
    nodes = [*_batch_of("x", "b"),
             _node("Mul", ["b", "two"], ["b2"]),
             _node("Concat", ["b2", "four"], ["target"], axis=0),
             _node("Expand", ["row", "target"], ["rows"]),
             _node("ReduceSum", ["rows", "axes0"], ["sum"], keepdims=1),
             _node("Add", ["x", "sum"], ["y"])]
    return _model(
        "expand_double", nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])],
        [_i64("zero", 0), _i64("axes0", [0]), _i64("two", [2]),
         _i64("four", [4]), _f("row", [[1.0, 2.0, 3.0, 4.0]])])


def constant_batch():
    nodes = [_node("Shape", ["x"], ["s"]),
             helper.make_node("ConstantOfShape", ["s"], ["k"], name="k_const",
                              value=_f("value", [0.5])),
             _node("Add", ["x", "k"], ["y"])]
    return _model(
        "constant_batch", nodes,
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 4])])


def squeeze_batch():
    return _model(
        "squeeze_batch", [_node("Squeeze", ["x", "axes0"], ["y"])],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
        [_i64("axes0", [0])])


def _conv3x3(x, w, b):
    n, _, h, wd = x.shape
    p = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    out = np.zeros((n, w.shape[0], h, wd))
    for i in range(3):
        for j in range(3):
            out += np.einsum("nchw,oc->nohw", p[:, :, i:i + h, j:j + wd],
                             w[:, :, i, j])
    return out + b[None, :, None, None]


def reference(name, batch, d):
    rng = np.random.default_rng(batch)
    if name == "head":
        x = rng.standard_normal((batch, 4, 5, 5)).astype(np.float32)
        r = np.maximum(_conv3x3(x.astype(np.float64), CONV_W, CONV_B), 0)
        logits = r.reshape(batch, -1) @ FC_W + FC_B
        ref = np.concatenate(
            [np.broadcast_to(CLS, (batch, 1, 6)), logits[:, None, :]], axis=1)
    else:
        x = rng.standard_normal((batch, batch + 2, 8)).astype(np.float32)
        x64 = x.astype(np.float64)
        if name == "matmul-two":
            ref = np.maximum(x64 @ MM_W, 0).max(axis=1)
        else:
            mm = x64.reshape(-1, 8) * ROW_W
            sm = np.exp(mm - mm.max(-1, keepdims=True))
            sm /= sm.sum(-1, keepdims=True)
            ref = sm.max(axis=0) if name == "two-dims" else \
                sm.reshape(x.shape).max(axis=1)
    np.save(os.path.join(d, "in0.npy"), x)
    np.save(os.path.join(d, "ref.npy"), ref.astype(np.float32))


def main():
    if sys.argv[1] == "reference":
        reference(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return 0
    model = {"head": head, "two-dims": two_dims,
             "reshape-back": lambda: two_dims(back=True), "matmul-two": matmul_two,
             "reshape-double": reshape_double,
             "expand-double": expand_double, "constant-batch": constant_batch,
             "squeeze-batch": squeeze_batch}[sys.argv[1]]()
    onnx.checker.check_model(model)
    onnx.save(model, sys.argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main())
