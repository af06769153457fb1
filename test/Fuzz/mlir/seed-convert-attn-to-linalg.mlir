func.func @mha(%q: tensor<2x3x7x8xf32>, %k: tensor<2x3x5x8xf32>, %v: tensor<2x3x5x4xf32>,
               %b: tensor<3x1x5xf32>) -> tensor<2x3x7x4xf32> {
  %0 = attn.mha %q, %k, %v bias(%b : tensor<3x1x5xf32>) scale(0.5)
      : tensor<2x3x7x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x4xf32> -> tensor<2x3x7x4xf32>
  return %0 : tensor<2x3x7x4xf32>
}
