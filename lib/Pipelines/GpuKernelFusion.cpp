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

bool uniform::shouldFuseIntoGpuKernel(OpOperand *fusedOperand) {
  Operation *producer = fusedOperand->get().getDefiningOp();
  if (!producer || !producer->hasOneUse())
    return false;
  auto consumer = dyn_cast<linalg::LinalgOp>(fusedOperand->getOwner());
  auto producerOp = dyn_cast<linalg::LinalgOp>(producer);
  if (!consumer || !producerOp)
    return false;
  // A producer that reads its init accumulates (a reduction whose reduced
  // extent is 1, once unit dimensions are gone): fused into a consumer that
  // broadcasts it, the accumulation would repeat once per broadcast element.
  if (llvm::any_of(producerOp.getDpsInitsMutable(), [&](OpOperand &init) {
        return producerOp.payloadUsesValueFromOperand(&init);
      }))
    return false;
  return consumer.getNumReductionLoops() == 0 ||
         isCheapToRecompute(producerOp);
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
      Value belowSize = arith::CmpIOp::create(
          b, loc, arith::CmpIPredicate::slt, source, sourceDims[dim]);
      Value valid = arith::AndIOp::create(b, loc, atLeastZero, belowSize);
      clamped.push_back(arith::SelectOp::create(b, loc, valid, source, zero));
      inside = inside ? arith::AndIOp::create(b, loc, inside, valid) : valid;
    }
    Value element =
        tensor::ExtractOp::create(b, loc, pad.getSource(), clamped);
    return arith::SelectOp::create(b, loc, inside, element,
                                   pad.getConstantPaddingValue());
  }

  static void foldPad(linalg::GenericOp op, OpOperand *input,
                      tensor::PadOp pad, PatternRewriter &rewriter) {
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
    auto fused = linalg::GenericOp::create(
        rewriter, loc, op.getResultTypes(), inputs, op.getDpsInits(), maps,
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

void uniform::populateGpuPadFusionPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldPadIntoGenericConsumer>(patterns.getContext());
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
  }
};

} // namespace
