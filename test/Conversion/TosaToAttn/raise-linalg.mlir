// RUN: uniform-opt %s --split-input-file --attn-raise --canonicalize --cse | FileCheck %s

// attn-raise on linalg on tensors: batch_matmul against transposed keys, a
// constant scale (here an elementwise linalg.generic), a [N, M] bias
// broadcast along the batch, linalg.softmax over the keys, batch_matmul with
// the values: one single-head attn.reuse over K = KT transposed back.

// CHECK-LABEL: func.func @generic_scale_broadcast_bias(
// CHECK-SAME:    %[[Q:.*]]: tensor<2x49x16xf32>, %[[KT:.*]]: tensor<2x16x49xf32>, %[[V:.*]]: tensor<2x49x32xf32>, %[[B:.*]]: tensor<49x49xf32>)
// CHECK:         %[[K:.*]] = linalg.transpose ins(%[[KT]] : tensor<2x16x49xf32>) outs(%{{.*}} : tensor<2x49x16xf32>) permutation = [0, 2, 1]
// CHECK:         %[[V4:.*]] = tensor.expand_shape %[[V]] {{\[\[}}0, 1], [2], [3]] output_shape [2, 1, 49, 32]
// CHECK:         %[[O:.*]] = attn.reuse %[[Q]], %[[K]], %[[V4]] bias(%[[B]] : tensor<49x49xf32>) scale(2.500000e-01)
// CHECK:         %[[R:.*]] = tensor.collapse_shape %[[O]] {{\[\[}}0, 1], [2], [3]] : tensor<2x1x49x32xf32> into tensor<2x49x32xf32>
// CHECK:         return %[[R]]
// CHECK-NOT:     linalg.softmax
func.func @generic_scale_broadcast_bias(%q: tensor<2x49x16xf32>, %kt: tensor<2x16x49xf32>, %v: tensor<2x49x32xf32>, %bias: tensor<49x49xf32>) -> tensor<2x49x32xf32> {
  %cst = arith.constant 0.0 : f32
  %c = arith.constant 0.25 : f32
  %e = tensor.empty() : tensor<2x49x49xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x49x49xf32>) -> tensor<2x49x49xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<2x49x16xf32>, tensor<2x16x49xf32>) outs(%z : tensor<2x49x49xf32>) -> tensor<2x49x49xf32>
  %scaled = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%s : tensor<2x49x49xf32>) outs(%e : tensor<2x49x49xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %c : f32
    linalg.yield %m : f32
  } -> tensor<2x49x49xf32>
  %bb = linalg.broadcast ins(%bias : tensor<49x49xf32>) outs(%e : tensor<2x49x49xf32>) dimensions = [0]
  %x = linalg.add ins(%scaled, %bb : tensor<2x49x49xf32>, tensor<2x49x49xf32>) outs(%e : tensor<2x49x49xf32>) -> tensor<2x49x49xf32>
  %p = linalg.softmax dimension(2) ins(%x : tensor<2x49x49xf32>) outs(%e : tensor<2x49x49xf32>) -> tensor<2x49x49xf32>
  %e2 = tensor.empty() : tensor<2x49x32xf32>
  %z2 = linalg.fill ins(%cst : f32) outs(%e2 : tensor<2x49x32xf32>) -> tensor<2x49x32xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x49x49xf32>, tensor<2x49x32xf32>) outs(%z2 : tensor<2x49x32xf32>) -> tensor<2x49x32xf32>
  return %o : tensor<2x49x32xf32>
}

// -----

// KT is the exporter's own transpose of K, so K is used directly; the scale
// is a division by a filled constant (linalg.div), and there is no bias.

// CHECK-LABEL: func.func @div_scale_own_transpose(
// CHECK-SAME:    %[[Q:.*]]: tensor<1x16x8xf32>, %[[K:.*]]: tensor<1x16x8xf32>, %[[V:.*]]: tensor<1x16x4xf32>)
// CHECK-NOT:     linalg.transpose
// CHECK:         attn.reuse %[[Q]], %[[K]], %{{.*}} scale(5.000000e-01) : tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<1x1x16x4xf32> -> tensor<1x1x16x4xf32>
func.func @div_scale_own_transpose(%q: tensor<1x16x8xf32>, %k: tensor<1x16x8xf32>, %v: tensor<1x16x4xf32>) -> tensor<1x16x4xf32> {
  %cst = arith.constant 0.0 : f32
  %two = arith.constant 2.0 : f32
  %et = tensor.empty() : tensor<1x8x16xf32>
  %kt = linalg.transpose ins(%k : tensor<1x16x8xf32>) outs(%et : tensor<1x8x16xf32>) permutation = [0, 2, 1]
  %e = tensor.empty() : tensor<1x16x16xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<1x16x8xf32>, tensor<1x8x16xf32>) outs(%z : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %d = linalg.fill ins(%two : f32) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %x = linalg.div ins(%s, %d : tensor<1x16x16xf32>, tensor<1x16x16xf32>) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %p = linalg.softmax dimension(2) ins(%x : tensor<1x16x16xf32>) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %e2 = tensor.empty() : tensor<1x16x4xf32>
  %z2 = linalg.fill ins(%cst : f32) outs(%e2 : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<1x16x16xf32>, tensor<1x16x4xf32>) outs(%z2 : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  return %o : tensor<1x16x4xf32>
}

// -----

// Not attention, left alone: the softmax runs over the queries (dimension
// 1), and in the second function the scale is not a constant.

// CHECK-LABEL: func.func @softmax_over_queries
// CHECK-NOT:     attn.
// CHECK:         linalg.softmax dimension(1)
func.func @softmax_over_queries(%q: tensor<1x16x8xf32>, %kt: tensor<1x8x16xf32>, %v: tensor<1x16x4xf32>) -> tensor<1x16x4xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16x16xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<1x16x8xf32>, tensor<1x8x16xf32>) outs(%z : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %p = linalg.softmax dimension(1) ins(%s : tensor<1x16x16xf32>) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %e2 = tensor.empty() : tensor<1x16x4xf32>
  %z2 = linalg.fill ins(%cst : f32) outs(%e2 : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<1x16x16xf32>, tensor<1x16x4xf32>) outs(%z2 : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  return %o : tensor<1x16x4xf32>
}

// CHECK-LABEL: func.func @scale_not_constant
// CHECK-NOT:     attn.
// CHECK:         linalg.softmax dimension(2)
func.func @scale_not_constant(%q: tensor<1x16x8xf32>, %kt: tensor<1x8x16xf32>, %v: tensor<1x16x4xf32>, %f: tensor<1x16x16xf32>) -> tensor<1x16x4xf32> {
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16x16xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<1x16x8xf32>, tensor<1x8x16xf32>) outs(%z : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %x = linalg.mul ins(%s, %f : tensor<1x16x16xf32>, tensor<1x16x16xf32>) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %p = linalg.softmax dimension(2) ins(%x : tensor<1x16x16xf32>) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %e2 = tensor.empty() : tensor<1x16x4xf32>
  %z2 = linalg.fill ins(%cst : f32) outs(%e2 : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<1x16x16xf32>, tensor<1x16x4xf32>) outs(%z2 : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  return %o : tensor<1x16x4xf32>
}

// -----

// A negative constant scale: attn ops need a finite, positive one, so the
// graph stays linalg (found by uniform-fuzz-mlir).

// CHECK-LABEL: func.func @scale_negative
// CHECK-NOT:     attn.
// CHECK:         linalg.softmax dimension(2)
func.func @scale_negative(%q: tensor<1x16x8xf32>, %kt: tensor<1x8x16xf32>, %v: tensor<1x16x4xf32>) -> tensor<1x16x4xf32> {
  %cst = arith.constant 0.0 : f32
  %c = arith.constant -0.25 : f32
  %e = tensor.empty() : tensor<1x16x16xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<1x16x8xf32>, tensor<1x8x16xf32>) outs(%z : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %f = linalg.fill ins(%c : f32) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %x = linalg.mul ins(%s, %f : tensor<1x16x16xf32>, tensor<1x16x16xf32>) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %p = linalg.softmax dimension(2) ins(%x : tensor<1x16x16xf32>) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %e2 = tensor.empty() : tensor<1x16x4xf32>
  %z2 = linalg.fill ins(%cst : f32) outs(%e2 : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<1x16x16xf32>, tensor<1x16x4xf32>) outs(%z2 : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  return %o : tensor<1x16x4xf32>
}

// -----

// The softmax decomposed into linalg.generic reductions (the sub and exp
// fused, reductions without keepdim) is raised; the same chain is not
// attention, and is left alone, when the max starts at 0 instead of -inf
// (another function for all-negative rows) or when the value product
// accumulates into a non-zero init (it adds the init).
#id3n = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#red3n = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func.func @decomposed_softmax(
// CHECK:         attn.reuse %{{.*}} scale(1.000000e+00) : tensor<1x16x8xf32>, tensor<1x16x8xf32>, tensor<1x1x16x4xf32> -> tensor<1x1x16x4xf32>
// CHECK-NOT:     math.exp
func.func @decomposed_softmax(%q: tensor<1x16x8xf32>, %kt: tensor<1x8x16xf32>, %v: tensor<1x16x4xf32>) -> tensor<1x16x4xf32> {
  %zero = arith.constant 0.0 : f32
  %init = arith.constant 0xFF800000 : f32
  %vinit = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<1x16x8xf32>, tensor<1x8x16xf32>) outs(%z : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %er = tensor.empty() : tensor<1x16xf32>
  %minit = linalg.fill ins(%init : f32) outs(%er : tensor<1x16xf32>) -> tensor<1x16xf32>
  %max = linalg.generic {indexing_maps = [#id3n, #red3n], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s : tensor<1x16x16xf32>) outs(%minit : tensor<1x16xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %mx = arith.maximumf %in, %acc : f32
    linalg.yield %mx : f32
  } -> tensor<1x16xf32>
  %ex = linalg.generic {indexing_maps = [#id3n, #red3n, #id3n], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %max : tensor<1x16x16xf32>, tensor<1x16xf32>) outs(%e : tensor<1x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %df = arith.subf %a, %b : f32
    %xp = math.exp %df : f32
    linalg.yield %xp : f32
  } -> tensor<1x16x16xf32>
  %sinit = linalg.fill ins(%zero : f32) outs(%er : tensor<1x16xf32>) -> tensor<1x16xf32>
  %sum = linalg.generic {indexing_maps = [#id3n, #red3n], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%ex : tensor<1x16x16xf32>) outs(%sinit : tensor<1x16xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %ad = arith.addf %in, %acc : f32
    linalg.yield %ad : f32
  } -> tensor<1x16xf32>
  %p = linalg.generic {indexing_maps = [#id3n, #red3n, #id3n], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex, %sum : tensor<1x16x16xf32>, tensor<1x16xf32>) outs(%e : tensor<1x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %dv = arith.divf %a, %b : f32
    linalg.yield %dv : f32
  } -> tensor<1x16x16xf32>
  %eo = tensor.empty() : tensor<1x16x4xf32>
  %zo = linalg.fill ins(%vinit : f32) outs(%eo : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<1x16x16xf32>, tensor<1x16x4xf32>) outs(%zo : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  return %o : tensor<1x16x4xf32>
}

// CHECK-LABEL: func.func @max_from_zero(
// CHECK-NOT:     attn.
// CHECK:         math.exp
func.func @max_from_zero(%q: tensor<1x16x8xf32>, %kt: tensor<1x8x16xf32>, %v: tensor<1x16x4xf32>) -> tensor<1x16x4xf32> {
  %zero = arith.constant 0.0 : f32
  %init = arith.constant 0.0 : f32
  %vinit = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x16x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<1x16x8xf32>, tensor<1x8x16xf32>) outs(%z : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %er = tensor.empty() : tensor<1x16xf32>
  %minit = linalg.fill ins(%init : f32) outs(%er : tensor<1x16xf32>) -> tensor<1x16xf32>
  %max = linalg.generic {indexing_maps = [#id3n, #red3n], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s : tensor<1x16x16xf32>) outs(%minit : tensor<1x16xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %mx = arith.maximumf %in, %acc : f32
    linalg.yield %mx : f32
  } -> tensor<1x16xf32>
  %ex = linalg.generic {indexing_maps = [#id3n, #red3n, #id3n], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %max : tensor<1x16x16xf32>, tensor<1x16xf32>) outs(%e : tensor<1x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %df = arith.subf %a, %b : f32
    %xp = math.exp %df : f32
    linalg.yield %xp : f32
  } -> tensor<1x16x16xf32>
  %sinit = linalg.fill ins(%zero : f32) outs(%er : tensor<1x16xf32>) -> tensor<1x16xf32>
  %sum = linalg.generic {indexing_maps = [#id3n, #red3n], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%ex : tensor<1x16x16xf32>) outs(%sinit : tensor<1x16xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %ad = arith.addf %in, %acc : f32
    linalg.yield %ad : f32
  } -> tensor<1x16xf32>
  %p = linalg.generic {indexing_maps = [#id3n, #red3n, #id3n], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex, %sum : tensor<1x16x16xf32>, tensor<1x16xf32>) outs(%e : tensor<1x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %dv = arith.divf %a, %b : f32
    linalg.yield %dv : f32
  } -> tensor<1x16x16xf32>
  %eo = tensor.empty() : tensor<1x16x4xf32>
  %zo = linalg.fill ins(%vinit : f32) outs(%eo : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<1x16x16xf32>, tensor<1x16x4xf32>) outs(%zo : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  return %o : tensor<1x16x4xf32>
}

// CHECK-LABEL: func.func @accumulates_into_ones(
// CHECK-NOT:     attn.
// CHECK:         math.exp
func.func @accumulates_into_ones(%q: tensor<1x16x8xf32>, %kt: tensor<1x8x16xf32>, %v: tensor<1x16x4xf32>) -> tensor<1x16x4xf32> {
  %zero = arith.constant 0.0 : f32
  %init = arith.constant 0xFF800000 : f32
  %vinit = arith.constant 1.0 : f32
  %e = tensor.empty() : tensor<1x16x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %s = linalg.batch_matmul ins(%q, %kt : tensor<1x16x8xf32>, tensor<1x8x16xf32>) outs(%z : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %er = tensor.empty() : tensor<1x16xf32>
  %minit = linalg.fill ins(%init : f32) outs(%er : tensor<1x16xf32>) -> tensor<1x16xf32>
  %max = linalg.generic {indexing_maps = [#id3n, #red3n], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%s : tensor<1x16x16xf32>) outs(%minit : tensor<1x16xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %mx = arith.maximumf %in, %acc : f32
    linalg.yield %mx : f32
  } -> tensor<1x16xf32>
  %ex = linalg.generic {indexing_maps = [#id3n, #red3n, #id3n], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s, %max : tensor<1x16x16xf32>, tensor<1x16xf32>) outs(%e : tensor<1x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %df = arith.subf %a, %b : f32
    %xp = math.exp %df : f32
    linalg.yield %xp : f32
  } -> tensor<1x16x16xf32>
  %sinit = linalg.fill ins(%zero : f32) outs(%er : tensor<1x16xf32>) -> tensor<1x16xf32>
  %sum = linalg.generic {indexing_maps = [#id3n, #red3n], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%ex : tensor<1x16x16xf32>) outs(%sinit : tensor<1x16xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %ad = arith.addf %in, %acc : f32
    linalg.yield %ad : f32
  } -> tensor<1x16xf32>
  %p = linalg.generic {indexing_maps = [#id3n, #red3n, #id3n], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex, %sum : tensor<1x16x16xf32>, tensor<1x16xf32>) outs(%e : tensor<1x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %dv = arith.divf %a, %b : f32
    linalg.yield %dv : f32
  } -> tensor<1x16x16xf32>
  %eo = tensor.empty() : tensor<1x16x4xf32>
  %zo = linalg.fill ins(%vinit : f32) outs(%eo : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<1x16x16xf32>, tensor<1x16x4xf32>) outs(%zo : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  return %o : tensor<1x16x4xf32>
}

// -----

// Not attention, left alone: a generic "contraction" whose body negates an
// operand (-Q K^T), and a scale generic that writes its result transposed
// (softmax of (c S)^T).
// CHECK-LABEL: func.func @not_plain_products(
// CHECK-NOT:     attn.
// CHECK:         return
#l5 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
#r5 = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#o5 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#id3t = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#tr3t = affine_map<(d0, d1, d2) -> (d0, d2, d1)>
func.func @not_plain_products(%q: tensor<1x16x8xf32>, %k: tensor<1x16x8xf32>, %v: tensor<1x16x4xf32>)
    -> (tensor<1x16x4xf32>, tensor<1x16x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %half = arith.constant 0.5 : f32
  %e = tensor.empty() : tensor<1x16x16xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %s = linalg.generic {indexing_maps = [#l5, #r5, #o5], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x16x8xf32>, tensor<1x16x8xf32>) outs(%z : tensor<1x16x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %n = arith.negf %a : f32
    %m = arith.mulf %n, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<1x16x16xf32>
  %p = linalg.softmax dimension(2) ins(%s : tensor<1x16x16xf32>) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %eo = tensor.empty() : tensor<1x16x4xf32>
  %zo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<1x16x16xf32>, tensor<1x16x4xf32>) outs(%zo : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  %s2 = linalg.batch_matmul
      indexing_maps = [#l5, #r5, #o5]
      ins(%q, %k : tensor<1x16x8xf32>, tensor<1x16x8xf32>) outs(%z : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %t = linalg.generic {indexing_maps = [#id3t, #tr3t], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s2 : tensor<1x16x16xf32>) outs(%e : tensor<1x16x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %half : f32
    linalg.yield %m : f32
  } -> tensor<1x16x16xf32>
  %p2 = linalg.softmax dimension(2) ins(%t : tensor<1x16x16xf32>) outs(%e : tensor<1x16x16xf32>) -> tensor<1x16x16xf32>
  %o2 = linalg.batch_matmul ins(%p2, %v : tensor<1x16x16xf32>, tensor<1x16x4xf32>) outs(%zo : tensor<1x16x4xf32>) -> tensor<1x16x4xf32>
  return %o, %o2 : tensor<1x16x4xf32>, tensor<1x16x4xf32>
}
