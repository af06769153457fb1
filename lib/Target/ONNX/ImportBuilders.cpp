//===- ImportBuilders.cpp - TOSA for the larger ONNX ops --------------------===//
//
// The Importer's builders for ops that take more than one TOSA op
// (Transpose, GatherElements, Einsum, Conv) and the reading of axis,
// permutation, squeeze and slice attributes, checked against the shapes
// they apply to; opaque() for ops passed through as they are.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

Value Importer::transpose(Value v, ArrayRef<int64_t> perm) {
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return v;
  RankedTensorType t = typeOf(v);
  SmallVector<int64_t> shape;
  SmallVector<int32_t> perm32;
  for (int64_t p : perm) {
    shape.push_back(t.getDimSize(p));
    perm32.push_back(static_cast<int32_t>(p));
  }
  return tosa::TransposeOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), v,
      b.getDenseI32ArrayAttr(perm32));
}

/// ONNX GatherElements with constant indices: out[i] is data at i with the
/// `axis` coordinate replaced by indices[i]. One tosa.gather over the
/// flattened data with the flat positions computed at import.
Value Importer::gatherElements(const onnx::NodeProto &node, Value data) {
  RankedTensorType t = typeOf(data);
  int64_t rank = t.getRank();
  const onnx::AttributeProto *axisAttr = findAttr(node, "axis");
  int64_t axis = axisAttr ? axisAttr->i() : 0;
  if (axis < -rank || axis >= rank)
    fail("GatherElements node '" + node.name() + "': axis " + Twine(axis) +
         " is out of range");
  if (axis < 0)
    axis += rank;
  const IntTensor &idx = intInput(node, 1);
  if (static_cast<int64_t>(idx.shape.size()) != rank)
    fail("GatherElements node '" + node.name() + "': indices of rank " +
         Twine(idx.shape.size()) + " for data of rank " + Twine(rank));
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis && idx.shape[d] > t.getDimSize(d))
      fail("GatherElements node '" + node.name() + "': indices extent " +
           Twine(idx.shape[d]) + " exceeds the data's " +
           Twine(t.getDimSize(d)) + " in dimension " + Twine(d));
  int64_t total = t.getNumElements();
  if (total > std::numeric_limits<int32_t>::max())
    fail("GatherElements node '" + node.name() +
         "': the data has too many elements for 32-bit gather indices");
  SmallVector<int64_t> strides = stridesOf(t.getShape());
  SmallVector<int64_t> pos(rank, 0);
  SmallVector<int32_t> flat;
  flat.reserve(idx.data.size());
  int64_t k = t.getDimSize(axis);
  for (int64_t i : idx.data) {
    if (i < -k || i >= k)
      fail("GatherElements node '" + node.name() + "': index " + Twine(i) +
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

/// ONNX Einsum of two operands without repeated or broadcast indices (the
/// batched products attention is written with): indices in both operands
/// and the output are the batch, those in both operands only are
/// contracted, the rest are each operand's free indices. One tosa.matmul
/// between transposes and reshapes. One operand: a permutation.
Value Importer::einsum(const onnx::NodeProto &node,
                       ArrayRef<Value> operands) {
  const onnx::AttributeProto *attr = findAttr(node, "equation");
  std::string equation;
  for (char c : attr ? attr->s() : std::string())
    if (c != ' ')
      equation.push_back(c);
  auto unsupported = [&](const Twine &why) {
    fail("Einsum node '" + node.name() + "' ('" + equation + "'): " + why);
  };
  size_t arrow = equation.find("->");
  std::string lhs = equation.substr(0, arrow);
  SmallVector<std::string> terms;
  for (StringRef term : llvm::split(StringRef(lhs), ','))
    terms.push_back(term.str());
  if (terms.size() != operands.size() || terms.size() > 2)
    unsupported("only one or two operands are supported");
  llvm::DenseMap<char, int64_t> extent, uses;
  for (auto [term, operand] : llvm::zip(terms, operands)) {
    RankedTensorType t = typeOf(operand);
    if (static_cast<int64_t>(term.size()) != t.getRank())
      unsupported("a term does not match its operand's rank");
    for (auto [i, c] : llvm::enumerate(term)) {
      if (!llvm::isAlpha(c) || llvm::count(term, c) != 1)
        unsupported("only distinct letters per term are supported");
      auto [it, inserted] = extent.try_emplace(c, t.getDimSize(i));
      if (!inserted && it->second != t.getDimSize(i))
        unsupported("index '" + Twine(c) + "' has different extents");
      ++uses[c];
    }
  }
  std::string out;
  if (arrow != std::string::npos) {
    out = equation.substr(arrow + 2);
  } else {
    // Implicit output: the letters used once, in alphabetical order.
    for (char c = 'A'; c <= 'z'; ++c)
      if (uses.lookup(c) == 1)
        out.push_back(c);
  }
  for (char c : out)
    if (!extent.count(c) || llvm::count(out, c) != 1)
      unsupported("the output's indices are not distinct input indices");
  auto positions = [](const std::string &term, const std::string &letters) {
    SmallVector<int64_t> perm;
    for (char c : letters)
      perm.push_back(term.find(c));
    return perm;
  };
  auto product = [&](const std::string &letters) {
    int64_t p = 1;
    for (char c : letters)
      p *= extent[c];
    return p;
  };
  auto shapeOf = [&](const std::string &letters) {
    SmallVector<int64_t> shape;
    for (char c : letters)
      shape.push_back(extent[c]);
    return shape;
  };
  if (terms.size() == 1) {
    if (out.size() != terms[0].size())
      unsupported("summing over an index is not supported");
    return transpose(operands[0], positions(terms[0], out));
  }
  const std::string &ta = terms[0], &tb = terms[1];
  std::string batch, contract, freeA, freeB;
  for (char c : out) {
    bool inA = ta.find(c) != std::string::npos;
    bool inB = tb.find(c) != std::string::npos;
    (inA && inB ? batch : inA ? freeA : freeB).push_back(c);
  }
  for (char c : ta)
    if (out.find(c) == std::string::npos) {
      if (tb.find(c) == std::string::npos)
        unsupported("summing over an index of one operand is not supported");
      contract.push_back(c);
    }
  for (char c : tb)
    if (out.find(c) == std::string::npos &&
        ta.find(c) == std::string::npos)
      unsupported("summing over an index of one operand is not supported");
  Value a = reshape(transpose(operands[0], positions(ta, batch + freeA + contract)),
                    {product(batch), product(freeA), product(contract)});
  Value c = reshape(transpose(operands[1], positions(tb, batch + contract + freeB)),
                    {product(batch), product(contract), product(freeB)});
  std::string natural = batch + freeA + freeB;
  Value result = reshape(matmul(a, c), shapeOf(natural));
  return transpose(result, positions(natural, out));
}

std::optional<int64_t> fitWindows(int64_t in, int64_t window,
                                  int64_t padBegin, int64_t &padEnd,
                                  int64_t stride, int64_t &cut) {
  int64_t span = in + padBegin + padEnd - window;
  if (span < 0)
    return std::nullopt;
  int64_t extra = span % stride;
  cut = std::max<int64_t>(0, extra - padEnd);
  padEnd -= extra - cut;
  return (span - extra) / stride + 1;
}

/// ONNX Conv (NCHW, weights [O, I/group, KH, KW]) as tosa.conv2d (group 1),
/// tosa.depthwise_conv2d (group = input channels) or one tosa.conv2d per
/// group, in NHWC between two transposes that cancel against their
/// neighbours'.
Value Importer::conv(const onnx::NodeProto &node, Value x, Value w,
                     Value bias) {
  RankedTensorType xt = typeOf(x), wt = typeOf(w);
  if (xt.getRank() != 4)
    fail("Conv node '" + node.name() + "': only 2-D convolutions are supported");
  auto ints = [&](StringRef name, SmallVector<int64_t> fallback) {
    if (const auto *attr = findAttr(node, name))
      return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
    return fallback;
  };
  if (const auto *attr = findAttr(node, "auto_pad");
      attr && attr->s() != "NOTSET")
    fail("Conv node '" + node.name() + "': auto_pad is not supported");
  int64_t group = findAttr(node, "group") ? findAttr(node, "group")->i() : 1;
  SmallVector<int64_t> strides = ints("strides", {1, 1});
  SmallVector<int64_t> dil = ints("dilations", {1, 1});
  SmallVector<int64_t> pads = ints("pads", {0, 0, 0, 0}); // t, l, b, r
  // libonnx's checker lets some of these through (group 0, say).
  auto positive = [](ArrayRef<int64_t> v) {
    return llvm::all_of(v, [](int64_t x) { return x >= 1; });
  };
  if (wt.getRank() != 4 || group < 1 || strides.size() != 2 ||
      dil.size() != 2 || pads.size() != 4 || !positive(strides) ||
      !positive(dil) || llvm::any_of(pads, [](int64_t p) { return p < 0; }) ||
      wt.getDimSize(0) % group != 0 || xt.getDimSize(1) % group != 0 ||
      wt.getDimSize(1) * group != xt.getDimSize(1))
    fail("Conv node '" + node.name() +
         "': inconsistent weight shape, group, strides, dilations or pads");
  int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), h = xt.getDimSize(2),
          wd = xt.getDimSize(3);
  int64_t o = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  int64_t padH[2] = {pads[0], pads[2]}, padW[2] = {pads[1], pads[3]};
  int64_t cutH, cutW;
  std::optional<int64_t> oh = fitWindows(h, (kh - 1) * dil[0] + 1, padH[0],
                                         padH[1], strides[0], cutH);
  std::optional<int64_t> ow = fitWindows(wd, (kw - 1) * dil[1] + 1, padW[0],
                                         padW[1], strides[1], cutW);
  if (!oh || !ow)
    fail("Conv node '" + node.name() +
         "': the kernel is larger than the padded input");
  Value nhwc = tosa::TransposeOp::create(
      b, loc, RankedTensorType::get({n, h, wd, c}, b.getF32Type()), x,
      b.getDenseI32ArrayAttr({0, 2, 3, 1}));
  if (cutH || cutW) {
    h -= cutH;
    wd -= cutW;
    nhwc = slice(nhwc, {0, 0, 0, 0}, {n, h, wd, c});
  }
  if (!bias) {
    auto type = RankedTensorType::get({o}, b.getF32Type());
    bias = tosa::ConstOp::create(b, loc, type,
                                 DenseElementsAttr::get(type, 0.0f));
  }
  auto padAttr = b.getDenseI64ArrayAttr({padH[0], padH[1], padW[0], padW[1]});
  auto outType = RankedTensorType::get({n, *oh, *ow, o}, b.getF32Type());
  Value y;
  if (group == 1) {
    Value ohwi = tosa::TransposeOp::create(
        b, loc, RankedTensorType::get({o, kh, kw, c}, b.getF32Type()), w,
        b.getDenseI32ArrayAttr({0, 2, 3, 1}));
    y = tosa::Conv2DOp::create(b, loc, outType, nhwc, ohwi, bias, padAttr,
                               b.getDenseI64ArrayAttr(strides),
                               b.getDenseI64ArrayAttr(dil),
                               TypeAttr::get(b.getF32Type()));
  } else if (group == c && wt.getDimSize(1) == 1 && o % c == 0) {
    int64_t m = o / c;
    Value w4 = reshape(w, {c, m, kh, kw});
    Value hwcm = tosa::TransposeOp::create(
        b, loc, RankedTensorType::get({kh, kw, c, m}, b.getF32Type()), w4,
        b.getDenseI32ArrayAttr({2, 3, 0, 1}));
    y = tosa::DepthwiseConv2DOp::create(b, loc, outType, nhwc, hwcm, bias,
                                        padAttr,
                                        b.getDenseI64ArrayAttr(strides),
                                        b.getDenseI64ArrayAttr(dil),
                                        TypeAttr::get(b.getF32Type()));
  } else if (c % group == 0 && o % group == 0 &&
             wt.getDimSize(1) == c / group) {
    // Grouped: one convolution per group on its channel slices, outputs
    // concatenated along channels (NHWC: the last dimension).
    int64_t ci = c / group, co = o / group;
    SmallVector<Value> parts;
    for (int64_t g = 0; g < group; ++g) {
      Value xg = slice(nhwc, {0, 0, 0, g * ci}, {n, h, wd, ci});
      Value wg = slice(w, {g * co, 0, 0, 0}, {co, ci, kh, kw});
      Value bg = slice(bias, {g * co}, {co});
      Value ohwi = tosa::TransposeOp::create(
          b, loc, RankedTensorType::get({co, kh, kw, ci}, b.getF32Type()), wg,
          b.getDenseI32ArrayAttr({0, 2, 3, 1}));
      parts.push_back(tosa::Conv2DOp::create(
          b, loc, RankedTensorType::get({n, *oh, *ow, co}, b.getF32Type()), xg,
          ohwi, bg, padAttr, b.getDenseI64ArrayAttr(strides),
          b.getDenseI64ArrayAttr(dil), TypeAttr::get(b.getF32Type())));
    }
    y = tosa::ConcatOp::create(b, loc, outType, parts,
                               b.getI32IntegerAttr(3));
  } else {
    fail("Conv node '" + node.name() + "': group " + std::to_string(group) +
         " does not divide the channels");
  }
  return tosa::TransposeOp::create(
      b, loc, RankedTensorType::get({n, o, *oh, *ow}, b.getF32Type()), y,
      b.getDenseI32ArrayAttr({0, 3, 1, 2}));
}

int64_t Importer::normalizeAxis(const onnx::NodeProto &node, int64_t axis,
                                int64_t rank) {
  if (axis < -rank || axis >= rank)
    fail(node.op_type() + " node '" + node.name() + "': axis " + Twine(axis) +
         " is out of range for rank " + Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

int64_t Importer::axisAttr(const onnx::NodeProto &node, StringRef name,
                           int64_t dflt, int64_t rank) {
  const auto *attr = findAttr(node, name);
  return normalizeAxis(node, attr ? attr->i() : dflt, rank);
}

SmallVector<int64_t> Importer::permutation(const onnx::NodeProto &node,
                                           int64_t rank) {
  SmallVector<int64_t> perm;
  if (const auto *attr = findAttr(node, "perm"))
    perm.assign(attr->ints().begin(), attr->ints().end());
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  SmallVector<bool> seen(rank, false);
  for (int64_t &p : perm) {
    if (static_cast<int64_t>(perm.size()) != rank || p < -rank || p >= rank ||
        seen[p < 0 ? p + rank : p])
      fail("Transpose node '" + node.name() +
           "': perm is not a permutation of the input's axes");
    p = p < 0 ? p + rank : p;
    seen[p] = true;
  }
  return perm;
}

SmallVector<int64_t> Importer::squeezedShape(const onnx::NodeProto &node,
                                             ArrayRef<int64_t> shape) {
  SmallVector<int64_t> axes;
  if (node.input_size() > 1 && !node.input(1).empty())
    llvm::append_range(axes, intInput(node, 1).data);
  else if (const auto *attr = findAttr(node, "axes"))
    axes.assign(attr->ints().begin(), attr->ints().end());
  int64_t rank = shape.size();
  bool unsqueeze = node.op_type() == "Unsqueeze";
  int64_t outRank = unsqueeze ? rank + static_cast<int64_t>(axes.size()) : rank;
  // Unsqueeze: the new unit dimensions; Squeeze: the ones removed (all unit
  // dimensions when no axes are given).
  SmallVector<bool> marked(outRank, !unsqueeze && axes.empty());
  for (int64_t a : axes) {
    int64_t axis = normalizeAxis(node, a, outRank);
    if (marked[axis])
      fail(node.op_type() + " node '" + node.name() + "': axis " + Twine(a) +
           " is repeated");
    if (!unsqueeze && shape[axis] != 1)
      fail("Squeeze node '" + node.name() + "': dimension " + Twine(axis) +
           " is not 1");
    marked[axis] = true;
  }
  SmallVector<int64_t> result;
  for (int64_t i = 0, j = 0; i < outRank; ++i) {
    if (unsqueeze)
      result.push_back(marked[i] ? 1 : shape[j++]);
    else if (!marked[i] || shape[i] != 1)
      result.push_back(shape[i]);
  }
  return result;
}

SmallVector<Importer::SliceDim>
Importer::sliceDims(const onnx::NodeProto &node, ArrayRef<int64_t> shape) {
  int64_t rank = shape.size();
  auto optional = [&](int i) {
    return node.input_size() > i && !node.input(i).empty();
  };
  const std::vector<int64_t> &starts = intInput(node, 1).data,
                             &ends = intInput(node, 2).data;
  std::vector<int64_t> axes, steps(starts.size(), 1);
  if (optional(3))
    axes = intInput(node, 3).data;
  else
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (optional(4))
    steps = intInput(node, 4).data;
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    fail("Slice node '" + node.name() +
         "': starts, ends, axes and steps differ in length");
  SmallVector<SliceDim> dims;
  for (int64_t d : shape)
    dims.push_back({0, d, 1});
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t axis = normalizeAxis(node, axes[i], rank), dim = shape[axis];
    int64_t step = steps[i];
    if (seen[axis])
      fail("Slice node '" + node.name() + "': axis " + Twine(axes[i]) +
           " is repeated");
    seen[axis] = true;
    if (step == 0 || step == std::numeric_limits<int64_t>::min())
      fail("Slice node '" + node.name() + "' has an invalid step");
    if (dim == 0) {
      dims[axis] = {0, 0, step};
      continue;
    }
    // Starts and ends may be anything from INT64_MIN to INT64_MAX; ONNX
    // clamps them to [0, dim] going forwards and [-1, dim - 1] backwards.
    int64_t lo = starts[i], hi = ends[i];
    lo = lo < 0 ? std::max<int64_t>(lo, -dim - 1) + dim : lo;
    hi = hi < 0 ? std::max<int64_t>(hi, -dim - 1) + dim : hi;
    lo = step > 0 ? std::clamp<int64_t>(lo, 0, dim)
                  : std::clamp<int64_t>(lo, 0, dim - 1);
    hi = step > 0 ? std::clamp<int64_t>(hi, 0, dim)
                  : std::clamp<int64_t>(hi, -1, dim - 1);
    // Written so that no step, however large, overflows.
    int64_t count = step > 0 ? (hi > lo ? 1 + (hi - lo - 1) / step : 0)
                             : (lo > hi ? 1 + (lo - hi - 1) / -step : 0);
    dims[axis] = {lo, count, step};
  }
  return dims;
}

/// An op the importer does not know, as an unregistered `onnx.<OpType>` op
/// for inspection: the node's float operands (import-time int64 data as
/// i64 constants), its attributes, and result types from ONNX's shape
/// inference. The module then needs --allow-unregistered-dialect to parse.
void Importer::opaque(const onnx::NodeProto &node) {
  std::string name = "onnx." + node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    name = "onnx." + node.domain() + "." + node.op_type();
  OperationState state(loc, name);
  for (const std::string &input : node.input()) {
    if (input.empty())
      continue;
    if (auto it = ints.find(input); it != ints.end()) {
      auto type = RankedTensorType::get(it->second.shape, b.getI64Type());
      state.operands.push_back(arith::ConstantOp::create(
          b, loc, type,
          DenseElementsAttr::get(type, ArrayRef<int64_t>(it->second.data))));
      continue;
    }
    auto it = values.find(input);
    if (it == values.end() || !it->second)
      fail("node '" + node.name() + "' (" + node.op_type() + ") uses '" +
           input + "', which is not defined before it");
    state.operands.push_back(it->second);
  }
  for (const std::string &output : node.output()) {
    auto it = inferred.find(output);
    if (it == inferred.end())
      fail("node '" + node.name() + "' (" + node.op_type() +
           "): the type of its output '" + output +
           "' is unknown after shape inference, so it cannot be imported "
           "even as an opaque op");
    state.types.push_back(it->second);
  }
  for (const onnx::AttributeProto &attr : node.attribute()) {
    Attribute value;
    switch (attr.type()) {
    case onnx::AttributeProto::INT:
      value = b.getI64IntegerAttr(attr.i());
      break;
    case onnx::AttributeProto::FLOAT:
      value = b.getF32FloatAttr(attr.f());
      break;
    case onnx::AttributeProto::STRING:
      value = b.getStringAttr(attr.s());
      break;
    case onnx::AttributeProto::INTS:
      value = b.getDenseI64ArrayAttr(
          SmallVector<int64_t>(attr.ints().begin(), attr.ints().end()));
      break;
    case onnx::AttributeProto::FLOATS:
      value = b.getDenseF32ArrayAttr(
          SmallVector<float>(attr.floats().begin(), attr.floats().end()));
      break;
    default:
      value = b.getStringAttr("<" +
                              onnx::AttributeProto::AttributeType_Name(
                                  attr.type()) +
                              " attribute>");
    }
    state.addAttribute(attr.name(), value);
  }
  Operation *op = b.create(state);
  for (auto [output, result] : llvm::zip(node.output(), op->getResults()))
    values[output] = result;
}

} // namespace onnx_import
} // namespace uniform
