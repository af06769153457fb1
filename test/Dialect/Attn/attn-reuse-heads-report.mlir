// attn-reuse-heads{report=true}: a remark for every rewrite and for every
// candidate left unchanged, saying why; and the pass totals on the module.
// RUN: uniform-opt %s --split-input-file --attn-reuse-heads=report=true --verify-diagnostics
// Without report=true the pass is silent.
// RUN: uniform-opt %s --split-input-file --attn-reuse-heads 2>&1 | FileCheck %s --check-prefix=QUIET
// QUIET-NOT: remark:

// expected-remark @below {{attn-reuse-heads: 1 rewritten, 4 heads merged, 3 attention matrices removed per batch item, 0 approximate, 0 candidates rejected}}
module {
func.func @rewritten(%q: tensor<2x49x16xf32>, %v: tensor<2x4x49x32xf32>) -> tensor<2x4x49x32xf32> {
  %e = tensor.empty() : tensor<2x4x49x16xf32>
  %qb = linalg.broadcast ins(%q : tensor<2x49x16xf32>) outs(%e : tensor<2x4x49x16xf32>) dimensions = [1]
  // expected-remark @below {{attention rewritten into attn.reuse: 4 heads share one attention matrix, 3 attention matrices removed per batch item}}
  %0 = attn.mha %qb, %qb, %v scale(0.25)
      : tensor<2x4x49x16xf32>, tensor<2x4x49x16xf32>, tensor<2x4x49x32xf32> -> tensor<2x4x49x32xf32>
  return %0 : tensor<2x4x49x32xf32>
}
}

// -----

// Distinct queries: genuine multi-head attention.
// expected-remark @below {{0 rewritten, 0 heads merged, 0 attention matrices removed per batch item, 0 approximate, 1 candidates rejected}}
module {
func.func @distinct_queries(%q: tensor<1x4x8x4xf32>, %k: tensor<1x4x8x4xf32>, %v: tensor<1x4x8x4xf32>) -> tensor<1x4x8x4xf32> {
  // expected-remark @below {{attn.mha not rewritten: queries are not provably identical across heads: it is function argument #0}}
  %0 = attn.mha %q, %k, %v scale(0.5)
      : tensor<1x4x8x4xf32>, tensor<1x4x8x4xf32>, tensor<1x4x8x4xf32> -> tensor<1x4x8x4xf32>
  return %0 : tensor<1x4x8x4xf32>
}
}

// -----

// Shared queries, distinct keys.
// expected-remark @below {{1 candidates rejected}}
module {
func.func @distinct_keys(%q: tensor<1x8x4xf32>, %k: tensor<1x4x8x4xf32>, %v: tensor<1x4x8x4xf32>) -> tensor<1x4x8x4xf32> {
  %e = tensor.empty() : tensor<1x4x8x4xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x8x4xf32>) outs(%e : tensor<1x4x8x4xf32>) dimensions = [1]
  // expected-remark @below {{attn.mha not rewritten: keys are not provably identical across heads: it is function argument #1}}
  %0 = attn.mha %qb, %k, %v scale(0.5)
      : tensor<1x4x8x4xf32>, tensor<1x4x8x4xf32>, tensor<1x4x8x4xf32> -> tensor<1x4x8x4xf32>
  return %0 : tensor<1x4x8x4xf32>
}
}

// -----

// A per-head bias (EfficientViT's cascaded group attention has one bias row
// per head).
// expected-remark @below {{1 candidates rejected}}
module {
func.func @per_head_bias(%q: tensor<1x8x4xf32>, %v: tensor<1x4x8x4xf32>, %b: tensor<4x8x8xf32>) -> tensor<1x4x8x4xf32> {
  %e = tensor.empty() : tensor<1x4x8x4xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x8x4xf32>) outs(%e : tensor<1x4x8x4xf32>) dimensions = [1]
  // expected-remark @below {{attn.mha not rewritten: bias is not provably identical across heads: it is function argument #2}}
  %0 = attn.mha %qb, %qb, %v bias(%b : tensor<4x8x8xf32>) scale(0.5)
      : tensor<1x4x8x4xf32>, tensor<1x4x8x4xf32>, tensor<1x4x8x4xf32> -> tensor<1x4x8x4xf32>
  return %0 : tensor<1x4x8x4xf32>
}
}

// -----

// A dense bias whose per-head slices differ in one element.
// expected-remark @below {{1 candidates rejected}}
module {
func.func @dense_slices_differ(%q: tensor<1x2x2xf32>, %v: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x2x2xf32>) outs(%e : tensor<1x2x2x2xf32>) dimensions = [1]
  %b = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 5.0]]]> : tensor<2x2x2xf32>
  // expected-remark @below {{attn.mha not rewritten: bias is not provably identical across heads: it is a constant whose slices 0 and 1 differ}}
  %0 = attn.mha %qb, %qb, %v bias(%b : tensor<2x2x2xf32>) scale(0.5)
      : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x4xf32> -> tensor<1x2x2x4xf32>
  return %0 : tensor<1x2x2x4xf32>
}
}

// -----

// A generic whose body uses the head index is not head-invariant.
// expected-remark @below {{1 candidates rejected}}
module {
func.func @generic_uses_head_index(%x: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %e = tensor.empty() : tensor<1x2x8x4xf32>
  %qb = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>],
                        iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x4xf32>) outs(%e : tensor<1x2x8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %h = linalg.index 1 : index
    %hi = arith.index_cast %h : index to i32
    %hf = arith.sitofp %hi : i32 to f32
    %r = arith.addf %in, %hf : f32
    linalg.yield %r : f32
  } -> tensor<1x2x8x4xf32>
  // expected-remark @below {{attn.mha not rewritten: queries are not provably identical across heads: it is produced by a 'linalg.generic' whose body uses the head index}}
  %0 = attn.mha %qb, %qb, %v scale(0.5)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}
}

// -----

// Grouped-query attention in per-head form: the keys are shared, the queries
// are not. Each op is explained against the other.
// expected-remark @below {{2 candidates rejected}}
module {
func.func @grouped_query(%q0: tensor<1x8x4xf32>, %q1: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>,
                         %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-remark @below {{attn-reuse-heads-report.mlir":115:8): queries differ (the keys are shared, as in grouped-query attention, but the attention matrix is not)}}
  %0 = attn.reuse %q0, %k, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  // expected-remark @below {{attention not merged: no other attention op computes the same matrix}}
  %1 = attn.reuse %q1, %k, %v1 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %c = tensor.concat dim(1) %0, %1 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %c : tensor<1x2x8x4xf32>
}
}

// -----

// expected-remark @below {{2 candidates rejected}}
module {
func.func @keys_differ(%q: tensor<1x8x4xf32>, %k0: tensor<1x8x4xf32>, %k1: tensor<1x8x4xf32>,
                       %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-remark @below {{keys differ)}}
  %0 = attn.reuse %q, %k0, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  // expected-remark @below {{keys differ)}}
  %1 = attn.reuse %q, %k1, %v1 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %c = tensor.concat dim(1) %0, %1 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %c : tensor<1x2x8x4xf32>
}
}

// -----

// expected-remark @below {{2 candidates rejected}}
module {
func.func @different_scales(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>,
                            %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-remark @below {{scales differ)}}
  %0 = attn.reuse %q, %k, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  // expected-remark @below {{scales differ)}}
  %1 = attn.reuse %q, %k, %v1 scale(0.25) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %c = tensor.concat dim(1) %0, %1 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %c : tensor<1x2x8x4xf32>
}
}

// -----

// expected-remark @below {{2 candidates rejected}}
module {
func.func @biases_differ(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %b0: tensor<8x8xf32>, %b1: tensor<8x8xf32>,
                         %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32> {
  // expected-remark @below {{biases differ)}}
  %0 = attn.reuse %q, %k, %v0 bias(%b0 : tensor<8x8xf32>) scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  // expected-remark @below {{biases differ)}}
  %1 = attn.reuse %q, %k, %v1 bias(%b1 : tensor<8x8xf32>) scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %c = tensor.concat dim(1) %0, %1 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %c : tensor<1x2x8x4xf32>
}
}

// -----

// Cascaded attention over one shared matrix: head 1's value is computed
// from head 0's result, so one op cannot compute both. The remark names the
// chain; nothing changes.
// expected-remark @below {{attn-reuse-heads: 0 rewritten, 0 heads merged, 0 attention matrices removed per batch item, 0 approximate, 1 candidates rejected}}
module {
func.func @cascade(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>,
                   %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  %0 = attn.reuse %q, %k, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %a = tosa.add %v1, %0 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  // expected-remark @below {{attn-reuse-heads-report.mlir":175:8) through 'attn.reuse' -> 'tosa.add' -> 'attn.reuse' (cascaded attention: merging would break the chain)}}
  %1 = attn.reuse %q, %k, %a scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  return %1 : tensor<1x1x8x4xf32>
}
}

// -----

// A head's result is stored before another head's value is computed: the
// store cannot move below the merged op.
// expected-remark @below {{1 candidates rejected}}
module {
func.func @effectful_use(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v0: tensor<1x1x8x4xf32>,
                         %v1: tensor<1x1x8x4xf32>, %m: memref<1x1x8x4xf32>) -> tensor<1x1x8x4xf32> {
  %0 = attn.reuse %q, %k, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  bufferization.materialize_in_destination %0 in writable %m : (tensor<1x1x8x4xf32>, memref<1x1x8x4xf32>) -> ()
  %v = arith.negf %v1 : tensor<1x1x8x4xf32>
  // expected-remark @below {{attention ops that share one matrix not merged: the result of a head is used by 'bufferization.materialize_in_destination', which has side effects, before another head's value is computed}}
  %1 = attn.reuse %q, %k, %v scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  return %1 : tensor<1x1x8x4xf32>
}
}

// -----

// The merged group and a multi-head op in one module: per-op remarks and the
// totals.
// expected-remark @below {{attn-reuse-heads: 1 rewritten, 3 heads merged, 2 attention matrices removed per batch item, 0 approximate, 1 candidates rejected}}
module {
func.func @mixed(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v0: tensor<1x1x8x4xf32>,
                 %v1: tensor<1x1x8x4xf32>, %v2: tensor<1x1x8x4xf32>, %qm: tensor<1x2x8x4xf32>)
    -> (tensor<1x3x8x4xf32>, tensor<1x2x8x4xf32>) {
  // expected-remark @below {{attention rewritten into attn.reuse: 3 heads share one attention matrix, 2 attention matrices removed per batch item}}
  %0 = attn.reuse %q, %k, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %1 = attn.reuse %q, %k, %v1 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %2 = attn.reuse %q, %k, %v2 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %c = tensor.concat dim(1) %0, %1, %2 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x3x8x4xf32>
  // expected-remark @below {{attn.mha not rewritten: queries are not provably identical across heads: it is function argument #5}}
  %m = attn.mha %qm, %qm, %qm scale(0.5) : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %c, %m : tensor<1x3x8x4xf32>, tensor<1x2x8x4xf32>
}
}

// -----

// Head counts are static extents, up to INT64_MAX; the totals saturate
// instead of overflowing (found by uniform-fuzz-mlir under UBSan).
// expected-remark @below {{attn-reuse-heads: 2 rewritten, 9223372036854775807 heads merged, 9223372036854775807 attention matrices removed per batch item, 0 approximate, 0 candidates rejected}}
module {
func.func @huge_head_counts(%q: tensor<1x8x4xf32>, %v: tensor<1x9223372036854775807x8x4xf32>)
    -> (tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32>) {
  %e = tensor.empty() : tensor<1x9223372036854775807x8x4xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x8x4xf32>) outs(%e : tensor<1x9223372036854775807x8x4xf32>) dimensions = [1]
  // expected-remark @below {{attention rewritten into attn.reuse: 9223372036854775807 heads share one attention matrix, 9223372036854775806 attention matrices removed per batch item}}
  %0 = attn.mha %qb, %qb, %v scale(0.5)
      : tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32> -> tensor<1x9223372036854775807x8x4xf32>
  // expected-remark @below {{attention rewritten into attn.reuse: 9223372036854775807 heads share one attention matrix, 9223372036854775806 attention matrices removed per batch item}}
  %1 = attn.mha %qb, %qb, %v scale(0.25)
      : tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32> -> tensor<1x9223372036854775807x8x4xf32>
  return %0, %1 : tensor<1x9223372036854775807x8x4xf32>, tensor<1x9223372036854775807x8x4xf32>
}
}

// -----

// Shared queries and keys, but a dimension of extent 0: nothing to share
// (slicing head 0 of an empty tensor would not verify; the fuzz corpus's
// reuse-heads-empty-head-dim.mlir).
// expected-remark @below {{0 rewritten, 0 heads merged, 0 attention matrices removed per batch item, 0 approximate, 1 candidates rejected}}
module {
func.func @empty(%q: tensor<2x49x0xf32>, %v: tensor<2x4x49x32xf32>) -> tensor<2x4x49x32xf32> {
  %e = tensor.empty() : tensor<2x4x49x0xf32>
  %qb = linalg.broadcast ins(%q : tensor<2x49x0xf32>) outs(%e : tensor<2x4x49x0xf32>) dimensions = [1]
  // expected-remark @below {{attn.mha not rewritten: it is empty (an operand has a dimension of extent 0)}}
  %0 = attn.mha %qb, %qb, %v scale(0.25)
      : tensor<2x4x49x0xf32>, tensor<2x4x49x0xf32>, tensor<2x4x49x32xf32> -> tensor<2x4x49x32xf32>
  return %0 : tensor<2x4x49x32xf32>
}
}

// -----

// Separate attn.reuse ops that share one matrix but whose values are empty
// (value width 0): nothing to merge (slicing each head back out of the
// merged result would not verify; the fuzz corpus's
// reuse-heads-merge-empty-values.mlir).
// expected-remark @below {{0 rewritten, 0 heads merged, 0 attention matrices removed per batch item, 0 approximate, 2 candidates rejected}}
module {
func.func @merge_empty(%q: tensor<2x8x4xf32>, %v0: tensor<2x1x8x0xf32>,
                       %v1: tensor<2x1x8x0xf32>) -> tensor<2x1x8x0xf32> {
  // expected-remark @below {{attention not merged into a shared matrix: it is empty (a dimension of extent 0)}}
  %0 = attn.reuse %q, %q, %v0 scale(0.5) : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x1x8x0xf32> -> tensor<2x1x8x0xf32>
  // expected-remark @below {{attention not merged into a shared matrix: it is empty (a dimension of extent 0)}}
  %1 = attn.reuse %q, %q, %v1 scale(0.5) : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x1x8x0xf32> -> tensor<2x1x8x0xf32>
  %2 = arith.addf %0, %1 : tensor<2x1x8x0xf32>
  return %2 : tensor<2x1x8x0xf32>
}
}
