//===- GpuLoopFusion.cpp - Fewer kernels from bufferized loops -----------===//
//
// `uniform-gpu-fuse-parallel-loops` and `fuseNeighbouringParallelLoops`
// (see GpuKernelFusion.h): parallel loops over the same iteration space
// become one, so one kernel, wherever the dependences between them and the
// loops in between allow.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/GpuKernelFusion.h"
#include "uniform/Pipelines/Passes.h"

#include "GpuLoopFusionUtils.h"
#include "PipelineParts.h"

#include "mlir/Analysis/AliasAnalysis.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/CSE.h"

namespace uniform {
#define GEN_PASS_DEF_GPUFUSEPARALLELLOOPS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;
using namespace uniform::detail;
using uniform::detail::isContiguous;

/// Ops that an allocation may be hoisted over, or a deallocation sunk
/// under, without separating what parallel-loop fusion could join.
bool uniform::detail::isFusionNeighbour(Operation *op) {
  return isa<scf::ParallelOp>(op) ||
         (op->getNumRegions() == 0 && isMemoryEffectFree(op));
}

/// Moves statically shaped allocations up, and deallocations down, across
/// neighbouring parallel loops, kernels and pure ops. Allocating earlier
/// and freeing later is always correct; it lengthens a buffer's life by at
/// most the chain of loops around it.
static void moveAllocationsOutOfLoopChains(Block &block) {
  auto isNeighbour = [](Operation *op) {
    return isFusionNeighbour(op) || isa<gpu::LaunchOp>(op);
  };
  SmallVector<memref::AllocOp> allocs(block.getOps<memref::AllocOp>());
  for (memref::AllocOp alloc : allocs) {
    if (alloc->getNumOperands() != 0)
      continue;
    Operation *prev = alloc->getPrevNode();
    while (prev && isNeighbour(prev))
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
           isNeighbour(next)) {
      last = next;
      next = next->getNextNode();
    }
    if (last)
      dealloc->moveAfter(last);
  }
}

static bool haveEqualIterationSpaces(scf::ParallelOp a, scf::ParallelOp b) {
  return a.getLowerBound() == b.getLowerBound() &&
         a.getUpperBound() == b.getUpperBound() && a.getStep() == b.getStep();
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

/// Moves a parallel loop that could fuse with neither neighbour up across
/// the loops and pure ops it is independent of (the fill of a padded buffer
/// between a convolution and the activation that writes into the padding's
/// interior), so that its former neighbours can fuse: the activation could
/// not move up across the fill, which writes the same buffer. (A loop that
/// a later loop can join needs no move: fuseLoopChains moves the later one
/// up.)
static void moveUnfusableLoops(Block &block, AliasAnalysis &aliasAnalysis) {
  SmallVector<scf::ParallelOp> loops(block.getOps<scf::ParallelOp>());
  for (scf::ParallelOp loop : loops) {
    scf::ParallelOp prev = getParallelNeighbour(loop, /*forward=*/false);
    scf::ParallelOp next = getParallelNeighbour(loop, /*forward=*/true);
    if ((next && haveEqualIterationSpaces(loop, next)) ||
        (prev && haveEqualIterationSpaces(loop, prev)))
      continue;
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
      target = memref::ExpandShapeOp::create(
          rewriter, loc, sourceType.getShape(), target, groups);
      source = collapse.getSrc();
      continue;
    }
    if (auto expand = source.getDefiningOp<memref::ExpandShapeOp>()) {
      SmallVector<ReassociationIndices> groups =
          expand.getReassociationIndices();
      if (!memref::CollapseShapeOp::isGuaranteedCollapsible(targetType, groups))
        break;
      target = memref::CollapseShapeOp::create(rewriter, loc, target, groups);
      source = expand.getSrc();
      continue;
    }
    break;
  }
  return {source, target};
}

/// The extents of `loop`'s iteration space when it is static, from 0 with
/// step 1, none negative, and its iterations fit in int64_t (so that their
/// products below cannot overflow).
std::optional<SmallVector<int64_t>>
uniform::detail::getStaticExtents(scf::ParallelOp loop) {
  std::optional<SmallVector<int64_t>> lower =
      getConstantIntValues(getAsOpFoldResult(loop.getLowerBound()));
  std::optional<SmallVector<int64_t>> upper =
      getConstantIntValues(getAsOpFoldResult(loop.getUpperBound()));
  std::optional<SmallVector<int64_t>> steps =
      getConstantIntValues(getAsOpFoldResult(loop.getStep()));
  if (!lower || !upper || !steps ||
      !llvm::all_of(*lower, [](int64_t bound) { return bound == 0; }) ||
      !llvm::all_of(*steps, [](int64_t step) { return step == 1; }))
    return std::nullopt;
  int64_t iterations = 1;
  for (int64_t extent : *upper)
    if (extent < 0 || llvm::MulOverflow(iterations, extent, iterations))
      return std::nullopt;
  return upper;
}

/// Whether a parallel loop of `block` over an iteration space of
/// `buffer`'s shape writes it (a buffer or a view of one), or with
/// `orReads`, reads or writes it: a copy from it (or into it), rewritten as a
/// loop over that shape, can fuse with that loop.
static bool isAccessedByLoopOfItsShape(Value buffer, Block &block,
                                       bool orReads) {
  auto type = dyn_cast<MemRefType>(buffer.getType());
  if (!type || !type.hasStaticShape())
    return false;
  Value root = getBufferRoot(buffer);
  auto hasShape = [&](scf::ParallelOp loop) {
    std::optional<SmallVector<int64_t>> extents = getStaticExtents(loop);
    return extents && ArrayRef(*extents) == type.getShape();
  };
  return llvm::any_of(block.getOps<scf::ParallelOp>(), [&](auto loop) {
    if (!hasShape(loop))
      return false;
    LoopAccesses accesses(loop);
    auto isOfBuffer = [&](const Access &access) {
      return getBufferRoot(access.memref) == root;
    };
    return llvm::any_of(accesses.stores, isOfBuffer) ||
           (orReads && llvm::any_of(accesses.loads, isOfBuffer));
  });
}

/// Rewrites into parallel loops over the shape of the buffer the source
/// views the copies that gpu.memcpy cannot do (a strided side, such as one
/// head's slice of a concatenation), those from a buffer that a loop of
/// that shape writes (a head's result copied into its concatenation), and
/// those into a buffer that a loop of that shape reads or writes (a bias
/// copied into the accumulator of a matrix-vector product). Such a copy
/// fuses with the loop that produces its source, or that accumulates onto
/// its target, instead of being a memcpy of its own that splits the chain
/// of loops around it.
static void expandCopiesIntoLoops(Block &block, RewriterBase &rewriter) {
  SmallVector<memref::CopyOp> copies(block.getOps<memref::CopyOp>());
  for (memref::CopyOp copy : copies) {
    auto sourceType = dyn_cast<MemRefType>(copy.getSource().getType());
    auto targetType = dyn_cast<MemRefType>(copy.getTarget().getType());
    if (!sourceType || !targetType)
      continue;
    bool strided = !isContiguous(sourceType) || !isContiguous(targetType);
    rewriter.setInsertionPoint(copy);
    auto [source, target] = copyInSourceShape(rewriter, copy);
    if (cast<MemRefType>(source.getType()).getRank() != 0 &&
        (strided || isAccessedByLoopOfItsShape(source, block, false) ||
         isAccessedByLoopOfItsShape(target, block, true))) {
      uniform::detail::replaceCopyWithParallelLoop(rewriter, copy, source,
                                                   target);
      continue;
    }
    // The copy stays: drop the reshapes of its target made for the loop.
    while (target != copy.getTarget()) {
      Operation *reshape = target.getDefiningOp();
      target = reshape->getOperand(0);
      rewriter.eraseOp(reshape);
    }
  }
}

/// Whether `first` touches element `i` of the buffer exactly where `second`
/// does at the same iteration: the same memref, indexed by the same
/// iteration variables (`first`'s mapped to `second`'s) or the same values
/// from outside both loops.
static bool isSameElement(const Access &first, const Access &second,
                          const IRMapping &firstToSecond) {
  return first.memref == second.memref &&
         first.indices.size() == second.indices.size() &&
         llvm::all_of(llvm::zip(first.indices, second.indices), [&](auto pair) {
           return firstToSecond.lookupOrDefault(std::get<0>(pair)) ==
                  std::get<1>(pair);
         });
}

/// The most index comparisons (bounds checks of convolutions that read
/// padded inputs in place) a fused loop may hold. LLVM hoists each unrolled
/// window position's check out of the window loop as a predicate, and an
/// sm_87 thread has 7: fusing several such convolutions (the per-head
/// depthwise convolutions of UniForm-m5) made ptxas spill them.
static constexpr int64_t kMaxFusedBoundsChecks = 8;

static int64_t countBoundsChecks(scf::ParallelOp loop) {
  int64_t count = 0;
  loop.getBody()->walk(
      [&](arith::CmpIOp cmp) { count += cmp.getLhs().getType().isIndex(); });
  return count;
}

/// Whether `first` and `second` touch elements of one row only at the same
/// outer iteration: the same memref, and each of `first`'s induction
/// variables `outer` (mapped to `second`'s) indexes the same position in
/// both. Two iterations with different outer indices then never touch the
/// same element, whatever the other indices are.
static bool isSameRow(const Access &first, const Access &second,
                      ValueRange outer, const IRMapping &firstToSecond) {
  if (first.memref != second.memref ||
      first.indices.size() != second.indices.size())
    return false;
  return llvm::all_of(outer, [&](Value iv) {
    return llvm::any_of(
        llvm::zip(first.indices, second.indices), [&](auto pair) {
          return std::get<0>(pair) == iv &&
                 std::get<1>(pair) == firstToSecond.lookupOrDefault(iv);
        });
  });
}

/// The most iterations per thread that row fusion gives a loop's inner
/// dimensions, which it runs one after the other.
static constexpr int64_t kMaxRowLength = 4096;

static bool hasInnerLoop(scf::ParallelOp loop) {
  return loop.getBody()
      ->walk([](LoopLikeOpInterface) { return WalkResult::interrupt(); })
      .wasInterrupted();
}

/// Whether `earlier`'s iteration space is a proper prefix of `later`'s (the
/// same outer bounds) and row fusion may run `later`'s remaining dimensions
/// inside each of `earlier`'s iterations: `later` is a light elementwise
/// loop over at most kMaxRowLength inner iterations, and `earlier` already
/// loops over a row per iteration (a reduction), so each thread does the
/// same order of work as before.
static bool isRowPrefixOf(scf::ParallelOp earlier, scf::ParallelOp later) {
  int64_t rank = earlier.getNumLoops();
  if (rank >= static_cast<int64_t>(later.getNumLoops()) ||
      later.getNumResults() != 0 || hasInnerLoop(later) ||
      !hasInnerLoop(earlier))
    return false;
  auto prefix = [&](OperandRange range) { return range.take_front(rank); };
  if (!llvm::equal(earlier.getLowerBound(), prefix(later.getLowerBound())) ||
      !llvm::equal(earlier.getUpperBound(), prefix(later.getUpperBound())) ||
      !llvm::equal(earlier.getStep(), prefix(later.getStep())))
    return false;
  std::optional<SmallVector<int64_t>> extents = getStaticExtents(later);
  return extents &&
         llvm::product_of(ArrayRef<int64_t>(*extents).drop_front(rank)) <=
             kMaxRowLength;
}

/// Whether `later` can join `earlier`, so that each iteration of `earlier`
/// then runs `later`'s iterations of the same outer indices:
///  - over the same iteration space, when every access of one to a buffer
///    the other writes is to the same element at the same iteration, or to
///    the same row (the outer indices in the same places: a reduction's
///    result, read by the iteration that made it);
///  - row fusion, when `earlier`'s space is a proper prefix of `later`'s
///    (isRowPrefixOf) and every such access is to the same row. LayerNorm's
///    mean, centring and variance become one loop over the rows.
/// A read after write, write after read or write after write at another
/// row would see the other loop's other iterations.
static bool canFuseInto(scf::ParallelOp earlier, scf::ParallelOp later,
                        AliasAnalysis &aliasAnalysis) {
  if (!haveEqualIterationSpaces(earlier, later) &&
      !isRowPrefixOf(earlier, later))
    return false;
  int64_t checks[] = {countBoundsChecks(earlier), countBoundsChecks(later)};
  if (checks[0] && checks[1] && checks[0] + checks[1] > kMaxFusedBoundsChecks)
    return false;
  LoopAccesses first(earlier), second(later);
  if (first.unknown || second.unknown)
    return false;
  SmallVector<Value> outer = earlier.getInductionVars();
  SmallVector<Value> laterIvs = later.getInductionVars();
  IRMapping earlierToLater;
  earlierToLater.map(outer, ArrayRef<Value>(laterIvs).take_front(outer.size()));
  auto compatible = [&](ArrayRef<Access> lhs, ArrayRef<Access> rhs) {
    for (const Access &a : lhs)
      for (const Access &b : rhs)
        if (mayAlias(aliasAnalysis, a.memref, b.memref) &&
            !isSameElement(a, b, earlierToLater) &&
            !isSameRow(a, b, outer, earlierToLater))
          return false;
    return true;
  };
  return compatible(first.stores, second.loads) &&
         compatible(first.loads, second.stores) &&
         compatible(first.stores, second.stores);
}

/// Moves the side-effect-free op `def`, and what it uses, above `point`
/// when it is not already; false when something it needs cannot move.
static bool hoistAbove(Operation *def, Operation *point) {
  if (def->getBlock() != point->getBlock() || def->isBeforeInBlock(point))
    return true;
  if (def->getNumRegions() != 0 || !isMemoryEffectFree(def))
    return false;
  for (Value operand : def->getOperands())
    if (Operation *producer = operand.getDefiningOp())
      if (!hoistAbove(producer, point))
        return false;
  def->moveBefore(point);
  return true;
}

/// Moves what `loop`'s body uses from above (views, constants) above
/// `point`; false when that is not possible.
bool uniform::detail::hoistCapturesAbove(scf::ParallelOp loop,
                                         Operation *point) {
  for (Value operand : loop->getOperands())
    if (Operation *def = operand.getDefiningOp())
      if (!hoistAbove(def, point))
        return false;
  WalkResult result = loop.getBody()->walk([&](Operation *op) {
    for (Value operand : op->getOperands()) {
      Operation *def = operand.getDefiningOp();
      if (def && !loop->isAncestor(def) && !hoistAbove(def, point))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// Appends `later`'s body to `earlier`'s and erases `later`. The dimensions
/// of `later` beyond `earlier`'s become sequential loops (row fusion).
static void fuseInto(scf::ParallelOp earlier, scf::ParallelOp later) {
  SmallVector<Value> outer = earlier.getInductionVars();
  SmallVector<Value> ivs = later.getInductionVars();
  IRMapping laterToEarlier;
  laterToEarlier.map(ArrayRef<Value>(ivs).take_front(outer.size()), outer);
  OpBuilder builder(earlier.getBody()->getTerminator());
  for (int64_t dim = outer.size(), e = later.getNumLoops(); dim < e; ++dim) {
    auto inner =
        scf::ForOp::create(builder, later.getLoc(), later.getLowerBound()[dim],
                           later.getUpperBound()[dim], later.getStep()[dim]);
    laterToEarlier.map(ivs[dim], inner.getInductionVar());
    builder.setInsertionPoint(inner.getBody()->getTerminator());
  }
  for (Operation &op : later.getBody()->without_terminator())
    builder.clone(op, laterToEarlier);
  later->erase();
}

/// Fuses each parallel loop of `block` into the earliest loop of its chain
/// (the loops and kernels of known accesses since the last op with other
/// side effects) that has its
/// iteration space, when the dependences between them allow it and the
/// loop is independent of the loops in between (it moves up across them).
/// Independent loops of one shape, such as the per-head convolutions of an
/// attention layer, join as well as producers and consumers do.
static int64_t fuseLoopChains(Block &block, AliasAnalysis &aliasAnalysis) {
  // Loops and, as obstacles a loop may move across when independent of
  // them, kernels whose accesses are known.
  SmallVector<Operation *> chain;
  int64_t fused = 0;
  for (Operation &op : llvm::make_early_inc_range(block)) {
    auto loop = dyn_cast<scf::ParallelOp>(&op);
    if (!loop) {
      if (isa<gpu::LaunchOp>(&op) && !LoopAccesses(&op).unknown)
        chain.push_back(&op);
      else if (!isFusionNeighbour(&op) &&
               !isa<memref::AllocOp, memref::DeallocOp>(&op))
        chain.clear();
      continue;
    }
    bool merged = false;
    for (auto [position, entry] : llvm::enumerate(chain)) {
      auto candidate = dyn_cast<scf::ParallelOp>(entry);
      if (!candidate || !canFuseInto(candidate, loop, aliasAnalysis))
        continue;
      ArrayRef<Operation *> between =
          ArrayRef<Operation *>(chain).drop_front(position + 1);
      if (llvm::any_of(between, [&](Operation *other) {
            return haveConflict(aliasAnalysis, other, loop);
          }))
        continue;
      if (!hoistCapturesAbove(loop, candidate))
        continue;
      fuseInto(candidate, loop);
      ++fused;
      merged = true;
      break;
    }
    if (!merged)
      chain.push_back(loop);
  }
  return fused;
}

/// Whether `loop` does little work per iteration: its body has no loops (a
/// fill, a copy, an elementwise op), so merged into another kernel it costs
/// that kernel a few instructions per thread.
static bool isLightLoop(scf::ParallelOp loop) {
  return loop.getNumResults() == 0 && !hasInnerLoop(loop) &&
         getStaticExtents(loop).has_value();
}

/// Appends `light`'s body to `host`'s behind a guard: the host iteration
/// whose row-major linear index is below `light`'s iteration count runs
/// `light`'s iteration of that linear index. Erases `light`.
static void fuseGuardedInto(scf::ParallelOp host, scf::ParallelOp light) {
  SmallVector<int64_t> hostExtents = *getStaticExtents(host);
  SmallVector<int64_t> lightExtents = *getStaticExtents(light);
  Location loc = light.getLoc();
  OpBuilder b(host.getBody()->getTerminator());
  OpBuilder beforeHost(host);
  auto constant = [&](int64_t value) -> Value {
    return arith::ConstantIndexOp::create(beforeHost, loc, value);
  };
  Value linear = host.getInductionVars().front();
  for (auto [iv, extent] :
       llvm::drop_begin(llvm::zip(host.getInductionVars(), hostExtents)))
    linear = arith::AddIOp::create(
        b, loc, arith::MulIOp::create(b, loc, linear, constant(extent)), iv);
  int64_t count = llvm::product_of(lightExtents);
  if (count < llvm::product_of(hostExtents)) {
    Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult,
                                          linear, constant(count));
    auto guard = scf::IfOp::create(b, loc, inRange, /*withElseRegion=*/false);
    b.setInsertionPointToStart(guard.thenBlock());
  }
  SmallVector<Value> ivs(lightExtents.size());
  Value rest = linear;
  for (int64_t dim = lightExtents.size() - 1; dim > 0; --dim) {
    Value extent = constant(lightExtents[dim]);
    ivs[dim] = arith::RemUIOp::create(b, loc, rest, extent);
    rest = arith::DivUIOp::create(b, loc, rest, extent);
  }
  ivs.front() = rest; // below the first extent: linear < count
  IRMapping lightToHost;
  lightToHost.map(light.getInductionVars(), ivs);
  for (Operation &op : light.getBody()->without_terminator())
    b.clone(op, lightToHost);
  light->erase();
}

/// Whether a memref.dealloc between `loop` and the later `point` frees a
/// buffer that `loop` accesses.
static bool freesBufferOf(scf::ParallelOp loop, Operation *point) {
  LoopAccesses accesses(loop);
  for (Operation *op = loop->getNextNode(); op != point;
       op = op->getNextNode()) {
    auto dealloc = dyn_cast<memref::DeallocOp>(op);
    if (!dealloc)
      continue;
    Value freed = getBufferRoot(dealloc.getMemref());
    auto isFreed = [&](const Access &access) {
      return getBufferRoot(access.memref) == freed;
    };
    if (llvm::any_of(accesses.loads, isFreed) ||
        llvm::any_of(accesses.stores, isFreed))
      return true;
  }
  return false;
}

/// The position in `chain` of the nearest loop that the light loop at
/// `index` can merge into: static, with at least as many iterations, and
/// independent of it, as are the loops and kernels in between (it moves
/// across them).
static std::optional<int64_t> findHost(ArrayRef<Operation *> chain,
                                       int64_t index,
                                       AliasAnalysis &aliasAnalysis) {
  auto light = cast<scf::ParallelOp>(chain[index]);
  int64_t count = llvm::product_of(*getStaticExtents(light));
  auto isIndependent = [&](Operation *other) {
    return !haveConflict(aliasAnalysis, other, light);
  };
  for (int64_t distance = 1, e = chain.size(); distance < e; ++distance) {
    for (int64_t position : {index - distance, index + distance}) {
      if (position < 0 || position >= e)
        continue;
      auto host = dyn_cast<scf::ParallelOp>(chain[position]);
      if (!host)
        continue;
      std::optional<SmallVector<int64_t>> extents = getStaticExtents(host);
      if (!extents || host.getNumResults() != 0 ||
          llvm::product_of(*extents) < count ||
          countBoundsChecks(host) + countBoundsChecks(light) >
              kMaxFusedBoundsChecks)
        continue;
      int64_t first = std::min(position, index);
      int64_t last = std::max(position, index);
      if (!llvm::all_of(chain.slice(first, last - first + 1),
                        [&](Operation *other) {
                          return other == light || isIndependent(other);
                        }))
        continue;
      if (position < index ? !hoistCapturesAbove(light, host)
                           : freesBufferOf(light, host))
        continue;
      return position;
    }
  }
  return std::nullopt;
}

/// mergeLightParallelLoops on one block.
static int64_t mergeLightLoops(Block &block, AliasAnalysis &aliasAnalysis) {
  // Loops and, as obstacles, kernels whose accesses are known.
  SmallVector<SmallVector<Operation *>> chains(1);
  for (Operation &op : block) {
    if (isa<scf::ParallelOp>(&op) ||
        (isa<gpu::LaunchOp>(&op) && !LoopAccesses(&op).unknown))
      chains.back().push_back(&op);
    else if (!isFusionNeighbour(&op) &&
             !isa<memref::AllocOp, memref::DeallocOp>(&op))
      chains.emplace_back();
  }
  int64_t merged = 0;
  for (SmallVector<Operation *> &chain : chains) {
    for (int64_t index = 0; index < static_cast<int64_t>(chain.size());) {
      auto light = dyn_cast<scf::ParallelOp>(chain[index]);
      std::optional<int64_t> host;
      if (light && isLightLoop(light))
        host = findHost(chain, index, aliasAnalysis);
      if (!host) {
        ++index;
        continue;
      }
      fuseGuardedInto(cast<scf::ParallelOp>(chain[*host]), light);
      chain.erase(chain.begin() + index);
      ++merged;
      index = 0; // a host may now take further loops
    }
  }
  return merged;
}

int64_t uniform::fuseNeighbouringParallelLoops(Region &region) {
  IRRewriter rewriter(region.getContext());
  for (Block &block : region)
    expandCopiesIntoLoops(block, rewriter);
  // Loop bounds must be the same SSA values to compare iteration spaces.
  DominanceInfo dominance;
  eliminateCommonSubExpressions(rewriter, dominance, region.getParentOp());
  AliasAnalysis aliasAnalysis(region.getParentOp());
  int64_t fused = 0;
  for (Block &block : region) {
    moveAllocationsOutOfLoopChains(block);
    moveUnfusableLoops(block, aliasAnalysis);
    fused += fuseLoopChains(block, aliasAnalysis);
  }
  return fused;
}

int64_t uniform::mergeLightParallelLoops(Region &region) {
  AliasAnalysis aliasAnalysis(region.getParentOp());
  int64_t merged = 0;
  for (Block &block : region)
    merged += mergeLightLoops(block, aliasAnalysis);
  return merged;
}

namespace {
struct GpuFuseParallelLoopsPass
    : public uniform::impl::GpuFuseParallelLoopsBase<GpuFuseParallelLoopsPass> {
  using GpuFuseParallelLoopsBase::GpuFuseParallelLoopsBase;
  void runOnOperation() override {
    uniform::fuseNeighbouringParallelLoops(getOperation().getBody());
    if (mergeLightLoops)
      uniform::mergeLightParallelLoops(getOperation().getBody());
    if (oneBlockChains)
      uniform::fuseSmallLoopsIntoOneBlock(getOperation().getBody(), blockSize);
  }
};
} // namespace
