// uniform-cpu-copies-to-loops: copies that finalize-memref-to-llvm would
// lower to the runner utilities' memrefCopy (an operand neither of identity
// layout nor static and row-major contiguous) become loops; copies it lowers
// to llvm.memcpy stay.
// RUN: uniform-opt %s --uniform-cpu-copies-to-loops | FileCheck %s

// A head's slice of a concatenation: strided target.
// CHECK-LABEL: func.func @strided
// CHECK-SAME:    (%[[SRC:.*]]: memref<4x49x16xf32>, %[[DST:.*]]: memref<4x4x49x16xf32>)
// CHECK:         %[[VIEW:.*]] = memref.subview %[[DST]]
// CHECK:         scf.parallel (%[[I:.*]], %[[J:.*]], %[[K:.*]]) = (%{{.*}}, %{{.*}}, %{{.*}}) to (%{{.*}}, %{{.*}}, %{{.*}}) step
// CHECK:           %[[X:.*]] = memref.load %[[SRC]][%[[I]], %[[J]], %[[K]]]
// CHECK:           memref.store %[[X]], %[[VIEW]][%[[I]], %[[J]], %[[K]]]
// CHECK-NOT:     memref.copy
func.func @strided(%src: memref<4x49x16xf32>, %dst: memref<4x4x49x16xf32>) {
  %view = memref.subview %dst[0, 1, 0, 0] [4, 1, 49, 16] [1, 1, 1, 1]
      : memref<4x4x49x16xf32> to memref<4x49x16xf32, strided<[3136, 16, 1], offset: 784>>
  memref.copy %src, %view : memref<4x49x16xf32> to memref<4x49x16xf32, strided<[3136, 16, 1], offset: 784>>
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
