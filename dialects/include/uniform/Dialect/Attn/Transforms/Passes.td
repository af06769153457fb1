//===- Passes.td - Attention dialect passes ----------------*- tablegen -*-===//
//
// Passes that work on the `attn` dialect alone.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_DIALECT_ATTN_TRANSFORMS_PASSES_TD
#define UNIFORM_DIALECT_ATTN_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def AttnReuseHeads : Pass<"attn-reuse-heads"> {
  let summary = "Rewrite attention whose heads share one attention matrix "
                "into Reuse Attention";
  let description = [{
    Removes redundant attention matrices without changing results:

    1. An `attn.mha` whose query, key and bias are provably identical across
       the head axis becomes an `attn.reuse`. Sharing is proven structurally:
       `linalg.broadcast` along H, a `linalg.generic` whose input maps ignore
       H, `tosa.tile` or `tensor.concat` of a value with head extent 1 (or of
       one head-invariant value repeated), `tensor.expand_shape` inserting a
       unit head dim, elementwise ops of head-invariant values, splat
       constants, dense constants whose per-head slices are bitwise equal, and
       a bias without a head dimension or with head extent 1.
    2. Attention ops of one block that provably compute the same attention
       matrix (`attn.reuse` of any head count, single-head `attn.mha`; equal
       scales; query, key and bias the same values, values CSE would merge,
       or slices of a value that is identical along the sliced dimension)
       become one `attn.reuse` over their values stacked along the head axis.
       Each original result is replaced by its slice of the merged result,
       wherever and however it is used. The merged op goes after the last
       operand definition; earlier uses of the results (free of side
       effects) move below it. A head whose values depend on another head's
       result (cascaded attention) is left out, with a remark naming the
       chain of ops.
    3. A concatenation (`tensor.concat`, `tosa.concat` or a chain of
       `tensor.insert_slice`) of consecutive slices of one attention result,
       each moved through the same reshapes and transposes, becomes one
       relayout of the result: at most an expand, one `linalg.transpose`
       and a reshape, with no per-head copies.

    Where sharing cannot be proven the IR is left unchanged; with
    `report=true` a remark on the op says why, and every rewrite is
    reported with the number of attention matrices it removed.

    `allow-approximation=true` also rewrites genuine multi-head attention by
    replacing query, key and bias by their mean over the head axis. This
    changes results (a warning is emitted for each such rewrite) and exists
    for architecture exploration only.

    Example:

    ```mlir
    %qb = linalg.broadcast ins(%q : tensor<1x49x16xf32>)
            outs(%e : tensor<1x4x49x16xf32>) dimensions = [1]
    %kb = linalg.broadcast ins(%k : tensor<1x49x16xf32>)
            outs(%e : tensor<1x4x49x16xf32>) dimensions = [1]
    %0 = attn.mha %qb, %kb, %v scale(2.5e-01) : ... -> tensor<1x4x49x32xf32>
    // becomes
    %0 = attn.reuse %q, %k, %v scale(2.5e-01) : ... -> tensor<1x4x49x32xf32>
    ```
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark for every rewrite and every rejected candidate">,
    Option<"allowApproximation", "allow-approximation", "bool",
           /*default=*/"false",
           "Also merge heads that do not share queries and keys by averaging "
           "them over the head axis (changes results)">,
  ];
  let statistics = [
    Statistic<"numOpsRewritten", "ops-rewritten",
              "Number of attention ops (or concat groups) rewritten into attn.reuse">,
    Statistic<"numHeadsMerged", "heads-merged",
              "Number of heads whose attention matrix is now shared">,
    Statistic<"numMatricesRemoved", "matrices-removed",
              "Number of attention matrices removed per batch item">,
    Statistic<"numApproximated", "approximated",
              "Number of rewrites that change results (allow-approximation)">,
    Statistic<"numRejected", "candidates-rejected",
              "Number of candidates left unchanged">,
  ];
}

def AttnFoldRelayoutChains : Pass<"attn-fold-relayout-chains"> {
  let summary = "Replace transpose and reshape chains that keep the element "
                "order by one reshape";
  let description = [{
    A chain of `tosa.transpose`, `linalg.transpose`, `tosa.reshape` and
    `tensor.collapse_shape` / `expand_shape` ops with static shapes whose
    composite keeps its source's row-major element order is a reshape,
    whatever its transposes: it becomes one `tensor.collapse_shape` /
    `expand_shape` of the source (uniform::attn::foldRelayoutChain).
    Exporters leave such chains at attention's inputs: a convolution's
    NHWC result transposed to NCHW, reshaped to [B, C, N] and transposed to
    [B, N, C] for q, k or v. `tosa-reduce-transposes` does not see through
    the reshape. Chains that move elements are left alone.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

def AttnCostReport : Pass<"attn-cost-report"> {
  let summary = "Print the cost of every attention op and the total";
  let description = [{
    An analysis that changes nothing. For every `attn.mha` and `attn.reuse`
    it prints B, H, N, M, Dk, Dv, the attention matrices computed (B * H for
    `attn.mha`, B for `attn.reuse`), the FLOPs of the score product
    (2 * matrices * N * M * Dk) and of the value product (2 * B * H * N * M *
    Dv), the softmax element count (matrices * N * M) and the bytes of
    attention matrix that a materialising lowering writes (softmax elements
    * 4: the lowering keeps scores in f32 for every element type). Ops with
    dynamic dimensions are listed with `?` and left out of the total.

    Running it before and after `attn-reuse-heads` shows the saving.
    `format=json` prints the same data as one JSON object for tools.
  }];
  let options = [
    Option<"format", "format", "std::string", /*default=*/"\"text\"",
           "Output format: 'text' (a table) or 'json'">,
    Option<"outputFile", "output-file", "std::string", /*default=*/"\"-\"",
           "Where to write the report ('-' is stdout)">,
  ];
}

#endif // UNIFORM_DIALECT_ATTN_TRANSFORMS_PASSES_TD
