module {
  func.func @mha_f32(%arg0: tensor<21x1099511627776x49x16xf32>, %arg1: tensor<21x1099511627776x49x16xf32>, %arg2: tensor<21x1099511627776x49x32xf32>) -> tensor<21x1099511627776x49x32xf32> {
    %0 = attn.mha %arg0, %arg1, %arg2 scale(4.203620e-01) : tensor<21x1099511627776x49x16xf32>, tensor<21x1099511627776x49x16xf32>, tensor<21x1099511627776x49x32xf32> -> tensor<21x1099511627776x49x32xf32>
    return %0 : tensor<21x1099511627776x49x32xf32>
  }
  func.func @mha_bias_full(%arg0: tensor<21x1099511627776x49x16xf32>, %arg1: tensor<21x1099511627776x49x16xf32>, %arg2: tensor<21x1099511627776x49x32xf32>, %arg3: tensor<21x1099511627776x49x49xf32>) -> tensor<21x1099511627776x49x32xf32> {
    %0 = attn.mha %arg0, %arg1, %arg2 bias(%arg3 : tensor<21x1099511627776x49x49xf32>) scale(1.250000e-01) : tensor<21x1099511627776x49x16xf32>, tensor<21x1099511627776x49x16xf32>, tensor<21x1099511627776x49x32xf32> -> tensor<21x1099511627776x49x32xf32>
    return %0 : tensor<21x1099511627776x49x32xf32>
  }
  func.func @mha_bias_broadcast(%arg0: tensor<21x1099511627776x49x16xf32>, %arg1: tensor<21x1099511627776x49x16xf32>, %arg2: tensor<21x1099511627776x49x32xf32>, %arg3: tensor<49x49xf32>, %arg4: tensor<1x1099511627776x1x49xf32>) -> (tensor<21x1099511627776x49x32xf32>, tensor<21x1099511627776x49x32xf32>) {
    %0 = attn.mha %arg0, %arg1, %arg2 bias(%arg3 : tensor<49x49xf32>) scale(2.500000e-01) : tensor<21x1099511627776x49x16xf32>, tensor<21x1099511627776x49x16xf32>, tensor<21x1099511627776x49x32xf32> -> tensor<21x1099511627776x49x32xf32>
    %1 = attn.mha %arg0, %arg1, %arg2 bias(%arg4 : tensor<1x1099511627776x1x49xf32>) scale(1.0e+05) : tensor<21x1099511627776x49x16xf32>, tensor<21x1099511627776x49x16xf32>, tensor<21x1099511627776x49x32xf32> -> tensor<21x1099511627776x49x32xf32>
    return %0, %1 : tensor<21x1099511627776x49x32xf32>, tensor<21x1099511627776x49x32xf32>
  }
  func.func @reuse_f32(%arg0: tensor<64x49x16xf32>, %arg1: tensor<64x49x16xf32>, %arg2: tensor<64x1099511627776x49x48xf32>, %arg3: tensor<49x49xf32>) -> tensor<64x1099511627776x49x48xf32> {
    %0 = attn.reuse %arg0, %arg1, %arg2 bias(%arg3 : tensor<49x49xf32>) scale(2.500000e-01) : tensor<64x49x16xf32>, tensor<64x49x16xf32>, tensor<64x1099511627776x49x48xf32> -> tensor<64x1099511627776x49x48xf32>
    return %0 : tensor<64x1099511627776x49x48xf32>
  }
  func.func @reuse_cross(%arg0: tensor<1x7x3xf32>, %arg1: tensor<1x5x3xf32>, %arg2: tensor<1x21x5x9xf32>, %arg3: tensor<f32>) -> tensor<1x21x7x9xf32> {
    %0 = attn.reuse %arg0, %arg1, %arg2 bias(%arg3 : tensor<f32>) scale(1.000000e+00) : tensor<1x7x3xf32>, tensor<1x5x3xf32>, tensor<1x21x5x9xf32> -> tensor<1x21x7x9xf32>
    return %0 : tensor<1x21x7x9xf32>
  }
  func.func @reuse_attr_dict(%arg0: tensor<1x1099511627776x8xf32>, %arg1: tensor<1x1099511627776x8xf32>, %arg2: tensor<1x21x1099511627776x8xf32>) -> tensor<1x21x1099511627776x8xf32> {
    %0 = attn.reuse %arg0, %arg1, %arg2 scale(5.000000e-01) {uniform.layer = "stage1.block0"} : tensor<1x1099511627776x8xf32>, tensor<1x1099511627776x8xf32>, tensor<1x21x1099511627776x8xf32> -> tensor<1x21x1099511627776x8xf32>
    return %0 : tensor<1x21x1099511627776x8xf32>
  }
}
