module {
  func.func @reuse_long(%arg0: tensor<1x2147483648x64xf16>, %arg1: tensor<1x2147483648x64xf16>, %arg2: tensor<1x8x2147483648x64xf16>) -> tensor<1x8x2147483648x64xf16> {
    %0 = attn.reuse %arg0, %arg1, %arg2 scale(1.250000e-01) : tensor<1x2147483648x64xf16>, tensor<1x2147483648x64xf16>, tensor<1x8x2147483648x64xf16> -> tensor<1x8x2147483648x64xf16>
    return %0 : tensor<1x8x2147483648x64xf16>
  }
  func.func @mha_long(%arg0: tensor<1x8x1x64xf16>, %arg1: tensor<1x8x1x64xf16>, %arg2: tensor<1x8x1x64xf16>) -> tensor<1x8x1x64xf16> {
    %0 = attn.mha %arg2, %arg1, %arg0 scale(1.250000e-01) : tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16>, tensor<1x8x1x64xf16> -> tensor<1x8x1x64xf16>
    return %0 : tensor<1x8x1x64xf16>
  }
}

