// attn-raise on Swin's shifted windows as torch exports them: the scores of
// B*nW windows x H heads get a relative position bias, then a per-window
// mask added through a split of the batch into [B, nW], and V comes from a
// flat tensor. attn-raise brings the biases into one add in the scores'
// layout (the mask tiled over the images when B > 1) and raises one
// attn.mha.
// RUN: uniform-opt %s --split-input-file --attn-raise | FileCheck %s

// CHECK-LABEL: func.func @shifted_windows
// CHECK-SAME:    (%[[Q:.*]]: tensor<8x4x8xf32>, %[[K:.*]]: tensor<8x4x8xf32>, %[[V:.*]]: tensor<1x1x256xf32>)
// The two splat biases fold into one constant: 1 + (-100).
// CHECK-DAG:     %[[BIAS:.*]] = "tosa.const"() <{values = dense<-9.900000e+01> : tensor<4x2x4x4xf32>}>
// CHECK-DAG:     %[[V3:.*]] = tosa.reshape %[[V]], %{{.*}} -> tensor<8x4x8xf32>
// CHECK-DAG:     %[[Q4:.*]] = tensor.expand_shape %[[Q]] {{\[\[}}0, 1], [2], [3]] output_shape [4, 2, 4, 8]
// CHECK-DAG:     %[[V4:.*]] = tensor.expand_shape %[[V3]] {{\[\[}}0, 1], [2], [3]] output_shape [4, 2, 4, 8]
// CHECK:         %[[O:.*]] = attn.mha %[[Q4]], %{{.*}}, %[[V4]] bias(%[[BIAS]] : tensor<4x2x4x4xf32>) scale(2.500000e-01) : tensor<4x2x4x8xf32>, tensor<4x2x4x8xf32>, tensor<4x2x4x8xf32> -> tensor<4x2x4x8xf32>
// CHECK-NOT:     tosa.exp
func.func @shifted_windows(%q: tensor<8x4x8xf32>, %k: tensor<8x4x8xf32>, %vflat: tensor<1x1x256xf32>) -> tensor<8x4x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %scale = "tosa.const"() <{values = dense<0.25> : tensor<1x1x1x1xf32>}> : () -> tensor<1x1x1x1xf32>
  %rel = "tosa.const"() <{values = dense<1.0> : tensor<1x2x4x4xf32>}> : () -> tensor<1x2x4x4xf32>
  %mask = "tosa.const"() <{values = dense<-100.0> : tensor<1x4x1x4x4xf32>}> : () -> tensor<1x4x1x4x4xf32>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<8x4x8xf32>) -> tensor<8x8x4xf32>
  %s3 = tosa.matmul %q, %kt, %zp, %zp : (tensor<8x4x8xf32>, tensor<8x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x4x4xf32>
  %shape4 = tosa.const_shape {values = dense<[4, 2, 4, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s4 = tosa.reshape %s3, %shape4 : (tensor<8x4x4xf32>, !tosa.shape<4>) -> tensor<4x2x4x4xf32>
  %scaled = tosa.mul %s4, %scale, %shift : (tensor<4x2x4x4xf32>, tensor<1x1x1x1xf32>, tensor<1xi8>) -> tensor<4x2x4x4xf32>
  %biased = tosa.add %scaled, %rel : (tensor<4x2x4x4xf32>, tensor<1x2x4x4xf32>) -> tensor<4x2x4x4xf32>
  %shape5 = tosa.const_shape {values = dense<[1, 4, 2, 4, 4]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %s5 = tosa.reshape %biased, %shape5 : (tensor<4x2x4x4xf32>, !tosa.shape<5>) -> tensor<1x4x2x4x4xf32>
  %masked5 = tosa.add %s5, %mask : (tensor<1x4x2x4x4xf32>, tensor<1x4x1x4x4xf32>) -> tensor<1x4x2x4x4xf32>
  %masked = tosa.reshape %masked5, %shape4 : (tensor<1x4x2x4x4xf32>, !tosa.shape<4>) -> tensor<4x2x4x4xf32>
  %max = tosa.reduce_max %masked {axis = 3 : i32} : (tensor<4x2x4x4xf32>) -> tensor<4x2x4x1xf32>
  %sub = tosa.sub %masked, %max : (tensor<4x2x4x4xf32>, tensor<4x2x4x1xf32>) -> tensor<4x2x4x4xf32>
  %exp = tosa.exp %sub : (tensor<4x2x4x4xf32>) -> tensor<4x2x4x4xf32>
  %sum = tosa.reduce_sum %exp {axis = 3 : i32} : (tensor<4x2x4x4xf32>) -> tensor<4x2x4x1xf32>
  %rcp = tosa.reciprocal %sum : (tensor<4x2x4x1xf32>) -> tensor<4x2x4x1xf32>
  %p = tosa.mul %exp, %rcp, %shift : (tensor<4x2x4x4xf32>, tensor<4x2x4x1xf32>, tensor<1xi8>) -> tensor<4x2x4x4xf32>
  %shape3 = tosa.const_shape {values = dense<[8, 4, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %p3 = tosa.reshape %p, %shape3 : (tensor<4x2x4x4xf32>, !tosa.shape<3>) -> tensor<8x4x4xf32>
  %vshape = tosa.const_shape {values = dense<[8, 4, 8]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %v3 = tosa.reshape %vflat, %vshape : (tensor<1x1x256xf32>, !tosa.shape<3>) -> tensor<8x4x8xf32>
  %o = tosa.matmul %p3, %v3, %zp, %zp : (tensor<8x4x4xf32>, tensor<8x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x4x8xf32>
  return %o : tensor<8x4x8xf32>
}

// -----

// Two images of 4 windows: the per-window mask is tiled over the images
// before it merges into the batch of 8.
// CHECK-LABEL: func.func @two_images
// CHECK:         %[[T:.*]] = tosa.tile %{{.*}}, %{{.*}} : (tensor<1x4x1x4x4xf32>, !tosa.shape<5>) -> tensor<2x4x1x4x4xf32>
// CHECK:         %[[M:.*]] = tosa.reshape %[[T]], %{{.*}} -> tensor<8x1x4x4xf32>
// CHECK:         attn.mha {{.*}} bias(%{{.*}} : tensor<8x1x4x4xf32>)
func.func @two_images(%q: tensor<8x4x8xf32>, %k: tensor<8x4x8xf32>, %v: tensor<8x4x8xf32>) -> tensor<8x4x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %mask = "tosa.const"() <{values = dense<-100.0> : tensor<1x4x1x4x4xf32>}> : () -> tensor<1x4x1x4x4xf32>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<8x4x8xf32>) -> tensor<8x8x4xf32>
  %s3 = tosa.matmul %q, %kt, %zp, %zp : (tensor<8x4x8xf32>, tensor<8x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x4x4xf32>
  %shape4 = tosa.const_shape {values = dense<[8, 1, 4, 4]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %s4 = tosa.reshape %s3, %shape4 : (tensor<8x4x4xf32>, !tosa.shape<4>) -> tensor<8x1x4x4xf32>
  %shape5 = tosa.const_shape {values = dense<[2, 4, 1, 4, 4]> : tensor<5xindex>} : () -> !tosa.shape<5>
  %s5 = tosa.reshape %s4, %shape5 : (tensor<8x1x4x4xf32>, !tosa.shape<5>) -> tensor<2x4x1x4x4xf32>
  %masked5 = tosa.add %s5, %mask : (tensor<2x4x1x4x4xf32>, tensor<1x4x1x4x4xf32>) -> tensor<2x4x1x4x4xf32>
  %masked = tosa.reshape %masked5, %shape4 : (tensor<2x4x1x4x4xf32>, !tosa.shape<4>) -> tensor<8x1x4x4xf32>
  %max = tosa.reduce_max %masked {axis = 3 : i32} : (tensor<8x1x4x4xf32>) -> tensor<8x1x4x1xf32>
  %sub = tosa.sub %masked, %max : (tensor<8x1x4x4xf32>, tensor<8x1x4x1xf32>) -> tensor<8x1x4x4xf32>
  %exp = tosa.exp %sub : (tensor<8x1x4x4xf32>) -> tensor<8x1x4x4xf32>
  %sum = tosa.reduce_sum %exp {axis = 3 : i32} : (tensor<8x1x4x4xf32>) -> tensor<8x1x4x1xf32>
  %rcp = tosa.reciprocal %sum : (tensor<8x1x4x1xf32>) -> tensor<8x1x4x1xf32>
  %p = tosa.mul %exp, %rcp, %shift : (tensor<8x1x4x4xf32>, tensor<8x1x4x1xf32>, tensor<1xi8>) -> tensor<8x1x4x4xf32>
  %shape3 = tosa.const_shape {values = dense<[8, 4, 4]> : tensor<3xindex>} : () -> !tosa.shape<3>
  %p3 = tosa.reshape %p, %shape3 : (tensor<8x1x4x4xf32>, !tosa.shape<3>) -> tensor<8x4x4xf32>
  %o = tosa.matmul %p3, %v, %zp, %zp : (tensor<8x4x4xf32>, tensor<8x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<8x4x8xf32>
  return %o : tensor<8x4x8xf32>
}

// -----

// A second bias that depends on the input is not reassociated: the scores
// plus two biases stay two adds, and nothing is raised.
// CHECK-LABEL: func.func @input_dependent_bias
// CHECK:         tosa.add
// CHECK:         tosa.add
// CHECK:         tosa.exp
// CHECK-NOT:     attn.
func.func @input_dependent_bias(%q: tensor<2x4x8xf32>, %k: tensor<2x4x8xf32>, %v: tensor<2x4x8xf32>, %b: tensor<1x4x4xf32>) -> tensor<2x4x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %rel = "tosa.const"() <{values = dense<1.0> : tensor<1x4x4xf32>}> : () -> tensor<1x4x4xf32>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<2x4x8xf32>) -> tensor<2x8x4xf32>
  %s = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x4x8xf32>, tensor<2x8x4xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x4xf32>
  %a = tosa.add %s, %rel : (tensor<2x4x4xf32>, tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %x = tosa.add %a, %b : (tensor<2x4x4xf32>, tensor<1x4x4xf32>) -> tensor<2x4x4xf32>
  %max = tosa.reduce_max %x {axis = 2 : i32} : (tensor<2x4x4xf32>) -> tensor<2x4x1xf32>
  %sub = tosa.sub %x, %max : (tensor<2x4x4xf32>, tensor<2x4x1xf32>) -> tensor<2x4x4xf32>
  %exp = tosa.exp %sub : (tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %sum = tosa.reduce_sum %exp {axis = 2 : i32} : (tensor<2x4x4xf32>) -> tensor<2x4x1xf32>
  %rcp = tosa.reciprocal %sum : (tensor<2x4x1xf32>) -> tensor<2x4x1xf32>
  %p = tosa.mul %exp, %rcp, %shift : (tensor<2x4x4xf32>, tensor<2x4x1xf32>, tensor<1xi8>) -> tensor<2x4x4xf32>
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<2x4x4xf32>, tensor<2x4x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x4x8xf32>
  return %o : tensor<2x4x8xf32>
}
