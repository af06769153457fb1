//===- ImportShapes.cpp - Shape arithmetic at import time -----------------===//
//
// int64 tensors in ONNX graphs are shape data (Shape, Gather, Concat,
// Slice and arithmetic on them): the Importer evaluates them while
// importing, so that Reshape and its kin get static shapes. The folds
// themselves are the pure functions of ShapeFolding.cpp; this file reads
// their inputs from the graph and handles the folds that involve float
// tensors (Shape and Size of one, ConstantOfShape, Cast to float).
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

bool isImportTimeInt(int type) {
  return type == onnx::TensorProto::INT64 || type == onnx::TensorProto::INT32 ||
         type == onnx::TensorProto::BOOL;
}

/// INT64, INT32 and BOOL tensors (shape data, masks, flags) as int64 data.
IntTensor Importer::intFromProto(const onnx::TensorProto &t) {
  IntTensor r;
  r.shape.assign(t.dims().begin(), t.dims().end());
  int64_t n =
      numElements(r.shape, "int64 tensor '" + t.name() + "'", kMaxIntElements);
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    fail("int64 tensor '" + t.name() + "' uses external data");
  int type = t.data_type();
  assert(isImportTimeInt(type) && "not an integer tensor");
  int64_t width = type == onnx::TensorProto::INT64   ? 8
                  : type == onnx::TensorProto::INT32 ? 4
                                                     : 1;
  r.data.resize(n);
  if (t.has_raw_data()) {
    if (static_cast<int64_t>(t.raw_data().size()) != width * n)
      fail("int64 tensor '" + t.name() + "' is truncated");
    const char *bytes = t.raw_data().data();
    for (int64_t i = 0; i < n; ++i) {
      if (width == 8) {
        std::memcpy(&r.data[i], bytes + 8 * i, 8);
      } else if (width == 4) {
        int32_t v;
        std::memcpy(&v, bytes + 4 * i, 4);
        r.data[i] = v;
      } else {
        r.data[i] = bytes[i] != 0;
      }
    }
  } else if (width == 8) {
    if (t.int64_data_size() != n)
      fail("int64 tensor '" + t.name() + "' is truncated");
    llvm::copy(t.int64_data(), r.data.begin());
  } else {
    // INT32 and BOOL values are stored in int32_data.
    if (t.int32_data_size() != n)
      fail("int64 tensor '" + t.name() + "' is truncated");
    for (int64_t i = 0; i < n; ++i)
      r.data[i] = width == 1 ? t.int32_data(i) != 0 : t.int32_data(i);
  }
  return r;
}

const IntTensor &Importer::intInput(const onnx::NodeProto &node, int i) {
  auto it = ints.find(inputName(node, i));
  if (it == ints.end())
    failAt(
        node,
        "input '" + node.input(i) +
            "' must be known at import time (a constant or shape arithmetic)");
  return it->second;
}

Value Importer::shapeValue(ArrayRef<int64_t> values) {
  return tosa::ConstShapeOp::create(
      b, loc, tosa::shapeType::get(ctx, values.size()),
      DenseIntElementsAttr::get(
          RankedTensorType::get({static_cast<int64_t>(values.size())},
                                b.getIndexType()),
          values));
}

Value Importer::slice(Value x, ArrayRef<int64_t> start,
                      ArrayRef<int64_t> size) {
  return tosa::SliceOp::create(
      b, loc, RankedTensorType::get(size, typeOf(x).getElementType()), x,
      shapeValue(start), shapeValue(size));
}

Value Importer::pad(Value x, ArrayRef<int64_t> padding, float value) {
  RankedTensorType t = typeOf(x);
  SmallVector<int64_t> shape(t.getShape());
  for (auto [i, extent] : llvm::enumerate(shape))
    extent += padding[2 * i] + padding[2 * i + 1];
  auto cType = RankedTensorType::get({1}, t.getElementType());
  Value padConst = tosa::ConstOp::create(
      b, loc, cType,
      DenseElementsAttr::get(cType, b.getFloatAttr(t.getElementType(), value)));
  return tosa::PadOp::create(b, loc,
                             RankedTensorType::get(shape, t.getElementType()),
                             x, shapeValue(padding), padConst);
}

/// Shape and Size of any tensor, float or import-time int64.
bool Importer::foldShapeOfTensor(const onnx::NodeProto &node) {
  SmallVector<int64_t> shape;
  if (auto it = ints.find(node.input(0)); it != ints.end()) {
    shape = it->second.shape;
  } else {
    auto v = values.find(node.input(0));
    if (v == values.end() || !v->second)
      return false;
    llvm::append_range(shape, typeOf(v->second).getShape());
  }
  IntTensor r;
  if (node.op_type() == "Size") {
    r.data = {check(node, elementCount(shape, kMaxIntElements))};
  } else {
    int64_t rank = shape.size();
    int64_t start = intAttr(node, "start", 0), end = intAttr(node, "end", rank);
    start = std::clamp<int64_t>(start < 0 ? start + rank : start, 0, rank);
    end = std::clamp<int64_t>(end < 0 ? end + rank : end, start, rank);
    r.data.assign(shape.begin() + start, shape.begin() + end);
    r.shape = {static_cast<int64_t>(r.data.size())};
  }
  ints[node.output(0)] = std::move(r);
  return true;
}

/// ConstantOfShape of import-time shape data: int64 data, or a float splat.
bool Importer::foldConstantOfShape(const onnx::NodeProto &node) {
  auto it = ints.find(node.input(0));
  if (it == ints.end())
    return false;
  SmallVector<int64_t> shape(it->second.data.begin(), it->second.data.end());
  const auto *attr = findAttr(node, "value");
  int type = attr ? attr->t().data_type() : onnx::TensorProto::FLOAT;
  std::string what = "ConstantOfShape node '" + node.name() + "'";
  if (type == onnx::TensorProto::INT64) {
    IntTensor r;
    r.shape = shape;
    r.data.assign(numElements(shape, what, kMaxIntElements),
                  intFromProto(attr->t()).data.at(0));
    ints[node.output(0)] = std::move(r);
    return true;
  }
  if (type != onnx::TensorProto::FLOAT && type != onnx::TensorProto::FLOAT16 &&
      type != onnx::TensorProto::BFLOAT16)
    failAt(node, "only float and int64 values are supported");
  numElements(shape, what);
  float value = attr ? floatData(attr->t(), 1).front() : 0.0f;
  auto type2 = RankedTensorType::get(shape, b.getF32Type());
  values[node.output(0)] = tosa::ConstOp::create(
      b, loc, type2, DenseElementsAttr::get(type2, value));
  return true;
}

/// Folds `node` when it computes int64 shape data from import-time data
/// (see foldShapeOp): returns whether it did. Shape data cast to float (the
/// sizes in a normalisation, say) becomes a float constant.
bool Importer::foldShapeArithmetic(const onnx::NodeProto &node) {
  StringRef op = node.op_type();
  if (op == "Shape" || op == "Size")
    return foldShapeOfTensor(node);
  if (op == "ConstantOfShape")
    return foldConstantOfShape(node);
  if (!hasShapeFold(op))
    return false;
  SmallVector<const IntTensor *> inputs;
  for (const std::string &name : node.input()) {
    auto it = ints.find(name);
    if (name.empty()) {
      inputs.push_back(nullptr); // An optional input left out.
      continue;
    }
    if (it == ints.end())
      return false;
    inputs.push_back(&it->second);
  }
  while (!inputs.empty() && !inputs.back())
    inputs.pop_back();
  if (inputs.empty())
    return false;
  if (op == "Cast" && intAttr(node, "to", onnx::TensorProto::INT64) ==
                          onnx::TensorProto::FLOAT) {
    const IntTensor &x = *inputs[0];
    SmallVector<float> data(x.data.begin(), x.data.end());
    auto type = RankedTensorType::get(x.shape, b.getF32Type());
    values[node.output(0)] = tosa::ConstOp::create(
        b, loc, type, DenseElementsAttr::get(type, ArrayRef<float>(data)));
    return true;
  }
  ints[node.output(0)] =
      check(node, foldShapeOp(op, inputs, intAttributes(node)));
  return true;
}

} // namespace onnx_import
} // namespace uniform
