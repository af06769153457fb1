// uniform-gpu-forward-kernel-stores: a kernel's result buffer that
// bufferization copies into a view of another buffer (the interior of a
// padded tensor) is replaced by that view in the kernel's stores; the copy
// and the buffer go. Only where nothing can tell: the target is a view of
// an allocation made before the kernel, which neither the kernel nor
// anything between it and the copy uses.
// RUN: uniform-opt %s --split-input-file --uniform-gpu-forward-kernel-stores | FileCheck %s

// The pad's fill stays before the kernel; the subview moves up to it.
// CHECK-LABEL: func.func @into_pad(
// CHECK:         %[[PAD:.*]] = memref.alloc() : memref<10x10xf32>
// CHECK:         linalg.fill ins(%{{.*}} : f32) outs(%[[PAD]] : memref<10x10xf32>)
// CHECK-NOT:     memref.alloc
// CHECK:         %[[VIEW:.*]] = memref.subview %[[PAD]][1, 1] [8, 8] [1, 1]
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}}, %[[VIEW]][%{{.*}}, %{{.*}}] : memref<8x8xf32, strided<[10, 1], offset: 11>>
// CHECK:         }
// CHECK-NOT:     memref.copy
// CHECK-NOT:     memref.dealloc %{{.*}} : memref<8x8xf32>
// CHECK:         return %[[PAD]]
func.func @into_pad(%x: memref<8x8xf32>) -> memref<10x10xf32> {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %pad = memref.alloc() : memref<10x10xf32>
  linalg.fill ins(%zero : f32) outs(%pad : memref<10x10xf32>)
  %out = memref.alloc() : memref<8x8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c8, %sz = %c1) {
    %v = memref.load %x[%tx, %ty] : memref<8x8xf32>
    %d = arith.addf %v, %v : f32
    memref.store %d, %out[%tx, %ty] : memref<8x8xf32>
    gpu.terminator
  }
  %view = memref.subview %pad[1, 1] [8, 8] [1, 1] : memref<10x10xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  memref.copy %out, %view : memref<8x8xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  memref.dealloc %out : memref<8x8xf32>
  return %pad : memref<10x10xf32>
}

// -----

// Left alone: the pad is read between the kernel and the copy (it would
// see the kernel's values early).
// CHECK-LABEL: func.func @target_read_between(
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}}, %[[OUT:.*]][
// CHECK:         memref.load
// CHECK:         memref.copy %[[OUT]]
func.func @target_read_between(%x: memref<8x8xf32>) -> (memref<10x10xf32>, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %pad = memref.alloc() : memref<10x10xf32>
  linalg.fill ins(%zero : f32) outs(%pad : memref<10x10xf32>)
  %view = memref.subview %pad[1, 1] [8, 8] [1, 1] : memref<10x10xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  %out = memref.alloc() : memref<8x8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c8, %sz = %c1) {
    %v = memref.load %x[%tx, %ty] : memref<8x8xf32>
    memref.store %v, %out[%tx, %ty] : memref<8x8xf32>
    gpu.terminator
  }
  %early = memref.load %view[%c0, %c0] : memref<8x8xf32, strided<[10, 1], offset: 11>>
  memref.copy %out, %view : memref<8x8xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  return %pad, %early : memref<10x10xf32>, f32
}

// -----

// Left alone: the kernel reads the buffer it would write into.
// CHECK-LABEL: func.func @kernel_reads_target(
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}}, %[[OUT:[a-z0-9_]+]][
// CHECK:         memref.copy %[[OUT]], %{{.*}} : memref<8x8xf32> to
func.func @kernel_reads_target(%pad: memref<10x10xf32>) -> memref<10x10xf32> {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %own = memref.alloc() : memref<10x10xf32>
  memref.copy %pad, %own : memref<10x10xf32> to memref<10x10xf32>
  %out = memref.alloc() : memref<8x8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c8, %sz = %c1) {
    %v = memref.load %own[%ty, %tx] : memref<10x10xf32>
    memref.store %v, %out[%tx, %ty] : memref<8x8xf32>
    gpu.terminator
  }
  %view = memref.subview %own[1, 1] [8, 8] [1, 1] : memref<10x10xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  memref.copy %out, %view : memref<8x8xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  return %own : memref<10x10xf32>
}

// -----

// Left alone: a target that is not an allocation (a function argument may
// alias the kernel's inputs), and a source that is also read after the
// copy.
// CHECK-LABEL: func.func @not_allocations(
// CHECK-COUNT-2: memref.copy
func.func @not_allocations(%x: memref<8x8xf32>, %arg: memref<8x8xf32>) -> (memref<10x10xf32>, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %out = memref.alloc() : memref<8x8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c8, %sz = %c1) {
    %v = memref.load %x[%tx, %ty] : memref<8x8xf32>
    memref.store %v, %out[%tx, %ty] : memref<8x8xf32>
    gpu.terminator
  }
  memref.copy %out, %arg : memref<8x8xf32> to memref<8x8xf32>
  %pad = memref.alloc() : memref<10x10xf32>
  %out2 = memref.alloc() : memref<8x8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c8, %sz = %c1) {
    %v = memref.load %x[%tx, %ty] : memref<8x8xf32>
    memref.store %v, %out2[%tx, %ty] : memref<8x8xf32>
    gpu.terminator
  }
  %view = memref.subview %pad[1, 1] [8, 8] [1, 1] : memref<10x10xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  memref.copy %out2, %view : memref<8x8xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  %later = memref.load %out2[%c0, %c0] : memref<8x8xf32>
  return %pad, %later : memref<10x10xf32>, f32
}

// -----

// Left alone: the pad reaches a load between the kernel and the copy
// through an op that is not a view (arith.select).
// CHECK-LABEL: func.func @target_escapes(
// CHECK:         gpu.launch
// CHECK:           memref.store %{{.*}}, %[[OUT:[a-z0-9_]+]][
// CHECK:         memref.copy %[[OUT]]
func.func @target_escapes(%x: memref<8x8xf32>, %other: memref<10x10xf32>, %c: i1) -> (memref<10x10xf32>, f32) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %pad = memref.alloc() : memref<10x10xf32>
  %either = arith.select %c, %pad, %other : memref<10x10xf32>
  %out = memref.alloc() : memref<8x8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c8, %sz = %c1) {
    %v = memref.load %x[%tx, %ty] : memref<8x8xf32>
    memref.store %v, %out[%tx, %ty] : memref<8x8xf32>
    gpu.terminator
  }
  %early = memref.load %either[%c1, %c1] : memref<10x10xf32>
  %view = memref.subview %pad[1, 1] [8, 8] [1, 1] : memref<10x10xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  memref.copy %out, %view : memref<8x8xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  return %pad, %early : memref<10x10xf32>, f32
}

// -----

// Left alone: the pad's address escapes (to code that could read it through
// the pointer before the copy).
// CHECK-LABEL: func.func @address_taken(
// CHECK:         memref.copy
func.func @address_taken(%x: memref<8x8xf32>) -> (memref<10x10xf32>, index) {
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %pad = memref.alloc() : memref<10x10xf32>
  %address = memref.extract_aligned_pointer_as_index %pad : memref<10x10xf32> -> index
  %out = memref.alloc() : memref<8x8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%gx = %c1, %gy = %c1, %gz = %c1)
             threads(%tx, %ty, %tz) in (%sx = %c8, %sy = %c8, %sz = %c1) {
    %v = memref.load %x[%tx, %ty] : memref<8x8xf32>
    memref.store %v, %out[%tx, %ty] : memref<8x8xf32>
    gpu.terminator
  }
  %view = memref.subview %pad[1, 1] [8, 8] [1, 1] : memref<10x10xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  memref.copy %out, %view : memref<8x8xf32> to memref<8x8xf32, strided<[10, 1], offset: 11>>
  return %pad, %address : memref<10x10xf32>, index
}
