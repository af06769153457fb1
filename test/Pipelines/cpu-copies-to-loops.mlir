// uniform-cpu-copies-to-loops: copies that finalize-memref-to-llvm would
// lower to the runner utilities' memrefCopy (an operand neither of identity
// layout nor static and row-major contiguous) become loops, of vector rows
// where both sides have static contiguous rows of at most 256 elements (the
// outer extents may be dynamic);
// copies it lowers to llvm.memcpy stay.
// RUN: uniform-opt %s --uniform-cpu-copies-to-loops | FileCheck %s

// A head's slice of a concatenation: strided target, rows of 16 contiguous
// on both sides, one vector transfer per row.
// CHECK-LABEL: func.func @strided
// CHECK-SAME:    (%[[SRC:.*]]: memref<4x49x16xf32>, %[[DST:.*]]: memref<4x4x49x16xf32>)
// CHECK:         %[[VIEW:.*]] = memref.subview %[[DST]]
// CHECK:         scf.for %[[I:.*]] = %{{.*}} to %c4
// CHECK:           scf.for %[[J:.*]] = %{{.*}} to %c49
// CHECK:             %[[ROW:.*]] = vector.transfer_read %[[SRC]][%[[I]], %[[J]], %c0], {{.*}} {in_bounds = [true]} : memref<4x49x16xf32>, vector<16xf32>
// CHECK:             vector.transfer_write %[[ROW]], %[[VIEW]][%[[I]], %[[J]], %c0] {in_bounds = [true]}
// CHECK-NOT:     memref.copy
func.func @strided(%src: memref<4x49x16xf32>, %dst: memref<4x4x49x16xf32>) {
  %view = memref.subview %dst[0, 1, 0, 0] [4, 1, 49, 16] [1, 1, 1, 1]
      : memref<4x4x49x16xf32> to memref<4x49x16xf32, strided<[3136, 16, 1], offset: 784>>
  memref.copy %src, %view : memref<4x49x16xf32> to memref<4x49x16xf32, strided<[3136, 16, 1], offset: 784>>
  return
}

// An im2col tap: the input read with strides 2 over pixels, rows of 3
// channels.
// CHECK-LABEL: func.func @strided_source
// CHECK:         vector.transfer_read {{.*}} : memref<1x4x4x3xf32, strided<[300, 60, 6, 1], offset: 3>>, vector<3xf32>
func.func @strided_source(%src: memref<1x10x10x3xf32>, %dst: memref<1x4x4x3xf32>) {
  %view = memref.subview %src[0, 0, 1, 0] [1, 4, 4, 3] [1, 2, 2, 1]
      : memref<1x10x10x3xf32> to memref<1x4x4x3xf32, strided<[300, 60, 6, 1], offset: 3>>
  memref.copy %view, %dst : memref<1x4x4x3xf32, strided<[300, 60, 6, 1], offset: 3>> to memref<1x4x4x3xf32>
  return
}

// A dynamic batch (a padded feature map's interior): the outer loop runs to
// the source's extent, rows of 16 as vectors.
// CHECK-LABEL: func.func @dynamic_batch
// CHECK-SAME:    (%[[SRC:.*]]: memref<?x7x7x16xf32>, %[[DST:.*]]: memref<?x9x9x16xf32>, %{{.*}}: index)
// CHECK:         %[[N:.*]] = memref.dim %[[SRC]], %{{.*}} : memref<?x7x7x16xf32>
// CHECK:         scf.for %{{.*}} = %{{.*}} to %[[N]] step
// CHECK:           scf.for
// CHECK:             scf.for
// CHECK:               vector.transfer_read %[[SRC]]{{.*}} : memref<?x7x7x16xf32>, vector<16xf32>
// CHECK-NOT:     memref.copy
// CHECK-NOT:     scf.parallel
func.func @dynamic_batch(%src: memref<?x7x7x16xf32>, %dst: memref<?x9x9x16xf32>, %n: index) {
  %view = memref.subview %dst[0, 1, 1, 0] [%n, 7, 7, 16] [1, 1, 1, 1]
      : memref<?x9x9x16xf32> to memref<?x7x7x16xf32, strided<[1296, 144, 16, 1], offset: 160>>
  memref.copy %src, %view : memref<?x7x7x16xf32> to memref<?x7x7x16xf32, strided<[1296, 144, 16, 1], offset: 160>>
  return
}

// Scalar loops: an innermost stride other than 1, a dynamic innermost
// extent, rows longer than 256, i1 elements (a vector of i1 is packed
// bits).
// CHECK-LABEL: func.func @scalar
// CHECK-COUNT-4: scf.parallel
// CHECK-NOT:     vector.transfer
// CHECK-NOT:     memref.copy
func.func @scalar(%a: memref<8x8xf32>, %b: memref<8x4xf32>,
                  %c: memref<16x?xf32, strided<[32, 1]>>, %d: memref<16x?xf32>,
                  %e: memref<2x300xf32, strided<[600, 1]>>, %f: memref<2x300xf32>,
                  %g: memref<4x8xi1, strided<[16, 1]>>, %h: memref<4x8xi1>) {
  %columns = memref.subview %a[0, 0] [8, 4] [1, 2]
      : memref<8x8xf32> to memref<8x4xf32, strided<[8, 2]>>
  memref.copy %columns, %b : memref<8x4xf32, strided<[8, 2]>> to memref<8x4xf32>
  memref.copy %c, %d : memref<16x?xf32, strided<[32, 1]>> to memref<16x?xf32>
  memref.copy %e, %f : memref<2x300xf32, strided<[600, 1]>> to memref<2x300xf32>
  memref.copy %g, %h : memref<4x8xi1, strided<[16, 1]>> to memref<4x8xi1>
  return
}

// Identity layouts, dynamic or not, and a static contiguous view stay
// memref.copy (llvm.memcpy).
// CHECK-LABEL: func.func @contiguous
// CHECK-COUNT-3: memref.copy
// CHECK-NOT:     scf.parallel
func.func @contiguous(%a: memref<?x16xf32>, %b: memref<?x16xf32>,
                      %c: memref<8x16xf32>, %d: memref<4x8x16xf32>) {
  memref.copy %a, %b : memref<?x16xf32> to memref<?x16xf32>
  %view = memref.subview %d[1, 0, 0] [1, 8, 16] [1, 1, 1]
      : memref<4x8x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 128>>
  memref.copy %c, %view : memref<8x16xf32> to memref<8x16xf32, strided<[16, 1], offset: 128>>
  %e = memref.alloc() : memref<8x16xf32>
  memref.copy %c, %e : memref<8x16xf32> to memref<8x16xf32>
  memref.dealloc %e : memref<8x16xf32>
  return
}
