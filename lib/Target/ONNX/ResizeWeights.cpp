//===- ResizeWeights.cpp - ONNX Resize as interpolation weights -----------===//
//
// The formulas are the ONNX specification's (Resize, opset 13 and later, and
// its reference implementation's neighbour and coefficient functions).
//
//===----------------------------------------------------------------------===//

#include "ResizeWeights.h"

#include "llvm/ADT/StringSwitch.h"

#include <algorithm>
#include <cmath>

using namespace uniform::onnx_import;

static llvm::Error unsupported(llvm::StringRef what, llvm::StringRef value) {
  return llvm::createStringError(what + " '" + value + "' is not supported");
}

llvm::Expected<ResizeOptions> uniform::onnx_import::parseResizeOptions(
    llvm::StringRef mode, llvm::StringRef transform,
    llvm::StringRef nearestMode, double cubicCoeffA, bool excludeOutside) {
  ResizeOptions options;
  std::optional<ResizeMode> m =
      llvm::StringSwitch<std::optional<ResizeMode>>(mode)
          .Case("nearest", ResizeMode::Nearest)
          .Case("linear", ResizeMode::Linear)
          .Case("cubic", ResizeMode::Cubic)
          .Default(std::nullopt);
  if (!m)
    return unsupported("mode", mode);
  std::optional<CoordinateTransform> t =
      llvm::StringSwitch<std::optional<CoordinateTransform>>(transform)
          .Case("half_pixel", CoordinateTransform::HalfPixel)
          .Case("pytorch_half_pixel", CoordinateTransform::PytorchHalfPixel)
          .Case("align_corners", CoordinateTransform::AlignCorners)
          .Case("asymmetric", CoordinateTransform::Asymmetric)
          .Case("tf_half_pixel_for_nn", CoordinateTransform::TfHalfPixelForNN)
          .Default(std::nullopt);
  if (!t)
    return unsupported("coordinate_transformation_mode", transform);
  std::optional<NearestRounding> r =
      llvm::StringSwitch<std::optional<NearestRounding>>(nearestMode)
          .Case("round_prefer_floor", NearestRounding::RoundPreferFloor)
          .Case("round_prefer_ceil", NearestRounding::RoundPreferCeil)
          .Case("floor", NearestRounding::Floor)
          .Case("ceil", NearestRounding::Ceil)
          .Default(std::nullopt);
  if (!r)
    return unsupported("nearest_mode", nearestMode);
  options.mode = *m;
  options.transform = *t;
  options.rounding = *r;
  options.cubicCoeffA = cubicCoeffA;
  options.excludeOutside = excludeOutside;
  return options;
}

/// The input coordinate that output o reads.
static double sourceCoordinate(CoordinateTransform transform, int64_t o,
                               int64_t in, int64_t out, double scale) {
  switch (transform) {
  case CoordinateTransform::HalfPixel:
    return (o + 0.5) / scale - 0.5;
  case CoordinateTransform::PytorchHalfPixel:
    return out > 1 ? (o + 0.5) / scale - 0.5 : 0.0;
  case CoordinateTransform::AlignCorners:
    return out == 1 ? 0.0 : double(o) * double(in - 1) / double(out - 1);
  case CoordinateTransform::Asymmetric:
    return o / scale;
  case CoordinateTransform::TfHalfPixelForNN:
    return (o + 0.5) / scale;
  }
  return 0.0;
}

static int64_t roundNearest(NearestRounding rounding, double x) {
  switch (rounding) {
  case NearestRounding::RoundPreferFloor:
    return x == std::floor(x) + 0.5 ? int64_t(std::floor(x))
                                    : int64_t(std::round(x));
  case NearestRounding::RoundPreferCeil:
    return int64_t(std::round(x)); // Halves away from zero, then clamped.
  case NearestRounding::Floor:
    return int64_t(std::floor(x));
  case NearestRounding::Ceil:
    return int64_t(std::ceil(x));
  }
  return 0;
}

/// The cubic convolution weights of the 4 inputs around a coordinate whose
/// fraction is t (Keys' kernel with parameter a).
static void cubicCoefficients(double t, double a, double c[4]) {
  auto near = [&](double x) { return ((a + 2) * x - (a + 3)) * x * x + 1; };
  auto far = [&](double x) {
    return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  };
  c[0] = far(t + 1);
  c[1] = near(t);
  c[2] = near(1 - t);
  c[3] = far(2 - t);
}

std::vector<float>
uniform::onnx_import::resizeWeights(const ResizeOptions &options, int64_t in,
                                    int64_t out, double scale) {
  std::vector<float> weights(out * in, 0.0f);
  auto clampIndex = [&](int64_t i) {
    return std::clamp<int64_t>(i, 0, in - 1);
  };
  for (int64_t o = 0; o < out; ++o) {
    float *row = &weights[o * in];
    double x = sourceCoordinate(options.transform, o, in, out, scale);
    if (options.mode == ResizeMode::Nearest) {
      row[clampIndex(roundNearest(options.rounding, x))] = 1.0f;
      continue;
    }
    if (options.mode == ResizeMode::Linear) {
      // PyTorch clamps negative coordinates to 0 first; with the edge
      // padding that reads the same element.
      int64_t i0 = int64_t(std::floor(x));
      double t = x - i0;
      row[clampIndex(i0)] += float(1 - t);
      row[clampIndex(i0 + 1)] += float(t);
      continue;
    }
    int64_t i0 = int64_t(std::floor(x));
    double c[4];
    cubicCoefficients(x - i0, options.cubicCoeffA, c);
    double total = 0;
    for (int k = 0; k < 4; ++k) {
      int64_t i = i0 - 1 + k;
      if (options.excludeOutside && (i < 0 || i >= in))
        c[k] = 0;
      total += c[k];
    }
    for (int k = 0; k < 4; ++k)
      row[clampIndex(i0 - 1 + k)] +=
          float(options.excludeOutside ? c[k] / total : c[k]);
  }
  return weights;
}

bool uniform::onnx_import::isRepetition(const std::vector<float> &weights,
                                        int64_t in, int64_t out) {
  if (out % in != 0)
    return false;
  int64_t factor = out / in;
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i)
      if (weights[o * in + i] != (i == o / factor ? 1.0f : 0.0f))
        return false;
  return true;
}
