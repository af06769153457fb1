//===- TosaFoldConstants.cpp - Constant folds tosa-layerwise lacks --------===//
//
// `uniform-tosa-fold-constants`: TOSA ops whose operands are all constants,
// computed at compile time where upstream's tosa-layerwise-constant-fold
// does not (today tosa.gather: the relative position bias of a windowed
// attention layer, a table indexed by constant offsets).
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace uniform {
#define GEN_PASS_DEF_TOSAFOLDCONSTANTS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

/// The most elements a folded constant may have: larger ones stay as ops
/// rather than grow the module.
static constexpr int64_t kMaxFoldedElements = 1 << 20;

namespace {
/// tosa.gather of a constant table [N, K, C] at constant indices [N, W]:
/// the constant [N, W, C] it reads. An index outside [0, K) (undefined
/// behaviour in TOSA) leaves the op as it is.
struct FoldConstantGather : OpRewritePattern<tosa::GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::GatherOp op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr values, indices;
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!matchPattern(op.getValues(), m_Constant(&values)) ||
        !matchPattern(op.getIndices(), m_Constant(&indices)) || !resultType ||
        !resultType.hasStaticShape() ||
        resultType.getNumElements() > kMaxFoldedElements)
      return failure();
    ArrayRef<int64_t> tableShape = values.getType().getShape();
    int64_t batches = tableShape[0], rows = tableShape[1],
            channels = tableShape[2];
    int64_t width = indices.getType().getDimSize(1);
    SmallVector<int64_t> rowIndices =
        llvm::map_to_vector(indices.getValues<APInt>(), [](const APInt &index) {
          return index.getSExtValue();
        });
    if (llvm::any_of(rowIndices,
                     [&](int64_t row) { return row < 0 || row >= rows; }))
      return rewriter.notifyMatchFailure(op, "an index is out of range");
    SmallVector<Attribute> table(values.getValues<Attribute>());
    SmallVector<Attribute> result;
    result.reserve(resultType.getNumElements());
    for (int64_t n = 0; n < batches; ++n)
      for (int64_t w = 0; w < width; ++w) {
        int64_t row = rowIndices[n * width + w];
        auto first = table.begin() + (n * rows + row) * channels;
        result.append(first, first + channels);
      }
    rewriter.replaceOpWithNewOp<tosa::ConstOp>(
        op, resultType, DenseElementsAttr::get(resultType, result));
    return success();
  }
};

struct TosaFoldConstantsPass
    : public uniform::impl::TosaFoldConstantsBase<TosaFoldConstantsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    uniform::populateTosaFoldConstantsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void uniform::populateTosaFoldConstantsPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldConstantGather>(patterns.getContext());
}
