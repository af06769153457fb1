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

// -----

// Rearrangements of constants (a decomposed transposed convolution's
// weights): reverse, pad with a constant value, slice, and a chain of them
// with upstream's transpose fold in between, in one run.
// CHECK-LABEL: func.func @reverse_of_constant
// CHECK:         "tosa.const"() <{values = dense<{{\[}}[3, 2, 1], [6, 5, 4]]> : tensor<2x3xi32>}>
// CHECK-NOT:     tosa.reverse
func.func @reverse_of_constant() -> tensor<2x3xi32> {
  %c = "tosa.const"() <{values = dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi32>}> : () -> tensor<2x3xi32>
  %r = tosa.reverse %c {axis = 1 : i32} : (tensor<2x3xi32>) -> tensor<2x3xi32>
  return %r : tensor<2x3xi32>
}

// CHECK-LABEL: func.func @pad_of_constant
// CHECK:         "tosa.const"() <{values = dense<{{\[}}[9.000000e+00, 9.000000e+00, 9.000000e+00], [9.000000e+00, 1.000000e+00, 2.000000e+00], [9.000000e+00, 3.000000e+00, 4.000000e+00]]> : tensor<3x3xf32>}>
// CHECK-NOT:     tosa.pad
func.func @pad_of_constant() -> tensor<3x3xf32> {
  %c = "tosa.const"() <{values = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  %padding = tosa.const_shape {values = dense<[1, 0, 1, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %value = "tosa.const"() <{values = dense<9.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %r = tosa.pad %c, %padding, %value : (tensor<2x2xf32>, !tosa.shape<4>, tensor<1xf32>) -> tensor<3x3xf32>
  return %r : tensor<3x3xf32>
}

// CHECK-LABEL: func.func @slice_of_constant
// CHECK:         "tosa.const"() <{values = dense<{{\[}}[5, 6]]> : tensor<1x2xi8>}>
// CHECK-NOT:     tosa.slice
func.func @slice_of_constant() -> tensor<1x2xi8> {
  %c = "tosa.const"() <{values = dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi8>}> : () -> tensor<2x3xi8>
  %start = tosa.const_shape {values = dense<[1, 1]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %size = tosa.const_shape {values = dense<[1, 2]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.slice %c, %start, %size : (tensor<2x3xi8>, !tosa.shape<2>, !tosa.shape<2>) -> tensor<1x2xi8>
  return %r : tensor<1x2xi8>
}

// CHECK-LABEL: func.func @chain_of_rearrangements
// CHECK:         "tosa.const"() <{values = dense<{{\[}}[6.000000e+00, 3.000000e+00], [5.000000e+00, 2.000000e+00], [4.000000e+00, 1.000000e+00], [0.000000e+00, 0.000000e+00]]> : tensor<4x2xf32>}>
// CHECK-NOT:     tosa.transpose
// CHECK-NOT:     tosa.reverse
// CHECK-NOT:     tosa.pad
func.func @chain_of_rearrangements() -> tensor<4x2xf32> {
  %c = "tosa.const"() <{values = dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>}> : () -> tensor<2x3xf32>
  %t = tosa.transpose %c {perms = array<i32: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %r0 = tosa.reverse %t {axis = 0 : i32} : (tensor<3x2xf32>) -> tensor<3x2xf32>
  %r1 = tosa.reverse %r0 {axis = 1 : i32} : (tensor<3x2xf32>) -> tensor<3x2xf32>
  %padding = tosa.const_shape {values = dense<[0, 1, 0, 0]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %zero = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %p = tosa.pad %r1, %padding, %zero : (tensor<3x2xf32>, !tosa.shape<4>, tensor<1xf32>) -> tensor<4x2xf32>
  return %p : tensor<4x2xf32>
}

// -----

// Left alone: a reverse of a value known at run time.
// CHECK-LABEL: func.func @runtime_reverse
// CHECK:         tosa.reverse
func.func @runtime_reverse(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = tosa.reverse %x {axis = 1 : i32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}

// -----

// The ONNX importer's large weights are dense_resource blobs: a reshape of
// one is the same blob with the new type, and a transpose of it (a grouped
// convolution's weights, rearranged for its depthwise form) or a reverse
// becomes an inline constant.
// CHECK-LABEL: func.func @resource_reshape_transpose
// CHECK:         "tosa.const"() <{values = dense<{{\[}}[1.000000e+00, 5.000000e+00, 9.000000e+00], [2.000000e+00, 6.000000e+00, 1.000000e+01], [3.000000e+00, 7.000000e+00, 1.100000e+01], [4.000000e+00, 8.000000e+00, 1.200000e+01]]> : tensor<4x3xf32>}>
// CHECK-NOT:     tosa.reshape
// CHECK-NOT:     tosa.transpose
func.func @resource_reshape_transpose() -> tensor<4x3xf32> {
  %w = "tosa.const"() <{values = dense_resource<weights> : tensor<4x3xf32>}> : () -> tensor<4x3xf32>
  %shape = tosa.const_shape {values = dense<[3, 4]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %r = tosa.reshape %w, %shape : (tensor<4x3xf32>, !tosa.shape<2>) -> tensor<3x4xf32>
  %t = tosa.transpose %r {perms = array<i32: 1, 0>} : (tensor<3x4xf32>) -> tensor<4x3xf32>
  return %t : tensor<4x3xf32>
}

// CHECK-LABEL: func.func @resource_reverse
// CHECK:         "tosa.const"() <{values = dense<{{\[}}[3.000000e+00, 2.000000e+00, 1.000000e+00], [6.000000e+00, 5.000000e+00, 4.000000e+00], [9.000000e+00, 8.000000e+00, 7.000000e+00], [1.200000e+01, 1.100000e+01, 1.000000e+01]]> : tensor<4x3xf32>}>
func.func @resource_reverse() -> tensor<4x3xf32> {
  %w = "tosa.const"() <{values = dense_resource<weights> : tensor<4x3xf32>}> : () -> tensor<4x3xf32>
  %r = tosa.reverse %w {axis = 1 : i32} : (tensor<4x3xf32>) -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}

// Left alone: a resource whose blob does not hold the type's bytes.
// CHECK-LABEL: func.func @resource_wrong_size
// CHECK:         tosa.transpose
func.func @resource_wrong_size() -> tensor<3x5xf32> {
  %w = "tosa.const"() <{values = dense_resource<weights> : tensor<5x3xf32>}> : () -> tensor<5x3xf32>
  %t = tosa.transpose %w {perms = array<i32: 1, 0>} : (tensor<5x3xf32>) -> tensor<3x5xf32>
  return %t : tensor<3x5xf32>
}

{-#
  dialect_resources: {
    builtin: {
      weights: "0x040000000000803F0000004000004040000080400000A0400000C0400000E0400000004100001041000020410000304100004041"
    }
  }
#-}
