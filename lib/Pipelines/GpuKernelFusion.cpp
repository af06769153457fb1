//===- GpuKernelFusion.cpp - Fewer, larger SIMT kernels -------------------===//
//
// `uniform-gpu-fuse-linalg` and `uniform-gpu-fuse-parallel-loops`, and the
// functions and patterns they are built from (see GpuKernelFusion.h).
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/GpuKernelFusion.h"
#include "uniform/Pipelines/Passes.h"

#include "PipelineParts.h"

#include "mlir/Analysis/AliasAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Matchers.h"
#include "llvm/ADT/SmallBitVector.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace uniform {
#define GEN_PASS_DEF_GPUFUSELINALG
#define GEN_PASS_DEF_GPUFUSEPARALLELLOOPS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;
using uniform::detail::isContiguous;

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

/// Ops that an allocation may be hoisted over, or a deallocation sunk
/// under, without separating what parallel-loop fusion could join.
static bool isFusionNeighbour(Operation *op) {
  return isa<scf::ParallelOp>(op) ||
         (op->getNumRegions() == 0 && isMemoryEffectFree(op));
}

/// Moves statically shaped allocations up, and deallocations down, across
/// neighbouring parallel loops and pure ops. Allocating earlier and freeing
/// later is always correct; it lengthens a buffer's life by at most the
/// chain of loops around it.
static void moveAllocationsOutOfLoopChains(Block &block) {
  SmallVector<memref::AllocOp> allocs(block.getOps<memref::AllocOp>());
  for (memref::AllocOp alloc : allocs) {
    if (alloc->getNumOperands() != 0)
      continue;
    Operation *prev = alloc->getPrevNode();
    while (prev && isFusionNeighbour(prev))
      prev = prev->getPrevNode();
    if (prev)
      alloc->moveAfter(prev);
    else
      alloc->moveBefore(&block, block.begin());
  }
  SmallVector<memref::DeallocOp> deallocs(block.getOps<memref::DeallocOp>());
  for (memref::DeallocOp dealloc : llvm::reverse(deallocs)) {
    Operation *next = dealloc->getNextNode();
    Operation *last = nullptr;
    while (next && !next->hasTrait<OpTrait::IsTerminator>() &&
           isFusionNeighbour(next)) {
      last = next;
      next = next->getNextNode();
    }
    if (last)
      dealloc->moveAfter(last);
  }
}

/// The buffer a memref value is a view of: view-like ops (subviews,
/// reshapes, casts) are looked through.
static Value getBufferRoot(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>()) {
    if (view.getViewSource() == memref)
      break;
    memref = view.getViewSource();
  }
  return memref;
}

/// Aliasing as the loop nests of a bufferized function need it: distinct
/// `memref.alloc`s never alias each other, nor a function argument or a
/// global (an allocation is fresh memory); distinct globals never alias.
/// Everything else is left to MLIR's alias analysis.
static bool mayAlias(AliasAnalysis &aliasAnalysis, Value a, Value b) {
  Value rootA = getBufferRoot(a), rootB = getBufferRoot(b);
  if (rootA == rootB)
    return true;
  auto isFresh = [](Value root) {
    return root.getDefiningOp<memref::AllocOp>() != nullptr;
  };
  auto isNamed = [](Value root) {
    return isa<BlockArgument>(root) ||
           root.getDefiningOp<memref::GetGlobalOp>() != nullptr;
  };
  if ((isFresh(rootA) && (isFresh(rootB) || isNamed(rootB))) ||
      (isFresh(rootB) && isNamed(rootA)))
    return false;
  auto globalA = rootA.getDefiningOp<memref::GetGlobalOp>();
  auto globalB = rootB.getDefiningOp<memref::GetGlobalOp>();
  if (globalA && globalB && globalA.getName() != globalB.getName())
    return false;
  return !aliasAnalysis.alias(a, b).isNo();
}

namespace {
/// The buffers a loop nest reads and writes; `unknown` when it has memory
/// effects other than memref.load and memref.store.
struct BufferAccesses {
  SmallVector<Value> reads, writes;
  bool unknown = false;

  explicit BufferAccesses(Operation *root) {
    root->walk([&](Operation *op) {
      if (auto load = dyn_cast<memref::LoadOp>(op))
        reads.push_back(load.getMemRef());
      else if (auto store = dyn_cast<memref::StoreOp>(op))
        writes.push_back(store.getMemRef());
      else if (!isMemoryEffectFree(op) && !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
        unknown = true;
    });
  }
};
} // namespace

/// Whether running `later` before `earlier` could change what either
/// computes.
static bool haveConflict(AliasAnalysis &aliasAnalysis, Operation *earlier,
                         Operation *later) {
  BufferAccesses first(earlier), second(later);
  if (first.unknown || second.unknown)
    return true;
  auto anyAlias = [&](ArrayRef<Value> lhs, ArrayRef<Value> rhs) {
    return llvm::any_of(lhs, [&](Value a) {
      return llvm::any_of(
          rhs, [&](Value b) { return mayAlias(aliasAnalysis, a, b); });
    });
  };
  return anyAlias(second.writes, first.writes) ||
         anyAlias(second.writes, first.reads) ||
         anyAlias(second.reads, first.writes);
}

static bool haveEqualIterationSpaces(scf::ParallelOp a, scf::ParallelOp b) {
  return a.getLowerBound() == b.getLowerBound() &&
         a.getUpperBound() == b.getUpperBound() &&
         a.getStep() == b.getStep();
}

/// The nearest parallel loop before (`forward` false) or after `loop` with
/// only side-effect-free ops in between.
static scf::ParallelOp getParallelNeighbour(scf::ParallelOp loop,
                                            bool forward) {
  Operation *op = forward ? loop->getNextNode() : loop->getPrevNode();
  while (op && !isa<scf::ParallelOp>(op) && op->getNumRegions() == 0 &&
         isMemoryEffectFree(op))
    op = forward ? op->getNextNode() : op->getPrevNode();
  return dyn_cast_or_null<scf::ParallelOp>(op);
}

/// The first parallel loop after `loop` with its iteration space that
/// `loop` can be moved to, across loops it is independent of and pure ops;
/// null if there is none.
static scf::ParallelOp findLaterPartner(scf::ParallelOp loop,
                                        AliasAnalysis &aliasAnalysis) {
  for (Operation *op = loop->getNextNode(); op; op = op->getNextNode()) {
    auto other = dyn_cast<scf::ParallelOp>(op);
    if (!other) {
      if (!isFusionNeighbour(op) || op->hasTrait<OpTrait::IsTerminator>())
        return nullptr;
      continue;
    }
    if (haveEqualIterationSpaces(loop, other))
      return other;
    if (haveConflict(aliasAnalysis, loop, other))
      return nullptr;
  }
  return nullptr;
}

/// Moves a parallel loop that could fuse with neither neighbour next to a
/// later loop with its iteration space (the zero fill of a convolution's
/// accumulator, separated from it by the fill of the convolution's padded
/// input), or else up across the loops and pure ops it is independent of
/// (the fill of a padded buffer between a convolution and the activation
/// that writes into the padding's interior), so that its former neighbours
/// meet.
static void moveUnfusableLoops(Block &block, AliasAnalysis &aliasAnalysis) {
  SmallVector<scf::ParallelOp> loops(block.getOps<scf::ParallelOp>());
  for (scf::ParallelOp loop : loops) {
    scf::ParallelOp prev = getParallelNeighbour(loop, /*forward=*/false);
    scf::ParallelOp next = getParallelNeighbour(loop, /*forward=*/true);
    if ((next && haveEqualIterationSpaces(loop, next)) ||
        (prev && haveEqualIterationSpaces(loop, prev)))
      continue;
    if (scf::ParallelOp partner = findLaterPartner(loop, aliasAnalysis)) {
      loop->moveBefore(partner);
      continue;
    }
    if (!prev)
      continue;
    Operation *op = loop->getPrevNode();
    auto usedByLoop = [&](Operation *def) {
      return llvm::any_of(def->getUsers(), [&](Operation *user) {
        return loop->isAncestor(user);
      });
    };
    for (; op; op = op->getPrevNode()) {
      if (usedByLoop(op))
        break;
      if (isa<scf::ParallelOp>(op) ? haveConflict(aliasAnalysis, op, loop)
                                   : !isFusionNeighbour(op))
        break;
    }
    if (op == loop->getPrevNode())
      continue;
    if (op)
      loop->moveAfter(op);
    else
      loop->moveBefore(&block, block.begin());
  }
}

/// Peels reshapes off `copy`'s source, applying their inverse to its target,
/// as long as the target's layout allows: a copy of
/// collapse(expand(A)) into T becomes a copy of A into
/// collapse(expand(T)), in A's shape.
static std::pair<Value, Value> copyInSourceShape(RewriterBase &rewriter,
                                                 memref::CopyOp copy) {
  Value source = copy.getSource(), target = copy.getTarget();
  Location loc = copy.getLoc();
  while (true) {
    auto targetType = cast<MemRefType>(target.getType());
    if (auto collapse = source.getDefiningOp<memref::CollapseShapeOp>()) {
      MemRefType sourceType = collapse.getSrcType();
      SmallVector<ReassociationIndices> groups =
          collapse.getReassociationIndices();
      if (!sourceType.hasStaticShape() ||
          failed(memref::ExpandShapeOp::computeExpandedType(
              targetType, sourceType.getShape(), groups)))
        break;
      target = memref::ExpandShapeOp::create(rewriter, loc,
                                             sourceType.getShape(), target,
                                             groups);
      source = collapse.getSrc();
      continue;
    }
    if (auto expand = source.getDefiningOp<memref::ExpandShapeOp>()) {
      SmallVector<ReassociationIndices> groups =
          expand.getReassociationIndices();
      if (!memref::CollapseShapeOp::isGuaranteedCollapsible(targetType,
                                                            groups))
        break;
      target = memref::CollapseShapeOp::create(rewriter, loc, target, groups);
      source = expand.getSrc();
      continue;
    }
    break;
  }
  return {source, target};
}

/// Rewrites the copies that gpu.memcpy cannot do (a strided side, such as
/// one head's slice of a concatenation) into parallel loops over the shape
/// of the buffer the source views, so that the copy fuses with the loop
/// that produces that buffer.
static void expandStridedCopies(Block &block, RewriterBase &rewriter) {
  SmallVector<memref::CopyOp> copies(block.getOps<memref::CopyOp>());
  for (memref::CopyOp copy : copies) {
    auto sourceType = cast<MemRefType>(copy.getSource().getType());
    auto targetType = cast<MemRefType>(copy.getTarget().getType());
    if (isContiguous(sourceType) && isContiguous(targetType))
      continue;
    rewriter.setInsertionPoint(copy);
    auto [source, target] = copyInSourceShape(rewriter, copy);
    auto type = cast<MemRefType>(source.getType());
    if (!type.hasStaticShape() || type.getRank() == 0)
      continue;
    Location loc = copy.getLoc();
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    SmallVector<Value> lbs(type.getRank(), zero), steps(type.getRank(), one);
    SmallVector<Value> ubs = llvm::map_to_vector(
        type.getShape(), [&](int64_t extent) -> Value {
          return arith::ConstantIndexOp::create(rewriter, loc, extent);
        });
    scf::ParallelOp::create(
        rewriter, loc, lbs, ubs, steps,
        [&, source = source, target = target](OpBuilder &b, Location nested,
                                              ValueRange ivs) {
          Value element = memref::LoadOp::create(b, nested, source, ivs);
          memref::StoreOp::create(b, nested, element, target, ivs);
        });
    rewriter.eraseOp(copy);
  }
}

int64_t uniform::fuseNeighbouringParallelLoops(Region &region) {
  auto countLoops = [&] {
    int64_t count = 0;
    for (Block &block : region)
      count += llvm::range_size(block.getOps<scf::ParallelOp>());
    return count;
  };
  int64_t before = countLoops();
  AliasAnalysis aliasAnalysis(region.getParentOp());
  IRRewriter rewriter(region.getContext());
  for (Block &block : region)
    expandStridedCopies(block, rewriter);
  // The copies' loop bounds must be the same SSA values as their producers'
  // for the fusion to see equal iteration spaces.
  DominanceInfo dominance;
  eliminateCommonSubExpressions(rewriter, dominance, region.getParentOp());
  for (Block &block : region) {
    moveAllocationsOutOfLoopChains(block);
    moveUnfusableLoops(block, aliasAnalysis);
  }
  scf::naivelyFuseParallelOps(region, [&](Value a, Value b) {
    return mayAlias(aliasAnalysis, a, b);
  });
  return before - countLoops();
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

struct GpuFuseParallelLoopsPass
    : public uniform::impl::GpuFuseParallelLoopsBase<GpuFuseParallelLoopsPass> {
  void runOnOperation() override {
    uniform::fuseNeighbouringParallelLoops(getOperation().getBody());
  }
};
} // namespace
