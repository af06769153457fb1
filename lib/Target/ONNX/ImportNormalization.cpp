//===- ImportNormalization.cpp - ONNX normalisations and reductions -------===//
//
// Softmax, BatchNormalization (inference form), LayerNormalization,
// RMSNormalization, the
// Reduce* ops and GlobalAveragePool, as TOSA reductions and arithmetic.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

Value Importer::softmax(Value x, int64_t axis) {
  RankedTensorType t = typeOf(x);
  SmallVector<int64_t> reduced(t.getShape());
  reduced[axis] = 1;
  auto rType = RankedTensorType::get(reduced, t.getElementType());
  Value max =
      tosa::ReduceMaxOp::create(b, loc, rType, x, b.getI32IntegerAttr(axis));
  Value e =
      tosa::ExpOp::create(b, loc, t, tosa::SubOp::create(b, loc, t, x, max));
  Value sum =
      tosa::ReduceSumOp::create(b, loc, rType, e, b.getI32IntegerAttr(axis));
  return binary("Mul", e, tosa::ReciprocalOp::create(b, loc, rType, sum));
}

/// exp(x - max) / sum over one axis (opset 13: default -1).
Value Importer::importSoftmax(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  return softmax(x, axisAttr(node, "axis", -1, typeOf(x).getRank()));
}

/// (x - mean) / sqrt(var + eps) * scale + bias, per channel (axis 1).
Value Importer::importBatchNorm(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  RankedTensorType t = typeOf(x);
  float eps = 1e-5f;
  if (const auto *attr = findAttr(node, "epsilon"))
    eps = attr->f();
  SmallVector<int64_t> channel(t.getRank(), 1);
  channel[1] = t.getDimSize(1);
  auto perChannel = [&](Value v) { return reshape(v, channel); };
  Value scaleV = perChannel(input(node, 1)), biasV = perChannel(input(node, 2));
  Value mean = perChannel(input(node, 3)), var = perChannel(input(node, 4));
  Value inv = tosa::RsqrtOp::create(b, loc, typeOf(var),
                                    binary("Add", var, scalarLike(eps, var)));
  return binary(
      "Add", binary("Mul", binary("Sub", x, mean), binary("Mul", inv, scaleV)),
      biasV);
}

Value Importer::meanFrom(Value v, int64_t axis) {
  RankedTensorType t = typeOf(v);
  SmallVector<int64_t> shape(t.getShape());
  int64_t count = 1;
  for (int64_t a = axis; a < t.getRank(); ++a) {
    count *= shape[a];
    shape[a] = 1;
    v = tosa::ReduceSumOp::create(
        b, loc, RankedTensorType::get(shape, t.getElementType()), v,
        b.getI32IntegerAttr(a));
  }
  return binary("Mul", v, scalarLike(1.0f / count, v));
}

Value Importer::layerNorm(Value x, int64_t axis, float eps, Value scale,
                          Value bias) {
  Value centered = binary("Sub", x, meanFrom(x, axis));
  Value var = meanFrom(binary("Mul", centered, centered), axis);
  Value inv = tosa::RsqrtOp::create(b, loc, typeOf(var),
                                    binary("Add", var, scalarLike(eps, var)));
  Value result = binary("Mul", binary("Mul", centered, inv), scale);
  return bias ? binary("Add", result, bias) : result;
}

/// (x - mean) / sqrt(var + eps) * scale + bias over the axes >= axis.
Value Importer::importLayerNorm(const onnx::NodeProto &node) {
  if (node.output_size() > 1)
    failAt(node, "the mean and inverse-deviation outputs are not supported");
  Value x = input(node, 0);
  return layerNorm(x, axisAttr(node, "axis", -1, typeOf(x).getRank()),
                   floatAttr(node, "epsilon", 1e-5f), input(node, 1),
                   hasInput(node, 2) ? input(node, 2) : Value());
}

/// RMSNormalization (opset 23): x / sqrt(mean(x^2) + eps) * scale over the
/// axes >= axis. stash_type asks for f32 statistics, which the importer
/// computes in anyway.
Value Importer::importRMSNorm(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  int64_t axis = axisAttr(node, "axis", -1, typeOf(x).getRank());
  float eps = floatAttr(node, "epsilon", 1e-5f);
  Value meanSquare = meanFrom(binary("Mul", x, x), axis);
  Value inv = tosa::RsqrtOp::create(
      b, loc, typeOf(meanSquare),
      binary("Add", meanSquare, scalarLike(eps, meanSquare)));
  return binary("Mul", binary("Mul", x, inv), input(node, 1));
}

/// ReduceMean, ReduceSum, ReduceMax, ReduceMin and GlobalAveragePool: one
/// TOSA reduction per reduced axis.
Value Importer::importReduce(const onnx::NodeProto &node) {
  StringRef op = node.op_type();
  Value x = input(node, 0);
  RankedTensorType t = typeOf(x);
  int64_t rank = t.getRank();
  SmallVector<int64_t> axes;
  bool keep = true;
  if (op == "GlobalAveragePool") {
    for (int64_t i = 2; i < rank; ++i)
      axes.push_back(i);
  } else {
    // Axes: an attribute up to opset 17, except ReduceSum's, which is an
    // input from opset 13 (empty: all axes, or none with
    // noop_with_empty_axes).
    bool noopWhenEmpty = false;
    if (const auto *attr = findAttr(node, "axes"))
      axes.assign(attr->ints().begin(), attr->ints().end());
    else if (node.input_size() > 1 && !node.input(1).empty())
      llvm::append_range(axes, intInput(node, 1).data);
    if (const auto *attr = findAttr(node, "noop_with_empty_axes"))
      noopWhenEmpty = attr->i() != 0;
    if (axes.empty() && !noopWhenEmpty)
      for (int64_t i = 0; i < rank; ++i)
        axes.push_back(i);
    if (const auto *attr = findAttr(node, "keepdims"))
      keep = attr->i() != 0;
  }
  SmallVector<bool> reduced(rank, false);
  for (int64_t axis : axes) {
    if (axis < -rank || axis >= rank)
      failAt(node, "axis " + Twine(axis) + " is out of range for rank " +
                       Twine(rank));
    int64_t a = axis < 0 ? axis + rank : axis;
    if (reduced[a])
      failAt(node, "axis " + Twine(axis) + " is repeated");
    reduced[a] = true;
  }
  int64_t count = 1;
  SmallVector<int64_t> shape(t.getShape());
  Value v = x;
  for (int64_t a = 0; a < rank; ++a) {
    if (!reduced[a])
      continue;
    count *= shape[a];
    shape[a] = 1;
    auto type = RankedTensorType::get(shape, t.getElementType());
    auto axisAttr = b.getI32IntegerAttr(a);
    if (op == "ReduceMax")
      v = tosa::ReduceMaxOp::create(b, loc, type, v, axisAttr);
    else if (op == "ReduceMin")
      v = tosa::ReduceMinOp::create(b, loc, type, v, axisAttr);
    else
      v = tosa::ReduceSumOp::create(b, loc, type, v, axisAttr);
  }
  if ((op == "ReduceMean" || op == "GlobalAveragePool") && count != 1)
    v = binary("Mul", v, scalarLike(1.0f / count, v));
  if (!keep) {
    SmallVector<int64_t> kept;
    for (int64_t a = 0; a < rank; ++a)
      if (!reduced[a])
        kept.push_back(t.getDimSize(a));
    v = reshape(v, kept);
  }
  return v;
}

/// ArgMax and ArgMin (int64 results): tosa.argmax, of the negation for
/// ArgMin, of the reversed axis for select_last_index.
Value Importer::importArgMax(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  RankedTensorType t = typeOf(x);
  int64_t axis = axisAttr(node, "axis", 0, t.getRank());
  bool keep = intAttr(node, "keepdims", 1) != 0;
  bool last = intAttr(node, "select_last_index", 0) != 0;
  if (node.op_type() == "ArgMin")
    x = binary("Sub", scalarLike(0.0f, x), x);
  if (last)
    x = tosa::ReverseOp::create(b, loc, t, x, b.getI32IntegerAttr(axis));
  SmallVector<int64_t> shape(t.getShape());
  shape.erase(shape.begin() + axis);
  auto type = RankedTensorType::get(shape, b.getI64Type());
  Value index =
      tosa::ArgMaxOp::create(b, loc, type, x, b.getI32IntegerAttr(axis));
  if (last) {
    // The first maximum of the reversed axis is the last one: n - 1 - i.
    auto lastType = RankedTensorType::get({}, b.getI64Type());
    Value n1 = tosa::ConstOp::create(
        b, loc, lastType,
        DenseElementsAttr::get(lastType, t.getDimSize(axis) - 1));
    SmallVector<int64_t> ones(shape.size(), 1);
    index = tosa::SubOp::create(b, loc, type, reshape(n1, ones), index);
  }
  if (!keep)
    return index;
  shape.insert(shape.begin() + axis, 1);
  return reshape(index, shape);
}

void registerNormalizationOps(OpRegistry &registry) {
  registry.add("ArgMax", 13, &Importer::importArgMax);
  registry.add("ArgMin", 13, &Importer::importArgMax);
  registry.add("Softmax", 13, &Importer::importSoftmax);
  registry.add("BatchNormalization", 13, &Importer::importBatchNorm);
  registry.add("LayerNormalization", 13, &Importer::importLayerNorm);
  registry.add("RMSNormalization", 23, &Importer::importRMSNorm);
  for (StringRef op : {"ReduceMean", "ReduceSum", "ReduceMax", "ReduceMin",
                       "GlobalAveragePool"})
    registry.add(op, 13, &Importer::importReduce);
}

} // namespace onnx_import
} // namespace uniform
