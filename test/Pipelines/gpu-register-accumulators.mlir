// RUN: uniform-opt %s --split-input-file --uniform-gpu-register-accumulators | FileCheck %s

// A matmul's reduction as convert-linalg-to-parallel-loops writes it: the
// output element is loaded and stored at every step. Its buffer is an
// allocation, the others are arguments: they cannot alias it, so the
// element is carried through the loop.
// CHECK-LABEL: func.func @matmul
// CHECK:         scf.parallel (%[[I:.*]], %[[J:.*]]) =
// CHECK:           %[[INIT:.*]] = memref.load %[[C:.*]][%[[I]], %[[J]]]
// CHECK:           %[[SUM:.*]] = scf.for %{{.*}} = {{.*}} iter_args(%[[ACC:.*]] = %[[INIT]]) -> (f32) {
// CHECK-NOT:         memref.store
// CHECK:             %[[NEW:.*]] = arith.addf %[[ACC]], %{{.*}} : f32
// CHECK:             scf.yield %[[NEW]] : f32
// CHECK:           }
// CHECK:           memref.store %[[SUM]], %[[C]][%[[I]], %[[J]]]
func.func @matmul(%a: memref<4x8xf32>, %b: memref<8x16xf32>) -> memref<4x16xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %c16 = arith.constant 16 : index
  %c = memref.alloc() : memref<4x16xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c16) step (%c1, %c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %k] : memref<4x8xf32>
      %y = memref.load %b[%k, %j] : memref<8x16xf32>
      %acc = memref.load %c[%i, %j] : memref<4x16xf32>
      %p = arith.mulf %x, %y : f32
      %s = arith.addf %acc, %p : f32
      memref.store %s, %c[%i, %j] : memref<4x16xf32>
    }
    scf.reduce
  }
  return %c : memref<4x16xf32>
}

// -----

// A convolution's three reduction loops, innermost first: the element
// leaves all of them. The output is an allocation; the filter a constant
// global, which nothing writes, read through a view.
// CHECK-LABEL: func.func @conv
// CHECK:         scf.parallel
// CHECK:           memref.load
// CHECK-NEXT:      scf.for {{.*}} iter_args
// CHECK-NEXT:        scf.for {{.*}} iter_args
// CHECK-NEXT:          scf.for {{.*}} iter_args
// CHECK-NOT:           memref.store
// CHECK:           memref.store
// CHECK-NEXT:      scf.reduce
memref.global "private" constant @filter : memref<3x3x4x8xf32> = dense<1.0>
func.func @conv(%in: memref<6x6x4xf32>) -> memref<4x4x8xf32> {
  %c0 = arith.constant 0 : index
  %out = memref.alloc() : memref<4x4x8xf32>
  %c1 = arith.constant 1 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %c8 = arith.constant 8 : index
  %g = memref.get_global @filter : memref<3x3x4x8xf32>
  %w = memref.collapse_shape %g [[0], [1], [2, 3]] : memref<3x3x4x8xf32> into memref<3x3x32xf32>
  scf.parallel (%y, %x, %f) = (%c0, %c0, %c0) to (%c4, %c4, %c8) step (%c1, %c1, %c1) {
    scf.for %ky = %c0 to %c3 step %c1 {
      scf.for %kx = %c0 to %c3 step %c1 {
        scf.for %ch = %c0 to %c4 step %c1 {
          %iy = arith.addi %y, %ky : index
          %ix = arith.addi %x, %kx : index
          %v = memref.load %in[%iy, %ix, %ch] : memref<6x6x4xf32>
          %wc = arith.muli %ch, %c8 : index
          %wi = arith.addi %wc, %f : index
          %wv = memref.load %w[%ky, %kx, %wi] : memref<3x3x32xf32>
          %acc = memref.load %out[%y, %x, %f] : memref<4x4x8xf32>
          %p = arith.mulf %v, %wv : f32
          %s = arith.addf %acc, %p : f32
          memref.store %s, %out[%y, %x, %f] : memref<4x4x8xf32>
        }
      }
    }
    scf.reduce
  }
  return %out : memref<4x4x8xf32>
}

// -----

// The input and the output are both arguments, which may alias: a store
// to the output could change what the next step reads. Unchanged.
// CHECK-LABEL: func.func @may_alias
// CHECK:         scf.for
// CHECK-NOT:       iter_args
// CHECK:           memref.store
func.func @may_alias(%a: memref<8xf32>, %c: memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %a[%k] : memref<8xf32>
    %acc = memref.load %c[%c0] : memref<1xf32>
    %s = arith.addf %acc, %x : f32
    memref.store %s, %c[%c0] : memref<1xf32>
  }
  return
}

// -----

// Unchanged: the element's indices change with the loop (no accumulator),
// another element of the buffer is read, or another buffer is written.
// CHECK-LABEL: func.func @not_accumulators
// CHECK-NOT:     iter_args
func.func @not_accumulators(%a: memref<8xf32>) -> (memref<8xf32>, memref<2xf32>, memref<1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %b = memref.alloc() : memref<8xf32>
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %b[%k] : memref<8xf32>
    %y = memref.load %a[%k] : memref<8xf32>
    %s = arith.addf %x, %y : f32
    memref.store %s, %b[%k] : memref<8xf32>
  }
  %c = memref.alloc() : memref<2xf32>
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %c[%c0] : memref<2xf32>
    %y = memref.load %c[%c1] : memref<2xf32>
    %s = arith.addf %x, %y : f32
    memref.store %s, %c[%c0] : memref<2xf32>
  }
  %d = memref.alloc() : memref<1xf32>
  %e = memref.alloc() : memref<8xf32>
  scf.for %k = %c0 to %c8 step %c1 {
    %x = memref.load %d[%c0] : memref<1xf32>
    %s = arith.addf %x, %x : f32
    memref.store %s, %d[%c0] : memref<1xf32>
    memref.store %s, %e[%k] : memref<8xf32>
  }
  return %b, %c, %d : memref<8xf32>, memref<2xf32>, memref<1xf32>
}
