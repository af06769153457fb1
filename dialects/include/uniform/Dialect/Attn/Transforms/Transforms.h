//===- Transforms.h - Attention rewrites ------------------------*- C++ -*-===//
//
// The rewrites behind `attn-reuse-heads`, as core functions and patterns that
// other pipelines can embed.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_DIALECT_ATTN_TRANSFORMS_TRANSFORMS_H
#define UNIFORM_DIALECT_ATTN_TRANSFORMS_TRANSFORMS_H

#include "uniform/Dialect/Attn/IR/AttnOps.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Support/LLVM.h"

#include <functional>
#include <string>

namespace uniform {
namespace attn {

//===----------------------------------------------------------------------===//
// Head invariance
//===----------------------------------------------------------------------===//

/// Proves structurally that the ranked tensor `value` is identical along
/// dimension `dim` (every slice along `dim` holds the same elements). Succeeds
/// for a unit extent, broadcasts and tiles along `dim`, concatenation of one
/// value, reshapes and transposes that carry `dim` through, elementwise ops
/// and `linalg.generic`s of such values, splat constants and dense constants
/// whose slices are bitwise equal. On failure, `reason` (if given) says why,
/// e.g. "it is a block argument".
mlir::LogicalResult proveInvariantAlongDim(mlir::Value value, int64_t dim,
                                           std::string *reason = nullptr);

/// Returns `value` with dimension `dim` removed, for a value that
/// `proveInvariantAlongDim` accepts. Reuses the value the invariance came from
/// where it can (the input of a broadcast, a folded constant) and otherwise
/// takes slice 0 along `dim`, which is exact for an invariant value.
mlir::Value buildInvariantSlice(mlir::OpBuilder &builder, mlir::Location loc,
                                mlir::Value value, int64_t dim);

/// Returns the mean of `value` over dimension `dim`, with `dim` removed.
/// Fails if the extent of `dim` is dynamic. Used by the approximate rewrite.
mlir::FailureOr<mlir::Value> buildMeanAlongDim(mlir::OpBuilder &builder,
                                               mlir::Location loc,
                                               mlir::Value value, int64_t dim);

//===----------------------------------------------------------------------===//
// attn-reuse-heads
//===----------------------------------------------------------------------===//

/// What one successful rewrite did.
struct ReuseRewriteInfo {
  /// Heads that now share one attention matrix (0 when dynamic).
  int64_t heads = 0;
  /// Attention matrices removed per batch item: heads - 1.
  int64_t matricesRemoved = 0;
  /// True when results change (allow-approximation).
  bool approximate = false;
};

/// Policy and callbacks of the rewrites.
struct ReuseHeadsOptions {
  /// Also rewrite heads that do not share queries and keys, by averaging them
  /// over the head axis. Changes results; every such rewrite emits a warning.
  bool allowApproximation = false;
  /// Called once for every rewrite with the new `attn.reuse`.
  std::function<void(ReuseAttentionOp, const ReuseRewriteInfo &)> onRewrite;
};

/// Which operands of an `attn.mha` are identical across the head axis. A
/// bias without a head dimension (or no bias) counts as shared.
struct SharedHeadsMatch {
  bool queryShared = false;
  bool keyShared = false;
  bool biasShared = false;
  /// True when the rewrite keeps results exactly.
  bool isExact() const { return queryShared && keyShared && biasShared; }
};

/// Checks whether `op` can become an `attn.reuse`: its query, key and bias
/// must be identical across the head axis (or, with `allowApproximation`, the
/// head count must be static, and whatever is not shared is averaged).
/// Returns which operands are shared, or failure with the reason in
/// `reason`.
mlir::FailureOr<SharedHeadsMatch>
matchSharedHeads(MultiHeadAttentionOp op, bool allowApproximation,
                 std::string *reason = nullptr);

/// Rewrites `op` into an `attn.reuse` whose query, key and bias drop the head
/// axis. Exact unless `allowApproximation` was needed (see matchSharedHeads).
mlir::FailureOr<ReuseAttentionOp>
rewriteSharedHeadsToReuse(mlir::RewriterBase &rewriter,
                          MultiHeadAttentionOp op,
                          const ReuseHeadsOptions &options = {},
                          std::string *reason = nullptr);

/// Returns true if `op` concatenates tensors (`tensor.concat`, `tosa.concat`
/// or the last `tensor.insert_slice` of a chain that fills a tensor) and at
/// least one piece is the result of a single-head attention op: a candidate
/// for `mergePerHeadAttention`.
bool isPerHeadConcatCandidate(mlir::Operation *op);

/// Checks whether the concatenation `root` merges per-head attention ops that
/// share query, key, bias and scale. Fails with the reason in `reason`.
mlir::LogicalResult matchPerHeadAttention(mlir::Operation *root,
                                          std::string *reason = nullptr);

/// Replaces the concatenation `root` of H single-head attention results by one
/// `attn.reuse` over the stacked values, followed by the reshape that restores
/// the concatenated layout.
mlir::FailureOr<ReuseAttentionOp>
mergePerHeadAttention(mlir::RewriterBase &rewriter, mlir::Operation *root,
                      const ReuseHeadsOptions &options = {},
                      std::string *reason = nullptr);

/// Adds the `attn-reuse-heads` patterns to `patterns`.
void populateAttnReuseHeadsPatterns(mlir::RewritePatternSet &patterns,
                                    const ReuseHeadsOptions &options = {});

//===----------------------------------------------------------------------===//
// attn-cost-report
//===----------------------------------------------------------------------===//

/// The cost of one attention op. Counts are -1 where a dimension is dynamic.
struct AttentionCost {
  AttentionDims dims;
  int64_t matrices = -1;     ///< attention matrices computed: B*H or B
  int64_t scoreFlops = -1;   ///< 2 * matrices * N * M * Dk
  int64_t valueFlops = -1;   ///< 2 * B * H * N * M * Dv
  int64_t softmaxElems = -1; ///< matrices * N * M
  int64_t matrixBytes = -1;  ///< softmaxElems * 4 (f32 scores)
  /// What sharing one matrix across the heads saves against per-head
  /// attention (one matrix per head and batch): the score FLOPs and matrix
  /// bytes of the B * (H - 1) matrices not computed. 0 for attn.mha.
  int64_t savedScoreFlops = -1;
  int64_t savedMatrixBytes = -1;
  bool isStatic() const { return matrices >= 0; }
};

/// Computes the cost of an `attn.mha` or `attn.reuse` op.
AttentionCost computeAttentionCost(mlir::Operation *op);

} // namespace attn
} // namespace uniform

#endif // UNIFORM_DIALECT_ATTN_TRANSFORMS_TRANSFORMS_H
