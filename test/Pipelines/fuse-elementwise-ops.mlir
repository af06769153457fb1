// uniform-fuse-elementwise-ops: elementwise producers fuse into consumers
// that read them through a permutation (each element computed once); not
// through a broadcast or into a contraction's operand.
// RUN: uniform-opt %s --split-input-file --uniform-fuse-elementwise-ops | FileCheck %s
// Upstream's linalg-fuse-elementwise-ops fuses both (UPSTREAM).
// RUN: uniform-opt %s --split-input-file --linalg-fuse-elementwise-ops | FileCheck %s --check-prefix=UPSTREAM

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#tr2 = affine_map<(d0, d1) -> (d1, d0)>
#row = affine_map<(d0, d1) -> (d0)>

// An elementwise chain, the second op reading the first transposed: one op.
// CHECK-LABEL: func.func @chain
// CHECK:         linalg.generic
// CHECK:           arith.mulf
// CHECK:           arith.addf
// CHECK-NOT:     linalg.generic
func.func @chain(%x: tensor<8x16xf32>, %y: tensor<16x8xf32>) -> tensor<16x8xf32> {
  %e = tensor.empty() : tensor<8x16xf32>
  %a = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %in : f32
    linalg.yield %m : f32
  } -> tensor<8x16xf32>
  %e2 = tensor.empty() : tensor<16x8xf32>
  %b = linalg.generic {indexing_maps = [#tr2, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%a, %y : tensor<8x16xf32>, tensor<16x8xf32>) outs(%e2 : tensor<16x8xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<16x8xf32>
  return %b : tensor<16x8xf32>
}

// -----

// A per-row scale broadcast over the columns stays its own op (fused, it
// would be computed 16 times per row), and so does a normalization read by
// a matrix product as its left operand (fused, 1000 times per element, and
// the product would no longer be a contraction).
// CHECK-LABEL: func.func @broadcast_and_contraction
// CHECK:         %[[S:.*]] = linalg.generic
// CHECK:           math.rsqrt
// CHECK:         linalg.generic {{.*}} ins(%[[S]], %{{.*}} : tensor<8xf32>, tensor<8x16xf32>)
// CHECK-NOT:       math.rsqrt
// CHECK:         %[[N:.*]] = linalg.generic
// CHECK:           math.rsqrt
// CHECK:         linalg.generic {{.*}} ins(%[[N]], %{{.*}} : tensor<1x192xf32>, tensor<192x1000xf32>)
// CHECK-NOT:       math.rsqrt
// UPSTREAM-LABEL: func.func @broadcast_and_contraction
// UPSTREAM:         linalg.generic {{.*}} ins(%arg0, %arg1 : tensor<8xf32>, tensor<8x16xf32>)
// UPSTREAM:           math.rsqrt
// UPSTREAM:         linalg.generic {{.*}} ins(%arg2, %arg3 : tensor<1x192xf32>, tensor<192x1000xf32>)
// UPSTREAM:           math.rsqrt
#id2 = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
#ident1 = affine_map<(d0) -> (d0)>
#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>
func.func @broadcast_and_contraction(%v: tensor<8xf32>, %x: tensor<8x16xf32>,
    %h: tensor<1x192xf32>, %w: tensor<192x1000xf32>, %acc: tensor<1x1000xf32>)
    -> (tensor<8x16xf32>, tensor<1x1000xf32>) {
  %e = tensor.empty() : tensor<8xf32>
  %s = linalg.generic {indexing_maps = [#ident1, #ident1], iterator_types = ["parallel"]}
      ins(%v : tensor<8xf32>) outs(%e : tensor<8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.rsqrt %in : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %e2 = tensor.empty() : tensor<8x16xf32>
  %b = linalg.generic {indexing_maps = [#row, #id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%s, %x : tensor<8xf32>, tensor<8x16xf32>) outs(%e2 : tensor<8x16xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %m = arith.mulf %in, %in2 : f32
    linalg.yield %m : f32
  } -> tensor<8x16xf32>
  %e3 = tensor.empty() : tensor<1x192xf32>
  %n = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]}
      ins(%h : tensor<1x192xf32>) outs(%e3 : tensor<1x192xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.rsqrt %in : f32
    linalg.yield %r : f32
  } -> tensor<1x192xf32>
  %p = linalg.generic {indexing_maps = [#mk, #kn, #mn], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%n, %w : tensor<1x192xf32>, tensor<192x1000xf32>) outs(%acc : tensor<1x1000xf32>) {
  ^bb0(%l: f32, %r: f32, %c: f32):
    %m = arith.mulf %l, %r : f32
    %t = arith.addf %c, %m : f32
    linalg.yield %t : f32
  } -> tensor<1x1000xf32>
  return %b, %p : tensor<8x16xf32>, tensor<1x1000xf32>
}
