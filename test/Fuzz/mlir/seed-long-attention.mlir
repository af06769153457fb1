func.func @reuse_long(%q: tensor<1x1024x64xf16>, %k: tensor<1x1024x64xf16>, %v: tensor<1x8x1024x64xf16>) -> tensor<1x8x1024x64xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.125) : tensor<1x1024x64xf16>, tensor<1x1024x64xf16>, tensor<1x8x1024x64xf16> -> tensor<1x8x1024x64xf16>
  return %0 : tensor<1x8x1024x64xf16>
}
func.func @mha_long(%q: tensor<1x8x4096x64xf16>, %k: tensor<1x8x4096x64xf16>, %v: tensor<1x8x4096x64xf16>) -> tensor<1x8x4096x64xf16> {
  %0 = attn.mha %q, %k, %v scale(0.125) : tensor<1x8x4096x64xf16>, tensor<1x8x4096x64xf16>, tensor<1x8x4096x64xf16> -> tensor<1x8x4096x64xf16>
  return %0 : tensor<1x8x4096x64xf16>
}
