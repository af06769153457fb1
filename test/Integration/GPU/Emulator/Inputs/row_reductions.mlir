// Row reductions outside attention, written by hand in two styles: a softmax
// as linalg.softmax (decomposed by the pipeline into max, exp, sum and
// divide) and a LayerNorm without affine parameters in TOSA ops.
func.func @softmax(%x: tensor<64x1000xf32>) -> tensor<64x1000xf32> {
  %init = tensor.empty() : tensor<64x1000xf32>
  %y = linalg.softmax dimension(1) ins(%x : tensor<64x1000xf32>)
         outs(%init : tensor<64x1000xf32>) -> tensor<64x1000xf32>
  return %y : tensor<64x1000xf32>
}

func.func @layernorm(%x: tensor<96x200xf32>) -> tensor<96x200xf32> {
  %inv = "tosa.const"() <{values = dense<5.000000e-03> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %eps = "tosa.const"() <{values = dense<1.000000e-05> : tensor<1x1xf32>}> : () -> tensor<1x1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %sum = tosa.reduce_sum %x {axis = 1 : i32} : (tensor<96x200xf32>) -> tensor<96x1xf32>
  %mean = tosa.mul %sum, %inv, %shift : (tensor<96x1xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<96x1xf32>
  %d = tosa.sub %x, %mean : (tensor<96x200xf32>, tensor<96x1xf32>) -> tensor<96x200xf32>
  %sq = tosa.mul %d, %d, %shift : (tensor<96x200xf32>, tensor<96x200xf32>, tensor<1xi8>) -> tensor<96x200xf32>
  %ssq = tosa.reduce_sum %sq {axis = 1 : i32} : (tensor<96x200xf32>) -> tensor<96x1xf32>
  %var = tosa.mul %ssq, %inv, %shift : (tensor<96x1xf32>, tensor<1x1xf32>, tensor<1xi8>) -> tensor<96x1xf32>
  %ve = tosa.add %var, %eps : (tensor<96x1xf32>, tensor<1x1xf32>) -> tensor<96x1xf32>
  %r = tosa.rsqrt %ve : (tensor<96x1xf32>) -> tensor<96x1xf32>
  %y = tosa.mul %d, %r, %shift : (tensor<96x200xf32>, tensor<96x1xf32>, tensor<1xi8>) -> tensor<96x200xf32>
  return %y : tensor<96x200xf32>
}
