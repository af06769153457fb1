// uniform-cpu-fast-math: f32 exp becomes a vectorizable polynomial, and the
// combiner of float add/max/min reductions becomes reassociable.
// RUN: uniform-opt %s --split-input-file --uniform-cpu-fast-math | FileCheck %s
// RUN: uniform-opt %s --split-input-file --uniform-cpu-fast-math="approximate-exp=false reassociate-reductions=false" | FileCheck %s --check-prefix=OFF
// RUN: uniform-opt %s --split-input-file --uniform-cpu-fast-math="approximate-exp=false" | FileCheck %s --check-prefix=NOEXP
// RUN: uniform-opt %s --split-input-file --uniform-cpu-fast-math="approximate-erf=false" | FileCheck %s --check-prefix=NOERF

#map = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>

// CHECK-LABEL: func.func @softmax_parts
// The sum and the max reductions: reassoc on the combiner only.
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:           arith.addf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "reduction"]
// CHECK:           arith.maximumf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
// The exp: no math.exp left, the polynomial instead, its multiply-adds
// contractable (an FMA where the target has one, no fmaf call where not).
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK-NOT:       math.exp
// CHECK-NOT:       math.fma
// CHECK:           %[[P:.*]] = arith.mulf %{{.*}}, %{{.*}} fastmath<contract> : f32
// CHECK:           arith.addf %[[P]], %{{.*}} fastmath<contract> : f32
// CHECK-NOT:       math.fma
// CHECK:           arith.bitcast
// CHECK:         linalg.yield
// The parallel add keeps its flags.
// CHECK:         linalg.generic {{.*}}iterator_types = ["parallel", "parallel"]
// CHECK:           arith.addf %{{.*}}, %{{.*}} : f32
// CHECK-NOT:       fastmath
// CHECK:         linalg.yield

// OFF-LABEL:   func.func @softmax_parts
// OFF-NOT:       fastmath<reassoc>
// OFF:           math.exp
// NOEXP-LABEL: func.func @softmax_parts
// NOEXP:         arith.addf %{{.*}}, %{{.*}} fastmath<reassoc> : f32
// NOEXP:         math.exp
func.func @softmax_parts(%x: tensor<4x8xf32>, %acc: tensor<4xf32>, %y: tensor<4x8xf32>)
    -> (tensor<4xf32>, tensor<4xf32>, tensor<4x8xf32>, tensor<4x8xf32>) {
  %sum = linalg.generic {indexing_maps = [#map, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x8xf32>) outs(%acc : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %max = linalg.generic {indexing_maps = [#map, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x8xf32>) outs(%acc : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.maximumf %in, %out : f32
    linalg.yield %m : f32
  } -> tensor<4xf32>
  %exp = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%y : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %e = math.exp %in : f32
    linalg.yield %e : f32
  } -> tensor<4x8xf32>
  %add = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<4x8xf32>) outs(%y : tensor<4x8xf32>) {
  ^bb0(%in: f32, %out: f32):
    %a = arith.addf %in, %out : f32
    linalg.yield %a : f32
  } -> tensor<4x8xf32>
  return %sum, %max, %exp, %add : tensor<4xf32>, tensor<4xf32>, tensor<4x8xf32>, tensor<4x8xf32>
}

// -----

// Reductions whose combiner is not a lone add/max/min of an input and the
// accumulator (here a sum of squares and a contraction), and f64 exp, are
// left alone.
#map = affine_map<(d0, d1) -> (d0, d1)>
#row = affine_map<(d0, d1) -> (d0)>
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT:     fastmath<reassoc>
// CHECK:         math.exp %{{.*}} : f64
func.func @left_alone(%x: tensor<4x8xf32>, %acc: tensor<4xf32>, %d: f64) -> (tensor<4xf32>, tensor<4xf32>, f64) {
  %r = linalg.generic {indexing_maps = [#map, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x8xf32>) outs(%acc : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %sq = arith.mulf %in, %in : f32
    %s = arith.addf %sq, %in : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %c = linalg.generic {indexing_maps = [#map, #map, #row], iterator_types = ["parallel", "reduction"]}
      ins(%x, %x : tensor<4x8xf32>, tensor<4x8xf32>) outs(%acc : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %out, %p : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  %e = math.exp %d : f64
  return %r, %c, %e : tensor<4xf32>, tensor<4xf32>, f64
}

// -----

// GELU's f32 erf becomes a polynomial too (approximate-erf), unless turned
// off; f64 erf is left to libm.
// CHECK-LABEL: func.func @gelu_erf
// CHECK-NOT:     math.erf %{{.*}} : f32
// CHECK:         arith.mulf {{.*}} fastmath<contract> : f32
// CHECK:         math.erf %{{.*}} : f64
// NOERF-LABEL: func.func @gelu_erf
// NOERF:         math.erf %{{.*}} : f32
// NOERF-NOT:     math.exp
func.func @gelu_erf(%x: f32, %d: f64, %e: f32) -> (f32, f64, f32) {
  %0 = math.erf %x : f32
  %1 = math.erf %d : f64
  %2 = math.exp %e : f32
  return %0, %1, %2 : f32, f64, f32
}
