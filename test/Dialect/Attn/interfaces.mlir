// The attention ops have no memory effects (CSE merges and DCE removes them),
// are speculatable only with static shapes (LICM hoists only those), and
// reify their result shape for dynamic dims.
// RUN: uniform-opt %s --allow-unregistered-dialect --split-input-file --cse --canonicalize | FileCheck %s --check-prefix=CSE
// RUN: uniform-opt %s --allow-unregistered-dialect --split-input-file --loop-invariant-code-motion | FileCheck %s --check-prefix=LICM
// RUN: uniform-opt %s --allow-unregistered-dialect --split-input-file --resolve-ranked-shaped-type-result-dims | FileCheck %s --check-prefix=REIFY

// CSE-LABEL: func.func @cse_and_dce(
// CSE:         %[[R:.+]] = attn.reuse
// CSE-NOT:     attn.reuse
// CSE-NOT:     attn.mha
// CSE:         return %[[R]], %[[R]]
func.func @cse_and_dce(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>,
                       %v: tensor<1x2x8x4xf32>, %q4: tensor<1x2x8x4xf32>)
    -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) {
  %0 = attn.reuse %q, %k, %v scale(0.5)
      : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  %1 = attn.reuse %q, %k, %v scale(0.5)
      : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  // Unused: removed.
  %2 = attn.mha %q4, %q4, %v scale(0.5)
      : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0, %1 : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>
}

// -----

// Different scales are different computations: CSE keeps both.
// CSE-LABEL: func.func @cse_keeps_different_scales(
// CSE:         attn.reuse {{.*}} scale(5.000000e-01)
// CSE:         attn.reuse {{.*}} scale(2.500000e-01)
func.func @cse_keeps_different_scales(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>,
                                      %v: tensor<1x2x8x4xf32>)
    -> (tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>) {
  %0 = attn.reuse %q, %k, %v scale(0.5)
      : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  %1 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
  return %0, %1 : tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32>
}

// -----

// LICM-LABEL: func.func @licm(
// LICM:         %[[S:.+]] = attn.reuse {{.*}} : tensor<1x8x4xf32>
// LICM:         scf.for
// LICM:           attn.reuse {{.*}} : tensor<?x8x4xf32>
// LICM:           "test.use"(%[[S]]
func.func @licm(%q: tensor<1x8x4xf32>, %k: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>,
                %qd: tensor<?x8x4xf32>, %n: index) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  scf.for %i = %c0 to %n step %c1 {
    %0 = attn.reuse %q, %k, %v scale(0.5)
        : tensor<1x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>
    // Dynamic shapes may mismatch at run time: not hoisted out of a loop that
    // may not run.
    %1 = attn.reuse %qd, %k, %v scale(0.5)
        : tensor<?x8x4xf32>, tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<?x2x8x4xf32>
    "test.use"(%0, %1) : (tensor<1x2x8x4xf32>, tensor<?x2x8x4xf32>) -> ()
  }
  return
}

// -----

// tensor.dim of a result folds to operand dims.
// REIFY-LABEL: func.func @reify_mha(
// REIFY-SAME:    %[[Q:[a-z0-9]+]]: tensor<?x4x?x16xf32>, %[[K:[a-z0-9]+]]: tensor<?x4x?x16xf32>, %[[V:[a-z0-9]+]]: tensor<?x4x?x?xf32>
// REIFY-DAG:     %[[C0:.+]] = arith.constant 0 : index
// REIFY-DAG:     %[[C2:.+]] = arith.constant 2 : index
// REIFY-DAG:     %[[C3:.+]] = arith.constant 3 : index
// REIFY-DAG:     %[[B:.+]] = tensor.dim %[[Q]], %[[C0]]
// REIFY-DAG:     %[[N:.+]] = tensor.dim %[[Q]], %[[C2]]
// REIFY-DAG:     %[[DV:.+]] = tensor.dim %[[V]], %[[C3]]
// REIFY:         return %[[B]], %[[N]], %[[DV]]
func.func @reify_mha(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x?x16xf32>,
                     %v: tensor<?x4x?x?xf32>) -> (index, index, index) {
  %c0 = arith.constant 0 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %0 = attn.mha %q, %k, %v scale(0.25)
      : tensor<?x4x?x16xf32>, tensor<?x4x?x16xf32>, tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  %b = tensor.dim %0, %c0 : tensor<?x4x?x?xf32>
  %n = tensor.dim %0, %c2 : tensor<?x4x?x?xf32>
  %dv = tensor.dim %0, %c3 : tensor<?x4x?x?xf32>
  return %b, %n, %dv : index, index, index
}

// -----

// A dim the result type leaves dynamic but an operand knows is a constant.
// REIFY-LABEL: func.func @reify_reuse_static_from_operand(
// REIFY:         %[[C49:.+]] = arith.constant 49 : index
// REIFY:         return %[[C49]]
func.func @reify_reuse_static_from_operand(%q: tensor<2x49x16xf32>, %k: tensor<2x49x16xf32>,
                                           %v: tensor<2x4x49x32xf32>) -> index {
  %c2 = arith.constant 2 : index
  %0 = attn.reuse %q, %k, %v scale(0.25)
      : tensor<2x49x16xf32>, tensor<2x49x16xf32>, tensor<2x4x49x32xf32> -> tensor<2x4x?x32xf32>
  %n = tensor.dim %0, %c2 : tensor<2x4x?x32xf32>
  return %n : index
}
