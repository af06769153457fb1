module {
  func.func @reuse_long(%arg0: tensor<0x1024x64xf16>, %arg1: tensor<0x1024x64xf16>, %arg2: tensor<0x8x1024x64xf16>) -> tensor<0x8x1024x64xf16> {
    %0 = attn.reuse %arg0, %arg1, %arg2 scale(1.250000e-01) : tensor<0x1024x64xf16>, tensor<0x1024x64xf16>, tensor<0x8x1024x64xf16> -> tensor<0x8x1024x64xf16>
    return %0 : tensor<0x8x1024x64xf16>
  }
  func.func @mha_long(%arg0: tensor<0x8x4096x64xf16>, %arg1: tensor<0x8x4096x64xf16>, %arg2: tensor<0x8x4096x64xf16>) -> tensor<0x8x4096x64xf16> {
    %0 = attn.mha %arg0, %arg1, %arg2 scale(1.250000e-01) : tensor<0x8x4096x64xf16>, tensor<0x8x4096x64xf16>, tensor<0x8x4096x64xf16> -> tensor<0x8x4096x64xf16>
    return %0 : tensor<0x8x4096x64xf16>
  }
}
