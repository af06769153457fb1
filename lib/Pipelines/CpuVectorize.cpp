//===- CpuVectorize.cpp - Register-tiled kernels for the CPU --------------===//
//
// `uniform-cpu-vectorize-contractions` rewrites convolutions as contractions
// (1x1 over the pixels, others over im2col patches), transposes constant
// [F, C] filters once, then tiles every static linalg contraction into
// register tiles and vectorizes each tile into a vector.contract.
// `uniform-cpu-vectorize-depthwise-convs` tiles depthwise convolutions into
// 1-D ones vectorized over channels. Both compute a fill or bias broadcast
// init tile by tile and carry each tile's accumulator through its
// reduction loop as a vector. `uniform-cpu-vectorize-transposes`
// moves data in square tiles. `uniform-cpu-lower-vectors`, after
// bufferization, lowers the contractions to outer products (FMAs).
// `uniform-cpu-vectorize-elementwise` is in CpuVectorizeElementwise.cpp,
// the convolution rewrites in CpuConvAsContraction.cpp; the tiling steps
// they share are declared in CpuTiling.h.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "CpuTiling.h"
#include "PipelineParts.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"
#include "llvm/Support/MathExtras.h"

#include <limits>

namespace uniform {
#define GEN_PASS_DEF_CPUVECTORIZECONTRACTIONS
#define GEN_PASS_DEF_CPULOWERVECTORS
#define GEN_PASS_DEF_CPUVECTORIZEDEPTHWISECONVS
#define GEN_PASS_DEF_CPUVECTORIZETRANSPOSES
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;
using namespace uniform::detail;

/// The tile of a register tile's wide side: whole vectors of `lanes`
/// elements where `extent` is a multiple of `lanes` (the largest such
/// divisor of `extent` within `bound`), else the largest divisor within
/// `bound`.
static int64_t wideTileSize(int64_t extent, int64_t bound, int64_t lanes) {
  if (lanes > 1 && bound >= lanes && extent % lanes == 0)
    return lanes * largestDivisorAtMost(extent / lanes, bound / lanes);
  return largestDivisorAtMost(extent, bound);
}

/// The innermost wide and narrow loops of the static contraction on
/// tensors `op`: the wide one indexes the output's contiguous dimension
/// (its tile is vectors), the narrow one the other parallel side; and the
/// innermost reduction loop. std::nullopt when `op` is not such a
/// contraction.
struct RegisterTileLoops {
  unsigned wide, narrow, reduction;
};
static std::optional<RegisterTileLoops> registerTileLoops(linalg::LinalgOp op) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() ||
      !linalg::isaContractionOpInterface(op) || op.getNumDpsInits() != 1)
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
    return std::nullopt;
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  auto contiguous = dyn_cast<AffineDimExpr>(out.getResults().back());
  if (!contiguous)
    return std::nullopt;
  bool nIsWide = llvm::is_contained(dims->n, contiguous.getPosition());
  return RegisterTileLoops{nIsWide ? dims->n.back() : dims->m.back(),
                           nIsWide ? dims->m.back() : dims->n.back(),
                           dims->k.back()};
}

std::optional<SmallVector<int64_t>>
uniform::contractionRegisterTiles(linalg::LinalgOp op,
                                  const CpuRegisterTile &tile) {
  std::optional<RegisterTileLoops> loops = registerTileLoops(op);
  if (!loops)
    return std::nullopt;
  // Every loop but the innermost m, n and k ones gets a tile of 1.
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<int64_t> sizes(ranges.size(), 1);
  sizes[loops->wide] = wideTileSize(ranges[loops->wide], tile.n, tile.lanes);
  sizes[loops->narrow] = largestDivisorAtMost(ranges[loops->narrow], tile.m);
  sizes[loops->reduction] =
      largestDivisorAtMost(ranges[loops->reduction], tile.k);
  for (auto [size, range] : llvm::zip(sizes, ranges))
    if (size == range)
      size = 0;
  return sizes;
}

LogicalResult uniform::packConstantOperand(RewriterBase &rewriter,
                                           linalg::GenericOp op) {
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (!linalg::isaContractionOpInterface(op) || failed(dims) ||
      !op.hasPureTensorSemantics())
    return failure();
  AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  auto contiguous = dyn_cast<AffineDimExpr>(out.getResults().back());
  if (!contiguous)
    return failure();
  for (OpOperand *operand : op.getDpsInputOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand->get().getType());
    AffineMap map = op.getMatchingIndexingMap(operand);
    if (!type || type.getRank() != 2 || !type.hasStaticShape() ||
        map.getNumResults() != 2 || map.getResult(0) != contiguous ||
        !llvm::is_contained(
            dims->k, cast<AffineDimExpr>(map.getResult(1)).getPosition()))
      continue;
    int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
    std::optional<std::vector<char>> packed =
        detail::transposedConstant(operand->get(), rows, cols);
    if (!packed)
      continue;
    auto packedType =
        RankedTensorType::get({cols, rows}, type.getElementType());
    rewriter.setInsertionPoint(op);
    Value weights = arith::ConstantOp::create(
        rewriter, op.getLoc(),
        DenseElementsAttr::getFromRawBuffer(packedType, *packed));
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    maps[operand->getOperandNumber()] =
        AffineMap::get(map.getNumDims(), 0,
                       {map.getResult(1), map.getResult(0)}, op.getContext());
    rewriter.modifyOpInPlace(op, [&] {
      operand->set(weights);
      op.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    });
    return success();
  }
  return failure();
}

FailureOr<linalg::GenericOp>
uniform::packConstantPanels(RewriterBase &rewriter, linalg::GenericOp op,
                            const CpuRegisterTile &tile, int64_t minBytes) {
  // out[m, n] += a[m, k] * w[k, n], w a constant, n the wide loop.
  std::optional<RegisterTileLoops> loops = registerTileLoops(op);
  if (!loops || op.getNumLoops() != 3 || op.getNumDpsInputs() != 2 ||
      op.getNumReductionLoops() != 1)
    return failure();
  MLIRContext *ctx = op.getContext();
  AffineExpr m = getAffineDimExpr(loops->narrow, ctx);
  AffineExpr n = getAffineDimExpr(loops->wide, ctx);
  AffineExpr k = getAffineDimExpr(loops->reduction, ctx);
  OpOperand *weights = op.getDpsInputOperand(1);
  if (op.getMatchingIndexingMap(op.getDpsInputOperand(0)) !=
          AffineMap::get(3, 0, {m, k}, ctx) ||
      op.getMatchingIndexingMap(weights) != AffineMap::get(3, 0, {k, n}, ctx) ||
      op.getMatchingIndexingMap(op.getDpsInitOperand(0)) !=
          AffineMap::get(3, 0, {m, n}, ctx))
    return failure();
  auto type = cast<RankedTensorType>(weights->get().getType());
  int64_t depth = type.getDimSize(0), width = type.getDimSize(1);
  if (depth == 0 || width == 0)
    return failure();
  int64_t panel = wideTileSize(width, tile.n, tile.lanes);
  std::optional<ArrayRef<char>> bytes = detail::constantBytes(weights->get());
  unsigned bits = type.getElementType().getIntOrFloatBitWidth();
  if (!bytes || int64_t(bytes->size()) < minBytes || bits % 8 != 0 ||
      width % tile.lanes != 0 || panel == width || width % panel != 0 ||
      int64_t(bytes->size()) != depth * width * (bits / 8))
    return failure();
  // packed[p, r, c] = w[r, p * panel + c].
  int64_t size = bits / 8, panels = width / panel;
  std::vector<char> packed(bytes->size());
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t r = 0; r < depth; ++r)
      std::copy_n(bytes->begin() + (r * width + p * panel) * size, panel * size,
                  packed.begin() + ((p * depth + r) * panel) * size);
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value panelWeights = arith::ConstantOp::create(
      rewriter, loc,
      DenseElementsAttr::getFromRawBuffer(
          RankedTensorType::get({panels, depth, panel}, type.getElementType()),
          packed));
  // Loops (m, p, c, k): the output expanded to [M, N / panel, panel].
  Value init = op.getDpsInitOperand(0)->get();
  auto initType = cast<RankedTensorType>(init.getType());
  SmallVector<ReassociationIndices> columns = {{0}, {1, 2}};
  auto expandedType = RankedTensorType::get(
      {initType.getDimSize(0), panels, panel}, initType.getElementType());
  Value expanded =
      tensor::ExpandShapeOp::create(rewriter, loc, expandedType, init, columns);
  AffineExpr d0, d1, d2, d3;
  bindDims(ctx, d0, d1, d2, d3);
  SmallVector<AffineMap> maps = AffineMap::inferFromExprList(
      ArrayRef<ArrayRef<AffineExpr>>{{d0, d3}, {d1, d3, d2}, {d0, d1, d2}},
      ctx);
  SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  auto product = linalg::GenericOp::create(
      rewriter, loc, expandedType,
      ValueRange{op.getDpsInputOperand(0)->get(), panelWeights},
      ValueRange{expanded}, maps, iterators);
  rewriter.inlineRegionBefore(op.getRegion(), product.getRegion(),
                              product.getRegion().begin());
  rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
      op, initType, product.getResult(0), columns);
  return product;
}

FailureOr<linalg::LinalgOp>
uniform::collapseContractionDims(RewriterBase &rewriter, linalg::GenericOp op) {
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims))
    return failure();
  // The kind of every loop: batch, m, n or k (or none).
  SmallVector<int> kind(op.getNumLoops(), -1);
  const ArrayRef<unsigned> groups[] = {dims->batch, dims->m, dims->n, dims->k};
  for (auto [index, group] : llvm::enumerate(groups))
    for (unsigned loop : group)
      kind[loop] = index;
  return collapseLoopRuns(rewriter, op, collapsibleLoopRuns(op, kind));
}

/// The bytes of the input of the contraction `op` that `loop` indexes and
/// `other` does not (the weights [K, N] for the n loop of a matmul),
/// saturated at INT64_MAX; 0 when there is none.
static int64_t sideOperandBytes(linalg::LinalgOp op, unsigned loop,
                                unsigned other) {
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    auto type = dyn_cast<RankedTensorType>(input->get().getType());
    if (!type || !type.hasStaticShape() || !map.isFunctionOfDim(loop) ||
        map.isFunctionOfDim(other))
      continue;
    int64_t bytes = (type.getElementTypeBitWidth() + 7) / 8;
    for (int64_t extent : type.getShape())
      if (llvm::MulOverflow(bytes, extent, bytes))
        return std::numeric_limits<int64_t>::max();
    return bytes;
  }
  return 0;
}

/// The loop order of the register tiles of the contraction `op`: parallel
/// loops outside, reductions inside, so that the accumulator stays in
/// registers over the reduction loop. Of the two sides, the one whose
/// operand is larger goes outside: each of its tiles (a panel of the
/// weights, [K, 32]) then stays in cache while every tile of the other
/// side passes it, instead of the whole operand being streamed from memory
/// once per tile of the other (ResNet's 49x4608x512 products: 9.4 MB of
/// weights read 7 times).
static SmallVector<int64_t> registerTileOrder(linalg::LinalgOp op) {
  RegisterTileLoops loops = *registerTileLoops(op);
  bool wideOutside = sideOperandBytes(op, loops.wide, loops.narrow) >
                     sideOperandBytes(op, loops.narrow, loops.wide);
  SmallVector<int64_t> order;
  for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray())) {
    if (type != utils::IteratorType::parallel)
      continue;
    if (wideOutside && i == loops.narrow)
      continue;
    order.push_back(i);
    if (wideOutside && i == loops.wide)
      order.push_back(loops.narrow);
  }
  for (auto [i, type] : llvm::enumerate(op.getIteratorTypesArray()))
    if (type == utils::IteratorType::reduction)
      order.push_back(i);
  return order;
}

LogicalResult uniform::vectorizeContraction(RewriterBase &rewriter,
                                            linalg::LinalgOp op,
                                            const CpuRegisterTile &tile) {
  std::optional<SmallVector<int64_t>> sizes =
      contractionRegisterTiles(op, tile);
  if (!sizes || failed(linalg::vectorizeOpPrecondition(op)))
    return failure();
  (void)collapseInitProducer(rewriter, op);
  // A wide extent that is not whole vectors: the whole vectors first, then
  // the rest (fewer than `lanes` columns) as a contraction of its own, not
  // tiles of some smaller divisor (49 keys: 48 + 1, not 7 x 7).
  unsigned wide = registerTileLoops(op)->wide;
  int64_t extent = op.getStaticLoopRanges()[wide];
  int64_t rest = extent % tile.lanes;
  if (tile.lanes > 1 && extent > tile.lanes && rest != 0)
    return splitAndRun(rewriter, op, wide, extent - rest,
                       [&](linalg::LinalgOp part, bool) {
                         return vectorizeContraction(rewriter, part, tile);
                       });
  FailureOr<TiledWithInit> tiled =
      tileWithFusedInit(rewriter, op, *sizes, registerTileOrder(op));
  if (failed(tiled))
    return failure();
  // The tiled ops stay correct if a tile does not vectorize after all.
  for (Operation *initTile : tiled->initTiles)
    (void)replaceByVectors(rewriter, initTile);
  return replaceByVectors(rewriter, tiled->op, /*namedContraction=*/true);
}

namespace {
/// A depthwise convolution with channel multiplier 1, as TOSA lowers it
/// (linalg.depthwise_conv_2d_nhwc_hwcm, M = 1), is
/// linalg.depthwise_conv_2d_nhwc_hwc on the collapsed filter and output,
/// the form that upstream decomposes into 1-D convolutions and vectorizes.
struct UnitMultiplierDepthwise
    : OpRewritePattern<linalg::DepthwiseConv2DNhwcHwcmOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::DepthwiseConv2DNhwcHwcmOp op,
                                PatternRewriter &rewriter) const override {
    Value filter = op.getInputs()[1], init = op.getOutputs()[0];
    auto filterType = dyn_cast<RankedTensorType>(filter.getType());
    auto initType = dyn_cast<RankedTensorType>(init.getType());
    if (!filterType || !initType || filterType.getDimSize(3) != 1)
      return rewriter.notifyMatchFailure(op, "not a multiplier of 1");
    Location loc = op.getLoc();
    Value weights = tensor::CollapseShapeOp::create(
        rewriter, loc, filter,
        SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    SmallVector<ReassociationIndices> channels = {{0}, {1}, {2}, {3, 4}};
    Value out = tensor::CollapseShapeOp::create(rewriter, loc, init, channels);
    auto conv = linalg::DepthwiseConv2DNhwcHwcOp::create(
        rewriter, loc, out.getType(), ValueRange{op.getInputs()[0], weights},
        ValueRange{out}, op.getStrides(), op.getDilations());
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, initType, conv.getResult(0), channels);
    return success();
  }
};
} // namespace

std::optional<SmallVector<int64_t>>
uniform::depthwiseRegisterTiles(linalg::DepthwiseConv2DNhwcHwcOp op,
                                const CpuRegisterTile &tile) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape())
    return std::nullopt;
  // Loops (n, oh, ow, c, kh, kw): one output row of `tile.m` pixels by
  // `tile.n` channels, one kernel row per step, the whole kernel row in
  // the tile.
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  return SmallVector<int64_t>{1,
                              1,
                              largestDivisorAtMost(ranges[2], tile.m),
                              largestDivisorAtMost(ranges[3], tile.n),
                              1,
                              0};
}

LogicalResult
uniform::vectorizeDepthwiseConv(RewriterBase &rewriter,
                                linalg::DepthwiseConv2DNhwcHwcOp op,
                                const CpuRegisterTile &tile) {
  std::optional<SmallVector<int64_t>> sizes = depthwiseRegisterTiles(op, tile);
  if (!sizes)
    return failure();
  // The bias broadcast or zero fill initializing the output, tile by tile
  // (the kernel rows are a loop inside).
  (void)collapseInitProducer(rewriter, op);
  FailureOr<TiledWithInit> tiled = tileWithFusedInit(rewriter, op, *sizes);
  if (failed(tiled))
    return failure();
  for (Operation *initTile : tiled->initTiles)
    (void)replaceByVectors(rewriter, initTile);
  auto inner = cast<linalg::DepthwiseConv2DNhwcHwcOp>(tiled->op);
  // One output row and one kernel row: a 1-D depthwise convolution, which
  // the vectorizer writes as FMAs over `tile.n` channels.
  // (Upstream's rewrite takes a PatternRewriter; it reports to the caller's
  // listener.)
  PatternRewriter patternRewriter(rewriter.getContext());
  patternRewriter.setListener(rewriter.getListener());
  patternRewriter.setInsertionPoint(inner);
  FailureOr<linalg::DepthwiseConv1DNwcWcOp> conv1d =
      linalg::DownscaleDepthwiseConv2DNhwcHwcOp(rewriter.getContext())
          .returningMatchAndRewrite(inner, patternRewriter);
  if (failed(conv1d))
    return failure();
  return replaceByVectors(rewriter, *conv1d);
}

LogicalResult uniform::vectorizeTranspose(RewriterBase &rewriter,
                                          linalg::TransposeOp op,
                                          int64_t tile) {
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() || tile < 1)
    return failure();
  // Loops are the output's dimensions: tile the output's innermost one and
  // the one that is innermost in the input, so that each tile reads and
  // writes contiguous rows.
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t rank = ranges.size();
  ArrayRef<int64_t> perm = op.getPermutation();
  int64_t inputInner = llvm::find(perm, rank - 1) - perm.begin();
  SmallVector<int64_t> sizes(rank, 1);
  sizes[rank - 1] = largestDivisorAtMost(ranges[rank - 1], tile);
  sizes[inputInner] = largestDivisorAtMost(ranges[inputInner], tile);
  FailureOr<Operation *> inner = tileInPlace(rewriter, op, sizes);
  if (failed(inner))
    return failure();
  return replaceByVectors(rewriter, *inner);
}

void uniform::populateCpuLowerVectorsPatterns(RewritePatternSet &patterns) {
  vector::populateVectorContractLoweringPatterns(
      patterns, vector::VectorContractLowering::OuterProduct);
  vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
  vector::populateVectorTransposeLoweringPatterns(
      patterns, vector::VectorTransposeLowering::EltWise);
  vector::populateVectorShapeCastLoweringPatterns(patterns);
}

/// Register tiles' accumulators (their slices and transfers) out of the
/// loops over reduction steps, which then carry them as vectors.
static void hoistAccumulators(func::FuncOp func) {
  // The vectorizer's constant indices are created inside the loops: fold
  // them to the function's entry (no patterns, only folding) so that the
  // transfers they index are loop invariant.
  (void)applyPatternsGreedily(func, RewritePatternSet(func.getContext()));
  // Inner loops first; hoisting replaces only the loop it is given.
  SmallVector<scf::ForOp> loops;
  func.walk([&](scf::ForOp loop) { loops.push_back(loop); });
  IRRewriter rewriter(func.getContext());
  for (scf::ForOp loop : loops)
    (void)hoistLoopInvariantSubsets(rewriter, loop);
  // An accumulator read of the tile its init just wrote (a fused fill or
  // bias broadcast) is the written vector.
  (void)applyPatternsGreedily(func, RewritePatternSet(func.getContext()));
}

namespace {
struct CpuVectorizeContractionsPass
    : public uniform::impl::CpuVectorizeContractionsBase<
          CpuVectorizeContractionsPass> {
  using Base::Base;

  void runOnOperation() override {
    uniform::CpuRegisterTile tile{tileM, tileN, tileK, lanes};
    if (tile.m < 1 || tile.n < 1 || tile.k < 1 || tile.lanes < 1 ||
        panelBytes < 0) {
      getOperation().emitError("register tile bounds must be positive");
      return signalPassFailure();
    }
    RewritePatternSet convs(&getContext());
    uniform::populateConvAsContractionPatterns(convs);
    if (failed(applyPatternsGreedily(getOperation(), std::move(convs))))
      return signalPassFailure();
    // One loop per kind: a contraction over two reduction loops (the
    // output projection of attention, over heads and head channels) does
    // not lower to outer products.
    IRRewriter rewriter(&getContext());
    SmallVector<linalg::GenericOp> generics;
    getOperation().walk([&](linalg::GenericOp op) {
      if (uniform::contractionRegisterTiles(op, tile))
        generics.push_back(op);
    });
    for (linalg::GenericOp op : generics)
      (void)uniform::collapseContractionDims(rewriter, op);
    // Constant weights stored [wide, reduction] (convolution filters) are
    // transposed once here, so that the tiles read whole rows of them.
    getOperation().walk([&](linalg::GenericOp op) {
      (void)uniform::packConstantOperand(rewriter, op);
    });
    // Large constant weights wider than one register tile are stored in
    // panels of the tile's width, so that each tile reads contiguous memory.
    SmallVector<linalg::GenericOp> products;
    getOperation().walk([&](linalg::GenericOp op) { products.push_back(op); });
    for (linalg::GenericOp op : products)
      (void)uniform::packConstantPanels(rewriter, op, tile, panelBytes);
    SmallVector<linalg::LinalgOp> contractions;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (uniform::contractionRegisterTiles(op, tile))
        contractions.push_back(op);
    });
    for (linalg::LinalgOp op : contractions)
      (void)uniform::vectorizeContraction(rewriter, op, tile);
    // The vectorizer writes generic contractions as transfer_reads that
    // broadcast, a product and a multi_reduction. Split the broadcasts out
    // of the reads, then fold them into vector.contract's maps, without
    // the unit dimensions that the tiling leaves in front.
    RewritePatternSet split(&getContext());
    vector::populateVectorTransferPermutationMapLoweringPatterns(split);
    RewritePatternSet contract(&getContext());
    vector::populateVectorReductionToContractPatterns(contract);
    vector::populateCastAwayVectorLeadingOneDimPatterns(contract);
    if (failed(applyPatternsGreedily(getOperation(), std::move(split))) ||
        failed(applyPatternsGreedily(getOperation(), std::move(contract))))
      return signalPassFailure();
    hoistAccumulators(getOperation());
  }
};

struct CpuVectorizeDepthwiseConvsPass
    : public uniform::impl::CpuVectorizeDepthwiseConvsBase<
          CpuVectorizeDepthwiseConvsPass> {
  using Base::Base;

  void runOnOperation() override {
    uniform::CpuRegisterTile tile{tileW, tileC, 1};
    if (tile.m < 1 || tile.n < 1) {
      getOperation().emitError("register tile bounds must be positive");
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    patterns.add<UnitMultiplierDepthwise>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    SmallVector<linalg::DepthwiseConv2DNhwcHwcOp> convs;
    getOperation().walk([&](linalg::DepthwiseConv2DNhwcHwcOp op) {
      if (uniform::depthwiseRegisterTiles(op, tile))
        convs.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::DepthwiseConv2DNhwcHwcOp op : convs)
      (void)uniform::vectorizeDepthwiseConv(rewriter, op, tile);
    hoistAccumulators(getOperation());
  }
};

struct CpuVectorizeTransposesPass
    : public uniform::impl::CpuVectorizeTransposesBase<
          CpuVectorizeTransposesPass> {
  using Base::Base;

  void runOnOperation() override {
    if (tile < 1) {
      getOperation().emitError("transpose tiles must be positive");
      return signalPassFailure();
    }
    SmallVector<linalg::TransposeOp> transposes;
    getOperation().walk(
        [&](linalg::TransposeOp op) { transposes.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::TransposeOp op : transposes)
      (void)uniform::vectorizeTranspose(rewriter, op, tile);
  }
};

struct CpuLowerVectorsPass
    : public uniform::impl::CpuLowerVectorsBase<CpuLowerVectorsPass> {
  void runOnOperation() override {
    linalg::hoistRedundantVectorTransfers(getOperation());
    RewritePatternSet patterns(&getContext());
    uniform::populateCpuLowerVectorsPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace
