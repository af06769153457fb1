// uniform-tosa-decompose-transpose-conv: tosa.transpose_conv2d (the ONNX
// importer's ConvTranspose) as tosa.conv2d and data movement, which
// tosa-to-linalg lowers.
// RUN: uniform-opt %s --split-input-file --verify-diagnostics --uniform-tosa-decompose-transpose-conv | FileCheck %s

// Stride 1: one convolution over the input padded by the kernel less one
// (3 - 1 + out_pad -1 = 1), with the kernel reversed.
// CHECK-LABEL: func.func @stride_1
// CHECK:         tosa.reverse %arg1 {axis = 1 : i32}
// CHECK:         tosa.reverse {{.*}} {axis = 2 : i32}
// CHECK:         tosa.conv2d %arg0, {{.*}} {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 1, 1, 1, 1>, stride = array<i64: 1, 1>} : {{.*}} -> tensor<1x5x5x2xf32>
// CHECK-NOT:     tosa.transpose_conv2d
func.func @stride_1(%x: tensor<1x5x5x4xf32>, %w: tensor<2x3x3x4xf32>, %b: tensor<2xf32>) -> tensor<1x5x5x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.transpose_conv2d %x, %w, %b, %zp, %zp {acc_type = f32, out_pad = array<i64: -1, -1, -1, -1>, stride = array<i64: 1, 1>} : (tensor<1x5x5x4xf32>, tensor<2x3x3x4xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x5x5x2xf32>
  return %y : tensor<1x5x5x2xf32>
}

// -----

// Stride 2 (DCGAN's kernel 4, out_pad -1): one stride-1 convolution whose 8
// output channels are the 4 stride phases of 2, moved into place and
// cropped by 1 on each side, then the bias.
// CHECK-LABEL: func.func @stride_2
// CHECK:         tosa.conv2d {{.*}} -> tensor<1x4x4x8xf32>
// CHECK:         tosa.reshape {{.*}} -> tensor<1x4x4x2x2x2xf32>
// CHECK:         tosa.transpose {{.*}} -> tensor<1x4x2x4x2x2xf32>
// CHECK:         tosa.reshape {{.*}} -> tensor<1x8x8x2xf32>
// CHECK:         tosa.slice {{.*}} -> tensor<1x6x6x2xf32>
// CHECK:         tosa.add {{.*}} -> tensor<1x6x6x2xf32>
// CHECK-NOT:     tosa.transpose_conv2d
func.func @stride_2(%x: tensor<1x3x3x4xf32>, %w: tensor<2x4x4x4xf32>, %b: tensor<2xf32>) -> tensor<1x6x6x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.transpose_conv2d %x, %w, %b, %zp, %zp {acc_type = f32, out_pad = array<i64: -1, -1, -1, -1>, stride = array<i64: 2, 2>} : (tensor<1x3x3x4xf32>, tensor<2x4x4x4xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x6x2xf32>
  return %y : tensor<1x6x6x2xf32>
}

// -----

// A dynamic batch decomposes; dynamic spatial extents do not: an error
// here, not a legalization failure later.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK:         tosa.conv2d {{.*}} -> tensor<?x3x3x8xf32>
// CHECK-NOT:     tosa.transpose_conv2d
func.func @dynamic_batch(%x: tensor<?x3x3x4xf32>, %w: tensor<2x2x2x4xf32>, %b: tensor<2xf32>) -> tensor<?x6x6x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.transpose_conv2d %x, %w, %b, %zp, %zp {acc_type = f32, out_pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<?x3x3x4xf32>, tensor<2x2x2x4xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<?x6x6x2xf32>
  return %y : tensor<?x6x6x2xf32>
}

// -----

func.func @dynamic_height(%x: tensor<1x?x3x4xf32>, %w: tensor<2x2x2x4xf32>, %b: tensor<2xf32>) -> tensor<1x?x6x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  // expected-error @+1 {{'tosa.transpose_conv2d' op needs static shapes to be lowered}}
  %y = tosa.transpose_conv2d %x, %w, %b, %zp, %zp {acc_type = f32, out_pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x?x3x4xf32>, tensor<2x2x2x4xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x?x6x2xf32>
  return %y : tensor<1x?x6x2xf32>
}
