//===- ImportLogic.cpp - ONNX comparisons, masks and scatters to TOSA -----===//
//
// Boolean tensors computed at run time (i1): comparisons of float tensors
// (or of integer ones computed at run time),
// Not/And/Or/Xor, Where as tosa.select, and ScatterND with import-time
// indices. This is how exporters write masks: swin_t's shifted-window mask
// is filled by ScatterND, compared with Equal and selected with Where.
// Comparisons of import-time int64 data are folded instead
// (ShapeFolding.cpp).
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

/// The operands of a comparison: float tensors, or integers where either
/// is an integer tensor computed at run time (ArgMax's labels, say); the
/// other, run-time or import-time, is then cast to its type.
std::pair<Value, Value> Importer::compareOperands(const onnx::NodeProto &node) {
  auto runtimeInt = [&](int i) -> Type {
    auto it = values.find(node.input(i));
    if (it == values.end() || !it->second)
      return {};
    Type element = typeOf(it->second).getElementType();
    return isa<IntegerType>(element) && !element.isInteger(1) ? element
                                                              : Type();
  };
  Type element = runtimeInt(0) ? runtimeInt(0) : runtimeInt(1);
  if (!element)
    return {input(node, 0), input(node, 1)};
  auto operand = [&](int i) -> Value {
    Value v = anyValue(node.input(i), node);
    Type from = typeOf(v).getElementType();
    if (!isa<IntegerType>(from) || from.isInteger(1))
      failAt(node, "compares an integer tensor with a tensor of " +
                       llvm::formatv("{0}", from).str());
    if (from == element)
      return v;
    return tosa::CastOp::create(b, loc, typeOf(v).clone(element), v);
  };
  return {operand(0), operand(1)};
}

/// Equal, Less, Greater, LessOrEqual, GreaterOrEqual of float or integer
/// tensors, with broadcasting, as i1.
Value Importer::importCompare(const onnx::NodeProto &node) {
  StringRef op = node.op_type();
  auto [first, second] = compareOperands(node);
  auto [lhs, rhs] = broadcastRanks(first, second);
  // TOSA has equal, greater and greater_equal: Less(a, b) is Greater(b, a).
  if (op == "Less" || op == "LessOrEqual")
    std::swap(lhs, rhs);
  auto type = broadcastType(lhs, rhs).clone(b.getI1Type());
  if (op == "Equal")
    return tosa::EqualOp::create(b, loc, type, lhs, rhs);
  if (op == "Greater" || op == "Less")
    return tosa::GreaterOp::create(b, loc, type, lhs, rhs);
  return tosa::GreaterEqualOp::create(b, loc, type, lhs, rhs);
}

/// Not, And, Or and Xor of boolean tensors.
Value Importer::importLogical(const onnx::NodeProto &node) {
  StringRef op = node.op_type();
  Value a = boolInput(node, 0);
  if (op == "Not")
    return tosa::LogicalNotOp::create(b, loc, typeOf(a), a);
  Value c = boolInput(node, 1);
  std::tie(a, c) = broadcastRanks(a, c);
  RankedTensorType type = broadcastType(a, c);
  if (op == "And")
    return tosa::LogicalAndOp::create(b, loc, type, a, c);
  if (op == "Or")
    return tosa::LogicalOrOp::create(b, loc, type, a, c);
  return tosa::LogicalXorOp::create(b, loc, type, a, c);
}

/// Where(condition, x, y) of float x and y: tosa.select, broadcast.
Value Importer::importWhere(const onnx::NodeProto &node) {
  Value cond = boolInput(node, 0), x = input(node, 1), y = input(node, 2);
  int64_t rank = std::max(
      {typeOf(cond).getRank(), typeOf(x).getRank(), typeOf(y).getRank()});
  auto lift = [&](Value v) {
    SmallVector<int64_t> shape(rank - typeOf(v).getRank(), 1);
    llvm::append_range(shape, typeOf(v).getShape());
    return reshape(v, shape);
  };
  cond = lift(cond);
  x = lift(x);
  y = lift(y);
  SmallVector<int64_t> shape(rank);
  for (int64_t d = 0; d < rank; ++d) {
    int64_t e = 1;
    for (Value v : {cond, x, y}) {
      int64_t extent = typeOf(v).getDimSize(d);
      if (extent != 1 && e != 1 && extent != e)
        failAt(node, "the condition and values do not broadcast");
      if (extent != 1)
        e = extent;
    }
    shape[d] = e;
  }
  return tosa::SelectOp::create(
      b, loc, RankedTensorType::get(shape, b.getF32Type()), cond, x, y);
}

/// ScatterND (reduction none) of a float tensor with import-time indices:
/// each index tuple of length q addresses one slice data[i_1..i_q, ...].
/// Without a scatter in the lowerings, the result is a gather of the
/// updates selected where written: select(written, gather(updates, row),
/// data), over data flattened to [1, K, C] (K the addressed rows, C each
/// slice). A row written twice takes the last update.
Value Importer::importScatterND(const onnx::NodeProto &node) {
  if (const auto *attr = findAttr(node, "reduction");
      attr && attr->s() != "none")
    failAt(node, "reduction '" + attr->s() + "' is not supported");
  Value data = input(node, 0), updates = input(node, 2);
  const IntTensor &indices = intInput(node, 1);
  RankedTensorType t = typeOf(data);
  if (indices.shape.empty())
    failAt(node, "the indices must have rank 1 or more");
  int64_t q = indices.shape.back(), rank = t.getRank();
  if (q < 1 || q > rank)
    failAt(node, "index tuples of length " + Twine(q) + " for data of rank " +
                     Twine(rank));
  int64_t rows = 1, width = 1;
  for (int64_t d = 0; d < rank; ++d)
    (d < q ? rows : width) *= t.getDimSize(d);
  int64_t tuples = indices.data.size() / q;
  if (typeOf(updates).getNumElements() != tuples * width)
    failAt(node, "the updates do not match the indices and the data");
  if (rows > std::numeric_limits<int32_t>::max() ||
      tuples > std::numeric_limits<int32_t>::max())
    failAt(node, "too large for 32-bit gather indices");
  // For each row, the last tuple that writes it (or none).
  SmallVector<int32_t> source(rows, 0);
  SmallVector<bool> written(rows, false);
  for (int64_t w = 0; w < tuples; ++w) {
    int64_t row = 0;
    for (int64_t d = 0; d < q; ++d) {
      int64_t i = indices.data[w * q + d], extent = t.getDimSize(d);
      if (i < -extent || i >= extent)
        failAt(node, "index " + Twine(i) +
                         " is out of range for a dimension "
                         "of " +
                         Twine(extent));
      row = row * extent + (i < 0 ? i + extent : i);
    }
    source[row] = static_cast<int32_t>(w);
    written[row] = true;
  }
  auto idxType = RankedTensorType::get({1, rows}, b.getI32Type());
  Value idx = tosa::ConstOp::create(
      b, loc, idxType, DenseElementsAttr::get(idxType, ArrayRef(source)));
  auto flatType = RankedTensorType::get({1, rows, width}, b.getF32Type());
  Value gathered = tosa::GatherOp::create(
      b, loc, flatType, reshape(updates, {1, tuples, width}), idx);
  auto maskType = RankedTensorType::get({1, rows, 1}, b.getI1Type());
  Value mask = tosa::ConstOp::create(
      b, loc, maskType, DenseElementsAttr::get(maskType, ArrayRef(written)));
  Value result = tosa::SelectOp::create(b, loc, flatType, mask, gathered,
                                        reshape(data, {1, rows, width}));
  return reshape(result, t.getShape());
}

void registerLogicOps(OpRegistry &registry) {
  for (StringRef op :
       {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual"})
    registry.add(op, 13, &Importer::importCompare);
  for (StringRef op : {"Not", "And", "Or", "Xor"})
    registry.add(op, 13, &Importer::importLogical);
  registry.add("Where", 13, &Importer::importWhere);
  registry.add("ScatterND", 13, &Importer::importScatterND);
}

} // namespace onnx_import
} // namespace uniform
