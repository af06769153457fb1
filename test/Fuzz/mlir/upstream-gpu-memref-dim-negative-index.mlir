module {
  func.func @reify_mha(%arg0: tensor<65x4x65x16xf32>, %arg1: tensor<65x4x65x16xf32>, %arg2: tensor<65x4x65x65xf32>) -> (index, index, index) {
    %c0 = arith.constant -1 : index
    %c2 = arith.constant 2 : index
    %c3 = arith.constant 3 : index
    %0 = attn.mha %arg0, %arg1, %arg2 scale(0.716572) : tensor<65x4x65x16xf32>, tensor<65x4x65x16xf32>, tensor<65x4x65x65xf32> -> tensor<65x4x65x65xf32>
    %dim = tensor.dim %0, %c0 : tensor<65x4x65x65xf32>
    %dim_0 = tensor.dim %0, %c2 : tensor<65x4x65x65xf32>
    %dim_1 = tensor.dim %0, %c3 : tensor<65x4x65x65xf32>
    return %dim, %dim_0, %dim_1 : index, index, index
  }
}
