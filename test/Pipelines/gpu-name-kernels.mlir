// uniform-gpu-name-kernels: outlining names every kernel of a function
// alike; each module's only kernel takes the module's (unique) name, and
// every launch follows. Profilers and uniformCudaPrintKernelTimes see the
// kernel's name alone.
// RUN: uniform-opt %s --uniform-gpu-name-kernels | FileCheck %s
// RUN: uniform-opt %s --uniform-gpu-name-kernels --uniform-gpu-name-kernels | FileCheck %s

// CHECK-LABEL: gpu.module @f_kernel {
// CHECK:         gpu.func @f_kernel() kernel
// CHECK-LABEL: gpu.module @f_kernel_0 {
// CHECK:         func.func @helper
// CHECK:         gpu.func @f_kernel_0() kernel
// CHECK:           func.call @helper
// Two kernels in one module: neither is renamed.
// CHECK-LABEL: gpu.module @two {
// CHECK:         gpu.func @f_kernel() kernel
// CHECK:         gpu.func @g_kernel() kernel
// Another symbol already has the module's name: left alone.
// CHECK-LABEL: gpu.module @taken {
// CHECK:         memref.global "private" @taken
// CHECK:         gpu.func @f_kernel() kernel
// CHECK-LABEL: func.func @host
// CHECK:         gpu.launch_func @f_kernel::@f_kernel blocks
// CHECK:         gpu.launch_func @f_kernel_0::@f_kernel_0 blocks
// CHECK:         gpu.launch_func @two::@f_kernel blocks
// CHECK:         gpu.launch_func @two::@g_kernel blocks
// CHECK:         gpu.launch_func @taken::@f_kernel blocks
// CHECK:         gpu.launch_func @f_kernel_0::@f_kernel_0 blocks
module attributes {gpu.container_module} {
  gpu.module @f_kernel {
    gpu.func @f_kernel() kernel { gpu.return }
  }
  gpu.module @f_kernel_0 {
    func.func @helper() { return }
    gpu.func @f_kernel() kernel {
      func.call @helper() : () -> ()
      gpu.return
    }
  }
  gpu.module @two {
    gpu.func @f_kernel() kernel { gpu.return }
    gpu.func @g_kernel() kernel { gpu.return }
  }
  gpu.module @taken {
    memref.global "private" @taken : memref<4xf32, #gpu.address_space<workgroup>>
    gpu.func @f_kernel() kernel { gpu.return }
  }
  func.func @host() {
    %c1 = arith.constant 1 : index
    gpu.launch_func @f_kernel::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @two::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @two::@g_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @taken::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    gpu.launch_func @f_kernel_0::@f_kernel blocks in (%c1, %c1, %c1) threads in (%c1, %c1, %c1)
    return
  }
}
