// Streams of several value chunks (column groups) on f32 inputs, for the
// ptxas checks of the fused kernels: shapes that spilled 4 to 8 bytes under
// the 128-register cap while the kernel converted f32 tiles itself.
func.func @reuse_groups(%q: tensor<1x300x64xf32>, %k: tensor<1x300x64xf32>, %v: tensor<1x6x300x64xf32>, %b: tensor<300x300xf32>) -> tensor<1x6x300x64xf32> {
  %0 = attn.reuse %q, %k, %v bias(%b : tensor<300x300xf32>) scale(0.125) : tensor<1x300x64xf32>, tensor<1x300x64xf32>, tensor<1x6x300x64xf32> -> tensor<1x6x300x64xf32>
  return %0 : tensor<1x6x300x64xf32>
}
func.func @mha_groups(%q: tensor<1x4x300x32xf32>, %k: tensor<1x4x300x32xf32>, %v: tensor<1x4x300x192xf32>, %b: tensor<300x300xf32>) -> tensor<1x4x300x192xf32> {
  %0 = attn.mha %q, %k, %v bias(%b : tensor<300x300xf32>) scale(0.17) : tensor<1x4x300x32xf32>, tensor<1x4x300x32xf32>, tensor<1x4x300x192xf32> -> tensor<1x4x300x192xf32>
  return %0 : tensor<1x4x300x192xf32>
}
func.func @mha_wide(%q: tensor<1x2x300x32xf32>, %k: tensor<1x2x300x32xf32>, %v: tensor<1x2x300x640xf32>) -> tensor<1x2x300x640xf32> {
  %0 = attn.mha %q, %k, %v scale(0.17) : tensor<1x2x300x32xf32>, tensor<1x2x300x32xf32>, tensor<1x2x300x640xf32> -> tensor<1x2x300x640xf32>
  return %0 : tensor<1x2x300x640xf32>
}
