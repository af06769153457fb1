func.func @huge_head_counts(%q: tensor<1x8x4xf32>, %v: tensor<1x9223372036854775807x8x4xf32>)
    -> (tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32>) {
  %e = tensor.empty() : tensor<1x9223372036854775807x8x4xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x8x4xf32>) outs(%e : tensor<1x9223372036854775807x8x4xf32>) dimensions = [1]
  %0 = attn.mha %qb, %qb, %v scale(0.5)
      : tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32> -> tensor<1x9223372036854775807x8x4xf32>
  %1 = attn.mha %qb, %qb, %v scale(0.25)
      : tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32> -> tensor<1x9223372036854775807x8x4xf32>
  return %0, %1 : tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32>
}
