func.func @f(%x: tensor<4xf32>, %i: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = linalg.broadcast ins(%x : tensor<4xf32>) outs(%i : tensor<2x4xf32>) dimensions = [99999999999999999999]
  return %0 : tensor<2x4xf32>
}
