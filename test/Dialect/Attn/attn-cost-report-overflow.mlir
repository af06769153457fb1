// attn-cost-report's totals saturate: two ops whose counts each fit in
// int64 (2^62 score FLOPs, value FLOPs and matrix bytes) sum past it, and
// those totals print as "?" (JSON null) instead of overflowing (found by
// libFuzzer with UBSan). The counts that fit still add up.
// RUN: uniform-opt %s --attn-cost-report -o /dev/null | FileCheck %s
// RUN: uniform-opt %s --attn-cost-report=format=json -o /dev/null | FileCheck %s --check-prefix=JSON

// CHECK:      === attn-cost-report: 2 attention ops ===
// CHECK:      attn.reuse @huge {{.*}} 1 1 1073741824 1073741824 2 2 1 4611686018427387904 4611686018427387904 1152921504606846976 4611686018427387904 0 0
// CHECK-NEXT: attn.reuse @huge {{.*}} 1 1 1073741824 1073741824 2 2 1 4611686018427387904 4611686018427387904 1152921504606846976 4611686018427387904 0 0
// CHECK-NEXT: total 2 ? ? 2305843009213693952 ? 0 0

// JSON:      "total": {
// JSON-NEXT:   "dynamic_ops": 0,
// JSON-NEXT:   "matrices": 2,
// JSON-NEXT:   "matrix_bytes": null,
// JSON-NEXT:   "ops": 2,
// JSON-NEXT:   "saved_matrix_bytes": 0,
// JSON-NEXT:   "saved_score_flops": 0,
// JSON-NEXT:   "score_flops": null,
// JSON-NEXT:   "softmax_elements": 2305843009213693952,
// JSON-NEXT:   "value_flops": null

func.func @huge(%q: tensor<1x1073741824x2xf32>, %k: tensor<1x1073741824x2xf32>,
                %v: tensor<1x1x1073741824x2xf32>)
    -> (tensor<1x1x1073741824x2xf32>, tensor<1x1x1073741824x2xf32>) {
  %0 = attn.reuse %q, %k, %v scale(1.0) : tensor<1x1073741824x2xf32>, tensor<1x1073741824x2xf32>, tensor<1x1x1073741824x2xf32> -> tensor<1x1x1073741824x2xf32>
  %1 = attn.reuse %q, %k, %v scale(1.0) : tensor<1x1073741824x2xf32>, tensor<1x1073741824x2xf32>, tensor<1x1x1073741824x2xf32> -> tensor<1x1x1073741824x2xf32>
  return %0, %1 : tensor<1x1x1073741824x2xf32>, tensor<1x1x1073741824x2xf32>
}
