func.func @forward(%q: tensor<2x5x3xf32>, %k: tensor<2x7x3xf32>, %v: tensor<2x4x7x6xf32>) -> tensor<2x4x5x6xf32> {
  %0 = attn.reuse %q, %k, %v scale(0.5)
      : tensor<2x5x3xf32>, tensor<2x7x3xf32>, tensor<2x4x7x6xf32> -> tensor<2x4x5x6xf32>
  return %0 : tensor<2x4x5x6xf32>
}

func.func @dynamic(%q: tensor<?x5x3xf16>, %v: tensor<?x1x5x2xf16>) -> (tensor<?x1x5x2xf16>, tensor<?x1x5x2xf16>) {
  %0 = attn.reuse %q, %q, %v scale(0.5)
      : tensor<?x5x3xf16>, tensor<?x5x3xf16>, tensor<?x1x5x2xf16> -> tensor<?x1x5x2xf16>
  return %0, %v : tensor<?x1x5x2xf16>, tensor<?x1x5x2xf16>
}
