//===- TosaDecomposeTransposeConv.cpp - transpose_conv2d as conv2d --------===//
//
// `uniform-tosa-decompose-transpose-conv`: upstream's decomposition of
// tosa.transpose_conv2d into tosa.conv2d and data movement, alone, for the
// pipelines' TOSA lowering (tosa-to-linalg has none of its own).
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Tosa/Transforms/Passes.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace uniform {
#define GEN_PASS_DEF_TOSADECOMPOSETRANSPOSECONV
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

namespace {
struct TosaDecomposeTransposeConvPass
    : public uniform::impl::TosaDecomposeTransposeConvBase<
          TosaDecomposeTransposeConvPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    tosa::populateTosaDecomposeTransposeConv(&getContext(), patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    // The patterns leave dynamic spatial extents (a dynamic batch is fine);
    // say so here rather than as a legalization failure in tosa-to-linalg.
    WalkResult result = getOperation().walk([](tosa::TransposeConv2DOp op) {
      op.emitOpError("needs static shapes to be lowered");
      return WalkResult::interrupt();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace
