// uniform-cpu-vectorize-contractions: static linalg contractions as scf.for
// loops over register tiles (reductions innermost, each tile the largest
// divisor of its extent within tile-m x tile-n x tile-k, the wide side
// whole vectors of `lanes` where its extent allows), each tile one
// vector.contract whose accumulator is carried through the reduction loop as
// a vector.
// RUN: uniform-opt %s --split-input-file --verify-diagnostics --uniform-cpu-vectorize-contractions --canonicalize --cse | FileCheck %s
// RUN: uniform-opt %s --split-input-file --uniform-cpu-vectorize-contractions="tile-m=4 tile-n=16 tile-k=4 panel-bytes=0" --canonicalize --cse | FileCheck %s --check-prefix=SMALL
// RUN: uniform-opt %s --split-input-file --uniform-cpu-vectorize-contractions="lanes=1 panel-bytes=0" --canonicalize --cse | FileCheck %s --check-prefix=LANES
// RUN: uniform-opt %s --split-input-file --uniform-cpu-vectorize-contractions="panel-bytes=0" --canonicalize --cse | FileCheck %s --check-prefix=PANELS
// RUN: not uniform-opt %s --uniform-cpu-vectorize-contractions="tile-k=0" 2>&1 | FileCheck %s --check-prefix=BOUNDS
// RUN: not uniform-opt %s --uniform-cpu-vectorize-contractions="lanes=0" 2>&1 | FileCheck %s --check-prefix=BOUNDS
// RUN: not uniform-opt %s --uniform-cpu-vectorize-contractions="panel-bytes=-1" 2>&1 | FileCheck %s --check-prefix=BOUNDS
// BOUNDS: error: register tile bounds must be positive

// Whole tiles: 8 x 32 outputs, 8 reduction steps; the accumulator is read
// before the reduction loop and written after it. The weights (64 x 96)
// are larger than the rows (16 x 64): their panels of 32 columns are the
// outer loop, so that each stays in cache while the row tiles pass it.
// CHECK-LABEL: func.func @matmul
// CHECK:         scf.for {{.*}} step %c32
// CHECK:           scf.for {{.*}} step %c8
// CHECK:             %[[ACC:.*]] = vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK:             %[[SUM:.*]] = scf.for {{.*}} step %c8 iter_args(%[[CARRY:.*]] = %[[ACC]]) -> (vector<8x32xf32>)
// CHECK:               vector.transfer_read {{.*}} : tensor<8x8xf32>, vector<8x8xf32>
// CHECK:               vector.transfer_read {{.*}} : tensor<8x32xf32>, vector<8x32xf32>
// CHECK:               vector.contract {{.*}} %[[CARRY]] : vector<8x8xf32>, vector<8x32xf32> into vector<8x32xf32>
// CHECK:             vector.transfer_write %[[SUM]]
// CHECK-NOT:     linalg.matmul
// SMALL-LABEL: func.func @matmul
// SMALL:         vector.contract {{.*}} : vector<4x4xf32>, vector<4x16xf32> into vector<4x16xf32>
func.func @matmul(%a: tensor<16x64xf32>, %b: tensor<64x96xf32>, %c: tensor<16x96xf32>) -> tensor<16x96xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x96xf32>) outs(%c : tensor<16x96xf32>) -> tensor<16x96xf32>
  return %r : tensor<16x96xf32>
}

// -----

// Extents that 8 and 32 do not divide: 7 rows, 7 steps, and 50 columns,
// split into 48 (tiles of one 16-lane vector) and a contraction of the 2
// left; the batch is tiled by 1 and dropped from the vectors. With lanes=1,
// tiles of 25 columns.
// CHECK-LABEL: func.func @batch_matmul_odd
// CHECK:         vector.contract {{.*}} : vector<7x7xf32>, vector<7x16xf32> into vector<7x16xf32>
// CHECK:         vector.contract {{.*}} : vector<7x7xf32>, vector<7x2xf32> into vector<7x2xf32>
// LANES-LABEL: func.func @batch_matmul_odd
// LANES:         vector.contract {{.*}} : vector<7x7xf32>, vector<7x25xf32> into vector<7x25xf32>
// LANES-NOT:     vector<7x2xf32>
// LANES-LABEL: func.func @scores
func.func @batch_matmul_odd(%a: tensor<3x7x49xf32>, %b: tensor<3x49x50xf32>, %c: tensor<3x7x50xf32>) -> tensor<3x7x50xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<3x7x49xf32>, tensor<3x49x50xf32>) outs(%c : tensor<3x7x50xf32>) -> tensor<3x7x50xf32>
  return %r : tensor<3x7x50xf32>
}

// -----

// Attention scores as attn-to-linalg writes them (a generic, k read along
// its rows): the broadcasts the vectorizer reads become the contraction's
// maps, k's tile transposed ((d1, d2): n by depth).
// CHECK-DAG:   #[[Q:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG:   #[[K:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-DAG:   #[[S:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @scores
// CHECK:         vector.contract {indexing_maps = [#[[Q]], #[[K]], #[[S]]], {{.*}} : vector<7x8xf32>, vector<16x8xf32> into vector<7x16xf32>
// CHECK:         vector.contract {indexing_maps = [#[[Q]], #[[K]], #[[S]]], {{.*}} : vector<7x8xf32>, vector<1x8xf32> into vector<7x1xf32>
#q = affine_map<(b, n, m, d) -> (b, n, d)>
#k = affine_map<(b, n, m, d) -> (b, m, d)>
#s = affine_map<(b, n, m, d) -> (b, n, m)>
func.func @scores(%q: tensor<2x49x16xf32>, %k: tensor<2x49x16xf32>, %c: tensor<2x49x49xf32>) -> tensor<2x49x49xf32> {
  %r = linalg.generic {indexing_maps = [#q, #k, #s], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%q, %k : tensor<2x49x16xf32>, tensor<2x49x16xf32>) outs(%c : tensor<2x49x49xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x49x49xf32>
  return %r : tensor<2x49x49xf32>
}

// -----

// An output contiguous along m (out[n, m]): m gets the wide tile, n the
// narrow one (10 -> 5 of the 8). 48 is three vectors of 16 lanes, so the
// wide tile is one vector (16), not the largest divisor within 32 (24: a
// vector and a half, which LLVM assembles with shuffles); with lanes=1 it
// is 24.
// CHECK-LABEL: func.func @output_transposed
// CHECK:         vector.contract {{.*}} into vector<5x16xf32>
// LANES-LABEL: func.func @output_transposed
// LANES:         vector.contract {{.*}} into vector<5x24xf32>
#a = affine_map<(m, n, k) -> (m, k)>
#b = affine_map<(m, n, k) -> (k, n)>
#t = affine_map<(m, n, k) -> (n, m)>
func.func @output_transposed(%a: tensor<48x20xf32>, %b: tensor<20x10xf32>, %c: tensor<10x48xf32>) -> tensor<10x48xf32> {
  %r = linalg.generic {indexing_maps = [#a, #b, #t], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %b : tensor<48x20xf32>, tensor<20x10xf32>) outs(%c : tensor<10x48xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<10x48xf32>
  return %r : tensor<10x48xf32>
}

// -----

// A 1x1 convolution with unit strides is a matrix product over the pixels
// (1 x 7 x 9 = 63 rows, tiles of 7) and the channels (40 filters: 32 and
// 8). Other convolutions
// (strides, larger windows) are matrix products of their im2col patches,
// up to 2^24 patch elements: one strided slice of the input per kernel tap
// inserted into that tap's columns of [N, OH, OW, KH, KW, C].
// CHECK-LABEL: func.func @conv1x1
// CHECK-DAG:     tensor.collapse_shape %arg0 {{\[\[}}0, 1, 2], [3]] : tensor<1x7x9x24xf32> into tensor<63x24xf32>
// CHECK-DAG:     tensor.collapse_shape %arg1 {{\[\[}}0, 1, 2], [3]] : tensor<40x1x1x24xf32> into tensor<40x24xf32>
// CHECK-DAG:     tensor.collapse_shape %arg2 {{\[\[}}0, 1, 2], [3]] : tensor<1x7x9x40xf32> into tensor<63x40xf32>
// CHECK:         vector.contract {{.*}} : vector<7x8xf32>, vector<32x8xf32> into vector<7x32xf32>
// CHECK:         vector.contract {{.*}} : vector<7x8xf32>, vector<8x8xf32> into vector<7x8xf32>
// CHECK:         tensor.expand_shape {{.*}} output_shape [1, 7, 9, 40] : tensor<63x40xf32> into tensor<1x7x9x40xf32>
// CHECK-NOT:     linalg.conv_2d_nhwc_fhwc
// CHECK-LABEL: func.func @conv1x1_strided
// CHECK:         %[[TAP:.*]] = tensor.extract_slice %arg0[0, 0, 0, 0] [1, 4, 5, 24] [1, 2, 2, 1]
// CHECK:         %[[PATCHES:.*]] = tensor.insert_slice %[[TAP]] into %{{.*}}[0, 0, 0, 0, 0, 0] [1, 4, 5, 1, 1, 24] [1, 1, 1, 1, 1, 1] : tensor<1x4x5x24xf32> into tensor<1x4x5x1x1x24xf32>
// CHECK-DAG:     tensor.collapse_shape %[[PATCHES]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<1x4x5x1x1x24xf32> into tensor<20x24xf32>
// CHECK-DAG:     tensor.collapse_shape %arg1 {{\[\[}}0], [1, 2, 3]] : tensor<40x1x1x24xf32> into tensor<40x24xf32>
// CHECK:         vector.contract {{.*}} : vector<5x8xf32>, vector<32x8xf32> into vector<5x32xf32>
// CHECK:         vector.contract {{.*}} : vector<5x8xf32>, vector<8x8xf32> into vector<5x8xf32>
// The images' patches are rows of one product (2 x 16 = 32 rows); the
// last of the nine taps starts at row 2, column 2.
// CHECK-LABEL: func.func @conv3x3_stride2
// CHECK-COUNT-8: tensor.insert_slice
// CHECK:         %[[TAP:.*]] = tensor.extract_slice %arg0[0, 2, 2, 0] [2, 4, 4, 16] [1, 2, 2, 1]
// CHECK:         %[[PATCHES:.*]] = tensor.insert_slice %[[TAP]] into %{{.*}}[0, 0, 0, 2, 2, 0] [2, 4, 4, 1, 1, 16]
// CHECK:         tensor.collapse_shape %[[PATCHES]] {{\[\[}}0, 1, 2], [3, 4, 5]] : tensor<2x4x4x3x3x16xf32> into tensor<32x144xf32>
// CHECK:         vector.contract {{.*}} : vector<8x8xf32>, vector<32x8xf32> into vector<8x32xf32>
// CHECK-LABEL: func.func @conv_patches_too_large
// CHECK:         linalg.conv_2d_nhwc_fhwc
func.func @conv1x1(%x: tensor<1x7x9x24xf32>, %w: tensor<40x1x1x24xf32>, %b: tensor<1x7x9x40xf32>) -> tensor<1x7x9x40xf32> {
  %r = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x7x9x24xf32>, tensor<40x1x1x24xf32>) outs(%b : tensor<1x7x9x40xf32>) -> tensor<1x7x9x40xf32>
  return %r : tensor<1x7x9x40xf32>
}
func.func @conv1x1_strided(%x: tensor<1x7x9x24xf32>, %w: tensor<40x1x1x24xf32>, %b: tensor<1x4x5x40xf32>) -> tensor<1x4x5x40xf32> {
  %r = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x7x9x24xf32>, tensor<40x1x1x24xf32>) outs(%b : tensor<1x4x5x40xf32>) -> tensor<1x4x5x40xf32>
  return %r : tensor<1x4x5x40xf32>
}
func.func @conv3x3_stride2(%x: tensor<2x9x10x16xf32>, %w: tensor<32x3x3x16xf32>, %b: tensor<2x4x4x32xf32>) -> tensor<2x4x4x32xf32> {
  %r = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<2x9x10x16xf32>, tensor<32x3x3x16xf32>) outs(%b : tensor<2x4x4x32xf32>) -> tensor<2x4x4x32xf32>
  return %r : tensor<2x4x4x32xf32>
}
// 128 x 128 pixels by 3 x 3 x 128 channels: 18.9M patch elements.
func.func @conv_patches_too_large(%x: tensor<1x130x130x128xf32>, %w: tensor<8x3x3x128xf32>, %b: tensor<1x128x128x8xf32>) -> tensor<1x128x128x8xf32> {
  %r = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x130x130x128xf32>, tensor<8x3x3x128xf32>) outs(%b : tensor<1x128x128x8xf32>) -> tensor<1x128x128x8xf32>
  return %r : tensor<1x128x128x8xf32>
}

// -----

// Attention's output projection reduces over heads and head channels,
// out[b,n,c] += x[b,n,h,d] * w[h,d,c]: the two reductions, contiguous in
// both operands, become one loop of h*d = 64 (uniform::
// collapseContractionDims), so that the tile is one reduction and lowers to
// outer products. Batch and rows (b, n) become one loop of 2 x 49 = 98.
// CHECK-LABEL: func.func @two_reductions
// CHECK-DAG:     tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2, 3]] : tensor<2x49x4x16xf32> into tensor<98x64xf32>
// CHECK-DAG:     tensor.collapse_shape %arg1 {{\[\[}}0, 1], [2]] : tensor<4x16x64xf32> into tensor<64x64xf32>
// CHECK:         vector.contract {indexing_maps = [#{{.*}}, #{{.*}}, #{{.*}}], iterator_types = ["parallel", "parallel", "reduction"], kind = #vector.kind<add>} {{.*}} : vector<7x8xf32>, vector<8x32xf32> into vector<7x32xf32>
// CHECK:         tensor.expand_shape {{.*}} output_shape [2, 49, 64] : tensor<98x64xf32> into tensor<2x49x64xf32>
// A reduction over two loops that are not contiguous in an operand stays
// two loops (only the rows collapse).
// CHECK-LABEL: func.func @split_reductions
// CHECK:         tensor.collapse_shape %arg0 {{\[\[}}0, 1], [2], [3]] : tensor<1x8x4x16xf32> into tensor<8x4x16xf32>
// CHECK-NOT:     tensor.collapse_shape %arg1
// CHECK:         vector.contract {{.*}}iterator_types = ["parallel", "parallel", "reduction", "reduction"]
#x = affine_map<(b, n, c, h, d) -> (b, n, h, d)>
#w = affine_map<(b, n, c, h, d) -> (h, d, c)>
#o = affine_map<(b, n, c, h, d) -> (b, n, c)>
#wt = affine_map<(b, n, c, h, d) -> (d, c, h)>
func.func @two_reductions(%x: tensor<2x49x4x16xf32>, %w: tensor<4x16x64xf32>, %acc: tensor<2x49x64xf32>) -> tensor<2x49x64xf32> {
  %r = linalg.generic {indexing_maps = [#x, #w, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : tensor<2x49x4x16xf32>, tensor<4x16x64xf32>) outs(%acc : tensor<2x49x64xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x49x64xf32>
  return %r : tensor<2x49x64xf32>
}
func.func @split_reductions(%x: tensor<1x8x4x16xf32>, %w: tensor<16x64x4xf32>, %acc: tensor<1x8x64xf32>) -> tensor<1x8x64xf32> {
  %r = linalg.generic {indexing_maps = [#x, #wt, #o], iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%x, %w : tensor<1x8x4x16xf32>, tensor<16x64x4xf32>) outs(%acc : tensor<1x8x64xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %s = arith.addf %c, %m : f32
    linalg.yield %s : f32
  } -> tensor<1x8x64xf32>
  return %r : tensor<1x8x64xf32>
}

// -----

// Left alone: a dynamic extent, and ops that are not contractions.
// CHECK-LABEL: func.func @not_register_tiled
// CHECK-NOT:     vector.
// CHECK:         linalg.matmul
// CHECK:         linalg.generic
// CHECK-NOT:     vector.
#id = affine_map<(i, j) -> (i, j)>
func.func @not_register_tiled(%a: tensor<?x64xf32>, %b: tensor<64x96xf32>, %c: tensor<?x96xf32>, %x: tensor<16x96xf32>) -> (tensor<?x96xf32>, tensor<16x96xf32>) {
  %r = linalg.matmul ins(%a, %b : tensor<?x64xf32>, tensor<64x96xf32>) outs(%c : tensor<?x96xf32>) -> tensor<?x96xf32>
  %e = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<16x96xf32>) outs(%x : tensor<16x96xf32>) {
  ^bb0(%in: f32, %out: f32):
    %y = arith.mulf %in, %in : f32
    linalg.yield %y : f32
  } -> tensor<16x96xf32>
  return %r, %e : tensor<?x96xf32>, tensor<16x96xf32>
}

// -----

// Constant weights stored [F, C] (a 1x1 filter, through the reshapes the
// importer leaves) are transposed at compile time into [C, F], so that
// the tiles read rows of F: the filter's map becomes (c, f).
// CHECK-DAG:   #[[CF:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-LABEL: func.func @conv1x1_constant_weights
// CHECK:         arith.constant dense<{{\[\[}}1.000000e+00, 5.000000e+00, 9.000000e+00], [2.000000e+00, 6.000000e+00, 1.000000e+01], [3.000000e+00, 7.000000e+00, 1.100000e+01], [4.000000e+00, 8.000000e+00, 1.200000e+01]]> : tensor<4x3xf32>
// CHECK:         vector.contract {indexing_maps = [#{{.*}}, #[[CF]], #{{.*}}], {{.*}} : vector<7x4xf32>, vector<4x3xf32> into vector<7x3xf32>
func.func @conv1x1_constant_weights(%x: tensor<1x7x9x4xf32>, %b: tensor<1x7x9x3xf32>) -> tensor<1x7x9x3xf32> {
  %flat = arith.constant dense<[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0]> : tensor<12xf32>
  %w = tensor.expand_shape %flat [[0, 1, 2, 3]] output_shape [3, 1, 1, 4] : tensor<12xf32> into tensor<3x1x1x4xf32>
  %r = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x7x9x4xf32>, tensor<3x1x1x4xf32>) outs(%b : tensor<1x7x9x3xf32>) -> tensor<1x7x9x3xf32>
  return %r : tensor<1x7x9x3xf32>
}

// -----

// Constant weights [K, N] of a generic product (convolutions become them;
// named linalg.matmul ops are not packed) of at least panel-bytes and wider
// than one register tile (64 columns, tiles of 32) are stored in panels [N / 32, K, 32]: panel p holds
// columns 32p..32p+31, the product runs over (m, p, c, k) into the output
// expanded to [M, 2, 32], and each tile reads one contiguous panel.
// Below panel-bytes (2 MiB by default), the weights stay [K, N].
// CHECK-LABEL: func.func @constant_panels
// CHECK-NOT:     tensor<2x4x32xf32>
// CHECK:         vector.contract {{.*}} : vector<8x4xf32>, vector<4x32xf32> into vector<8x32xf32>
// PANELS-LABEL: func.func @constant_panels
// PANELS:         %[[PANELS:.*]] = arith.constant dense<{{.*}}> : tensor<2x4x32xf32>
// PANELS:         tensor.expand_shape %arg1 {{\[\[}}0], [1, 2]] output_shape [8, 2, 32] : tensor<8x64xf32> into tensor<8x2x32xf32>
// PANELS:         tensor.extract_slice %[[PANELS]][%{{.*}}, 0, 0] [1, 4, 32] [1, 1, 1]
// PANELS:         vector.contract {{.*}} : vector<8x4xf32>, vector<1x4x32xf32> into vector<8x1x32xf32>
// PANELS:         tensor.collapse_shape {{.*}} {{\[\[}}0], [1, 2]] : tensor<8x2x32xf32> into tensor<8x64xf32>
// With lanes=1 the wide tile is still 32 (of 64): panels too.
// LANES-LABEL: func.func @constant_panels
// LANES:         arith.constant dense<{{.*}}> : tensor<2x4x32xf32>
// SMALL-LABEL: func.func @constant_panels
// SMALL:         arith.constant dense<{{.*}}> : tensor<4x4x16xf32>
func.func @constant_panels(%a: tensor<8x4xf32>, %c: tensor<8x64xf32>) -> tensor<8x64xf32> {
  %w = arith.constant dense<[
    [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0, 11.0, 12.0, 13.0, 14.0, 15.0, 16.0, 17.0, 18.0, 19.0, 20.0, 21.0, 22.0, 23.0, 24.0, 25.0, 26.0, 27.0, 28.0, 29.0, 30.0, 31.0, 32.0, 33.0, 34.0, 35.0, 36.0, 37.0, 38.0, 39.0, 40.0, 41.0, 42.0, 43.0, 44.0, 45.0, 46.0, 47.0, 48.0, 49.0, 50.0, 51.0, 52.0, 53.0, 54.0, 55.0, 56.0, 57.0, 58.0, 59.0, 60.0, 61.0, 62.0, 63.0],
    [100.0, 101.0, 102.0, 103.0, 104.0, 105.0, 106.0, 107.0, 108.0, 109.0, 110.0, 111.0, 112.0, 113.0, 114.0, 115.0, 116.0, 117.0, 118.0, 119.0, 120.0, 121.0, 122.0, 123.0, 124.0, 125.0, 126.0, 127.0, 128.0, 129.0, 130.0, 131.0, 132.0, 133.0, 134.0, 135.0, 136.0, 137.0, 138.0, 139.0, 140.0, 141.0, 142.0, 143.0, 144.0, 145.0, 146.0, 147.0, 148.0, 149.0, 150.0, 151.0, 152.0, 153.0, 154.0, 155.0, 156.0, 157.0, 158.0, 159.0, 160.0, 161.0, 162.0, 163.0],
    [200.0, 201.0, 202.0, 203.0, 204.0, 205.0, 206.0, 207.0, 208.0, 209.0, 210.0, 211.0, 212.0, 213.0, 214.0, 215.0, 216.0, 217.0, 218.0, 219.0, 220.0, 221.0, 222.0, 223.0, 224.0, 225.0, 226.0, 227.0, 228.0, 229.0, 230.0, 231.0, 232.0, 233.0, 234.0, 235.0, 236.0, 237.0, 238.0, 239.0, 240.0, 241.0, 242.0, 243.0, 244.0, 245.0, 246.0, 247.0, 248.0, 249.0, 250.0, 251.0, 252.0, 253.0, 254.0, 255.0, 256.0, 257.0, 258.0, 259.0, 260.0, 261.0, 262.0, 263.0],
    [300.0, 301.0, 302.0, 303.0, 304.0, 305.0, 306.0, 307.0, 308.0, 309.0, 310.0, 311.0, 312.0, 313.0, 314.0, 315.0, 316.0, 317.0, 318.0, 319.0, 320.0, 321.0, 322.0, 323.0, 324.0, 325.0, 326.0, 327.0, 328.0, 329.0, 330.0, 331.0, 332.0, 333.0, 334.0, 335.0, 336.0, 337.0, 338.0, 339.0, 340.0, 341.0, 342.0, 343.0, 344.0, 345.0, 346.0, 347.0, 348.0, 349.0, 350.0, 351.0, 352.0, 353.0, 354.0, 355.0, 356.0, 357.0, 358.0, 359.0, 360.0, 361.0, 362.0, 363.0]
  ]> : tensor<4x64xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%a, %w : tensor<8x4xf32>, tensor<4x64xf32>) outs(%c : tensor<8x64xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x64xf32>
  return %r : tensor<8x64xf32>
}

// -----

// The output's init is computed tile by tile inside the loops over output
// tiles, not as a pass over the whole output before them: the bias
// broadcast of a 1x1 convolution (collapsed with the output to the
// product's rows) becomes each tile's accumulator, read from the bias and
// broadcast, and the loops start from the empty tensor. Nothing reads the
// broadcast back from memory.
// CHECK-LABEL: func.func @conv1x1_bias_init
// CHECK:         %[[EMPTY:.*]] = tensor.empty() : tensor<1x7x8x32xf32>
// CHECK:         %[[OUT:.*]] = tensor.collapse_shape %[[EMPTY]] {{\[\[}}0, 1, 2], [3]] : tensor<1x7x8x32xf32> into tensor<56x32xf32>
// CHECK:         scf.for {{.*}} step %c8 iter_args(%{{.*}} = %[[OUT]]) -> (tensor<56x32xf32>)
// CHECK:           %[[BIAS:.*]] = vector.transfer_read %arg2[%c0], %{{.*}} : tensor<32xf32>, vector<32xf32>
// CHECK:           %[[INIT:.*]] = vector.broadcast %[[BIAS]] : vector<32xf32> to vector<8x32xf32>
// CHECK:           scf.for {{.*}} iter_args({{.*}} = %[[INIT]]) -> (vector<8x32xf32>)
// CHECK:             vector.contract
// CHECK-NOT:     linalg.generic
func.func @conv1x1_bias_init(%x: tensor<1x7x8x24xf32>, %w: tensor<32x1x1x24xf32>, %bias: tensor<32xf32>) -> tensor<1x7x8x32xf32> {
  %e = tensor.empty() : tensor<1x7x8x32xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d3)>, affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%bias : tensor<32xf32>) outs(%e : tensor<1x7x8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<1x7x8x32xf32>
  %r = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<1> : tensor<2xi64>} ins(%x, %w : tensor<1x7x8x24xf32>, tensor<32x1x1x24xf32>) outs(%b : tensor<1x7x8x32xf32>) -> tensor<1x7x8x32xf32>
  return %r : tensor<1x7x8x32xf32>
}

// -----

// One zero fill shared by two products (as CSE leaves it) is given to each:
// both start their tiles from a zero vector, and no fill is left.
// CHECK-LABEL: func.func @shared_zero_fill
// CHECK:         %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<8x32xf32>
// CHECK:         scf.for {{.*}} iter_args({{.*}} = %[[ZERO]]) -> (vector<8x32xf32>)
// CHECK:         scf.for {{.*}} iter_args({{.*}} = %[[ZERO]]) -> (vector<8x32xf32>)
// CHECK-NOT:     linalg.fill
func.func @shared_zero_fill(%a: tensor<16x64xf32>, %b: tensor<64x32xf32>, %c: tensor<64x32xf32>) -> (tensor<16x32xf32>, tensor<16x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %r0 = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x32xf32>) outs(%f : tensor<16x32xf32>) -> tensor<16x32xf32>
  %r1 = linalg.matmul ins(%a, %c : tensor<16x64xf32>, tensor<64x32xf32>) outs(%f : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %r0, %r1 : tensor<16x32xf32>, tensor<16x32xf32>
}

// -----

// An init that something other than a fill or a broadcast computes (here a
// ReLU) stays a whole tensor that the tiles read their accumulators from.
// CHECK-LABEL: func.func @computed_init
// CHECK:         %[[RELU:.*]] = linalg.generic
// CHECK:           arith.maximumf
// CHECK:         scf.for {{.*}} iter_args(%{{.*}} = %[[RELU]])
// CHECK:           %[[ACC:.*]] = vector.transfer_read
// CHECK:           scf.for {{.*}} iter_args({{.*}} = %[[ACC]]) -> (vector<8x32xf32>)
func.func @computed_init(%a: tensor<16x64xf32>, %b: tensor<64x32xf32>, %c: tensor<16x32xf32>) -> tensor<16x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %relu = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<16x32xf32>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %zero : f32
    linalg.yield %m : f32
  } -> tensor<16x32xf32>
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x32xf32>) outs(%relu : tensor<16x32xf32>) -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}

// -----

// The whole output is one tile (8 x 32): the broadcast is the accumulator
// the reduction loop starts from.
// CHECK-LABEL: func.func @one_tile_bias_init
// CHECK:         %[[BIAS:.*]] = vector.transfer_read %arg2[%c0], %{{.*}} : tensor<32xf32>, vector<32xf32>
// CHECK:         %[[INIT:.*]] = vector.broadcast %[[BIAS]] : vector<32xf32> to vector<8x32xf32>
// CHECK:         scf.for {{.*}} iter_args({{.*}} = %[[INIT]]) -> (vector<8x32xf32>)
// CHECK-NOT:     linalg.generic
func.func @one_tile_bias_init(%a: tensor<8x64xf32>, %w: tensor<64x32xf32>, %bias: tensor<32xf32>) -> tensor<8x32xf32> {
  %e = tensor.empty() : tensor<8x32xf32>
  %b = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d1)>, affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<32xf32>) outs(%e : tensor<8x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<8x32xf32>
  %r = linalg.matmul ins(%a, %w : tensor<8x64xf32>, tensor<64x32xf32>) outs(%b : tensor<8x32xf32>) -> tensor<8x32xf32>
  return %r : tensor<8x32xf32>
}

// -----

// A narrow input (3 channels, a network's stem): the KW = 3 pixels of a
// window row are adjacent in NHWC, so each output pixel's kernel row is one
// 9-element vector read from the input row ([1, 9, 27] collapsed from
// [1, 9, 9, 3], column 2 * 3 * ow for stride 2) and written to its patch
// row [pixel, kh, 0]: 3 copies per output pixel, not 9 of 3 channels.
// CHECK-LABEL: func.func @conv3x3_stride2_narrow
// CHECK:         %[[ROWS:.*]] = tensor.collapse_shape %arg0 {{\[\[}}0], [1], [2, 3]] : tensor<1x9x9x3xf32> into tensor<1x9x27xf32>
// CHECK:         %[[EMPTY:.*]] = tensor.empty() : tensor<16x3x9xf32>
// CHECK:         scf.for {{.*}} = %c0 to %c4 {{.*}} iter_args(%{{.*}} = %[[EMPTY]])
// CHECK:           scf.for {{.*}} = %c0 to %c4
// CHECK:             vector.transfer_read %[[ROWS]][%c0, %{{.*}}, %{{.*}}], %{{.*}} {in_bounds = [true]} : tensor<1x9x27xf32>, vector<9xf32>
// CHECK:             vector.transfer_write %{{.*}}[%{{.*}}, %c0, %c0] {in_bounds = [true]} : vector<9xf32>, tensor<16x3x9xf32>
// CHECK:             vector.transfer_read %[[ROWS]]
// CHECK:             vector.transfer_write %{{.*}}[%{{.*}}, %c1, %c0]
// CHECK:             vector.transfer_read %[[ROWS]]
// CHECK:             vector.transfer_write %{{.*}}[%{{.*}}, %c2, %c0]
// CHECK:         tensor.collapse_shape %{{.*}} {{\[\[}}0], [1, 2]] : tensor<16x3x9xf32> into tensor<16x27xf32>
// CHECK:         vector.contract {{.*}} : vector<8x3xf32>, vector<8x3xf32> into vector<8x8xf32>
// CHECK-NOT:     linalg.conv_2d_nhwc_fhwc
func.func @conv3x3_stride2_narrow(%x: tensor<1x9x9x3xf32>, %w: tensor<8x3x3x3xf32>, %b: tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32> {
  %r = linalg.conv_2d_nhwc_fhwc {dilations = dense<1> : tensor<2xi64>, strides = dense<2> : tensor<2xi64>} ins(%x, %w : tensor<1x9x9x3xf32>, tensor<8x3x3x3xf32>) outs(%b : tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
  return %r : tensor<1x4x4x8xf32>
}
