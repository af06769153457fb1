//===- ImportResize.cpp - ONNX Resize to TOSA -----------------------------===//
//
// Resize interpolates each axis on its own (ResizeWeights.h). Axes whose
// elements are only repeated (nearest upsampling by a whole factor, as FPNs
// and F.interpolate(scale_factor=2) do) become one reshape-tile-reshape;
// every other resized axis is a matmul with its constant [in, out] weight
// matrix: nearest at any scale, linear (bilinear, as segmentation heads
// upsample) and cubic, upsampling or downsampling, in every coordinate
// transformation mode but tf_crop_and_resize.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"
#include "ResizeWeights.h"

#include <numeric>

namespace uniform {
namespace onnx_import {

/// The largest weight matrix of one axis; larger resizes are an error.
static constexpr int64_t kMaxResizeWeights = int64_t(1) << 24;

/// The output extents and the scale of each axis: from sizes (input 3), or
/// scales (input 2, the output floored).
std::pair<SmallVector<int64_t>, SmallVector<double>>
Importer::resizeTarget(const onnx::NodeProto &node, RankedTensorType t) {
  int64_t rank = t.getRank();
  SmallVector<int64_t> out;
  SmallVector<double> scales;
  if (hasInput(node, 3)) {
    llvm::append_range(out, intInput(node, 3).data);
    if (static_cast<int64_t>(out.size()) != rank)
      failAt(node, "the sizes do not match the input's rank");
    for (auto [d, o] : llvm::enumerate(out))
      scales.push_back(double(o) / double(t.getDimSize(d)));
  } else if (hasInput(node, 2)) {
    Value scalesValue = input(node, 2);
    SmallVector<float> factors;
    if (std::optional<float> splat = splatOf(scalesValue))
      factors.assign(typeOf(scalesValue).getNumElements(), *splat);
    else if (std::optional<ArrayRef<float>> values =
                 constantFloats(scalesValue))
      factors.assign(values->begin(), values->end());
    else
      failAt(node, "the scales must be constants");
    if (static_cast<int64_t>(factors.size()) != rank)
      failAt(node, "the scales do not match the input's rank");
    for (auto [d, f] : llvm::enumerate(factors)) {
      if (!(f > 0) || !std::isfinite(f))
        failAt(node, "the scales must be positive");
      double extent = std::floor(double(t.getDimSize(d)) * f);
      if (extent > double(kMaxResizeWeights))
        failAt(node, "the output would have " +
                         Twine(int64_t(std::min(extent, 9e18))) +
                         " elements along axis " + Twine(d));
      out.push_back(int64_t(extent));
      scales.push_back(f);
    }
  } else {
    failAt(node, "neither scales nor sizes are given");
  }
  for (int64_t o : out)
    if (o < 1 || o > kMaxResizeWeights)
      failAt(node, "an output extent would be " + Twine(o));
  return {out, scales};
}

/// `x` resized along `axis` by the [out, in] `weights`: the axis moved last,
/// a matmul with the weights' transpose, and moved back.
Value Importer::interpolateAxis(Value x, int64_t axis, ArrayRef<float> weights,
                                int64_t out) {
  RankedTensorType t = typeOf(x);
  int64_t rank = t.getRank(), in = t.getDimSize(axis);
  SmallVector<int64_t> perm;
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis)
      perm.push_back(d);
  perm.push_back(axis);
  std::vector<float> transposed(in * out);
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i)
      transposed[i * out + o] = weights[o * in + i];
  Value y = matmul(transpose(x, perm),
                   floatConstant({in, out}, transposed, "resize_weights"));
  SmallVector<int64_t> inverse(rank);
  for (auto [i, p] : llvm::enumerate(perm))
    inverse[p] = i;
  return transpose(y, inverse);
}

Value Importer::importResize(const onnx::NodeProto &node) {
  auto stringAttr = [&](StringRef name, StringRef fallback) {
    const auto *attr = findAttr(node, name);
    return attr ? attr->s() : fallback.str();
  };
  Value x = input(node, 0);
  RankedTensorType t = typeOf(x);
  int64_t rank = t.getRank();
  ResizeOptions options = check(
      node, parseResizeOptions(
                stringAttr("mode", "nearest"),
                stringAttr("coordinate_transformation_mode", "half_pixel"),
                stringAttr("nearest_mode", "round_prefer_floor"),
                floatAttr(node, "cubic_coeff_a", -0.75f),
                intAttr(node, "exclude_outside", 0) != 0));
  auto [out, scales] = resizeTarget(node, t);
  // Repeated axes tile together; interpolated ones get a matrix each.
  SmallVector<int64_t> lifted, multiples;
  SmallVector<std::pair<int64_t, std::vector<float>>> interpolated;
  for (int64_t d = 0; d < rank; ++d) {
    int64_t in = t.getDimSize(d);
    if (in * out[d] > kMaxResizeWeights)
      failAt(node, "resizing axis " + Twine(d) + " from " + Twine(in) + " to " +
                       Twine(out[d]) + " needs too large a matrix");
    std::vector<float> weights = resizeWeights(options, in, out[d], scales[d]);
    bool repeats = isRepetition(weights, in, out[d]);
    lifted.append({in, 1});
    multiples.append({1, repeats ? out[d] / in : 1});
    if (!repeats)
      interpolated.emplace_back(d, std::move(weights));
  }
  if (llvm::any_of(multiples, [](int64_t m) { return m != 1; })) {
    SmallVector<int64_t> tiledShape, repeated;
    for (auto [l, m] : llvm::zip(lifted, multiples))
      tiledShape.push_back(l * m);
    for (int64_t d = 0; d < rank; ++d)
      repeated.push_back(tiledShape[2 * d] * tiledShape[2 * d + 1]);
    Value tiled = tosa::TileOp::create(
        b, loc, RankedTensorType::get(tiledShape, t.getElementType()),
        reshape(x, lifted), shapeValue(multiples));
    x = reshape(tiled, repeated);
  }
  for (auto &[axis, weights] : interpolated)
    x = interpolateAxis(x, axis, weights, out[axis]);
  return x;
}

void registerResizeOps(OpRegistry &registry) {
  registry.add("Resize", 13, &Importer::importResize);
}

} // namespace onnx_import
} // namespace uniform
