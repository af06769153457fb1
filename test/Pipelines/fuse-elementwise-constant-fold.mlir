// uniform-fuse-elementwise-ops folds generics of constants (a weight's
// transpose) into constants, but only into results of at most 2^26
// elements: upstream's folders materialize every element, splats too, in a
// SmallVector with a 32-bit capacity, and aborted the process on larger ones
// (the fuzz corpus's fuse-elementwise-huge-constant-fold.mlir).
// RUN: uniform-opt %s --split-input-file --uniform-fuse-elementwise-ops | FileCheck %s

#tr = affine_map<(d0, d1) -> (d1, d0)>
#id = affine_map<(d0, d1) -> (d0, d1)>

// CHECK-LABEL: func.func @small
// CHECK:         arith.constant dense<{{\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NOT:     linalg.generic
func.func @small() -> tensor<2x2xf32> {
  %c = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %e = tensor.empty() : tensor<2x2xf32>
  %t = linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
      ins(%c : tensor<2x2xf32>) outs(%e : tensor<2x2xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  } -> tensor<2x2xf32>
  return %t : tensor<2x2xf32>
}

// -----

// A splat's transpose of 2^40 elements stays a transpose.
// CHECK-LABEL: func.func @huge
// CHECK:         linalg.transpose
func.func @huge() -> tensor<1x1048576x1048576xf32> {
  %c = arith.constant dense<5.0e-2> : tensor<1x1048576x1048576xf32>
  %e = tensor.empty() : tensor<1x1048576x1048576xf32>
  %t = linalg.transpose ins(%c : tensor<1x1048576x1048576xf32>)
      outs(%e : tensor<1x1048576x1048576xf32>) permutation = [0, 2, 1]
  return %t : tensor<1x1048576x1048576xf32>
}
