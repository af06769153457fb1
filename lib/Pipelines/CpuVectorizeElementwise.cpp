//===- CpuVectorizeElementwise.cpp - Elementwise ops as vector tiles ---===//
//
// `uniform-cpu-vectorize-elementwise`: elementwise linalg.generic ops with
// their loops collapsed as far as their operands allow, tiled by whole
// vectors (a remainder split off, never masked) and vectorized; before
// that, pads of elementwise results are written in place, and after it
// every static pad fills only its border.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "CpuTiling.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace uniform {
#define GEN_PASS_DEF_CPUVECTORIZEELEMENTWISE
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;
using namespace uniform::detail;

/// Whether every operand of `op` reads its innermost dimension along the
/// innermost loop, or does not depend on that loop (a broadcast), so that
/// a tile along that loop reads and writes contiguous elements; and whether
/// its elements are whole bytes (a vector of i1 is stored as packed bits,
/// where memrefs of i1 hold a byte per element).
static bool operandsVectorizeContiguously(linalg::LinalgOp op) {
  unsigned inner = op.getNumLoops() - 1;
  return llvm::all_of(op->getOpOperands(), [&](OpOperand &operand) {
    Type element = getElementTypeOrSelf(operand.get().getType());
    if (!element.isIntOrIndexOrFloat() ||
        (!element.isIndex() && element.getIntOrFloatBitWidth() % 8 != 0))
      return false;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!map.isFunctionOfDim(inner))
      return true;
    return map.getNumResults() > 0 &&
           map.getResults().back() == getAffineDimExpr(inner, op.getContext());
  });
}

/// Tiles the static all-parallel `op` into tiles of `innerTile` elements of
/// its innermost loop (which that size divides) by as many rows of the
/// next loop as make about `width` elements, and vectorizes each tile.
static LogicalResult vectorizeParallelTiles(RewriterBase &rewriter,
                                            linalg::LinalgOp op,
                                            int64_t innerTile, int64_t width) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<int64_t> sizes(ranges.size(), 1);
  sizes.back() = innerTile;
  if (ranges.size() > 1)
    sizes[ranges.size() - 2] = largestDivisorAtMost(
        ranges[ranges.size() - 2], std::max<int64_t>(1, width / innerTile));
  FailureOr<Operation *> tile = tileInPlace(rewriter, op, sizes);
  if (failed(tile))
    return failure();
  return replaceByVectors(rewriter, *tile);
}

/// `dest` with `value` in every element outside the box at `offsets` of
/// `sizes` (static, inside `dest`): one fill per slab, where slab d covers
/// the box's range in the dimensions before d, what lies before or after
/// the box in d, and all of the dimensions after d. The slabs partition
/// the outside, so no element is written twice.
static Value fillOutside(RewriterBase &rewriter, Location loc, Value dest,
                         Value value, ArrayRef<int64_t> offsets,
                         ArrayRef<int64_t> sizes) {
  auto type = cast<RankedTensorType>(dest.getType());
  int64_t rank = type.getRank();
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<OpFoldResult> ones(rank, rewriter.getIndexAttr(1));
  for (int64_t d = 0; d < rank; ++d) {
    for (bool after : {false, true}) {
      SmallVector<int64_t> slabOffsets(rank, 0);
      SmallVector<int64_t> slabSizes(type.getShape());
      for (int64_t e = 0; e < d; ++e) {
        slabOffsets[e] = offsets[e];
        slabSizes[e] = sizes[e];
      }
      slabOffsets[d] = after ? offsets[d] + sizes[d] : 0;
      slabSizes[d] = after ? type.getDimSize(d) - slabOffsets[d] : offsets[d];
      if (llvm::is_contained(slabSizes, 0))
        continue;
      SmallVector<OpFoldResult> at = getAsIndexOpFoldResult(ctx, slabOffsets);
      SmallVector<OpFoldResult> extent = getAsIndexOpFoldResult(ctx, slabSizes);
      Value slab =
          tensor::ExtractSliceOp::create(rewriter, loc, dest, at, extent, ones);
      Value filled =
          linalg::FillOp::create(rewriter, loc, value, slab).getResult(0);
      dest = tensor::InsertSliceOp::create(rewriter, loc, filled, dest, at,
                                           extent, ones);
    }
  }
  return dest;
}

/// Static offsets and sizes of a slice with unit strides, or std::nullopt.
template <typename SliceOp>
static std::optional<std::pair<ArrayRef<int64_t>, ArrayRef<int64_t>>>
staticBox(SliceOp slice) {
  if (ShapedType::isDynamicShape(slice.getStaticOffsets()) ||
      ShapedType::isDynamicShape(slice.getStaticSizes()) ||
      !llvm::all_of(slice.getStaticStrides(),
                    [](int64_t stride) { return stride == 1; }))
    return std::nullopt;
  return std::make_pair(slice.getStaticOffsets(), slice.getStaticSizes());
}

/// Where a fill of a whole tensor is overwritten in a box (the interior
/// that a fused pad's producer writes: the fill's users are the slice of
/// the box that producer writes into, not reading it, and the insertion of
/// its result there), fills only the outside of the box.
static void fillOnlyOutsideBox(RewriterBase &rewriter, linalg::FillOp fill) {
  Value whole = fill.getResult(0);
  auto empty = fill.getOutputs()[0].getDefiningOp<tensor::EmptyOp>();
  if (!empty || !fill.hasPureTensorSemantics())
    return;
  tensor::InsertSliceOp insert;
  for (Operation *user : whole.getUsers())
    if (auto i = dyn_cast<tensor::InsertSliceOp>(user);
        i && i.getDest() == whole && !insert)
      insert = i;
  std::optional<std::pair<ArrayRef<int64_t>, ArrayRef<int64_t>>> box =
      insert ? staticBox(insert) : std::nullopt;
  if (!box || insert.getSourceType().getRank() != insert.getType().getRank())
    return;
  for (Operation *user : whole.getUsers()) {
    if (user == insert)
      continue;
    auto slice = dyn_cast<tensor::ExtractSliceOp>(user);
    if (!slice || staticBox(slice) != box)
      return;
    for (OpOperand &use : slice->getUses()) {
      auto dps = dyn_cast<linalg::LinalgOp>(use.getOwner());
      if (!dps || !dps.isDpsInit(&use) || dps.payloadUsesValueFromOperand(&use))
        return;
    }
  }
  rewriter.setInsertionPoint(fill);
  Value outside = fillOutside(rewriter, fill.getLoc(), empty, fill.value(),
                              box->first, box->second);
  rewriter.replaceOp(fill, outside);
}

LogicalResult uniform::padWithBorderFills(RewriterBase &rewriter,
                                          tensor::PadOp pad) {
  Value value = pad.getConstantPaddingValue();
  RankedTensorType type = pad.getResultType();
  if (!value || !type.hasStaticShape() ||
      !pad.getSourceType().hasStaticShape() ||
      ShapedType::isDynamicShape(pad.getStaticLow()))
    return failure();
  // A value defined in the pad's region (a constant there) would need
  // cloning out of it: left to bufferization.
  if (value.getParentRegion() == &pad.getRegion())
    return failure();
  Location loc = pad.getLoc();
  rewriter.setInsertionPoint(pad);
  Value empty = tensor::EmptyOp::create(rewriter, loc, type.getShape(),
                                        type.getElementType());
  Value outside = fillOutside(rewriter, loc, empty, value, pad.getStaticLow(),
                              pad.getSourceType().getShape());
  MLIRContext *ctx = rewriter.getContext();
  SmallVector<OpFoldResult> ones(type.getRank(), rewriter.getIndexAttr(1));
  rewriter.replaceOpWithNewOp<tensor::InsertSliceOp>(
      pad, pad.getSource(), outside,
      getAsIndexOpFoldResult(ctx, pad.getStaticLow()),
      getAsIndexOpFoldResult(ctx, pad.getSourceType().getShape()), ones);
  return success();
}

LogicalResult uniform::writePaddedResultsInPlace(Operation *root) {
  // Only pads of an op's sole result: the op is not computed twice.
  SmallVector<Operation *> pads, producers;
  root->walk([&](tensor::PadOp pad) {
    auto producer = pad.getSource().getDefiningOp<linalg::LinalgOp>();
    if (producer && pad.getSource().hasOneUse() &&
        producer.getNumLoops() == producer.getNumParallelLoops()) {
      pads.push_back(pad);
      producers.push_back(producer);
    }
  });
  RewritePatternSet patterns(root->getContext());
  linalg::populateFuseTensorPadWithProducerLinalgOpPatterns(patterns);
  GreedyRewriteConfig config;
  config.setStrictness(GreedyRewriteStrictness::ExistingOps);
  if (failed(applyOpPatternsGreedily(pads, std::move(patterns), config)))
    return failure();
  // The pattern computes a copy of the producer into the padded tensor.
  IRRewriter rewriter(root->getContext());
  for (Operation *producer : producers)
    if (producer->use_empty())
      rewriter.eraseOp(producer);
  // It fills the whole padded tensor first: fill only its border.
  SmallVector<linalg::FillOp> fills;
  root->walk([&](linalg::FillOp fill) { fills.push_back(fill); });
  for (linalg::FillOp fill : fills)
    fillOnlyOutsideBox(rewriter, fill);
  return success();
}

LogicalResult uniform::vectorizeElementwise(RewriterBase &rewriter,
                                            linalg::GenericOp op,
                                            int64_t width) {
  if (width < 1 || !op.hasPureTensorSemantics() || op.hasDynamicShape() ||
      op.getNumLoops() == 0 || op.getNumReductionLoops() != 0 ||
      llvm::is_contained(op.getStaticLoopRanges(), 0) ||
      !llvm::all_of(
          op.getIndexingMapsArray(),
          [](AffineMap map) { return map.isProjectedPermutation(); }) ||
      !operandsVectorizeContiguously(op) ||
      failed(linalg::vectorizeOpPrecondition(op)))
    return failure();
  // A slice of a larger tensor (a concatenation's part, a strided window)
  // is not contiguous once bufferized: collapsing it would copy it.
  bool slices = llvm::any_of(op->getOperands(), [](Value operand) {
    return operand.getDefiningOp<tensor::ExtractSliceOp>();
  });
  linalg::LinalgOp current = op;
  SmallVector<int> oneKind(op.getNumLoops(), slices ? -1 : 0);
  if (FailureOr<linalg::LinalgOp> collapsed =
          collapseLoopRuns(rewriter, op, collapsibleLoopRuns(op, oneKind));
      succeeded(collapsed))
    current = *collapsed;
  // Whole tiles of `width` first; what `width` does not divide is an op of
  // its own, vectorized whole, so that no tile needs a mask.
  unsigned inner = current.getNumLoops() - 1;
  int64_t extent = current.getStaticLoopRanges()[inner];
  int64_t innerTile = std::min(extent, width);
  int64_t remainder = extent % innerTile;
  if (remainder == 0)
    return vectorizeParallelTiles(rewriter, current, innerTile, width);
  return splitAndRun(rewriter, current, inner, extent - remainder,
                     [&](linalg::LinalgOp part, bool isRemainder) {
                       return vectorizeParallelTiles(
                           rewriter, part, isRemainder ? remainder : innerTile,
                           width);
                     });
}

namespace {
struct CpuVectorizeElementwisePass
    : public uniform::impl::CpuVectorizeElementwiseBase<
          CpuVectorizeElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    if (width < 1) {
      getOperation().emitError("elementwise tile width must be positive");
      return signalPassFailure();
    }
    if (failed(uniform::writePaddedResultsInPlace(getOperation())))
      return signalPassFailure();
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) { generics.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::GenericOp op : generics)
      (void)uniform::vectorizeElementwise(rewriter, op, width);
    // The other pads: their source copied into the interior, the border
    // filled, instead of a fill of the whole tensor before the copy.
    SmallVector<tensor::PadOp> pads;
    getOperation().walk([&](tensor::PadOp pad) { pads.push_back(pad); });
    for (tensor::PadOp pad : pads)
      (void)uniform::padWithBorderFills(rewriter, pad);
  }
};
} // namespace
