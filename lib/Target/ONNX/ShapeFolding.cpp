//===- ShapeFolding.cpp - ONNX int64 shape arithmetic, folded -------------===//
//
// The folds of ShapeFolding.h, one function per op family, dispatched
// through a table keyed by op type.
//
//===----------------------------------------------------------------------===//

#include "ShapeFolding.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <limits>

using llvm::ArrayRef;
using llvm::Expected;
using llvm::SmallVector;
using llvm::StringRef;
using llvm::Twine;

namespace uniform {
namespace onnx_import {

static llvm::Error error(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string shapeString(ArrayRef<int64_t> shape) {
  std::string s = "[";
  llvm::raw_string_ostream os(s);
  llvm::interleaveComma(shape, os);
  return s + "]";
}

int64_t IntAttributes::getInt(StringRef name, int64_t fallback) const {
  auto it = values.find(name);
  return it == values.end() || it->second.empty() ? fallback
                                                  : it->second.front();
}

std::optional<ArrayRef<int64_t>> IntAttributes::getList(StringRef name) const {
  auto it = values.find(name);
  if (it == values.end())
    return std::nullopt;
  return ArrayRef<int64_t>(it->second);
}

Expected<int64_t> elementCount(ArrayRef<int64_t> shape, int64_t limit) {
  int64_t n = 1;
  bool tooLarge = false;
  for (int64_t d : shape) {
    if (d < 0)
      return error("has a negative dimension (" + Twine(d) + ")");
    tooLarge |= llvm::MulOverflow(n, d, n);
  }
  if (tooLarge || n > limit)
    return error("has shape " + shapeString(shape) + ", more than " +
                 Twine(limit) + " elements");
  return n;
}

Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return error("axis " + Twine(axis) + " is out of range for rank " +
                 Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

Expected<SmallVector<int64_t>>
permutationOf(std::optional<ArrayRef<int64_t>> perm, int64_t rank) {
  SmallVector<int64_t> result;
  if (perm)
    result.assign(perm->begin(), perm->end());
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      result.push_back(i);
  SmallVector<bool> seen(rank, false);
  for (int64_t &p : result) {
    if (static_cast<int64_t>(result.size()) != rank || p < -rank || p >= rank ||
        seen[p < 0 ? p + rank : p])
      return error("perm is not a permutation of the input's axes");
    p = p < 0 ? p + rank : p;
    seen[p] = true;
  }
  return result;
}

Expected<SmallVector<int64_t>>
squeezedShape(ArrayRef<int64_t> shape, ArrayRef<int64_t> axes, bool unsqueeze) {
  int64_t rank = shape.size();
  int64_t outRank = unsqueeze ? rank + static_cast<int64_t>(axes.size()) : rank;
  // Unsqueeze: the new unit dimensions; Squeeze: the ones removed (all unit
  // dimensions when no axes are given).
  SmallVector<bool> marked(outRank, !unsqueeze && axes.empty());
  for (int64_t a : axes) {
    Expected<int64_t> axis = normalizeAxis(a, outRank);
    if (!axis)
      return axis.takeError();
    if (marked[*axis])
      return error("axis " + Twine(a) + " is repeated");
    if (!unsqueeze && shape[*axis] != 1)
      return error("dimension " + Twine(*axis) + " is not 1");
    marked[*axis] = true;
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

Expected<SmallVector<SliceDim>>
sliceDims(ArrayRef<int64_t> shape, ArrayRef<int64_t> starts,
          ArrayRef<int64_t> ends, std::optional<ArrayRef<int64_t>> axesArg,
          std::optional<ArrayRef<int64_t>> stepsArg) {
  int64_t rank = shape.size();
  SmallVector<int64_t> axes, steps(starts.size(), 1);
  if (axesArg)
    axes.assign(axesArg->begin(), axesArg->end());
  else
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (stepsArg)
    steps.assign(stepsArg->begin(), stepsArg->end());
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    return error("starts, ends, axes and steps differ in length");
  SmallVector<SliceDim> dims;
  for (int64_t d : shape)
    dims.push_back({0, d, 1});
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    Expected<int64_t> axisOr = normalizeAxis(axes[i], rank);
    if (!axisOr)
      return axisOr.takeError();
    int64_t axis = *axisOr, dim = shape[axis], step = steps[i];
    if (seen[axis])
      return error("axis " + Twine(axes[i]) + " is repeated");
    seen[axis] = true;
    if (step == 0 || step == std::numeric_limits<int64_t>::min())
      return error("step " + Twine(step) + " is invalid");
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

Expected<SmallVector<int64_t>> reshapeTarget(ArrayRef<int64_t> shape,
                                             ArrayRef<int64_t> target,
                                             bool allowZero) {
  Expected<int64_t> total =
      elementCount(shape, std::numeric_limits<int64_t>::max());
  if (!total)
    return total.takeError();
  SmallVector<int64_t> result(target);
  int64_t known = 1, inferredAt = -1;
  bool hasZero = false;
  for (auto [i, d] : llvm::enumerate(result)) {
    if (d == 0 && !allowZero) {
      if (i >= shape.size())
        return error("extent 0 at " + Twine(i) +
                     " copies a dimension the input does not have");
      d = shape[i];
    }
    hasZero |= d == 0;
    if (d == -1) {
      if (inferredAt >= 0)
        return error("the shape has more than one -1");
      inferredAt = i;
      continue;
    }
    if (d < -1)
      return error("the shape has the negative extent " + Twine(d));
    if (llvm::MulOverflow(known, d, known))
      return error("the shape " + shapeString(target) + " overflows int64");
  }
  if (inferredAt >= 0) {
    if (hasZero)
      return error("the shape has both -1 and an extent of 0");
    if (known == 0 || *total % known != 0)
      return error("no extent for -1 makes " + shapeString(target) + " hold " +
                   Twine(*total) + " elements");
    result[inferredAt] = *total / known;
    known = *total;
  }
  if (known != *total)
    return error("the new shape " + shapeString(result) + " does not hold " +
                 Twine(*total) + " elements");
  return result;
}

Expected<SmallVector<int64_t>>
broadcastShapes(ArrayRef<ArrayRef<int64_t>> shapes) {
  size_t outRank = 0;
  for (ArrayRef<int64_t> s : shapes)
    outRank = std::max(outRank, s.size());
  SmallVector<int64_t> result(outRank, 1);
  for (ArrayRef<int64_t> s : shapes)
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t d = s[i], &o = result[outRank - s.size() + i];
      if (d != o && d != 1 && o != 1)
        return error("shapes " + shapeString(shapes.front()) + " and " +
                     shapeString(s) + " do not broadcast");
      if (d != 1)
        o = d;
    }
  return result;
}

//===----------------------------------------------------------------------===//
// Folds
//===----------------------------------------------------------------------===//

namespace {
using FoldInputs = ArrayRef<const IntTensor *>;
using FoldFn = Expected<IntTensor> (*)(StringRef op, FoldInputs in,
                                       const IntAttributes &attrs);
} // namespace

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// Calls `fn` with every index of `shape`, in row-major order.
static void forEachIndex(ArrayRef<int64_t> shape, int64_t count,
                         llvm::function_ref<void(ArrayRef<int64_t>)> fn) {
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t e = 0; e < count; ++e) {
    fn(index);
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
}

/// The elements of `x` at `offset + sum(index[d] * strides[d])` for every
/// index of `shape`: transposes and strided slices.
static Expected<IntTensor> gatherStrided(const IntTensor &x,
                                         ArrayRef<int64_t> shape,
                                         ArrayRef<int64_t> strides,
                                         int64_t offset) {
  Expected<int64_t> n = elementCount(shape, kMaxIntElements);
  if (!n)
    return n.takeError();
  IntTensor r;
  r.shape.assign(shape.begin(), shape.end());
  r.data.reserve(*n);
  forEachIndex(shape, *n, [&](ArrayRef<int64_t> index) {
    int64_t at = offset;
    for (size_t d = 0; d < shape.size(); ++d)
      at += index[d] * strides[d];
    r.data.push_back(x.data[at]);
  });
  return r;
}

/// Applies `fn` elementwise to `args` broadcast together, NumPy style.
/// `fn` reports failure by returning nothing after setting `err`.
static Expected<IntTensor> elementwise(
    FoldInputs args,
    llvm::function_ref<std::optional<int64_t>(ArrayRef<int64_t>, std::string &)>
        fn) {
  SmallVector<ArrayRef<int64_t>> shapes;
  for (const IntTensor *a : args)
    shapes.push_back(a->shape);
  Expected<SmallVector<int64_t>> shape = broadcastShapes(shapes);
  if (!shape)
    return shape.takeError();
  Expected<int64_t> n = elementCount(*shape, kMaxIntElements);
  if (!n)
    return n.takeError();
  size_t outRank = shape->size();
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
  r.shape = *shape;
  r.data.reserve(*n);
  SmallVector<int64_t> operands(args.size());
  std::string err;
  forEachIndex(*shape, *n, [&](ArrayRef<int64_t> index) {
    if (!err.empty())
      return;
    for (size_t k = 0; k < args.size(); ++k) {
      int64_t at = 0;
      for (size_t d = 0; d < outRank; ++d)
        at += index[d] * strides[k][d];
      operands[k] = args[k]->data[at];
    }
    if (std::optional<int64_t> v = fn(operands, err))
      r.data.push_back(*v);
  });
  if (!err.empty())
    return error(err);
  return r;
}

/// One element of an arithmetic op, or nothing (with `err` set).
static std::optional<int64_t>
arithmetic(StringRef op, bool cMod, ArrayRef<int64_t> v, std::string &err) {
  int64_t r;
  auto overflow = [&]() -> std::optional<int64_t> {
    err = "overflows int64";
    return std::nullopt;
  };
  if (op == "Add")
    return llvm::AddOverflow(v[0], v[1], r) ? overflow() : r;
  if (op == "Sub")
    return llvm::SubOverflow(v[0], v[1], r) ? overflow() : r;
  if (op == "Mul")
    return llvm::MulOverflow(v[0], v[1], r) ? overflow() : r;
  if (op == "Neg" || op == "Abs") {
    if (v[0] == std::numeric_limits<int64_t>::min())
      return overflow();
    return op == "Neg" ? -v[0] : std::abs(v[0]);
  }
  // Div and Mod.
  if (v[1] == 0) {
    err = "divides shape data by zero";
    return std::nullopt;
  }
  if (v[1] == -1)
    return op == "Mod"                                   ? 0
           : v[0] == std::numeric_limits<int64_t>::min() ? overflow()
                                                         : -v[0];
  if (op == "Div")
    return v[0] / v[1];
  // Mod with fmod=0 (integers): the result has the sign of the divisor, as
  // in Python; fmod=1: the sign of the dividend, as in C.
  r = v[0] % v[1];
  if (!cMod && r != 0 && ((r < 0) != (v[1] < 0)))
    r += v[1];
  return r;
}

static Expected<IntTensor> foldArithmetic(StringRef op, FoldInputs in,
                                          const IntAttributes &attrs) {
  bool cMod = attrs.getInt("fmod", 0) != 0;
  return elementwise(in, [&](ArrayRef<int64_t> v, std::string &err) {
    return arithmetic(op, cMod, v, err);
  });
}

static Expected<IntTensor> foldLogic(StringRef op, FoldInputs in,
                                     const IntAttributes &) {
  using Fn = int64_t (*)(ArrayRef<int64_t>);
  static const llvm::StringMap<Fn> fns = {
      {"Equal", [](ArrayRef<int64_t> v) -> int64_t { return v[0] == v[1]; }},
      {"Less", [](ArrayRef<int64_t> v) -> int64_t { return v[0] < v[1]; }},
      {"Greater", [](ArrayRef<int64_t> v) -> int64_t { return v[0] > v[1]; }},
      {"LessOrEqual",
       [](ArrayRef<int64_t> v) -> int64_t { return v[0] <= v[1]; }},
      {"GreaterOrEqual",
       [](ArrayRef<int64_t> v) -> int64_t { return v[0] >= v[1]; }},
      {"Max", [](ArrayRef<int64_t> v) { return *llvm::max_element(v); }},
      {"Min", [](ArrayRef<int64_t> v) { return *llvm::min_element(v); }},
      {"Where", [](ArrayRef<int64_t> v) { return v[0] ? v[1] : v[2]; }},
      {"Not", [](ArrayRef<int64_t> v) -> int64_t { return !v[0]; }},
      {"And", [](ArrayRef<int64_t> v) -> int64_t { return v[0] && v[1]; }},
      {"Or", [](ArrayRef<int64_t> v) -> int64_t { return v[0] || v[1]; }},
  };
  Fn fn = fns.lookup(op);
  return elementwise(
      in, [&](ArrayRef<int64_t> v, std::string &) -> std::optional<int64_t> {
        return fn(v);
      });
}

/// Range(start, limit, delta): ceil((limit - start) / delta) elements,
/// counted in 128 bits so that no start, limit or delta overflows.
static Expected<IntTensor> foldRange(StringRef, FoldInputs in,
                                     const IntAttributes &) {
  for (const IntTensor *t : in)
    if (t->data.size() != 1)
      return error("start, limit and delta must be scalars");
  __int128 start = in[0]->data[0], limit = in[1]->data[0],
           delta = in[2]->data[0];
  if (delta == 0)
    return error("the step is zero");
  __int128 span = limit - start;
  __int128 count = delta > 0 ? (span > 0 ? (span + delta - 1) / delta : 0)
                             : (span < 0 ? (span + delta + 1) / delta : 0);
  if (count > kMaxIntElements)
    return error("the range has more than " + Twine(kMaxIntElements) +
                 " elements");
  IntTensor r;
  r.shape = {static_cast<int64_t>(count)};
  for (__int128 i = 0; i < count; ++i)
    r.data.push_back(static_cast<int64_t>(start + i * delta));
  return r;
}

/// Identity and Cast to an integer type (Cast to float is the importer's).
static Expected<IntTensor> foldCopy(StringRef op, FoldInputs in,
                                    const IntAttributes &attrs) {
  IntTensor r = *in[0];
  if (op == "Identity")
    return r;
  // onnx.proto's TensorProto.DataType values.
  enum : int64_t { kInt32 = 6, kInt64 = 7, kBool = 9 };
  int64_t to = attrs.getInt("to", kInt64);
  if (to == kBool)
    for (int64_t &v : r.data)
      v = v != 0;
  else if (to == kInt32)
    for (int64_t &v : r.data)
      v = static_cast<int32_t>(static_cast<uint32_t>(v));
  else if (to != kInt64)
    return error("casting shape data to type " + Twine(to) +
                 " is not supported");
  return r;
}

static Expected<IntTensor> foldReshape(StringRef, FoldInputs in,
                                       const IntAttributes &attrs) {
  Expected<SmallVector<int64_t>> shape = reshapeTarget(
      in[0]->shape, in[1]->data, attrs.getInt("allowzero", 0) != 0);
  if (!shape)
    return shape.takeError();
  IntTensor r = *in[0];
  r.shape = *shape;
  return r;
}

static Expected<IntTensor> foldTranspose(StringRef, FoldInputs in,
                                         const IntAttributes &attrs) {
  const IntTensor &x = *in[0];
  Expected<SmallVector<int64_t>> perm =
      permutationOf(attrs.getList("perm"), x.shape.size());
  if (!perm)
    return perm.takeError();
  SmallVector<int64_t> inStrides = stridesOf(x.shape), shape, strides;
  for (int64_t p : *perm) {
    shape.push_back(x.shape[p]);
    strides.push_back(inStrides[p]);
  }
  return gatherStrided(x, shape, strides, 0);
}

static Expected<IntTensor> foldSlice(StringRef, FoldInputs in,
                                     const IntAttributes &) {
  const IntTensor &x = *in[0];
  auto optional = [&](size_t i) -> std::optional<ArrayRef<int64_t>> {
    if (i < in.size() && in[i])
      return ArrayRef<int64_t>(in[i]->data);
    return std::nullopt;
  };
  Expected<SmallVector<SliceDim>> dims =
      sliceDims(x.shape, in[1]->data, in[2]->data, optional(3), optional(4));
  if (!dims)
    return dims.takeError();
  SmallVector<int64_t> strides = stridesOf(x.shape), shape, outStrides;
  int64_t offset = 0;
  for (auto [d, stride] : llvm::zip(*dims, strides)) {
    shape.push_back(d.count);
    outStrides.push_back(stride * d.step);
    offset += d.first * stride;
  }
  return gatherStrided(x, shape, outStrides, offset);
}

/// Squeeze and Unsqueeze: axes from input 1 (opset 13) or the attribute.
static Expected<IntTensor> foldSqueeze(StringRef op, FoldInputs in,
                                       const IntAttributes &attrs) {
  ArrayRef<int64_t> axes;
  if (in.size() > 1 && in[1])
    axes = in[1]->data;
  else if (std::optional<ArrayRef<int64_t>> attr = attrs.getList("axes"))
    axes = *attr;
  Expected<SmallVector<int64_t>> shape =
      squeezedShape(in[0]->shape, axes, op == "Unsqueeze");
  if (!shape)
    return shape.takeError();
  IntTensor r = *in[0];
  r.shape = *shape;
  return r;
}

static Expected<IntTensor> foldConcat(StringRef, FoldInputs in,
                                      const IntAttributes &attrs) {
  ArrayRef<int64_t> first = in[0]->shape;
  int64_t rank = first.size();
  if (rank == 0)
    return error("cannot concatenate scalars");
  Expected<int64_t> axis = normalizeAxis(attrs.getInt("axis", 0), rank);
  if (!axis)
    return axis.takeError();
  IntTensor r;
  r.shape.assign(first.begin(), first.end());
  r.shape[*axis] = 0;
  for (const IntTensor *part : in) {
    if (static_cast<int64_t>(part->shape.size()) != rank)
      return error("inputs differ in rank");
    for (int64_t d = 0; d < rank; ++d)
      if (d != *axis && part->shape[d] != first[d])
        return error("inputs " + shapeString(first) + " and " +
                     shapeString(part->shape) + " differ off the axis");
    r.shape[*axis] += part->shape[*axis];
  }
  Expected<int64_t> n = elementCount(r.shape, kMaxIntElements);
  if (!n)
    return n.takeError();
  int64_t outer = 1;
  for (int64_t i = 0; i < *axis; ++i)
    outer *= first[i];
  r.data.reserve(*n);
  for (int64_t o = 0; o < outer; ++o)
    for (const IntTensor *part : in) {
      int64_t chunk = part->data.size() / std::max<int64_t>(outer, 1);
      r.data.insert(r.data.end(), part->data.begin() + o * chunk,
                    part->data.begin() + (o + 1) * chunk);
    }
  return r;
}

static Expected<IntTensor> foldGather(StringRef, FoldInputs in,
                                      const IntAttributes &attrs) {
  const IntTensor &x = *in[0], &idx = *in[1];
  int64_t rank = x.shape.size();
  if (rank == 0)
    return error("gathers from a scalar");
  Expected<int64_t> axis = normalizeAxis(attrs.getInt("axis", 0), rank);
  if (!axis)
    return axis.takeError();
  IntTensor r;
  r.shape.assign(x.shape.begin(), x.shape.begin() + *axis);
  r.shape.append(idx.shape.begin(), idx.shape.end());
  r.shape.append(x.shape.begin() + *axis + 1, x.shape.end());
  if (Expected<int64_t> n = elementCount(r.shape, kMaxIntElements); !n)
    return n.takeError();
  int64_t outer = 1, inner = 1, dim = x.shape[*axis];
  for (int64_t i = 0; i < *axis; ++i)
    outer *= x.shape[i];
  for (int64_t i = *axis + 1; i < rank; ++i)
    inner *= x.shape[i];
  for (int64_t i : idx.data)
    if (i < -dim || i >= dim)
      return error("index " + Twine(i) +
                   " is out of range for a dimension of " + Twine(dim));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i : idx.data) {
      int64_t base = (o * dim + (i < 0 ? i + dim : i)) * inner;
      r.data.insert(r.data.end(), x.data.begin() + base,
                    x.data.begin() + base + inner);
    }
  return r;
}

static Expected<IntTensor> foldExpand(StringRef, FoldInputs in,
                                      const IntAttributes &) {
  IntTensor shape;
  shape.shape.assign(in[1]->data.begin(), in[1]->data.end());
  Expected<int64_t> n = elementCount(shape.shape, kMaxIntElements);
  if (!n)
    return n.takeError();
  shape.data.assign(*n, 0);
  const IntTensor *args[] = {in[0], &shape};
  return elementwise(args, [](ArrayRef<int64_t> v, std::string &) {
    return std::optional<int64_t>(v[0]);
  });
}

/// The folds, by op type, with the number of inputs each needs at least.
namespace {
struct ShapeFold {
  FoldFn fn;
  size_t minInputs, maxInputs;
};
} // namespace

static const llvm::StringMap<ShapeFold> &shapeFolds() {
  static const llvm::StringMap<ShapeFold> folds = [] {
    llvm::StringMap<ShapeFold> m;
    for (StringRef op : {"Add", "Sub", "Mul", "Div", "Mod"})
      m[op] = {foldArithmetic, 2, 2};
    for (StringRef op : {"Neg", "Abs"})
      m[op] = {foldArithmetic, 1, 1};
    for (StringRef op : {"Equal", "Less", "Greater", "LessOrEqual",
                         "GreaterOrEqual", "And", "Or"})
      m[op] = {foldLogic, 2, 2};
    m["Not"] = {foldLogic, 1, 1};
    m["Where"] = {foldLogic, 3, 3};
    for (StringRef op : {"Max", "Min"})
      m[op] = {foldLogic, 1, SIZE_MAX};
    m["Range"] = {foldRange, 3, 3};
    m["Identity"] = {foldCopy, 1, 1};
    m["Cast"] = {foldCopy, 1, 1};
    m["Reshape"] = {foldReshape, 2, 2};
    m["Transpose"] = {foldTranspose, 1, 1};
    m["Slice"] = {foldSlice, 3, 5};
    m["Squeeze"] = {foldSqueeze, 1, 2};
    m["Unsqueeze"] = {foldSqueeze, 1, 2};
    m["Concat"] = {foldConcat, 1, SIZE_MAX};
    m["Gather"] = {foldGather, 2, 2};
    m["Expand"] = {foldExpand, 2, 2};
    return m;
  }();
  return folds;
}

bool hasShapeFold(StringRef opType) { return shapeFolds().count(opType); }

Expected<IntTensor> foldShapeOp(StringRef opType, FoldInputs inputs,
                                const IntAttributes &attributes) {
  auto it = shapeFolds().find(opType);
  if (it == shapeFolds().end())
    return error("op type '" + opType + "' has no int64 fold");
  const ShapeFold &fold = it->second;
  if (inputs.size() < fold.minInputs || inputs.size() > fold.maxInputs)
    return error("takes " + Twine(fold.minInputs) + " to " +
                 Twine(fold.maxInputs) + " inputs, not " +
                 Twine(inputs.size()));
  for (auto [i, t] : llvm::enumerate(inputs)) {
    if (!t) {
      if (i < fold.minInputs)
        return error("input " + Twine(i) + " is required");
      continue;
    }
    Expected<int64_t> n = elementCount(t->shape, kMaxIntElements);
    if (!n)
      return n.takeError();
    if (*n != static_cast<int64_t>(t->data.size()))
      return error("an input of shape " + shapeString(t->shape) + " holds " +
                   Twine(t->data.size()) + " values");
  }
  Expected<IntTensor> result = fold.fn(opType, inputs, attributes);
  if (!result)
    return result.takeError();
  Expected<int64_t> n = elementCount(result->shape, kMaxIntElements);
  if (!n)
    return n.takeError();
  if (*n != static_cast<int64_t>(result->data.size()))
    return error("the folded result of shape " + shapeString(result->shape) +
                 " holds " + Twine(result->data.size()) + " values");
  return result;
}

} // namespace onnx_import
} // namespace uniform
