// convert-attn-to-linalg{strategy=materialize}: one score contraction, scale
// and bias, linalg.softmax over M, one value contraction.
// RUN: uniform-opt %s --split-input-file --convert-attn-to-linalg | FileCheck %s
// RUN: uniform-opt %s --split-input-file --convert-attn-to-linalg=strategy=materialize | FileCheck %s

// Loops of the score product: (b, n, k, m); of the value product:
// (b, h, n, m, d). The reductions (k, m) are not innermost, so the inner loop
// runs over contiguous scores / values.
// CHECK-DAG:   #[[Q:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-DAG:   #[[KT:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
// CHECK-DAG:   #[[S:.+]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG:   #[[ID3:.+]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[BIAS:.+]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:   #[[P:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d2, d3)>
// CHECK-DAG:   #[[V:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG:   #[[O:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-LABEL: func.func @reuse(
// CHECK-SAME:    %[[QA:[a-z0-9]+]]: tensor<64x49x16xf32>, %[[KA:[a-z0-9]+]]: tensor<64x49x16xf32>, %[[VA:[a-z0-9]+]]: tensor<64x4x49x48xf32>, %[[BA:[a-z0-9]+]]: tensor<49x49xf32>
// CHECK:         %[[KTV:.+]] = linalg.transpose ins(%[[KA]] : tensor<64x49x16xf32>) outs(%{{.*}} : tensor<64x16x49xf32>) permutation = [0, 2, 1]
// The one score product: [B, N, M], reducing over Dk.
// CHECK:         %[[QK:.+]] = linalg.generic {indexing_maps = [#[[Q]], #[[KT]], #[[S]]], iterator_types = ["parallel", "parallel", "reduction", "parallel"]} ins(%[[QA]], %[[KTV]] : tensor<64x49x16xf32>, tensor<64x16x49xf32>) outs(%{{.*}} : tensor<64x49x49xf32>)
// Multiply-add that the backend may fuse into an FMA.
// CHECK:           %[[PROD:.+]] = arith.mulf %{{.*}}, %{{.*}} fastmath<contract> : f32
// CHECK:           arith.addf %{{.*}}, %[[PROD]] fastmath<contract> : f32
// CHECK:         %[[SB:.+]] = linalg.generic {indexing_maps = [#[[ID3]], #[[BIAS]], #[[ID3]]], iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[QK]], %[[BA]] : tensor<64x49x49xf32>, tensor<49x49xf32>)
// CHECK:           %[[SCALE:.+]] = arith.constant 2.500000e-01 : f32
// CHECK:           arith.mulf %{{.*}}, %[[SCALE]]
// CHECK:         %[[SM:.+]] = linalg.softmax dimension(2) ins(%[[SB]] : tensor<64x49x49xf32>)
// The one value product, all heads at once: V is [B, M, H*Dv] through the map.
// CHECK:         %[[OUT:.+]] = linalg.generic {indexing_maps = [#[[P]], #[[V]], #[[O]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} ins(%[[SM]], %[[VA]] : tensor<64x49x49xf32>, tensor<64x4x49x48xf32>) outs(%{{.*}} : tensor<64x4x49x48xf32>)
// CHECK-NOT:     linalg.generic
// CHECK-NOT:     scf.for
// CHECK-NOT:     attn.reuse
// CHECK:         return %[[OUT]] : tensor<64x4x49x48xf32>
func.func @reuse(%q: tensor<64x49x16xf32>, %k: tensor<64x49x16xf32>,
                 %v: tensor<64x4x49x48xf32>, %b: tensor<49x49xf32>) -> tensor<64x4x49x48xf32> {
  %0 = attn.reuse %q, %k, %v bias(%b : tensor<49x49xf32>) scale(0.25)
      : tensor<64x49x16xf32>, tensor<64x49x16xf32>, tensor<64x4x49x48xf32> -> tensor<64x4x49x48xf32>
  return %0 : tensor<64x4x49x48xf32>
}

// -----

// attn.mha: per-head scores [B, H, N, M]; a bias [H, 1, M] broadcasts over N
// through a constant index. In attn.mha the value product's maps coincide
// with the score product's.
// CHECK-DAG:   #[[Q:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>
// CHECK-DAG:   #[[KT:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
// CHECK-DAG:   #[[S:.+]] = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
// CHECK-DAG:   #[[BIAS:.+]] = affine_map<(d0, d1, d2, d3) -> (d1, 0, d3)>
// CHECK-LABEL: func.func @mha(
// CHECK:         linalg.transpose ins(%{{.*}} : tensor<2x3x5x8xf32>) outs(%{{.*}} : tensor<2x3x8x5xf32>) permutation = [0, 1, 3, 2]
// CHECK:         linalg.generic {indexing_maps = [#[[Q]], #[[KT]], #[[S]]], iterator_types = ["parallel", "parallel", "parallel", "reduction", "parallel"]} {{.*}} outs(%{{.*}} : tensor<2x3x7x5xf32>)
// CHECK:         linalg.generic {indexing_maps = [{{.*}}, #[[BIAS]], {{.*}}]
// CHECK:         linalg.softmax dimension(3)
// CHECK:         linalg.generic {indexing_maps = [#[[Q]], #[[KT]], #[[S]]]{{.*}} outs(%{{.*}} : tensor<2x3x7x4xf32>)
func.func @mha(%q: tensor<2x3x7x8xf32>, %k: tensor<2x3x5x8xf32>, %v: tensor<2x3x5x4xf32>,
               %b: tensor<3x1x5xf32>) -> tensor<2x3x7x4xf32> {
  %0 = attn.mha %q, %k, %v bias(%b : tensor<3x1x5xf32>) scale(0.5)
      : tensor<2x3x7x8xf32>, tensor<2x3x5x8xf32>, tensor<2x3x5x4xf32> -> tensor<2x3x7x4xf32>
  return %0 : tensor<2x3x7x4xf32>
}

// -----

// f16: inputs are extended in the contraction bodies, accumulation is f32,
// the result is truncated.
// CHECK-LABEL: func.func @reuse_f16(
// CHECK:         linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<1x8x4xf16>, tensor<1x4x8xf16>) outs(%{{.*}} : tensor<1x8x8xf32>)
// CHECK:         ^bb0(%[[A:[a-z0-9_]+]]: f16, %[[B:[a-z0-9_]+]]: f16, %[[ACC:[a-z0-9_]+]]: f32):
// CHECK:           %[[AE:.+]] = arith.extf %[[A]] : f16 to f32
// CHECK:           %[[BE:.+]] = arith.extf %[[B]] : f16 to f32
// CHECK:           arith.mulf %[[AE]], %[[BE]] fastmath<contract> : f32
// CHECK:         linalg.softmax {{.*}} -> tensor<1x8x8xf32>
// CHECK:         %[[OUT32:.+]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<1x2x8x4xf32>)
// CHECK:         %[[OUT:.+]] = linalg.generic {{.*}} ins(%[[OUT32]] : tensor<1x2x8x4xf32>) outs(%{{.*}} : tensor<1x2x8x4xf16>)
// CHECK:           arith.truncf %{{.*}} : f32 to f16
// CHECK:         return %[[OUT]] : tensor<1x2x8x4xf16>
func.func @reuse_f16(%q: tensor<1x8x4xf16>, %k: tensor<1x8x4xf16>, %v: tensor<1x2x8x4xf16>) -> tensor<1x2x8x4xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.5)
      : tensor<1x8x4xf16>, tensor<1x8x4xf16>, tensor<1x2x8x4xf16> -> tensor<1x2x8x4xf16>
  return %0 : tensor<1x2x8x4xf16>
}

// -----

// bf16 works the same way.
// CHECK-LABEL: func.func @mha_bf16(
// CHECK:         arith.extf %{{.*}} : bf16 to f32
// CHECK:         arith.truncf %{{.*}} : f32 to bf16
func.func @mha_bf16(%q: tensor<1x1x8x4xbf16>, %v: tensor<1x1x8x4xbf16>) -> tensor<1x1x8x4xbf16> {
  %0 = attn.mha %q, %q, %v scale(0.5)
      : tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16>, tensor<1x1x8x4xbf16> -> tensor<1x1x8x4xbf16>
  return %0 : tensor<1x1x8x4xbf16>
}

// -----

// Dynamic shapes: sizes come from tensor.dim of the operands; the result type
// is restored with a cast.
// CHECK-LABEL: func.func @dynamic(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<?x?x16xf32>, %[[K:[a-z0-9]+]]: tensor<?x?x16xf32>, %[[V:[a-z0-9]+]]: tensor<?x4x?x?xf32>
// CHECK-DAG:     %[[B:.+]] = tensor.dim %[[Q]], %c0
// CHECK-DAG:     %[[N:.+]] = tensor.dim %[[Q]], %c1
// CHECK-DAG:     %[[M:.+]] = tensor.dim %[[K]], %c1
// CHECK:         tensor.empty(%[[B]], %[[N]], %[[M]]) : tensor<?x?x?xf32>
// CHECK:         linalg.softmax dimension(2)
// CHECK:         %[[DV:.+]] = tensor.dim %[[V]], %c3
// CHECK:         tensor.empty(%{{.*}}, %{{.*}}, %[[DV]]) : tensor<?x4x?x?xf32>
func.func @dynamic(%q: tensor<?x?x16xf32>, %k: tensor<?x?x16xf32>, %v: tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32> {
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<?x?x16xf32>, tensor<?x?x16xf32>, tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}
