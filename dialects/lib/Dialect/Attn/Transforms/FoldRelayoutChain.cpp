//===- FoldRelayoutChain.cpp - Order-keeping relayout chains as reshapes --===//
//
// foldRelayoutChain: a chain of transposes and reshapes whose atoms
// (AtomLayout.h) end in the source's row-major order is a reshape of the
// source; the pattern, its populate function and attn-fold-relayout-chains.
//
//===----------------------------------------------------------------------===//

#include "uniform/Dialect/Attn/Transforms/Passes.h"
#include "uniform/Dialect/Attn/Transforms/Transforms.h"

#include "AtomLayout.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace uniform::attn {
#define GEN_PASS_DEF_ATTNFOLDRELAYOUTCHAINS
#include "uniform/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace uniform::attn

using namespace mlir;
using namespace uniform;
using namespace uniform::attn;
using uniform::attn::detail::AtomLayout;

/// Whether `op` is a transpose: a chain without one is reshapes only, which
/// canonicalization already folds.
static bool isTranspose(Operation *op) {
  return isa<tosa::TransposeOp, linalg::TransposeOp>(op);
}

FailureOr<Value> attn::foldRelayoutChain(RewriterBase &rewriter,
                                         Operation *op) {
  if (!uniform::attn::detail::isRelayoutOp(op) || isa<tensor::CastOp>(op) ||
      op->getNumResults() != 1)
    return failure();
  // The chain back from `op`, as long as it stays within relayout ops.
  SmallVector<Operation *> chain;
  Value source = op->getResult(0);
  while (Operation *def = source.getDefiningOp()) {
    if (!uniform::attn::detail::isRelayoutOp(def) || isa<tensor::CastOp>(def) ||
        def->getNumResults() != 1)
      break;
    chain.push_back(def);
    source = def->getOperand(0);
  }
  if (!llvm::any_of(chain, isTranspose))
    return failure();
  auto sourceType = dyn_cast<RankedTensorType>(source.getType());
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (!sourceType || !sourceType.hasStaticShape() ||
      !resultType.hasStaticShape())
    return failure();
  // Shortest suffix first would fold less; the longest chain that keeps the
  // order gives the fewest ops. Try from the farthest source inwards.
  std::reverse(chain.begin(), chain.end());
  for (size_t start = 0; start < chain.size(); ++start) {
    Value from = chain[start]->getOperand(0);
    auto fromType = dyn_cast<RankedTensorType>(from.getType());
    if (!fromType || !fromType.hasStaticShape() ||
        fromType.getNumElements() == 0 ||
        !llvm::any_of(llvm::drop_begin(chain, start), isTranspose))
      continue;
    AtomLayout layout(fromType.getShape());
    bool ok = true;
    for (Operation *link : llvm::drop_begin(chain, start))
      if (failed(uniform::attn::detail::applyRelayout(layout, link))) {
        ok = false;
        break;
      }
    if (!ok || !layout.isRowMajorOrder())
      continue;
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(op);
    Value reshaped = uniform::attn::detail::createReshape(
        rewriter, op->getLoc(), from, resultType.getShape());
    if (!reshaped || reshaped.getType() != resultType)
      return failure();
    rewriter.replaceOp(op, reshaped);
    return reshaped;
  }
  return failure();
}

namespace {
struct FoldRelayoutChainPattern : public RewritePattern {
  FoldRelayoutChainPattern(MLIRContext *ctx)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx) {}
  LogicalResult matchAndRewrite(Operation *op,
                                PatternRewriter &rewriter) const override {
    return foldRelayoutChain(rewriter, op);
  }
};

struct AttnFoldRelayoutChainsPass
    : public attn::impl::AttnFoldRelayoutChainsBase<
          AttnFoldRelayoutChainsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFoldRelayoutChainPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void attn::populateFoldRelayoutChainPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldRelayoutChainPattern>(patterns.getContext());
}
