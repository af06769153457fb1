// uniform-gpu-dedupe-kernels: of the gpu.modules that are identical but
// for the names of their symbols, the first stays and every launch uses it.
// RUN: uniform-opt %s --uniform-gpu-dedupe-kernels | FileCheck %s

// @k0 and @k2 match (their kernels and shared-memory globals have other
// names, used in the same places); @k1 scales by another constant, @k3
// reads its global at another index.
// CHECK-LABEL: module attributes {gpu.container_module}
// CHECK:         gpu.module @k0
// CHECK:         gpu.module @k1
// CHECK-NOT:     gpu.module @k2
// CHECK:         gpu.module @k3
// CHECK-LABEL:   func.func @host
// CHECK:           gpu.launch_func @k0::@kernel
// CHECK:           gpu.launch_func @k1::@kernel
// CHECK:           gpu.launch_func @k0::@kernel
// CHECK:           gpu.launch_func @k3::@kernel
module attributes {gpu.container_module} {
  gpu.module @k0 {
    memref.global "private" @smem_a : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.func @kernel(%x: memref<4xf32>) kernel {
      %t = gpu.thread_id x
      %s = memref.get_global @smem_a : memref<4xf32, #gpu.address_space<workgroup>>
      %v = memref.load %x[%t] : memref<4xf32>
      %c = arith.constant 2.0 : f32
      %m = arith.mulf %v, %c : f32
      memref.store %m, %s[%t] : memref<4xf32, #gpu.address_space<workgroup>>
      gpu.return
    }
  }
  gpu.module @k1 {
    memref.global "private" @smem_b : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.func @kernel(%x: memref<4xf32>) kernel {
      %t = gpu.thread_id x
      %s = memref.get_global @smem_b : memref<4xf32, #gpu.address_space<workgroup>>
      %v = memref.load %x[%t] : memref<4xf32>
      %c = arith.constant 3.0 : f32
      %m = arith.mulf %v, %c : f32
      memref.store %m, %s[%t] : memref<4xf32, #gpu.address_space<workgroup>>
      gpu.return
    }
  }
  gpu.module @k2 {
    memref.global "private" @smem_c : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.func @other_name(%y: memref<4xf32>) kernel {
      %i = gpu.thread_id x
      %g = memref.get_global @smem_c : memref<4xf32, #gpu.address_space<workgroup>>
      %a = memref.load %y[%i] : memref<4xf32>
      %two = arith.constant 2.0 : f32
      %r = arith.mulf %a, %two : f32
      memref.store %r, %g[%i] : memref<4xf32, #gpu.address_space<workgroup>>
      gpu.return
    }
  }
  gpu.module @k3 {
    memref.global "private" @smem_d : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.func @kernel(%x: memref<4xf32>) kernel {
      %t = gpu.thread_id x
      %s = memref.get_global @smem_d : memref<4xf32, #gpu.address_space<workgroup>>
      %v = memref.load %x[%t] : memref<4xf32>
      %c = arith.constant 2.0 : f32
      %m = arith.mulf %v, %c : f32
      %z = arith.constant 0 : index
      memref.store %m, %s[%z] : memref<4xf32, #gpu.address_space<workgroup>>
      gpu.return
    }
  }
  func.func @host(%x: memref<4xf32>) {
    %c1 = arith.constant 1 : index
    %c4 = arith.constant 4 : index
    gpu.launch_func @k0::@kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%x : memref<4xf32>)
    gpu.launch_func @k1::@kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%x : memref<4xf32>)
    gpu.launch_func @k2::@other_name blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%x : memref<4xf32>)
    gpu.launch_func @k3::@kernel blocks in (%c1, %c1, %c1) threads in (%c4, %c1, %c1) args(%x : memref<4xf32>)
    return
  }
}
