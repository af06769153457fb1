// uniform-cpu-lower-vectors, after bufferization, on the register tiles of
// uniform-cpu-vectorize-contractions: each vector.contract becomes one
// broadcast FMA per row and reduction step on the accumulator's rows, which
// the reduction loop carries as vectors.
// RUN: uniform-opt %s --uniform-cpu-vectorize-contractions --canonicalize --one-shot-bufferize="bufferize-function-boundaries" --canonicalize --uniform-cpu-lower-vectors --canonicalize --cse | FileCheck %s

// CHECK-LABEL: func.func @matmul
// CHECK:         %[[ACC:.*]] = vector.transfer_read {{.*}} vector<8x32xf32>
// CHECK:         scf.for {{.*}} iter_args({{.*}} = %[[ACC]]) -> (vector<8x32xf32>)
// CHECK-COUNT-64:  vector.fma {{.*}} : vector<32xf32>
// CHECK:           scf.yield {{.*}} : vector<8x32xf32>
// CHECK:         vector.transfer_write
// CHECK-NOT:     vector.contract
func.func @matmul(%a: tensor<16x64xf32>, %b: tensor<64x96xf32>, %c: tensor<16x96xf32>) -> tensor<16x96xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x96xf32>) outs(%c : tensor<16x96xf32>) -> tensor<16x96xf32>
  return %r : tensor<16x96xf32>
}
