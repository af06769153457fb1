module {
  func.func @concat_and_splats(%arg0: tensor<1x1x1048576x1048576xf32>, %arg1: tensor<1x2x1048576x1048576xf32>) -> tensor<1x2x1048576x1048576xf32> {
    %concat = tensor.concat dim(1) %arg0, %arg0 : (tensor<1x1x1048576x1048576xf32>, tensor<1x1x1048576x1048576xf32>) -> tensor<1x2x1048576x1048576xf32>
    %cst = arith.constant dense<5.000000e-02> : tensor<1x2x1048576x1048576xf32>
    %0 = "tosa.const"() <{values = dense<1.000000e+00> : tensor<1x2x1048576x1048576xf32>}> : () -> tensor<1x2x1048576x1048576xf32>
    %1 = attn.mha %concat, %cst, %arg1 bias(%0 : tensor<1x2x1048576x1048576xf32>) scale(1.000000e+00) : tensor<1x2x1048576x1048576xf32>, tensor<1x2x1048576x1048576xf32>, tensor<1x2x1048576x1048576xf32> -> tensor<1x2x1048576x1048576xf32>
    return %1 : tensor<1x2x1048576x1048576xf32>
  }
}
