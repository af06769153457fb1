// uniform-gpu-pipeline: graph-level IR to host code in the LLVM dialect that
// allocates device memory and launches kernels on one stream, plus one
// gpu.binary per kernel for sm_87 (PTX text with format=isa; no ptxas needed).
// RUN: uniform-opt %s --uniform-gpu-pipeline=format=isa | FileCheck %s
// RUN: uniform-opt %s --uniform-gpu-pipeline="format=isa strategy=online tile-m=4" | FileCheck %s
// RUN: uniform-opt %s --uniform-gpu-pipeline="format=isa chip=sm_80 features=+ptx75" | FileCheck %s --check-prefix=SM80
// RUN: uniform-opt %s --uniform-gpu-pipeline="format=isa block-size=32" | FileCheck %s --check-prefix=B32
// RUN: not uniform-opt %s --uniform-gpu-pipeline=format=bogus 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not uniform-opt %s --uniform-gpu-pipeline="format=isa strategy=bogus" 2>&1 | FileCheck %s --check-prefix=STRATEGY

// Without a ptxas, bin and fatbin fail with a clear error and write nothing.
// RUN: rm -f %t.mlir
// RUN: not env -u CUDA_ROOT -u CUDA_HOME -u CUDA_PATH PATH=%t.nonexistent uniform-opt %s --uniform-gpu-pipeline="format=bin toolkit=%t.nonexistent" -o %t.mlir 2>&1 | FileCheck %s --check-prefix=NOPTXAS
// RUN: not test -e %t.mlir
// NOPTXAS: error: Couldn't find the `ptxas` binary

// RUN: not uniform-opt %s --uniform-gpu-pipeline=block-size=0 2>&1 | FileCheck %s --check-prefix=BLOCK
// RUN: not uniform-opt %s --uniform-gpu-pipeline=precision=f8 2>&1 | FileCheck %s --check-prefix=PRECISION
// PRECISION: for the --precision option: Cannot find option named 'f8'!
// RUN: not uniform-opt %s --uniform-gpu-pipeline="precision=f16 chip=sm_75" 2>&1 | FileCheck %s --check-prefix=OLDCHIP
// OLDCHIP: error: uniform-gpu-pipeline: precision=f16 needs the tensor cores of sm_80 or newer (chip=sm_75); use precision=f32
// precision=f16: the bundled UniForm layer's Reuse Attention is one fused
// kernel on tensor cores instead of SIMT kernels (this file's Dv = 4 is too
// narrow for it: Dv must be a multiple of 8).
// RUN: uniform-opt %uniform_src_root/examples/attention/uniform-layer.mlir --uniform-gpu-pipeline="format=isa precision=f16" | FileCheck %s --check-prefix=F16
// The inputs are f32: Q, K and the four heads' values are rounded to f16
// for the fused kernel, the values as they are stacked (tensor.concat from
// attn-reuse-heads). Those loops have one iteration space and are
// independent: they fuse into one kernel, and no gpu.memcpy is left (its
// lowering ignores a subview's offset, so copies into the other heads'
// slots must not use it anyway). Then the fused attention, and a kernel
// that lays its result out as the function returns it.
// F16-LABEL:   llvm.func @uniform_per_head(
// F16-NOT:       llvm.call @mgpuMemcpy
// F16-COUNT-3:   gpu.launch_func
// F16-NOT:       gpu.launch_func
// F16-LABEL:   llvm.func @_mlir_ciface_uniform_per_head(
// F16:         gpu.binary @uniform_per_head_kernel_0 {{.*}}mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// FORMAT: for the --format option: Cannot find option named 'bogus'!
// BLOCK: error: uniform-gpu-pipeline: block-size must be in [1, 1024], got 0
// STRATEGY: for the --strategy option: Cannot find option named 'bogus'!

// CHECK-NOT:   attn.
// CHECK-NOT:   linalg.
// CHECK-NOT:   memref.
// CHECK-NOT:   gpu.alloc
// CHECK-LABEL: llvm.func @forward(
// CHECK-SAME:    uniform.signature = (tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x3x8x4xf32>, tensor<8x8xf32>) -> tensor<2x3x8x4xf32>
// CHECK:         llvm.call @mgpuStreamCreate()
// CHECK:         llvm.call @mgpuMemAlloc(
// CHECK:         gpu.launch_func <%{{.*}} : !llvm.ptr> @forward_kernel::@forward_kernel blocks in
// CHECK:         llvm.call @mgpuMemFree(
// CHECK:         llvm.call @mgpuStreamSynchronize(
// CHECK:         llvm.call @mgpuStreamDestroy(
// CHECK:       llvm.func @_mlir_ciface_forward(
// CHECK:       gpu.binary @forward_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_87", features = "+ptx80">
// CHECK-SAME:    assembly = "{{.*}}.target sm_87{{.*}}.visible .entry forward_kernel(

// SM80: gpu.binary @forward_kernel [#gpu.object<#nvvm.target<O = 3, chip = "sm_80", features = "+ptx75">
// SM80-SAME: .target sm_80

// block-size bounds the threads of every kernel.
// B32-NOT: .maxntid {{[0-9][0-9][0-9]}}
// B32: .maxntid 32, 1, 1
// B32-NOT: .maxntid {{[0-9][0-9][0-9]}}
func.func @forward(%q: tensor<2x8x16xf32>, %k: tensor<2x8x16xf32>, %v: tensor<2x3x8x4xf32>, %b: tensor<8x8xf32>) -> tensor<2x3x8x4xf32> {
  %0 = attn.reuse %q, %k, %v bias(%b : tensor<8x8xf32>) scale(0.25) : tensor<2x8x16xf32>, tensor<2x8x16xf32>, tensor<2x3x8x4xf32> -> tensor<2x3x8x4xf32>
  return %0 : tensor<2x3x8x4xf32>
}
