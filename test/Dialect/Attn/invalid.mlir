// Every verifier message of the attention ops, one case each.
// RUN: uniform-opt %s --split-input-file --verify-diagnostics

func.func @unsupported_i32(%q: tensor<1x2x8x4xi32>, %k: tensor<1x2x8x4xi32>, %v: tensor<1x2x8x4xi32>) -> tensor<1x2x8x4xi32> {
  // expected-error @+1 {{'attn.mha' op query element type 'i32' is not supported; expected f16, bf16 or f32}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xi32>, tensor<1x2x8x4xi32>, tensor<1x2x8x4xi32> -> tensor<1x2x8x4xi32>
  return %0 : tensor<1x2x8x4xi32>
}

// -----

func.func @unsupported_f64(%q: tensor<1x8x4xf64>, %k: tensor<1x8x4xf64>, %v: tensor<1x2x8x4xf64>) -> tensor<1x2x8x4xf64> {
  // expected-error @+1 {{'attn.reuse' op query element type 'f64' is not supported; expected f16, bf16 or f32}}
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x8x4xf64>, tensor<1x8x4xf64>, tensor<1x2x8x4xf64> -> tensor<1x2x8x4xf64>
  return %0 : tensor<1x2x8x4xf64>
}

// -----

func.func @mixed_key(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf16>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op key element type 'f16' does not match query element type 'f32' (key: 'tensor<1x2x8x4xf16>', query: 'tensor<1x2x8x4xf32>')}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf16>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @mixed_value(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xbf16>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op value element type 'bf16' does not match query element type 'f32'}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xbf16> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @mixed_result(%q: tensor<1x8x4xf16>, %k: tensor<1x8x4xf16>, %v: tensor<1x2x8x4xf16>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op result element type 'f32' does not match query element type 'f16'}}
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x8x4xf16>, tensor<1x8x4xf16>, tensor<1x2x8x4xf16> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @mixed_bias(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>, %b: tensor<8x8xf16>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op bias element type 'f16' does not match query element type 'f32' (bias: 'tensor<8x8xf16>', query: 'tensor<1x8x4xf32>')}}
  %0 = attn.reuse %q, %k, %v bias(%b : tensor<8x8xf16>) scale(0.25)
      : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @mha_query_rank(%q: tensor<2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op query must have rank 4 [B, H, N, Dk], but has type 'tensor<2x8x4xf32>'}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @mha_key_rank(%q: tensor<1x2x8x4xf32>, %k: tensor<2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op key must have rank 4 [B, H, M, Dk], but has type 'tensor<2x8x4xf32>'}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @mha_value_rank(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op value must have rank 4 [B, H, M, Dv], but has type 'tensor<1x1x2x8x4xf32>'}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @mha_result_rank(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op result must have rank 4 [B, H, N, Dv], but has type 'tensor<2x8x4xf32>'}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<2x8x4xf32>
  return %0 : tensor<2x8x4xf32>
}

// -----

func.func @reuse_query_rank(%q: tensor<1x2x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op query must have rank 3 [B, N, Dk], but has type 'tensor<1x2x8x4xf32>'}}
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @reuse_key_rank(%q: tensor<1x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op key must have rank 3 [B, M, Dk], but has type 'tensor<1x2x8x4xf32>'}}
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @reuse_value_rank(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op value must have rank 4 [B, H, M, Dv], but has type 'tensor<2x8x4xf32>'}}
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @reuse_result_rank(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op result must have rank 4 [B, H, N, Dv], but has type 'tensor<8x4xf32>'}}
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<8x4xf32>
  return %0 : tensor<8x4xf32>
}

// -----

func.func @mha_batch(%q: tensor<1x2x8x4xf32>, %k: tensor<3x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op key batch size (B) 3 does not match query batch size 1 (key: 'tensor<3x2x8x4xf32>', query: 'tensor<1x2x8x4xf32>')}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<3x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @mha_heads(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x3x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op value head count (H) 3 does not match query head count 2 (value: 'tensor<1x3x8x4xf32>', query: 'tensor<1x2x8x4xf32>')}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x3x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @mha_query_len(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x9x4xf32> {
  // expected-error @+1 {{'attn.mha' op result query length (N) 9 does not match query query length 8 (result: 'tensor<1x2x9x4xf32>', query: 'tensor<1x2x8x4xf32>')}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x9x4xf32>
  return %0 : tensor<1x2x9x4xf32>
}

// -----

func.func @mha_key_len(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x7x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op value key length (M) 8 does not match key key length 7 (value: 'tensor<1x2x8x4xf32>', key: 'tensor<1x2x7x4xf32>')}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x7x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @mha_key_depth(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x5xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op key key depth (Dk) 5 does not match query key depth 4 (key: 'tensor<1x2x8x5xf32>', query: 'tensor<1x2x8x4xf32>')}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x5xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @mha_value_depth(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x6xf32> {
  // expected-error @+1 {{'attn.mha' op result value depth (Dv) 6 does not match value value depth 4 (result: 'tensor<1x2x8x6xf32>', value: 'tensor<1x2x8x4xf32>')}}
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x6xf32>
  return %0 : tensor<1x2x8x6xf32>
}

// -----

func.func @reuse_heads(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x4x8x4xf32>) -> tensor<1x3x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op result head count (H) 3 does not match value head count 4 (result: 'tensor<1x3x8x4xf32>', value: 'tensor<1x4x8x4xf32>')}}
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x4x8x4xf32> -> tensor<1x3x8x4xf32>
  return %0 : tensor<1x3x8x4xf32>
}

// -----

func.func @reuse_batch_through_dynamic(%q: tensor<2x8x4xf32>, %k: tensor<?x8x4xf32>, %v: tensor<?x4x8x4xf32>) -> tensor<1x4x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op result batch size (B) 1 does not match query batch size 2}}
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<2x8x4xf32>, tensor<?x8x4xf32>, tensor<?x4x8x4xf32> -> tensor<1x4x8x4xf32>
  return %0 : tensor<1x4x8x4xf32>
}

// -----

func.func @reuse_key_len(%q: tensor<1x8x4xf32>, %k: tensor<1x6x4xf32>, %v: tensor<1x4x7x4xf32>) -> tensor<1x4x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op value key length (M) 7 does not match key key length 6 (value: 'tensor<1x4x7x4xf32>', key: 'tensor<1x6x4xf32>')}}
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x8x4xf32>, tensor<1x6x4xf32>, tensor<1x4x7x4xf32> -> tensor<1x4x8x4xf32>
  return %0 : tensor<1x4x8x4xf32>
}

// -----

func.func @reuse_query_len(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x9x4xf32> {
  // expected-error @+1 {{'attn.reuse' op result query length (N) 9 does not match query query length 8}}
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x9x4xf32>
  return %0 : tensor<1x2x9x4xf32>
}

// -----

func.func @reuse_key_depth(%q: tensor<1x8x4xf32>, %k: tensor<1x8x3xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op key key depth (Dk) 3 does not match query key depth 4}}
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x8x4xf32>, tensor<1x8x3xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @bias_rank(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %b: tensor<2x1x2x8x8xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op bias of type 'tensor<2x1x2x8x8xf32>' has rank 5, more than the rank 4 of the scores [B, H, N, M] = [1, 2, 8, 8]}}
  %0 = attn.mha %q, %k, %v bias(%b : tensor<2x1x2x8x8xf32>) scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @bias_broadcast_heads(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>, %b: tensor<3x8x8xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op bias of type 'tensor<3x8x8xf32>' is not broadcastable to the scores [B, H, N, M] = [1, 2, 8, 8]: bias dimension 0 has extent 3, expected 1 or 2 (H)}}
  %0 = attn.mha %q, %k, %v bias(%b : tensor<3x8x8xf32>) scale(0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @bias_broadcast_keys(%q: tensor<1x8x4xf32>, %k: tensor<1x6x4xf32>, %v: tensor<1x2x6x4xf32>, %b: tensor<8x8xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op bias of type 'tensor<8x8xf32>' is not broadcastable to the scores [B, N, M] = [1, 8, 6]: bias dimension 1 has extent 8, expected 1 or 6 (M)}}
  %0 = attn.reuse %q, %k, %v bias(%b : tensor<8x8xf32>) scale(0.25)
      : tensor<1x8x4xf32>, tensor<1x6x4xf32>, tensor<1x2x6x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @scale_negative(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op scale must be finite and positive, but is -0.25}}
  %0 = attn.mha %q, %k, %v scale(-0.25)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @scale_zero(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op scale must be finite and positive, but is 0}}
  %0 = attn.reuse %q, %k, %v scale(0.0)
      : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @scale_inf(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op scale must be finite and positive, but is +Inf}}
  %0 = attn.reuse %q, %k, %v scale(0x7F800000)
      : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @scale_nan(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.mha' op scale must be finite and positive, but is NaN}}
  %0 = attn.mha %q, %k, %v scale(0x7FC00000)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

// Unranked tensors are rejected by the operand constraints.
func.func @unranked(%q: tensor<*xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op operand #0 must be ranked tensor of any type values, but got 'tensor<*xf32>'}}
  %0 = "attn.reuse"(%q, %k, %v) <{scale = 1.0 : f32}> : (tensor<*xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

// The scale is an f32 attribute.
func.func @scale_f64(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op attribute 'scale' failed to satisfy constraint: 32-bit float attribute}}
  %0 = "attn.reuse"(%q, %k, %v) <{scale = 1.0 : f64}> : (tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

func.func @missing_scale(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-error @+1 {{'attn.reuse' op requires attribute 'scale'}}
  %0 = "attn.reuse"(%q, %k, %v) : (tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}
