// attn-reuse-heads: every proof form of shared heads and every per-head merge
// form. Each case checks the attn.mha or the per-head ops are gone and what
// the attn.reuse takes.
// RUN: uniform-opt %s --split-input-file --attn-reuse-heads | FileCheck %s
// Idempotence: a second run changes nothing.
// RUN: uniform-opt %s --split-input-file --attn-reuse-heads > %t.once.mlir
// RUN: uniform-opt %t.once.mlir --split-input-file --attn-reuse-heads > %t.twice.mlir
// RUN: diff %t.once.mlir %t.twice.mlir

// CHECK-LABEL: func.func @linalg_broadcast(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<2x49x16xf32>, %[[K:[a-z0-9]+]]: tensor<2x49x16xf32>, %[[V:[a-z0-9]+]]: tensor<2x4x49x32xf32>, %[[B:[a-z0-9]+]]: tensor<49x49xf32>
// CHECK-NOT:     attn.mha
// CHECK:         %[[R:.+]] = attn.reuse %[[Q]], %[[K]], %[[V]] bias(%[[B]] : tensor<49x49xf32>) scale(2.500000e-01) : tensor<2x49x16xf32>, tensor<2x49x16xf32>, tensor<2x4x49x32xf32> -> tensor<2x4x49x32xf32>
// CHECK-NOT:     attn.mha
// CHECK:         return %[[R]]
func.func @linalg_broadcast(%q: tensor<2x49x16xf32>, %k: tensor<2x49x16xf32>,
                            %v: tensor<2x4x49x32xf32>, %b: tensor<49x49xf32>)
    -> tensor<2x4x49x32xf32> {
  %e = tensor.empty() : tensor<2x4x49x16xf32>
  %qb = linalg.broadcast ins(%q : tensor<2x49x16xf32>) outs(%e : tensor<2x4x49x16xf32>) dimensions = [1]
  %kb = linalg.broadcast ins(%k : tensor<2x49x16xf32>) outs(%e : tensor<2x4x49x16xf32>) dimensions = [1]
  %0 = attn.mha %qb, %kb, %v bias(%b : tensor<49x49xf32>) scale(0.25)
      : tensor<2x4x49x16xf32>, tensor<2x4x49x16xf32>, tensor<2x4x49x32xf32> -> tensor<2x4x49x32xf32>
  return %0 : tensor<2x4x49x32xf32>
}

// -----

// A linalg.generic whose input map ignores H; expand_shape of a unit head
// followed by tosa.tile along H; a bias [B, 1, N, M] with head extent 1.
// CHECK-LABEL: func.func @generic_and_tile(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<2x49x16xf32>, %[[K:[a-z0-9]+]]: tensor<2x49x16xf32>, %[[V:[a-z0-9]+]]: tensor<2x4x49x32xf32>, %[[B:[a-z0-9]+]]: tensor<2x1x49x49xf32>
// CHECK:         %[[BC:.+]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1], [2], [3]] : tensor<2x1x49x49xf32> into tensor<2x49x49xf32>
// CHECK:         attn.reuse %[[Q]], %[[K]], %[[V]] bias(%[[BC]] : tensor<2x49x49xf32>)
// CHECK-NOT:     attn.mha
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

// -----

// A generic that scales a broadcast value is still head-invariant; the
// shared query is then head 0 of it.
// CHECK-LABEL: func.func @generic_compute(
// CHECK:         %[[G:.+]] = linalg.generic
// CHECK:         %[[S:.+]] = tensor.extract_slice %[[G]][0, 0, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1] : tensor<1x3x8x4xf32> to tensor<1x8x4xf32>
// CHECK:         attn.reuse %[[S]], %[[S]], %{{.*}} scale
#in3 = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#out4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @generic_compute(%x: tensor<1x8x4xf32>, %v: tensor<1x3x8x4xf32>) -> tensor<1x3x8x4xf32> {
  %e = tensor.empty() : tensor<1x3x8x4xf32>
  %qb = linalg.generic {indexing_maps = [#in3, #out4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x : tensor<1x8x4xf32>) outs(%e : tensor<1x3x8x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %two = arith.constant 2.0 : f32
    %m = arith.mulf %in, %two : f32
    linalg.yield %m : f32
  } -> tensor<1x3x8x4xf32>
  %0 = attn.mha %qb, %qb, %v scale(0.5)
      : tensor<1x3x8x4xf32>, tensor<1x3x8x4xf32>, tensor<1x3x8x4xf32> -> tensor<1x3x8x4xf32>
  return %0 : tensor<1x3x8x4xf32>
}

// -----

// tensor.concat of one value H times; splat constants (arith and tosa).
// CHECK-LABEL: func.func @concat_and_splats(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<1x1x8x4xf32>, %[[V:[a-z0-9]+]]: tensor<1x2x8x4xf32>
// CHECK-DAG:     %[[QC:.+]] = tensor.collapse_shape %[[Q]] {{\[}}[0, 1], [2], [3]] : tensor<1x1x8x4xf32> into tensor<1x8x4xf32>
// CHECK-DAG:     %[[K:.+]] = arith.constant dense<5.000000e-01> : tensor<1x8x4xf32>
// CHECK-DAG:     %[[B:.+]] = arith.constant dense<1.000000e+00> : tensor<1x8x8xf32>
// CHECK:         attn.reuse %[[QC]], %[[K]], %[[V]] bias(%[[B]] : tensor<1x8x8xf32>)
func.func @concat_and_splats(%q: tensor<1x1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %qc = tensor.concat dim(1) %q, %q : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32>
  %k = arith.constant dense<0.5> : tensor<1x2x8x4xf32>
  %b = "tosa.const"() {values = dense<1.0> : tensor<1x2x8x8xf32>} : () -> tensor<1x2x8x8xf32>
  %0 = attn.mha %qc, %k, %v bias(%b : tensor<1x2x8x8xf32>) scale(0.5)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}

// -----

// A dense relative-position bias [H, N, M] whose per-head slices are bitwise
// equal becomes its first slice.
// CHECK-LABEL: func.func @dense_equal_slices(
// CHECK:         %[[B:.+]] = arith.constant dense<{{\[}}[1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK:         attn.reuse {{.*}} bias(%[[B]] : tensor<2x2xf32>)
func.func @dense_equal_slices(%q: tensor<1x2x2xf32>, %v: tensor<1x2x2x4xf32>) -> tensor<1x2x2x4xf32> {
  %e = tensor.empty() : tensor<1x2x2x2xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x2x2xf32>) outs(%e : tensor<1x2x2x2xf32>) dimensions = [1]
  %b = arith.constant dense<[[[1.0, 2.0], [3.0, 4.0]], [[1.0, 2.0], [3.0, 4.0]]]> : tensor<2x2x2xf32>
  %0 = attn.mha %qb, %qb, %v bias(%b : tensor<2x2x2xf32>) scale(0.5)
      : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>, tensor<1x2x2x4xf32> -> tensor<1x2x2x4xf32>
  return %0 : tensor<1x2x2x4xf32>
}

// -----

// Transposes and elementwise ops of head-invariant values; a bias [H, N, M]
// broadcast along H.
// CHECK-LABEL: func.func @transpose_elementwise(
// CHECK-SAME:    %[[X:[a-z0-9]+]]: tensor<1x4x8xf32>, %{{.*}}: tensor<1x3x8x4xf32>, %[[B:[a-z0-9]+]]: tensor<8x8xf32>
// CHECK:         attn.reuse {{.*}} bias(%[[B]] : tensor<8x8xf32>)
// CHECK-NOT:     attn.mha
func.func @transpose_elementwise(%x: tensor<1x4x8xf32>, %v: tensor<1x3x8x4xf32>, %b: tensor<8x8xf32>) -> tensor<1x3x8x4xf32> {
  %e = tensor.empty() : tensor<1x3x4x8xf32>
  %xb = linalg.broadcast ins(%x : tensor<1x4x8xf32>) outs(%e : tensor<1x3x4x8xf32>) dimensions = [1]
  %q = tosa.transpose %xb {perms = array<i32: 0, 1, 3, 2>} : (tensor<1x3x4x8xf32>) -> tensor<1x3x8x4xf32>
  %k = arith.mulf %q, %q : tensor<1x3x8x4xf32>
  %eb = tensor.empty() : tensor<3x8x8xf32>
  %bb = linalg.broadcast ins(%b : tensor<8x8xf32>) outs(%eb : tensor<3x8x8xf32>) dimensions = [0]
  %0 = attn.mha %q, %k, %v bias(%bb : tensor<3x8x8xf32>) scale(0.5)
      : tensor<1x3x8x4xf32>, tensor<1x3x8x4xf32>, tensor<1x3x8x4xf32> -> tensor<1x3x8x4xf32>
  return %0 : tensor<1x3x8x4xf32>
}

// -----

// Dynamic shapes: the proof does not need static extents.
// CHECK-LABEL: func.func @dynamic(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<?x?x16xf16>, %[[K:[a-z0-9]+]]: tensor<?x?x16xf16>, %[[V:[a-z0-9]+]]: tensor<?x4x?x32xf16>
// CHECK:         attn.reuse %[[Q]], %[[K]], %[[V]] scale(1.250000e-01) : tensor<?x?x16xf16>, tensor<?x?x16xf16>, tensor<?x4x?x32xf16> -> tensor<?x4x?x32xf16>
func.func @dynamic(%q: tensor<?x?x16xf16>, %k: tensor<?x?x16xf16>, %v: tensor<?x4x?x32xf16>,
                   %eq: tensor<?x4x?x16xf16>, %ek: tensor<?x4x?x16xf16>) -> tensor<?x4x?x32xf16> {
  %qb = linalg.broadcast ins(%q : tensor<?x?x16xf16>) outs(%eq : tensor<?x4x?x16xf16>) dimensions = [1]
  %kb = linalg.broadcast ins(%k : tensor<?x?x16xf16>) outs(%ek : tensor<?x4x?x16xf16>) dimensions = [1]
  %0 = attn.mha %qb, %kb, %v scale(0.125)
      : tensor<?x4x?x16xf16>, tensor<?x4x?x16xf16>, tensor<?x4x?x32xf16> -> tensor<?x4x?x32xf16>
  return %0 : tensor<?x4x?x32xf16>
}

// -----

// Per-head attn.mha (H = 1) concatenated along the head axis.
// CHECK-LABEL: func.func @per_head_mha_head_axis(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<2x1x49x16xf32>, %[[K:[a-z0-9]+]]: tensor<2x1x49x16xf32>, %[[V0:[a-z0-9]+]]: tensor<2x1x49x8xf32>, %[[V1:[a-z0-9]+]]: tensor<2x1x49x8xf32>, %[[V2:[a-z0-9]+]]: tensor<2x1x49x8xf32>, %[[B:[a-z0-9]+]]: tensor<1x49x49xf32>
// CHECK-DAG:     %[[VS:.+]] = tensor.concat dim(1) %[[V0]], %[[V1]], %[[V2]] : {{.*}} -> tensor<2x3x49x8xf32>
// CHECK-DAG:     %[[QC:.+]] = tensor.collapse_shape %[[Q]] {{\[}}[0, 1], [2], [3]]
// CHECK-DAG:     %[[KC:.+]] = tensor.collapse_shape %[[K]] {{\[}}[0, 1], [2], [3]]
// CHECK-DAG:     %[[BC:.+]] = tensor.collapse_shape %[[B]] {{\[}}[0, 1], [2]] : tensor<1x49x49xf32> into tensor<49x49xf32>
// CHECK:         %[[R:.+]] = attn.reuse %[[QC]], %[[KC]], %[[VS]] bias(%[[BC]] : tensor<49x49xf32>) scale(2.500000e-01) : tensor<2x49x16xf32>, tensor<2x49x16xf32>, tensor<2x3x49x8xf32> -> tensor<2x3x49x8xf32>
// CHECK-NOT:     attn.mha
// CHECK:         return %[[R]] : tensor<2x3x49x8xf32>
func.func @per_head_mha_head_axis(%q: tensor<2x1x49x16xf32>, %k: tensor<2x1x49x16xf32>,
                                  %v0: tensor<2x1x49x8xf32>, %v1: tensor<2x1x49x8xf32>,
                                  %v2: tensor<2x1x49x8xf32>, %b: tensor<1x49x49xf32>)
    -> tensor<2x3x49x8xf32> {
  %0 = attn.mha %q, %k, %v0 bias(%b : tensor<1x49x49xf32>) scale(0.25) : tensor<2x1x49x16xf32>, tensor<2x1x49x16xf32>, tensor<2x1x49x8xf32> -> tensor<2x1x49x8xf32>
  %1 = attn.mha %q, %k, %v1 bias(%b : tensor<1x49x49xf32>) scale(0.25) : tensor<2x1x49x16xf32>, tensor<2x1x49x16xf32>, tensor<2x1x49x8xf32> -> tensor<2x1x49x8xf32>
  %2 = attn.mha %q, %k, %v2 bias(%b : tensor<1x49x49xf32>) scale(0.25) : tensor<2x1x49x16xf32>, tensor<2x1x49x16xf32>, tensor<2x1x49x8xf32> -> tensor<2x1x49x8xf32>
  %c = tensor.concat dim(1) %0, %1, %2 : (tensor<2x1x49x8xf32>, tensor<2x1x49x8xf32>, tensor<2x1x49x8xf32>) -> tensor<2x3x49x8xf32>
  return %c : tensor<2x3x49x8xf32>
}

// -----

// Per-head attn.reuse concatenated along the channel axis with tosa.concat:
// the concatenation becomes one transpose of the merged result and a
// reshape back to [B, 1, N, H*Dv].
// CHECK-LABEL: func.func @per_head_reuse_channel_axis(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<1x8x4xf32>, %[[K:[a-z0-9]+]]: tensor<1x8x4xf32>, %[[V0:[a-z0-9]+]]: tensor<1x1x8x4xf32>, %[[V1:[a-z0-9]+]]: tensor<1x1x8x4xf32>
// CHECK:         %[[VS:.+]] = tensor.concat dim(1) %[[V0]], %[[V1]]
// CHECK:         %[[R:.+]] = attn.reuse %[[Q]], %[[K]], %[[VS]] scale(5.000000e-01) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
// CHECK:         %[[T:.+]] = linalg.transpose ins(%[[R]] : tensor<1x2x8x4xf32>) outs(%{{.*}} : tensor<1x8x2x4xf32>) permutation = [0, 2, 1, 3]
// CHECK:         %[[C:.+]] = tensor.collapse_shape %[[T]] {{\[}}[0], [1], [2, 3]] : tensor<1x8x2x4xf32> into tensor<1x8x8xf32>
// CHECK:         %[[E:.+]] = tensor.expand_shape %[[C]] {{\[}}[0], [1, 2], [3]] output_shape [1, 1, 8, 8] : tensor<1x8x8xf32> into tensor<1x1x8x8xf32>
// CHECK-NOT:     tosa.concat
// CHECK-NOT:     tensor.extract_slice
// CHECK:         return %[[E]]
func.func @per_head_reuse_channel_axis(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>,
                                       %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>)
    -> tensor<1x1x8x8xf32> {
  %0 = attn.reuse %q, %k, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %1 = attn.reuse %q, %k, %v1 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %c = tosa.concat %0, %1 {axis = 3 : i32} : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x8xf32>
  return %c : tensor<1x1x8x8xf32>
}

// -----

// The UniForm layout after import: per-head results squeezed to [B, N, Dv]
// and concatenated along channels. The per-head queries are separate
// tosa.transpose ops of one input, which CSE would merge.
// CHECK-LABEL: func.func @per_head_squeezed_cse_equivalent(
// CHECK:         %[[Q0:.+]] = tosa.transpose
// CHECK:         %[[VS:.+]] = tensor.concat dim(1)
// CHECK:         %[[R:.+]] = attn.reuse %[[Q0]], %{{.*}}, %[[VS]] scale(5.000000e-01)
// CHECK:         %[[T:.+]] = linalg.transpose ins(%[[R]] : tensor<1x2x8x4xf32>) {{.*}} permutation = [0, 2, 1, 3]
// CHECK:         %[[C:.+]] = tensor.collapse_shape %[[T]] {{\[}}[0], [1], [2, 3]] : tensor<1x8x2x4xf32> into tensor<1x8x8xf32>
// CHECK-NOT:     attn.reuse
// CHECK-NOT:     tosa.concat
// CHECK:         return %[[C]]
func.func @per_head_squeezed_cse_equivalent(%x: tensor<1x4x8xf32>, %k: tensor<1x8x4xf32>,
                                            %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>)
    -> tensor<1x8x8xf32> {
  %q0 = tosa.transpose %x {perms = array<i32: 0, 2, 1>} : (tensor<1x4x8xf32>) -> tensor<1x8x4xf32>
  %q1 = tosa.transpose %x {perms = array<i32: 0, 2, 1>} : (tensor<1x4x8xf32>) -> tensor<1x8x4xf32>
  %0 = attn.reuse %q0, %k, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %1 = attn.reuse %q1, %k, %v1 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %s0 = tensor.collapse_shape %0 [[0, 1], [2], [3]] : tensor<1x1x8x4xf32> into tensor<1x8x4xf32>
  %s1 = tensor.collapse_shape %1 [[0, 1], [2], [3]] : tensor<1x1x8x4xf32> into tensor<1x8x4xf32>
  %c = tosa.concat %s0, %s1 {axis = 2 : i32} : (tensor<1x8x4xf32>, tensor<1x8x4xf32>) -> tensor<1x8x8xf32>
  return %c : tensor<1x8x8xf32>
}

// -----

// An insert_slice chain that fills the head axis out of order: the merged
// result is the concatenation.
// CHECK-LABEL: func.func @per_head_insert_slice_chain(
// CHECK-SAME:    %{{.*}}: tensor<1x8x4xf32>, %{{.*}}: tensor<1x8x4xf32>, %[[V0:[a-z0-9]+]]: tensor<1x1x8x4xf32>, %[[V1:[a-z0-9]+]]: tensor<1x1x8x4xf32>
// CHECK:         %[[VS:.+]] = tensor.concat dim(1) %[[V0]], %[[V1]]
// CHECK:         %[[R:.+]] = attn.reuse {{.*}}, %[[VS]] scale
// CHECK-NOT:     tensor.insert_slice
// CHECK:         return %[[R]]
func.func @per_head_insert_slice_chain(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>,
                                       %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>)
    -> tensor<1x2x8x4xf32> {
  %0 = attn.reuse %q, %k, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %1 = attn.reuse %q, %k, %v1 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %e = tensor.empty() : tensor<1x2x8x4xf32>
  %i0 = tensor.insert_slice %1 into %e[0, 1, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1] : tensor<1x1x8x4xf32> into tensor<1x2x8x4xf32>
  %i1 = tensor.insert_slice %0 into %i0[0, 0, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1] : tensor<1x1x8x4xf32> into tensor<1x2x8x4xf32>
  return %i1 : tensor<1x2x8x4xf32>
}

// -----

// A three-insert chain: the values stack in block order, the inserts in
// offset order, and the whole chain is erased.
// CHECK-LABEL: func.func @per_head_insert_slice_chain3(
// CHECK-SAME:    %{{.*}}: tensor<1x8x4xf32>, %[[V0:[a-z0-9]+]]: tensor<1x1x8x4xf32>, %[[V1:[a-z0-9]+]]: tensor<1x1x8x4xf32>, %[[V2:[a-z0-9]+]]: tensor<1x1x8x4xf32>
// CHECK:         %[[VS:.+]] = tensor.concat dim(1) %[[V0]], %[[V1]], %[[V2]]
// CHECK:         %[[R:.+]] = attn.reuse {{.*}}, %[[VS]] scale
// CHECK-NOT:     tensor.insert_slice
// CHECK:         return %[[R]]
func.func @per_head_insert_slice_chain3(%q: tensor<1x8x4xf32>, %v0: tensor<1x1x8x4xf32>,
                                        %v1: tensor<1x1x8x4xf32>, %v2: tensor<1x1x8x4xf32>)
    -> tensor<1x3x8x4xf32> {
  %0 = attn.reuse %q, %q, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %1 = attn.reuse %q, %q, %v1 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %2 = attn.reuse %q, %q, %v2 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %e = tensor.empty() : tensor<1x3x8x4xf32>
  %i0 = tensor.insert_slice %2 into %e[0, 2, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1] : tensor<1x1x8x4xf32> into tensor<1x3x8x4xf32>
  %i1 = tensor.insert_slice %0 into %i0[0, 0, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1] : tensor<1x1x8x4xf32> into tensor<1x3x8x4xf32>
  %i2 = tensor.insert_slice %1 into %i1[0, 1, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1] : tensor<1x1x8x4xf32> into tensor<1x3x8x4xf32>
  return %i2 : tensor<1x3x8x4xf32>
}

// -----

// Heads consumed separately (each through its own op, then summed): one
// matrix, each head's result a slice of the merged result.
// CHECK-LABEL: func.func @heads_used_separately(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<2x8x4xf32>, %[[V0:[a-z0-9]+]]: tensor<2x1x8x4xf32>, %[[V1:[a-z0-9]+]]: tensor<2x1x8x4xf32>, %[[V2:[a-z0-9]+]]: tensor<2x1x8x4xf32>
// CHECK:         %[[VS:.+]] = tensor.concat dim(1) %[[V0]], %[[V1]], %[[V2]]
// CHECK:         %[[R:.+]] = attn.reuse %[[Q]], %[[Q]], %[[VS]] scale(5.000000e-01) : {{.*}} -> tensor<2x3x8x4xf32>
// CHECK-DAG:     %[[S0:.+]] = tensor.extract_slice %[[R]][0, 0, 0, 0] [2, 1, 8, 4] [1, 1, 1, 1]
// CHECK-DAG:     %[[S1:.+]] = tensor.extract_slice %[[R]][0, 1, 0, 0] [2, 1, 8, 4] [1, 1, 1, 1]
// CHECK-DAG:     %[[S2:.+]] = tensor.extract_slice %[[R]][0, 2, 0, 0] [2, 1, 8, 4] [1, 1, 1, 1]
// CHECK-DAG:     arith.mulf %[[S0]]
// CHECK-DAG:     arith.negf %[[S1]]
// CHECK-DAG:     arith.addf {{.*}}, %[[S2]]
// CHECK-NOT:     attn.reuse
func.func @heads_used_separately(%q: tensor<2x8x4xf32>, %v0: tensor<2x1x8x4xf32>,
                                 %v1: tensor<2x1x8x4xf32>, %v2: tensor<2x1x8x4xf32>)
    -> tensor<2x1x8x4xf32> {
  %0 = attn.reuse %q, %q, %v0 scale(0.5) : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x1x8x4xf32> -> tensor<2x1x8x4xf32>
  %m = arith.mulf %0, %0 : tensor<2x1x8x4xf32>
  %1 = attn.reuse %q, %q, %v1 scale(0.5) : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x1x8x4xf32> -> tensor<2x1x8x4xf32>
  %n = arith.negf %1 : tensor<2x1x8x4xf32>
  %a = arith.addf %m, %n : tensor<2x1x8x4xf32>
  %2 = attn.reuse %q, %q, %v2 scale(0.5) : tensor<2x8x4xf32>, tensor<2x8x4xf32>, tensor<2x1x8x4xf32> -> tensor<2x1x8x4xf32>
  %s = arith.addf %a, %2 : tensor<2x1x8x4xf32>
  return %s : tensor<2x1x8x4xf32>
}

// -----

// Order: head 0's result is used before head 1's value exists. The merged op
// goes after the last value; the use of head 0 moves below it, unrelated ops
// stay where they are.
// CHECK-LABEL: func.func @move_uses_below(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<1x8x4xf32>, %[[V0:[a-z0-9]+]]: tensor<1x1x8x4xf32>, %[[X:[a-z0-9]+]]: tensor<1x1x8x4xf32>
// CHECK:         %[[U:.+]] = arith.negf %[[X]]
// CHECK:         %[[V1:.+]] = arith.mulf %[[X]], %[[U]]
// CHECK:         %[[VS:.+]] = tensor.concat dim(1) %[[V0]], %[[V1]]
// CHECK:         %[[R:.+]] = attn.reuse %[[Q]], %[[Q]], %[[VS]]
// CHECK:         %[[S0:.+]] = tensor.extract_slice %[[R]][0, 0, 0, 0]
// CHECK:         %[[S1:.+]] = tensor.extract_slice %[[R]][0, 1, 0, 0]
// CHECK:         %[[E:.+]] = math.exp %[[S0]]
// CHECK:         %[[A:.+]] = arith.addf %[[E]], %[[S1]]
// CHECK:         return %[[A]]
func.func @move_uses_below(%q: tensor<1x8x4xf32>, %v0: tensor<1x1x8x4xf32>, %x: tensor<1x1x8x4xf32>)
    -> tensor<1x1x8x4xf32> {
  %0 = attn.reuse %q, %q, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %e = math.exp %0 : tensor<1x1x8x4xf32>
  %u = arith.negf %x : tensor<1x1x8x4xf32>
  %v1 = arith.mulf %x, %u : tensor<1x1x8x4xf32>
  %1 = attn.reuse %q, %q, %v1 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %a = arith.addf %e, %1 : tensor<1x1x8x4xf32>
  return %a : tensor<1x1x8x4xf32>
}

// -----

// Cascaded heads over one matrix (head 1's value is head 0's result plus
// its own values) stay as they are.
// CHECK-LABEL: func.func @cascade(
// CHECK-COUNT-2: attn.reuse {{.*}} -> tensor<1x1x8x4xf32>
// CHECK-NOT:     tensor.extract_slice
func.func @cascade(%q: tensor<1x8x4xf32>, %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>)
    -> tensor<1x2x8x4xf32> {
  %0 = attn.reuse %q, %q, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %x = arith.addf %0, %v1 : tensor<1x1x8x4xf32>
  %1 = attn.reuse %q, %q, %x scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %c = tensor.concat dim(1) %0, %1 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x2x8x4xf32>
  return %c : tensor<1x2x8x4xf32>
}

// -----

// Single-head attn.mha whose queries and keys are per-head slices of a
// broadcast: proven equal by the head-invariance analysis.
// CHECK-LABEL: func.func @invariant_slices(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<1x8x4xf32>
// CHECK:         attn.reuse {{.*}} : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
// CHECK-NOT:     attn.mha
func.func @invariant_slices(%q: tensor<1x8x4xf32>, %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>)
    -> (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) {
  %e = tensor.empty() : tensor<1x2x8x4xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x8x4xf32>) outs(%e : tensor<1x2x8x4xf32>) dimensions = [1]
  %q0 = tensor.extract_slice %qb[0, 0, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1] : tensor<1x2x8x4xf32> to tensor<1x1x8x4xf32>
  %q1 = tensor.extract_slice %qb[0, 1, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1] : tensor<1x2x8x4xf32> to tensor<1x1x8x4xf32>
  %0 = attn.mha %q0, %q0, %v0 scale(0.5) : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %1 = attn.mha %q1, %q1, %v1 scale(0.5) : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  return %0, %1 : tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>
}

// -----

// Heads concatenated along channels in NCHW after per-head
// collapse -> transpose -> reshape (the independent UniForm exports): the
// merged result split into its digits, transposed once and collapsed; no
// per-head copies.
// CHECK-LABEL: func.func @nchw_channel_concat(
// CHECK:         %[[R:.+]] = attn.reuse {{.*}} -> tensor<2x3x49x8xf32>
// CHECK:         %[[X:.+]] = tensor.expand_shape %[[R]] {{\[}}[0], [1], [2, 3], [4]] output_shape [2, 3, 7, 7, 8]
// CHECK:         %[[T:.+]] = linalg.transpose ins(%[[X]] : tensor<2x3x7x7x8xf32>) outs(%{{.*}} : tensor<2x3x8x7x7xf32>) permutation = [0, 1, 4, 2, 3]
// CHECK:         %[[F:.+]] = tensor.collapse_shape %[[T]] {{\[}}[0], [1, 2], [3], [4]] : tensor<2x3x8x7x7xf32> into tensor<2x24x7x7xf32>
// CHECK-NOT:     tensor.extract_slice
// CHECK-NOT:     tosa.concat
// CHECK:         return %[[F]]
func.func @nchw_channel_concat(%q: tensor<2x49x16xf32>, %v0: tensor<2x1x49x8xf32>,
                               %v1: tensor<2x1x49x8xf32>, %v2: tensor<2x1x49x8xf32>)
    -> tensor<2x24x7x7xf32> {
  %s = tosa.const_shape {values = dense<[2, 8, 7, 7]> : tensor<4xindex>} : () -> !tosa.shape<4>
  %0 = attn.reuse %q, %q, %v0 scale(0.25) : tensor<2x49x16xf32>, tensor<2x49x16xf32>, tensor<2x1x49x8xf32> -> tensor<2x1x49x8xf32>
  %c0 = tensor.collapse_shape %0 [[0, 1], [2], [3]] : tensor<2x1x49x8xf32> into tensor<2x49x8xf32>
  %t0 = tosa.transpose %c0 {perms = array<i32: 0, 2, 1>} : (tensor<2x49x8xf32>) -> tensor<2x8x49xf32>
  %r0 = tosa.reshape %t0, %s : (tensor<2x8x49xf32>, !tosa.shape<4>) -> tensor<2x8x7x7xf32>
  %1 = attn.reuse %q, %q, %v1 scale(0.25) : tensor<2x49x16xf32>, tensor<2x49x16xf32>, tensor<2x1x49x8xf32> -> tensor<2x1x49x8xf32>
  %c1 = tensor.collapse_shape %1 [[0, 1], [2], [3]] : tensor<2x1x49x8xf32> into tensor<2x49x8xf32>
  %t1 = tosa.transpose %c1 {perms = array<i32: 0, 2, 1>} : (tensor<2x49x8xf32>) -> tensor<2x8x49xf32>
  %r1 = tosa.reshape %t1, %s : (tensor<2x8x49xf32>, !tosa.shape<4>) -> tensor<2x8x7x7xf32>
  %2 = attn.reuse %q, %q, %v2 scale(0.25) : tensor<2x49x16xf32>, tensor<2x49x16xf32>, tensor<2x1x49x8xf32> -> tensor<2x1x49x8xf32>
  %c2 = tensor.collapse_shape %2 [[0, 1], [2], [3]] : tensor<2x1x49x8xf32> into tensor<2x49x8xf32>
  %t2 = tosa.transpose %c2 {perms = array<i32: 0, 2, 1>} : (tensor<2x49x8xf32>) -> tensor<2x8x49xf32>
  %r2 = tosa.reshape %t2, %s : (tensor<2x8x49xf32>, !tosa.shape<4>) -> tensor<2x8x7x7xf32>
  %c = tosa.concat %r0, %r1, %r2 {axis = 1 : i32} : (tensor<2x8x7x7xf32>, tensor<2x8x7x7xf32>, tensor<2x8x7x7xf32>) -> tensor<2x24x7x7xf32>
  return %c : tensor<2x24x7x7xf32>
}

// -----

// Windows merged back: [B*nW, N, C] per window, heads concatenated on the
// channel axis of [nW-rows, nW-cols, wh, ww] after a reshape that splits the
// window batch; the fold splits the merged result's batch atom.
// CHECK-LABEL: func.func @window_merge(
// CHECK:         %[[R:.+]] = attn.reuse {{.*}} -> tensor<4x2x4x8xf32>
// CHECK:         %[[X:.+]] = tensor.expand_shape %[[R]] {{\[}}[0, 1], [2], [3, 4], [5]] output_shape [2, 2, 2, 2, 2, 8]
// CHECK:         %[[T:.+]] = linalg.transpose ins(%[[X]] : tensor<2x2x2x2x2x8xf32>) outs(%{{.*}} : tensor<2x2x2x2x2x8xf32>) permutation = [0, 3, 1, 4, 2, 5]
// CHECK:         %[[C:.+]] = tensor.collapse_shape %[[T]] {{\[}}[0, 1], [2, 3], [4, 5]] : tensor<2x2x2x2x2x8xf32> into tensor<4x4x16xf32>
// CHECK-NOT:     tensor.extract_slice
// CHECK:         return %[[C]]
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

// -----

// UniForm's heads after raising: single-head attn.reuse ops over the same
// q, k, bias and scale, transposed to [B, Dv, N] and concatenated along
// channels (what attn-raise gives for UniForm's V * A^T form), become one
// attn.reuse over the stacked values and one transpose.
// CHECK-LABEL: func.func @merge_transposed_heads
// CHECK:         %[[V:.*]] = tensor.concat dim(1) %arg2, %arg3 : (tensor<1x1x49x8xf32>, tensor<1x1x49x8xf32>) -> tensor<1x2x49x8xf32>
// CHECK:         %[[A:.*]] = attn.reuse %arg0, %arg1, %[[V]] scale(2.500000e-01)
// CHECK-SAME:      -> tensor<1x2x49x8xf32>
// CHECK:         %[[T:.*]] = linalg.transpose ins(%[[A]] : tensor<1x2x49x8xf32>) outs(%{{.*}} : tensor<1x2x8x49xf32>) permutation = [0, 1, 3, 2]
// CHECK:         %[[C:.*]] = tensor.collapse_shape %[[T]] {{\[\[}}0], [1, 2], [3]] : tensor<1x2x8x49xf32> into tensor<1x16x49xf32>
// CHECK-NOT:     tosa.concat
// CHECK:         return %[[C]]
func.func @merge_transposed_heads(%q: tensor<1x49x16xf32>, %k: tensor<1x49x16xf32>, %v0: tensor<1x1x49x8xf32>,
                       %v1: tensor<1x1x49x8xf32>) -> tensor<1x16x49xf32> {
  %a0 = attn.reuse %q, %k, %v0 scale(0.25) : tensor<1x49x16xf32>, tensor<1x49x16xf32>, tensor<1x1x49x8xf32> -> tensor<1x1x49x8xf32>
  %a1 = attn.reuse %q, %k, %v1 scale(0.25) : tensor<1x49x16xf32>, tensor<1x49x16xf32>, tensor<1x1x49x8xf32> -> tensor<1x1x49x8xf32>
  %c0 = tensor.collapse_shape %a0 [[0, 1], [2], [3]] : tensor<1x1x49x8xf32> into tensor<1x49x8xf32>
  %c1 = tensor.collapse_shape %a1 [[0, 1], [2], [3]] : tensor<1x1x49x8xf32> into tensor<1x49x8xf32>
  %t0 = tosa.transpose %c0 {perms = array<i32: 0, 2, 1>} : (tensor<1x49x8xf32>) -> tensor<1x8x49xf32>
  %t1 = tosa.transpose %c1 {perms = array<i32: 0, 2, 1>} : (tensor<1x49x8xf32>) -> tensor<1x8x49xf32>
  %o = tosa.concat %t0, %t1 {axis = 1 : i32} : (tensor<1x8x49xf32>, tensor<1x8x49xf32>) -> tensor<1x16x49xf32>
  return %o : tensor<1x16x49xf32>
}

// -----

// Heads whose value width is dynamic are not merged (nothing proves the
// widths equal); empty slices of an attention result are not a
// concatenation of heads.
// CHECK-LABEL: func.func @dynamic_width_and_empty_slices(
// CHECK-COUNT-2: attn.reuse {{.*}} -> tensor<1x1x8x?xf32>
// CHECK:         tensor.concat dim(1) %{{.*}}, %{{.*}} : (tensor<1x0x8x4xf32>, tensor<1x0x8x4xf32>)
func.func @dynamic_width_and_empty_slices(%q: tensor<1x8x4xf32>, %v0: tensor<1x1x8x?xf32>, %v1: tensor<1x1x8x?xf32>,
                                          %v2: tensor<1x2x8x4xf32>)
    -> (tensor<1x1x8x?xf32>, tensor<1x1x8x?xf32>, tensor<1x0x8x4xf32>) {
  %0 = attn.reuse %q, %q, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x?xf32> -> tensor<1x1x8x?xf32>
  %1 = attn.reuse %q, %q, %v1 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x?xf32> -> tensor<1x1x8x?xf32>
  %2 = attn.reuse %q, %q, %v2 scale(0.25) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  %s = tensor.extract_slice %2[0, 0, 0, 0] [1, 0, 8, 4] [1, 1, 1, 1] : tensor<1x2x8x4xf32> to tensor<1x0x8x4xf32>
  %c = tensor.concat dim(1) %s, %s : (tensor<1x0x8x4xf32>, tensor<1x0x8x4xf32>) -> tensor<1x0x8x4xf32>
  return %0, %1, %c : tensor<1x1x8x?xf32>, tensor<1x1x8x?xf32>, tensor<1x0x8x4xf32>
}

// -----

// Not a candidate: IR without provable sharing is left exactly as it was
// (no folding, no dead-code elimination of unrelated ops).
// CHECK-LABEL: func.func @unchanged(
// CHECK:         %[[DEAD:.+]] = arith.addf
// CHECK:         attn.mha %arg0, %arg1, %arg2
// CHECK-NOT:     attn.reuse
func.func @unchanged(%q: tensor<1x2x8x4xf32>, %k: tensor<1x2x8x4xf32>, %v: tensor<1x2x8x4xf32>,
                     %a: f32) -> tensor<1x2x8x4xf32> {
  %dead = arith.addf %a, %a : f32
  %0 = attn.mha %q, %k, %v scale(0.5)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}
