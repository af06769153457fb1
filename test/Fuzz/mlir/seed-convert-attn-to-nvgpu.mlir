func.func @mha_f16(%q: tensor<8x3x16x32xf16>, %k: tensor<8x3x16x32xf16>, %v: tensor<8x3x16x16xf16>)
    -> tensor<8x3x16x16xf16> {
  %0 = attn.mha %q, %k, %v scale(0.17677669)
      : tensor<8x3x16x32xf16>, tensor<8x3x16x32xf16>, tensor<8x3x16x16xf16> -> tensor<8x3x16x16xf16>
  return %0 : tensor<8x3x16x16xf16>
}
