// uniform-cpu-vectorize-elementwise: static all-parallel linalg.generic ops
// whose operands read the innermost loop contiguously (or not at all) get
// their loops collapsed where every operand allows, the innermost one tiled
// by `width` elements (a remainder split off as its own op, so that no tile
// is masked) and each tile vectorized.
// RUN: uniform-opt %s --split-input-file --uniform-cpu-vectorize-elementwise --canonicalize --cse | FileCheck %s
// RUN: uniform-opt %s --split-input-file --uniform-cpu-vectorize-elementwise=width=16 --canonicalize --cse | FileCheck %s --check-prefix=NARROW
// RUN: not uniform-opt %s --uniform-cpu-vectorize-elementwise=width=0 2>&1 | FileCheck %s --check-prefix=BOUNDS
// BOUNDS: error: elementwise tile width must be positive

// A ReLU written as a clamp (as TOSA lowers ONNX's Relu) over an NHWC
// tensor: one loop of 1*112*112*16 elements, tiles of 64.
// CHECK-LABEL: func.func @clamp
// CHECK:         tensor.collapse_shape %arg0 {{\[\[}}0, 1, 2, 3]] : tensor<1x112x112x16xf32> into tensor<200704xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c200704 step %c64
// CHECK:           %[[X:.*]] = vector.transfer_read {{.*}} : tensor<64xf32>, vector<64xf32>
// CHECK:           %[[LO:.*]] = arith.minimumf %[[X]], %{{.*}} : vector<64xf32>
// CHECK:           %[[Y:.*]] = arith.maximumf %[[LO]], %{{.*}} : vector<64xf32>
// CHECK:           vector.transfer_write %[[Y]]
// CHECK:         tensor.expand_shape
// CHECK-NOT:     linalg.generic
// NARROW-LABEL: func.func @clamp
// NARROW:         scf.for %{{.*}} = %c0 to %c200704 step %c16
// NARROW:           arith.minimumf {{.*}} : vector<16xf32>
#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @clamp(%x: tensor<1x112x112x16xf32>) -> tensor<1x112x112x16xf32> {
  %e = tensor.empty() : tensor<1x112x112x16xf32>
  %r = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x112x112x16xf32>) outs(%e : tensor<1x112x112x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %big = arith.constant 3.40282347E+38 : f32
    %zero = arith.constant 0.0 : f32
    %lo = arith.minimumf %in, %big : f32
    %y = arith.maximumf %lo, %zero : f32
    linalg.yield %y : f32
  } -> tensor<1x112x112x16xf32>
  return %r : tensor<1x112x112x16xf32>
}

// -----

// A bias broadcast along rows of 100: the pixels collapse into one loop of
// 35 rows, the channels do not (the bias reads only them); each row is a
// tile of 64 and a remainder op of 36, both static.
// CHECK-LABEL: func.func @bias_remainder
// CHECK:         tensor.collapse_shape %arg0 {{\[\[}}0, 1, 2], [3]] : tensor<1x5x7x100xf32> into tensor<35x100xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c35 step %c1
// CHECK:           vector.transfer_read {{.*}} permutation_map = {{.*}} : tensor<64xf32>, vector<1x64xf32>
// CHECK:           arith.addf {{.*}} : vector<1x64xf32>
// CHECK:         scf.for %{{.*}} = %c0 to %c35 step %c1
// CHECK:           arith.addf {{.*}} : vector<1x36xf32>
// CHECK-NOT:     linalg.generic
#id = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#c = affine_map<(d0, d1, d2, d3) -> (d3)>
func.func @bias_remainder(%x: tensor<1x5x7x100xf32>, %b: tensor<100xf32>) -> tensor<1x5x7x100xf32> {
  %e = tensor.empty() : tensor<1x5x7x100xf32>
  %r = linalg.generic {indexing_maps = [#id, #c, #id], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x, %b : tensor<1x5x7x100xf32>, tensor<100xf32>) outs(%e : tensor<1x5x7x100xf32>) {
  ^bb0(%in: f32, %bias: f32, %out: f32):
    %y = arith.addf %in, %bias : f32
    linalg.yield %y : f32
  } -> tensor<1x5x7x100xf32>
  return %r : tensor<1x5x7x100xf32>
}

// -----

// Rows shorter than a tile: 16 columns, 4 rows a tile (64 elements).
// CHECK-LABEL: func.func @short_rows
// CHECK:         scf.for %{{.*}} = %c0 to %c36 step %c4
// CHECK:           arith.mulf {{.*}} : vector<4x16xf32>
#r2 = affine_map<(d0, d1) -> (d0, d1)>
#c2 = affine_map<(d0, d1) -> (d1)>
func.func @short_rows(%x: tensor<36x16xf32>, %s: tensor<16xf32>) -> tensor<36x16xf32> {
  %e = tensor.empty() : tensor<36x16xf32>
  %r = linalg.generic {indexing_maps = [#r2, #c2, #r2], iterator_types = ["parallel", "parallel"]} ins(%x, %s : tensor<36x16xf32>, tensor<16xf32>) outs(%e : tensor<36x16xf32>) {
  ^bb0(%in: f32, %scale: f32, %out: f32):
    %y = arith.mulf %in, %scale : f32
    linalg.yield %y : f32
  } -> tensor<36x16xf32>
  return %r : tensor<36x16xf32>
}

// -----

// Left alone: an operand read across the innermost loop (a transpose,
// uniform-cpu-vectorize-transposes' job), a reduction, a dynamic extent.
// CHECK-LABEL: func.func @transposed_operand
// CHECK-NOT:     vector.
// CHECK:         linalg.generic
#t = affine_map<(d0, d1) -> (d1, d0)>
#i = affine_map<(d0, d1) -> (d0, d1)>
func.func @transposed_operand(%x: tensor<13x17xf32>, %y: tensor<17x13xf32>) -> tensor<13x17xf32> {
  %e = tensor.empty() : tensor<13x17xf32>
  %r = linalg.generic {indexing_maps = [#i, #t, #i], iterator_types = ["parallel", "parallel"]} ins(%x, %y : tensor<13x17xf32>, tensor<17x13xf32>) outs(%e : tensor<13x17xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<13x17xf32>
  return %r : tensor<13x17xf32>
}

// CHECK-LABEL: func.func @row_sums
// CHECK-NOT:     vector.
// CHECK:         linalg.generic
#rows = affine_map<(d0, d1) -> (d0)>
func.func @row_sums(%x: tensor<13x17xf32>, %init: tensor<13xf32>) -> tensor<13xf32> {
  %r = linalg.generic {indexing_maps = [#i, #rows], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<13x17xf32>) outs(%init : tensor<13xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<13xf32>
  return %r : tensor<13xf32>
}

// CHECK-LABEL: func.func @dynamic
// CHECK-NOT:     vector.
// CHECK:         linalg.generic
func.func @dynamic(%x: tensor<?x17xf32>, %e: tensor<?x17xf32>) -> tensor<?x17xf32> {
  %r = linalg.generic {indexing_maps = [#i, #i], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<?x17xf32>) outs(%e : tensor<?x17xf32>) {
  ^bb0(%a: f32, %out: f32):
    %s = arith.negf %a : f32
    linalg.yield %s : f32
  } -> tensor<?x17xf32>
  return %r : tensor<?x17xf32>
}

// CHECK-LABEL: func.func @bool_operand
// CHECK-NOT:     vector.
// CHECK:         linalg.generic
// (A vector of i1 is stored as packed bits; a tensor of i1 holds a byte
// per element once bufferized.)
func.func @bool_operand(%m: tensor<4x6xi1>, %x: tensor<4x6xf32>, %y: tensor<4x6xf32>) -> tensor<4x6xf32> {
  %e = tensor.empty() : tensor<4x6xf32>
  %r = linalg.generic {indexing_maps = [#i, #i, #i, #i], iterator_types = ["parallel", "parallel"]} ins(%m, %x, %y : tensor<4x6xi1>, tensor<4x6xf32>, tensor<4x6xf32>) outs(%e : tensor<4x6xf32>) {
  ^bb0(%c: i1, %a: f32, %b: f32, %out: f32):
    %s = arith.select %c, %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4x6xf32>
  return %r : tensor<4x6xf32>
}

// -----

// An operand that is a slice of a larger tensor (here a strided window) is
// not contiguous once bufferized: the loops stay uncollapsed, one tile of
// 6 rows of 8.
// CHECK-LABEL: func.func @slice_operand
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         arith.negf {{.*}} : vector<6x8xf32>
// CHECK-NOT:     tensor.collapse_shape
#s = affine_map<(d0, d1) -> (d0, d1)>
func.func @slice_operand(%x: tensor<12x8xf32>) -> tensor<6x8xf32> {
  %w = tensor.extract_slice %x[0, 0] [6, 8] [2, 1] : tensor<12x8xf32> to tensor<6x8xf32>
  %e = tensor.empty() : tensor<6x8xf32>
  %r = linalg.generic {indexing_maps = [#s, #s], iterator_types = ["parallel", "parallel"]} ins(%w : tensor<6x8xf32>) outs(%e : tensor<6x8xf32>) {
  ^bb0(%a: f32, %out: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<6x8xf32>
  return %r : tensor<6x8xf32>
}

// -----

// A pad of an elementwise op's only use (a ReLU before a padded
// convolution): the ReLU writes into the padded tensor's interior, so no
// copy of its result is left for the pad, and only the border is filled:
// the row above (1x1x5x8), then the column left of the interior rows
// (1x4x1x8); no element is written twice.
// CHECK-LABEL: func.func @relu_then_pad
// CHECK-NOT:     tensor.pad
// CHECK:         %[[EMPTY:.*]] = tensor.empty() : tensor<1x5x5x8xf32>
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x1x5x8xf32>)
// CHECK:         %[[TOP:.*]] = tensor.insert_slice %{{.*}} into %[[EMPTY]][0, 0, 0, 0] [1, 1, 5, 8] [1, 1, 1, 1]
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%{{.*}} : tensor<1x4x1x8xf32>)
// CHECK:         %[[BORDER:.*]] = tensor.insert_slice %{{.*}} into %[[TOP]][0, 1, 0, 0] [1, 4, 1, 8] [1, 1, 1, 1]
// CHECK:         %[[INTERIOR:.*]] = tensor.extract_slice %[[BORDER]][0, 1, 1, 0] [1, 4, 4, 8] [1, 1, 1, 1]
// CHECK:         %[[RELU:.*]] = scf.for {{.*}} iter_args(%{{.*}} = %[[INTERIOR]])
// CHECK:           arith.maximumf {{.*}} : vector<1x1x4x8xf32>
// CHECK:         tensor.insert_slice %[[RELU]] into %[[BORDER]][0, 1, 1, 0] [1, 4, 4, 8] [1, 1, 1, 1]
// CHECK-NOT:     linalg.fill
// CHECK-NOT:     tensor.pad
#pad = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
func.func @relu_then_pad(%x: tensor<1x4x4x8xf32>) -> tensor<1x5x5x8xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x4x4x8xf32>
  %r = linalg.generic {indexing_maps = [#pad, #pad], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<1x4x4x8xf32>) outs(%e : tensor<1x4x4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %cst : f32
    linalg.yield %m : f32
  } -> tensor<1x4x4x8xf32>
  %p = tensor.pad %r low[0, 1, 1, 0] high[0, 0, 0, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %cst : f32
  } : tensor<1x4x4x8xf32> to tensor<1x5x5x8xf32>
  return %p : tensor<1x5x5x8xf32>
}

// -----

// An empty loop is left alone (no tile of zero elements).
// CHECK-LABEL: func.func @empty
// CHECK-NOT:     vector.
// CHECK:         linalg.generic
#e = affine_map<(d0, d1) -> (d0, d1)>
func.func @empty(%x: tensor<4x0xf32>) -> tensor<4x0xf32> {
  %o = tensor.empty() : tensor<4x0xf32>
  %r = linalg.generic {indexing_maps = [#e, #e], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x0xf32>) outs(%o : tensor<4x0xf32>) {
  ^bb0(%a: f32, %out: f32):
    %n = arith.negf %a : f32
    linalg.yield %n : f32
  } -> tensor<4x0xf32>
  return %r : tensor<4x0xf32>
}

// -----

// Loops whose extents multiply past INT64_MAX are not collapsed: 2^40 x 2^24
// would wrap to a loop of 0 elements (the fuzz corpus's
// cpu-vectorize-collapse-overflow.mlir). The inner loop alone is tiled.
// CHECK-LABEL: func.func @collapse_overflow
// CHECK-NOT:     tensor.collapse_shape
// CHECK:         vector.transfer_read
#o = affine_map<(d0, d1) -> (d0, d1)>
func.func @collapse_overflow(%x: tensor<1099511627776x16777216xf32>) -> tensor<1099511627776x16777216xf32> {
  %r = linalg.generic {indexing_maps = [#o, #o], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<1099511627776x16777216xf32>) outs(%x : tensor<1099511627776x16777216xf32>) {
  ^bb0(%a: f32, %out: f32):
    %n = arith.addf %a, %a : f32
    linalg.yield %n : f32
  } -> tensor<1099511627776x16777216xf32>
  return %r : tensor<1099511627776x16777216xf32>
}

// -----

// A pad whose source no elementwise op computes (an argument here; a
// product's loops in a model): the source is inserted into a tensor of
// which only the border is filled, four slabs around the 3x3 interior
// (above, below, then left and right of the interior rows), instead of a
// fill of the whole 6x6 and a copy over its interior.
// CHECK-LABEL: func.func @pad_of_argument
// CHECK:         %[[EMPTY:.*]] = tensor.empty() : tensor<1x6x6x4xf32>
// CHECK:         linalg.fill ins(%[[V:.*]] : f32) outs(%{{.*}} : tensor<1x2x6x4xf32>)
// CHECK:         %[[S0:.*]] = tensor.insert_slice %{{.*}} into %[[EMPTY]][0, 0, 0, 0] [1, 2, 6, 4] [1, 1, 1, 1]
// CHECK:         linalg.fill ins(%[[V]] : f32) outs(%{{.*}} : tensor<1x1x6x4xf32>)
// CHECK:         %[[S1:.*]] = tensor.insert_slice %{{.*}} into %[[S0]][0, 5, 0, 0] [1, 1, 6, 4] [1, 1, 1, 1]
// CHECK:         linalg.fill ins(%[[V]] : f32) outs(%{{.*}} : tensor<1x3x1x4xf32>)
// CHECK:         %[[S2:.*]] = tensor.insert_slice %{{.*}} into %[[S1]][0, 2, 0, 0] [1, 3, 1, 4] [1, 1, 1, 1]
// CHECK:         linalg.fill ins(%[[V]] : f32) outs(%{{.*}} : tensor<1x3x2x4xf32>)
// CHECK:         %[[S3:.*]] = tensor.insert_slice %{{.*}} into %[[S2]][0, 2, 4, 0] [1, 3, 2, 4] [1, 1, 1, 1]
// CHECK:         tensor.insert_slice %arg0 into %[[S3]][0, 2, 1, 0] [1, 3, 3, 4] [1, 1, 1, 1]
// CHECK-NOT:     tensor.pad
// A pad with a dynamic extent is left to bufferization.
// CHECK-LABEL: func.func @dynamic_pad
// CHECK:         tensor.pad
func.func @pad_of_argument(%x: tensor<1x3x3x4xf32>) -> tensor<1x6x6x4xf32> {
  %cst = arith.constant -1.0 : f32
  %p = tensor.pad %x low[0, 2, 1, 0] high[0, 1, 2, 0] {
  ^bb0(%a: index, %b: index, %c: index, %d: index):
    tensor.yield %cst : f32
  } : tensor<1x3x3x4xf32> to tensor<1x6x6x4xf32>
  return %p : tensor<1x6x6x4xf32>
}

func.func @dynamic_pad(%x: tensor<?x4xf32>) -> tensor<?x6xf32> {
  %cst = arith.constant 0.0 : f32
  %p = tensor.pad %x low[0, 1] high[0, 1] {
  ^bb0(%a: index, %b: index):
    tensor.yield %cst : f32
  } : tensor<?x4xf32> to tensor<?x6xf32>
  return %p : tensor<?x6xf32>
}
