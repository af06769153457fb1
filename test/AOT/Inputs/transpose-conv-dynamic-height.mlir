func.func @forward(%x: tensor<1x?x3x4xf32>, %w: tensor<2x2x2x4xf32>, %b: tensor<2xf32>) -> tensor<1x?x6x2xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %y = tosa.transpose_conv2d %x, %w, %b, %zp, %zp {acc_type = f32, out_pad = array<i64: 0, 0, 0, 0>, stride = array<i64: 2, 2>} : (tensor<1x?x3x4xf32>, tensor<2x2x2x4xf32>, tensor<2xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x?x6x2xf32>
  return %y : tensor<1x?x6x2xf32>
}
