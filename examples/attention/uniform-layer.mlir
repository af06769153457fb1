// Attention of one UniForm-m0 stage-2 block (C = 128, 4 heads, a 7x7 window:
// N = M = 49 tokens, q/k width C/4 = 32, 32 value channels per head, a 49x49
// relative-position bias), in the forms the compiler meets after import.

// 1. As exported: one softmax per head over the same q, k and bias, a value
//    product per head, and a concat of the heads along channels.
func.func @uniform_per_head(%q: tensor<1x49x32xf32>, %k: tensor<1x49x32xf32>,
                            %bias: tensor<49x49xf32>,
                            %v0: tensor<1x1x49x32xf32>, %v1: tensor<1x1x49x32xf32>,
                            %v2: tensor<1x1x49x32xf32>, %v3: tensor<1x1x49x32xf32>)
    -> tensor<1x1x49x128xf32> {
  %o0 = attn.reuse %q, %k, %v0 bias(%bias : tensor<49x49xf32>) scale(0.25)
      : tensor<1x49x32xf32>, tensor<1x49x32xf32>, tensor<1x1x49x32xf32> -> tensor<1x1x49x32xf32>
  %o1 = attn.reuse %q, %k, %v1 bias(%bias : tensor<49x49xf32>) scale(0.25)
      : tensor<1x49x32xf32>, tensor<1x49x32xf32>, tensor<1x1x49x32xf32> -> tensor<1x1x49x32xf32>
  %o2 = attn.reuse %q, %k, %v2 bias(%bias : tensor<49x49xf32>) scale(0.25)
      : tensor<1x49x32xf32>, tensor<1x49x32xf32>, tensor<1x1x49x32xf32> -> tensor<1x1x49x32xf32>
  %o3 = attn.reuse %q, %k, %v3 bias(%bias : tensor<49x49xf32>) scale(0.25)
      : tensor<1x49x32xf32>, tensor<1x49x32xf32>, tensor<1x1x49x32xf32> -> tensor<1x1x49x32xf32>
  %out = tosa.concat %o0, %o1, %o2, %o3 {axis = 3 : i32}
      : (tensor<1x1x49x32xf32>, tensor<1x1x49x32xf32>, tensor<1x1x49x32xf32>, tensor<1x1x49x32xf32>)
      -> tensor<1x1x49x128xf32>
  return %out : tensor<1x1x49x128xf32>
}

// 2. As a multi-head attention whose q and k are broadcast to every head.
func.func @uniform_broadcast_mha(%q: tensor<1x49x32xf32>, %k: tensor<1x49x32xf32>,
                                 %bias: tensor<49x49xf32>, %v: tensor<1x4x49x32xf32>)
    -> tensor<1x4x49x32xf32> {
  %e = tensor.empty() : tensor<1x4x49x32xf32>
  %qh = linalg.broadcast ins(%q : tensor<1x49x32xf32>) outs(%e : tensor<1x4x49x32xf32>) dimensions = [1]
  %kh = linalg.broadcast ins(%k : tensor<1x49x32xf32>) outs(%e : tensor<1x4x49x32xf32>) dimensions = [1]
  %out = attn.mha %qh, %kh, %v bias(%bias : tensor<49x49xf32>) scale(0.25)
      : tensor<1x4x49x32xf32>, tensor<1x4x49x32xf32>, tensor<1x4x49x32xf32> -> tensor<1x4x49x32xf32>
  return %out : tensor<1x4x49x32xf32>
}

// 3. The baseline UniForm replaces (EfficientViT's cascaded group attention):
//    every head has its own q, k and bias. Nothing to share: left unchanged.
func.func @efficientvit_per_head_qk(%q: tensor<1x4x49x16xf32>, %k: tensor<1x4x49x16xf32>,
                                    %bias: tensor<4x49x49xf32>, %v: tensor<1x4x49x32xf32>)
    -> tensor<1x4x49x32xf32> {
  %out = attn.mha %q, %k, %v bias(%bias : tensor<4x49x49xf32>) scale(0.25)
      : tensor<1x4x49x16xf32>, tensor<1x4x49x16xf32>, tensor<1x4x49x32xf32> -> tensor<1x4x49x32xf32>
  return %out : tensor<1x4x49x32xf32>
}
