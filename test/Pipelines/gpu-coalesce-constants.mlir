// RUN: uniform-opt %s --split-input-file --uniform-gpu-coalesce-constants | FileCheck %s

// A constant filter [F, KH, KW, C] is stored [KH, KW, C, F]: element
// (f, 0, 0, c) moves to (0, 0, c, f), and the convolution takes that layout.
// CHECK-LABEL: func.func @constant_filter
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[\[\[\[}}1.000000e+00, 4.000000e+00], [2.000000e+00, 5.000000e+00], [3.000000e+00, 6.000000e+00]]]]> : tensor<1x1x3x2xf32>
// CHECK:         linalg.conv_2d_nhwc_hwcf {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%{{.*}}, %[[W]] : tensor<1x4x4x3xf32>, tensor<1x1x3x2xf32>)
// CHECK-NOT:     linalg.conv_2d_nhwc_fhwc
func.func @constant_filter(%x: tensor<1x4x4x3xf32>, %init: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = arith.constant dense<[[[[1.0, 2.0, 3.0]]], [[[4.0, 5.0, 6.0]]]]> : tensor<2x1x1x3xf32>
  %0 = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>}
      ins(%x, %w : tensor<1x4x4x3xf32>, tensor<2x1x1x3xf32>) outs(%init : tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  return %0 : tensor<1x2x2x2xf32>
}

// -----

// A filter that is not a constant stays as it is.
// CHECK-LABEL: func.func @argument_filter
// CHECK:         linalg.conv_2d_nhwc_fhwc
func.func @argument_filter(%x: tensor<1x4x4x3xf32>, %w: tensor<2x1x1x3xf32>, %init: tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32> {
  %0 = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%x, %w : tensor<1x4x4x3xf32>, tensor<2x1x1x3xf32>) outs(%init : tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  return %0 : tensor<1x4x4x2xf32>
}

// -----

// A product whose constant weights are stored [N, K] (N the output's
// contiguous dimension): stored [K, N], the indexing map swapped.
// CHECK-DAG:   #[[KN:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-LABEL: func.func @constant_weights
// CHECK:         %[[W:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK:         linalg.generic {indexing_maps = [#{{.*}}, #[[KN]], #{{.*}}]
// CHECK-SAME:      ins(%{{.*}}, %[[W]] : tensor<3x2xf32>, tensor<2x2xf32>)
#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @constant_weights(%x: tensor<3x2xf32>, %init: tensor<3x2xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %0 = linalg.generic {indexing_maps = [#mk, #nk, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<3x2xf32>, tensor<2x2xf32>) outs(%init : tensor<3x2xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %c, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}
