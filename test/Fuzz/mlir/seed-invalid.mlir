func.func @mixed_value(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xbf16>) -> tensor<1x2x8x4xf32> {
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xbf16> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}
