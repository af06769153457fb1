// The graph-level part of both pipelines folds the layout changes that the
// ONNX import leaves around every convolution: the OIHW -> OHWI transpose of
// constant weights is folded into the constant, and the NHWC -> NCHW ->
// NHWC pair around an elementwise op cancels (tosa-layerwise-constant-fold,
// tosa-reduce-transposes). Only the model's own input and output layouts
// remain as transposes, so neither pipeline spends a loop nest (on the GPU
// a kernel) on the others.
// RUN: uniform-opt %s --uniform-cpu-pipeline --mlir-print-ir-after=tosa-reduce-transposes -o /dev/null 2>&1 | FileCheck %s
// RUN: uniform-opt %s --uniform-gpu-pipeline=format=llvm --mlir-print-ir-after=tosa-reduce-transposes -o /dev/null 2>&1 | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK-DAG:     %[[W1:.*]] = "tosa.const"() <{values = dense<{{\[\[\[\[}}1.000000e+00, 2.000000e+00]]], {{\[\[\[}}3.000000e+00, 4.000000e+00]]]]> : tensor<2x1x1x2xf32>}>
// CHECK-DAG:     %[[W0:.*]] = "tosa.const"() {{.*}} : () -> tensor<2x3x3x2xf32>
// CHECK:         %[[IN:.*]] = tosa.transpose %arg0 {perms = array<i32: 0, 2, 3, 1>}
// CHECK:         %[[C0:.*]] = tosa.conv2d %[[IN]], %[[W0]]
// CHECK:         %[[R:.*]] = tosa.clamp %[[C0]]
// CHECK:         %[[C1:.*]] = tosa.conv2d %[[R]], %[[W1]]
// CHECK:         %[[OUT:.*]] = tosa.transpose %[[C1]] {perms = array<i32: 0, 3, 1, 2>}
// CHECK-NOT:     tosa.transpose
// CHECK:         return %[[OUT]]
func.func @forward(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %w0 = "tosa.const"() <{values = dense<0.5> : tensor<2x2x3x3xf32>}> : () -> tensor<2x2x3x3xf32>
  %w1 = "tosa.const"() <{values = dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>}> : () -> tensor<2x2x1x1xf32>
  %b = "tosa.const"() <{values = dense<0.1> : tensor<2xf32>}> : () -> tensor<2xf32>
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %xt = tosa.transpose %x {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x4x2xf32>
  %w0t = tosa.transpose %w0 {perms = array<i32: 0, 2, 3, 1>} : (tensor<2x2x3x3xf32>) -> tensor<2x3x3x2xf32>
  %c0 = tosa.conv2d %xt, %w0t, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x3x3x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %c0t = tosa.transpose %c0 {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x4x4xf32>
  %r = tosa.clamp %c0t {max_val = 3.40282347E+38 : f32, min_val = 0.000000e+00 : f32} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %rt = tosa.transpose %r {perms = array<i32: 0, 2, 3, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x4x2xf32>
  %w1t = tosa.transpose %w1 {perms = array<i32: 0, 2, 3, 1>} : (tensor<2x2x1x1xf32>) -> tensor<2x1x1x2xf32>
  %c1 = tosa.conv2d %rt, %w1t, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<2x1x1x2xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x4x2xf32>
  %c1t = tosa.transpose %c1 {perms = array<i32: 0, 3, 1, 2>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x4x4xf32>
  return %c1t : tensor<1x2x4x4xf32>
}
