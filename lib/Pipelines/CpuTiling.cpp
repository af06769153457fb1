//===- CpuTiling.cpp - Tiling steps of the CPU vectorizers ----------------===//
//
// The tiling, splitting and loop-collapsing steps that the CPU vectorizers
// (CpuVectorize.cpp, CpuVectorizeElementwise.cpp, CpuTileDynamicLoops.cpp)
// share; declared in CpuTiling.h.
//
//===----------------------------------------------------------------------===//

#include "CpuTiling.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace uniform::detail;

int64_t uniform::detail::largestDivisorAtMost(int64_t extent, int64_t bound) {
  for (int64_t d = std::min(extent, bound); d > 1; --d)
    if (extent % d == 0)
      return d;
  return 1;
}

FailureOr<Operation *>
uniform::detail::tileInPlace(RewriterBase &rewriter, linalg::LinalgOp op,
                             ArrayRef<int64_t> sizes,
                             ArrayRef<int64_t> interchange) {
  SmallVector<int64_t> tiles(sizes);
  for (auto [size, range] : llvm::zip(tiles, op.getStaticLoopRanges()))
    if (size == range)
      size = 0;
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), tiles));
  options.setInterchange(interchange);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  return tiled->tiledOps.back();
}

LogicalResult uniform::detail::splitAndRun(
    RewriterBase &rewriter, linalg::LinalgOp op, unsigned loop,
    int64_t splitPoint,
    function_ref<LogicalResult(linalg::LinalgOp, bool)> step) {
  rewriter.setInsertionPoint(op);
  auto [first, second] =
      linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()), loop,
                      rewriter.getIndexAttr(splitPoint));
  if (!first || !second)
    return failure();
  LogicalResult a = step(cast<linalg::LinalgOp>(first.getOperation()), false);
  LogicalResult b = step(cast<linalg::LinalgOp>(second.getOperation()), true);
  return success(succeeded(a) && succeeded(b));
}

LogicalResult uniform::detail::replaceByVectors(RewriterBase &rewriter,
                                                Operation *op,
                                                bool namedContraction) {
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
      rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false, namedContraction);
  if (failed(vectorized))
    return failure();
  rewriter.replaceOp(op, vectorized->replacements);
  return success();
}

SmallVector<ReassociationIndices>
uniform::detail::collapsibleLoopRuns(linalg::LinalgOp op, ArrayRef<int> kind) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<ReassociationIndices> runs;
  for (int64_t loop = 0, e = op.getNumLoops(); loop < e;) {
    ReassociationIndices run = {loop};
    // A collapsed extent that overflows would wrap (to 0 for 2^40 x 2^24).
    int64_t product = ranges[loop];
    while (kind[loop] >= 0 && run.back() + 1 < e &&
           kind[run.back() + 1] == kind[loop]) {
      ReassociationIndices longer = run;
      longer.push_back(run.back() + 1);
      int64_t next = ranges[longer.back()];
      if (!linalg::areDimSequencesPreserved(maps, longer) ||
          (!ShapedType::isDynamic(product) && !ShapedType::isDynamic(next) &&
           llvm::MulOverflow(product, next, product)))
        break;
      if (ShapedType::isDynamic(next))
        product = ShapedType::kDynamic;
      run = std::move(longer);
    }
    loop = run.back() + 1;
    if (run.size() > 1)
      runs.push_back(std::move(run));
  }
  return runs;
}

FailureOr<linalg::LinalgOp>
uniform::detail::collapseLoopRuns(RewriterBase &rewriter, linalg::LinalgOp op,
                                  ArrayRef<ReassociationIndices> runs) {
  if (runs.empty())
    return failure();
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(op, runs, rewriter);
  if (failed(collapsed))
    return failure();
  rewriter.replaceOp(op, collapsed->results);
  return collapsed->collapsedOp;
}

/// Whether `producer` is a linalg.fill or an all-parallel linalg.generic
/// that only yields its inputs, whatever its users.
static bool isCheapInit(Operation *producer) {
  if (!producer || producer->getNumResults() != 1)
    return false;
  if (isa<linalg::FillOp>(producer))
    return true;
  auto generic = dyn_cast<linalg::GenericOp>(producer);
  if (!generic || generic.getNumReductionLoops() != 0)
    return false;
  Block *body = generic.getBody();
  if (!llvm::hasSingleElement(*body))
    return false;
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  return llvm::all_of(yield.getValues(), [&](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && arg.getOwner() == body &&
           generic.isDpsInput(&generic->getOpOperand(arg.getArgNumber()));
  });
}

/// Whether `producer` is a cheap init whose only user is `op`.
static bool isFusableInit(Operation *producer, Operation *op) {
  return isCheapInit(producer) && producer->hasOneUse() &&
         *producer->getUsers().begin() == op;
}

/// Gives `user` a copy of the cheap init producing its operand `operand`
/// where other ops use it too (one zero fill shared by several
/// convolutions), so that it can be fused into `user`'s tiles.
static void privatizeInit(RewriterBase &rewriter, OpOperand &operand) {
  Operation *producer = operand.get().getDefiningOp();
  if (!isCheapInit(producer) || producer->hasOneUse())
    return;
  rewriter.setInsertionPoint(operand.getOwner());
  Operation *copy = rewriter.clone(*producer);
  rewriter.modifyOpInPlace(operand.getOwner(),
                           [&] { operand.set(copy->getResult(0)); });
}

LogicalResult uniform::detail::collapseInitProducer(RewriterBase &rewriter,
                                                    linalg::LinalgOp op) {
  if (op.getNumDpsInits() != 1)
    return failure();
  auto collapse =
      op.getDpsInitOperand(0)->get().getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || !collapse->hasOneUse() ||
      !isCheapInit(collapse.getSrc().getDefiningOp()))
    return failure();
  // A broadcast collapses with the output when its loops are the output's
  // dimensions.
  auto broadcast = collapse.getSrc().getDefiningOp<linalg::GenericOp>();
  if (broadcast && !broadcast.getIndexingMapsArray().back().isIdentity())
    return failure();
  privatizeInit(rewriter, collapse.getSrcMutable());
  Operation *producer = collapse.getSrc().getDefiningOp();
  if (!isFusableInit(producer, collapse))
    return failure();
  rewriter.setInsertionPoint(collapse);
  if (auto fill = dyn_cast<linalg::FillOp>(producer)) {
    RankedTensorType type = collapse.getResultType();
    Value empty = tensor::EmptyOp::create(
        rewriter, collapse.getLoc(), type.getShape(), type.getElementType());
    rewriter.replaceOpWithNewOp<linalg::FillOp>(collapse, fill.value(), empty);
    rewriter.eraseOp(fill);
    return success();
  }
  // The broadcast's loops collapse as the reshape collapses the output.
  auto generic = cast<linalg::GenericOp>(producer);
  FailureOr<linalg::CollapseResult> collapsed = linalg::collapseOpIterationDims(
      generic, collapse.getReassociationIndices(), rewriter);
  if (failed(collapsed))
    return failure();
  // collapseOpIterationDims returns the result expanded back, for the
  // generic's users: here only the reshape, which takes the collapsed one.
  Value result = collapsed->collapsedOp->getResult(0);
  assert(result.getType() == collapse.getResultType() &&
         "collapsing the loops as the output collapses");
  rewriter.replaceOp(collapse, result);
  rewriter.eraseOp(generic);
  for (Value expanded : collapsed->results)
    if (Operation *reshape = expanded.getDefiningOp();
        reshape && reshape != collapsed->collapsedOp && reshape->use_empty())
      rewriter.eraseOp(reshape);
  return success();
}

FailureOr<TiledWithInit>
uniform::detail::tileWithFusedInit(RewriterBase &rewriter, linalg::LinalgOp op,
                                   ArrayRef<int64_t> sizes,
                                   ArrayRef<int64_t> interchange) {
  if (op.getNumDpsInits() == 1 && op.getNumReductionLoops() != 0)
    privatizeInit(rewriter, *op.getDpsInitOperand(0));
  Operation *init = op.getNumDpsInits() == 1
                        ? op.getDpsInitOperand(0)->get().getDefiningOp()
                        : nullptr;
  if (op.getNumReductionLoops() == 0 || !isFusableInit(init, op)) {
    FailureOr<Operation *> tiled =
        tileInPlace(rewriter, op, sizes, interchange);
    if (failed(tiled))
      return failure();
    return TiledWithInit{*tiled, {}};
  }
  // The parallel loops first: fusing the init into a loop over reduction
  // steps would initialize the tile at every step.
  SmallVector<int64_t> parallel(sizes);
  for (auto [size, range, type] : llvm::zip(parallel, op.getStaticLoopRanges(),
                                            op.getIteratorTypesArray()))
    if (size == range || type != utils::IteratorType::parallel)
      size = 0;
  if (llvm::all_of(parallel, [](int64_t size) { return size == 0; })) {
    // One output tile: the init is that tile already.
    FailureOr<Operation *> tiled =
        tileInPlace(rewriter, op, sizes, interchange);
    if (failed(tiled))
      return failure();
    return TiledWithInit{*tiled, {init}};
  }
  scf::SCFTileAndFuseOptions options;
  options.tilingOptions.setTileSizes(
      getAsIndexOpFoldResult(rewriter.getContext(), parallel));
  options.tilingOptions.setInterchange(interchange);
  options.setFusionControlFn(
      [&](tensor::ExtractSliceOp, OpResult producer, bool isDestination)
          -> std::optional<scf::SCFTileAndFuseOptions::ControlFnResult> {
        if (isDestination && producer.getOwner() == init)
          return scf::SCFTileAndFuseOptions::ControlFnResult{};
        return std::nullopt;
      });
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTileAndFuseResult> fused =
      scf::tileConsumerAndFuseProducersUsingSCF(
          rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(fused))
    return failure();
  for (OpResult result : op->getResults())
    rewriter.replaceAllUsesWith(result, fused->replacements.at(result));
  rewriter.eraseOp(op);
  if (init->use_empty())
    rewriter.eraseOp(init);
  TiledWithInit tiled;
  tiled.initTiles.assign(fused->tiledAndFusedOps.begin() + 1,
                         fused->tiledAndFusedOps.end());
  // Then the reduction loops of the tile (its parallel loops are whole).
  FailureOr<Operation *> inner =
      tileInPlace(rewriter, cast<linalg::LinalgOp>(fused->tiledAndFusedOps[0]),
                  sizes, interchange);
  if (failed(inner))
    return failure();
  tiled.op = *inner;
  return tiled;
}
