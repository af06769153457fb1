// A convolution block as the TOSA importer emits it: conv2d (stride 2),
// clamp, reductions, reshape, sigmoid. The GPU pipeline maps it onto kernels.
func.func @block(%x: tensor<1x14x14x32xf32>, %w: tensor<64x3x3x32xf32>, %b: tensor<64xf32>) -> tensor<1x64xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %c = tosa.conv2d %x, %w, %b, %zp, %zp {acc_type = f32, dilation = array<i64: 1, 1>, pad = array<i64: 0, 1, 0, 1>, stride = array<i64: 2, 2>}
      : (tensor<1x14x14x32xf32>, tensor<64x3x3x32xf32>, tensor<64xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x7x7x64xf32>
  %r = tosa.clamp %c {min_val = 0.0 : f32, max_val = 6.0 : f32} : (tensor<1x7x7x64xf32>) -> tensor<1x7x7x64xf32>
  %s = tosa.reduce_sum %r {axis = 1 : i32} : (tensor<1x7x7x64xf32>) -> tensor<1x1x7x64xf32>
  %s2 = tosa.reduce_sum %s {axis = 2 : i32} : (tensor<1x1x7x64xf32>) -> tensor<1x1x1x64xf32>
  %shape = tosa.const_shape {values = dense<[1, 64]> : tensor<2xindex>} : () -> !tosa.shape<2>
  %f = tosa.reshape %s2, %shape : (tensor<1x1x1x64xf32>, !tosa.shape<2>) -> tensor<1x64xf32>
  %sig = tosa.sigmoid %f : (tensor<1x64xf32>) -> tensor<1x64xf32>
  return %sig : tensor<1x64xf32>
}
