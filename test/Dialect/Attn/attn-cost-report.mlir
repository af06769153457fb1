// attn-cost-report before and after attn-reuse-heads: a UniForm-like layer
// with 4 heads computes 4x fewer attention matrices, score FLOPs and
// attention-matrix bytes after the rewrite; value FLOPs do not change.
// RUN: uniform-opt %s --attn-cost-report --attn-reuse-heads --attn-cost-report -o /dev/null | FileCheck %s
// RUN: uniform-opt %s --attn-cost-report=format=json -o /dev/null | FileCheck %s --check-prefix=JSON
// RUN: uniform-opt %s --attn-cost-report="format=json output-file=%t.json" -o /dev/null
// RUN: FileCheck %s --input-file=%t.json --check-prefix=JSON
// RUN: not uniform-opt %s --attn-cost-report=format=xml -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADFORMAT
// RUN: not uniform-opt %s --attn-cost-report=output-file=%t.missing/dir/report.txt -o /dev/null 2>&1 | FileCheck %s --check-prefix=BADFILE

// CHECK:      === attn-cost-report: 2 attention ops ===
// CHECK-NEXT: op function location B H N M Dk Dv matrices score-flops value-flops softmax-elems matrix-bytes saved-score-flops saved-bytes
// CHECK-NEXT: attn.mha @layer attn-cost-report.mlir:{{[0-9]+}}:{{[0-9]+}} 64 4 49 49 16 48 256 19668992 59006976 614656 2458624 0 0
// CHECK-NEXT: attn.mha @dynamic attn-cost-report.mlir:{{[0-9]+}}:{{[0-9]+}} ? 2 16 16 8 8 ? ? ? ? ? ? ?
// CHECK-NEXT: total 256 19668992 59006976 614656 2458624 0 0
// CHECK-NEXT: (1 op with dynamic dimensions left out of the total)
// CHECK:      === attn-cost-report: 2 attention ops ===
// CHECK-NEXT: op
// CHECK-NEXT: attn.reuse @layer attn-cost-report.mlir:{{[0-9]+}}:{{[0-9]+}} 64 4 49 49 16 48 64 4917248 59006976 153664 614656 14751744 1843968
// CHECK-NEXT: attn.mha @dynamic
// CHECK-NEXT: total 64 4917248 59006976 153664 614656 14751744 1843968

// JSON:      "ops": [
// JSON:          "B": 64,
// JSON-NEXT:     "Dk": 16,
// JSON-NEXT:     "Dv": 48,
// JSON-NEXT:     "H": 4,
// JSON-NEXT:     "M": 49,
// JSON-NEXT:     "N": 49,
// JSON-NEXT:     "function": "layer",
// JSON-NEXT:     "location": "attn-cost-report.mlir:{{[0-9]+}}:{{[0-9]+}}",
// JSON-NEXT:     "matrices": 256,
// JSON-NEXT:     "matrix_bytes": 2458624,
// JSON-NEXT:     "op": "attn.mha",
// JSON-NEXT:     "saved_matrix_bytes": 0,
// JSON-NEXT:     "saved_score_flops": 0,
// JSON-NEXT:     "score_flops": 19668992,
// JSON-NEXT:     "softmax_elements": 614656,
// JSON-NEXT:     "value_flops": 59006976
// JSON:          "B": null,
// JSON:          "matrices": null,
// JSON:      "total": {
// JSON-NEXT:   "dynamic_ops": 1,
// JSON-NEXT:   "matrices": 256,
// JSON-NEXT:   "matrix_bytes": 2458624,
// JSON-NEXT:   "ops": 2,
// JSON-NEXT:   "saved_matrix_bytes": 0,
// JSON-NEXT:   "saved_score_flops": 0,
// JSON-NEXT:   "score_flops": 19668992,
// JSON-NEXT:   "softmax_elements": 614656,
// JSON-NEXT:   "value_flops": 59006976
// BADFORMAT: attn-cost-report: unknown format 'xml'; expected 'text' or 'json'
// BADFILE: attn-cost-report: cannot open output file '{{.*}}report.txt'

// 64 windows of 49 tokens, 4 heads sharing q/k of width 16, value width 48.
func.func @layer(%q: tensor<64x49x16xf32>, %k: tensor<64x49x16xf32>,
                 %v: tensor<64x4x49x48xf32>, %b: tensor<49x49xf32>) -> tensor<64x4x49x48xf32> {
  %e = tensor.empty() : tensor<64x4x49x16xf32>
  %qb = linalg.broadcast ins(%q : tensor<64x49x16xf32>) outs(%e : tensor<64x4x49x16xf32>) dimensions = [1]
  %kb = linalg.broadcast ins(%k : tensor<64x49x16xf32>) outs(%e : tensor<64x4x49x16xf32>) dimensions = [1]
  %0 = attn.mha %qb, %kb, %v bias(%b : tensor<49x49xf32>) scale(0.25)
      : tensor<64x4x49x16xf32>, tensor<64x4x49x16xf32>, tensor<64x4x49x48xf32> -> tensor<64x4x49x48xf32>
  return %0 : tensor<64x4x49x48xf32>
}

func.func @dynamic(%q: tensor<?x2x16x8xf16>, %v: tensor<?x2x16x8xf16>) -> tensor<?x2x16x8xf16> {
  %0 = attn.mha %q, %q, %v scale(0.25)
      : tensor<?x2x16x8xf16>, tensor<?x2x16x8xf16>, tensor<?x2x16x8xf16> -> tensor<?x2x16x8xf16>
  return %0 : tensor<?x2x16x8xf16>
}
