//===- GpuCoalesceConstants.cpp - Constant operands laid out for warps ---===//
//
// A SIMT kernel of a convolution or a product gives consecutive threads
// consecutive output channels (the output's contiguous dimension, which
// uniform-gpu-map-parallel-loops maps to threadIdx.x). A filter stored
// [F, KH, KW, C] (linalg.conv_2d_nhwc_fhwc, as TOSA lowers convolutions),
// or a product's weights [N, K], then put the lanes of a warp KH*KW*C or K
// elements apart: every lane its own 32-byte sector. A constant filter is
// stored [KH, KW, C, F] instead (linalg.conv_2d_nhwc_hwcf) and a constant
// [N, K] operand of a generic contraction [K, N] (packConstantOperand), at
// compile time, so that a warp reads consecutive elements.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "PipelineParts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace uniform {
#define GEN_PASS_DEF_GPUCOALESCECONSTANTS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

namespace {
/// conv_2d_nhwc_fhwc with a constant filter: conv_2d_nhwc_hwcf with the
/// filter transposed, [F, KH * KW * C] to [KH * KW * C, F].
struct ConstantFilterToHwcf : OpRewritePattern<linalg::Conv2DNhwcFhwcOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNhwcFhwcOp op,
                                PatternRewriter &rewriter) const override {
    Value filter = op.getInputs()[1];
    auto type = dyn_cast<RankedTensorType>(filter.getType());
    if (!type || !type.hasStaticShape() || type.getNumElements() == 0)
      return rewriter.notifyMatchFailure(op, "filter shape not static");
    int64_t features = type.getDimSize(0);
    std::optional<std::vector<char>> bytes =
        uniform::detail::transposedConstant(filter, features,
                                            type.getNumElements() / features);
    if (!bytes)
      return rewriter.notifyMatchFailure(op, "filter not a constant");
    auto hwcfType = RankedTensorType::get(
        {type.getDimSize(1), type.getDimSize(2), type.getDimSize(3), features},
        type.getElementType());
    Value hwcf = arith::ConstantOp::create(
        rewriter, op.getLoc(),
        DenseElementsAttr::getFromRawBuffer(hwcfType, *bytes));
    rewriter.replaceOpWithNewOp<linalg::Conv2DNhwcHwcfOp>(
        op, op.getResultTypes(), ValueRange{op.getInputs()[0], hwcf},
        op.getOutputs(), op.getStrides(), op.getDilations());
    return success();
  }
};

/// A generic contraction's constant operand stored [wide, reduction], wide
/// being the output's contiguous dimension: transposed.
struct ConstantWeightsAlongThreads : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    return uniform::packConstantOperand(rewriter, op);
  }
};

struct GpuCoalesceConstantsPass
    : public uniform::impl::GpuCoalesceConstantsBase<GpuCoalesceConstantsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    uniform::populateGpuCoalesceConstantsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void uniform::populateGpuCoalesceConstantsPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ConstantFilterToHwcf, ConstantWeightsAlongThreads>(
      patterns.getContext());
}
