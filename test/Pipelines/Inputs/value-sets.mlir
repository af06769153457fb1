// Attention whose value tile has more chunks than a block's column groups
// (16 of 128 columns): the fused kernel takes it in sets of column groups
// (uniform-gpu-ptxas.test).

// H*Dv 3072 (24 heads of 128) over 1024 tokens: 2 sets of 12 groups.
func.func @sets_long(%q: tensor<1x1024x64xf16>, %k: tensor<1x1024x64xf16>, %v: tensor<1x24x1024x128xf16>) -> tensor<1x24x1024x128xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.125)
      : tensor<1x1024x64xf16>, tensor<1x1024x64xf16>, tensor<1x24x1024x128xf16> -> tensor<1x24x1024x128xf16>
  return %0 : tensor<1x24x1024x128xf16>
}

// H*Dv 2304 (18 heads of 128), Dk 128: 2 sets of 9 groups.
func.func @sets_dk128(%q: tensor<1x256x128xf16>, %k: tensor<1x256x128xf16>, %v: tensor<1x18x256x128xf16>) -> tensor<1x18x256x128xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.088)
      : tensor<1x256x128xf16>, tensor<1x256x128xf16>, tensor<1x18x256x128xf16> -> tensor<1x18x256x128xf16>
  return %0 : tensor<1x18x256x128xf16>
}
