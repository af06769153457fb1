// Few outputs with long reductions, for split-reductions.test: a UniForm
// MLP's second product at 4x4 (16 rows, K 384, 192 outputs, bias and
// ReLU6 after it) with its weights stored [N, K] as PyTorch's Linear
// stores them, and five dot products of 1000 terms.
#x = affine_map<(m, n, k) -> (m, k)>
#w = affine_map<(m, n, k) -> (n, k)>
#y = affine_map<(m, n, k) -> (m, n)>
#id = affine_map<(d0, d1) -> (d0, d1)>
func.func @mlp(%x: tensor<16x384xf32>, %w: tensor<192x384xf32>,
               %b: tensor<192xf32>) -> tensor<16x192xf32> {
  %e = tensor.empty() : tensor<16x192xf32>
  %bias = linalg.broadcast ins(%b : tensor<192xf32>)
      outs(%e : tensor<16x192xf32>) dimensions = [0]
  %m = linalg.generic {indexing_maps = [#x, #w, #y],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<16x384xf32>, tensor<192x384xf32>)
      outs(%bias : tensor<16x192xf32>) {
  ^bb0(%a: f32, %c: f32, %acc: f32):
    %p = arith.mulf %a, %c : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<16x192xf32>
  %r = linalg.generic {indexing_maps = [#id, #id],
                       iterator_types = ["parallel", "parallel"]}
      ins(%m : tensor<16x192xf32>) outs(%e : tensor<16x192xf32>) {
  ^bb0(%in: f32, %out: f32):
    %zero = arith.constant 0.0 : f32
    %six = arith.constant 6.0 : f32
    %lo = arith.maximumf %in, %zero : f32
    %hi = arith.minimumf %lo, %six : f32
    linalg.yield %hi : f32
  } -> tensor<16x192xf32>
  return %r : tensor<16x192xf32>
}

func.func @dot(%x: tensor<5x1000xf32>, %w: tensor<1x1000xf32>)
    -> tensor<5x1xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x1xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<5x1xf32>) -> tensor<5x1xf32>
  %m = linalg.generic {indexing_maps = [#x, #w, #y],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x, %w : tensor<5x1000xf32>, tensor<1x1000xf32>)
      outs(%f : tensor<5x1xf32>) {
  ^bb0(%a: f32, %c: f32, %acc: f32):
    %p = arith.mulf %a, %c : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<5x1xf32>
  return %m : tensor<5x1xf32>
}
