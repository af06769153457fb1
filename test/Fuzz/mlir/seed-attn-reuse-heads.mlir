#bcast = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @generic_and_tile(%q: tensor<2x49x16xf32>, %k: tensor<2x49x16xf32>,
                            %v: tensor<2x4x49x32xf32>, %b: tensor<2x1x49x49xf32>)
    -> tensor<2x4x49x32xf32> {
  %e = tensor.empty() : tensor<2x4x49x16xf32>
  %qb = linalg.generic {indexing_maps = [#bcast, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%q : tensor<2x49x16xf32>) outs(%e : tensor<2x4x49x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x4x49x16xf32>
  %k1 = tensor.expand_shape %k [[0], [1, 2], [3]] output_shape [2, 1, 49, 16] : tensor<2x49x16xf32> into tensor<2x1x49x16xf32>
  %m = tosa.const_shape {values = dense<[1, 4, 1, 1]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %kb = tosa.tile %k1, %m : (tensor<2x1x49x16xf32>, !tosa.shape<4>) -> tensor<2x4x49x16xf32>
  %0 = attn.mha %qb, %kb, %v bias(%b : tensor<2x1x49x49xf32>) scale(0.25)
      : tensor<2x4x49x16xf32>, tensor<2x4x49x16xf32>, tensor<2x4x49x32xf32> -> tensor<2x4x49x32xf32>
  return %0 : tensor<2x4x49x32xf32>
}
