// attn-reuse-heads{allow-approximation=true}: genuine multi-head attention is
// merged by averaging query, key and bias over the head axis, with a warning
// on every such rewrite. Without the option the same IR is left unchanged.
// RUN: uniform-opt %s --split-input-file --attn-reuse-heads=allow-approximation=true --verify-diagnostics | FileCheck %s
// RUN: uniform-opt %s --split-input-file --attn-reuse-heads 2>/dev/null | FileCheck %s --check-prefix=EXACT

// CHECK-DAG:   #[[ID:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[DROP_H:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG:   #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[DROP_H3:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func.func @mean_of_heads(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<1x4x8x2xf32>, %[[K:[a-z0-9]+]]: tensor<1x4x8x2xf32>, %[[V:[a-z0-9]+]]: tensor<1x4x8x3xf32>, %[[B:[a-z0-9]+]]: tensor<4x8x8xf32>
// CHECK:         %[[QM:.+]] = linalg.generic {indexing_maps = [#[[ID]], #[[DROP_H]]], iterator_types = ["parallel", "reduction", "parallel", "parallel"]} ins(%[[Q]] : tensor<1x4x8x2xf32>)
// CHECK:           %[[QUARTER:.+]] = arith.constant 2.500000e-01 : f32
// CHECK:           %[[MUL:.+]] = arith.mulf %{{.*}}, %[[QUARTER]]
// CHECK:           arith.addf %{{.*}}, %[[MUL]]
// CHECK:         %[[KM:.+]] = linalg.generic {{.*}} ins(%[[K]] : tensor<1x4x8x2xf32>)
// CHECK:         %[[BM:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[DROP_H3]]], iterator_types = ["reduction", "parallel", "parallel"]} ins(%[[B]] : tensor<4x8x8xf32>)
// CHECK:         attn.reuse %[[QM]], %[[KM]], %[[V]] bias(%[[BM]] : tensor<8x8xf32>) scale(5.000000e-01) : tensor<1x8x2xf32>, tensor<1x8x2xf32>, tensor<1x4x8x3xf32> -> tensor<1x4x8x3xf32>
// EXACT-LABEL: func.func @mean_of_heads(
// EXACT:         attn.mha
// EXACT-NOT:     attn.reuse
func.func @mean_of_heads(%q: tensor<1x4x8x2xf32>, %k: tensor<1x4x8x2xf32>,
                         %v: tensor<1x4x8x3xf32>, %b: tensor<4x8x8xf32>) -> tensor<1x4x8x3xf32> {
  // expected-warning @below {{approximate rewrite: queries, keys and bias of 4 heads were replaced by their mean over the head axis; results change (allow-approximation)}}
  %0 = attn.mha %q, %k, %v bias(%b : tensor<4x8x8xf32>) scale(0.5)
      : tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x3xf32> -> tensor<1x4x8x3xf32>
  return %0 : tensor<1x4x8x3xf32>
}

// -----

// Provably shared heads stay exact in approximation mode: no warning.
// EXACT-LABEL: func.func @exact_stays_exact(
// CHECK-LABEL: func.func @exact_stays_exact(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<1x8x2xf32>
// CHECK-NOT:     linalg.generic
// CHECK:         attn.reuse %[[Q]], %[[Q]]
func.func @exact_stays_exact(%q: tensor<1x8x2xf32>, %v: tensor<1x4x8x3xf32>) -> tensor<1x4x8x3xf32> {
  %e = tensor.empty() : tensor<1x4x8x2xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x8x2xf32>) outs(%e : tensor<1x4x8x2xf32>) dimensions = [1]
  %0 = attn.mha %qb, %qb, %v scale(0.5)
      : tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x3xf32> -> tensor<1x4x8x3xf32>
  return %0 : tensor<1x4x8x3xf32>
}

// -----

// Only what is not shared is averaged: a shared query is sliced exactly.
// EXACT-LABEL: func.func @partial(
// EXACT:         attn.mha
// CHECK-LABEL: func.func @partial(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<1x8x2xf32>, %[[K:[a-z0-9]+]]: tensor<1x4x8x2xf32>
// CHECK:         %[[KM:.+]] = linalg.generic {{.*}} ins(%[[K]] : tensor<1x4x8x2xf32>)
// CHECK:         attn.reuse %[[Q]], %[[KM]]
func.func @partial(%q: tensor<1x8x2xf32>, %k: tensor<1x4x8x2xf32>, %v: tensor<1x4x8x3xf32>) -> tensor<1x4x8x3xf32> {
  %e = tensor.empty() : tensor<1x4x8x2xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x8x2xf32>) outs(%e : tensor<1x4x8x2xf32>) dimensions = [1]
  // expected-warning @below {{approximate rewrite}}
  %0 = attn.mha %qb, %k, %v scale(0.5)
      : tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x3xf32> -> tensor<1x4x8x3xf32>
  return %0 : tensor<1x4x8x3xf32>
}

// -----

// A dynamic head count cannot be averaged: left unchanged.
// CHECK-LABEL: func.func @dynamic_heads(
// CHECK:         attn.mha
// CHECK-NOT:     attn.reuse
func.func @dynamic_heads(%q: tensor<1x?x8x2xf32>, %v: tensor<1x?x8x3xf32>) -> tensor<1x?x8x3xf32> {
  %0 = attn.mha %q, %q, %v scale(0.5)
      : tensor<1x?x8x2xf32>, tensor<1x?x8x2xf32>, tensor<1x?x8x3xf32> -> tensor<1x?x8x3xf32>
  return %0 : tensor<1x?x8x3xf32>
}

// -----

// A static head count but a bias whose head extent is dynamic: its mean
// cannot be built, so the op is left unchanged (this used to emit an
// attn.reuse whose bias was the keys' mean, which the verifier rejected).
// CHECK-LABEL: func.func @dynamic_bias_heads(
// CHECK:         attn.mha
// CHECK-NOT:     attn.reuse
func.func @dynamic_bias_heads(%q: tensor<1x8x2xf32>, %v: tensor<1x4x8x3xf32>, %b: tensor<?x8x8xf32>) -> tensor<1x4x8x3xf32> {
  %e = tensor.empty() : tensor<1x4x8x2xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x8x2xf32>) outs(%e : tensor<1x4x8x2xf32>) dimensions = [1]
  %0 = attn.mha %qb, %qb, %v bias(%b : tensor<?x8x8xf32>) scale(0.5)
      : tensor<1x4x8x2xf32>, tensor<1x4x8x2xf32>, tensor<1x4x8x3xf32> -> tensor<1x4x8x3xf32>
  return %0 : tensor<1x4x8x3xf32>
}
