// uniform-gpu-limit-registers: `nvvm.maxnreg` on every fused attention
// kernel (nvgpu.mma.sync on the `__uniform_attn_smem_*` tiles; 128 by
// default); a kernel with a smaller cap keeps it, a larger one is lowered.
// SIMT kernels, tensor-core contraction kernels (their own tiles) and
// device functions are left alone (under a cap ptxas gives them up to the
// cap). The NVVM lowering
// carries the attribute to the PTX (`.maxnreg`,
// test/Pipelines/uniform-gpu-ptxas.test).
// RUN: uniform-opt %s --uniform-gpu-limit-registers | FileCheck %s
// RUN: uniform-opt %s --uniform-gpu-limit-registers=max-registers=96 | FileCheck %s --check-prefix=LOW
// RUN: uniform-opt %s --uniform-gpu-limit-registers --uniform-gpu-limit-registers | FileCheck %s

// CHECK-LABEL: gpu.module @a
// CHECK:         gpu.func @mma({{.*}}) kernel attributes {nvvm.maxnreg = 128 : i32}
// CHECK:         gpu.func @simt({{.*}}) kernel {
// CHECK:         gpu.func @contraction({{.*}}) kernel {
// CHECK:         gpu.func @device_only({{.*}}) {
// CHECK:         gpu.func @small({{.*}}) kernel attributes {nvvm.maxnreg = 64 : i32}
// CHECK:         gpu.func @large({{.*}}) kernel attributes {nvvm.maxnreg = 128 : i32}
// CHECK-LABEL: gpu.module @b
// CHECK:         gpu.func @nested({{.*}}) kernel attributes {nvvm.maxnreg = 128 : i32}

// LOW: gpu.func @mma({{.*}}) kernel attributes {nvvm.maxnreg = 96 : i32}
// LOW: gpu.func @simt({{.*}}) kernel {
// LOW: gpu.func @contraction({{.*}}) kernel {
// LOW: gpu.func @small({{.*}}) kernel attributes {nvvm.maxnreg = 64 : i32}
// LOW: gpu.func @large({{.*}}) kernel attributes {nvvm.maxnreg = 96 : i32}

// RUN: not uniform-opt %s --uniform-gpu-limit-registers=max-registers=8 2>&1 | FileCheck %s --check-prefix=RANGE
// RANGE: error: uniform-gpu-limit-registers: max-registers must be in [16, 255], got 8

// The pipeline's option: 0 leaves the count to ptxas, anything else
// outside [16, 255] is an error before any IR is touched.
// RUN: not uniform-opt %s --uniform-gpu-pipeline=max-registers=300 2>&1 | FileCheck %s --check-prefix=PIPELINE
// PIPELINE: error: uniform-gpu-pipeline: max-registers must be 0 or in [16, 255], got 300

module attributes {gpu.container_module} {
  gpu.module @a {
    memref.global "private" @__uniform_attn_smem_q : memref<16x24xf16, #gpu.address_space<workgroup>>
    memref.global "private" @__uniform_mm_smem_a : memref<16x24xf16, #gpu.address_space<workgroup>>
    gpu.func @mma(%a: vector<4x2xf16>, %b: vector<2x2xf16>, %c: vector<2x2xf32>) kernel {
      %t = memref.get_global @__uniform_attn_smem_q : memref<16x24xf16, #gpu.address_space<workgroup>>
      %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
      gpu.return
    }
    gpu.func @simt(%x: f32) kernel {
      %y = arith.addf %x, %x : f32
      gpu.return
    }
    gpu.func @contraction(%a: vector<4x2xf16>, %b: vector<2x2xf16>, %c: vector<2x2xf32>) kernel {
      %t = memref.get_global @__uniform_mm_smem_a : memref<16x24xf16, #gpu.address_space<workgroup>>
      %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
      gpu.return
    }
    gpu.func @device_only(%a: vector<4x2xf16>, %b: vector<2x2xf16>, %c: vector<2x2xf32>) {
      %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
      gpu.return
    }
    gpu.func @small(%a: vector<4x2xf16>, %b: vector<2x2xf16>, %c: vector<2x2xf32>) kernel attributes {nvvm.maxnreg = 64 : i32} {
      %t = memref.get_global @__uniform_attn_smem_q : memref<16x24xf16, #gpu.address_space<workgroup>>
      %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
      gpu.return
    }
    gpu.func @large(%a: vector<4x2xf16>, %b: vector<2x2xf16>, %c: vector<2x2xf32>) kernel attributes {nvvm.maxnreg = 200 : i32} {
      %t = memref.get_global @__uniform_attn_smem_q : memref<16x24xf16, #gpu.address_space<workgroup>>
      %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
      gpu.return
    }
  }
  gpu.module @b {
    memref.global "private" @__uniform_attn_smem_k : memref<16x24xf16, #gpu.address_space<workgroup>>
    gpu.func @nested(%a: vector<4x2xf16>, %b: vector<2x2xf16>, %c: vector<2x2xf32>, %n: index) kernel {
      %t = memref.get_global @__uniform_attn_smem_k : memref<16x24xf16, #gpu.address_space<workgroup>>
      %c0 = arith.constant 0 : index
      %c1 = arith.constant 1 : index
      scf.for %i = %c0 to %n step %c1 {
        %d = nvgpu.mma.sync (%a, %b, %c) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
      }
      gpu.return
    }
  }
}
