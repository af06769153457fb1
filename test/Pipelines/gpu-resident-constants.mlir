// uniform-gpu-resident-constants: on the host code after gpu-to-llvm, a
// device copy of a constant global (mgpuMemAlloc, mgpuMemcpy from it,
// mgpuMemFree) whose buffer is only read after the copy becomes one call of
// uniformCudaDeviceConstant on a slot of its own, copied at the first call
// and kept; a destructor releases the slots.
// RUN: uniform-opt %s --split-input-file --uniform-gpu-resident-constants | FileCheck %s

// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK:         llvm.mlir.global internal @__uniform_device_constant{{[_0-9]*}}() {{.*}} : !llvm.ptr {
// CHECK-NEXT:      %[[NULL:.*]] = llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT:      llvm.return %[[NULL]] : !llvm.ptr
// CHECK:         llvm.mlir.global internal @__uniform_device_constant{{[_0-9]*}}() {{.*}} : !llvm.ptr {
// CHECK-LABEL:   llvm.func @forward
// CHECK-SAME:        (%[[STREAM:.*]]: !llvm.ptr, %[[OUT:.*]]: !llvm.ptr)
// CHECK:           %[[BYTES:.*]] = llvm.mlir.constant(32 : i64) : i64
// CHECK:           %[[W:.*]] = llvm.mlir.addressof @weights : !llvm.ptr
// CHECK:           %[[FIRST:.*]] = llvm.getelementptr %[[W]][0, 0]
// CHECK-NOT:       mgpuMemAlloc
// CHECK:           %[[SLOT_ADDR:.*]] = llvm.mlir.addressof @[[SLOT:__uniform_device_constant[_0-9]*]] : !llvm.ptr
// CHECK:           %[[DEV:.*]] = llvm.call @uniformCudaDeviceConstant(%[[SLOT_ADDR]], %[[FIRST]], %[[BYTES]]) : (!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
// CHECK-NOT:       mgpuMemcpy
// CHECK:           gpu.launch_func <%[[STREAM]] : !llvm.ptr> @kernels::@k {{.*}} args(%[[DEV]] : !llvm.ptr, %[[OUT]] : !llvm.ptr)
// A copy of the kept buffer (a kernel's own copy of a constant it writes)
// still reads it at every call.
// CHECK:           %[[OWN:.*]] = llvm.call @mgpuMemAlloc
// CHECK:           llvm.call @mgpuMemcpy(%[[OWN]], %[[DEV]], %[[BYTES]], %[[STREAM]])
// CHECK:           llvm.call @mgpuMemFree(%[[OWN]], %[[STREAM]])
// CHECK-NOT:       mgpuMemFree
// CHECK:           llvm.return
// CHECK-LABEL:   llvm.func @other
// CHECK-NOT:       llvm.mlir.addressof @[[SLOT]] :
// CHECK:           %[[SLOT2_ADDR:.*]] = llvm.mlir.addressof @__uniform_device_constant{{[_0-9]*}} : !llvm.ptr
// CHECK:           llvm.call @uniformCudaDeviceConstant(%[[SLOT2_ADDR]],
// CHECK-NOT:       mgpuMem
// CHECK:           llvm.return
// CHECK:         llvm.func @uniformCudaDeviceConstant(!llvm.ptr, !llvm.ptr, i64) -> !llvm.ptr
// CHECK:         llvm.func @uniformCudaReleaseDeviceConstant(!llvm.ptr)
// CHECK:         llvm.func internal @[[RELEASE:__uniform_release_device_constants]]() {
// CHECK:           llvm.call @uniformCudaReleaseDeviceConstant(%{{.*}})
// CHECK:           llvm.call @uniformCudaReleaseDeviceConstant(%{{.*}})
// CHECK:           llvm.return
// CHECK:         llvm.mlir.global_dtors dtors = [@[[RELEASE]]], priorities = [65535 : i32], data = [#llvm.zero]
module attributes {gpu.container_module} {
  gpu.binary @kernels [#gpu.object<#nvvm.target, "">]
  llvm.mlir.global private constant @weights(dense<1.0> : tensor<8xf32>) {addr_space = 0 : i32} : !llvm.array<8 x f32>
  llvm.func @mgpuMemAlloc(i64, !llvm.ptr, i8) -> !llvm.ptr
  llvm.func @mgpuMemcpy(!llvm.ptr, !llvm.ptr, i64, !llvm.ptr)
  llvm.func @mgpuMemFree(!llvm.ptr, !llvm.ptr)
  llvm.func @forward(%stream: !llvm.ptr, %out: !llvm.ptr) {
    %c1 = llvm.mlir.constant(1 : index) : i64
    %bytes = llvm.mlir.constant(32 : i64) : i64
    %false = llvm.mlir.constant(0 : i8) : i8
    %w = llvm.mlir.addressof @weights : !llvm.ptr
    %first = llvm.getelementptr %w[0, 0] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<8 x f32>
    %dev = llvm.call @mgpuMemAlloc(%bytes, %stream, %false) : (i64, !llvm.ptr, i8) -> !llvm.ptr
    llvm.call @mgpuMemcpy(%dev, %first, %bytes, %stream) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
    gpu.launch_func <%stream : !llvm.ptr> @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%dev : !llvm.ptr, %out : !llvm.ptr)
    %own = llvm.call @mgpuMemAlloc(%bytes, %stream, %false) : (i64, !llvm.ptr, i8) -> !llvm.ptr
    llvm.call @mgpuMemcpy(%own, %dev, %bytes, %stream) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
    gpu.launch_func <%stream : !llvm.ptr> @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%own : !llvm.ptr, %out : !llvm.ptr)
    llvm.call @mgpuMemFree(%own, %stream) : (!llvm.ptr, !llvm.ptr) -> ()
    llvm.call @mgpuMemFree(%dev, %stream) : (!llvm.ptr, !llvm.ptr) -> ()
    llvm.return
  }
  // Each copy has a slot of its own, even of the same global.
  llvm.func @other(%stream: !llvm.ptr, %out: !llvm.ptr) {
    %c1 = llvm.mlir.constant(1 : index) : i64
    %bytes = llvm.mlir.constant(32 : i64) : i64
    %false = llvm.mlir.constant(0 : i8) : i8
    %w = llvm.mlir.addressof @weights : !llvm.ptr
    %dev = llvm.call @mgpuMemAlloc(%bytes, %stream, %false) : (i64, !llvm.ptr, i8) -> !llvm.ptr
    llvm.call @mgpuMemcpy(%dev, %w, %bytes, %stream) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
    gpu.launch_func <%stream : !llvm.ptr> @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%dev : !llvm.ptr, %out : !llvm.ptr)
    llvm.call @mgpuMemFree(%dev, %stream) : (!llvm.ptr, !llvm.ptr) -> ()
    llvm.return
  }
}

// -----

// Left as they are: a copy of a mutable global; of part of a constant one;
// a buffer that leaves the function (stored), or that a kernel uses before
// the copy; a copy into a buffer that is not a fresh allocation. No slot,
// no destructor.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK-NOT:     uniformCudaDeviceConstant
// CHECK-NOT:     global_dtors
// CHECK-COUNT-5: llvm.call @mgpuMemcpy
// CHECK-NOT:     uniformCudaDeviceConstant
// CHECK-NOT:     global_dtors
module attributes {gpu.container_module} {
  gpu.binary @kernels [#gpu.object<#nvvm.target, "">]
  llvm.mlir.global private @state(dense<1.0> : tensor<8xf32>) {addr_space = 0 : i32} : !llvm.array<8 x f32>
  llvm.mlir.global private constant @weights(dense<1.0> : tensor<8xf32>) {addr_space = 0 : i32} : !llvm.array<8 x f32>
  llvm.func @mgpuMemAlloc(i64, !llvm.ptr, i8) -> !llvm.ptr
  llvm.func @mgpuMemcpy(!llvm.ptr, !llvm.ptr, i64, !llvm.ptr)
  llvm.func @mgpuMemFree(!llvm.ptr, !llvm.ptr)
  llvm.func @refused(%stream: !llvm.ptr, %out: !llvm.ptr, %slot: !llvm.ptr) {
    %c1 = llvm.mlir.constant(1 : index) : i64
    %bytes = llvm.mlir.constant(32 : i64) : i64
    %half = llvm.mlir.constant(16 : i64) : i64
    %false = llvm.mlir.constant(0 : i8) : i8
    %s = llvm.mlir.addressof @state : !llvm.ptr
    %mutable = llvm.call @mgpuMemAlloc(%bytes, %stream, %false) : (i64, !llvm.ptr, i8) -> !llvm.ptr
    llvm.call @mgpuMemcpy(%mutable, %s, %bytes, %stream) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
    gpu.launch_func <%stream : !llvm.ptr> @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%mutable : !llvm.ptr, %out : !llvm.ptr)
    %w = llvm.mlir.addressof @weights : !llvm.ptr
    %upper = llvm.getelementptr %w[0, 4] : (!llvm.ptr) -> !llvm.ptr, !llvm.array<8 x f32>
    %part = llvm.call @mgpuMemAlloc(%half, %stream, %false) : (i64, !llvm.ptr, i8) -> !llvm.ptr
    llvm.call @mgpuMemcpy(%part, %upper, %half, %stream) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
    gpu.launch_func <%stream : !llvm.ptr> @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%part : !llvm.ptr, %out : !llvm.ptr)
    %escapes = llvm.call @mgpuMemAlloc(%bytes, %stream, %false) : (i64, !llvm.ptr, i8) -> !llvm.ptr
    llvm.call @mgpuMemcpy(%escapes, %w, %bytes, %stream) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
    llvm.store %escapes, %slot : !llvm.ptr, !llvm.ptr
    %early = llvm.call @mgpuMemAlloc(%bytes, %stream, %false) : (i64, !llvm.ptr, i8) -> !llvm.ptr
    gpu.launch_func <%stream : !llvm.ptr> @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%early : !llvm.ptr, %out : !llvm.ptr)
    llvm.call @mgpuMemcpy(%early, %w, %bytes, %stream) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
    llvm.call @mgpuMemcpy(%out, %w, %bytes, %stream) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
    llvm.call @mgpuMemFree(%mutable, %stream) : (!llvm.ptr, !llvm.ptr) -> ()
    llvm.call @mgpuMemFree(%part, %stream) : (!llvm.ptr, !llvm.ptr) -> ()
    llvm.call @mgpuMemFree(%early, %stream) : (!llvm.ptr, !llvm.ptr) -> ()
    llvm.return
  }
}

// -----

// A module with destructors of its own keeps them; the release is added.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK: llvm.mlir.global_dtors dtors = [@own_dtor, @__uniform_release_device_constants], priorities = [0 : i32, 65535 : i32], data = [#llvm.zero, #llvm.zero]
module attributes {gpu.container_module} {
  gpu.binary @kernels [#gpu.object<#nvvm.target, "">]
  llvm.mlir.global private constant @weights(dense<1.0> : tensor<8xf32>) {addr_space = 0 : i32} : !llvm.array<8 x f32>
  llvm.func @mgpuMemAlloc(i64, !llvm.ptr, i8) -> !llvm.ptr
  llvm.func @mgpuMemcpy(!llvm.ptr, !llvm.ptr, i64, !llvm.ptr)
  llvm.func @mgpuMemFree(!llvm.ptr, !llvm.ptr)
  llvm.func @own_dtor() {
    llvm.return
  }
  llvm.mlir.global_dtors dtors = [@own_dtor], priorities = [0 : i32], data = [#llvm.zero]
  llvm.func @forward(%stream: !llvm.ptr, %out: !llvm.ptr) {
    %c1 = llvm.mlir.constant(1 : index) : i64
    %bytes = llvm.mlir.constant(32 : i64) : i64
    %false = llvm.mlir.constant(0 : i8) : i8
    %w = llvm.mlir.addressof @weights : !llvm.ptr
    %dev = llvm.call @mgpuMemAlloc(%bytes, %stream, %false) : (i64, !llvm.ptr, i8) -> !llvm.ptr
    llvm.call @mgpuMemcpy(%dev, %w, %bytes, %stream) : (!llvm.ptr, !llvm.ptr, i64, !llvm.ptr) -> ()
    gpu.launch_func <%stream : !llvm.ptr> @kernels::@k blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1) : i64 args(%dev : !llvm.ptr, %out : !llvm.ptr)
    llvm.call @mgpuMemFree(%dev, %stream) : (!llvm.ptr, !llvm.ptr) -> ()
    llvm.return
  }
}
