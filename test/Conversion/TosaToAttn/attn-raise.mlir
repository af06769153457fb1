// attn-raise: attention as the ONNX importer emits it becomes attn.reuse.
// RUN: uniform-opt %s --split-input-file --attn-raise | FileCheck %s

// CHECK-LABEL: func.func @imported
// CHECK-SAME:    (%[[Q:.*]]: tensor<2x49x32xf32>, %[[K:.*]]: tensor<2x49x32xf32>, %[[V:.*]]: tensor<2x49x32xf32>, %[[B:.*]]: tensor<49x49xf32>)
// CHECK:         %[[V4:.*]] = tensor.expand_shape %[[V]] {{\[\[}}0, 1], [2], [3]] output_shape [2, 1, 49, 32]
// CHECK:         %[[A:.*]] = attn.reuse %[[Q]], %[[K]], %[[V4]] bias(%[[B]] : tensor<49x49xf32>) scale(1.250000e-01)
// CHECK-SAME:      -> tensor<2x1x49x32xf32>
// CHECK:         %[[O:.*]] = tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2], [3]] : tensor<2x1x49x32xf32> into tensor<2x49x32xf32>
// CHECK:         return %[[O]]
func.func @imported(%q: tensor<2x49x32xf32>, %k: tensor<2x49x32xf32>, %v: tensor<2x49x32xf32>, %bias: tensor<49x49xf32>) -> tensor<2x49x32xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{values = dense<0.125> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<2x49x32xf32>) -> tensor<2x32x49xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x49x32xf32>, tensor<2x32x49xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x49x49xf32>
  %s2 = tosa.mul %s, %scale, %shift : (tensor<2x49x49xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<2x49x49xf32>
  %bshape = tosa.const_shape {values = dense<[1, 49, 49]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %b3 = tosa.reshape %bias, %bshape : (tensor<49x49xf32>, !tosa.shape<3>) -> tensor<1x49x49xf32>
  %x = tosa.add %s2, %b3 : (tensor<2x49x49xf32>, tensor<1x49x49xf32>) -> tensor<2x49x49xf32>
  %m = tosa.reduce_max %x {axis = 2 : i32} : (tensor<2x49x49xf32>) -> tensor<2x49x1xf32>
  %d = tosa.sub %x, %m : (tensor<2x49x49xf32>, tensor<2x49x1xf32>) -> tensor<2x49x49xf32>
  %e = tosa.exp %d : (tensor<2x49x49xf32>) -> tensor<2x49x49xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<2x49x49xf32>) -> tensor<2x49x1xf32>
  %r = tosa.reciprocal %sum : (tensor<2x49x1xf32>) -> tensor<2x49x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<2x49x49xf32>, tensor<2x49x1xf32>, tensor<1xi8>) -> tensor<2x49x49xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<2x49x49xf32>, tensor<2x49x32xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x49x32xf32>
  return %o : tensor<2x49x32xf32>
}

// -----

// Without scale or bias: scale 1, no bias.
// CHECK-LABEL: func.func @plain
// CHECK:         attn.reuse %{{.*}}, %{{.*}}, %{{.*}} scale(1.000000e+00) : tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<1x1x16x8xf32>
func.func @plain(%q: tensor<1x16x8xf32>, %k: tensor<1x16x8xf32>, %v: tensor<1x16x8xf32>) -> tensor<1x16x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<1x16x8xf32>) -> tensor<1x8x16xf32>
  %x = tosa.matmul %q, %kt, %zp, %zp : (tensor<1x16x8xf32>, tensor<1x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x16xf32>
  %m = tosa.reduce_max %x {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %d = tosa.sub %x, %m : (tensor<1x16x16xf32>, tensor<1x16x1xf32>) -> tensor<1x16x16xf32>
  %e = tosa.exp %d : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %r = tosa.reciprocal %sum : (tensor<1x16x1xf32>) -> tensor<1x16x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<1x16x16xf32>, tensor<1x16x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<1x16x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8xf32>
  return %o : tensor<1x16x8xf32>
}

// -----

// Not attention, left untouched: the softmax is over the wrong axis, the
// scale is not a constant. Keys given already transposed are still
// attention: K is their transpose.
// CHECK-LABEL: func.func @not_attention
// CHECK-SAME:    %[[KT2:[a-z0-9]+]]: tensor<1x8x16xf32>)
// The keys' transpose goes right after them, where any head can share it.
// CHECK:         %[[K3:.*]] = tosa.transpose %[[KT2]] {perms = array<i32: 0, 2, 1>} : (tensor<1x8x16xf32>) -> tensor<1x16x8xf32>
// CHECK-COUNT-2: tosa.matmul %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x16x16xf32>, tensor<1x16x8xf32>
// CHECK:         attn.reuse %{{.*}}, %[[K3]], %{{.*}} scale(1.000000e+00)
func.func @not_attention(%q: tensor<1x16x8xf32>, %k: tensor<1x16x8xf32>, %v: tensor<1x16x8xf32>,
                         %s: tensor<1x1x1xf32>, %kt2: tensor<1x8x16xf32>)
    -> (tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<1x16x8xf32>) -> tensor<1x8x16xf32>
  %x = tosa.matmul %q, %kt, %zp, %zp : (tensor<1x16x8xf32>, tensor<1x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x16xf32>
  // Softmax over axis 1.
  %m = tosa.reduce_max %x {axis = 1 : i32} : (tensor<1x16x16xf32>) -> tensor<1x1x16xf32>
  %d = tosa.sub %x, %m : (tensor<1x16x16xf32>, tensor<1x1x16xf32>) -> tensor<1x16x16xf32>
  %e = tosa.exp %d : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %sum = tosa.reduce_sum %e {axis = 1 : i32} : (tensor<1x16x16xf32>) -> tensor<1x1x16xf32>
  %r = tosa.reciprocal %sum : (tensor<1x1x16xf32>) -> tensor<1x1x16xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<1x16x16xf32>, tensor<1x1x16xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %o1 = tosa.matmul %p, %v, %zp, %zp : (tensor<1x16x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8xf32>
  // A scale that is an argument.
  %x2 = tosa.mul %x, %s, %shift : (tensor<1x16x16xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %m2 = tosa.reduce_max %x2 {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %d2 = tosa.sub %x2, %m2 : (tensor<1x16x16xf32>, tensor<1x16x1xf32>) -> tensor<1x16x16xf32>
  %e2 = tosa.exp %d2 : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %sum2 = tosa.reduce_sum %e2 {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %r2 = tosa.reciprocal %sum2 : (tensor<1x16x1xf32>) -> tensor<1x16x1xf32>
  %p2 = tosa.mul %e2, %r2, %shift : (tensor<1x16x16xf32>, tensor<1x16x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %o2 = tosa.matmul %p2, %v, %zp, %zp : (tensor<1x16x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8xf32>
  // Keys that are not a transpose.
  %x3 = tosa.matmul %q, %kt2, %zp, %zp : (tensor<1x16x8xf32>, tensor<1x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x16xf32>
  %m3 = tosa.reduce_max %x3 {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %d3 = tosa.sub %x3, %m3 : (tensor<1x16x16xf32>, tensor<1x16x1xf32>) -> tensor<1x16x16xf32>
  %e3 = tosa.exp %d3 : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %sum3 = tosa.reduce_sum %e3 {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %r3 = tosa.reciprocal %sum3 : (tensor<1x16x1xf32>) -> tensor<1x16x1xf32>
  %p3 = tosa.mul %e3, %r3, %shift : (tensor<1x16x16xf32>, tensor<1x16x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %o3 = tosa.matmul %p3, %v, %zp, %zp : (tensor<1x16x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8xf32>
  return %o1, %o2, %o3 : tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<1x16x8xf32>
}

// -----

// UniForm's form, O^T = V^T * A^T with q and k as [B, C, N] (scores
// transpose(q) * k): V^T [B, Dv, M] becomes V, and the result is transposed
// back to [B, Dv, N].
// CHECK-LABEL: func.func @uniform_vat
// CHECK-SAME:    (%[[Q:.*]]: tensor<1x16x49xf32>, %[[K:.*]]: tensor<1x16x49xf32>, %[[VT:.*]]: tensor<1x32x49xf32>)
// CHECK-DAG:     %[[QT:.*]] = tosa.transpose %[[Q]] {perms = array<i32: 0, 2, 1>}
// CHECK-DAG:     %[[KK:.*]] = tosa.transpose %[[K]] {perms = array<i32: 0, 2, 1>} : (tensor<1x16x49xf32>) -> tensor<1x49x16xf32>
// CHECK-DAG:     %[[V:.*]] = tosa.transpose %[[VT]] {perms = array<i32: 0, 2, 1>} : (tensor<1x32x49xf32>) -> tensor<1x49x32xf32>
// CHECK:         %[[V4:.*]] = tensor.expand_shape %[[V]]
// CHECK:         %[[A:.*]] = attn.reuse %[[QT]], %[[KK]], %[[V4]] scale(2.500000e-01)
// CHECK:         %[[O:.*]] = tensor.collapse_shape %[[A]]
// CHECK:         %[[OT:.*]] = tosa.transpose %[[O]] {perms = array<i32: 0, 2, 1>} : (tensor<1x49x32xf32>) -> tensor<1x32x49xf32>
// CHECK:         return %[[OT]]
func.func @uniform_vat(%q: tensor<1x16x49xf32>, %k: tensor<1x16x49xf32>, %vt: tensor<1x32x49xf32>) -> tensor<1x32x49xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{values = dense<0.25> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %qt = tosa.transpose %q {perms = array<i32: 0, 2, 1>} : (tensor<1x16x49xf32>) -> tensor<1x49x16xf32>
  %s = tosa.matmul %qt, %k, %zp, %zp : (tensor<1x49x16xf32>, tensor<1x16x49xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x49x49xf32>
  %x = tosa.mul %s, %scale, %shift : (tensor<1x49x49xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x49x49xf32>
  %m = tosa.reduce_max %x {axis = 2 : i32} : (tensor<1x49x49xf32>) -> tensor<1x49x1xf32>
  %d = tosa.sub %x, %m : (tensor<1x49x49xf32>, tensor<1x49x1xf32>) -> tensor<1x49x49xf32>
  %e = tosa.exp %d : (tensor<1x49x49xf32>) -> tensor<1x49x49xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<1x49x49xf32>) -> tensor<1x49x1xf32>
  %r = tosa.reciprocal %sum : (tensor<1x49x1xf32>) -> tensor<1x49x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<1x49x49xf32>, tensor<1x49x1xf32>, tensor<1xi8>) -> tensor<1x49x49xf32>
  %pt = tosa.transpose %p {perms = array<i32: 0, 2, 1>} : (tensor<1x49x49xf32>) -> tensor<1x49x49xf32>
  %o = tosa.matmul %vt, %pt, %zp, %zp : (tensor<1x32x49xf32>, tensor<1x49x49xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x32x49xf32>
  return %o : tensor<1x32x49xf32>
}

// -----

// Attention whose constant scale attn ops cannot take (they need a finite,
// positive one) stays TOSA: zero (here 1.25e-400, which is 0 in f32) and
// negative. Found by uniform-fuzz-mlir: the pass raised these into an
// attn.reuse that failed verification.
// CHECK-LABEL: func.func @scale_not_positive
// CHECK-NOT:     attn.
// CHECK-COUNT-2: tosa.reduce_max
// CHECK-NOT:     attn.
func.func @scale_not_positive(%q: tensor<1x16x8xf32>, %k: tensor<1x16x8xf32>, %v: tensor<1x16x8xf32>)
    -> (tensor<1x16x8xf32>, tensor<1x16x8xf32>) {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %zero = "tosa.const"() <{values = dense<1.25e-400> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %neg = "tosa.const"() <{values = dense<-0.125> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<1x16x8xf32>) -> tensor<1x8x16xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<1x16x8xf32>, tensor<1x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x16xf32>
  %x = tosa.mul %s, %zero, %shift : (tensor<1x16x16xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %m = tosa.reduce_max %x {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %d = tosa.sub %x, %m : (tensor<1x16x16xf32>, tensor<1x16x1xf32>) -> tensor<1x16x16xf32>
  %e = tosa.exp %d : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %r = tosa.reciprocal %sum : (tensor<1x16x1xf32>) -> tensor<1x16x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<1x16x16xf32>, tensor<1x16x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<1x16x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8xf32>
  %x2 = tosa.mul %s, %neg, %shift : (tensor<1x16x16xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %m2 = tosa.reduce_max %x2 {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %d2 = tosa.sub %x2, %m2 : (tensor<1x16x16xf32>, tensor<1x16x1xf32>) -> tensor<1x16x16xf32>
  %e2 = tosa.exp %d2 : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %sum2 = tosa.reduce_sum %e2 {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %r2 = tosa.reciprocal %sum2 : (tensor<1x16x1xf32>) -> tensor<1x16x1xf32>
  %p2 = tosa.mul %e2, %r2, %shift : (tensor<1x16x16xf32>, tensor<1x16x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %o2 = tosa.matmul %p2, %v, %zp, %zp : (tensor<1x16x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8xf32>
  return %o, %o2 : tensor<1x16x8xf32>, tensor<1x16x8xf32>
}

// -----

// The bias added before the scale, (S + b) * c: scale c, bias b * c.
// CHECK-LABEL: func.func @bias_before_scale
// CHECK-SAME:    (%[[Q:.*]]: tensor<1x16x8xf32>, %[[K:.*]]: tensor<1x16x8xf32>, %[[V:.*]]: tensor<1x16x8xf32>, %[[B:.*]]: tensor<1x16x16xf32>)
// CHECK:         %[[C:.*]] = "tosa.const"() <{values = dense<2.500000e-01> : tensor<1x1x1xf32>}>
// CHECK:         %[[BS:.*]] = tosa.mul %[[B]], %[[C]], %{{.*}} : (tensor<1x16x16xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
// CHECK:         attn.reuse %[[Q]], %[[K]], %{{.*}} bias(%[[BS]] : tensor<1x16x16xf32>) scale(2.500000e-01)
func.func @bias_before_scale(%q: tensor<1x16x8xf32>, %k: tensor<1x16x8xf32>, %v: tensor<1x16x8xf32>, %b: tensor<1x16x16xf32>) -> tensor<1x16x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %four = "tosa.const"() <{values = dense<4.0> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<1x16x8xf32>) -> tensor<1x8x16xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<1x16x8xf32>, tensor<1x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x16xf32>
  %sb = tosa.add %s, %b : (tensor<1x16x16xf32>, tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  // Division by 4, as the importer emits it.
  %inv = tosa.reciprocal %four : (tensor<1x1x1xf32>) -> tensor<1x1x1xf32>
  %x = tosa.mul %sb, %inv, %shift : (tensor<1x16x16xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %m = tosa.reduce_max %x {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %d = tosa.sub %x, %m : (tensor<1x16x16xf32>, tensor<1x16x1xf32>) -> tensor<1x16x16xf32>
  %e = tosa.exp %d : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %r = tosa.reciprocal %sum : (tensor<1x16x1xf32>) -> tensor<1x16x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<1x16x16xf32>, tensor<1x16x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<1x16x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8xf32>
  return %o : tensor<1x16x8xf32>
}

// -----

// One matrix broadcast over 4 heads folded into the batch of the value
// product (A.unsqueeze(1) @ V, as the importer tiles it): attn.reuse over
// the 4 heads' values.
// CHECK-LABEL: func.func @matrix_broadcast_over_heads
// CHECK-SAME:    (%[[Q:.*]]: tensor<2x16x8xf32>, %[[K:.*]]: tensor<2x16x8xf32>, %[[V:.*]]: tensor<2x4x16x8xf32>)
// CHECK:         %[[A:.*]] = attn.reuse %[[Q]], %[[K]], %[[V]] scale(1.000000e+00) : tensor<2x16x8xf32>, tensor<2x16x8xf32>, tensor<2x4x16x8xf32> -> tensor<2x4x16x8xf32>
// CHECK:         tensor.collapse_shape %[[A]] {{\[\[}}0, 1], [2], [3]] : tensor<2x4x16x8xf32> into tensor<8x16x8xf32>
// CHECK-NOT:     tosa.exp
func.func @matrix_broadcast_over_heads(%q: tensor<2x16x8xf32>, %k: tensor<2x16x8xf32>, %v: tensor<2x4x16x8xf32>) -> tensor<8x16x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<2x16x8xf32>) -> tensor<2x8x16xf32>
  %x = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x16x8xf32>, tensor<2x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x16x16xf32>
  %m = tosa.reduce_max %x {axis = 2 : i32} : (tensor<2x16x16xf32>) -> tensor<2x16x1xf32>
  %d = tosa.sub %x, %m : (tensor<2x16x16xf32>, tensor<2x16x1xf32>) -> tensor<2x16x16xf32>
  %e = tosa.exp %d : (tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<2x16x16xf32>) -> tensor<2x16x1xf32>
  %r = tosa.reciprocal %sum : (tensor<2x16x1xf32>) -> tensor<2x16x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<2x16x16xf32>, tensor<2x16x1xf32>, tensor<1xi8>) -> tensor<2x16x16xf32>
  %s4 = tosa.const_shape {values = dense<[2, 1, 16, 16]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %p4 = tosa.reshape %p, %s4 : (tensor<2x16x16xf32>, !tosa.shape<4>) -> tensor<2x1x16x16xf32>
  %mult = tosa.const_shape {values = dense<[1, 4, 1, 1]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %pt = tosa.tile %p4, %mult : (tensor<2x1x16x16xf32>, !tosa.shape<4>) -> tensor<2x4x16x16xf32>
  %s3 = tosa.const_shape {values = dense<[8, 16, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %p8 = tosa.reshape %pt, %s3 : (tensor<2x4x16x16xf32>, !tosa.shape<3>) -> tensor<8x16x16xf32>
  %sv = tosa.const_shape {values = dense<[8, 16, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %v8 = tosa.reshape %v, %sv : (tensor<2x4x16x8xf32>, !tosa.shape<3>) -> tensor<8x16x8xf32>
  %o = tosa.matmul %p8, %v8, %zp, %zp : (tensor<8x16x16xf32>, tensor<8x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x16x8xf32>
  return %o : tensor<8x16x8xf32>
}

// -----

// P^T computed directly: the scores K * Q^T [B, M, N] with the softmax over
// axis 1 and O^T = V^T * P^T (UniForm's [B, C, N] layout, softmax(dim=-2)).
// Q is the right operand of the score product transposed, K the left one.
// CHECK-LABEL: func.func @transposed_probabilities
// CHECK-SAME:    (%[[K:.*]]: tensor<1x16x8xf32>, %[[QT:.*]]: tensor<1x8x12xf32>, %[[VT:.*]]: tensor<1x4x16xf32>, %[[B:.*]]: tensor<16x12xf32>)
// CHECK-DAG:     %[[Q:.*]] = tosa.transpose %[[QT]] {perms = array<i32: 0, 2, 1>} : (tensor<1x8x12xf32>) -> tensor<1x12x8xf32>
// CHECK-DAG:     %[[BT:.*]] = tosa.transpose %[[B]] {perms = array<i32: 1, 0>} : (tensor<16x12xf32>) -> tensor<12x16xf32>
// CHECK:         attn.reuse %[[Q]], %[[K]], %{{.*}} bias(%[[BT]] : tensor<12x16xf32>) scale(5.000000e-01) : tensor<1x12x8xf32>, tensor<1x16x8xf32>, tensor<1x1x16x4xf32> -> tensor<1x1x12x4xf32>
// CHECK-NOT:     tosa.exp
func.func @transposed_probabilities(%k: tensor<1x16x8xf32>, %qt: tensor<1x8x12xf32>, %vt: tensor<1x4x16xf32>, %b: tensor<16x12xf32>) -> tensor<1x4x12xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %half = "tosa.const"() <{values = dense<0.5> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %s = tosa.matmul %k, %qt, %zp, %zp : (tensor<1x16x8xf32>, tensor<1x8x12xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x12xf32>
  %s2 = tosa.mul %s, %half, %shift : (tensor<1x16x12xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x16x12xf32>
  %bs = tosa.const_shape {values = dense<[1, 16, 12]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %b3 = tosa.reshape %b, %bs : (tensor<16x12xf32>, !tosa.shape<3>) -> tensor<1x16x12xf32>
  %x = tosa.add %s2, %b3 : (tensor<1x16x12xf32>, tensor<1x16x12xf32>) -> tensor<1x16x12xf32>
  %m = tosa.reduce_max %x {axis = 1 : i32} : (tensor<1x16x12xf32>) -> tensor<1x1x12xf32>
  %d = tosa.sub %x, %m : (tensor<1x16x12xf32>, tensor<1x1x12xf32>) -> tensor<1x16x12xf32>
  %e = tosa.exp %d : (tensor<1x16x12xf32>) -> tensor<1x16x12xf32>
  %sum = tosa.reduce_sum %e {axis = 1 : i32} : (tensor<1x16x12xf32>) -> tensor<1x1x12xf32>
  %r = tosa.reciprocal %sum : (tensor<1x1x12xf32>) -> tensor<1x1x12xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<1x16x12xf32>, tensor<1x1x12xf32>, tensor<1xi8>) -> tensor<1x16x12xf32>
  %o = tosa.matmul %vt, %p, %zp, %zp : (tensor<1x4x16xf32>, tensor<1x16x12xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x4x12xf32>
  return %o : tensor<1x4x12xf32>
}

// -----

// Scores built transposed, biased in that layout and transposed back before
// a softmax over the last axis.
// CHECK-LABEL: func.func @scores_transposed_back
// CHECK-SAME:    (%[[K:.*]]: tensor<1x16x8xf32>, %[[QT:.*]]: tensor<1x8x12xf32>, %[[V:.*]]: tensor<1x16x4xf32>, %[[B:.*]]: tensor<1x16x12xf32>)
// CHECK-DAG:     %[[Q:.*]] = tosa.transpose %[[QT]] {perms = array<i32: 0, 2, 1>}
// CHECK-DAG:     %[[BT:.*]] = tosa.transpose %[[B]] {perms = array<i32: 0, 2, 1>} : (tensor<1x16x12xf32>) -> tensor<1x12x16xf32>
// CHECK:         attn.reuse %[[Q]], %[[K]], %{{.*}} bias(%[[BT]] : tensor<1x12x16xf32>) scale(1.000000e+00) : tensor<1x12x8xf32>, tensor<1x16x8xf32>, tensor<1x1x16x4xf32> -> tensor<1x1x12x4xf32>
func.func @scores_transposed_back(%k: tensor<1x16x8xf32>, %qt: tensor<1x8x12xf32>, %v: tensor<1x16x4xf32>, %b: tensor<1x16x12xf32>) -> tensor<1x12x4xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %s = tosa.matmul %k, %qt, %zp, %zp : (tensor<1x16x8xf32>, tensor<1x8x12xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x12xf32>
  %sb = tosa.add %s, %b : (tensor<1x16x12xf32>, tensor<1x16x12xf32>) -> tensor<1x16x12xf32>
  %x = tosa.transpose %sb {perms = array<i32: 0, 2, 1>} : (tensor<1x16x12xf32>) -> tensor<1x12x16xf32>
  %m = tosa.reduce_max %x {axis = 2 : i32} : (tensor<1x12x16xf32>) -> tensor<1x12x1xf32>
  %d = tosa.sub %x, %m : (tensor<1x12x16xf32>, tensor<1x12x1xf32>) -> tensor<1x12x16xf32>
  %e = tosa.exp %d : (tensor<1x12x16xf32>) -> tensor<1x12x16xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<1x12x16xf32>) -> tensor<1x12x1xf32>
  %r = tosa.reciprocal %sum : (tensor<1x12x1xf32>) -> tensor<1x12x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<1x12x16xf32>, tensor<1x12x1xf32>, tensor<1xi8>) -> tensor<1x12x16xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<1x12x16xf32>, tensor<1x16x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x12x4xf32>
  return %o : tensor<1x12x4xf32>
}

// -----

// A bias reshaped from a [4, 6] table to [1, 6, 4] (not a unit dimension
// added to [6, 4]) is passed as it is added.
// CHECK-LABEL: func.func @bias_reshaped_not_unit
// CHECK-SAME:    %[[B:[a-z0-9]+]]: tensor<4x6xf32>
// CHECK:         %[[B3:.*]] = tosa.reshape %[[B]]
// CHECK:         attn.reuse {{.*}} bias(%[[B3]] : tensor<1x6x4xf32>) scale(1.000000e+00) : tensor<1x6x8xf32>, tensor<1x4x8xf32>
func.func @bias_reshaped_not_unit(%q: tensor<1x6x8xf32>, %k: tensor<1x4x8xf32>, %v: tensor<1x4x2xf32>, %b: tensor<4x6xf32>) -> tensor<1x6x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<1x4x8xf32>) -> tensor<1x8x4xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<1x6x8xf32>, tensor<1x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x4xf32>
  %bs = tosa.const_shape {values = dense<[1, 6, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %b3 = tosa.reshape %b, %bs : (tensor<4x6xf32>, !tosa.shape<3>) -> tensor<1x6x4xf32>
  %x = tosa.add %s, %b3 : (tensor<1x6x4xf32>, tensor<1x6x4xf32>) -> tensor<1x6x4xf32>
  %m = tosa.reduce_max %x {axis = 2 : i32} : (tensor<1x6x4xf32>) -> tensor<1x6x1xf32>
  %d = tosa.sub %x, %m : (tensor<1x6x4xf32>, tensor<1x6x1xf32>) -> tensor<1x6x4xf32>
  %e = tosa.exp %d : (tensor<1x6x4xf32>) -> tensor<1x6x4xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<1x6x4xf32>) -> tensor<1x6x1xf32>
  %r = tosa.reciprocal %sum : (tensor<1x6x1xf32>) -> tensor<1x6x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<1x6x4xf32>, tensor<1x6x1xf32>, tensor<1xi8>) -> tensor<1x6x4xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<1x6x4xf32>, tensor<1x4x2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x6x2xf32>
  return %o : tensor<1x6x2xf32>
}
