module {
  func.func @linalg_broadcast(%arg0: tensor<2x17x9223372036854775807xf32>, %arg1: tensor<2x17x9223372036854775807xf32>, %arg2: tensor<2x4x17x32xf32>, %arg3: tensor<17x17xf32>) -> tensor<2x4x17x32xf32> {
    %0 = tensor.empty() : tensor<2x4x17x9223372036854775807xf32>
    %broadcasted = linalg.broadcast ins(%arg0 : tensor<2x17x9223372036854775807xf32>) outs(%0 : tensor<2x4x17x9223372036854775807xf32>) dimensions = [1] 
    %broadcasted_0 = linalg.broadcast ins(%arg1 : tensor<2x17x9223372036854775807xf32>) outs(%0 : tensor<2x4x17x9223372036854775807xf32>) dimensions = [1] 
    %1 = attn.mha %broadcasted, %broadcasted_0, %arg2 scale(2.500000e-01) : tensor<2x4x17x9223372036854775807xf32>, tensor<2x4x17x9223372036854775807xf32>, tensor<2x4x17x32xf32> -> tensor<2x4x17x32xf32>
    return %1 : tensor<2x4x17x32xf32>
  }
}
