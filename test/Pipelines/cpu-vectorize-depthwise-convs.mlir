// uniform-cpu-vectorize-depthwise-convs: static depthwise convolutions (TOSA's
// linalg.depthwise_conv_2d_nhwc_hwcm with multiplier 1, as
// depthwise_conv_2d_nhwc_hwc on collapsed shapes) as scf.for loops over
// register tiles of one output row by 8 pixels by 32 channels (the largest
// divisors within), one kernel row per step of the innermost loop, which
// carries the accumulator as a vector; each step is the FMAs of one kernel
// row.
// RUN: uniform-opt %s --split-input-file --uniform-cpu-vectorize-depthwise-convs --canonicalize --cse | FileCheck %s
// RUN: uniform-opt %s --split-input-file --uniform-cpu-vectorize-depthwise-convs="tile-w=4 tile-c=16" --canonicalize --cse | FileCheck %s --check-prefix=SMALL
// RUN: not uniform-opt %s --uniform-cpu-vectorize-depthwise-convs="tile-c=0" 2>&1 | FileCheck %s --check-prefix=BOUNDS
// BOUNDS: error: register tile bounds must be positive

// 3x3 over 8 x 48 channels: tiles of 8 pixels by 24 channels; three FMAs
// (one per kernel column) per kernel row.
// CHECK-LABEL: func.func @depthwise_3x3
// CHECK-DAG:     tensor.collapse_shape %arg1 {{\[\[}}0], [1], [2, 3]] : tensor<3x3x48x1xf32> into tensor<3x3x48xf32>
// CHECK-DAG:     tensor.collapse_shape %arg2 {{\[\[}}0], [1], [2], [3, 4]] : tensor<1x7x8x48x1xf32> into tensor<1x7x8x48xf32>
// CHECK:         scf.for {{.*}} to %c7 step %c1
// CHECK:           scf.for {{.*}} to %c48 step %c24
// CHECK:             %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<1x8x24xf32>, vector<1x8x24xf32>
// CHECK:             scf.for {{.*}} to %c3 step %c1 iter_args({{.*}} = %[[ACC]]) -> (vector<1x8x24xf32>)
// CHECK:               vector.transfer_read {{.*}} : tensor<1x10x24xf32>, vector<1x10x24xf32>
// CHECK-COUNT-3:       vector.fma {{.*}} : vector<1x8x24xf32>
// CHECK:         tensor.expand_shape {{.*}} into tensor<1x7x8x48x1xf32>
// CHECK-NOT:     linalg.depthwise_conv
// SMALL-LABEL: func.func @depthwise_3x3
// SMALL-COUNT-3: vector.fma {{.*}} : vector<1x4x16xf32>
func.func @depthwise_3x3(%x: tensor<1x9x10x48xf32>, %w: tensor<3x3x48x1xf32>, %b: tensor<1x7x8x48x1xf32>) -> tensor<1x7x8x48x1xf32> {
  %r = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x9x10x48xf32>, tensor<3x3x48x1xf32>) outs(%b : tensor<1x7x8x48x1xf32>) -> tensor<1x7x8x48x1xf32>
  return %r : tensor<1x7x8x48x1xf32>
}

// -----

// Stride 2 over 40 channels: tiles of 5 pixels by 20 channels; the tile's
// input row spans (5 - 1) * 2 + 3 = 11 pixels, read once, and every other
// pixel of it feeds one FMA per output pixel and kernel column.
// CHECK-LABEL: func.func @depthwise_stride2
// CHECK:         vector.transfer_read {{.*}} : tensor<1x11x20xf32>, vector<1x11x20xf32>
// CHECK:         vector.extract %{{.*}}[0, 0] : vector<20xf32> from vector<1x11x20xf32>
// CHECK:         vector.extract %{{.*}}[0, 2] : vector<20xf32> from vector<1x11x20xf32>
// CHECK-COUNT-15: vector.fma {{.*}} : vector<1x1x20xf32>
func.func @depthwise_stride2(%x: tensor<1x9x11x40xf32>, %w: tensor<3x3x40x1xf32>, %b: tensor<1x4x5x40x1xf32>) -> tensor<1x4x5x40x1xf32> {
  %r = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x9x11x40xf32>, tensor<3x3x40x1xf32>) outs(%b : tensor<1x4x5x40x1xf32>) -> tensor<1x4x5x40x1xf32>
  return %r : tensor<1x4x5x40x1xf32>
}

// -----

// Left alone: a channel multiplier of 2 and a dynamic extent.
// CHECK-LABEL: func.func @not_register_tiled
// CHECK-NOT:     vector.
// CHECK:         linalg.depthwise_conv_2d_nhwc_hwcm
// CHECK:         linalg.depthwise_conv_2d_nhwc_hwc
// CHECK-NOT:     vector.
func.func @not_register_tiled(%x: tensor<1x8x8x16xf32>, %w: tensor<3x3x16x2xf32>, %b: tensor<1x6x6x16x2xf32>, %y: tensor<?x8x8x16xf32>, %v: tensor<3x3x16xf32>, %c: tensor<?x6x6x16xf32>) -> (tensor<1x6x6x16x2xf32>, tensor<?x6x6x16xf32>) {
  %r = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x8x8x16xf32>, tensor<3x3x16x2xf32>) outs(%b : tensor<1x6x6x16x2xf32>) -> tensor<1x6x6x16x2xf32>
  %s = linalg.depthwise_conv_2d_nhwc_hwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%y, %v : tensor<?x8x8x16xf32>, tensor<3x3x16xf32>) outs(%c : tensor<?x6x6x16xf32>) -> tensor<?x6x6x16xf32>
  return %r, %s : tensor<1x6x6x16x2xf32>, tensor<?x6x6x16xf32>
}

// -----

// TOSA's zero init, one fill that CSE shares between two convolutions:
// each gets its own, computed tile by tile inside the loops over output
// tiles (each tile's accumulator a zero vector written before the loop
// over kernel rows), so no pass over the whole output is left.
// CHECK-LABEL: func.func @depthwise_zero_init
// CHECK:         %[[EMPTY:.*]] = tensor.empty() : tensor<1x7x8x48xf32>
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]])
// CHECK:           scf.for
// CHECK:               vector.transfer_write %cst, {{.*}} : vector<1x1x8x24xf32>, tensor<1x1x8x24xf32>
// CHECK:             scf.for {{.*}} to %c3 step %c1
// CHECK-COUNT-3:         vector.fma {{.*}} : vector<1x8x24xf32>
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[EMPTY]])
// CHECK-NOT:     linalg.fill
func.func @depthwise_zero_init(%x: tensor<1x9x10x48xf32>, %w: tensor<3x3x48x1xf32>, %v: tensor<3x3x48x1xf32>) -> (tensor<1x7x8x48x1xf32>, tensor<1x7x8x48x1xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x7x8x48x1xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<1x7x8x48x1xf32>) -> tensor<1x7x8x48x1xf32>
  %r0 = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x9x10x48xf32>, tensor<3x3x48x1xf32>) outs(%f : tensor<1x7x8x48x1xf32>) -> tensor<1x7x8x48x1xf32>
  %r1 = linalg.depthwise_conv_2d_nhwc_hwcm {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %v : tensor<1x9x10x48xf32>, tensor<3x3x48x1xf32>) outs(%f : tensor<1x7x8x48x1xf32>) -> tensor<1x7x8x48x1xf32>
  return %r0, %r1 : tensor<1x7x8x48x1xf32>, tensor<1x7x8x48x1xf32>
}
