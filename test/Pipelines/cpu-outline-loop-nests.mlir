// uniform-cpu-outline-loop-nests: every loop nest at the top of a function
// body becomes a private, never-inlined function and a call; constants are
// cloned, everything else is passed; memref arguments whose buffer no other
// argument shares are noalias; identical nests (a block repeated with other
// weights) become one function.
// RUN: uniform-opt %s --split-input-file --uniform-cpu-outline-loop-nests | FileCheck %s
// RUN: uniform-opt %s --split-input-file --uniform-cpu-outline-loop-nests=dedupe=false | FileCheck %s --check-prefix=NODEDUPE

// Two nests: the allocation, the global and the argument each appear once,
// so all three are noalias; the index constants are cloned.
// CHECK-LABEL: func.func private @model_nest0
// CHECK-SAME:    (%[[IN:.*]]: memref<16xf32> {llvm.noalias}, %[[W:.*]]: memref<16xf32> {llvm.noalias}, %[[TMP:.*]]: memref<16xf32> {llvm.noalias})
// CHECK-SAME:    attributes {llvm.linkage = #llvm.linkage<internal>, passthrough = ["noinline"], uniform.noalias_pointers = array<i64: 0, 1, 5, 6, 10, 11>}
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C16:.*]] = arith.constant 16 : index
// CHECK-DAG:     %[[C1:.*]] = arith.constant 1 : index
// CHECK:         scf.for %[[I:.*]] = %[[C0]] to %[[C16]] step %[[C1]]
// CHECK:           memref.load %[[IN]][%[[I]]]
// CHECK:           memref.load %[[W]][%[[I]]]
// CHECK:           memref.store %{{.*}}, %[[TMP]][%[[I]]]
// CHECK:         return
// The second nest: the output is the function's argument, %tmp an
// allocation.
// CHECK-LABEL: func.func private @model_nest1
// CHECK-SAME:    (%{{.*}}: memref<16xf32> {llvm.noalias}, %{{.*}}: memref<16xf32> {llvm.noalias})
// CHECK-LABEL: func.func @model
// CHECK-NOT:     attributes
// CHECK-SAME:    (%[[A:.*]]: memref<16xf32>, %[[OUT:.*]]: memref<16xf32>)
// CHECK:         %[[G:.*]] = memref.get_global @w
// CHECK:         %[[ALLOC:.*]] = memref.alloc()
// CHECK:         call @model_nest0(%[[A]], %[[G]], %[[ALLOC]])
// CHECK:         call @model_nest1(%[[ALLOC]], %[[OUT]])
// CHECK-NOT:     scf.for
// CHECK:         return
memref.global "private" constant @w : memref<16xf32> = dense<1.0>
func.func @model(%a: memref<16xf32>, %out: memref<16xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  %w = memref.get_global @w : memref<16xf32>
  %tmp = memref.alloc() : memref<16xf32>
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %a[%i] : memref<16xf32>
    %y = memref.load %w[%i] : memref<16xf32>
    %z = arith.addf %x, %y : f32
    memref.store %z, %tmp[%i] : memref<16xf32>
  }
  scf.for %i = %c0 to %c16 step %c1 {
    %x = memref.load %tmp[%i] : memref<16xf32>
    memref.store %x, %out[%i] : memref<16xf32>
  }
  memref.dealloc %tmp : memref<16xf32>
  return
}

// -----

// Buffers that may alias are not noalias: two views of one allocation, and
// two arguments of the function (a caller may pass one buffer twice). The
// scalar argument comes between them and moves the pointer positions.
// CHECK-LABEL: func.func private @shared_nest0
// CHECK-SAME:    (%{{.*}}: memref<8xf32, strided<[1]>>, %{{.*}}: f32, %{{.*}}: memref<8xf32, strided<[1], offset: 8>>, %{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32> {llvm.noalias})
// CHECK-SAME:    uniform.noalias_pointers = array<i64: 21, 22>
func.func @shared(%a: memref<8xf32>, %b: memref<8xf32>, %s: f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %buf = memref.alloc() : memref<16xf32>
  %lo = memref.subview %buf[0] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1]>>
  %hi = memref.subview %buf[8] [8] [1] : memref<16xf32> to memref<8xf32, strided<[1], offset: 8>>
  %own = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %lo[%i] : memref<8xf32, strided<[1]>>
    %y = arith.mulf %x, %s : f32
    memref.store %y, %hi[%i] : memref<8xf32, strided<[1], offset: 8>>
    %u = memref.load %a[%i] : memref<8xf32>
    memref.store %u, %b[%i] : memref<8xf32>
    memref.store %u, %own[%i] : memref<8xf32>
  }
  return
}

// -----

// A buffer of unknown origin (here a call's result) could be any of the
// others: no argument is noalias.
// CHECK-LABEL: func.func private @opaque_nest0
// CHECK-SAME:    (%{{.*}}: memref<8xf32>, %{{.*}}: memref<8xf32>)
// CHECK-NOT:     noalias
// CHECK-LABEL: func.func @opaque
func.func private @make() -> memref<8xf32>
func.func @opaque() {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %m = call @make() : () -> memref<8xf32>
  %own = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %x = memref.load %m[%i] : memref<8xf32>
    memref.store %x, %own[%i] : memref<8xf32>
  }
  return
}

// -----

// The same nest with two different weights (a repeated block): one
// function, called twice. Loops that yield values and ops that are not
// loops stay where they are.
// CHECK-LABEL: func.func private @blocks_nest0
// CHECK-NOT:   func.func private @blocks_nest1
// CHECK-LABEL: func.func @blocks
// CHECK:         %[[W1:.*]] = memref.get_global @w1
// CHECK:         %[[W2:.*]] = memref.get_global @w2
// CHECK:         call @blocks_nest0(%[[W1]], %{{.*}})
// CHECK:         call @blocks_nest0(%[[W2]], %{{.*}})
// CHECK:         scf.for {{.*}} iter_args
// CHECK:         memref.store
// NODEDUPE-LABEL: func.func private @blocks_nest0
// NODEDUPE-LABEL: func.func private @blocks_nest1
// NODEDUPE-LABEL: func.func @blocks
// NODEDUPE:         call @blocks_nest0(
// NODEDUPE:         call @blocks_nest1(
memref.global "private" constant @w1 : memref<8xf32> = dense<1.0>
memref.global "private" constant @w2 : memref<8xf32> = dense<2.0>
func.func @blocks(%x: memref<8xf32>, %y: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %w1 = memref.get_global @w1 : memref<8xf32>
  %w2 = memref.get_global @w2 : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %w1[%i] : memref<8xf32>
    memref.store %v, %x[%i] : memref<8xf32>
  }
  scf.for %i = %c0 to %c8 step %c1 {
    %v = memref.load %w2[%i] : memref<8xf32>
    memref.store %v, %y[%i] : memref<8xf32>
  }
  %sum = scf.for %i = %c0 to %c8 step %c1 iter_args(%acc = %zero) -> f32 {
    %v = memref.load %x[%i] : memref<8xf32>
    %s = arith.addf %acc, %v : f32
    scf.yield %s : f32
  }
  memref.store %sum, %y[%c0] : memref<8xf32>
  return %sum : f32
}

// -----

// An unranked buffer could be any of the others: nothing is noalias.
// CHECK-LABEL: func.func private @unranked_nest0
// CHECK-SAME:    (%{{.*}}: memref<*xf32>, %{{.*}}: memref<8xf32>)
// CHECK-NOT:     noalias
// CHECK-LABEL: func.func @unranked
func.func @unranked(%u: memref<*xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %own = memref.alloc() : memref<8xf32>
  scf.for %i = %c0 to %c8 step %c1 {
    %r = memref.cast %u : memref<*xf32> to memref<8xf32>
    %x = memref.load %r[%i] : memref<8xf32>
    memref.store %x, %own[%i] : memref<8xf32>
  }
  return
}
