// uniform-opt takes mlir-opt's standard flags.
// RUN: uniform-opt %s --pass-pipeline="builtin.module(attn-reuse-heads,canonicalize)" | FileCheck %s
// RUN: uniform-opt %s --attn-reuse-heads -o %t.out.mlir && FileCheck %s --input-file=%t.out.mlir
// RUN: uniform-opt %s --attn-reuse-heads --mlir-timing 2>&1 | FileCheck %s --check-prefix=TIMING
// RUN: uniform-opt %s --attn-reuse-heads --canonicalize --mlir-print-ir-after-all 2>&1 | FileCheck %s --check-prefix=AFTER
// RUN: uniform-opt --show-dialects | FileCheck %s --check-prefix=DIALECTS
// RUN: uniform-opt --help | FileCheck %s --check-prefix=HELP
// RUN: not uniform-opt %t.no-such-file.mlir 2>&1 | FileCheck %s --check-prefix=MISSING

// CHECK-LABEL: func.func @f(
// CHECK:         attn.reuse
// TIMING:        Execution time report
// TIMING:        AttnReuseHeads
// AFTER:         IR Dump After AttnReuseHeads
// AFTER:         IR Dump After Canonicalizer
// DIALECTS-DAG:  attn
// DIALECTS-DAG:  bufferization
// DIALECTS-DAG:  gpu
// DIALECTS-DAG:  linalg
// DIALECTS-DAG:  nvgpu
// DIALECTS-DAG:  nvvm
// DIALECTS-DAG:  tosa
// DIALECTS-DAG:  transform
// DIALECTS-DAG:  vector
// HELP-DAG:      --attn-reuse-heads
// HELP-DAG:      --attn-cost-report
// HELP-DAG:      --convert-attn-to-linalg
// HELP-DAG:      --uniform-cpu-pipeline
// HELP-DAG:      --tosa-to-linalg-pipeline
// HELP-DAG:      --gpu-lower-to-nvvm-pipeline
// MISSING:       cannot open input file
func.func @f(%q: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> tensor<1x2x8x4xf32> {
  %e = tensor.empty() : tensor<1x2x8x4xf32>
  %qb = linalg.broadcast ins(%q : tensor<1x8x4xf32>) outs(%e : tensor<1x2x8x4xf32>) dimensions = [1]
  %0 = attn.mha %qb, %qb, %v scale(0.5)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0 : tensor<1x2x8x4xf32>
}
