// attn-fold-relayout-chains: transpose and reshape chains that keep their
// source's row-major element order become one reshape; chains that move
// elements stay.
// RUN: uniform-opt %s --split-input-file --attn-fold-relayout-chains | FileCheck %s

// UniForm's q: the NHWC convolution result transposed to NCHW, reshaped to
// [B, C, N] and transposed to [B, N, C] is a reshape of the NHWC result.
// CHECK-LABEL: func.func @nhwc_to_tokens
// CHECK-SAME:    (%[[X:.*]]: tensor<4x7x7x16xf32>)
// CHECK-NEXT:    %[[R:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0], [1, 2], [3]] : tensor<4x7x7x16xf32> into tensor<4x49x16xf32>
// CHECK-NEXT:    return %[[R]]
func.func @nhwc_to_tokens(%x: tensor<4x7x7x16xf32>) -> tensor<4x49x16xf32> {
  %shape = tosa.const_shape {values = dense<[4, 16, 49]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %0 = tosa.transpose %x {perms = array<i32: 0, 3, 1, 2>} : (tensor<4x7x7x16xf32>) -> tensor<4x16x7x7xf32>
  %1 = tosa.reshape %0, %shape : (tensor<4x16x7x7xf32>, !tosa.shape<3>) -> tensor<4x16x49xf32>
  %2 = tosa.transpose %1 {perms = array<i32: 0, 2, 1>} : (tensor<4x16x49xf32>) -> tensor<4x49x16xf32>
  return %2 : tensor<4x49x16xf32>
}

// -----

// A transpose that moves elements stays, and so does a chain ending in one.
// CHECK-LABEL: func.func @moves
// CHECK:         tosa.transpose
// CHECK:         tosa.reshape
// CHECK:         tosa.transpose
// CHECK-NOT:     tensor.collapse_shape
// CHECK-NOT:     tensor.expand_shape
func.func @moves(%x: tensor<4x16x49xf32>, %y: tensor<4x7x7x16xf32>) -> (tensor<4x49x16xf32>, tensor<4x16x49xf32>) {
  %0 = tosa.transpose %x {perms = array<i32: 0, 2, 1>} : (tensor<4x16x49xf32>) -> tensor<4x49x16xf32>
  %shape = tosa.const_shape {values = dense<[4, 49, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %1 = tosa.reshape %y, %shape : (tensor<4x7x7x16xf32>, !tosa.shape<3>) -> tensor<4x49x16xf32>
  %2 = tosa.transpose %1 {perms = array<i32: 0, 2, 1>} : (tensor<4x49x16xf32>) -> tensor<4x16x49xf32>
  return %0, %2 : tensor<4x49x16xf32>, tensor<4x16x49xf32>
}

// -----

// A transpose that only moves a unit dimension, then linalg and tensor ops:
// [1, 49, 16] -> [49, 1, 16] (linalg.transpose) -> [49, 16] is a reshape.
// CHECK-LABEL: func.func @unit_dim
// CHECK-SAME:    (%[[X:.*]]: tensor<1x49x16xf32>)
// CHECK-NEXT:    %[[R:.*]] = tensor.collapse_shape %[[X]] {{\[\[}}0, 1], [2]] : tensor<1x49x16xf32> into tensor<49x16xf32>
// CHECK-NEXT:    return %[[R]]
func.func @unit_dim(%x: tensor<1x49x16xf32>) -> tensor<49x16xf32> {
  %init = tensor.empty() : tensor<49x1x16xf32>
  %0 = linalg.transpose ins(%x : tensor<1x49x16xf32>) outs(%init : tensor<49x1x16xf32>) permutation = [1, 0, 2]
  %1 = tensor.collapse_shape %0 [[0, 1], [2]] : tensor<49x1x16xf32> into tensor<49x16xf32>
  return %1 : tensor<49x16xf32>
}

// -----

// Two transposes that undo each other: the source itself.
// CHECK-LABEL: func.func @round_trip
// CHECK-SAME:    (%[[X:.*]]: tensor<2x3x5xf32>)
// CHECK-NEXT:    return %[[X]]
func.func @round_trip(%x: tensor<2x3x5xf32>) -> tensor<2x3x5xf32> {
  %0 = tosa.transpose %x {perms = array<i32: 2, 0, 1>} : (tensor<2x3x5xf32>) -> tensor<5x2x3xf32>
  %1 = tosa.transpose %0 {perms = array<i32: 1, 2, 0>} : (tensor<5x2x3xf32>) -> tensor<2x3x5xf32>
  return %1 : tensor<2x3x5xf32>
}

// -----

// Dynamic shapes are left alone.
// CHECK-LABEL: func.func @dynamic
// CHECK:         tosa.transpose
// CHECK:         tosa.transpose
func.func @dynamic(%x: tensor<?x3x5xf32>) -> tensor<?x3x5xf32> {
  %0 = tosa.transpose %x {perms = array<i32: 0, 2, 1>} : (tensor<?x3x5xf32>) -> tensor<?x5x3xf32>
  %1 = tosa.transpose %0 {perms = array<i32: 0, 2, 1>} : (tensor<?x5x3xf32>) -> tensor<?x3x5xf32>
  return %1 : tensor<?x3x5xf32>
}
