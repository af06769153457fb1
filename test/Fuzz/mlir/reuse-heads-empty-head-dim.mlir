#map = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#map1 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<3x1048576x0xf32>, tensor<3x69x1048576x0xf32>) -> tensor<3x69x1048576x0xf32>, sym_name = "generic_uses_head_index"}> ({
  ^bb0(%arg0: tensor<3x1048576x0xf32>, %arg1: tensor<3x69x1048576x0xf32>):
    %0 = "tensor.empty"() : () -> tensor<3x69x1048576x0xf32>
    %1 = "linalg.generic"(%arg0, %0) <{indexing_maps = [#map, #map1], iterator_types = [#linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>, #linalg.iterator_type<parallel>], operandSegmentSizes = array<i32: 1, 1>}> ({
    ^bb0(%arg2: f32, %arg3: f32):
      %3 = "linalg.index"() <{dim = 2 : i64}> : () -> index
      %4 = "arith.index_cast"(%3) : (index) -> i32
      %5 = "arith.sitofp"(%4) : (i32) -> f32
      %6 = "arith.addf"(%arg2, %5) <{fastmath = #arith.fastmath<none>}> : (f32, f32) -> f32
      "linalg.yield"(%6) : (f32) -> ()
    }) : (tensor<3x1048576x0xf32>, tensor<3x69x1048576x0xf32>) -> tensor<3x69x1048576x0xf32>
    %2 = "attn.mha"(%1, %1, %arg1) <{scale = 6.550400e+04 : f32}> : (tensor<3x69x1048576x0xf32>, tensor<3x69x1048576x0xf32>, tensor<3x69x1048576x0xf32>) -> tensor<3x69x1048576x0xf32>
    "func.return"(%2) : (tensor<3x69x1048576x0xf32>) -> ()
  }) : () -> ()
}) : () -> ()
