//===- FuseElementwise.cpp - Elementwise fusion without recomputation -----===//
//
// `uniform-fuse-elementwise-ops`: upstream's elementwise fusion, reshape
// propagation and constant folding, fusing a producer only where each of
// its elements stays computed once, and folding constants only into results
// of at most 2^26 elements.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/MathExtras.h"

namespace uniform {
#define GEN_PASS_DEF_FUSEELEMENTWISEOPS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

bool uniform::isFusionWithoutRecomputation(OpOperand *fusedOperand) {
  Operation *producer = fusedOperand->get().getDefiningOp();
  if (!producer || !producer->hasOneUse())
    return false;
  auto consumer = dyn_cast<linalg::LinalgOp>(fusedOperand->getOwner());
  return !consumer ||
         consumer.getMatchingIndexingMap(fusedOperand).isPermutation();
}

/// The most elements a constant fold may produce. Upstream's folders
/// (transposes and other generics of constants) materialize every element of
/// the result, also for splats, in a SmallVector whose capacity is 32-bit:
/// beyond that they abort the process.
static constexpr int64_t kMaxFoldedElements = int64_t(1) << 26;

/// Whether folding the constant `operand` into its consumer stays within
/// kMaxFoldedElements, and fuses without recomputation.
static bool isBoundedConstantFold(OpOperand *operand) {
  int64_t elements = 1;
  for (Value result : operand->getOwner()->getResults()) {
    auto type = dyn_cast<ShapedType>(result.getType());
    if (!type || !type.hasStaticShape())
      return false;
    for (int64_t extent : type.getShape())
      if (llvm::MulOverflow(elements, extent, elements) ||
          elements > kMaxFoldedElements)
        return false;
  }
  return uniform::isFusionWithoutRecomputation(operand);
}

namespace {
struct FuseElementwiseOps
    : uniform::impl::FuseElementwiseOpsBase<FuseElementwiseOps> {
  void runOnOperation() override {
    MLIRContext *context = &getContext();
    RewritePatternSet patterns(context);
    // As upstream's linalg-fuse-elementwise-ops, with the fusion control.
    linalg::ControlFusionFn control = uniform::isFusionWithoutRecomputation;
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, context);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, context);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, context);
    context->getLoadedDialect<linalg::LinalgDialect>()
        ->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns,
                                                 isBoundedConstantFold);
    if (failed(applyPatternsGreedily(
            getOperation(), std::move(patterns),
            GreedyRewriteConfig().setUseTopDownTraversal())))
      return signalPassFailure();
  }
};
} // namespace
