module {
  func.func @mha_head_bias(%arg0: tensor<1x0x49x32xf32>, %arg1: tensor<1x0x49x32xf32>, %arg2: tensor<1x0x49x8xf32>, %arg3: tensor<0x49x49xf32>) -> tensor<1x0x49x8xf32> {
    %0 = attn.mha %arg0, %arg1, %arg2 bias(%arg3 : tensor<0x49x49xf32>) scale(2.000000e-01) : tensor<1x0x49x32xf32>, tensor<1x0x49x32xf32>, tensor<1x0x49x8xf32> -> tensor<1x0x49x8xf32>
    return %0 : tensor<1x0x49x8xf32>
  }
}
