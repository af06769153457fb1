// attn-raise{report=true}: a remark at every softmax left unraised, with the
// matcher's reason at its value product, and a summary on the module.
// RUN: uniform-opt %s --attn-raise=report=true --verify-diagnostics -o /dev/null
// Without report=true the pass is silent.
// RUN: uniform-opt %s --attn-raise -o /dev/null 2>&1 | FileCheck %s --allow-empty --check-prefix=QUIET
// QUIET-NOT: remark:

// expected-remark @below {{attn-raise: 1 attention ops raised, 1 softmaxes not raised}}
module {
func.func @one_of_two(%q: tensor<1x16x8xf32>, %k: tensor<1x16x8xf32>, %v: tensor<1x16x8xf32>,
                      %s: tensor<1x1x1xf32>) -> (tensor<1x16x8xf32>, tensor<1x16x8xf32>) {
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
  // A scale that is an argument: not attention the ops can express.
  %x2 = tosa.mul %x, %s, %shift : (tensor<1x16x16xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %m2 = tosa.reduce_max %x2 {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %d2 = tosa.sub %x2, %m2 : (tensor<1x16x16xf32>, tensor<1x16x1xf32>) -> tensor<1x16x16xf32>
  %e2 = tosa.exp %d2 : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %sum2 = tosa.reduce_sum %e2 {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %r2 = tosa.reciprocal %sum2 : (tensor<1x16x1xf32>) -> tensor<1x16x1xf32>
  // expected-remark-re @below {{softmax not raised: at its value product loc({{.*}}attn-raise-report.mlir":{{[0-9]+}}:9): scale is not a constant}}
  %p2 = tosa.mul %e2, %r2, %shift : (tensor<1x16x16xf32>, tensor<1x16x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %o2 = tosa.matmul %p2, %v, %zp, %zp : (tensor<1x16x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8xf32>
  return %o, %o2 : tensor<1x16x8xf32>, tensor<1x16x8xf32>
}
}
