//===- ImportDataMovement.cpp - ONNX shape and data movement ops to TOSA --===//
//
// Ops that move data without computing on it: Identity, Constant,
// Transpose, Reshape, Flatten, Squeeze, Unsqueeze, Concat, Slice, Split,
// Pad, Expand, Gather and GatherElements (Resize: ImportResize.cpp). Their
// int64 forms (shape data) are folded by ShapeFolding.cpp instead.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

Value Importer::importIdentity(const onnx::NodeProto &node) {
  return input(node, 0);
}

/// Dropout at inference, or with a ratio of 0 (which torch exports with
/// training_mode true): the identity. Its mask output is left undefined; a
/// node that reads it is an error there.
Value Importer::importDropout(const onnx::NodeProto &node) {
  bool training = false;
  if (hasInput(node, 2))
    training =
        llvm::any_of(intInput(node, 2).data, [](int64_t v) { return v != 0; });
  std::optional<float> ratio = 0.5f;
  if (hasInput(node, 1))
    ratio = splatOf(input(node, 1));
  if (training && ratio != 0.0f)
    failAt(node, "training_mode is true with a ratio other than 0; only "
                 "inference is supported");
  return input(node, 0);
}

/// Cast of a float tensor. The importer computes in f32: to FLOAT (or
/// DOUBLE) it is the identity; to FLOAT16 or BFLOAT16 the value is rounded
/// to that type and widened back, as the model's next op would read it.
/// Cast between the types a graph computes at run time: floats (f16 and
/// bf16 rounded, then widened), int64 and int32 (floats rounded toward
/// zero), and booleans (masks). Import-time integers are folded instead.
Value Importer::importCast(const onnx::NodeProto &node) {
  int64_t to = intAttr(node, "to", onnx::TensorProto::FLOAT);
  if (to == onnx::TensorProto::BOOL)
    return boolInput(node, 0); // A mask cast to what it already is.
  Value x = anyValue(node.input(0), node);
  Type from = typeOf(x).getElementType();
  auto castTo = [&](Value v, Type element) -> Value {
    if (typeOf(v).getElementType() == element)
      return v;
    return tosa::CastOp::create(b, loc, typeOf(v).clone(element), v);
  };
  auto name = [](int64_t type) {
    return onnx::TensorProto::DataType_Name(
        static_cast<onnx::TensorProto::DataType>(type));
  };
  if (to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32) {
    Type element = declaredElementType(to);
    return castTo(isa<FloatType>(from) ? truncate(x) : x, element);
  }
  if (to != onnx::TensorProto::FLOAT && to != onnx::TensorProto::DOUBLE &&
      to != onnx::TensorProto::FLOAT16 && to != onnx::TensorProto::BFLOAT16)
    failAt(node, "casting to " + name(to) + " is not supported");
  x = castTo(x, b.getF32Type());
  if (to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE)
    return x;
  return widen(castTo(x, declaredElementType(to)));
}

Value Importer::truncate(Value x) {
  RankedTensorType t = typeOf(x);
  Value zero = scalarLike(0.0f, x);
  auto i1 = t.clone(b.getI1Type());
  Value negative = tosa::GreaterOp::create(b, loc, i1, zero, x);
  return tosa::SelectOp::create(b, loc, t, negative,
                                tosa::CeilOp::create(b, loc, t, x),
                                tosa::FloorOp::create(b, loc, t, x));
}

/// A float Constant as tosa.const; an integer or boolean one is import-time
/// data.
Value Importer::importConstant(const onnx::NodeProto &node) {
  const auto *attr = findAttr(node, "value");
  if (!attr || !attr->has_t())
    failAt(node, "only a tensor value is supported");
  onnx::TensorProto t = attr->t();
  t.set_name(node.output(0));
  if (isImportTimeInt(t.data_type())) {
    ints[node.output(0)] = intFromProto(t);
    return {};
  }
  return constant(t);
}

Value Importer::importTranspose(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  return transpose(x, check(node, permutationOf(intsAttr(node, "perm"),
                                                typeOf(x).getRank())));
}

/// Reshape to import-time shape data (0 copies an extent unless allowzero,
/// -1 takes the rest).
Value Importer::importReshape(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  return reshape(
      x, check(node, reshapeTarget(typeOf(x).getShape(), intInput(node, 1).data,
                                   intAttr(node, "allowzero", 0))));
}

Value Importer::importFlatten(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  ArrayRef<int64_t> shape = typeOf(x).getShape();
  int64_t rank = shape.size();
  int64_t axis = intAttr(node, "axis", 1);
  axis = axis == rank ? rank : normalizeAxis(node, axis, rank);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < rank; ++i)
    (i < axis ? outer : inner) *= shape[i];
  return reshape(x, {outer, inner});
}

/// Squeeze and Unsqueeze.
Value Importer::importSqueeze(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  return reshape(
      x, check(node, squeezedShape(typeOf(x).getShape(), squeezeAxes(node),
                                   node.op_type() == "Unsqueeze")));
}

Value Importer::importConcat(const onnx::NodeProto &node) {
  SmallVector<Value> inputs;
  for (int i = 0; i < node.input_size(); ++i)
    inputs.push_back(input(node, i));
  RankedTensorType t = typeOf(inputs[0]);
  int64_t axis = axisAttr(node, "axis", 0, t.getRank());
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] = 0;
  for (Value v : inputs) {
    RankedTensorType vt = typeOf(v);
    if (vt.getRank() != t.getRank())
      failAt(node, "inputs differ in rank");
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (d != axis && vt.getDimSize(d) != t.getDimSize(d))
        failAt(node, "inputs differ off the axis");
    shape[axis] += vt.getDimSize(axis);
  }
  return tosa::ConcatOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), inputs,
      b.getI32IntegerAttr(axis));
}

/// Every `step`-th element of axis `axis` of `x` from `first`, `count` of
/// them: a slice of the span, padded to whole steps, reshaped so that the
/// step is a dimension of its own, and its first element taken. A negative
/// step reverses the axis first.
Value Importer::stridedAxis(Value x, int64_t axis, SliceDim d) {
  RankedTensorType t = typeOf(x);
  int64_t extent = t.getDimSize(axis), first = d.first, step = d.step;
  if (step < 0) {
    x = tosa::ReverseOp::create(b, loc, t, x, b.getI32IntegerAttr(axis));
    first = extent - 1 - first;
    step = -step;
  }
  SmallVector<int64_t> start(t.getRank(), 0), size(t.getShape());
  start[axis] = first;
  size[axis] = std::min(d.count * step, extent - first);
  x = slice(x, start, size);
  if (int64_t missing = d.count * step - size[axis]) {
    SmallVector<int64_t> padding(2 * t.getRank(), 0);
    padding[2 * axis + 1] = missing;
    size[axis] += missing;
    x = pad(x, padding);
  }
  SmallVector<int64_t> split(t.getShape());
  split[axis] = step;
  split.insert(split.begin() + axis, d.count);
  SmallVector<int64_t> firstOfStep(split.size(), 0), one(split);
  one[axis + 1] = 1;
  Value picked = slice(reshape(x, split), firstOfStep, one);
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] = d.count;
  return reshape(picked, shape);
}

Value Importer::importSlice(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  SmallVector<SliceDim> dims = sliceDims(node, typeOf(x).getShape());
  SmallVector<int64_t> start, size;
  for (const SliceDim &d : dims) {
    bool unit = d.step == 1 || d.count <= 1;
    start.push_back(unit ? d.first : 0);
    size.push_back(unit ? d.count : typeOf(x).getDimSize(start.size() - 1));
  }
  if (llvm::is_contained(size, 0))
    failAt(node, "the slice is empty, which TOSA cannot represent");
  x = slice(x, start, size);
  // Strided axes, each on what the unit-step slice left.
  for (auto [axis, d] : llvm::enumerate(dims))
    if (d.step != 1 && d.count > 1)
      x = stridedAxis(x, axis, d);
  return x;
}

/// Split into the sizes of input 1, or equal parts.
Value Importer::importSplit(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  RankedTensorType t = typeOf(x);
  int64_t axis = axisAttr(node, "axis", 0, t.getRank());
  std::vector<int64_t> sizes;
  if (hasInput(node, 1))
    sizes = intInput(node, 1).data;
  else
    sizes.assign(node.output_size(), t.getDimSize(axis) / node.output_size());
  if (static_cast<int64_t>(sizes.size()) != node.output_size() ||
      llvm::any_of(sizes, [](int64_t n) { return n < 0; }) ||
      std::accumulate(sizes.begin(), sizes.end(), int64_t(0)) !=
          t.getDimSize(axis))
    failAt(node, "the split sizes do not add up to the dimension of " +
                     Twine(t.getDimSize(axis)));
  int64_t offset = 0;
  for (int i = 0; i < node.output_size(); ++i) {
    SmallVector<int64_t> start(t.getRank(), 0), size(t.getShape());
    start[axis] = offset;
    size[axis] = sizes[i];
    offset += sizes[i];
    values[node.output(i)] = slice(x, start, size);
  }
  return {};
}

/// Pad in every mode: constant (any constant value), reflect (numpy's and
/// PyTorch's: the edge is not repeated), edge and wrap (opset 19). Negative
/// pads remove elements after the padding, so that output element i is the
/// padded input's element i - pads_begin whatever the signs (which matters
/// in wrap and reflect mode, where cropping first would change what wraps).
Value Importer::importPad(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  RankedTensorType t = typeOf(x);
  int64_t rank = t.getRank();
  std::string mode = "constant";
  if (const auto *attr = findAttr(node, "mode"))
    mode = attr->s();
  if (mode != "constant" && mode != "reflect" && mode != "edge" &&
      mode != "wrap")
    failAt(node, "mode '" + mode + "' is not supported");
  if (hasInput(node, 3))
    failAt(node, "the axes input is not supported");
  std::vector<int64_t> pads = intInput(node, 1).data;
  if (static_cast<int64_t>(pads.size()) != 2 * rank)
    failAt(node, "expected " + Twine(2 * rank) + " pads");
  float value = 0.0f;
  if (hasInput(node, 2)) {
    std::optional<float> v = splatOf(input(node, 2));
    if (!v)
      failAt(node, "the pad value must be a constant");
    value = *v;
  }
  // The positive pads, then the crops of the negative ones; every extent on
  // the way must fit in int64 and the result must keep each axis.
  SmallVector<int64_t> padding, start(rank, 0), size(rank);
  for (int64_t i = 0; i < rank; ++i) {
    int64_t lo = pads[i], hi = pads[i + rank], padded, extent;
    if (llvm::AddOverflow(t.getDimSize(i), std::max<int64_t>(lo, 0), padded) ||
        llvm::AddOverflow(padded, std::max<int64_t>(hi, 0), padded) ||
        llvm::AddOverflow(t.getDimSize(i), lo, extent) ||
        llvm::AddOverflow(extent, hi, extent))
      failAt(node, "the padded extent overflows int64");
    if (extent < 1)
      failAt(node, "the pads crop axis " + Twine(i) + " away");
    padding.append({std::max<int64_t>(lo, 0), std::max<int64_t>(hi, 0)});
    start[i] = std::max<int64_t>(-lo, 0);
    size[i] = extent;
  }
  bool anyPadding = llvm::any_of(padding, [](int64_t p) { return p != 0; });
  if (anyPadding && mode == "constant")
    x = pad(x, padding, value);
  else if (anyPadding)
    for (int64_t i = 0; i < rank; ++i)
      if (padding[2 * i] || padding[2 * i + 1])
        x = padAxis(node, x, i, padding[2 * i], padding[2 * i + 1], mode);
  if (!llvm::equal(size, typeOf(x).getShape()))
    x = slice(x, start, size);
  return x;
}

/// `x` padded along `axis` by `before` and `after` elements that repeat
/// its own: mirrored without the edge (reflect), the edge (edge), or the
/// other end (wrap).
Value Importer::padAxis(const onnx::NodeProto &node, Value x, int64_t axis,
                        int64_t before, int64_t after, StringRef mode) {
  RankedTensorType t = typeOf(x);
  int64_t n = t.getDimSize(axis);
  auto part = [&](int64_t first, int64_t count) {
    SmallVector<int64_t> start(t.getRank(), 0), size(t.getShape());
    start[axis] = first;
    size[axis] = count;
    return slice(x, start, size);
  };
  auto repeat = [&](Value edge, int64_t count) {
    SmallVector<int64_t> multiples(t.getRank(), 1), shape(t.getShape());
    multiples[axis] = shape[axis] = count;
    return tosa::TileOp::create(
        b, loc, RankedTensorType::get(shape, t.getElementType()), edge,
        shapeValue(multiples));
  };
  auto reverse = [&](Value v) {
    return tosa::ReverseOp::create(b, loc, v.getType(), v,
                                   b.getI32IntegerAttr(axis));
  };
  int64_t limit = mode == "reflect" ? n - 1 : mode == "wrap" ? n : INT64_MAX;
  if (before > limit || after > limit)
    failAt(node, "mode '" + mode + "' pads axis " + Twine(axis) + " of " +
                     Twine(n) + " by more than " + Twine(limit));
  SmallVector<Value> parts;
  if (before)
    parts.push_back(mode == "reflect" ? Value(reverse(part(1, before)))
                    : mode == "edge"  ? Value(repeat(part(0, 1), before))
                                      : part(n - before, before));
  parts.push_back(x);
  if (after)
    parts.push_back(mode == "reflect"
                        ? Value(reverse(part(n - 1 - after, after)))
                    : mode == "edge" ? Value(repeat(part(n - 1, 1), after))
                                     : part(0, after));
  SmallVector<int64_t> shape(t.getShape());
  shape[axis] += before + after;
  return tosa::ConcatOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), parts,
      b.getI32IntegerAttr(axis));
}

/// Broadcast to import-time shape data: tile the unit dimensions.
Value Importer::importExpand(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  std::vector<int64_t> target = intInput(node, 1).data;
  SmallVector<int64_t> shape =
      check(node, broadcastShapes({typeOf(x).getShape(), ArrayRef(target)}));
  numElements(shape, node.op_type() + " node '" + node.name() + "'");
  SmallVector<int64_t> lifted(shape.size() - typeOf(x).getRank(), 1);
  llvm::append_range(lifted, typeOf(x).getShape());
  x = reshape(x, lifted);
  SmallVector<int64_t> multiples;
  for (auto [d, want] : llvm::zip(lifted, shape))
    multiples.push_back(d == want ? 1 : want);
  if (llvm::all_of(multiples, [](int64_t m) { return m == 1; }))
    return x;
  return tosa::TileOp::create(
      b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()), x,
      shapeValue(multiples));
}

/// Gather's indices known only at run time, as tosa.gather's [1, W] i32:
/// negative ones counted from the end (i + K where i < 0), then clamped into
/// [0, K - 1], so that an index out of range reads the nearest row instead
/// of memory outside the tensor.
Value Importer::runtimeGatherIndices(const onnx::NodeProto &node, Value indices,
                                     int64_t extent) {
  if (extent > std::numeric_limits<int32_t>::max())
    failAt(node, "the gathered axis has " + Twine(extent) +
                     " entries, more than 32-bit indices reach");
  int64_t w = typeOf(indices).getNumElements();
  auto idxType = RankedTensorType::get({1, w}, b.getI32Type());
  Value i32 = tosa::CastOp::create(b, loc, idxType, reshape(indices, {1, w}));
  auto splat = [&](int32_t v) {
    auto type = RankedTensorType::get({1, 1}, b.getI32Type());
    return tosa::ConstOp::create(b, loc, type, DenseElementsAttr::get(type, v));
  };
  auto boolType = RankedTensorType::get({1, w}, b.getI1Type());
  Value negative = tosa::GreaterOp::create(b, loc, boolType, splat(0), i32);
  Value wrapped = tosa::AddOp::create(b, loc, idxType, i32,
                                      splat(static_cast<int32_t>(extent)));
  Value fixed = tosa::SelectOp::create(b, loc, idxType, negative, wrapped, i32);
  return tosa::ClampOp::create(
      b, loc, idxType, fixed, b.getI32IntegerAttr(0),
      b.getI32IntegerAttr(static_cast<int32_t>(extent - 1)));
}

/// Gather of a constant table with constant indices, at import: a
/// relative position bias becomes the constant bias that attn-raise gives
/// the attention op.
Value Importer::gatherConstant(ArrayRef<float> table, ArrayRef<int64_t> shape,
                               int64_t axis, ArrayRef<int64_t> idxShape,
                               ArrayRef<int32_t> indices, StringRef name) {
  int64_t outer = 1, inner = 1, k = shape[axis];
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  for (int64_t d = axis + 1; d < static_cast<int64_t>(shape.size()); ++d)
    inner *= shape[d];
  SmallVector<int64_t> outShape(shape.take_front(axis));
  llvm::append_range(outShape, idxShape);
  llvm::append_range(outShape, shape.drop_front(axis + 1));
  std::vector<float> out;
  out.reserve(numElements(outShape, "the gathered constant"));
  for (int64_t o = 0; o < outer; ++o)
    for (int32_t i : indices) {
      const float *row = table.data() + (o * k + i) * inner;
      out.insert(out.end(), row, row + inner);
    }
  return floatConstant(outShape, out, name);
}

/// tosa.gather on [1, K, C] with the gathered axis moved to the front.
/// Indices are constants, import-time shape data, or an int64 tensor known
/// only at run time (a graph input).
Value Importer::importGather(const onnx::NodeProto &node) {
  Value data = input(node, 0);
  RankedTensorType t = typeOf(data);
  int64_t rank = t.getRank();
  int64_t axis = axisAttr(node, "axis", 0, rank);
  int64_t k = t.getDimSize(axis);
  SmallVector<int64_t> idxShape;
  Value idxV;
  if (auto it = values.find(node.input(1));
      it != values.end() && it->second && !ints.count(node.input(1))) {
    llvm::append_range(idxShape, typeOf(it->second).getShape());
    idxV = runtimeGatherIndices(node, it->second, k);
  } else {
    const IntTensor &idx = intInput(node, 1);
    idxShape = idx.shape;
    SmallVector<int32_t> idx32;
    for (int64_t i : idx.data) {
      if (i < -k || i >= k)
        failAt(node, "index " + Twine(i) + " is out of range");
      idx32.push_back(static_cast<int32_t>(i < 0 ? i + k : i));
    }
    if (k > std::numeric_limits<int32_t>::max())
      failAt(node, "the gathered axis is too long for 32-bit indices");
    if (std::optional<ArrayRef<float>> table = constantFloats(data))
      return gatherConstant(*table, t.getShape(), axis, idx.shape, idx32,
                            node.output(0));
    auto idxType = RankedTensorType::get(
        {1, static_cast<int64_t>(idx32.size())}, b.getI32Type());
    idxV = tosa::ConstOp::create(
        b, loc, idxType, DenseElementsAttr::get(idxType, ArrayRef(idx32)));
  }
  // The gathered axis first, the rest flattened: [1, K, rest].
  SmallVector<int64_t> perm = {axis}, rest;
  for (int64_t i = 0; i < rank; ++i)
    if (i != axis) {
      perm.push_back(i);
      rest.push_back(t.getDimSize(i));
    }
  int64_t restSize = std::accumulate(rest.begin(), rest.end(), int64_t(1),
                                     std::multiplies<int64_t>());
  int64_t w = typeOf(idxV).getDimSize(1);
  Value gathered = tosa::GatherOp::create(
      b, loc, RankedTensorType::get({1, w, restSize}, t.getElementType()),
      reshape(transpose(data, perm), {1, k, restSize}), idxV);
  // [indices..., rest...], then the rest's dimensions back in place.
  SmallVector<int64_t> flatShape(idxShape);
  llvm::append_range(flatShape, rest);
  int64_t ir = idxShape.size();
  SmallVector<int64_t> back;
  for (int64_t i = 0; i < axis; ++i)
    back.push_back(ir + i);
  for (int64_t i = 0; i < ir; ++i)
    back.push_back(i);
  for (int64_t i = axis; i < static_cast<int64_t>(rest.size()); ++i)
    back.push_back(ir + i);
  return transpose(reshape(gathered, flatShape), back);
}

/// ONNX GatherElements with constant indices: out[i] is data at i with the
/// `axis` coordinate replaced by indices[i]. One tosa.gather over the
/// flattened data with the flat positions computed at import.
Value Importer::importGatherElements(const onnx::NodeProto &node) {
  Value data = input(node, 0);
  RankedTensorType t = typeOf(data);
  int64_t rank = t.getRank();
  const onnx::AttributeProto *axisAttr = findAttr(node, "axis");
  int64_t axis = axisAttr ? axisAttr->i() : 0;
  if (axis < -rank || axis >= rank)
    failAt(node, "axis " + Twine(axis) + " is out of range");
  if (axis < 0)
    axis += rank;
  const IntTensor &idx = intInput(node, 1);
  if (static_cast<int64_t>(idx.shape.size()) != rank)
    failAt(node, "indices of rank " + Twine(idx.shape.size()) +
                     " for data of rank " + Twine(rank));
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis && idx.shape[d] > t.getDimSize(d))
      failAt(node, "indices extent " + Twine(idx.shape[d]) +
                       " exceeds the data's " + Twine(t.getDimSize(d)) +
                       " in dimension " + Twine(d));
  int64_t total = t.getNumElements();
  if (total > std::numeric_limits<int32_t>::max())
    failAt(node, "the data has too many elements for 32-bit gather indices");
  SmallVector<int64_t> strides = stridesOf(t.getShape());
  SmallVector<int64_t> pos(rank, 0);
  SmallVector<int32_t> flat;
  flat.reserve(idx.data.size());
  int64_t k = t.getDimSize(axis);
  for (int64_t i : idx.data) {
    if (i < -k || i >= k)
      failAt(node, "index " + Twine(i) +
                       " is out of range for a dimension of " + Twine(k));
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += (d == axis ? (i < 0 ? i + k : i) : pos[d]) * strides[d];
    flat.push_back(static_cast<int32_t>(offset));
    // The next position in row-major order.
    for (int64_t d = rank - 1; d >= 0 && ++pos[d] == idx.shape[d]; --d)
      pos[d] = 0;
  }
  int64_t w = flat.size();
  auto idxType = RankedTensorType::get({1, w}, b.getI32Type());
  Value indices = tosa::ConstOp::create(
      b, loc, idxType, DenseElementsAttr::get(idxType, ArrayRef(flat)));
  Value table = reshape(data, {1, total, 1});
  Value gathered = tosa::GatherOp::create(
      b, loc, RankedTensorType::get({1, w, 1}, t.getElementType()), table,
      indices);
  return reshape(gathered, idx.shape);
}

void registerDataMovementOps(OpRegistry &registry) {
  registry.add("Identity", 13, &Importer::importIdentity);
  registry.add("Dropout", 13, &Importer::importDropout);
  registry.add("Cast", 13, &Importer::importCast);
  registry.add("Constant", 13, &Importer::importConstant);
  registry.add("Transpose", 13, &Importer::importTranspose);
  registry.add("Reshape", 13, &Importer::importReshape);
  registry.add("Flatten", 13, &Importer::importFlatten);
  registry.add("Squeeze", 13, &Importer::importSqueeze);
  registry.add("Unsqueeze", 13, &Importer::importSqueeze);
  registry.add("Concat", 13, &Importer::importConcat);
  registry.add("Slice", 13, &Importer::importSlice);
  registry.add("Split", 13, &Importer::importSplit);
  registry.add("Pad", 13, &Importer::importPad);
  registry.add("Expand", 13, &Importer::importExpand);
  registry.add("Gather", 13, &Importer::importGather);
  registry.add("GatherElements", 13, &Importer::importGatherElements);
}

} // namespace onnx_import
} // namespace uniform
