//===- GpuKernelFusion.cpp - Fewer loop nests from linalg on tensors ------===//
//
// `uniform-gpu-fuse-linalg` and the functions and patterns it is built from
// (see GpuKernelFusion.h); the fusion of bufferized loops is in
// GpuLoopFusion.cpp.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/GpuKernelFusion.h"
#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SmallBitVector.h"

namespace uniform {
#define GEN_PASS_DEF_GPUFUSELINALG
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

/// The most arithmetic ops an elementwise producer may have and still be
/// recomputed in every reduction step of its consumer: enough for a bias
/// add, a BatchNorm scale and shift, or a ReLU6 clamp.
static constexpr int64_t kMaxRecomputedOps = 3;

/// Whether recomputing the body of `producer` per use costs about as much as
/// loading its result would: a few adds, multiplies, compares and selects.
static bool isCheapToRecompute(linalg::LinalgOp producer) {
  int64_t count = 0;
  for (Operation &op : producer.getBlock()->without_terminator()) {
    if (isa<linalg::IndexOp>(op))
      continue;
    if (isa<math::MathDialect>(op.getDialect()) ||
        isa<arith::DivFOp, arith::DivSIOp, arith::DivUIOp, arith::RemFOp,
            arith::RemSIOp, arith::RemUIOp>(op))
      return false;
    if (++count > kMaxRecomputedOps)
      return false;
  }
  return true;
}

/// Whether each user of `producer`'s result can take its own copy of it: an
/// all-parallel op that isCheapToRecompute accepts, applies a reduction's
/// result along the reduced axis, and is read only as an input of ops that
/// reduce (LayerNorm's centring, read by the variance and by the
/// normalization that a matmul absorbs). Fused into each, it leaves no
/// loop nest of its own, and the mean and variance reductions, no longer
/// separated by it, become one loop nest.
static bool isCheapToShare(linalg::LinalgOp producer) {
  // It applies a statistic that a reduction computed (a mean, broadcast
  // along the reduced axis): otherwise, as a residual add that two
  // convolutions read, it joins its own producer's loop nest, and copies
  // would only add reads.
  bool appliesStatistic =
      llvm::any_of(producer.getDpsInputOperands(), [&](OpOperand *input) {
        auto source = input->get().getDefiningOp<linalg::LinalgOp>();
        return source && source.getNumReductionLoops() > 0 &&
               !producer.getMatchingIndexingMap(input).isPermutation();
      });
  return appliesStatistic &&
         producer.getNumLoops() == producer.getNumParallelLoops() &&
         isCheapToRecompute(producer) &&
         llvm::all_of(producer->getUses(), [](OpOperand &use) {
           auto user = dyn_cast<linalg::LinalgOp>(use.getOwner());
           return user && user.isDpsInput(&use) &&
                  user.getNumReductionLoops() > 0;
         });
}

/// Whether `producer`, whose result `consumer` reads, should be fused into
/// it (see shouldFuseIntoGpuKernel).
static bool isWorthFusing(linalg::LinalgOp producer,
                          linalg::LinalgOp consumer) {
  if (!producer->hasOneUse() && !isCheapToShare(producer))
    return false;
  // A producer that reads its init accumulates (a reduction whose reduced
  // extent is 1, once unit dimensions are gone): fused into a consumer that
  // broadcasts it, the accumulation would repeat once per broadcast element.
  if (llvm::any_of(producer.getDpsInitsMutable(), [&](OpOperand &init) {
        return producer.payloadUsesValueFromOperand(&init);
      }))
    return false;
  return consumer.getNumReductionLoops() == 0 || isCheapToRecompute(producer);
}

/// Whether `op`'s body computes anything: an op other than linalg.index.
static bool hasArithmetic(linalg::LinalgOp op) {
  return llvm::any_of(
      op.getBlock()->without_terminator(),
      [](Operation &inner) { return !isa<linalg::IndexOp>(inner); });
}

bool uniform::shouldFuseIntoGpuKernel(OpOperand *fusedOperand) {
  auto producer = fusedOperand->get().getDefiningOp<linalg::LinalgOp>();
  auto consumer = dyn_cast<linalg::LinalgOp>(fusedOperand->getOwner());
  if (!producer || !consumer)
    return false;
  // An elementwise consumer that broadcasts the result (the gate of a
  // squeeze-and-excitation block, per channel, over every pixel) would
  // recompute each element many times; apart, the producer runs once per
  // element, and its loop nest joins that of the reduction it follows.
  // (Into a reduction, isCheapToRecompute decides.)
  if (consumer.getNumReductionLoops() == 0 &&
      !consumer.getMatchingIndexingMap(fusedOperand).isPermutation() &&
      hasArithmetic(producer))
    return false;
  return isWorthFusing(producer, consumer);
}

/// The loops of a linalg.generic that unit-dimension folding may drop: all
/// but one parallel loop, so that the op still becomes a parallel loop nest
/// (a rank-0 op would become scalar code on the host).
static SmallVector<unsigned> unitDimsToDrop(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic)
    return linalg::ControlDropUnitDims().controlFn(op);
  SmallVector<int64_t> ranges = generic.getStaticLoopRanges();
  SmallVector<utils::IteratorType> iterators = generic.getIteratorTypesArray();
  auto isParallel = [&](unsigned dim) {
    return iterators[dim] == utils::IteratorType::parallel;
  };
  bool keptOne = false;
  for (unsigned dim = 0, e = ranges.size(); dim < e; ++dim)
    keptOne |= isParallel(dim) && ranges[dim] != 1;
  SmallVector<unsigned> dims;
  for (unsigned dim = 0, e = ranges.size(); dim < e; ++dim) {
    if (!keptOne && isParallel(dim)) {
      keptOne = true; // this unit loop stays
      continue;
    }
    dims.push_back(dim);
  }
  return dims;
}

/// Whether to expand the loops of the linalg op that reads
/// `fusedOperand`, a tensor.collapse_shape, so that it reads the collapse's
/// source: when the all-parallel producer of that source is worth fusing
/// into it (an activation and head transpose in front of an output
/// projection), it then fuses.
static bool shouldExpandThroughCollapse(OpOperand *fusedOperand) {
  auto collapse = fusedOperand->get().getDefiningOp<tensor::CollapseShapeOp>();
  auto consumer = dyn_cast<linalg::LinalgOp>(fusedOperand->getOwner());
  if (!collapse || !consumer || !collapse->hasOneUse())
    return false;
  auto producer = collapse.getSrc().getDefiningOp<linalg::LinalgOp>();
  return producer && producer.getNumLoops() == producer.getNumParallelLoops() &&
         isWorthFusing(producer, consumer);
}

/// The combiner of a reduction with one init whose body yields
/// `combiner(value, accumulator)` and reads the accumulator nowhere else:
/// arith.addf, arith.maximumf or arith.minimumf. With `plain`, the value must
/// be the element of its one input. Null for any other generic.
static Operation *getCombiner(linalg::GenericOp op, bool plain) {
  if (op.getNumDpsInits() != 1 || op.getNumReductionLoops() == 0 ||
      (plain && op.getNumDpsInputs() != 1))
    return nullptr;
  Block *body = op.getBlock();
  BlockArgument accumulator = body->getArguments().back();
  auto yield = cast<linalg::YieldOp>(body->getTerminator());
  Operation *combiner = yield.getOperand(0).getDefiningOp();
  if (!combiner || combiner->getBlock() != body ||
      !isa<arith::AddFOp, arith::MaximumFOp, arith::MinimumFOp>(combiner) ||
      !accumulator.hasOneUse() ||
      accumulator.use_begin()->getOwner() != combiner)
    return nullptr;
  Value value = combiner->getOperand(0) == accumulator
                    ? combiner->getOperand(1)
                    : combiner->getOperand(0);
  return !plain || value == body->getArgument(0) ? combiner : nullptr;
}

/// Whether `init` is filled with the identity of `combiner` (0 for a sum,
/// -inf for a max, +inf for a min), by a linalg.fill or an all-parallel
/// generic that yields a constant.
static bool isFilledWithIdentity(Value init, Operation *combiner) {
  Value value;
  if (auto fill = init.getDefiningOp<linalg::FillOp>()) {
    value = fill.value();
  } else if (auto generic = init.getDefiningOp<linalg::GenericOp>()) {
    // A generalized fill: it yields a constant, or its scalar input.
    auto yield = cast<linalg::YieldOp>(generic.getBlock()->getTerminator());
    if (generic.getNumLoops() != generic.getNumParallelLoops())
      return false;
    value = yield.getOperand(0);
    if (auto argument = dyn_cast<BlockArgument>(value)) {
      OpOperand *operand = generic.getMatchingOpOperand(argument);
      if (argument.getOwner() != generic.getBlock() ||
          !generic.isDpsInput(operand) ||
          !isa<FloatType>(operand->get().getType()))
        return false;
      value = operand->get();
    }
  }
  FloatAttr constant;
  if (!value || !matchPattern(value, m_Constant(&constant)))
    return false;
  APFloat element = constant.getValue();
  if (isa<arith::AddFOp>(combiner))
    return element.isZero();
  if (isa<arith::MaximumFOp>(combiner))
    return element.isInfinity() && element.isNegative();
  return element.isInfinity() && !element.isNegative();
}

namespace {
/// A plain reduction of a reduction with the same combiner (see
/// getCombiner), whose accumulator starts at the combiner's identity,
/// becomes one reduction over the loops of both: the global average pooling of
/// an NCHW model (ReduceMean over H and W, a sum over one axis, then the other)
/// is one loop nest, so one kernel. The order of the additions changes as it
/// does in any blocked sum.
struct MergeChainedReductions : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp outer,
                                PatternRewriter &rewriter) const override {
    Operation *outerCombiner = getCombiner(outer, /*plain=*/true);
    if (!outerCombiner)
      return failure();
    OpOperand *input = outer.getDpsInputOperand(0);
    auto inner = input->get().getDefiningOp<linalg::GenericOp>();
    Operation *innerCombiner =
        inner ? getCombiner(inner, /*plain=*/false) : nullptr;
    if (!innerCombiner || !outer.hasPureTensorSemantics() ||
        !inner.hasPureTensorSemantics() || !inner->hasOneUse() ||
        outerCombiner->getName() != innerCombiner->getName() ||
        !isFilledWithIdentity(inner.getDpsInits()[0], innerCombiner))
      return failure();
    AffineMap readMap = outer.getMatchingIndexingMap(input);
    AffineMap innerResultMap =
        inner.getMatchingIndexingMap(inner.getDpsInitOperand(0));
    if (!readMap.isPermutation() || !innerResultMap.isProjectedPermutation())
      return failure();
    // Outer loop j reads the inner result's dimension readMap(j), which
    // inner loop innerResultMap(readMap(j)) writes: that loop takes its
    // place.
    SmallVector<AffineExpr> outerToInner(outer.getNumLoops());
    for (auto [position, expr] : llvm::enumerate(readMap.getResults()))
      outerToInner[cast<AffineDimExpr>(expr).getPosition()] =
          innerResultMap.getResult(position);
    SmallVector<utils::IteratorType> iterators = inner.getIteratorTypesArray();
    for (auto [loop, iterator] : llvm::enumerate(outer.getIteratorTypesArray()))
      if (iterator == utils::IteratorType::reduction)
        iterators[cast<AffineDimExpr>(outerToInner[loop]).getPosition()] =
            utils::IteratorType::reduction;
    AffineMap resultMap =
        outer.getMatchingIndexingMap(outer.getDpsInitOperand(0))
            .compose(AffineMap::get(inner.getNumLoops(), 0, outerToInner,
                                    getContext()));
    SmallVector<AffineMap> maps = llvm::map_to_vector(
        inner.getDpsInputOperands(), [&](OpOperand *source) {
          return inner.getMatchingIndexingMap(source);
        });
    maps.push_back(resultMap);
    auto merged = linalg::GenericOp::create(
        rewriter, outer.getLoc(), outer.getResultTypes(), inner.getDpsInputs(),
        outer.getDpsInits(), maps, iterators);
    rewriter.cloneRegionBefore(inner.getRegion(), merged.getRegion(),
                               merged.getRegion().end());
    rewriter.replaceOp(outer, merged.getResults());
    return success();
  }
};
} // namespace

void uniform::populateGpuReductionMergePatterns(RewritePatternSet &patterns) {
  patterns.add<MergeChainedReductions>(patterns.getContext());
}

void uniform::populateGpuElementwiseFusionPatterns(
    RewritePatternSet &patterns) {
  linalg::populateLinalgNamedOpsGeneralizationPatterns(patterns);
  // Unit dimensions dropped and reshapes moved to the edges, so that a
  // depthwise convolution (n, h, w, c, 1) and its bias add meet in one
  // shape.
  linalg::ControlDropUnitDims dropUnitDims;
  dropUnitDims.controlFn = unitDimsToDrop;
  linalg::populateFoldUnitExtentDimsPatterns(patterns, dropUnitDims);
  linalg::populateFoldUnitExtentDimsCanonicalizationPatterns(patterns,
                                                             dropUnitDims);
  linalg::populateElementwiseOpsFusionPatterns(patterns,
                                               shouldFuseIntoGpuKernel);
  populateGpuReductionMergePatterns(patterns);
}

void uniform::populateGpuFusionThroughReshapePatterns(
    RewritePatternSet &patterns) {
  linalg::populateFoldReshapeOpsByExpansionPatterns(
      patterns, shouldExpandThroughCollapse);
  linalg::populateElementwiseOpsFusionPatterns(patterns,
                                               shouldFuseIntoGpuKernel);
}

/// The largest convolution window into which a pad is folded. Each window
/// column's bounds check is a predicate that LLVM hoists out of the window
/// loop; sm_87 has 7 predicate registers per thread, and a 7x7 window's
/// predicates spill (ConvNeXt's depthwise convolutions).
static constexpr int64_t kMaxFoldedPadWindow = 25;

namespace {
/// Reads of a constant-padded tensor folded into the linalg.generic that
/// consumes it: the generic reads the pad's source at the clamped index and
/// selects the padding value outside of it. No padded tensor is made, so
/// neither the fill of its border nor the copy of its interior is left.
struct FoldPadIntoGenericConsumer : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return failure();
    for (OpOperand *input : op.getDpsInputOperands()) {
      auto pad = input->get().getDefiningOp<tensor::PadOp>();
      if (pad && !pad.getNofold() && pad.getConstantPaddingValue() &&
          getPaddedWindow(op, input, pad) <= kMaxFoldedPadWindow) {
        foldPad(op, input, pad, rewriter);
        return success();
      }
    }
    return failure();
  }

private:
  /// The number of reduction steps whose reads of `input` may fall into the
  /// padding: the product of the extents of the reduction loops that index
  /// its padded dimensions (a 7x7 convolution window: 49).
  static int64_t getPaddedWindow(linalg::GenericOp op, OpOperand *input,
                                 tensor::PadOp pad) {
    AffineMap map = op.getMatchingIndexingMap(input);
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    llvm::SmallBitVector windowLoops(map.getNumDims());
    for (auto [dim, result] : llvm::enumerate(map.getResults())) {
      if (isZeroInteger(pad.getMixedLowPad()[dim]) &&
          isZeroInteger(pad.getMixedHighPad()[dim]))
        continue;
      for (unsigned loop = 0, e = map.getNumDims(); loop < e; ++loop)
        if (result.isFunctionOfDim(loop) &&
            op.getIteratorTypesArray()[loop] == utils::IteratorType::reduction)
          windowLoops.set(loop);
    }
    int64_t window = 1;
    for (unsigned loop : windowLoops.set_bits())
      window = ShapedType::isDynamic(ranges[loop])
                   ? std::numeric_limits<int64_t>::max()
                   : window * ranges[loop];
    return window;
  }

  /// The value `pad` holds at `indices` (its own, padded coordinates),
  /// computed from its source inside a generic's body.
  static Value readPadded(OpBuilder &b, Location loc, tensor::PadOp pad,
                          ArrayRef<Value> sourceDims, ValueRange indices) {
    Value zero = arith::ConstantIndexOp::create(b, loc, 0);
    Value inside;
    SmallVector<Value> clamped;
    for (auto [dim, index] : llvm::enumerate(indices)) {
      Value low =
          getValueOrCreateConstantIndexOp(b, loc, pad.getMixedLowPad()[dim]);
      Value source = arith::SubIOp::create(b, loc, index, low);
      Value atLeastZero = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::sge, source, zero);
      Value belowSize = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                              source, sourceDims[dim]);
      Value valid = arith::AndIOp::create(b, loc, atLeastZero, belowSize);
      clamped.push_back(arith::SelectOp::create(b, loc, valid, source, zero));
      inside = inside ? arith::AndIOp::create(b, loc, inside, valid) : valid;
    }
    Value element = tensor::ExtractOp::create(b, loc, pad.getSource(), clamped);
    return arith::SelectOp::create(b, loc, inside, element,
                                   pad.getConstantPaddingValue());
  }

  static void foldPad(linalg::GenericOp op, OpOperand *input, tensor::PadOp pad,
                      PatternRewriter &rewriter) {
    Location loc = op.getLoc();
    unsigned position = input->getOperandNumber();
    AffineMap map = op.getMatchingIndexingMap(input);
    SmallVector<Value> sourceDims;
    rewriter.setInsertionPoint(op);
    for (int64_t dim = 0, e = pad.getSourceType().getRank(); dim < e; ++dim)
      sourceDims.push_back(
          rewriter.createOrFold<tensor::DimOp>(loc, pad.getSource(), dim));

    SmallVector<Value> inputs = op.getDpsInputs();
    inputs.erase(inputs.begin() + position);
    SmallVector<AffineMap> maps = op.getIndexingMapsArray();
    maps.erase(maps.begin() + position);
    auto fused = linalg::GenericOp::create(rewriter, loc, op.getResultTypes(),
                                           inputs, op.getDpsInits(), maps,
                                           op.getIteratorTypesArray());
    rewriter.inlineRegionBefore(op.getRegion(), fused.getRegion(),
                                fused.getRegion().end());
    Block &body = fused.getRegion().front();
    rewriter.setInsertionPointToStart(&body);
    SmallVector<Value> loops;
    for (unsigned loop = 0, e = map.getNumDims(); loop < e; ++loop)
      loops.push_back(linalg::IndexOp::create(rewriter, loc, loop));
    SmallVector<Value> indices;
    for (AffineExpr result : map.getResults())
      indices.push_back(affine::AffineApplyOp::create(
          rewriter, loc, AffineMap::get(map.getNumDims(), 0, result), loops));
    Value element = readPadded(rewriter, loc, pad, sourceDims, indices);
    rewriter.replaceAllUsesWith(body.getArgument(position), element);
    body.eraseArgument(position);
    rewriter.replaceOp(op, fused.getResults());
  }
};
} // namespace

namespace {
/// A tensor.extract of the result of a generic that only moves elements (a
/// transpose: its body yields an input's element, its result is indexed by
/// a permutation of its loops and that input by a projected permutation)
/// reads the input directly. A convolution that reads a padded, transposed
/// tensor element by element (FoldPadIntoGenericConsumer) then needs no
/// transposed copy.
struct FoldExtractOfTranspose : OpRewritePattern<tensor::ExtractOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::ExtractOp extract,
                                PatternRewriter &rewriter) const override {
    auto result = dyn_cast<OpResult>(extract.getTensor());
    auto producer = dyn_cast_or_null<linalg::GenericOp>(
        extract.getTensor().getDefiningOp());
    if (!producer || !producer.hasPureTensorSemantics())
      return failure();
    auto yielded = dyn_cast<BlockArgument>(
        producer
            .getMatchingYieldValue(
                producer.getDpsInitOperand(result.getResultNumber()))
            ->get());
    if (!yielded || yielded.getOwner() != producer.getBlock())
      return failure();
    OpOperand *source = producer.getMatchingOpOperand(yielded);
    if (!producer.isDpsInput(source))
      return failure();
    AffineMap resultMap = producer.getIndexingMapMatchingResult(result);
    AffineMap sourceMap = producer.getMatchingIndexingMap(source);
    if (!resultMap.isPermutation() || !sourceMap.isProjectedPermutation())
      return failure();
    AffineMap resultToSource = sourceMap.compose(inversePermutation(resultMap));
    SmallVector<Value> indices;
    for (AffineExpr expr : resultToSource.getResults())
      indices.push_back(
          extract.getIndices()[cast<AffineDimExpr>(expr).getPosition()]);
    rewriter.replaceOpWithNewOp<tensor::ExtractOp>(extract, source->get(),
                                                   indices);
    return success();
  }
};
} // namespace

void uniform::populateGpuPadFusionPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldPadIntoGenericConsumer, FoldExtractOfTranspose>(
      patterns.getContext());
}

/// The map from the parallel loops of `producer` (numbered in their order)
/// to the dimensions of `result`, when those loops come first and index the
/// result as a permutation: the order in which the loop nest that
/// convert-linalg-to-parallel-loops makes of `producer` writes `result`.
static std::optional<AffineMap>
getParallelResultOrder(linalg::LinalgOp producer, OpResult result) {
  unsigned numParallel = producer.getNumParallelLoops();
  SmallVector<utils::IteratorType> iterators = producer.getIteratorTypesArray();
  if (!llvm::all_of(ArrayRef(iterators).take_front(numParallel),
                    linalg::isParallelIterator))
    return std::nullopt;
  AffineMap map = producer.getIndexingMapMatchingResult(result);
  if (map.getNumResults() != numParallel ||
      llvm::any_of(map.getResults(), [&](AffineExpr expr) {
        auto dim = dyn_cast<AffineDimExpr>(expr);
        return !dim || dim.getPosition() >= numParallel;
      }))
    return std::nullopt;
  AffineMap order =
      AffineMap::get(numParallel, 0, map.getResults(), map.getContext());
  if (!order.isPermutation())
    return std::nullopt;
  return order;
}

namespace {
/// Interchanges the loops of an all-parallel generic (an activation, a
/// residual add, a transpose) so that it reads the result of the linalg op
/// that produces one of its inputs in the order that op writes it: both
/// become loop nests over the same iteration space, which
/// uniform-gpu-fuse-parallel-loops joins into one kernel. Models exported in
/// NCHW compute their residual adds in NCHW between convolutions that TOSA
/// runs in NHWC; aligned with the convolution, such an add is its epilogue.
/// Producers that reduce (convolutions, matmuls) are preferred, then the
/// latest one.
struct AlignLoopOrderWithProducer : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() ||
        op.getNumParallelLoops() != op.getNumLoops())
      return failure();
    std::optional<AffineMap> target = selectTargetOrder(op);
    if (!target || target->isIdentity())
      return failure();
    SmallVector<unsigned> interchange =
        llvm::map_to_vector(target->getResults(), [](AffineExpr expr) {
          return cast<AffineDimExpr>(expr).getPosition();
        });
    return linalg::interchangeGenericOp(rewriter, op, interchange);
  }

private:
  /// The permutation of `op`'s loops that makes it read its chosen
  /// producer's result in that producer's order.
  static std::optional<AffineMap> selectTargetOrder(linalg::GenericOp op) {
    std::optional<AffineMap> best;
    std::pair<bool, Operation *> bestRank = {false, nullptr};
    for (OpOperand *input : op.getDpsInputOperands()) {
      auto result = dyn_cast<OpResult>(input->get());
      auto producer =
          dyn_cast_or_null<linalg::LinalgOp>(input->get().getDefiningOp());
      AffineMap readMap = op.getMatchingIndexingMap(input);
      if (!producer || !producer.hasPureTensorSemantics() ||
          producer->getBlock() != op->getBlock() || !readMap.isPermutation())
        continue;
      std::optional<AffineMap> order = getParallelResultOrder(producer, result);
      if (!order || order->getNumDims() != readMap.getNumDims())
        continue;
      bool reduces = producer.getNumReductionLoops() > 0;
      if (best && (bestRank.first > reduces ||
                   (bestRank.first == reduces &&
                    producer->isBeforeInBlock(bestRank.second))))
        continue;
      bestRank = {reduces, producer};
      // Loops j' of the interchanged op with j = inverse(P)(j') read
      // readMap(inverse(P)(j')); equal to order(j') when P is:
      best = inversePermutation(*order).compose(readMap);
    }
    return best;
  }
};
} // namespace

void uniform::populateGpuLoopOrderPatterns(RewritePatternSet &patterns) {
  patterns.add<AlignLoopOrderWithProducer>(patterns.getContext());
}

void uniform::populateGpuPadIntoProducerPatterns(RewritePatternSet &patterns) {
  linalg::populateFuseTensorPadWithProducerLinalgOpPatterns(patterns);
}

/// Whether `op` makes a tensor from nothing computed: a tensor.empty, or an
/// all-parallel linalg op (a fill, a broadcast of a constant bias) whose
/// inputs are constants and whose inits are such tensors.
static bool isCheapToDuplicate(Operation *op) {
  if (isa<tensor::EmptyOp>(op))
    return true;
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      linalgOp.getNumLoops() != linalgOp.getNumParallelLoops())
    return false;
  auto isConstantInput = [](OpOperand *input) {
    return matchPattern(input->get(), m_Constant());
  };
  auto isFreshInit = [](OpOperand &init) {
    Operation *def = init.get().getDefiningOp();
    return def && isCheapToDuplicate(def);
  };
  return llvm::all_of(linalgOp.getDpsInputOperands(), isConstantInput) &&
         llvm::all_of(linalgOp.getDpsInitsMutable(), isFreshInit);
}

void uniform::duplicateSharedInitTensors(Region &region,
                                         RewriterBase &rewriter) {
  SmallVector<Operation *> ops;
  region.walk([&](Operation *op) {
    if (op->getNumResults() == 1 && isCheapToDuplicate(op))
      ops.push_back(op);
  });
  // Users first: duplicating a fill adds uses to its tensor.empty, which is
  // visited later.
  for (Operation *op : llvm::reverse(ops)) {
    SmallVector<OpOperand *> uses = llvm::map_to_vector(
        op->getResult(0).getUses(), [](OpOperand &use) { return &use; });
    for (OpOperand *use : llvm::drop_begin(uses)) {
      rewriter.setInsertionPoint(use->getOwner());
      Operation *copy = rewriter.clone(*op);
      rewriter.modifyOpInPlace(use->getOwner(),
                               [&] { use->set(copy->getResult(0)); });
    }
  }
}

namespace {
struct GpuFuseLinalgPass
    : public uniform::impl::GpuFuseLinalgBase<GpuFuseLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);
    uniform::duplicateSharedInitTensors(getOperation().getBody(), rewriter);
    // Elementwise chains first, so that a pad fuses with the whole chain
    // that produces its source.
    RewritePatternSet fusion(ctx);
    uniform::populateGpuElementwiseFusionPatterns(fusion);
    if (failed(applyPatternsGreedily(getOperation(), std::move(fusion))))
      return signalPassFailure();
    // Apart: unit-dimension folding makes the collapses that expansion
    // undoes.
    RewritePatternSet throughReshapes(ctx);
    uniform::populateGpuFusionThroughReshapePatterns(throughReshapes);
    if (failed(
            applyPatternsGreedily(getOperation(), std::move(throughReshapes))))
      return signalPassFailure();
    RewritePatternSet padReads(ctx);
    uniform::populateGpuPadFusionPatterns(padReads);
    if (failed(applyPatternsGreedily(getOperation(), std::move(padReads))))
      return signalPassFailure();
    // Pads whose users are not generics.
    RewritePatternSet pads(ctx);
    uniform::populateGpuPadIntoProducerPatterns(pads);
    // Concatenations as insert_slices, so that empty-tensor elimination
    // can make each part's producer write into its slice.
    tensor::populateDecomposeTensorConcatPatterns(pads);
    if (failed(applyPatternsGreedily(getOperation(), std::move(pads))))
      return signalPassFailure();
    // Last, once the loop nests are final: each all-parallel one in the
    // order of the producer it can join.
    RewritePatternSet loopOrder(ctx);
    uniform::populateGpuLoopOrderPatterns(loopOrder);
    if (failed(applyPatternsGreedily(getOperation(), std::move(loopOrder))))
      return signalPassFailure();
  }
};

} // namespace
