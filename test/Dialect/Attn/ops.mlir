// Round trip of every attention op form: custom form, generic form and
// bytecode each parse back to the same custom form.
// RUN: uniform-opt %s | FileCheck %s
// RUN: uniform-opt %s --mlir-print-op-generic | uniform-opt | FileCheck %s
// RUN: uniform-opt %s --emit-bytecode | uniform-opt | FileCheck %s
// RUN: uniform-opt %s --mlir-print-op-generic | FileCheck %s --check-prefix=GENERIC

// CHECK-LABEL: func.func @mha_f32(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<2x4x49x16xf32>, %[[K:[a-z0-9]+]]: tensor<2x4x49x16xf32>, %[[V:[a-z0-9]+]]: tensor<2x4x49x32xf32>
// CHECK:         %[[R:.+]] = attn.mha %[[Q]], %[[K]], %[[V]] scale(2.500000e-01) : tensor<2x4x49x16xf32>, tensor<2x4x49x16xf32>, tensor<2x4x49x32xf32> -> tensor<2x4x49x32xf32>
// CHECK:         return %[[R]]
// GENERIC-LABEL: sym_name = "mha_f32"
// GENERIC:       "attn.mha"(%{{.*}}, %{{.*}}, %{{.*}}) <{scale = 2.500000e-01 : f32}> : (tensor<2x4x49x16xf32>, tensor<2x4x49x16xf32>, tensor<2x4x49x32xf32>) -> tensor<2x4x49x32xf32>
func.func @mha_f32(%q: tensor<2x4x49x16xf32>, %k: tensor<2x4x49x16xf32>,
                   %v: tensor<2x4x49x32xf32>) -> tensor<2x4x49x32xf32> {
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<2x4x49x16xf32>, tensor<2x4x49x16xf32>, tensor<2x4x49x32xf32>
      -> tensor<2x4x49x32xf32>
  return %0 : tensor<2x4x49x32xf32>
}

// CHECK-LABEL: func.func @mha_bias_full(
// CHECK-SAME:    %[[B:[a-z0-9]+]]: tensor<2x4x49x49xf32>
// CHECK:         attn.mha %{{.*}}, %{{.*}}, %{{.*}} bias(%[[B]] : tensor<2x4x49x49xf32>) scale(1.250000e-01)
// GENERIC-LABEL: sym_name = "mha_bias_full"
// GENERIC:       "attn.mha"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{scale = 1.250000e-01 : f32}> : (tensor<2x4x49x16xf32>, tensor<2x4x49x16xf32>, tensor<2x4x49x32xf32>, tensor<2x4x49x49xf32>)
func.func @mha_bias_full(%q: tensor<2x4x49x16xf32>, %k: tensor<2x4x49x16xf32>,
                         %v: tensor<2x4x49x32xf32>, %b: tensor<2x4x49x49xf32>)
    -> tensor<2x4x49x32xf32> {
  %0 = attn.mha %q, %k, %v bias(%b : tensor<2x4x49x49xf32>) scale(0.125)
      : tensor<2x4x49x16xf32>, tensor<2x4x49x16xf32>, tensor<2x4x49x32xf32>
      -> tensor<2x4x49x32xf32>
  return %0 : tensor<2x4x49x32xf32>
}

// A bias broadcast along B and H ([N, M]) and one along B and N ([1, H, 1, M]).
// CHECK-LABEL: func.func @mha_bias_broadcast(
// CHECK:         attn.mha {{.*}} bias(%{{.*}} : tensor<49x49xf32>)
// CHECK:         attn.mha {{.*}} bias(%{{.*}} : tensor<1x4x1x49xf32>)
func.func @mha_bias_broadcast(%q: tensor<2x4x49x16xf32>, %k: tensor<2x4x49x16xf32>,
                              %v: tensor<2x4x49x32xf32>, %b0: tensor<49x49xf32>,
                              %b1: tensor<1x4x1x49xf32>)
    -> (tensor<2x4x49x32xf32>, tensor<2x4x49x32xf32>) {
  %0 = attn.mha %q, %k, %v bias(%b0 : tensor<49x49xf32>) scale(0.25)
      : tensor<2x4x49x16xf32>, tensor<2x4x49x16xf32>, tensor<2x4x49x32xf32>
      -> tensor<2x4x49x32xf32>
  %1 = attn.mha %q, %k, %v bias(%b1 : tensor<1x4x1x49xf32>) scale(0.25)
      : tensor<2x4x49x16xf32>, tensor<2x4x49x16xf32>, tensor<2x4x49x32xf32>
      -> tensor<2x4x49x32xf32>
  return %0, %1 : tensor<2x4x49x32xf32>, tensor<2x4x49x32xf32>
}

// CHECK-LABEL: func.func @reuse_f32(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<64x49x16xf32>, %[[K:[a-z0-9]+]]: tensor<64x49x16xf32>, %[[V:[a-z0-9]+]]: tensor<64x4x49x48xf32>, %[[B:[a-z0-9]+]]: tensor<49x49xf32>
// CHECK:         attn.reuse %[[Q]], %[[K]], %[[V]] bias(%[[B]] : tensor<49x49xf32>) scale(2.500000e-01) : tensor<64x49x16xf32>, tensor<64x49x16xf32>, tensor<64x4x49x48xf32> -> tensor<64x4x49x48xf32>
// GENERIC-LABEL: sym_name = "reuse_f32"
// GENERIC:       "attn.reuse"(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}) <{scale = 2.500000e-01 : f32}>
func.func @reuse_f32(%q: tensor<64x49x16xf32>, %k: tensor<64x49x16xf32>,
                     %v: tensor<64x4x49x48xf32>, %b: tensor<49x49xf32>)
    -> tensor<64x4x49x48xf32> {
  %0 = attn.reuse %q, %k, %v bias(%b : tensor<49x49xf32>) scale(0.25)
      : tensor<64x49x16xf32>, tensor<64x49x16xf32>, tensor<64x4x49x48xf32>
      -> tensor<64x4x49x48xf32>
  return %0 : tensor<64x4x49x48xf32>
}

// Cross attention: N != M, Dk != Dv; a rank-0 bias broadcasts everywhere.
// CHECK-LABEL: func.func @reuse_cross(
// CHECK:         attn.reuse {{.*}} bias(%{{.*}} : tensor<f32>) scale(1.000000e+00) : tensor<1x7x3xf32>, tensor<1x5x3xf32>, tensor<1x2x5x9xf32> -> tensor<1x2x7x9xf32>
func.func @reuse_cross(%q: tensor<1x7x3xf32>, %k: tensor<1x5x3xf32>,
                       %v: tensor<1x2x5x9xf32>, %b: tensor<f32>) -> tensor<1x2x7x9xf32> {
  %0 = attn.reuse %q, %k, %v bias(%b : tensor<f32>) scale(1.0)
      : tensor<1x7x3xf32>, tensor<1x5x3xf32>, tensor<1x2x5x9xf32> -> tensor<1x2x7x9xf32>
  return %0 : tensor<1x2x7x9xf32>
}

// Extra discardable attributes survive the custom form.
// CHECK-LABEL: func.func @reuse_attr_dict(
// CHECK:         attn.reuse {{.*}} scale(5.000000e-01) {uniform.layer = "stage1.block0"}
func.func @reuse_attr_dict(%q: tensor<1x4x8xf32>, %k: tensor<1x4x8xf32>,
                           %v: tensor<1x2x4x8xf32>) -> tensor<1x2x4x8xf32> {
  %0 = attn.reuse %q, %k, %v scale(0.5) {uniform.layer = "stage1.block0"}
      : tensor<1x4x8xf32>, tensor<1x4x8xf32>, tensor<1x2x4x8xf32> -> tensor<1x2x4x8xf32>
  return %0 : tensor<1x2x4x8xf32>
}
