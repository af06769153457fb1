// A small Reuse Attention layer with bias, for the ahead-of-time tests.
func.func @forward(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>,
                   %v: tensor<2x3x8x4xf32>, %b: tensor<8x8xf32>)
    -> tensor<2x3x8x4xf32> {
  %0 = attn.reuse %q, %k, %v bias(%b : tensor<8x8xf32>) scale(0.25)
      : tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x3x8x4xf32>
      -> tensor<2x3x8x4xf32>
  return %0 : tensor<2x3x8x4xf32>
}
