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
