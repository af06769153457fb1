func.func @generic_scale_broadcast_bias(%q: tensor<2x49x16xf32>, %kt: tensor<2x16x49xf32>, %v: tensor<2x49x32xf32>, %bias: tensor<49x49xf32>) -> tensor<2x49x32xf32> {
  %cst = arith.constant 0.0 : f32
  %c = arith.constant 0.25 : f32
  %e = tensor.empty() : tensor<2x49x49xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x49x49xf32>) -> tensor<2x49x49xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<2x49x16xf32>, tensor<2x16x49xf32>) outs(%z : tensor<2x49x49xf32>) -> tensor<2x49x49xf32>
  %scaled = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x49x49xf32>) outs(%e : tensor<2x49x49xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<2x49x49xf32>
  %bb = linalg.broadcast ins(%bias : tensor<49x49xf32>) outs(%e : tensor<2x49x49xf32>) dimensions = [0]
  %x = linalg.add ins(%scaled, %bb : tensor<2x49x49xf32>, tensor<2x49x49xf32>) outs(%e : tensor<2x49x49xf32>) -> tensor<2x49x49xf32>
  %p = linalg.softmax dimension(2) ins(%x : tensor<2x49x49xf32>) outs(%e : tensor<2x49x49xf32>) -> tensor<2x49x49xf32>
  %e2 = tensor.empty() : tensor<2x49x32xf32>
  %z2 = linalg.fill ins(%cst : f32) outs(%e2 : tensor<2x49x32xf32>) -> tensor<2x49x32xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x49x49xf32>, tensor<2x49x32xf32>) outs(%z2 : tensor<2x49x32xf32>) -> tensor<2x49x32xf32>
  return %o : tensor<2x49x32xf32>
}
