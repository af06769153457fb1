//===- ImportShapes.cpp - Shape arithmetic at import time -------------------===//
//
// int64 tensors in ONNX graphs are shape data (Shape, Gather, Concat,
// Slice and arithmetic on them): the Importer evaluates them while
// importing, so that Reshape and its kin get static shapes.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

IntTensor Importer::intFromProto(const onnx::TensorProto &t) {
  IntTensor r;
  r.shape.assign(t.dims().begin(), t.dims().end());
  int64_t n = numElements(r.shape, "int64 tensor '" + t.name() + "'",
                          kMaxIntElements);
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    fail("int64 tensor '" + t.name() + "' uses external data");
  if (t.has_raw_data()) {
    if (static_cast<int64_t>(t.raw_data().size()) != 8 * n)
      fail("int64 tensor '" + t.name() + "' is truncated");
    r.data.resize(n);
    std::memcpy(r.data.data(), t.raw_data().data(), 8 * n);
  } else {
    if (t.int64_data_size() != n)
      fail("int64 tensor '" + t.name() + "' is truncated");
    r.data.assign(t.int64_data().begin(), t.int64_data().end());
  }
  return r;
}

const IntTensor &Importer::intInput(const onnx::NodeProto &node, int i) {
  auto it = ints.find(node.input(i));
  if (it == ints.end())
    fail(node.op_type() + " node '" + node.name() + "': input '" +
         node.input(i) +
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

/// Evaluates the int64 shape arithmetic that exports of `x.chunk`, `flatten`,
/// `view` and window padding produce, so that the graph becomes static:
/// Shape and Size (of any tensor), Range, ConstantOfShape, elementwise
/// Add/Sub/Mul/Div/Mod/Neg/Abs, comparisons, Max/Min, Where, Not/And/Or (with
/// broadcasting), and Cast, Identity, Reshape, Transpose, Slice (any axes and
/// steps), Squeeze, Unsqueeze, Concat, Gather and Expand of known int64
/// tensors. Returns whether `node` was folded.
bool Importer::foldShapeArithmetic(const onnx::NodeProto &node) {
  StringRef op = node.op_type();
  auto known = [&](int i) {
    return i < node.input_size() && ints.count(node.input(i));
  };
  auto set = [&](IntTensor t) {
    ints[node.output(0)] = std::move(t);
    return true;
  };
  auto attrInt = [&](StringRef name, int64_t dflt) {
    const auto *attr = findAttr(node, name);
    return attr ? attr->i() : dflt;
  };
  if (op == "Shape" || op == "Size") {
    SmallVector<int64_t> shape;
    if (known(0)) {
      shape = ints[node.input(0)].shape;
    } else {
      auto it = values.find(node.input(0));
      if (it == values.end() || !it->second)
        return false;
      shape.assign(typeOf(it->second).getShape().begin(),
                   typeOf(it->second).getShape().end());
    }
    IntTensor r;
    if (op == "Size") {
      r.data = {std::accumulate(shape.begin(), shape.end(), int64_t(1),
                                std::multiplies<int64_t>())};
      return set(r);
    }
    int64_t rank = shape.size();
    int64_t start = attrInt("start", 0), end = attrInt("end", rank);
    if (start < 0)
      start += rank;
    if (end < 0)
      end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, start, rank);
    r.data.assign(shape.begin() + start, shape.begin() + end);
    r.shape = {static_cast<int64_t>(r.data.size())};
    return set(r);
  }
  if (op == "Range" && known(0) && known(1) && known(2)) {
    int64_t start = ints[node.input(0)].data.at(0);
    int64_t limit = ints[node.input(1)].data.at(0);
    int64_t delta = ints[node.input(2)].data.at(0);
    if (delta == 0)
      fail("Range node '" + node.name() + "' has a zero step");
    // ceil((limit - start) / delta) elements, computed without overflow.
    double count = std::ceil((static_cast<double>(limit) - start) / delta);
    if (count > kMaxIntElements)
      fail("Range node '" + node.name() + "' has more than " +
           Twine(kMaxIntElements) + " elements");
    IntTensor r;
    for (int64_t v = start; delta > 0 ? v < limit : v > limit; v += delta)
      r.data.push_back(v);
    r.shape = {static_cast<int64_t>(r.data.size())};
    return set(r);
  }
  if (op == "ConstantOfShape" && known(0)) {
    const IntTensor &shapeT = ints[node.input(0)];
    SmallVector<int64_t> shape(shapeT.data.begin(), shapeT.data.end());
    const auto *attr = findAttr(node, "value");
    int type = attr ? attr->t().data_type() : onnx::TensorProto::FLOAT;
    std::string what = "ConstantOfShape node '" + node.name() + "'";
    int64_t n = type == onnx::TensorProto::INT64
                    ? numElements(shape, what, kMaxIntElements)
                    : numElements(shape, what);
    if (type == onnx::TensorProto::INT64) {
      IntTensor r;
      r.shape = shape;
      r.data.assign(n, intFromProto(attr->t()).data.at(0));
      return set(r);
    }
    if (type != onnx::TensorProto::FLOAT)
      fail("ConstantOfShape node '" + node.name() +
           "': only float and int64 values are supported");
    float value = 0.0f;
    if (attr) {
      const onnx::TensorProto &t = attr->t();
      if (t.has_raw_data() && t.raw_data().size() == 4)
        std::memcpy(&value, t.raw_data().data(), 4);
      else if (t.float_data_size() == 1)
        value = t.float_data(0);
    }
    auto type2 = RankedTensorType::get(shape, b.getF32Type());
    values[node.output(0)] = tosa::ConstOp::create(
        b, loc, type2, DenseElementsAttr::get(type2, value));
    return true;
  }
  // Elementwise operations with NumPy broadcasting.
  static const llvm::StringSet<> elementwise = {
      "Add", "Sub", "Mul", "Div", "Mod", "Equal", "Less", "Greater",
      "LessOrEqual", "GreaterOrEqual", "Max", "Min", "Where", "Neg", "Abs",
      "Not", "And", "Or"};
  if (elementwise.contains(op)) {
    SmallVector<const IntTensor *> args;
    for (int i = 0; i < node.input_size(); ++i) {
      if (!known(i))
        return false;
      args.push_back(&ints[node.input(i)]);
    }
    bool cMod = attrInt("fmod", 0) != 0;
    return set(elementwiseInts(
        node, args, [&](ArrayRef<int64_t> v) -> int64_t {
          auto divisor = [&]() {
            if (v[1] == 0)
              fail(op + " node '" + node.name() +
                   "' divides shape data by zero");
            return v[1];
          };
          int64_t r;
          auto overflow = [&]() -> int64_t {
            fail(op + " node '" + node.name() + "' overflows int64");
          };
          if (op == "Add")
            return llvm::AddOverflow(v[0], v[1], r) ? overflow() : r;
          if (op == "Sub")
            return llvm::SubOverflow(v[0], v[1], r) ? overflow() : r;
          if (op == "Mul")
            return llvm::MulOverflow(v[0], v[1], r) ? overflow() : r;
          if ((op == "Div" || op == "Mod") && v[1] == -1)
            return op == "Mod" ? 0
                   : v[0] == std::numeric_limits<int64_t>::min()
                       ? overflow()
                       : -v[0];
          if (op == "Div")
            return v[0] / divisor();
          if (op == "Mod") {
            // fmod=0 (integers): the result has the sign of the divisor,
            // as in Python; fmod=1: the sign of the dividend, as in C.
            r = v[0] % divisor();
            if (!cMod && r != 0 && ((r < 0) != (v[1] < 0)))
              r += v[1];
            return r;
          }
          if (op == "Equal")
            return v[0] == v[1];
          if (op == "Less")
            return v[0] < v[1];
          if (op == "Greater")
            return v[0] > v[1];
          if (op == "LessOrEqual")
            return v[0] <= v[1];
          if (op == "GreaterOrEqual")
            return v[0] >= v[1];
          if (op == "Max")
            return *std::max_element(v.begin(), v.end());
          if (op == "Min")
            return *std::min_element(v.begin(), v.end());
          if (op == "Where")
            return v[0] ? v[1] : v[2];
          if (op == "Neg" || op == "Abs") {
            if (v[0] == std::numeric_limits<int64_t>::min())
              return overflow();
            return op == "Neg" ? -v[0] : std::abs(v[0]);
          }
          if (op == "Not")
            return !v[0];
          if (op == "And")
            return v[0] && v[1];
          return v[0] || v[1]; // Or
        }));
  }
  if (!known(0))
    return false;
  const IntTensor &x = ints[node.input(0)];
  int64_t rank = x.shape.size();
  if (op == "Cast") {
    int64_t to = attrInt("to", onnx::TensorProto::INT64);
    if (to == onnx::TensorProto::FLOAT) {
      // Shape data used as a float tensor (sizes in a normalisation, say).
      SmallVector<float> data(x.data.begin(), x.data.end());
      auto type = RankedTensorType::get(x.shape, b.getF32Type());
      values[node.output(0)] = tosa::ConstOp::create(
          b, loc, type, DenseElementsAttr::get(type, ArrayRef<float>(data)));
      return true;
    }
    return set(x);
  }
  if (op == "Identity")
    return set(x);
  if (op == "Reshape" && known(1)) {
    SmallVector<int64_t> shape(ints[node.input(1)].data.begin(),
                               ints[node.input(1)].data.end());
    int64_t inferred = -1, product = 1;
    for (auto [i, d] : llvm::enumerate(shape)) {
      if (d == 0 && attrInt("allowzero", 0) == 0)
        d = i < x.shape.size() ? x.shape[i] : 0;
      if (d == -1 && inferred == -1)
        inferred = i;
      else if (d < 0)
        fail("Reshape node '" + node.name() + "': bad shape data");
      else
        product *= d;
    }
    if (inferred >= 0)
      shape[inferred] = product ? x.data.size() / product : 0;
    IntTensor r = x;
    r.shape = shape;
    if (numElements(shape, "Reshape node '" + node.name() + "'",
                    kMaxIntElements) != static_cast<int64_t>(x.data.size()))
      fail("Reshape node '" + node.name() + "': the new shape does not hold " +
           Twine(x.data.size()) + " elements");
    return set(r);
  }
  if (op == "Transpose") {
    SmallVector<int64_t> outShape;
    SmallVector<int64_t> inStrides = stridesOf(x.shape), outStrides;
    for (int64_t p : permutation(node, rank)) {
      outShape.push_back(x.shape[p]);
      outStrides.push_back(inStrides[p]);
    }
    return set(gatherStrided(x, outShape, outStrides, 0));
  }
  if (op == "Slice" && known(1) && known(2)) {
    SmallVector<int64_t> strides = stridesOf(x.shape), outShape, outStrides;
    int64_t offset = 0;
    for (auto [d, stride] : llvm::zip(sliceDims(node, x.shape), strides)) {
      outShape.push_back(d.count);
      outStrides.push_back(stride * d.step);
      offset += d.first * stride;
    }
    return set(gatherStrided(x, outShape, outStrides, offset));
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    IntTensor r = x;
    r.shape = squeezedShape(node, x.shape);
    return set(r);
  }
  if (op == "Concat") {
    SmallVector<const IntTensor *> parts;
    for (int i = 0; i < node.input_size(); ++i) {
      if (!known(i))
        return false;
      parts.push_back(&ints[node.input(i)]);
    }
    int64_t axis = normalizeAxis(node, attrInt("axis", 0),
                                 std::max<int64_t>(rank, 1));
    IntTensor r;
    r.shape.assign(x.shape.begin(), x.shape.end());
    if (r.shape.empty())
      r.shape = {1};
    r.shape[axis] = 0;
    for (const IntTensor *part : parts) {
      if (part->shape.size() != x.shape.size())
        fail("Concat node '" + node.name() + "': inputs differ in rank");
      r.shape[axis] += part->shape.empty() ? 1 : part->shape[axis];
    }
    int64_t outer = 1;
    for (int64_t i = 0; i < axis; ++i)
      outer *= x.shape[i];
    for (int64_t o = 0; o < outer; ++o)
      for (const IntTensor *part : parts) {
        int64_t chunk = part->data.size() / std::max<int64_t>(outer, 1);
        r.data.insert(r.data.end(), part->data.begin() + o * chunk,
                      part->data.begin() + (o + 1) * chunk);
      }
    return set(r);
  }
  if (op == "Gather" && known(1)) {
    if (rank == 0)
      fail("Gather node '" + node.name() + "' gathers from a scalar");
    int64_t axis = normalizeAxis(node, attrInt("axis", 0), rank);
    const IntTensor &idx = ints[node.input(1)];
    IntTensor r;
    r.shape.assign(x.shape.begin(), x.shape.begin() + axis);
    r.shape.append(idx.shape.begin(), idx.shape.end());
    r.shape.append(x.shape.begin() + axis + 1, x.shape.end());
    numElements(r.shape, "Gather node '" + node.name() + "'", kMaxIntElements);
    int64_t outer = 1, inner = 1, dim = x.shape[axis];
    for (int64_t i = 0; i < axis; ++i)
      outer *= x.shape[i];
    for (int64_t i = axis + 1; i < rank; ++i)
      inner *= x.shape[i];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i : idx.data) {
        if (i < -dim || i >= dim)
          fail("Gather node '" + node.name() + "': index " + Twine(i) +
               " is out of range for a dimension of " + Twine(dim));
        int64_t base = (o * dim + (i < 0 ? i + dim : i)) * inner;
        r.data.insert(r.data.end(), x.data.begin() + base,
                      x.data.begin() + base + inner);
      }
    return set(r);
  }
  if (op == "Expand" && known(1)) {
    IntTensor shape;
    shape.shape.assign(ints[node.input(1)].data.begin(),
                       ints[node.input(1)].data.end());
    shape.data.assign(
        numElements(shape.shape, "Expand node '" + node.name() + "'",
                    kMaxIntElements),
        0);
    return set(elementwiseInts(node, {&x, &shape},
                               [](ArrayRef<int64_t> v) { return v[0]; }));
  }
  return false;
}

/// Row-major strides of `shape`.
SmallVector<int64_t> Importer::stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// The elements of `x` at `offset + sum(index[d] * strides[d])` for every
/// index of `shape`: transposes and strided slices.
IntTensor Importer::gatherStrided(const IntTensor &x, ArrayRef<int64_t> shape,
                                  ArrayRef<int64_t> strides, int64_t offset) {
  IntTensor r;
  r.shape.assign(shape.begin(), shape.end());
  int64_t n = numElements(shape, "shape data", kMaxIntElements);
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t e = 0; e < n; ++e) {
    int64_t at = offset;
    for (size_t d = 0; d < shape.size(); ++d)
      at += index[d] * strides[d];
    r.data.push_back(x.data.at(at));
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return r;
}

/// Applies `fn` elementwise to `args` broadcast together, NumPy style.
IntTensor Importer::elementwiseInts(
    const onnx::NodeProto &node, ArrayRef<const IntTensor *> args,
    llvm::function_ref<int64_t(ArrayRef<int64_t>)> fn) {
  size_t outRank = 0;
  for (const IntTensor *a : args)
    outRank = std::max(outRank, a->shape.size());
  SmallVector<int64_t> shape(outRank, 1);
  for (const IntTensor *a : args)
    for (size_t i = 0; i < a->shape.size(); ++i) {
      int64_t d = a->shape[i], &o = shape[outRank - a->shape.size() + i];
      if (d != o && d != 1 && o != 1)
        fail(node.op_type() + " node '" + node.name() +
             "': shapes do not broadcast");
      if (d != 1)
        o = d;
    }
  // Each operand's strides in the output's index space (0 where broadcast).
  SmallVector<SmallVector<int64_t>> strides;
  for (const IntTensor *a : args) {
    SmallVector<int64_t> own = stridesOf(a->shape), s(outRank, 0);
    for (size_t i = 0; i < a->shape.size(); ++i)
      if (a->shape[i] != 1)
        s[outRank - a->shape.size() + i] = own[i];
    strides.push_back(s);
  }
  IntTensor r;
  r.shape = shape;
  int64_t n = numElements(shape, node.op_type() + " node '" + node.name() + "'",
                          kMaxIntElements);
  SmallVector<int64_t> index(outRank, 0), operands(args.size());
  for (int64_t e = 0; e < n; ++e) {
    for (size_t k = 0; k < args.size(); ++k) {
      int64_t at = 0;
      for (size_t d = 0; d < outRank; ++d)
        at += index[d] * strides[k][d];
      operands[k] = args[k]->data.at(at);
    }
    r.data.push_back(fn(operands));
    for (int64_t d = static_cast<int64_t>(outRank) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return r;
}

} // namespace onnx_import
} // namespace uniform
