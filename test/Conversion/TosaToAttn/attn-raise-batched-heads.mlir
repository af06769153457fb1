// attn-raise on nn.MultiheadAttention's export: Q, K and V [N, B, H*D] are
// reshaped to [N, B*H, D] and transposed, so the heads are folded into the
// batch of one single-head attention. The reshape shows the split: the
// result is one attn.mha with B = 2 and H = 4 (not B*H = 8 single heads).
// RUN: uniform-opt %s --split-input-file --attn-raise | FileCheck %s

// CHECK-LABEL: func.func @batched_heads
// CHECK-DAG:     %[[Q4:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] output_shape [2, 4, 5, 16] : tensor<8x5x16xf32> into tensor<2x4x5x16xf32>
// CHECK-DAG:     %[[V4:.*]] = tensor.expand_shape %{{.*}} {{\[\[}}0, 1], [2], [3]] output_shape [2, 4, 5, 16] : tensor<8x5x16xf32> into tensor<2x4x5x16xf32>
// CHECK:         %[[O:.*]] = attn.mha %[[Q4]], %{{.*}}, %[[V4]] scale(2.500000e-01) : tensor<2x4x5x16xf32>, tensor<2x4x5x16xf32>, tensor<2x4x5x16xf32> -> tensor<2x4x5x16xf32>
// CHECK:         tensor.collapse_shape %[[O]] {{\[\[}}0, 1], [2], [3]] : tensor<2x4x5x16xf32> into tensor<8x5x16xf32>
func.func @batched_heads(%q: tensor<5x2x64xf32>, %k: tensor<5x2x64xf32>, %v: tensor<5x2x64xf32>) -> tensor<8x5x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{values = dense<0.25> : tensor<1x1x1xf32>}> : () -> tensor<1x1x1xf32>
  %heads = tosa.const_shape {values = dense<[5, 8, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %q3 = tosa.reshape %q, %heads : (tensor<5x2x64xf32>, !tosa.shape<3>) -> tensor<5x8x16xf32>
  %k3 = tosa.reshape %k, %heads : (tensor<5x2x64xf32>, !tosa.shape<3>) -> tensor<5x8x16xf32>
  %v3 = tosa.reshape %v, %heads : (tensor<5x2x64xf32>, !tosa.shape<3>) -> tensor<5x8x16xf32>
  %qb = tosa.transpose %q3 {perms = array<i32: 1, 0, 2>} : (tensor<5x8x16xf32>) -> tensor<8x5x16xf32>
  %kt = tosa.transpose %k3 {perms = array<i32: 1, 2, 0>} : (tensor<5x8x16xf32>) -> tensor<8x16x5xf32>
  %vb = tosa.transpose %v3 {perms = array<i32: 1, 0, 2>} : (tensor<5x8x16xf32>) -> tensor<8x5x16xf32>
  %s = tosa.matmul %qb, %kt, %zp, %zp : (tensor<8x5x16xf32>, tensor<8x16x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x5x5xf32>
  %x = tosa.mul %s, %scale, %shift : (tensor<8x5x5xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<8x5x5xf32>
  %max = tosa.reduce_max %x {axis = 2 : i32} : (tensor<8x5x5xf32>) -> tensor<8x5x1xf32>
  %sub = tosa.sub %x, %max : (tensor<8x5x5xf32>, tensor<8x5x1xf32>) -> tensor<8x5x5xf32>
  %exp = tosa.exp %sub : (tensor<8x5x5xf32>) -> tensor<8x5x5xf32>
  %sum = tosa.reduce_sum %exp {axis = 2 : i32} : (tensor<8x5x5xf32>) -> tensor<8x5x1xf32>
  %rcp = tosa.reciprocal %sum : (tensor<8x5x1xf32>) -> tensor<8x5x1xf32>
  %p = tosa.mul %exp, %rcp, %shift : (tensor<8x5x5xf32>, tensor<8x5x1xf32>, tensor<1xi8>) -> tensor<8x5x5xf32>
  %o = tosa.matmul %p, %vb, %zp, %zp : (tensor<8x5x5xf32>, tensor<8x5x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x5x16xf32>
  return %o : tensor<8x5x16xf32>
}

// -----

// V's reshape does not split its last dimension into heads (it regroups
// the sequence), so the batch of 8 is not known to be [2, 4]: one
// single-head attn.reuse over 8.
// CHECK-LABEL: func.func @not_heads
// CHECK:         attn.reuse {{.*}} : tensor<8x5x16xf32>, tensor<8x5x16xf32>, tensor<8x1x5x16xf32> -> tensor<8x1x5x16xf32>
// CHECK-NOT:     attn.mha
func.func @not_heads(%q: tensor<5x2x64xf32>, %k: tensor<5x2x64xf32>, %v: tensor<40x16xf32>) -> tensor<8x5x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %heads = tosa.const_shape {values = dense<[5, 8, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %q3 = tosa.reshape %q, %heads : (tensor<5x2x64xf32>, !tosa.shape<3>) -> tensor<5x8x16xf32>
  %k3 = tosa.reshape %k, %heads : (tensor<5x2x64xf32>, !tosa.shape<3>) -> tensor<5x8x16xf32>
  %vshape = tosa.const_shape {values = dense<[8, 5, 16]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %vb = tosa.reshape %v, %vshape : (tensor<40x16xf32>, !tosa.shape<3>) -> tensor<8x5x16xf32>
  %qb = tosa.transpose %q3 {perms = array<i32: 1, 0, 2>} : (tensor<5x8x16xf32>) -> tensor<8x5x16xf32>
  %kt = tosa.transpose %k3 {perms = array<i32: 1, 2, 0>} : (tensor<5x8x16xf32>) -> tensor<8x16x5xf32>
  %s = tosa.matmul %qb, %kt, %zp, %zp : (tensor<8x5x16xf32>, tensor<8x16x5xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x5x5xf32>
  %max = tosa.reduce_max %s {axis = 2 : i32} : (tensor<8x5x5xf32>) -> tensor<8x5x1xf32>
  %sub = tosa.sub %s, %max : (tensor<8x5x5xf32>, tensor<8x5x1xf32>) -> tensor<8x5x5xf32>
  %exp = tosa.exp %sub : (tensor<8x5x5xf32>) -> tensor<8x5x5xf32>
  %sum = tosa.reduce_sum %exp {axis = 2 : i32} : (tensor<8x5x5xf32>) -> tensor<8x5x1xf32>
  %rcp = tosa.reciprocal %sum : (tensor<8x5x1xf32>) -> tensor<8x5x1xf32>
  %p = tosa.mul %exp, %rcp, %shift : (tensor<8x5x5xf32>, tensor<8x5x1xf32>, tensor<1xi8>) -> tensor<8x5x5xf32>
  %o = tosa.matmul %p, %vb, %zp, %zp : (tensor<8x5x5xf32>, tensor<8x5x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x5x16xf32>
  return %o : tensor<8x5x16xf32>
}
