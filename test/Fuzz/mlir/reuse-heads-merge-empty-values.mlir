module {
  func.func @heads_used_separately(%arg0: tensor<2x8x0xf32>, %arg1: tensor<2x1x8x0xf32>, %arg2: tensor<2x1x8x0xf32>, %arg3: tensor<2x1x8x0xf32>) -> tensor<2x1x8x0xf32> {
    %0 = attn.reuse %arg0, %arg0, %arg1 scale(5.000000e-01) : tensor<2x8x0xf32>, tensor<2x8x0xf32>, tensor<2x1x8x0xf32> -> tensor<2x1x8x0xf32>
    %1 = arith.mulf %0, %0 : tensor<2x1x8x0xf32>
    %2 = attn.reuse %arg0, %arg0, %arg2 scale(5.000000e-01) : tensor<2x8x0xf32>, tensor<2x8x0xf32>, tensor<2x1x8x0xf32> -> tensor<2x1x8x0xf32>
    %3 = arith.negf %2 : tensor<2x1x8x0xf32>
    %4 = arith.addf %1, %3 : tensor<2x1x8x0xf32>
    %5 = attn.reuse %arg0, %arg0, %arg3 scale(5.000000e-01) : tensor<2x8x0xf32>, tensor<2x8x0xf32>, tensor<2x1x8x0xf32> -> tensor<2x1x8x0xf32>
    %6 = arith.addf %4, %5 : tensor<2x1x8x0xf32>
    return %6 : tensor<2x1x8x0xf32>
  }
}

