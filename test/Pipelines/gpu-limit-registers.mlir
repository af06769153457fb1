// uniform-gpu-limit-registers: `nvvm.maxnreg` on every kernel of every
// gpu.module (128 by default); a kernel with a smaller cap keeps it, a
// larger one is lowered, and device functions that are not kernels are
// left alone. The NVVM lowering carries the attribute to the llvm.func and
// the PTX (`.maxnreg`, test/Pipelines/uniform-gpu-ptxas.test).
// RUN: uniform-opt %s --uniform-gpu-limit-registers | FileCheck %s
// RUN: uniform-opt %s --uniform-gpu-limit-registers=max-registers=96 | FileCheck %s --check-prefix=LOW
// RUN: uniform-opt %s --uniform-gpu-limit-registers --uniform-gpu-limit-registers | FileCheck %s

// CHECK-LABEL: gpu.module @a
// CHECK:         gpu.func @plain() kernel attributes {nvvm.maxnreg = 128 : i32}
// CHECK:         gpu.func @device_only()
// CHECK-NOT:       nvvm.maxnreg
// CHECK:         gpu.func @small() kernel attributes {nvvm.maxnreg = 64 : i32}
// CHECK:         gpu.func @large() kernel attributes {nvvm.maxnreg = 128 : i32}
// CHECK-LABEL: gpu.module @b
// CHECK:         gpu.func @other() kernel attributes {nvvm.maxnreg = 128 : i32}

// LOW: gpu.func @plain() kernel attributes {nvvm.maxnreg = 96 : i32}
// LOW: gpu.func @small() kernel attributes {nvvm.maxnreg = 64 : i32}
// LOW: gpu.func @large() kernel attributes {nvvm.maxnreg = 96 : i32}

// RUN: not uniform-opt %s --uniform-gpu-limit-registers=max-registers=8 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: error: uniform-gpu-limit-registers: max-registers must be in [16, 255], got 8

// The pipeline's option: 0 leaves the count to ptxas, anything else
// outside [16, 255] is an error before any IR is touched.
// RUN: not uniform-opt %s --uniform-gpu-pipeline=max-registers=300 2>&1 | FileCheck %s --check-prefix=PIPELINE
// PIPELINE: error: uniform-gpu-pipeline: max-registers must be 0 or in [16, 255], got 300

module attributes {gpu.container_module} {
  gpu.module @a {
    gpu.func @plain() kernel {
      gpu.return
    }
    gpu.func @device_only() {
      gpu.return
    }
    gpu.func @small() kernel attributes {nvvm.maxnreg = 64 : i32} {
      gpu.return
    }
    gpu.func @large() kernel attributes {nvvm.maxnreg = 200 : i32} {
      gpu.return
    }
  }
  gpu.module @b {
    gpu.func @other() kernel {
      gpu.return
    }
  }
}
