//===- CpuTileDynamicLoops.cpp - Static tiles of dynamic linalg ops -------===//
//
// `uniform-cpu-tile-dynamic-loops`: linalg ops on tensors with loops of
// dynamic extent are tiled by 1 along those loops, so that the tile in the
// innermost loop has static shapes for the CPU vectorizers.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "CpuTiling.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/PatternMatch.h"

namespace uniform {
#define GEN_PASS_DEF_CPUTILEDYNAMICLOOPS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

/// Whether each loop of `op` has a static extent: some operand dimension
/// that the loop alone indexes is static. (LinalgOp::getStaticLoopRanges
/// reads each loop off its first operand dimension only.)
static SmallVector<bool> staticLoops(linalg::LinalgOp op) {
  SmallVector<bool> known(op.getNumLoops(), false);
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<ShapedType>(operand.get().getType());
    if (!type)
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [dim, expr] : llvm::enumerate(map.getResults()))
      if (auto loop = dyn_cast<AffineDimExpr>(expr);
          loop && !type.isDynamicDim(dim))
        known[loop.getPosition()] = true;
  }
  return known;
}

/// Tile sizes of 1 for the dynamic loops of `op`, 0 for the others; empty
/// when no loop is dynamic or when a tile would keep a dynamic extent.
static SmallVector<int64_t> dynamicLoopTiles(linalg::LinalgOp op) {
  SmallVector<int64_t> tiles;
  for (bool known : staticLoops(op))
    tiles.push_back(known ? 0 : 1);
  if (llvm::count(tiles, 1) == 0)
    return {};
  // Each dynamic operand dimension must be indexed by one tiled loop alone
  // (its tile is then 1), else the tile keeps a dynamic extent.
  for (OpOperand &operand : op->getOpOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.get().getType());
    if (!type)
      continue;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    for (auto [dim, expr] : llvm::enumerate(map.getResults())) {
      if (!type.isDynamicDim(dim))
        continue;
      auto loop = dyn_cast<AffineDimExpr>(expr);
      if (!loop || tiles[loop.getPosition()] != 1)
        return {};
    }
  }
  return tiles;
}

namespace {
struct CpuTileDynamicLoopsPass
    : public uniform::impl::CpuTileDynamicLoopsBase<CpuTileDynamicLoopsPass> {
  void runOnOperation() override {
    SmallVector<linalg::LinalgOp> ops;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (op.hasPureTensorSemantics())
        ops.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::LinalgOp op : ops) {
      SmallVector<int64_t> tiles = dynamicLoopTiles(op);
      if (tiles.empty())
        continue;
      if (failed(uniform::detail::tileInPlace(rewriter, op, tiles))) {
        op->emitError("uniform-cpu-tile-dynamic-loops: cannot tile the "
                      "dynamic loops of this op");
        return signalPassFailure();
      }
    }
  }
};
} // namespace
