// uniform-cpu-pipeline: graph-level IR (attn, TOSA, linalg on tensors) to the
// LLVM dialect, with C-interface entry points and the tensor signature that
// uniform-run reads.
// RUN: uniform-opt %s --uniform-cpu-pipeline | FileCheck %s
// RUN: uniform-opt %s --uniform-cpu-pipeline="strategy=online tile-m=8" | FileCheck %s
// RUN: uniform-opt %s --uniform-cpu-pipeline="reuse-heads=false" | FileCheck %s
// RUN: uniform-opt %s --pass-pipeline="builtin.module(uniform-cpu-pipeline{strategy=online tile-m=4 reuse-heads=true})" | FileCheck %s
// An unknown strategy is rejected when the options are parsed, before any
// pass runs.
// RUN: not uniform-opt %s --uniform-cpu-pipeline="strategy=bogus" --mlir-print-ir-before-all 2>&1 | FileCheck %s --check-prefix=BAD
// By default softmax's exp is a polynomial and its sum may be reassociated
// (uniform-cpu-fast-math); both can be turned off.
// RUN: uniform-opt %s --uniform-cpu-pipeline | FileCheck %s --check-prefix=FAST
// RUN: uniform-opt %s --uniform-cpu-pipeline="approximate-exp=false reassociate-reductions=false" | FileCheck %s --check-prefix=EXACT
// FAST-NOT:  llvm.intr.exp
// FAST:      fastmath<{{.*}}reassoc
// FAST-NOT:  llvm.intr.exp
// EXACT-NOT: reassoc
// EXACT:     llvm.intr.exp
// EXACT-NOT: reassoc
// BAD-NOT: IR Dump Before
// BAD: for the --strategy option: Cannot find option named 'bogus'!
// BAD-NOT: IR Dump Before
// Every loop nest is a function of its own (uniform-cpu-outline-loop-nests),
// internal, never inlined, with noalias buffers; on request, none is.
// RUN: uniform-opt %s --uniform-cpu-pipeline | FileCheck %s --check-prefix=OUTLINE
// RUN: uniform-opt %s --uniform-cpu-pipeline="outline-loop-nests=false" | FileCheck %s --check-prefix=INLINE
// OUTLINE:       llvm.func internal @forward_nest0(%{{.*}}: !llvm.ptr {llvm.noalias}
// OUTLINE-SAME:    passthrough = ["noinline"]
// OUTLINE-NOT:     uniform.noalias_pointers
// OUTLINE-LABEL: llvm.func @forward(
// OUTLINE:         llvm.call @forward_nest0(
// INLINE-NOT:    _nest

// CHECK-NOT:   attn.
// CHECK-NOT:   tosa.
// CHECK-NOT:   linalg.
// CHECK-NOT:   memref.
// CHECK-NOT:   func.func
// CHECK-LABEL: llvm.func @forward(
// CHECK-SAME:    attributes {llvm.emit_c_interface, uniform.signature = (tensor<1x8x4xf32>, tensor<1x2x8x4xf32>, tensor<8x8xf32>) -> tensor<1x1x8x4xf32>}
// CHECK:       llvm.func @_mlir_ciface_forward(
// Private functions and declarations are not entries.
// CHECK:       llvm.func @private_helper(
// CHECK-NOT:   uniform.signature
// CHECK-NOT:   llvm.func @_mlir_ciface_private_helper
// CHECK:       llvm.func @helper_is_not_an_entry(
// CHECK-NOT:   uniform.signature
// CHECK-NOT:   llvm.func @_mlir_ciface_helper_is_not_an_entry
func.func @forward(%x: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>, %b: tensor<8x8xf32>)
    -> tensor<1x1x8x4xf32> {
  %s = tosa.clamp %x {min_val = -1.0 : f32, max_val = 1.0 : f32} : (tensor<1x8x4xf32>) -> tensor<1x8x4xf32>
  %e = tensor.empty() : tensor<1x2x8x4xf32>
  %qb = linalg.broadcast ins(%s : tensor<1x8x4xf32>) outs(%e : tensor<1x2x8x4xf32>) dimensions = [1]
  %0 = attn.mha %qb, %qb, %v bias(%b : tensor<8x8xf32>) scale(0.5)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  %1 = call @private_helper(%0) : (tensor<1x2x8x4xf32>) -> tensor<1x1x8x4xf32>
  return %1 : tensor<1x1x8x4xf32>
}

func.func private @private_helper(%t: tensor<1x2x8x4xf32>) -> tensor<1x1x8x4xf32> {
  %s = tensor.extract_slice %t[0, 0, 0, 0] [1, 1, 8, 4] [1, 1, 1, 1] : tensor<1x2x8x4xf32> to tensor<1x1x8x4xf32>
  return %s : tensor<1x1x8x4xf32>
}

// Declarations are not entries.
func.func private @helper_is_not_an_entry(tensor<4xf32>) -> tensor<4xf32>
