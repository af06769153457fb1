// Long-sequence attention in f16 (N = M = 1024 reuse with 8 heads of 64;
// N = M = 4096 multi-head), for the ptxas checks of the fused kernels.
func.func @reuse_long(%q: tensor<1x1024x64xf16>, %k: tensor<1x1024x64xf16>, %v: tensor<1x8x1024x64xf16>) -> tensor<1x8x1024x64xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.125) : tensor<1x1024x64xf16>, tensor<1x1024x64xf16>, tensor<1x8x1024x64xf16> -> tensor<1x8x1024x64xf16>
  return %0 : tensor<1x8x1024x64xf16>
}
func.func @mha_long(%q: tensor<1x8x4096x64xf16>, %k: tensor<1x8x4096x64xf16>, %v: tensor<1x8x4096x64xf16>) -> tensor<1x8x4096x64xf16> {
  %0 = attn.mha %q, %k, %v scale(0.125) : tensor<1x8x4096x64xf16>, tensor<1x8x4096x64xf16>, tensor<1x8x4096x64xf16> -> tensor<1x8x4096x64xf16>
  return %0 : tensor<1x8x4096x64xf16>
}
