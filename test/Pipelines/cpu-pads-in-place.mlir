// uniform-cpu-pipeline on a padded product (a convolution's input padded
// for the next one): the pad's border is filled slab by slab, and the
// product's register tiles write their results straight into the padded
// buffer's interior (empty-tensor elimination before bufferization): no
// buffer of the unpadded product, no copy of it, no fill of the interior.
// RUN: uniform-opt %s --uniform-cpu-pipeline --mlir-print-ir-after=uniform-cpu-copies-to-loops -o /dev/null 2>&1 | FileCheck %s

// CHECK-LABEL: func.func @forward
// CHECK-NOT:     memref.alloc() {{.*}} : memref<16x32xf32>
// CHECK:         %[[PAD:.*]] = memref.alloc() {{.*}} : memref<18x34xf32>
// CHECK-NOT:     memref.alloc
// CHECK:         %[[TOP:.*]] = memref.subview %[[PAD]][0, 0] [1, 34]
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[TOP]] :
// CHECK:         %[[BOTTOM:.*]] = memref.subview %[[PAD]][17, 0] [1, 34]
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[BOTTOM]] :
// CHECK:         %[[LEFT:.*]] = memref.subview %[[PAD]][1, 0] [16, 1]
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[LEFT]] :
// CHECK:         %[[RIGHT:.*]] = memref.subview %[[PAD]][1, 33] [16, 1]
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[RIGHT]] :
// CHECK:         %[[INTERIOR:.*]] = memref.subview %[[PAD]][1, 1] [16, 32]
// CHECK:         scf.for
// CHECK:           %[[TILE:.*]] = memref.subview %[[INTERIOR]]
// CHECK:           vector.contract
// CHECK:           vector.transfer_write %{{.*}}, %[[TILE]]
// CHECK-NOT:     linalg.fill
// CHECK-NOT:     memref.copy
// CHECK:         return %[[PAD]]
func.func @forward(%a: tensor<16x64xf32>, %b: tensor<64x32xf32>) -> tensor<18x34xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %r = linalg.matmul ins(%a, %b : tensor<16x64xf32>, tensor<64x32xf32>) outs(%f : tensor<16x32xf32>) -> tensor<16x32xf32>
  %p = tensor.pad %r low[1, 1] high[1, 1] {
  ^bb0(%i: index, %j: index):
    tensor.yield %zero : f32
  } : tensor<16x32xf32> to tensor<18x34xf32>
  return %p : tensor<18x34xf32>
}
