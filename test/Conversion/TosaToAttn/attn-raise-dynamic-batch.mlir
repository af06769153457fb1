// attn-raise on a dynamic batch, as the ONNX importer gives a dynamic-batch
// export: single-head attention becomes attn.reuse of batch ?, heads folded
// into the batch ([?, H, N, D] reshaped to [?, N, D]) become attn.mha of
// batch ?, and a matrix broadcast over heads stays one matrix. Other
// dynamic extents are not raised: the matcher's checks of N, M and the
// head widths need them.
// RUN: uniform-opt %s --split-input-file --attn-raise | FileCheck %s
// RUN: uniform-opt %s --split-input-file --attn-raise --attn-reuse-heads --convert-attn-to-linalg -o /dev/null

// CHECK-LABEL: func.func @reuse
// CHECK-SAME:    (%[[Q:.*]]: tensor<?x49x32xf32>, %[[K:.*]]: tensor<?x49x32xf32>, %[[V:.*]]: tensor<?x49x32xf32>, %[[B:.*]]: tensor<49x49xf32>)
// CHECK:         %[[V4:.*]] = tensor.expand_shape %[[V]] {{\[\[}}0, 1], [2], [3]] output_shape [%{{.*}}, 1, 49, 32] : tensor<?x49x32xf32> into tensor<?x1x49x32xf32>
// CHECK:         %[[A:.*]] = attn.reuse %[[Q]], %[[K]], %[[V4]] bias(%[[B]] : tensor<49x49xf32>) scale(1.250000e-01)
// CHECK-SAME:      -> tensor<?x1x49x32xf32>
// CHECK:         %[[O:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2], [3]] : tensor<?x1x49x32xf32> into tensor<?x49x32xf32>
// CHECK:         return %[[O]]
func.func @reuse(%q: tensor<?x49x32xf32>, %k: tensor<?x49x32xf32>, %v: tensor<?x49x32xf32>, %bias: tensor<49x49xf32>) -> tensor<?x49x32xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{values = dense<0.125> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<?x49x32xf32>) -> tensor<?x32x49xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<?x49x32xf32>, tensor<?x32x49xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<?x49x49xf32>
  %s2 = tosa.mul %s, %scale, %shift : (tensor<?x49x49xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<?x49x49xf32>
  %bshape = tosa.const_shape {values = dense<[1, 49, 49]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %b3 = tosa.reshape %bias, %bshape : (tensor<49x49xf32>, !tosa.shape<3>) -> tensor<1x49x49xf32>
  %x = tosa.add %s2, %b3 : (tensor<?x49x49xf32>, tensor<1x49x49xf32>) -> tensor<?x49x49xf32>
  %m = tosa.reduce_max %x {axis = 2 : i32} : (tensor<?x49x49xf32>) -> tensor<?x49x1xf32>
  %d = tosa.sub %x, %m : (tensor<?x49x49xf32>, tensor<?x49x1xf32>) -> tensor<?x49x49xf32>
  %e = tosa.exp %d : (tensor<?x49x49xf32>) -> tensor<?x49x49xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<?x49x49xf32>) -> tensor<?x49x1xf32>
  %r = tosa.reciprocal %sum : (tensor<?x49x1xf32>) -> tensor<?x49x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<?x49x49xf32>, tensor<?x49x1xf32>, tensor<1xi8>) -> tensor<?x49x49xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<?x49x49xf32>, tensor<?x49x32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<?x49x32xf32>
  return %o : tensor<?x49x32xf32>
}

// -----

// Heads folded into the batch, as the importer lowers a 4-D MatMul: the
// scores come back to [?, 4, 16, 16] for the softmax over axis 3.
// CHECK-LABEL: func.func @heads
// CHECK-SAME:    (%[[Q4:.*]]: tensor<?x4x16x8xf32>, %[[KT4:.*]]: tensor<?x4x8x16xf32>, %[[V4:.*]]: tensor<?x4x16x8xf32>)
// CHECK:         %[[K4:.*]] = tosa.transpose %[[KT4]] {perms = array<i32: 0, 1, 3, 2>} : (tensor<?x4x8x16xf32>) -> tensor<?x4x16x8xf32>
// CHECK:         %[[A:.*]] = attn.mha %[[Q4]], %[[K4]], %[[V4]] scale(1.000000e+00) : tensor<?x4x16x8xf32>, tensor<?x4x16x8xf32>, tensor<?x4x16x8xf32> -> tensor<?x4x16x8xf32>
// CHECK:         tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2], [3]] : tensor<?x4x16x8xf32> into tensor<?x16x8xf32>
// CHECK-NOT:     tosa.exp
func.func @heads(%q4: tensor<?x4x16x8xf32>, %kt4: tensor<?x4x8x16xf32>, %v4: tensor<?x4x16x8xf32>) -> tensor<?x16x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %fold_qv = tosa.const_shape {values = dense<[-1, 16, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %fold_k = tosa.const_shape {values = dense<[-1, 8, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %fold_s = tosa.const_shape {values = dense<[-1, 16, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %unfold_s = tosa.const_shape {values = dense<[-1, 4, 16, 16]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %q = tosa.reshape %q4, %fold_qv : (tensor<?x4x16x8xf32>, !tosa.shape<3>) -> tensor<?x16x8xf32>
  %kt = tosa.reshape %kt4, %fold_k : (tensor<?x4x8x16xf32>, !tosa.shape<3>) -> tensor<?x8x16xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<?x16x8xf32>, tensor<?x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<?x16x16xf32>
  %x = tosa.reshape %s, %unfold_s : (tensor<?x16x16xf32>, !tosa.shape<4>) -> tensor<?x4x16x16xf32>
  %m = tosa.reduce_max %x {axis = 3 : i32} : (tensor<?x4x16x16xf32>) -> tensor<?x4x16x1xf32>
  %d = tosa.sub %x, %m : (tensor<?x4x16x16xf32>, tensor<?x4x16x1xf32>) -> tensor<?x4x16x16xf32>
  %e = tosa.exp %d : (tensor<?x4x16x16xf32>) -> tensor<?x4x16x16xf32>
  %sum = tosa.reduce_sum %e {axis = 3 : i32} : (tensor<?x4x16x16xf32>) -> tensor<?x4x16x1xf32>
  %r = tosa.reciprocal %sum : (tensor<?x4x16x1xf32>) -> tensor<?x4x16x1xf32>
  %p4 = tosa.mul %e, %r, %shift : (tensor<?x4x16x16xf32>, tensor<?x4x16x1xf32>, tensor<1xi8>) -> tensor<?x4x16x16xf32>
  %p = tosa.reshape %p4, %fold_s : (tensor<?x4x16x16xf32>, !tosa.shape<3>) -> tensor<?x16x16xf32>
  %v = tosa.reshape %v4, %fold_qv : (tensor<?x4x16x8xf32>, !tosa.shape<3>) -> tensor<?x16x8xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<?x16x16xf32>, tensor<?x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<?x16x8xf32>
  return %o : tensor<?x16x8xf32>
}

// -----

// A dynamic number of queries is not raised.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK-NOT:     attn.
// CHECK:         tosa.exp
func.func @dynamic_rows(%q: tensor<2x?x8xf32>, %kt: tensor<2x8x16xf32>, %v: tensor<2x16x8xf32>) -> tensor<2x?x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %x = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x?x8xf32>, tensor<2x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x?x16xf32>
  %m = tosa.reduce_max %x {axis = 2 : i32} : (tensor<2x?x16xf32>) -> tensor<2x?x1xf32>
  %d = tosa.sub %x, %m : (tensor<2x?x16xf32>, tensor<2x?x1xf32>) -> tensor<2x?x16xf32>
  %e = tosa.exp %d : (tensor<2x?x16xf32>) -> tensor<2x?x16xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<2x?x16xf32>) -> tensor<2x?x1xf32>
  %r = tosa.reciprocal %sum : (tensor<2x?x1xf32>) -> tensor<2x?x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<2x?x16xf32>, tensor<2x?x1xf32>, tensor<1xi8>) -> tensor<2x?x16xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<2x?x16xf32>, tensor<2x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x?x8xf32>
  return %o : tensor<2x?x8xf32>
}
