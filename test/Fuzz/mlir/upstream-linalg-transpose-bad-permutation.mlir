func.func @f(%x: tensor<4xf32>, %init: tensor<4xf32>) -> tensor<4xf32> {
  %0 = linalg.transpose ins(%x : tensor<4xf32>) outs(%init : tensor<4xf32>) permutation = [x]
  return %0 : tensor<4xf32>
}
