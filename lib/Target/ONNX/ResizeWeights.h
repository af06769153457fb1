//===- ResizeWeights.h - ONNX Resize as interpolation weights ---*- C++ -*-===//
//
// ONNX Resize interpolates each axis on its own: output o reads the input
// near the coordinate its coordinate_transformation_mode gives, with the
// nearest, linear or cubic weights of its mode. The importer turns each
// resized axis into the [out, in] matrix of those weights (or, where every
// input element is only repeated, a tile).
//
// A pure module, free of protobuf and MLIR, tested on its own
// (test/Unit/Target/ResizeWeightsTest.cpp) against values worked out from
// the ONNX specification's formulas.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_TARGET_ONNX_RESIZEWEIGHTS_H
#define UNIFORM_LIB_TARGET_ONNX_RESIZEWEIGHTS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace uniform {
namespace onnx_import {

enum class ResizeMode { Nearest, Linear, Cubic };
enum class CoordinateTransform {
  HalfPixel,
  PytorchHalfPixel,
  AlignCorners,
  Asymmetric,
  TfHalfPixelForNN,
};
enum class NearestRounding { RoundPreferFloor, RoundPreferCeil, Floor, Ceil };

/// Resize's attributes that shape the weights (opset 13 names and defaults).
struct ResizeOptions {
  ResizeMode mode = ResizeMode::Nearest;
  CoordinateTransform transform = CoordinateTransform::HalfPixel;
  NearestRounding rounding = NearestRounding::RoundPreferFloor;
  double cubicCoeffA = -0.75;
  bool excludeOutside = false;
};

/// The options for the attribute strings; an error names an unsupported
/// value (tf_crop_and_resize needs the roi input, which is not supported).
llvm::Expected<ResizeOptions> parseResizeOptions(llvm::StringRef mode,
                                                 llvm::StringRef transform,
                                                 llvm::StringRef nearestMode,
                                                 double cubicCoeffA,
                                                 bool excludeOutside);

/// The weights of one axis resized from `in` to `out` elements by `scale`
/// (the scales input's value, or out / in when sizes are given), row-major
/// [out, in]: row o holds output o's weight on each input element. Inputs
/// outside the axis read the nearest edge element (ONNX's reference pads by
/// the edge), except with excludeOutside, whose cubic weights drop them and
/// renormalize.
std::vector<float> resizeWeights(const ResizeOptions &options, int64_t in,
                                 int64_t out, double scale);

/// The input element output o repeats when each of `in` elements is repeated
/// out / in times in order (a whole upsampling factor, as nearest resizing
/// by 2 is): true when `weights` is exactly that.
bool isRepetition(const std::vector<float> &weights, int64_t in, int64_t out);

} // namespace onnx_import
} // namespace uniform

#endif // UNIFORM_LIB_TARGET_ONNX_RESIZEWEIGHTS_H
