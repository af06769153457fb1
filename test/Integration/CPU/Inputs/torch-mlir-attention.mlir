// Attention as torch-mlir lowers PyTorch to linalg on tensors: contractions
// as linalg.batch_matmul with transposed maps or 4-D linalg.generics, the
// scale and the bias as elementwise linalg.generics, the softmax decomposed
// into linalg.generic reductions (max, sub, exp, sum, div).

#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#red3 = affine_map<(d0, d1, d2) -> (d0, d1)>
#keep3 = affine_map<(d0, d1, d2) -> (d0, d1, 0)>
#bias3 = affine_map<(d0, d1, d2) -> (d1, d2)>

// One head: scores by a batch_matmul reading K transposed, scale, a [N, M]
// bias, the softmax with keepdim reductions, values by a batch_matmul.
func.func @reuse_torch_style(%q: tensor<2x49x16xf32>, %k: tensor<2x49x16xf32>,
                             %v: tensor<2x49x32xf32>, %bias: tensor<49x49xf32>) -> tensor<2x49x32xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %quarter = arith.constant 0.25 : f32
  %e = tensor.empty() : tensor<2x49x49xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x49x49xf32>) -> tensor<2x49x49xf32>
  %s = linalg.batch_matmul
      indexing_maps = [affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>,
                       affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>]
      ins(%q, %k : tensor<2x49x16xf32>, tensor<2x49x16xf32>) outs(%z : tensor<2x49x49xf32>) -> tensor<2x49x49xf32>
  %scaled = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%s : tensor<2x49x49xf32>) outs(%e : tensor<2x49x49xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.mulf %in, %quarter : f32
    linalg.yield %m : f32
  } -> tensor<2x49x49xf32>
  %x = linalg.generic {indexing_maps = [#id3, #bias3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%scaled, %bias : tensor<2x49x49xf32>, tensor<49x49xf32>) outs(%e : tensor<2x49x49xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %sum = arith.addf %a, %b : f32
    linalg.yield %sum : f32
  } -> tensor<2x49x49xf32>
  %er = tensor.empty() : tensor<2x49xf32>
  %minit = linalg.fill ins(%ninf : f32) outs(%er : tensor<2x49xf32>) -> tensor<2x49xf32>
  %max = linalg.generic {indexing_maps = [#id3, #red3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : tensor<2x49x49xf32>) outs(%minit : tensor<2x49xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %mx = arith.maximumf %in, %acc : f32
    linalg.yield %mx : f32
  } -> tensor<2x49xf32>
  %maxk = tensor.expand_shape %max [[0], [1, 2]] output_shape [2, 49, 1] : tensor<2x49xf32> into tensor<2x49x1xf32>
  %d = linalg.generic {indexing_maps = [#id3, #keep3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %maxk : tensor<2x49x49xf32>, tensor<2x49x1xf32>) outs(%e : tensor<2x49x49xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %df = arith.subf %a, %b : f32
    linalg.yield %df : f32
  } -> tensor<2x49x49xf32>
  %ex = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%d : tensor<2x49x49xf32>) outs(%e : tensor<2x49x49xf32>) {
  ^bb0(%in: f32, %out: f32):
    %xp = math.exp %in : f32
    linalg.yield %xp : f32
  } -> tensor<2x49x49xf32>
  %sinit = linalg.fill ins(%zero : f32) outs(%er : tensor<2x49xf32>) -> tensor<2x49xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #red3], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%ex : tensor<2x49x49xf32>) outs(%sinit : tensor<2x49xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %ad = arith.addf %in, %acc : f32
    linalg.yield %ad : f32
  } -> tensor<2x49xf32>
  %sumk = tensor.expand_shape %sum [[0], [1, 2]] output_shape [2, 49, 1] : tensor<2x49xf32> into tensor<2x49x1xf32>
  %p = linalg.generic {indexing_maps = [#id3, #keep3, #id3], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex, %sumk : tensor<2x49x49xf32>, tensor<2x49x1xf32>) outs(%e : tensor<2x49x49xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %dv = arith.divf %a, %b : f32
    linalg.yield %dv : f32
  } -> tensor<2x49x49xf32>
  %eo = tensor.empty() : tensor<2x49x32xf32>
  %zo = linalg.fill ins(%zero : f32) outs(%eo : tensor<2x49x32xf32>) -> tensor<2x49x32xf32>
  %o = linalg.batch_matmul ins(%p, %v : tensor<2x49x49xf32>, tensor<2x49x32xf32>) outs(%zo : tensor<2x49x32xf32>) -> tensor<2x49x32xf32>
  return %o : tensor<2x49x32xf32>
}

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#red4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#lhs5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>
#kt5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>
#v5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d4, d3)>
#out5 = affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>

// Four heads as 4-D generics: Q K^T, a division by 4, the softmax with the
// sub and exp fused and reductions without keepdim, P V.
func.func @mha_torch_style(%q: tensor<1x4x49x16xf32>, %k: tensor<1x4x49x16xf32>,
                           %v: tensor<1x4x49x8xf32>) -> tensor<1x4x49x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %four = arith.constant 4.0 : f32
  %e = tensor.empty() : tensor<1x4x49x49xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x4x49x49xf32>) -> tensor<1x4x49x49xf32>
  %s = linalg.generic {indexing_maps = [#lhs5, #kt5, #out5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%q, %k : tensor<1x4x49x16xf32>, tensor<1x4x49x16xf32>) outs(%z : tensor<1x4x49x49xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %mul = arith.mulf %a, %b : f32
    %add = arith.addf %acc, %mul : f32
    linalg.yield %add : f32
  } -> tensor<1x4x49x49xf32>
  %x = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%s : tensor<1x4x49x49xf32>) outs(%e : tensor<1x4x49x49xf32>) {
  ^bb0(%in: f32, %out: f32):
    %dv = arith.divf %in, %four : f32
    linalg.yield %dv : f32
  } -> tensor<1x4x49x49xf32>
  %er = tensor.empty() : tensor<1x4x49xf32>
  %minit = linalg.fill ins(%ninf : f32) outs(%er : tensor<1x4x49xf32>) -> tensor<1x4x49xf32>
  %max = linalg.generic {indexing_maps = [#id4, #red4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%x : tensor<1x4x49x49xf32>) outs(%minit : tensor<1x4x49xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %mx = arith.maximumf %acc, %in : f32
    linalg.yield %mx : f32
  } -> tensor<1x4x49xf32>
  %ex = linalg.generic {indexing_maps = [#id4, #red4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%x, %max : tensor<1x4x49x49xf32>, tensor<1x4x49xf32>) outs(%e : tensor<1x4x49x49xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %df = arith.subf %a, %b : f32
    %xp = math.exp %df : f32
    linalg.yield %xp : f32
  } -> tensor<1x4x49x49xf32>
  %sinit = linalg.fill ins(%zero : f32) outs(%er : tensor<1x4x49xf32>) -> tensor<1x4x49xf32>
  %sum = linalg.generic {indexing_maps = [#id4, #red4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%ex : tensor<1x4x49x49xf32>) outs(%sinit : tensor<1x4x49xf32>) {
  ^bb0(%in: f32, %acc: f32):
    %ad = arith.addf %acc, %in : f32
    linalg.yield %ad : f32
  } -> tensor<1x4x49xf32>
  %p = linalg.generic {indexing_maps = [#id4, #red4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]}
      ins(%ex, %sum : tensor<1x4x49x49xf32>, tensor<1x4x49xf32>) outs(%e : tensor<1x4x49x49xf32>) {
  ^bb0(%a: f32, %b: f32, %out: f32):
    %dv = arith.divf %a, %b : f32
    linalg.yield %dv : f32
  } -> tensor<1x4x49x49xf32>
  %eo = tensor.empty() : tensor<1x4x49x8xf32>
  %zo = linalg.fill ins(%zero : f32) outs(%eo : tensor<1x4x49x8xf32>) -> tensor<1x4x49x8xf32>
  %o = linalg.generic {indexing_maps = [#lhs5, #v5, #out5], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%p, %v : tensor<1x4x49x49xf32>, tensor<1x4x49x8xf32>) outs(%zo : tensor<1x4x49x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %mul = arith.mulf %a, %b : f32
    %add = arith.addf %acc, %mul : f32
    linalg.yield %add : f32
  } -> tensor<1x4x49x8xf32>
  return %o : tensor<1x4x49x8xf32>
}
