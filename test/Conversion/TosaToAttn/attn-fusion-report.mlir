// attn-fusion-report: every softmax of the input (and every attention op
// already there), whether it was raised and why not, which attention op it
// ended in and what shares its matrix, why ops stay unmerged, and the
// attention matrices before and after. The IR itself is left unchanged.
// RUN: uniform-opt %s --attn-fusion-report -o %t.mlir | FileCheck %s
// RUN: uniform-opt %s -o %t.plain.mlir
// RUN: diff %t.mlir %t.plain.mlir
// RUN: uniform-opt %s --attn-fusion-report=format=json -o /dev/null | FileCheck %s --check-prefix=JSON
// RUN: not uniform-opt %s --attn-fusion-report=format=xml -o /dev/null 2>&1 | FileCheck %s --check-prefix=BAD
// BAD: error: attn-fusion-report: unknown format 'xml'; expected 'text' or 'json'

// CHECK:      === attn-fusion-report: 5 softmaxes, 3 attention ops ===
// CHECK-NEXT: softmax  node        matrices  raised  attention op       merged
// CHECK-NEXT: #0       head0_probs  2         yes     #0 attn.reuse H=2  with #1
// CHECK-NEXT: #1       head1_probs  2         yes     #0 attn.reuse H=2  with #0
// CHECK-NEXT: #2       free_scale  1         no      -                  -
// CHECK-NEXT: #3       attn.reuse at loc({{.*}}:{{[0-9]+}}:8)  1  yes  #1 attn.reuse H=1  no
// CHECK-NEXT: #4       attn.reuse at loc({{.*}}:{{[0-9]+}}:8)  1  yes  #2 attn.reuse H=1  no
// CHECK-NEXT: softmax #2 not raised: at its value product free_scale_product: scale is not a constant
// CHECK-NEXT: attention op #2 ({{.*}}): attention not merged into a shared matrix: its operands depend on the result of the attention op at {{.*}} through 'attn.reuse' -> 'tosa.add' -> 'attn.reuse' (cascaded attention: merging would break the chain)
// CHECK-NEXT: attention ops: 4 after attn-raise, 3 after attn-reuse-heads
// CHECK-NEXT: attention matrices: 7 before, 5 after

// JSON:      "attention_ops": [
// JSON:          "heads": 2,
// JSON:          "softmaxes": [
// JSON-NEXT:       0,
// JSON-NEXT:       1
// JSON-NEXT:     ]
// JSON:      "matrices": {
// JSON-NEXT:   "after": 5,
// JSON-NEXT:   "before": 7
// JSON:          "raised": false,
// JSON-NEXT:     "why_not_raised": "at its value product free_scale_product: scale is not a constant"

func.func @two_heads(%q: tensor<2x16x8xf32>, %k: tensor<2x16x8xf32>, %v0: tensor<2x16x8xf32>,
                     %v1: tensor<2x16x8xf32>) -> tensor<2x16x16xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<2x16x8xf32>) -> tensor<2x8x16xf32>
  %x = tosa.matmul %q, %kt, %zp, %zp : (tensor<2x16x8xf32>, tensor<2x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x16x16xf32>
  // Each head computes the same softmax itself.
  %m0 = tosa.reduce_max %x {axis = 2 : i32} : (tensor<2x16x16xf32>) -> tensor<2x16x1xf32>
  %d0 = tosa.sub %x, %m0 : (tensor<2x16x16xf32>, tensor<2x16x1xf32>) -> tensor<2x16x16xf32>
  %e0 = tosa.exp %d0 : (tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
  %s0 = tosa.reduce_sum %e0 {axis = 2 : i32} : (tensor<2x16x16xf32>) -> tensor<2x16x1xf32>
  %r0 = tosa.reciprocal %s0 : (tensor<2x16x1xf32>) -> tensor<2x16x1xf32>
  %p0 = tosa.mul %e0, %r0, %shift : (tensor<2x16x16xf32>, tensor<2x16x1xf32>, tensor<1xi8>) -> tensor<2x16x16xf32> loc("head0_probs")
  %o0 = tosa.matmul %p0, %v0, %zp, %zp : (tensor<2x16x16xf32>, tensor<2x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x16x8xf32>
  %m1 = tosa.reduce_max %x {axis = 2 : i32} : (tensor<2x16x16xf32>) -> tensor<2x16x1xf32>
  %d1 = tosa.sub %x, %m1 : (tensor<2x16x16xf32>, tensor<2x16x1xf32>) -> tensor<2x16x16xf32>
  %e1 = tosa.exp %d1 : (tensor<2x16x16xf32>) -> tensor<2x16x16xf32>
  %s1 = tosa.reduce_sum %e1 {axis = 2 : i32} : (tensor<2x16x16xf32>) -> tensor<2x16x1xf32>
  %r1 = tosa.reciprocal %s1 : (tensor<2x16x1xf32>) -> tensor<2x16x1xf32>
  %p1 = tosa.mul %e1, %r1, %shift : (tensor<2x16x16xf32>, tensor<2x16x1xf32>, tensor<1xi8>) -> tensor<2x16x16xf32> loc("head1_probs")
  %o1 = tosa.matmul %p1, %v1, %zp, %zp : (tensor<2x16x16xf32>, tensor<2x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<2x16x8xf32>
  %c = tosa.concat %o0, %o1 {axis = 2 : i32} : (tensor<2x16x8xf32>, tensor<2x16x8xf32>) -> tensor<2x16x16xf32>
  return %c : tensor<2x16x16xf32>
}

func.func @free_scale(%q: tensor<1x16x8xf32>, %k: tensor<1x16x8xf32>, %v: tensor<1x16x8xf32>,
                      %s: tensor<1x1x1xf32>) -> tensor<1x16x8xf32> {
  %zp = "tosa.const"() <{values = dense<0.0> : tensor<1xf32>}> : () -> tensor<1xf32>
  %shift = "tosa.const"() <{values = dense<0> : tensor<1xi8>}> : () -> tensor<1xi8>
  %kt = tosa.transpose %k {perms = array<i32: 0, 2, 1>} : (tensor<1x16x8xf32>) -> tensor<1x8x16xf32>
  %x = tosa.matmul %q, %kt, %zp, %zp : (tensor<1x16x8xf32>, tensor<1x8x16xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x16xf32>
  %x2 = tosa.mul %x, %s, %shift : (tensor<1x16x16xf32>, tensor<1x1x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32>
  %m = tosa.reduce_max %x2 {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %d = tosa.sub %x2, %m : (tensor<1x16x16xf32>, tensor<1x16x1xf32>) -> tensor<1x16x16xf32>
  %e = tosa.exp %d : (tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %sum = tosa.reduce_sum %e {axis = 2 : i32} : (tensor<1x16x16xf32>) -> tensor<1x16x1xf32>
  %r = tosa.reciprocal %sum : (tensor<1x16x1xf32>) -> tensor<1x16x1xf32>
  %p = tosa.mul %e, %r, %shift : (tensor<1x16x16xf32>, tensor<1x16x1xf32>, tensor<1xi8>) -> tensor<1x16x16xf32> loc("free_scale")
  %o = tosa.matmul %p, %v, %zp, %zp : (tensor<1x16x16xf32>, tensor<1x16x8xf32>, tensor<1xf32>, tensor<1xf32>) -> tensor<1x16x8xf32> loc("free_scale_product")
  return %o : tensor<1x16x8xf32>
}

// Cascaded heads over one matrix stay two attention ops.
func.func @cascade(%q: tensor<1x8x4xf32>, %v0: tensor<1x1x8x4xf32>, %v1: tensor<1x1x8x4xf32>)
    -> tensor<1x1x8x4xf32> {
  %0 = attn.reuse %q, %q, %v0 scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  %x = tosa.add %0, %v1 : (tensor<1x1x8x4xf32>, tensor<1x1x8x4xf32>) -> tensor<1x1x8x4xf32>
  %1 = attn.reuse %q, %q, %x scale(0.5) : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x1x8x4xf32> -> tensor<1x1x8x4xf32>
  return %1 : tensor<1x1x8x4xf32>
}
