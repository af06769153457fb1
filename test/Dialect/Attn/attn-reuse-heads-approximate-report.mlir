// attn-reuse-heads{allow-approximation=true report=true}: an operand whose
// head extent is dynamic cannot be averaged; the remark says which.
// RUN: uniform-opt %s --split-input-file --attn-reuse-heads="allow-approximation=true report=true" --verify-diagnostics

// expected-remark @below {{0 rewritten}}
module {
func.func @dynamic_bias_heads(%q: tensor<1x8x2xf32>, %v: tensor<1x4x8x3xf32>, %b: tensor<?x8x8xf32>) -> tensor<1x4x8x3xf32> {
  %e = tensor.empty() : tensor<1x4x8x2xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x8x2xf32>) outs(%e : tensor<1x4x8x2xf32>) dimensions = [1]
  // expected-remark @below {{attn.mha not rewritten: bias is not provably identical across heads: it is function argument #2; the approximation needs a static head extent of the bias}}
  %0 = attn.mha %qb, %qb, %v bias(%b : tensor<?x8x8xf32>) scale(0.5)
      : tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x3xf32> -> tensor<1x4x8x3xf32>
  return %0 : tensor<1x4x8x3xf32>
}
}

// -----

// expected-remark @below {{0 rewritten}}
module {
func.func @dynamic_query_heads(%q: tensor<1x?x8x2xf32>, %k: tensor<1x8x2xf32>, %v: tensor<1x4x8x3xf32>) -> tensor<1x4x8x3xf32> {
  %e = tensor.empty() : tensor<1x4x8x2xf32>
  %kb = linalg.broadcast ins(%k : tensor<1x8x2xf32>) outs(%e : tensor<1x4x8x2xf32>) dimensions = [1]
  // expected-remark @below {{the approximation needs a static head extent of the query}}
  %0 = attn.mha %q, %kb, %v scale(0.5)
      : tensor<1x?x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x3xf32> -> tensor<1x4x8x3xf32>
  return %0 : tensor<1x4x8x3xf32>
}
}
