// uniform-cpu-vectorize-transposes: static linalg.transpose as scf.for loops
// over tiles of at most tile x tile elements over the output's innermost
// dimension and the input's (largest divisors within), each tile one read
// of input rows with a permutation map and one write of output rows.
// RUN: uniform-opt %s --split-input-file --uniform-cpu-vectorize-transposes --canonicalize --cse | FileCheck %s
// RUN: uniform-opt %s --split-input-file --uniform-cpu-vectorize-transposes=tile=4 --canonicalize --cse | FileCheck %s --check-prefix=SMALL
// RUN: not uniform-opt %s --uniform-cpu-vectorize-transposes=tile=0 2>&1 | FileCheck %s --check-prefix=BOUNDS
// BOUNDS: error: transpose tiles must be positive

// NCHW to NHWC: tiles of 12 channels (of 24) by all 9 columns, one row at
// a time.
// CHECK:       #[[PERM:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3, d1)>
// CHECK-LABEL: func.func @nchw_to_nhwc
// CHECK:         scf.for {{.*}} to %c7 step %c1
// CHECK:           scf.for {{.*}} to %c24 step %c12
// CHECK:             tensor.extract_slice %arg0{{.*}} [1, 12, 1, 9]
// CHECK:             %[[TILE:.*]] = vector.transfer_read {{.*}} {in_bounds = [true, true, true, true], permutation_map = #[[PERM]]} : tensor<1x12x1x9xf32>, vector<1x1x9x12xf32>
// CHECK:             vector.transfer_write %[[TILE]]
// CHECK-NOT:     linalg.transpose
// SMALL-LABEL: func.func @nchw_to_nhwc
// SMALL:         vector.transfer_read {{.*}} : tensor<1x4x1x3xf32>, vector<1x1x3x4xf32>
func.func @nchw_to_nhwc(%x: tensor<1x24x7x9xf32>) -> tensor<1x7x9x24xf32> {
  %e = tensor.empty() : tensor<1x7x9x24xf32>
  %t = linalg.transpose ins(%x : tensor<1x24x7x9xf32>) outs(%e : tensor<1x7x9x24xf32>) permutation = [0, 2, 3, 1]
  return %t : tensor<1x7x9x24xf32>
}

// -----

// Left alone: a dynamic extent.
// CHECK-LABEL: func.func @dynamic
// CHECK-NOT:     vector.
// CHECK:         linalg.transpose
func.func @dynamic(%x: tensor<?x8xf32>, %e: tensor<8x?xf32>) -> tensor<8x?xf32> {
  %t = linalg.transpose ins(%x : tensor<?x8xf32>) outs(%e : tensor<8x?xf32>) permutation = [1, 0]
  return %t : tensor<8x?xf32>
}
