//===- ReuseHeads.cpp - Rewrite shared-matrix attention into attn.reuse ---===//
//
// `attn-reuse-heads`: an `attn.mha` whose heads provably share query, key
// and bias, and per-head attention ops whose results are concatenated, become
// one `attn.reuse`. Layered as core functions (match / rewrite), patterns,
// `populateAttnReuseHeadsPatterns` and the pass.
//
//===----------------------------------------------------------------------===//

#include "uniform/Dialect/Attn/Transforms/Passes.h"
#include "uniform/Dialect/Attn/Transforms/Transforms.h"

#include "Reason.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>

namespace uniform {
namespace attn {
#define GEN_PASS_DEF_ATTNREUSEHEADS
#include "uniform/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace uniform

using namespace mlir;
using namespace uniform;
using namespace uniform::attn;

using uniform::attn::detail::fail;

//===----------------------------------------------------------------------===//
// attn.mha -> attn.reuse
//===----------------------------------------------------------------------===//

/// The head dimension of an `attn.mha` bias once it is right-aligned with the
/// scores [B, H, N, M], or -1 when the bias has no head dimension.
static int64_t getMhaBiasHeadDim(RankedTensorType biasType) {
  return biasType.getRank() - 3;
}

FailureOr<SharedHeadsMatch>
attn::matchSharedHeads(MultiHeadAttentionOp op, bool allowApproximation,
                       std::string *reason) {
  AttentionDims dims = inferAttentionDims(false, op.getQueryType(),
                                          op.getKeyType(), op.getValueType());
  if (dims.heads == 1)
    return fail(reason, "it has a single head");
  // An empty operand computes nothing to share; slicing one of its heads
  // would also index a dimension of extent 0, which tensor.extract_slice
  // rejects.
  for (Value operand : op->getOperands())
    if (llvm::is_contained(cast<ShapedType>(operand.getType()).getShape(), 0))
      return fail(reason, "it is empty (an operand has a dimension of extent "
                          "0)");

  SharedHeadsMatch match;
  std::string whyQuery, whyKey, whyBias;
  match.queryShared =
      succeeded(proveInvariantAlongDim(op.getQuery(), 1, &whyQuery));
  match.keyShared = succeeded(proveInvariantAlongDim(op.getKey(), 1, &whyKey));
  match.biasShared = true;
  if (RankedTensorType biasType = op.getBiasType()) {
    int64_t headDim = getMhaBiasHeadDim(biasType);
    match.biasShared =
        headDim < 0 ||
        succeeded(proveInvariantAlongDim(op.getBias(), headDim, &whyBias));
  }
  if (match.isExact())
    return match;

  std::string message =
      !match.queryShared
          ? "queries are not provably identical across heads: " + whyQuery
      : !match.keyShared
          ? "keys are not provably identical across heads: " + whyKey
          : "bias is not provably identical across heads: " + whyBias;
  if (!allowApproximation)
    return fail(reason, message);
  if (ShapedType::isDynamic(dims.heads))
    return fail(reason, message + "; the approximation needs a static head "
                                  "count");
  // The mean is taken over each unshared operand's own head extent.
  auto dynamicHeads = [](Value operand, int64_t dim) {
    return cast<RankedTensorType>(operand.getType()).isDynamicDim(dim);
  };
  if (!match.queryShared && dynamicHeads(op.getQuery(), 1))
    return fail(reason, message + "; the approximation needs a static head "
                                  "extent of the query");
  if (!match.keyShared && dynamicHeads(op.getKey(), 1))
    return fail(reason, message + "; the approximation needs a static head "
                                  "extent of the key");
  if (!match.biasShared &&
      dynamicHeads(op.getBias(), getMhaBiasHeadDim(op.getBiasType())))
    return fail(reason, message + "; the approximation needs a static head "
                                  "extent of the bias");
  return match;
}

/// Returns the head-free form of `value` along `dim`: slice 0 when `shared`,
/// the mean otherwise (matchSharedHeads made sure the head count is static).
static Value getSharedOrMean(OpBuilder &b, Location loc, Value value,
                             int64_t dim, bool shared) {
  if (shared)
    return buildInvariantSlice(b, loc, value, dim);
  return *buildMeanAlongDim(b, loc, value, dim);
}

FailureOr<ReuseAttentionOp>
attn::rewriteSharedHeadsToReuse(RewriterBase &rewriter,
                                MultiHeadAttentionOp op,
                                const ReuseHeadsOptions &options,
                                std::string *reason) {
  FailureOr<SharedHeadsMatch> match =
      matchSharedHeads(op, options.allowApproximation, reason);
  if (failed(match))
    return failure();

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value query =
      getSharedOrMean(rewriter, loc, op.getQuery(), 1, match->queryShared);
  // Self-attention on one tensor keeps sharing it.
  Value key = op.getKey() == op.getQuery()
                  ? query
                  : getSharedOrMean(rewriter, loc, op.getKey(), 1,
                                    match->keyShared);
  Value bias = op.getBias();
  if (RankedTensorType biasType = op.getBiasType()) {
    int64_t headDim = getMhaBiasHeadDim(biasType);
    if (headDim >= 0)
      bias = getSharedOrMean(rewriter, loc, bias, headDim, match->biasShared);
  }
  auto reuse = ReuseAttentionOp::create(rewriter, loc, op.getResultType(),
                                        query, key, op.getValue(), bias,
                                        op.getScaleAttr());
  reuse->setDiscardableAttrs(op->getDiscardableAttrDictionary());

  AttentionDims dims = inferAttentionDims(false, op.getQueryType(),
                                          op.getKeyType(), op.getValueType());
  ReuseRewriteInfo info;
  info.approximate = !match->isExact();
  if (!ShapedType::isDynamic(dims.heads)) {
    info.heads = dims.heads;
    info.matricesRemoved = dims.heads - 1;
  }
  if (info.approximate)
    reuse.emitWarning()
        << "approximate rewrite: queries, keys and bias of " << info.heads
        << " heads were replaced by their mean over the head axis; results "
           "change (allow-approximation)";
  rewriter.replaceOp(op, reuse.getResult());
  if (options.onRewrite)
    options.onRewrite(reuse, info);
  return reuse;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {
struct SharedHeadsToReusePattern
    : public OpRewritePattern<MultiHeadAttentionOp> {
  SharedHeadsToReusePattern(MLIRContext *ctx, ReuseHeadsOptions options)
      : OpRewritePattern(ctx), options(std::move(options)) {}

  LogicalResult matchAndRewrite(MultiHeadAttentionOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    if (failed(rewriteSharedHeadsToReuse(rewriter, op, options, &reason)))
      return rewriter.notifyMatchFailure(op, reason);
    return success();
  }

  ReuseHeadsOptions options;
};

/// Merges the attention ops that compute the same matrix as `op`, when `op`
/// is the last of them in its block: every other member has been visited by
/// a forward walk, and no later one is left out.
template <typename OpTy>
struct ShareAttentionMatrixPattern : public OpRewritePattern<OpTy> {
  ShareAttentionMatrixPattern(MLIRContext *ctx, ReuseHeadsOptions options)
      : OpRewritePattern<OpTy>(ctx), options(std::move(options)) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    SmallVector<Operation *> members = findSameMatrixAttention(op);
    if (members.size() < 2)
      return rewriter.notifyMatchFailure(op, "no other op computes its matrix");
    if (members.back() != op)
      return rewriter.notifyMatchFailure(op, "merged at the group's last op");
    std::string reason;
    if (failed(mergeSameMatrixAttention(rewriter, members, options, &reason)))
      return rewriter.notifyMatchFailure(op, reason);
    return success();
  }

  ReuseHeadsOptions options;
};

template <typename ConcatOpTy>
struct FoldHeadConcatPattern : public OpRewritePattern<ConcatOpTy> {
  using OpRewritePattern<ConcatOpTy>::OpRewritePattern;

  LogicalResult matchAndRewrite(ConcatOpTy op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    if (failed(foldHeadConcat(rewriter, op, &reason)))
      return rewriter.notifyMatchFailure(op, reason);
    return success();
  }
};
} // namespace

void attn::populateAttnReuseHeadsPatterns(RewritePatternSet &patterns,
                                          const ReuseHeadsOptions &options) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<SharedHeadsToReusePattern>(ctx, options);
  patterns.add<ShareAttentionMatrixPattern<ReuseAttentionOp>,
               ShareAttentionMatrixPattern<MultiHeadAttentionOp>>(ctx, options);
  patterns.add<FoldHeadConcatPattern<tensor::ConcatOp>,
               FoldHeadConcatPattern<tosa::ConcatOp>,
               FoldHeadConcatPattern<tensor::InsertSliceOp>>(ctx);
}

namespace {
/// Remembers the ops a rewrite erased, so that lists collected before it
/// are not used after it.
struct ErasureListener : public RewriterBase::Listener {
  void notifyOperationErased(Operation *op) override { erased.insert(op); }
  DenseSet<Operation *> erased;
};

/// Collects the ops of `root` that satisfy `filter`, in walk order.
template <typename Filter>
SmallVector<Operation *> collect(Operation *root, Filter filter) {
  SmallVector<Operation *> ops;
  root->walk([&](Operation *op) {
    if (op != root && filter(op))
      ops.push_back(op);
  });
  return ops;
}
} // namespace

void attn::applyAttnReuseHeads(Operation *root,
                               const ReuseHeadsOptions &options) {
  // Each step calls the core functions on the candidates it collected,
  // without folding or dead-code elimination: IR that holds no candidate is
  // left exactly as it was.
  ErasureListener listener;
  IRRewriter rewriter(root->getContext(), &listener);
  auto alive = [&](Operation *op) { return !listener.erased.contains(op); };

  // 1. attn.mha whose heads share query, key and bias.
  for (Operation *op : collect(root, [](Operation *op) {
         return isa<MultiHeadAttentionOp>(op);
       }))
    (void)rewriteSharedHeadsToReuse(rewriter, cast<MultiHeadAttentionOp>(op),
                                    options);

  // 2. Groups that compute the same matrix, merged at their last member.
  // A merge leaves the ops it excluded; a second round merges what remains
  // mergeable (at most as many rounds as there are attention ops).
  for (bool merged = true; merged;) {
    merged = false;
    for (Operation *op : collect(root, [](Operation *op) {
           return isa<MultiHeadAttentionOp, ReuseAttentionOp>(op);
         })) {
      if (!alive(op))
        continue;
      SmallVector<Operation *> members = findSameMatrixAttention(op);
      if (members.size() < 2 || members.back() != op)
        continue;
      merged |= succeeded(mergeSameMatrixAttention(rewriter, members, options));
    }
  }

  // 3. Concatenations of the merged results' relayouted slices.
  for (Operation *op : collect(root, [](Operation *op) {
         return isa<tensor::ConcatOp, tosa::ConcatOp, tensor::InsertSliceOp>(
             op);
       }))
    if (alive(op))
      (void)foldHeadConcat(rewriter, op);
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

SmallVector<ExcludedMember>
attn::explainUnmergedAttention(Operation *op, bool allowApproximation) {
  SmallVector<ExcludedMember> result;
  std::string reason;
  auto mha = dyn_cast<MultiHeadAttentionOp>(op);
  if (mha && mha.getResultType().getDimSize(1) != 1) {
    if (failed(matchSharedHeads(mha, allowApproximation, &reason)))
      result.push_back({op, "attn.mha not rewritten: " + reason});
    return result;
  }
  if (!isa<MultiHeadAttentionOp, ReuseAttentionOp>(op))
    return result;
  SmallVector<Operation *> members = findSameMatrixAttention(op);
  if (members.size() >= 2) {
    if (members.back() != op)
      return result;
    SmallVector<ExcludedMember> excluded;
    SmallVector<Operation *> group =
        selectIndependentAttention(members, &excluded);
    for (ExcludedMember &member : excluded)
      result.push_back({member.op, "attention not merged into a shared "
                                   "matrix: " + member.reason});
    if (group.size() >= 2 && failed(matchSameMatrixAttention(group, &reason)))
      result.push_back({op, "attention ops that share one matrix not "
                            "merged: " + reason});
    return result;
  }
  if (cast<RankedTensorType>(op->getResult(0).getType()).getDimSize(1) != 1)
    return result;
  for (Operation &other : *op->getBlock()) {
    if (&other == op || !isa<MultiHeadAttentionOp, ReuseAttentionOp>(other) ||
        cast<RankedTensorType>(other.getResult(0).getType()).getDimSize(1) !=
            1)
      continue;
    haveSameAttentionMatrix(op, &other, &reason);
    std::string text;
    llvm::raw_string_ostream os(text);
    os << "attention not merged: no other attention op computes the same "
          "matrix (against the op at "
       << other.getLoc() << ": " << reason << ")";
    result.push_back({op, text});
    break;
  }
  return result;
}

namespace {
struct AttnReuseHeadsPass
    : public attn::impl::AttnReuseHeadsBase<AttnReuseHeadsPass> {
  using Base::Base;

  void runOnOperation() override {
    Operation *root = getOperation();
    ReuseHeadsOptions options;
    options.allowApproximation = allowApproximation;
    struct {
      int64_t rewritten = 0, heads = 0, removed = 0, approximated = 0;
    } summary;
    // Head counts are static extents, up to INT64_MAX: the totals saturate.
    auto accumulate = [](int64_t &total, int64_t count) {
      if (llvm::AddOverflow(total, count, total))
        total = std::numeric_limits<int64_t>::max();
    };
    options.onRewrite = [&](ReuseAttentionOp op, const ReuseRewriteInfo &info) {
      ++summary.rewritten;
      accumulate(summary.heads, info.heads);
      accumulate(summary.removed, info.matricesRemoved);
      summary.approximated += info.approximate;
      ++numOpsRewritten;
      numHeadsMerged += info.heads;
      numMatricesRemoved += info.matricesRemoved;
      if (info.approximate)
        ++numApproximated;
      if (!report)
        return;
      InFlightDiagnostic remark = op.emitRemark();
      if (info.heads > 0)
        remark << "attention rewritten into attn.reuse: " << info.heads
               << " heads share one attention matrix, "
               << info.matricesRemoved << " attention matri"
               << (info.matricesRemoved == 1 ? "x" : "ces")
               << " removed per batch item";
      else
        remark << "attention rewritten into attn.reuse: all heads (a "
                  "dynamic count) share one attention matrix";
    };

    applyAttnReuseHeads(root, options);

    // Explain every candidate that is left.
    int64_t rejected = 0;
    root->walk([&](Operation *op) {
      for (const ExcludedMember &why :
           explainUnmergedAttention(op, allowApproximation)) {
        ++rejected;
        if (report)
          why.op->emitRemark() << why.reason;
      }
    });
    numRejected += rejected;

    // Debian's release build of MLIR compiles pass statistics out
    // (LLVM_ENABLE_STATS=0), so the report also carries the totals.
    if (report)
      root->emitRemark() << "attn-reuse-heads: " << summary.rewritten
                         << " rewritten, " << summary.heads
                         << " heads merged, " << summary.removed
                         << " attention matrices removed per batch item, "
                         << summary.approximated << " approximate, "
                         << rejected << " candidates rejected";
  }
};
} // namespace
