// uniform-prepare-entry-points: public functions become C-callable entry
// points with their tensor signature recorded; programs with a tensor whose
// size does not fit in 64 bits are rejected.
// RUN: uniform-opt %s --split-input-file --verify-diagnostics --uniform-prepare-entry-points | FileCheck %s

// CHECK-LABEL: func.func @fits(
// CHECK-SAME:    attributes {llvm.emit_c_interface, uniform.signature = (tensor<2x4611686018427387903xi8>) -> tensor<2x4611686018427387903xi8>}
func.func @fits(%a: tensor<2x4611686018427387903xi8>) -> tensor<2x4611686018427387903xi8> {
  return %a : tensor<2x4611686018427387903xi8>
}

// -----

// More elements than 64 bits count. Found by uniform-fuzz-mlir:
// uniform-cpu-pipeline aborted in linalg-fuse-elementwise-ops ("SmallVector
// unable to grow"), which folds the keys' transpose of such a constant.
func.func @too_many_elements() -> tensor<1x2x9223372036854775807x4xf32> {
  // expected-error @below {{'arith.constant' op has a value of type 'tensor<1x2x9223372036854775807x4xf32>' whose size does not fit in 64 bits}}
  %c = arith.constant dense<5.000000e-01> : tensor<1x2x9223372036854775807x4xf32>
  return %c : tensor<1x2x9223372036854775807x4xf32>
}

// -----

// 2^62 elements fit; their 2^64 bytes do not.
// expected-error @below {{'func.func' op has a value of type 'tensor<4611686018427387904xf32>' whose size does not fit in 64 bits}}
func.func @too_many_bytes(%a: tensor<4611686018427387904xf32>) -> tensor<4611686018427387904xf32> {
  return %a : tensor<4611686018427387904xf32>
}

// -----

// A tensor.dim or memref.dim of a constant index outside the rank has no
// defined result; MLIR 22's gpu.alloc canonicalization reads out of bounds
// on a negative one (test/Fuzz/mlir/upstream-gpu-memref-dim-negative-index).
func.func @dim_out_of_range(%t: tensor<4x8xf32>, %m: memref<2xf32>) -> (index, index) {
  %neg = arith.constant -1 : index
  %zero = arith.constant 0 : index
  // expected-error @below {{'tensor.dim' op index -1 is out of range for a value of rank 2}}
  %0 = tensor.dim %t, %neg : tensor<4x8xf32>
  %1 = memref.dim %m, %zero : memref<2xf32>
  return %0, %1 : index, index
}

// -----

func.func @memref_dim_out_of_range(%m: memref<2xf32>) -> index {
  %one = arith.constant 1 : index
  // expected-error @below {{'memref.dim' op index 1 is out of range for a value of rank 1}}
  %0 = memref.dim %m, %one : memref<2xf32>
  return %0 : index
}

// -----

// index elements count as 8 bytes: a shape tensor passes (the size check
// crashed on index, which has no bit width of its own), and 2^61 of them
// do not fit.
// CHECK-LABEL: func.func @index_shape(
func.func @index_shape(%n: index) -> tensor<2xindex> {
  %s = tensor.from_elements %n, %n : tensor<2xindex>
  return %s : tensor<2xindex>
}

// -----

// expected-error @below {{'func.func' op has a value of type 'tensor<2305843009213693952xindex>' whose size does not fit in 64 bits}}
func.func @too_many_index_bytes(%a: tensor<2305843009213693952xindex>) -> tensor<2305843009213693952xindex> {
  return %a : tensor<2305843009213693952xindex>
}
