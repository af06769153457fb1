//===- ResizeWeightsTest.cpp - ONNX Resize's interpolation weights --------===//
//
// resizeWeights against values worked out by hand from the ONNX
// specification's coordinate transforms, neighbours and coefficients.
//
//===----------------------------------------------------------------------===//

#include "ResizeWeights.h"

#include "gtest/gtest.h"

using namespace uniform::onnx_import;

namespace {

ResizeOptions options(llvm::StringRef mode, llvm::StringRef transform,
                      llvm::StringRef nearestMode = "round_prefer_floor",
                      bool excludeOutside = false) {
  llvm::Expected<ResizeOptions> o =
      parseResizeOptions(mode, transform, nearestMode, -0.75, excludeOutside);
  EXPECT_TRUE(static_cast<bool>(o)) << llvm::toString(o.takeError());
  return *o;
}

void expectWeights(const std::vector<float> &got,
                   const std::vector<float> &want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], 1e-6) << "at " << i;
}

TEST(ResizeWeights, LinearHalfPixelUpsampling) {
  // Coordinates -0.25, 0.25, 0.75, 1.25; the outer ones read the edges.
  expectWeights(resizeWeights(options("linear", "half_pixel"), 2, 4, 2.0),
                {1, 0, 0.75, 0.25, 0.25, 0.75, 0, 1});
}

TEST(ResizeWeights, LinearAlignCorners) {
  // Coordinates 0, 0.5, 1, 1.5, 2: the corners map onto each other.
  expectWeights(
      resizeWeights(options("linear", "align_corners"), 3, 5, 5.0 / 3),
      {1, 0, 0, 0.5, 0.5, 0, 0, 1, 0, 0, 0.5, 0.5, 0, 0, 1});
}

TEST(ResizeWeights, LinearDownsampling) {
  // half_pixel at scale 0.5: coordinates 0.5 and 2.5, no antialiasing.
  expectWeights(resizeWeights(options("linear", "half_pixel"), 4, 2, 0.5),
                {0.5, 0.5, 0, 0, 0, 0, 0.5, 0.5});
}

TEST(ResizeWeights, PytorchHalfPixelSingleOutput) {
  // One output reads coordinate 0, not the middle.
  expectWeights(
      resizeWeights(options("linear", "pytorch_half_pixel"), 3, 1, 1.0 / 3),
      {1, 0, 0});
}

TEST(ResizeWeights, NearestRepetitionDependsOnRounding) {
  // Asymmetric floor (torch's nearest export) repeats each element twice.
  std::vector<float> floorWeights =
      resizeWeights(options("nearest", "asymmetric", "floor"), 2, 4, 2.0);
  EXPECT_TRUE(isRepetition(floorWeights, 2, 4));
  // half_pixel rounding up reads coordinates -0.25, 0.25, 0.75, 1.25 as
  // 0, 1, 1, 1 (clamped): not a repetition.
  std::vector<float> ceilWeights =
      resizeWeights(options("nearest", "half_pixel", "ceil"), 2, 4, 2.0);
  expectWeights(ceilWeights, {1, 0, 0, 1, 0, 1, 0, 1});
  EXPECT_FALSE(isRepetition(ceilWeights, 2, 4));
  // Asymmetric rounding to nearest reads 0, 0.5 -> 0, 1, 1.5 -> 1: a
  // repetition; at scale 3 it reads 0, 0, 1, 1, 1, 2 -> clamped 1.
  EXPECT_TRUE(isRepetition(
      resizeWeights(options("nearest", "asymmetric"), 2, 4, 2.0), 2, 4));
  EXPECT_FALSE(isRepetition(
      resizeWeights(options("nearest", "asymmetric"), 2, 6, 3.0), 2, 6));
}

TEST(ResizeWeights, NearestDownsampling) {
  expectWeights(
      resizeWeights(options("nearest", "asymmetric", "floor"), 4, 2, 0.5),
      {1, 0, 0, 0, 0, 0, 1, 0});
}

TEST(ResizeWeights, CubicEdge) {
  // Output 0 of 8 from 4 (half_pixel): coordinate -0.25, fraction 0.75;
  // Keys' weights (a = -0.75) of inputs -2..1 are -0.03515625,
  // 0.26171875, 0.87890625, -0.10546875. The edge reads input 0 three
  // times; exclude_outside drops the outside two and renormalizes.
  std::vector<float> w = resizeWeights(options("cubic", "half_pixel"), 4, 8, 2);
  EXPECT_NEAR(w[0], 1.10546875, 1e-6);
  EXPECT_NEAR(w[1], -0.10546875, 1e-6);
  std::vector<float> excluded = resizeWeights(
      options("cubic", "half_pixel", "round_prefer_floor", true), 4, 8, 2);
  EXPECT_NEAR(excluded[0], 0.87890625 / 0.7734375, 1e-6);
  EXPECT_NEAR(excluded[1], -0.10546875 / 0.7734375, 1e-6);
  // Every row sums to 1.
  for (int64_t o = 0; o < 8; ++o) {
    float sum = 0;
    for (int64_t i = 0; i < 4; ++i)
      sum += w[o * 4 + i];
    EXPECT_NEAR(sum, 1.0f, 1e-6) << "row " << o;
  }
}

TEST(ResizeWeights, UnsupportedOptions) {
  auto message = [](llvm::StringRef mode, llvm::StringRef transform,
                    llvm::StringRef nearestMode) {
    llvm::Expected<ResizeOptions> o =
        parseResizeOptions(mode, transform, nearestMode, -0.75, false);
    EXPECT_FALSE(static_cast<bool>(o));
    return o ? std::string() : llvm::toString(o.takeError());
  };
  EXPECT_EQ(message("bilinear", "half_pixel", "floor"),
            "mode 'bilinear' is not supported");
  EXPECT_EQ(message("linear", "tf_crop_and_resize", "floor"),
            "coordinate_transformation_mode 'tf_crop_and_resize' is not "
            "supported");
  EXPECT_EQ(message("nearest", "asymmetric", "up"),
            "nearest_mode 'up' is not supported");
}

} // namespace
