// uniform-tosa-fold-constants: TOSA ops of constants that upstream's
// tosa-layerwise-constant-fold leaves, computed at compile time.
// RUN: uniform-opt %s --split-input-file --uniform-tosa-fold-constants | FileCheck %s

// A relative position bias: a learned table of 3 offsets x 2 heads, read at
// constant offsets for 4 query/key pairs, becomes the constant it reads.
// CHECK-LABEL: func.func @gather_of_constants
// CHECK:         %[[C:.*]] = "tosa.const"() <{values = dense<{{\[}}[
// CHECK-SAME:        [3.000000e+00, 4.000000e+00], [1.000000e+00, 2.000000e+00], [5.000000e+00, 6.000000e+00], [3.000000e+00, 4.000000e+00]
// CHECK-SAME:        ]]> : tensor<1x4x2xf32>}>
// CHECK-NOT:     tosa.gather
// CHECK:         return %[[C]]
func.func @gather_of_constants() -> tensor<1x4x2xf32> {
  %table = "tosa.const"() <{values = dense<[[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]]> : tensor<1x3x2xf32>}> : () -> tensor<1x3x2xf32>
  %offsets = "tosa.const"() <{values = dense<[[1, 0, 2, 1]]> : tensor<1x4xi32>}> : () -> tensor<1x4xi32>
  %bias = tosa.gather %table, %offsets : (tensor<1x3x2xf32>, tensor<1x4xi32>) -> tensor<1x4x2xf32>
  return %bias : tensor<1x4x2xf32>
}

// -----

// Batches index their own table; integer tables fold too.
// CHECK-LABEL: func.func @gather_per_batch
// CHECK:         "tosa.const"() <{values = dense<{{\[}}{{\[}}[20], [10]], {{\[}}[30], [30]]]> : tensor<2x2x1xi32>}>
// CHECK-NOT:     tosa.gather
func.func @gather_per_batch() -> tensor<2x2x1xi32> {
  %table = "tosa.const"() <{values = dense<[[[10], [20]], [[30], [40]]]> : tensor<2x2x1xi32>}> : () -> tensor<2x2x1xi32>
  %offsets = "tosa.const"() <{values = dense<[[1, 0], [0, 0]]> : tensor<2x2xi32>}> : () -> tensor<2x2xi32>
  %r = tosa.gather %table, %offsets : (tensor<2x2x1xi32>, tensor<2x2xi32>) -> tensor<2x2x1xi32>
  return %r : tensor<2x2x1xi32>
}

// -----

// Left alone: an index outside the table (undefined in TOSA), and a table
// known only at run time.
// CHECK-LABEL: func.func @out_of_range
// CHECK:         tosa.gather
// CHECK-LABEL: func.func @runtime_table
// CHECK:         tosa.gather
func.func @out_of_range() -> tensor<1x2x1xf32> {
  %table = "tosa.const"() <{values = dense<[[[1.0], [2.0]]]> : tensor<1x2x1xf32>}> : () -> tensor<1x2x1xf32>
  %offsets = "tosa.const"() <{values = dense<[[0, 2]]> : tensor<1x2xi32>}> : () -> tensor<1x2xi32>
  %r = tosa.gather %table, %offsets : (tensor<1x2x1xf32>, tensor<1x2xi32>) -> tensor<1x2x1xf32>
  return %r : tensor<1x2x1xf32>
}
func.func @runtime_table(%table: tensor<1x3x2xf32>) -> tensor<1x2x2xf32> {
  %offsets = "tosa.const"() <{values = dense<[[0, 2]]> : tensor<1x2xi32>}> : () -> tensor<1x2xi32>
  %r = tosa.gather %table, %offsets : (tensor<1x3x2xf32>, tensor<1x2xi32>) -> tensor<1x2x2xf32>
  return %r : tensor<1x2x2xf32>
}
