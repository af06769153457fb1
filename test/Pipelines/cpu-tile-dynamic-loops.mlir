// uniform-cpu-tile-dynamic-loops: linalg ops on tensors with a loop of
// dynamic extent are tiled by 1 along it, so that the op in the loop has
// static shapes; the vectorizers then take that op as a static model's.
// RUN: uniform-opt %s --split-input-file --uniform-cpu-tile-dynamic-loops --canonicalize | FileCheck %s
// RUN: uniform-opt %s --split-input-file --uniform-cpu-tile-dynamic-loops --uniform-cpu-vectorize-contractions --uniform-cpu-vectorize-elementwise --canonicalize | FileCheck %s --check-prefix=VEC

// A convolution over a dynamic batch: one image per iteration.
// CHECK-LABEL: func.func @conv
// CHECK:         %[[N:.*]] = tensor.dim %{{.*}}, %c0 : tensor<?x9x9x8xf32>
// CHECK:         scf.for %[[B:.*]] = %c0 to %[[N]] step %c1 iter_args(%[[OUT:.*]] = %{{.*}}) -> (tensor<?x7x7x16xf32>)
// CHECK:           %[[X:.*]] = tensor.extract_slice %{{.*}}[%[[B]], 0, 0, 0] [1, 9, 9, 8] [1, 1, 1, 1] : tensor<?x9x9x8xf32> to tensor<1x9x9x8xf32>
// CHECK:           %[[Y:.*]] = tensor.extract_slice %[[OUT]][%[[B]], 0, 0, 0] [1, 7, 7, 16] [1, 1, 1, 1] : tensor<?x7x7x16xf32> to tensor<1x7x7x16xf32>
// CHECK:           linalg.conv_2d_nhwc_fhwc {{.*}} ins(%[[X]], %{{.*}} : tensor<1x9x9x8xf32>, tensor<16x3x3x8xf32>) outs(%[[Y]] : tensor<1x7x7x16xf32>)
// CHECK:           tensor.insert_slice
// VEC-LABEL: func.func @conv
// VEC:         scf.for
// VEC:           vector.contract
// VEC-NOT:     linalg.conv_2d
func.func @conv(%x: tensor<?x9x9x8xf32>, %w: tensor<16x3x3x8xf32>, %init: tensor<?x7x7x16xf32>) -> tensor<?x7x7x16xf32> {
  %y = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
         ins(%x, %w : tensor<?x9x9x8xf32>, tensor<16x3x3x8xf32>) outs(%init : tensor<?x7x7x16xf32>) -> tensor<?x7x7x16xf32>
  return %y : tensor<?x7x7x16xf32>
}

// -----

// An elementwise op over [?, 64]: one row per iteration.
// CHECK-LABEL: func.func @elementwise
// CHECK:         scf.for
// CHECK:           linalg.generic {{.*}} ins(%{{.*}} : tensor<1x64xf32>) outs(%{{.*}} : tensor<1x64xf32>)
// VEC-LABEL: func.func @elementwise
// VEC:         scf.for
// VEC:           vector.transfer_read {{.*}} vector<{{.*}}64xf32>
// VEC-NOT:     linalg.generic
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @elementwise(%x: tensor<?x64xf32>, %init: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %y = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]}
         ins(%x : tensor<?x64xf32>) outs(%init : tensor<?x64xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  } -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}

// -----

// A reduction over the dynamic loop: the output slice carries the sum from
// one row to the next.
// CHECK-LABEL: func.func @reduce_rows
// VEC-LABEL: func.func @reduce_rows
// CHECK:         scf.for {{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<8xf32>)
// CHECK:           %[[ROW:.*]] = tensor.extract_slice %{{.*}} [1, 8] [1, 1] : tensor<?x8xf32> to tensor<1x8xf32>
// CHECK:           linalg.reduce ins(%[[ROW]] : tensor<1x8xf32>) outs(%[[ACC]] : tensor<8xf32>) dimensions = [0]
func.func @reduce_rows(%x: tensor<?x8xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %r = linalg.reduce ins(%x : tensor<?x8xf32>) outs(%init : tensor<8xf32>) dimensions = [0]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %r : tensor<8xf32>
}

// -----

// Left alone: a static op, and an op whose tile would keep a dynamic extent
// (the input's second dimension, indexed by a loop that the output makes
// static; canonicalization later casts the input to that extent).
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     scf.for
// CHECK:         linalg.generic {{.*}} ins(%{{.*}} : tensor<4x8xf32>) outs(%{{.*}} : tensor<4x8xf32>)
// CHECK-NOT:     scf.for
// CHECK:         linalg.generic {{.*}} outs(%{{.*}} : tensor<?x8xf32>)
#id2 = affine_map<(d0, d1) -> (d0, d1)>
func.func @left_alone(%s: tensor<4x8xf32>, %x: tensor<?x?xf32>, %init: tensor<?x8xf32>) -> (tensor<4x8xf32>, tensor<?x8xf32>) {
  %a = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
         ins(%s : tensor<4x8xf32>) outs(%s : tensor<4x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %e = math.exp %v : f32
    linalg.yield %e : f32
  } -> tensor<4x8xf32>
  %b = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
         ins(%x : tensor<?x?xf32>) outs(%init : tensor<?x8xf32>) {
  ^bb0(%v: f32, %o: f32):
    %e = math.exp %v : f32
    linalg.yield %e : f32
  } -> tensor<?x8xf32>
  return %a, %b : tensor<4x8xf32>, tensor<?x8xf32>
}
