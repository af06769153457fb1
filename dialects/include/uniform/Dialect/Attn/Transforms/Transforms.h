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

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

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

/// Returns true if `a` and `b` are the same value or provably hold the same
/// elements: results of equivalent side-effect-free ops on equivalent
/// operands (what CSE would merge), or slices of equivalent tensors that
/// differ only in offsets along dimensions where the tensor is provably
/// identical (see proveInvariantAlongDim).
bool areEquivalentValues(mlir::Value a, mlir::Value b);

/// Returns true if attention ops `a` and `b` provably compute the same
/// attention matrix: both `attn.reuse` or both single-head `attn.mha`, with
/// equal scales and equivalent query, key and bias (areEquivalentValues).
/// Otherwise `reason` (if given) says what differs.
bool haveSameAttentionMatrix(mlir::Operation *a, mlir::Operation *b,
                             std::string *reason = nullptr);

/// Returns the attention ops of `op`'s block that compute the same attention
/// matrix as `op` (see haveSameAttentionMatrix), `op` included, in block
/// order. Empty when `op` is multi-head `attn.mha`.
llvm::SmallVector<mlir::Operation *> findSameMatrixAttention(mlir::Operation *op);

/// An attention op left out of a merge, and why.
struct ExcludedMember {
  mlir::Operation *op;
  std::string reason;
};

/// Returns the members of a shared-matrix group that can be merged, in block
/// order: those with a static head count and the first member's value width,
/// whose operands do not depend on another selected member's result.
/// Cascaded attention (a head's value computed from an earlier head's
/// result) keeps its first head only; the others are listed in `excluded`
/// with the chain of ops that links them.
llvm::SmallVector<mlir::Operation *>
selectIndependentAttention(llvm::ArrayRef<mlir::Operation *> members,
                           llvm::SmallVectorImpl<ExcludedMember> *excluded =
                               nullptr);

/// Checks whether mergeSameMatrixAttention would merge `members`, with the
/// reason in `reason` when it would not.
mlir::LogicalResult
matchSameMatrixAttention(llvm::ArrayRef<mlir::Operation *> members,
                         std::string *reason = nullptr);

/// Merges attention ops of one block that compute the same attention matrix
/// (`attn.reuse` of any head count, single-head `attn.mha`) into one
/// `attn.reuse` over their values stacked along the head axis. The merged op
/// goes after the last definition of any operand; users of the members'
/// results that come earlier move below it (they must be free of side
/// effects). Each member's result is replaced by its slice of the merged
/// result. Members that selectIndependentAttention excludes stay as they
/// are; fails, changing nothing, when fewer than two remain.
mlir::FailureOr<ReuseAttentionOp>
mergeSameMatrixAttention(mlir::RewriterBase &rewriter,
                         llvm::ArrayRef<mlir::Operation *> members,
                         const ReuseHeadsOptions &options = {},
                         std::string *reason = nullptr);

/// Replaces the concatenation `concat` (`tensor.concat`, `tosa.concat`, or
/// the last `tensor.insert_slice` of a chain that fills a tensor) whose
/// pieces are consecutive slices of one attention result along one
/// dimension, each moved through the same reshapes, transposes and casts, by
/// that result relaid out directly: at most one reshape, one
/// `linalg.transpose` and one reshape. Returns the replacement; fails with
/// the reason when the pieces are not such a relayout.
mlir::FailureOr<mlir::Value> foldHeadConcat(mlir::RewriterBase &rewriter,
                                            mlir::Operation *concat,
                                            std::string *reason = nullptr);

/// Replaces `op`, the last of a chain of transposes and reshapes (tosa,
/// linalg or tensor) that contains a transpose and keeps its source's
/// row-major element order, by one reshape of the source
/// (tensor.collapse_shape / expand_shape). Exporters produce such chains
/// around attention: q = conv(x) as NCHW, reshaped to [B, C, N] and
/// transposed to [B, N, C], after the NHWC convolution's own transpose to
/// NCHW, is only a reshape of the NHWC result. Returns the reshape; fails,
/// changing nothing, when the chain moves elements.
mlir::FailureOr<mlir::Value> foldRelayoutChain(mlir::RewriterBase &rewriter,
                                               mlir::Operation *op);

/// Adds foldRelayoutChain on every transpose and reshape (the
/// `attn-fold-relayout-chains` pass).
void populateFoldRelayoutChainPatterns(mlir::RewritePatternSet &patterns);

/// Adds the `attn-reuse-heads` patterns to `patterns`: shared-head
/// `attn.mha` to `attn.reuse`, the shared-matrix merge (rooted at a group's
/// last member) and the head-concatenation fold.
void populateAttnReuseHeadsPatterns(mlir::RewritePatternSet &patterns,
                                    const ReuseHeadsOptions &options = {});

/// Applies the `attn-reuse-heads` rewrites to everything nested in `root`,
/// as the pass does: repeated walks without folding or dead-code
/// elimination, so IR without candidates is left exactly as it was.
void applyAttnReuseHeads(mlir::Operation *root,
                         const ReuseHeadsOptions &options = {});

/// Why the attention op `op` is left as it is after applyAttnReuseHeads,
/// one entry per op concerned: a multi-head `attn.mha` whose heads could not
/// be proven to share a matrix; at the last op of a shared-matrix group,
/// every member the merge left out (cascaded heads, other value widths) or
/// why the group could not be merged; a single-head op that shares its
/// matrix with no other, when its block holds other single-head attention,
/// by what differs from the first of those. Empty when nothing is left to
/// explain.
llvm::SmallVector<ExcludedMember>
explainUnmergedAttention(mlir::Operation *op, bool allowApproximation = false);

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

/// Prints `rows` as the reports' tables: each column as wide as its widest
/// cell, two spaces apart, the first `leftAligned` columns left-aligned and
/// the others right-aligned, trailing spaces trimmed.
void printReportTable(llvm::raw_ostream &os,
                      llvm::ArrayRef<llvm::SmallVector<std::string>> rows,
                      size_t leftAligned);

/// Computes the cost of an `attn.mha` or `attn.reuse` op.
AttentionCost computeAttentionCost(mlir::Operation *op);

} // namespace attn
} // namespace uniform

#endif // UNIFORM_DIALECT_ATTN_TRANSFORMS_TRANSFORMS_H
