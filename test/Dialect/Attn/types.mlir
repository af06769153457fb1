// Every supported element type and dynamic dimensions, in both op forms.
// RUN: uniform-opt %s | FileCheck %s
// RUN: uniform-opt %s --mlir-print-op-generic | uniform-opt | FileCheck %s

// CHECK-LABEL: func.func @mha_f16(
// CHECK:         attn.mha {{.*}} : tensor<1x2x8x4xf16>, tensor<1x2x8x4xf16>, tensor<1x2x8x4xf16> -> tensor<1x2x8x4xf16>
func.func @mha_f16(%q: tensor<1x2x8x4xf16>, %k: tensor<1x2x8x4xf16>,
                   %v: tensor<1x2x8x4xf16>) -> tensor<1x2x8x4xf16> {
  %0 = attn.mha %q, %k, %v scale(0.5)
      : tensor<1x2x8x4xf16>, tensor<1x2x8x4xf16>, tensor<1x2x8x4xf16> -> tensor<1x2x8x4xf16>
  return %0 : tensor<1x2x8x4xf16>
}

// CHECK-LABEL: func.func @mha_bf16(
// CHECK:         attn.mha {{.*}} bias(%{{.*}} : tensor<8x8xbf16>) {{.*}} : tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16> -> tensor<1x2x8x4xbf16>
func.func @mha_bf16(%q: tensor<1x2x8x4xbf16>, %k: tensor<1x2x8x4xbf16>,
                    %v: tensor<1x2x8x4xbf16>, %b: tensor<8x8xbf16>) -> tensor<1x2x8x4xbf16> {
  %0 = attn.mha %q, %k, %v bias(%b : tensor<8x8xbf16>) scale(0.5)
      : tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16>, tensor<1x2x8x4xbf16> -> tensor<1x2x8x4xbf16>
  return %0 : tensor<1x2x8x4xbf16>
}

// CHECK-LABEL: func.func @reuse_f16(
// CHECK:         attn.reuse {{.*}} : tensor<2x49x16xf16>, tensor<2x49x16xf16>, tensor<2x3x49x32xf16> -> tensor<2x3x49x32xf16>
func.func @reuse_f16(%q: tensor<2x49x16xf16>, %k: tensor<2x49x16xf16>,
                     %v: tensor<2x3x49x32xf16>) -> tensor<2x3x49x32xf16> {
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<2x49x16xf16>, tensor<2x49x16xf16>, tensor<2x3x49x32xf16> -> tensor<2x3x49x32xf16>
  return %0 : tensor<2x3x49x32xf16>
}

// CHECK-LABEL: func.func @reuse_bf16(
// CHECK:         attn.reuse {{.*}} : tensor<2x49x16xbf16>, tensor<2x49x16xbf16>, tensor<2x3x49x32xbf16> -> tensor<2x3x49x32xbf16>
func.func @reuse_bf16(%q: tensor<2x49x16xbf16>, %k: tensor<2x49x16xbf16>,
                      %v: tensor<2x3x49x32xbf16>) -> tensor<2x3x49x32xbf16> {
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<2x49x16xbf16>, tensor<2x49x16xbf16>, tensor<2x3x49x32xbf16> -> tensor<2x3x49x32xbf16>
  return %0 : tensor<2x3x49x32xbf16>
}

// Fully dynamic shapes.
// CHECK-LABEL: func.func @mha_dynamic(
// CHECK:         attn.mha {{.*}} bias(%{{.*}} : tensor<?x?xf32>) {{.*}} : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
func.func @mha_dynamic(%q: tensor<?x?x?x?xf32>, %k: tensor<?x?x?x?xf32>,
                       %v: tensor<?x?x?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?x?x?xf32> {
  %0 = attn.mha %q, %k, %v bias(%b : tensor<?x?xf32>) scale(0.125)
      : tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32>, tensor<?x?x?x?xf32> -> tensor<?x?x?x?xf32>
  return %0 : tensor<?x?x?x?xf32>
}

// Mixed static and dynamic dims; a dynamic dim is compatible with any static
// one, and the result may be more or less static than the operands.
// CHECK-LABEL: func.func @reuse_partially_dynamic(
// CHECK:         attn.reuse {{.*}} : tensor<?x49x16xf32>, tensor<?x?x16xf32>, tensor<8x4x?x?xf32> -> tensor<?x4x49x?xf32>
// CHECK:         attn.reuse {{.*}} : tensor<?x49x16xf32>, tensor<?x?x16xf32>, tensor<8x4x?x?xf32> -> tensor<8x4x49x32xf32>
func.func @reuse_partially_dynamic(%q: tensor<?x49x16xf32>, %k: tensor<?x?x16xf32>,
                                   %v: tensor<8x4x?x?xf32>)
    -> (tensor<?x4x49x?xf32>, tensor<8x4x49x32xf32>) {
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<?x49x16xf32>, tensor<?x?x16xf32>, tensor<8x4x?x?xf32> -> tensor<?x4x49x?xf32>
  %1 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<?x49x16xf32>, tensor<?x?x16xf32>, tensor<8x4x?x?xf32> -> tensor<8x4x49x32xf32>
  return %0, %1 : tensor<?x4x49x?xf32>, tensor<8x4x49x32xf32>
}
