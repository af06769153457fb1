// Reuse Attention whose shapes fit the fused tensor-core kernel (Dk = 16,
// Dv = 8).
func.func @forward(%q: tensor<2x49x16xf16>, %k: tensor<2x49x16xf16>,
                   %v: tensor<2x3x49x8xf16>) -> tensor<2x3x49x8xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<2x49x16xf16>, tensor<2x49x16xf16>, tensor<2x3x49x8xf16>
      -> tensor<2x3x49x8xf16>
  return %0 : tensor<2x3x49x8xf16>
}
