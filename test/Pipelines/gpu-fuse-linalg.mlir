// uniform-gpu-fuse-linalg: linalg on tensors fused into fewer loop nests
// (kernels) for the GPU pipeline.
// RUN: uniform-opt %s --split-input-file --uniform-gpu-fuse-linalg | FileCheck %s

// The NCHW -> NHWC transpose and the ReLU in front of a 1x1 convolution
// (here a matmul) are cheap: recomputed in every reduction step, they fuse
// into it. The bias broadcast feeds the accumulator (an init): it stays a
// loop of its own, which uniform-gpu-fuse-parallel-loops joins later.
// CHECK-LABEL: func.func @transpose_relu_into_matmul
// CHECK:         %[[BIAS:.*]] = linalg.generic {{.*}} ins(%arg2 : tensor<16xf32>)
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:        ins(%arg0, %arg1 : tensor<4x8xf32>, tensor<4x16xf32>) outs(%[[BIAS]] : tensor<8x16xf32>)
// CHECK:           arith.maximumf
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK-NOT:     linalg.generic
func.func @transpose_relu_into_matmul(%x: tensor<4x8xf32>, %w: tensor<4x16xf32>,
                                      %bias: tensor<16xf32>) -> tensor<8x16xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<8x4xf32>
  %t = linalg.transpose ins(%x : tensor<4x8xf32>) outs(%e0 : tensor<8x4xf32>) permutation = [1, 0]
  %e1 = tensor.empty() : tensor<8x4xf32>
  %r = linalg.map ins(%t : tensor<8x4xf32>) outs(%e1 : tensor<8x4xf32>)
    (%v: f32, %o: f32) {
      %m = arith.maximumf %v, %zero : f32
      linalg.yield %m : f32
    }
  %e2 = tensor.empty() : tensor<8x16xf32>
  %b = linalg.broadcast ins(%bias : tensor<16xf32>) outs(%e2 : tensor<8x16xf32>) dimensions = [0]
  %mm = linalg.matmul ins(%r, %w : tensor<8x4xf32>, tensor<4x16xf32>) outs(%b : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %mm : tensor<8x16xf32>
}

// -----

// Transcendental math would run once per reduction step: not fused into the
// matmul. Into an elementwise consumer it fuses.
// CHECK-LABEL: func.func @exp_not_into_reduction
// CHECK:         %[[EXP:.*]] = linalg.generic
// CHECK:           math.exp
// CHECK:         linalg.generic {{.*}} ins(%[[EXP]], %arg1
// CHECK-LABEL: func.func @exp_into_elementwise
// CHECK:         linalg.generic
// CHECK:           math.exp
// CHECK:           arith.addf
// CHECK-NOT:     linalg.generic
func.func @exp_not_into_reduction(%x: tensor<8x4xf32>, %w: tensor<4x16xf32>,
                                  %acc: tensor<8x16xf32>) -> tensor<8x16xf32> {
  %e = tensor.empty() : tensor<8x4xf32>
  %ex = linalg.map ins(%x : tensor<8x4xf32>) outs(%e : tensor<8x4xf32>)
    (%v: f32, %o: f32) {
      %m = math.exp %v : f32
      linalg.yield %m : f32
    }
  %mm = linalg.matmul ins(%ex, %w : tensor<8x4xf32>, tensor<4x16xf32>) outs(%acc : tensor<8x16xf32>) -> tensor<8x16xf32>
  return %mm : tensor<8x16xf32>
}
func.func @exp_into_elementwise(%x: tensor<8x4xf32>, %y: tensor<8x4xf32>) -> tensor<8x4xf32> {
  %e = tensor.empty() : tensor<8x4xf32>
  %ex = linalg.map ins(%x : tensor<8x4xf32>) outs(%e : tensor<8x4xf32>)
    (%v: f32, %o: f32) {
      %m = math.exp %v : f32
      linalg.yield %m : f32
    }
  %e1 = tensor.empty() : tensor<8x4xf32>
  %s = linalg.map ins(%ex, %y : tensor<8x4xf32>, tensor<8x4xf32>) outs(%e1 : tensor<8x4xf32>)
    (%a: f32, %b: f32, %o: f32) {
      %m = arith.addf %a, %b : f32
      linalg.yield %m : f32
    }
  return %s : tensor<8x4xf32>
}

// -----

// A producer with a second use still has to run: not duplicated into its
// consumer.
// CHECK-LABEL: func.func @shared_producer
// CHECK-COUNT-2: linalg.generic
// CHECK-NOT:     linalg.generic
func.func @shared_producer(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %n = linalg.map ins(%x : tensor<8xf32>) outs(%e : tensor<8xf32>)
    (%v: f32, %o: f32) {
      %m = arith.negf %v : f32
      linalg.yield %m : f32
    }
  %e1 = tensor.empty() : tensor<8xf32>
  %a = linalg.map ins(%n, %x : tensor<8xf32>, tensor<8xf32>) outs(%e1 : tensor<8xf32>)
    (%p: f32, %q: f32, %o: f32) {
      %m = arith.addf %p, %q : f32
      linalg.yield %m : f32
    }
  return %n, %a : tensor<8xf32>, tensor<8xf32>
}

// -----

// One zero fill shared by two matmuls (as CSE leaves it): each gets its own,
// so that neither has to copy the other's accumulator.
// CHECK-LABEL: func.func @shared_fill
// CHECK-COUNT-2: linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]} outs(
// CHECK-COUNT-2: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]}
func.func @shared_fill(%a: tensor<8x4xf32>, %b: tensor<4x8xf32>, %c: tensor<8x4xf32>)
    -> (tensor<8x8xf32>, tensor<8x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x8xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x8xf32>) -> tensor<8x8xf32>
  %m1 = linalg.matmul ins(%a, %b : tensor<8x4xf32>, tensor<4x8xf32>) outs(%f : tensor<8x8xf32>) -> tensor<8x8xf32>
  %m2 = linalg.matmul ins(%c, %b : tensor<8x4xf32>, tensor<4x8xf32>) outs(%f : tensor<8x8xf32>) -> tensor<8x8xf32>
  return %m1, %m2 : tensor<8x8xf32>, tensor<8x8xf32>
}

// -----

// A 3x3 convolution reads its zero-padded input straight from the pad's
// source: each read is bounds-checked against the source, clamped, and the
// padding value selected outside it. No padded tensor is made (no border
// fill, no interior copy), and the ReLU that produced the source stays a
// loop nest of its own.
// CHECK-DAG:   #[[ROWMAP:.*]] = affine_map<(d0, d1, d2, d3) -> (d0 + d2)>
// CHECK-LABEL: func.func @pad_into_conv
// CHECK-NOT:     tensor.pad
// CHECK:         %[[RELU:.*]] = linalg.generic
// CHECK:           arith.maximumf
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
// CHECK-SAME:        ins(%arg1 : tensor<3x3xf32>)
// CHECK:           %[[I:.*]] = linalg.index 0
// CHECK:           %[[J:.*]] = linalg.index 1
// CHECK:           %[[K:.*]] = linalg.index 2
// CHECK:           %[[L:.*]] = linalg.index 3
// CHECK:           %[[ROW:.*]] = affine.apply #[[ROWMAP]](%[[I]], %[[J]], %[[K]], %[[L]])
// CHECK:           %[[SRC:.*]] = arith.subi %[[ROW]], %c1
// CHECK:           arith.cmpi sge, %[[SRC]], %c0
// CHECK:           arith.cmpi slt, %[[SRC]], %c8
// CHECK:           %[[V:.*]] = tensor.extract %[[RELU]]
// CHECK:           arith.select %{{.*}}, %[[V]], %cst
// CHECK:           arith.mulf
// CHECK:           arith.addf
#in = affine_map<(i, j, k, l) -> (i + k, j + l)>
#w = affine_map<(i, j, k, l) -> (k, l)>
#out = affine_map<(i, j, k, l) -> (i, j)>
func.func @pad_into_conv(%x: tensor<8x8xf32>, %w: tensor<3x3xf32>, %acc: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x8xf32>
  %r = linalg.map ins(%x : tensor<8x8xf32>) outs(%e : tensor<8x8xf32>)
    (%v: f32, %o: f32) {
      %m = arith.maximumf %v, %zero : f32
      linalg.yield %m : f32
    }
  %p = tensor.pad %r low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<8x8xf32> to tensor<10x10xf32>
  %c = linalg.generic {indexing_maps = [#in, #w, #out], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%p, %w : tensor<10x10xf32>, tensor<3x3xf32>) outs(%acc : tensor<8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %s: f32):
    %m = arith.mulf %a, %b : f32
    %t = arith.addf %s, %m : f32
    linalg.yield %t : f32
  } -> tensor<8x8xf32>
  return %c : tensor<8x8xf32>
}

// -----

// A 7x7 window is not folded: the bounds checks of its columns would be
// more predicates than a thread has (7 on sm_87), and ptxas spills them.
// The pad fuses into the ReLU instead, which writes the padded interior.
// CHECK-LABEL: func.func @pad_7x7_not_folded
// CHECK:         %[[FILL:.*]] = linalg.fill
// CHECK:         %[[SLICE:.*]] = tensor.extract_slice %[[FILL]][3, 3] [8, 8] [1, 1]
// CHECK:         %[[RELU:.*]] = linalg.generic {{.*}} outs(%[[SLICE]] : tensor<8x8xf32>)
// CHECK:         %[[PADDED:.*]] = tensor.insert_slice %[[RELU]] into %[[FILL]]
// CHECK:         linalg.generic {{.*}} ins(%[[PADDED]], %arg1
// CHECK-NOT:     tensor.extract
#in7 = affine_map<(i, j, k, l) -> (i + k, j + l)>
#w7 = affine_map<(i, j, k, l) -> (k, l)>
#out7 = affine_map<(i, j, k, l) -> (i, j)>
func.func @pad_7x7_not_folded(%x: tensor<8x8xf32>, %w: tensor<7x7xf32>, %acc: tensor<8x8xf32>) -> tensor<8x8xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x8xf32>
  %r = linalg.map ins(%x : tensor<8x8xf32>) outs(%e : tensor<8x8xf32>)
    (%v: f32, %o: f32) {
      %m = arith.maximumf %v, %zero : f32
      linalg.yield %m : f32
    }
  %p = tensor.pad %r low[3, 3] high[3, 3] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<8x8xf32> to tensor<14x14xf32>
  %c = linalg.generic {indexing_maps = [#in7, #w7, #out7], iterator_types = ["parallel", "parallel", "reduction", "reduction"]}
      ins(%p, %w : tensor<14x14xf32>, tensor<7x7xf32>) outs(%acc : tensor<8x8xf32>) {
  ^bb0(%a: f32, %b: f32, %s: f32):
    %m = arith.mulf %a, %b : f32
    %t = arith.addf %s, %m : f32
    linalg.yield %t : f32
  } -> tensor<8x8xf32>
  return %c : tensor<8x8xf32>
}

// -----

// A pad that no generic reads (here: returned): the elementwise op that
// produces its source writes into the interior of the filled, padded
// tensor; no tensor.pad (a copy) is left.
// CHECK-LABEL: func.func @pad_into_producer
// CHECK:         %[[FILL:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<10x10xf32>)
// CHECK:         %[[SLICE:.*]] = tensor.extract_slice %[[FILL]][1, 1] [8, 8] [1, 1]
// CHECK:         %[[RELU:.*]] = linalg.generic {{.*}} outs(%[[SLICE]] : tensor<8x8xf32>)
// CHECK:         tensor.insert_slice %[[RELU]] into %[[FILL]][1, 1] [8, 8] [1, 1]
// CHECK-NOT:     tensor.pad
func.func @pad_into_producer(%x: tensor<8x8xf32>) -> tensor<10x10xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x8xf32>
  %r = linalg.map ins(%x : tensor<8x8xf32>) outs(%e : tensor<8x8xf32>)
    (%v: f32, %o: f32) {
      %m = arith.maximumf %v, %zero : f32
      linalg.yield %m : f32
    }
  %p = tensor.pad %r low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<8x8xf32> to tensor<10x10xf32>
  return %p : tensor<10x10xf32>
}

// -----

// A depthwise convolution's (n, h, w, c, m = 1) result and its bias add over
// (n, 1, h, w, c, 1) meet in one shape once unit dimensions are dropped, so
// that their loop nests can fuse; an op whose loops are all unit keeps one
// (a rank-0 op would run on the host).
// CHECK-LABEL: func.func @unit_dims
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-SAME:        ins(%{{.*}} : tensor<7x16xf32>)
// CHECK-LABEL: func.func @all_unit_dims
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK-SAME:        ins(%{{.*}} : tensor<1xf32>)
func.func @unit_dims(%x: tensor<1x7x1x16xf32>) -> tensor<1x7x1x16xf32> {
  %e = tensor.empty() : tensor<1x7x1x16xf32>
  %n = linalg.map ins(%x : tensor<1x7x1x16xf32>) outs(%e : tensor<1x7x1x16xf32>)
    (%v: f32, %o: f32) {
      %m = arith.negf %v : f32
      linalg.yield %m : f32
    }
  return %n : tensor<1x7x1x16xf32>
}
func.func @all_unit_dims(%x: tensor<1x1xf32>) -> tensor<1x1xf32> {
  %e = tensor.empty() : tensor<1x1xf32>
  %n = linalg.map ins(%x : tensor<1x1xf32>) outs(%e : tensor<1x1xf32>)
    (%v: f32, %o: f32) {
      %m = arith.negf %v : f32
      linalg.yield %m : f32
    }
  return %n : tensor<1x1xf32>
}

// -----

// A softmax over a key axis of extent 1 (attention with M = 1): once the
// unit dimension is dropped, its max and sum are elementwise ops that read
// their accumulators. Fused into the consumer that broadcasts them over the
// value columns, they would accumulate once per column: they stay apart.
// CHECK-LABEL: func.func @accumulator_not_into_broadcast
// CHECK:         %[[SUM:.*]] = linalg.generic {{.*}} iterator_types = ["parallel"]
// CHECK-SAME:        outs(%{{.*}} : tensor<4xf32>)
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel"]
// CHECK-SAME:        ins(%{{.*}}, %[[SUM]]
#red = affine_map<(n, m) -> (n, m)>
#row = affine_map<(n, m) -> (n)>
#bcast = affine_map<(n, d) -> (n)>
#full = affine_map<(n, d) -> (n, d)>
func.func @accumulator_not_into_broadcast(%s: tensor<4x1xf32>, %v: tensor<4x8xf32>,
                                          %init: tensor<4xf32>) -> tensor<4x8xf32> {
  %sum = linalg.generic {indexing_maps = [#red, #row], iterator_types = ["parallel", "reduction"]}
      ins(%s : tensor<4x1xf32>) outs(%init : tensor<4xf32>) {
  ^bb0(%x: f32, %acc: f32):
    %a = arith.addf %x, %acc : f32
    linalg.yield %a : f32
  } -> tensor<4xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %o = linalg.generic {indexing_maps = [#full, #bcast, #full], iterator_types = ["parallel", "parallel"]}
      ins(%v, %sum : tensor<4x8xf32>, tensor<4xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%x: f32, %t: f32, %out: f32):
    %m = arith.mulf %x, %t : f32
    linalg.yield %m : f32
  } -> tensor<4x8xf32>
  return %o : tensor<4x8xf32>
}

// -----

// A concatenation becomes insert_slices, so that empty-tensor elimination
// can have each part written into its slice.
// CHECK-LABEL: func.func @concat
// CHECK-NOT:     tensor.concat
// CHECK:         tensor.insert_slice %arg0 into %{{.*}}[0, 0] [2, 4] [1, 1]
// CHECK:         tensor.insert_slice %arg1 into %{{.*}}[2, 0] [3, 4] [1, 1]
func.func @concat(%a: tensor<2x4xf32>, %b: tensor<3x4xf32>) -> tensor<5x4xf32> {
  %c = tensor.concat dim(0) %a, %b : (tensor<2x4xf32>, tensor<3x4xf32>) -> tensor<5x4xf32>
  return %c : tensor<5x4xf32>
}

// -----

// An NCHW residual add after an NHWC 1x1 convolution (a matmul over the
// channels): the add's loops are interchanged to run in the convolution's
// order, (h, w, c), writing its NCHW result through the permuted map, so
// that after bufferization both are loop nests over one iteration space
// and fuse into one kernel. Of two producers the one that reduces wins.
// CHECK-DAG:   #[[HWC:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[CHW:.*]] = affine_map<(d0, d1, d2) -> (d2, d0, d1)>
// CHECK-LABEL: func.func @residual_add_in_convolution_order
// CHECK:         %[[CONV:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK:         %[[SKIP:.*]] = linalg.generic
// CHECK-SAME:        outs(%{{.*}} : tensor<8x4x4xf32>)
// CHECK:         linalg.generic {indexing_maps = [#[[HWC]], #[[CHW]], #[[CHW]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-SAME:        ins(%[[CONV]], %[[SKIP]] : tensor<4x4x8xf32>, tensor<8x4x4xf32>)
#x_hwk = affine_map<(h, w, c, k) -> (h, w, k)>
#w_ck = affine_map<(h, w, c, k) -> (c, k)>
#o_hwc = affine_map<(h, w, c, k) -> (h, w, c)>
#chw = affine_map<(c, h, w) -> (c, h, w)>
#hwc_from_chw = affine_map<(c, h, w) -> (h, w, c)>
func.func @residual_add_in_convolution_order(
    %x: tensor<4x4x8xf32>, %w: tensor<8x8xf32>, %acc: tensor<4x4x8xf32>,
    %skip_in: tensor<8x4x4xf32>) -> (tensor<8x4x4xf32>, tensor<8x4x4xf32>) {
  %conv = linalg.generic {indexing_maps = [#x_hwk, #w_ck, #o_hwc],
                          iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<4x4x8xf32>, tensor<8x8xf32>) outs(%acc : tensor<4x4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %o, %m : f32
    linalg.yield %s : f32
  } -> tensor<4x4x8xf32>
  // A second use keeps this producer apart from the add.
  %e0 = tensor.empty() : tensor<8x4x4xf32>
  %skip = linalg.generic {indexing_maps = [#chw, #chw], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%skip_in : tensor<8x4x4xf32>) outs(%e0 : tensor<8x4x4xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<8x4x4xf32>
  %e1 = tensor.empty() : tensor<8x4x4xf32>
  %sum = linalg.generic {indexing_maps = [#hwc_from_chw, #chw, #chw],
                         iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%conv, %skip : tensor<4x4x8xf32>, tensor<8x4x4xf32>) outs(%e1 : tensor<8x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<8x4x4xf32>
  return %sum, %skip : tensor<8x4x4xf32>, tensor<8x4x4xf32>
}

// -----

// A padded depthwise convolution (3x3 window) over an NCHW -> NHWC
// transpose: the pad is folded into the convolution's reads, and those
// reads go through the transpose to its NCHW source, so no transposed copy
// is made.
// CHECK-LABEL: func.func @padded_read_through_transpose
// CHECK-NOT:     linalg.transpose
// CHECK:         linalg.generic
// CHECK:           tensor.extract %arg0[%{{.*}}, %[[C:.*]], %[[H:.*]], %[[W:.*]]] : tensor<2x4x6x6xf32>
// CHECK-NOT:     linalg.generic
func.func @padded_read_through_transpose(%x: tensor<2x4x6x6xf32>, %k: tensor<3x3x4xf32>,
                                         %acc: tensor<2x6x6x4xf32>) -> tensor<2x6x6x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x6x6x4xf32>
  %t = linalg.transpose ins(%x : tensor<2x4x6x6xf32>) outs(%e : tensor<2x6x6x4xf32>) permutation = [0, 2, 3, 1]
  %p = tensor.pad %t low[0, 1, 1, 0] high[0, 1, 1, 0] {
  ^bb0(%n: index, %i: index, %j: index, %l: index):
    tensor.yield %zero : f32
  } : tensor<2x6x6x4xf32> to tensor<2x8x8x4xf32>
  %r = linalg.depthwise_conv_2d_nhwc_hwc
      {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>}
      ins(%p, %k : tensor<2x8x8x4xf32>, tensor<3x3x4xf32>) outs(%acc : tensor<2x6x6x4xf32>) -> tensor<2x6x6x4xf32>
  return %r : tensor<2x6x6x4xf32>
}

// -----

// An activation and head transpose in front of an output projection,
// separated from it by the collapse of the heads into channels: the
// projection's reduction is expanded into (head, column) so that it reads
// the uncollapsed tensor, and the activation fuses into it.
// CHECK-LABEL: func.func @activation_through_collapse
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK-SAME:        ins(%arg0, %{{.*}} : tensor<2x5x3xf32>, tensor<2x3x4xf32>)
// CHECK:           arith.maximumf
// CHECK:           arith.mulf
// CHECK-NOT:     linalg.generic
#hnd = affine_map<(n, h, d) -> (h, n, d)>
#nhd = affine_map<(n, h, d) -> (n, h, d)>
func.func @activation_through_collapse(%x: tensor<2x5x3xf32>, %w: tensor<6x4xf32>,
                                       %acc: tensor<5x4xf32>) -> tensor<5x4xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x2x3xf32>
  %r = linalg.generic {indexing_maps = [#hnd, #nhd], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x5x3xf32>) outs(%e : tensor<5x2x3xf32>) {
  ^bb0(%a: f32, %o: f32):
    %m = arith.maximumf %a, %zero : f32
    linalg.yield %m : f32
  } -> tensor<5x2x3xf32>
  %c = tensor.collapse_shape %r [[0], [1, 2]] : tensor<5x2x3xf32> into tensor<5x6xf32>
  %mm = linalg.matmul ins(%c, %w : tensor<5x6xf32>, tensor<6x4xf32>)
      outs(%acc : tensor<5x4xf32>) -> tensor<5x4xf32>
  return %mm : tensor<5x4xf32>
}

// -----

// Global average pooling as TOSA computes it: a sum over H (here of a
// residual add, fused into it), then a sum over W. The two reductions
// become one over both axes, accumulating onto the second's init. A sum
// whose accumulator does not start at 0, or a max of a sum, stays apart.
// CHECK-DAG:   #[[X:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG:   #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0)>
// CHECK-LABEL: func.func @pooling_sums_merge
// CHECK:         %[[SUM:.*]] = linalg.generic {indexing_maps = [#[[X]], #[[X]], #[[C]]], iterator_types = ["parallel", "reduction", "reduction"]}
// CHECK-SAME:        ins(%arg0, %arg1 : tensor<8x7x5xf32>, tensor<8x7x5xf32>) outs(%arg2 : tensor<8xf32>)
// CHECK:           arith.addf
// CHECK:           arith.addf
// CHECK-NOT:     linalg.generic
// CHECK:         return %[[SUM]]
// CHECK-LABEL: func.func @nonzero_start_stays
// CHECK-COUNT-3: linalg.generic
// CHECK-LABEL: func.func @max_of_sum_stays
// CHECK-COUNT-3: linalg.generic
#chw3 = affine_map<(c, h, w) -> (c, h, w)>
#cw = affine_map<(c, h, w) -> (c, w)>
#c2 = affine_map<(c, w) -> (c, w)>
#c1 = affine_map<(c, w) -> (c)>
func.func @pooling_sums_merge(%x: tensor<8x7x5xf32>, %y: tensor<8x7x5xf32>,
                              %init: tensor<8xf32>) -> tensor<8xf32> {
  %zero = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<8x7x5xf32>
  %sum = linalg.add ins(%x, %y : tensor<8x7x5xf32>, tensor<8x7x5xf32>)
      outs(%e0 : tensor<8x7x5xf32>) -> tensor<8x7x5xf32>
  %e1 = tensor.empty() : tensor<8x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8x5xf32>) -> tensor<8x5xf32>
  %h = linalg.reduce ins(%sum : tensor<8x7x5xf32>) outs(%f : tensor<8x5xf32>) dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  %w = linalg.reduce ins(%h : tensor<8x5xf32>) outs(%init : tensor<8xf32>) dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  return %w : tensor<8xf32>
}
func.func @nonzero_start_stays(%x: tensor<8x7x5xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %one = arith.constant 1.0 : f32
  %e1 = tensor.empty() : tensor<8x5xf32>
  %f = linalg.fill ins(%one : f32) outs(%e1 : tensor<8x5xf32>) -> tensor<8x5xf32>
  %h = linalg.reduce ins(%x : tensor<8x7x5xf32>) outs(%f : tensor<8x5xf32>) dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  %w = linalg.reduce ins(%h : tensor<8x5xf32>) outs(%init : tensor<8xf32>) dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  return %w : tensor<8xf32>
}
func.func @max_of_sum_stays(%x: tensor<8x7x5xf32>, %init: tensor<8xf32>) -> tensor<8xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<8x5xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e1 : tensor<8x5xf32>) -> tensor<8x5xf32>
  %h = linalg.reduce ins(%x : tensor<8x7x5xf32>) outs(%f : tensor<8x5xf32>) dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  %w = linalg.reduce ins(%h : tensor<8x5xf32>) outs(%init : tensor<8xf32>) dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.maximumf %a, %acc : f32
      linalg.yield %s : f32
    }
  return %w : tensor<8xf32>
}

// -----

// LayerNorm's centring (two ops) is read by the variance and by the
// projection, both reductions: each takes its own copy, so no loop nest is
// left between the mean and the variance. Read by an elementwise op as well,
// it stays (its copy there would be a loop nest anyway).
// CHECK-LABEL: func.func @centring_shared_by_reductions
// CHECK:         %[[MEAN:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME:        ins(%arg0 : tensor<6x8xf32>)
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]
// CHECK-SAME:        ins(%arg0, %[[MEAN]] : tensor<6x8xf32>, tensor<6xf32>)
// CHECK:           arith.subf
// CHECK:           arith.mulf
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK-SAME:        ins(%arg0, %[[MEAN]], %arg1 : tensor<6x8xf32>, tensor<6xf32>, tensor<8x4xf32>)
// CHECK:           arith.subf
// CHECK-NOT:     linalg.generic
// CHECK-LABEL: func.func @centring_also_elementwise
// CHECK-COUNT-4: linalg.generic
// CHECK-NOT:     linalg.generic
#nc = affine_map<(n, c) -> (n, c)>
#n = affine_map<(n, c) -> (n)>
func.func @centring_shared_by_reductions(%x: tensor<6x8xf32>, %w: tensor<8x4xf32>,
    %m0: tensor<6xf32>, %v0: tensor<6xf32>, %o0: tensor<6x4xf32>)
    -> (tensor<6xf32>, tensor<6x4xf32>) {
  %mean = linalg.generic {indexing_maps = [#nc, #n], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<6x8xf32>) outs(%m0 : tensor<6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<6xf32>
  %e = tensor.empty() : tensor<6x8xf32>
  %centred = linalg.generic {indexing_maps = [#nc, #n, #nc], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mean : tensor<6x8xf32>, tensor<6xf32>) outs(%e : tensor<6x8xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %eighth = arith.constant 0.125 : f32
    %mm = arith.mulf %m, %eighth : f32
    %d = arith.subf %a, %mm : f32
    linalg.yield %d : f32
  } -> tensor<6x8xf32>
  %var = linalg.generic {indexing_maps = [#nc, #n], iterator_types = ["parallel", "reduction"]}
      ins(%centred : tensor<6x8xf32>) outs(%v0 : tensor<6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %s = arith.addf %sq, %acc : f32
    linalg.yield %s : f32
  } -> tensor<6xf32>
  %proj = linalg.matmul ins(%centred, %w : tensor<6x8xf32>, tensor<8x4xf32>)
      outs(%o0 : tensor<6x4xf32>) -> tensor<6x4xf32>
  return %var, %proj : tensor<6xf32>, tensor<6x4xf32>
}
func.func @centring_also_elementwise(%x: tensor<6x8xf32>, %m0: tensor<6xf32>,
    %v0: tensor<6xf32>) -> (tensor<6xf32>, tensor<6x8xf32>) {
  %mean = linalg.generic {indexing_maps = [#nc, #n], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<6x8xf32>) outs(%m0 : tensor<6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<6xf32>
  %e = tensor.empty() : tensor<6x8xf32>
  %centred = linalg.generic {indexing_maps = [#nc, #n, #nc], iterator_types = ["parallel", "parallel"]}
      ins(%x, %mean : tensor<6x8xf32>, tensor<6xf32>) outs(%e : tensor<6x8xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    linalg.yield %d : f32
  } -> tensor<6x8xf32>
  %var = linalg.generic {indexing_maps = [#nc, #n], iterator_types = ["parallel", "reduction"]}
      ins(%centred : tensor<6x8xf32>) outs(%v0 : tensor<6xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %s = arith.addf %sq, %acc : f32
    linalg.yield %s : f32
  } -> tensor<6xf32>
  %e2 = tensor.empty() : tensor<6x8xf32>
  %neg = linalg.generic {indexing_maps = [#nc, #nc], iterator_types = ["parallel", "parallel"]}
      ins(%centred : tensor<6x8xf32>) outs(%e2 : tensor<6x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<6x8xf32>
  return %var, %neg : tensor<6xf32>, tensor<6x8xf32>
}

// -----

// The same with the inner accumulator filled by a generalized fill (a
// generic that yields its scalar input), as generalization leaves it.
// CHECK-LABEL: func.func @pooling_sums_merge_generic_fill
// CHECK:         linalg.generic {{.*}} iterator_types = ["parallel", "reduction", "reduction"]
// CHECK-SAME:        ins(%arg0 : tensor<8x7x5xf32>) outs(%arg1 : tensor<8xf32>)
// CHECK-NOT:     linalg.generic
#s0 = affine_map<(c, w) -> ()>
#cw2 = affine_map<(c, w) -> (c, w)>
#chw4 = affine_map<(c, h, w) -> (c, h, w)>
#cw4 = affine_map<(c, h, w) -> (c, w)>
func.func @pooling_sums_merge_generic_fill(%x: tensor<8x7x5xf32>,
                                           %init: tensor<8xf32>) -> tensor<8xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<8x5xf32>
  %f = linalg.generic {indexing_maps = [#s0, #cw2], iterator_types = ["parallel", "parallel"]}
      ins(%zero : f32) outs(%e1 : tensor<8x5xf32>) {
  ^bb0(%z: f32, %o: f32):
    linalg.yield %z : f32
  } -> tensor<8x5xf32>
  %h = linalg.generic {indexing_maps = [#chw4, #cw4], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : tensor<8x7x5xf32>) outs(%f : tensor<8x5xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<8x5xf32>
  %w = linalg.reduce ins(%h : tensor<8x5xf32>) outs(%init : tensor<8xf32>) dimensions = [1]
    (%a: f32, %acc: f32) {
      %s = arith.addf %a, %acc : f32
      linalg.yield %s : f32
    }
  return %w : tensor<8xf32>
}
