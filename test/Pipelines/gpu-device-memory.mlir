// uniform-gpu-device-memory: host functions allocate, free and copy device
// memory; any other host access to a buffer is an error.
// RUN: uniform-opt %s --split-input-file --verify-diagnostics --uniform-gpu-device-memory | FileCheck %s

// CHECK-LABEL: func.func @buffers
// CHECK:         %[[T:.*]] = gpu.alloc (%arg1) : memref<?x8xf32>
// CHECK:         gpu.memcpy %[[T]], %arg0 : memref<?x8xf32>, memref<?x8xf32>
// CHECK:         gpu.launch
// CHECK:           memref.load %[[T]]
// CHECK:         gpu.dealloc %[[T]] : memref<?x8xf32>
// CHECK-NOT:     memref.alloc
// CHECK-NOT:     memref.copy
// CHECK-NOT:     memref.dealloc
func.func @buffers(%a: memref<?x8xf32>, %n: index) {
  %c1 = arith.constant 1 : index
  %t = memref.alloc(%n) : memref<?x8xf32>
  memref.copy %a, %t : memref<?x8xf32> to memref<?x8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w = %c1) {
    %c0 = arith.constant 0 : index
    %e = memref.load %t[%c0, %c0] : memref<?x8xf32>
    memref.store %e, %a[%c0, %c0] : memref<?x8xf32>
    gpu.terminator
  }
  memref.dealloc %t : memref<?x8xf32>
  return
}

// -----

func.func @host_access(%a: memref<8xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  // expected-error @below {{uniform-gpu-device-memory: 'memref.load' would access device memory from the host; only code inside gpu.launch may read or write buffers}}
  %e = memref.load %a[%c0] : memref<8xf32>
  return %e : f32
}

// -----

func.func @strided_copy(%a: memref<4x8xf32>, %b: memref<4x16xf32>) {
  %view = memref.subview %b[0, 8] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1], offset: 8>>
  // expected-error @below {{uniform-gpu-device-memory: a copy between non-contiguous buffers must be mapped to threads first (uniform-gpu-map-parallel-loops)}}
  memref.copy %a, %view : memref<4x8xf32> to memref<4x8xf32, strided<[16, 1], offset: 8>>
  return
}

// -----

// Kernels get a device copy of a constant global (weights), made where the
// host reads it and freed before the return: a GPU without HMM, such as
// Orin's, faults on host memory.
memref.global "private" constant @weights : memref<8xf32> = dense<1.0>
// CHECK-LABEL: func.func @constant_global
// CHECK:         %[[HOST:.*]] = memref.get_global @weights : memref<8xf32>
// CHECK:         %[[DEV:.*]] = gpu.alloc () : memref<8xf32>
// CHECK:         gpu.memcpy %[[DEV]], %[[HOST]] : memref<8xf32>, memref<8xf32>
// CHECK:         gpu.launch
// CHECK:           memref.load %[[DEV]]
// CHECK:         gpu.dealloc %[[DEV]] : memref<8xf32>
// CHECK-NEXT:    return
func.func @constant_global(%out: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %w = memref.get_global @weights : memref<8xf32>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w2 = %c1) {
    %c0 = arith.constant 0 : index
    %e = memref.load %w[%c0] : memref<8xf32>
    memref.store %e, %out[%c0] : memref<8xf32>
    gpu.terminator
  }
  return
}

// -----

// A kernel that writes a constant's buffer (through a view) gets a copy of
// its own, made from the device copy at every call: the device copy of the
// global stays read-only, as uniform-gpu-resident-constants requires of
// the copies it keeps from call to call.
memref.global "private" constant @scratch_init : memref<8xf32> = dense<0.0>
// CHECK-LABEL: func.func @written_constant
// CHECK:         %[[HOST:.*]] = memref.get_global @scratch_init : memref<8xf32>
// CHECK:         %[[DEV:.*]] = gpu.alloc () : memref<8xf32>
// CHECK:         gpu.memcpy %[[DEV]], %[[HOST]] : memref<8xf32>, memref<8xf32>
// CHECK:         %[[OWN:.*]] = gpu.alloc () : memref<8xf32>
// CHECK:         gpu.memcpy %[[OWN]], %[[DEV]] : memref<8xf32>, memref<8xf32>
// CHECK:         memref.subview %[[OWN]]
// CHECK:         gpu.launch
// CHECK:           memref.store
// CHECK:         gpu.dealloc %[[DEV]] : memref<8xf32>
// CHECK:         gpu.dealloc %[[OWN]] : memref<8xf32>
// CHECK-NEXT:    return
func.func @written_constant(%out: memref<8xf32>) {
  %c1 = arith.constant 1 : index
  %w = memref.get_global @scratch_init : memref<8xf32>
  %half = memref.subview %w[4] [4] [1] : memref<8xf32> to memref<4xf32, strided<[1], offset: 4>>
  gpu.launch blocks(%bx, %by, %bz) in (%x = %c1, %y = %c1, %z = %c1)
             threads(%tx, %ty, %tz) in (%u = %c1, %v = %c1, %w2 = %c1) {
    %c0 = arith.constant 0 : index
    %one = arith.constant 1.0 : f32
    memref.store %one, %half[%c0] : memref<4xf32, strided<[1], offset: 4>>
    %e = memref.load %w[%c0] : memref<8xf32>
    memref.store %e, %out[%c0] : memref<8xf32>
    gpu.terminator
  }
  return
}

// -----

memref.global "private" @state : memref<8xf32> = dense<0.0>
func.func @mutable_global() {
  // expected-error @below {{uniform-gpu-device-memory: kernels can only use constant, contiguous memref.globals (copied to device memory)}}
  %s = memref.get_global @state : memref<8xf32>
  return
}
