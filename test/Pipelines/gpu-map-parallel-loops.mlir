// uniform-gpu-map-parallel-loops: every outermost scf.parallel becomes one
// dimension tiled by block-size, the tile loop on block x and the loop inside
// it on thread x; serial nests that touch memory run on one thread; copies
// between strided buffers become loops.
// RUN: uniform-opt %s --split-input-file --uniform-gpu-map-parallel-loops | FileCheck %s
// RUN: uniform-opt %s --split-input-file --uniform-gpu-map-parallel-loops="block-size=64" | FileCheck %s --check-prefix=B64
// RUN: not uniform-opt %s --split-input-file --uniform-gpu-map-parallel-loops="block-size=2048" 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: uniform-gpu-map-parallel-loops: block-size must be in [1, 1024], got 2048

// CHECK-LABEL: func.func @elementwise
// CHECK-DAG:     %[[C0:.*]] = arith.constant 0 : index
// CHECK-DAG:     %[[C32:.*]] = arith.constant 32 : index
// CHECK-DAG:     %[[C256:.*]] = arith.constant 256 : index
// CHECK-DAG:     %[[C1568:.*]] = arith.constant 1568 : index
// CHECK:         scf.parallel (%[[B:.*]]) = (%[[C0]]) to (%[[C1568]]) step (%[[C256]])
// CHECK:           scf.parallel (%[[T:.*]]) = (%[[C0]]) to (%[[C256]])
// CHECK:             %[[I:.*]] = arith.addi %[[T]], %[[B]]
// CHECK:             arith.cmpi ult, %{{.*}}, %[[C1568]]
// CHECK:             scf.if
// CHECK:               %[[J:.*]] = arith.remsi %[[I]], %[[C32]]
// CHECK:               %[[R:.*]] = arith.divsi %[[I]], %[[C32]]
// CHECK:               memref.load %arg0[%[[R]], %[[J]]]
// CHECK:               memref.store %{{.*}}, %arg1[%[[R]], %[[J]]]
// CHECK:           } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// B64-LABEL:   func.func @elementwise
// B64:           %[[C64:.*]] = arith.constant 64 : index
// B64:           scf.parallel {{.*}} step (%[[C64]])
func.func @elementwise(%a: memref<49x32xf32>, %b: memref<49x32xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c32 = arith.constant 32 : index
  %c49 = arith.constant 49 : index
  scf.parallel (%i, %j) = (%c0, %c0) to (%c49, %c32) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<49x32xf32>
    %y = arith.negf %x : f32
    memref.store %y, %b[%i, %j] : memref<49x32xf32>
  }
  return
}

// -----

// Dynamic extents map the same way; reduction loops stay inside each thread.
// CHECK-LABEL: func.func @dynamic_rows
// CHECK:         scf.parallel
// CHECK:           scf.parallel
// CHECK:             scf.for
// CHECK:           } {mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_x
func.func @dynamic_rows(%a: memref<?x8xf32>, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %n = memref.dim %a, %c0 : memref<?x8xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %k = %c0 to %c8 step %c1 {
      %x = memref.load %a[%i, %k] : memref<?x8xf32>
      %acc = memref.load %out[%i] : memref<?xf32>
      %s = arith.addf %x, %acc : f32
      memref.store %s, %out[%i] : memref<?xf32>
    }
  }
  return
}

// -----

// A nest with no parallel loop (a full reduction) runs on one thread of one
// block instead of on the host: a loop shorter than block-size gets a block
// of its own length.
// CHECK-LABEL: func.func @full_reduction
// CHECK:         %[[ONE:.*]] = arith.constant 1 : index
// CHECK:         scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[ONE]]) step (%[[ONE]])
// CHECK:           scf.parallel (%{{.*}}) = (%{{.*}}) to (%[[ONE]]) step (%[[ONE]])
// CHECK:             scf.for
// CHECK:               memref.load
// CHECK:           } {mapping = [#gpu.loop_dim_map<processor = thread_x
// CHECK:         } {mapping = [#gpu.loop_dim_map<processor = block_x
func.func @full_reduction(%a: memref<16xf32>, %out: memref<f32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c16 = arith.constant 16 : index
  scf.for %k = %c0 to %c16 step %c1 {
    %x = memref.load %a[%k] : memref<16xf32>
    %acc = memref.load %out[] : memref<f32>
    %s = arith.addf %x, %acc : f32
    memref.store %s, %out[] : memref<f32>
  }
  return
}

// -----

// A copy into a strided view becomes a parallel loop of loads and stores;
// a copy between contiguous buffers is left for gpu.memcpy.
// CHECK-LABEL: func.func @copies
// CHECK:         %[[VIEW:.*]] = memref.subview
// CHECK:         scf.parallel
// CHECK:           scf.parallel
// CHECK:             memref.load %arg0
// CHECK:             memref.store %{{.*}}, %[[VIEW]]
// CHECK:         memref.copy %arg0, %arg2
// CHECK-NOT:     memref.copy
func.func @copies(%a: memref<4x8xf32>, %b: memref<4x16xf32>, %c: memref<4x8xf32>) {
  %view = memref.subview %b[0, 8] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1], offset: 8>>
  memref.copy %a, %view : memref<4x8xf32> to memref<4x8xf32, strided<[16, 1], offset: 8>>
  memref.copy %a, %c : memref<4x8xf32> to memref<4x8xf32>
  return
}

// -----

// A contiguous slice at a non-zero offset (one head's slot of a
// concatenation) is copied by threads too: gpu.memcpy's lowering passes the
// aligned pointer and would drop the offset. A slice at offset 0 stays a
// memcpy.
// CHECK-LABEL: func.func @copy_into_slot
// CHECK:         %[[FIRST:.*]] = memref.subview %arg1[0, 0, 0]
// CHECK:         %[[SECOND:.*]] = memref.subview %arg1[1, 0, 0]
// CHECK:         memref.copy %arg0, %[[FIRST]]
// CHECK:         scf.parallel
// CHECK:           memref.store %{{.*}}, %[[SECOND]]
// CHECK-NOT:     memref.copy
func.func @copy_into_slot(%a: memref<1x4x8xf32>, %stack: memref<2x4x8xf32>) {
  %first = memref.subview %stack[0, 0, 0] [1, 4, 8] [1, 1, 1] : memref<2x4x8xf32> to memref<1x4x8xf32, strided<[32, 8, 1]>>
  %second = memref.subview %stack[1, 0, 0] [1, 4, 8] [1, 1, 1] : memref<2x4x8xf32> to memref<1x4x8xf32, strided<[32, 8, 1], offset: 32>>
  memref.copy %a, %first : memref<1x4x8xf32> to memref<1x4x8xf32, strided<[32, 8, 1]>>
  memref.copy %a, %second : memref<1x4x8xf32> to memref<1x4x8xf32, strided<[32, 8, 1], offset: 32>>
  return
}
