// Attention ops that share one matrix, in the layouts exporters produce;
// share-matrix-equivalence.test runs each with and without attn-reuse-heads.

// Heads through collapse -> transpose -> reshape to NCHW, then a channel
// concat.
func.func @nchw_channel_concat(%q: tensor<2x49x16xf32>, %b: tensor<49x49xf32>, %v0: tensor<2x1x49x8xf32>,
                               %v1: tensor<2x1x49x8xf32>, %v2: tensor<2x1x49x8xf32>)
    -> tensor<2x24x7x7xf32> {
  %s = tosa.const_shape {values = dense<[2, 8, 7, 7]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %0 = attn.reuse %q, %q, %v0 bias(%b : tensor<49x49xf32>) scale(0.25) : tensor<2x49x16xf32>, tensor<2x49x16xf32>, tensor<2x1x49x8xf32> -> tensor<2x1x49x8xf32>
  %c0 = tensor.collapse_shape %0 [[0, 1], [2], [3]] : tensor<2x1x49x8xf32> into tensor<2x49x8xf32>
  %t0 = tosa.transpose %c0 {perms = array<i32: 0, 2, 1>} : (tensor<2x49x8xf32>) -> tensor<2x8x49xf32>
  %r0 = tosa.reshape %t0, %s : (tensor<2x8x49xf32>, !tosa.shape<4>) -> tensor<2x8x7x7xf32>
  %1 = attn.reuse %q, %q, %v1 bias(%b : tensor<49x49xf32>) scale(0.25) : tensor<2x49x16xf32>, tensor<2x49x16xf32>, tensor<2x1x49x8xf32> -> tensor<2x1x49x8xf32>
  %c1 = tensor.collapse_shape %1 [[0, 1], [2], [3]] : tensor<2x1x49x8xf32> into tensor<2x49x8xf32>
  %t1 = tosa.transpose %c1 {perms = array<i32: 0, 2, 1>} : (tensor<2x49x8xf32>) -> tensor<2x8x49xf32>
  %r1 = tosa.reshape %t1, %s : (tensor<2x8x49xf32>, !tosa.shape<4>) -> tensor<2x8x7x7xf32>
  %2 = attn.reuse %q, %q, %v2 bias(%b : tensor<49x49xf32>) scale(0.25) : tensor<2x49x16xf32>, tensor<2x49x16xf32>, tensor<2x1x49x8xf32> -> tensor<2x1x49x8xf32>
  %c2 = tensor.collapse_shape %2 [[0, 1], [2], [3]] : tensor<2x1x49x8xf32> into tensor<2x49x8xf32>
  %t2 = tosa.transpose %c2 {perms = array<i32: 0, 2, 1>} : (tensor<2x49x8xf32>) -> tensor<2x8x49xf32>
  %r2 = tosa.reshape %t2, %s : (tensor<2x8x49xf32>, !tosa.shape<4>) -> tensor<2x8x7x7xf32>
  %c = tosa.concat %r0, %r1, %r2 {axis = 1 : i32} : (tensor<2x8x7x7xf32>, tensor<2x8x7x7xf32>, tensor<2x8x7x7xf32>) -> tensor<2x24x7x7xf32>
  return %c : tensor<2x24x7x7xf32>
}

// Windows merged back after the heads: [4 windows, 1, 4 tokens, 8] per head,
// split into a 2x2 grid of 2x2 windows and concatenated on channels.
func.func @window_merge(%q: tensor<4x4x8xf32>, %v0: tensor<4x1x4x8xf32>, %v1: tensor<4x1x4x8xf32>)
    -> tensor<4x4x16xf32> {
  %0 = attn.reuse %q, %q, %v0 scale(0.5) : tensor<4x4x8xf32>, tensor<4x4x8xf32>, tensor<4x1x4x8xf32> -> tensor<4x1x4x8xf32>
  %1 = attn.reuse %q, %q, %v1 scale(0.5) : tensor<4x4x8xf32>, tensor<4x4x8xf32>, tensor<4x1x4x8xf32> -> tensor<4x1x4x8xf32>
  %e0 = tensor.expand_shape %0 [[0, 1], [2], [3, 4], [5]] output_shape [2, 2, 1, 2, 2, 8] : tensor<4x1x4x8xf32> into tensor<2x2x1x2x2x8xf32>
  %e1 = tensor.expand_shape %1 [[0, 1], [2], [3, 4], [5]] output_shape [2, 2, 1, 2, 2, 8] : tensor<4x1x4x8xf32> into tensor<2x2x1x2x2x8xf32>
  %t0 = tosa.transpose %e0 {perms = array<i32: 0, 3, 1, 4, 2, 5>} : (tensor<2x2x1x2x2x8xf32>) -> tensor<2x2x2x2x1x8xf32>
  %t1 = tosa.transpose %e1 {perms = array<i32: 0, 3, 1, 4, 2, 5>} : (tensor<2x2x1x2x2x8xf32>) -> tensor<2x2x2x2x1x8xf32>
  %c0 = tensor.collapse_shape %t0 [[0, 1], [2, 3], [4, 5]] : tensor<2x2x2x2x1x8xf32> into tensor<4x4x8xf32>
  %c1 = tensor.collapse_shape %t1 [[0, 1], [2, 3], [4, 5]] : tensor<2x2x2x2x1x8xf32> into tensor<4x4x8xf32>
  %c = tensor.concat dim(2) %c0, %c1 : (tensor<4x4x8xf32>, tensor<4x4x8xf32>) -> tensor<4x4x16xf32>
  return %c : tensor<4x4x16xf32>
}

// Head 0's result used before head 1's value exists; heads consumed
// separately.
func.func @move_uses_below(%q: tensor<1x8x4xf32>, %v0: tensor<1x1x8x4xf32>, %x: tensor<1x1x8x4xf32>)
    -> tensor<1x1x8x4xf32> {
  %0 = attn.reuse %q, %q, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %e = tosa.exp %0 : (tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  %u = tosa.abs %x : (tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  %v1 = tosa.add %x, %u : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  %1 = attn.reuse %q, %q, %v1 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %a = tosa.add %e, %1 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  return %a : tensor<1x1x8x4xf32>
}

// Single-head attn.mha concatenated along the query axis.
func.func @query_axis_concat(%q: tensor<1x1x8x4xf32>, %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>)
    -> tensor<1x1x16x4xf32> {
  %0 = attn.mha %q, %q, %v0 scale(0.5) : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %1 = attn.mha %q, %q, %v1 scale(0.5) : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %c = tensor.concat dim(2) %0, %1 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x16x4xf32>
  return %c : tensor<1x1x16x4xf32>
}
