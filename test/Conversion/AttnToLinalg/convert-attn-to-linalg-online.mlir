// convert-attn-to-linalg{strategy=online}: a loop over key tiles with a
// running max, a running sum and a rescaled accumulator; no tensor of scores
// larger than N x tile-m.
// RUN: uniform-opt %s --split-input-file --convert-attn-to-linalg="strategy=online tile-m=16" | FileCheck %s
// RUN: not uniform-opt %s --split-input-file --convert-attn-to-linalg=strategy=flash 2>&1 | FileCheck %s --check-prefix=BADSTRATEGY
// RUN: not uniform-opt %s --split-input-file --convert-attn-to-linalg="strategy=online tile-m=0" 2>&1 | FileCheck %s --check-prefix=BADTILE
// BADSTRATEGY: for the --strategy option: Cannot find option named 'flash'!
// BADTILE: convert-attn-to-linalg: tile-m must be positive, but is 0

// CHECK-LABEL: func.func @reuse_online(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<1x49x16xf32>, %[[K:[a-z0-9]+]]: tensor<1x50x16xf32>, %[[V:[a-z0-9]+]]: tensor<1x4x50x8xf32>, %[[BIAS:[a-z0-9]+]]: tensor<49x50xf32>
// CHECK:         %[[LOWEST:.+]] = arith.constant -3.40282347E+38 : f32
// CHECK:         %[[MAX0:.+]] = linalg.fill ins(%[[LOWEST]] : f32) outs(%{{.*}} : tensor<1x49xf32>)
// CHECK:         %[[SUM0:.+]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x49xf32>)
// CHECK:         %[[ACC0:.+]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x49x8xf32>)
// CHECK-DAG:     %[[C0:.+]] = arith.constant 0 : index
// CHECK-DAG:     %[[C16:.+]] = arith.constant 16 : index
// CHECK-DAG:     %[[C50:.+]] = arith.constant 50 : index
// CHECK:         %[[LOOP:.+]]:3 = scf.for %[[M0:.+]] = %[[C0]] to %[[C50]] step %[[C16]] iter_args(%[[MAX:.+]] = %[[MAX0]], %[[SUM:.+]] = %[[SUM0]], %[[ACC:.+]] = %[[ACC0]])
// The last tile is clamped: M = 50 is not a multiple of 16.
// CHECK:           %[[LEFT:.+]] = arith.subi %[[C50]], %[[M0]]
// CHECK:           %[[T:.+]] = arith.minsi %[[LEFT]], %[[C16]]
// CHECK:           %[[KT:.+]] = tensor.extract_slice %[[K]][0, %[[M0]], 0] [1, %[[T]], 16] [1, 1, 1] : tensor<1x50x16xf32> to tensor<1x?x16xf32>
// CHECK:           %[[VT:.+]] = tensor.extract_slice %[[V]][0, 0, %[[M0]], 0] [1, 4, %[[T]], 8] [1, 1, 1, 1] : tensor<1x4x50x8xf32> to tensor<1x4x?x8xf32>
// CHECK:           %[[BT:.+]] = tensor.extract_slice %[[BIAS]][0, %[[M0]]] [49, %[[T]]] [1, 1] : tensor<49x50xf32> to tensor<49x?xf32>
// The only score tensors are N x tile: [1, 49, ?].
// CHECK:           %[[KTT:.+]] = linalg.transpose ins(%[[KT]] : tensor<1x?x16xf32>) outs(%{{.*}} : tensor<1x16x?xf32>)
// CHECK:           linalg.generic {{.*}} ins(%[[Q]], %[[KTT]] : tensor<1x49x16xf32>, tensor<1x16x?xf32>) outs(%{{.*}} : tensor<1x49x?xf32>)
// CHECK:           %[[S:.+]] = linalg.generic {{.*}} ins(%{{.*}}, %[[BT]] : tensor<1x49x?xf32>, tensor<49x?xf32>)
// CHECK:           %[[TMAX:.+]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[S]] : tensor<1x49x?xf32>)
// CHECK:             arith.maximumf
// CHECK:           %[[UPD:.+]]:2 = linalg.generic {{.*}} ins(%[[TMAX]] : tensor<1x49xf32>) outs(%[[MAX]], %{{.*}} : tensor<1x49xf32>, tensor<1x49xf32>)
// CHECK:             arith.maximumf
// CHECK:             math.exp
// CHECK:           %[[P:.+]] = linalg.generic {{.*}} ins(%[[S]], %[[UPD]]#0 : tensor<1x49x?xf32>, tensor<1x49xf32>)
// CHECK:             math.exp
// CHECK:           %[[SCALEDSUM:.+]] = linalg.generic {{.*}} ins(%[[UPD]]#1 : tensor<1x49xf32>) outs(%[[SUM]] : tensor<1x49xf32>)
// CHECK:           %[[NEWSUM:.+]] = linalg.generic {{.*}} ins(%[[P]] : tensor<1x49x?xf32>) outs(%[[SCALEDSUM]] : tensor<1x49xf32>)
// CHECK:           %[[SCALEDACC:.+]] = linalg.generic {{.*}} ins(%[[UPD]]#1 : tensor<1x49xf32>) outs(%[[ACC]] : tensor<1x4x49x8xf32>)
// CHECK:           %[[NEWACC:.+]] = linalg.generic {{.*}} ins(%[[P]], %[[VT]] : tensor<1x49x?xf32>, tensor<1x4x?x8xf32>) outs(%[[SCALEDACC]] : tensor<1x4x49x8xf32>)
// CHECK:           scf.yield %[[UPD]]#0, %[[NEWSUM]], %[[NEWACC]]
// CHECK-NOT:     linalg.softmax
// CHECK:         %[[OUT:.+]] = linalg.generic {{.*}} ins(%[[LOOP]]#2, %[[LOOP]]#1 : tensor<1x4x49x8xf32>, tensor<1x49xf32>)
// CHECK:           arith.divf
// CHECK:         return %[[OUT]]
func.func @reuse_online(%q: tensor<1x49x16xf32>, %k: tensor<1x50x16xf32>, %v: tensor<1x4x50x8xf32>,
                        %b: tensor<49x50xf32>) -> tensor<1x4x49x8xf32> {
  %0 = attn.reuse %q, %k, %v bias(%b : tensor<49x50xf32>) scale(0.25)
      : tensor<1x49x16xf32>, tensor<1x50x16xf32>, tensor<1x4x50x8xf32> -> tensor<1x4x49x8xf32>
  return %0 : tensor<1x4x49x8xf32>
}

// -----

// A bias that broadcasts along M (extent 1) is not sliced; attn.mha keeps
// per-head statistics [B, H, N].
// CHECK-LABEL: func.func @mha_online(
// CHECK-SAME:    %{{.*}}: tensor<2x3x8x4xf32>, %{{.*}}: tensor<2x3x?x4xf32>, %{{.*}}: tensor<2x3x?x4xf32>, %[[BIAS:[a-z0-9]+]]: tensor<8x1xf32>
// CHECK:         scf.for {{.*}} -> (tensor<2x3x8xf32>, tensor<2x3x8xf32>, tensor<2x3x8x4xf32>)
// CHECK-NOT:       tensor.extract_slice %[[BIAS]]
// CHECK:           linalg.generic {{.*}} ins(%{{.*}}, %[[BIAS]] : tensor<2x3x8x?xf32>, tensor<8x1xf32>)
func.func @mha_online(%q: tensor<2x3x8x4xf32>, %k: tensor<2x3x?x4xf32>, %v: tensor<2x3x?x4xf32>,
                      %b: tensor<8x1xf32>) -> tensor<2x3x8x4xf32> {
  %0 = attn.mha %q, %k, %v bias(%b : tensor<8x1xf32>) scale(0.5)
      : tensor<2x3x8x4xf32>, tensor<2x3x?x4xf32>, tensor<2x3x?x4xf32> -> tensor<2x3x8x4xf32>
  return %0 : tensor<2x3x8x4xf32>
}

// -----

// A static extent of 0 leaves nothing to tile, and MLIR rejects any slice of
// such a dimension: the op is materialized (found by uniform-fuzz-mlir; the
// loop's slices failed verification).
// CHECK-LABEL: func.func @empty_batch(
// CHECK-NOT:     scf.for
// CHECK-NOT:     tensor.extract_slice
// CHECK:         linalg.softmax
// CHECK-NOT:     scf.for
// CHECK:         return %{{.*}} : tensor<0x8x16x8xf16>
func.func @empty_batch(%q: tensor<0x16x8xf16>, %k: tensor<0x16x8xf16>, %v: tensor<0x8x16x8xf16>)
    -> tensor<0x8x16x8xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.125)
      : tensor<0x16x8xf16>, tensor<0x16x8xf16>, tensor<0x8x16x8xf16> -> tensor<0x8x16x8xf16>
  return %0 : tensor<0x8x16x8xf16>
}

// CHECK-LABEL: func.func @empty_heads(
// CHECK-NOT:     scf.for
// CHECK:         linalg.softmax
// CHECK:         return %{{.*}} : tensor<1x0x49x8xf32>
func.func @empty_heads(%q: tensor<1x0x49x32xf32>, %k: tensor<1x0x49x32xf32>, %v: tensor<1x0x49x8xf32>,
                       %b: tensor<0x49x49xf32>) -> tensor<1x0x49x8xf32> {
  %0 = attn.mha %q, %k, %v bias(%b : tensor<0x49x49xf32>) scale(0.2)
      : tensor<1x0x49x32xf32>, tensor<1x0x49x32xf32>, tensor<1x0x49x8xf32> -> tensor<1x0x49x8xf32>
  return %0 : tensor<1x0x49x8xf32>
}
