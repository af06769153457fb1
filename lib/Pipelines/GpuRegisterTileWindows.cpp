//===- GpuRegisterTileWindows.cpp - Several window outputs per thread -----===//
//
// A convolution's, depthwise convolution's or pooling's loops, as
// convert-linalg-to-parallel-loops gives them, compute one output per
// iteration of an scf.parallel (one thread of the kernel), and each reads its
// whole window in scf.for loops. Along an output dimension w that its loads
// read as w + r (r a window loop's induction variable, w possibly scaled by a
// stride), neighbouring outputs read mostly the same inputs, and all of them
// the same filter. `uniform-gpu-register-tile-windows` gives each iteration
// `factor` consecutive outputs along w: the parallel step becomes `factor`,
// the outputs are unrolled and jammed into the window loops (`factor`
// accumulators), and the innermost window loop is unrolled, so that the loads
// the outputs share become one load each (the affine.apply canonicalization
// composes the index arithmetic, CSE merges the loads, both in the loop
// only).
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace uniform {
#define GEN_PASS_DEF_GPUREGISTERTILEWINDOWS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

/// The longest window loop unrolled: 7 for UniForm's and ConvNeXt's 7x7
/// depthwise convolutions, 9 with a margin.
static constexpr uint64_t kMaxUnrolledWindow = 9;

/// Whether `value` is computed, within `scope`, from `source`.
static bool dependsOn(Value value, Value source, Operation *scope) {
  if (value == source)
    return true;
  SetVector<Operation *> slice;
  BackwardSliceOptions options;
  options.filter = [&](Operation *op) { return scope->isProperAncestor(op); };
  options.inclusive = true;
  if (Operation *def = value.getDefiningOp())
    (void)getBackwardSlice(def, &slice, options);
  return llvm::any_of(slice, [&](Operation *op) {
    return llvm::is_contained(op->getOperands(), source);
  });
}

/// The window loops of `loop`'s body: scf.for loops with a constant trip
/// count whose induction variable an index of a load under them combines
/// with the parallel dimension `dim`.
static SmallVector<scf::ForOp> windowLoops(scf::ParallelOp loop, unsigned dim) {
  Value outer = loop.getInductionVars()[dim];
  SmallVector<scf::ForOp> loops;
  loop.getBody()->walk([&](scf::ForOp inner) {
    std::optional<APInt> trips = inner.getStaticTripCount();
    if (!trips || trips->getZExtValue() < 2)
      return;
    Value r = inner.getInductionVar();
    bool windowed = false;
    inner.getBody()->walk([&](memref::LoadOp load) {
      for (Value index : load.getIndices())
        windowed |= dependsOn(index, r, loop) && dependsOn(index, outer, loop);
    });
    if (windowed)
      loops.push_back(inner);
  });
  return loops;
}

/// The largest divisor of `extent` from 2 to `most` that leaves at least
/// `least` of `iterations`, or 1.
static int64_t largestFactor(int64_t extent, int64_t most, int64_t iterations,
                             int64_t least) {
  for (int64_t d = std::min(extent, most); d >= 2; --d)
    if (extent % d == 0 && iterations / d >= least)
      return d;
  return 1;
}

FailureOr<uniform::WindowTiling>
uniform::matchWindowTiling(scf::ParallelOp loop, int64_t maxFactor,
                           int64_t minIterations) {
  auto constants = [](ValueRange values) {
    return getConstantIntValues(getAsOpFoldResult(values));
  };
  std::optional<SmallVector<int64_t>> lbs = constants(loop.getLowerBound());
  std::optional<SmallVector<int64_t>> ubs = constants(loop.getUpperBound());
  std::optional<SmallVector<int64_t>> steps = constants(loop.getStep());
  unsigned rank = loop.getNumLoops();
  if (!lbs || !ubs || !steps || rank < 2 || loop.getNumResults() != 0)
    return failure();
  int64_t iterations = 1;
  for (unsigned d = 0; d < rank; ++d) {
    if ((*lbs)[d] != 0 || (*steps)[d] != 1)
      return failure();
    iterations *= (*ubs)[d];
  }
  // Every iteration's body must be free to run next to its neighbours' (no
  // nested parallel loop, no GPU op such as a barrier), and the loops in it
  // must have bounds from outside it (what unroll-and-jam needs).
  Block *body = loop.getBody();
  WalkResult walk = body->walk([&](Operation *op) {
    if (isa<scf::ParallelOp>(op) ||
        isa_and_nonnull<gpu::GPUDialect>(op->getDialect()))
      return WalkResult::interrupt();
    if (auto inner = dyn_cast<scf::ForOp>(op))
      for (Value bound :
           {inner.getLowerBound(), inner.getUpperBound(), inner.getStep()})
        if (!loop.isDefinedOutsideOfLoop(bound) &&
            !matchPattern(bound, m_Constant()))
          return WalkResult::interrupt();
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  // The innermost dimension of more than one iteration stays one output
  // per thread: adjacent threads read adjacent elements along it.
  int innermost = static_cast<int>(rank) - 1;
  while (innermost > 0 && (*ubs)[innermost] == 1)
    --innermost;
  for (int d = innermost - 1; d >= 0; --d) {
    if (windowLoops(loop, d).empty())
      continue;
    int64_t factor =
        largestFactor((*ubs)[d], maxFactor, iterations, minIterations);
    if (factor < 2)
      return failure();
    return WindowTiling{static_cast<unsigned>(d), factor};
  }
  return failure();
}

/// Wraps the body of `loop` in an scf.for over `factor` outputs along `dim`
/// and widens its step there; returns the new scf.for.
static scf::ForOp stripMine(RewriterBase &rewriter, scf::ParallelOp loop,
                            unsigned dim, int64_t factor) {
  Location loc = loop.getLoc();
  Block *body = loop.getBody();
  rewriter.setInsertionPointToStart(body);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value count = arith::ConstantIndexOp::create(rewriter, loc, factor);
  auto inner = scf::ForOp::create(rewriter, loc, zero, count, one);
  // Everything after the constants and before the terminator moves in.
  Block *innerBody = inner.getBody();
  rewriter.eraseOp(innerBody->getTerminator());
  innerBody->getOperations().splice(innerBody->end(), body->getOperations(),
                                    std::next(Block::iterator(inner)),
                                    std::prev(body->end()));
  rewriter.setInsertionPointToEnd(innerBody);
  scf::YieldOp::create(rewriter, loc);
  // The output of this pass of the strip: outer + inner, as an affine.apply
  // that canonicalization composes with the window's index arithmetic.
  rewriter.setInsertionPointToStart(innerBody);
  Value outer = loop.getInductionVars()[dim];
  AffineExpr s0, s1;
  bindSymbols(rewriter.getContext(), s0, s1);
  Value shifted = affine::AffineApplyOp::create(
      rewriter, loc, AffineMap::get(0, 2, s0 + s1),
      ValueRange{outer, inner.getInductionVar()});
  rewriter.replaceUsesWithIf(outer, shifted, [&](OpOperand &use) {
    return inner->isProperAncestor(use.getOwner()) &&
           use.getOwner() != shifted.getDefiningOp();
  });
  SmallVector<Value> stepValues(loop.getStep());
  rewriter.setInsertionPoint(loop);
  stepValues[dim] = arith::ConstantIndexOp::create(rewriter, loc, factor);
  rewriter.modifyOpInPlace(loop,
                           [&] { loop.getStepMutable().assign(stepValues); });
  return inner;
}

/// Composes the index arithmetic of `loop`'s body (affine.apply of
/// affine.apply and constants) and merges the ops that are then the same,
/// the loads the outputs share among them. Only in `loop`: a canonicalizer
/// run over the function would also fold away the parallel loops of one
/// iteration, leaving their bodies on the host.
static void mergeSharedLoads(RewriterBase &rewriter, scf::ParallelOp loop) {
  MLIRContext *context = loop.getContext();
  RewritePatternSet patterns(context);
  affine::AffineApplyOp::getCanonicalizationPatterns(patterns, context);
  (void)applyPatternsGreedily(loop.getRegion(), std::move(patterns));
  DominanceInfo dominance(loop);
  eliminateCommonSubExpressions(rewriter, dominance, loop);
}

LogicalResult uniform::registerTileWindow(RewriterBase &rewriter,
                                          scf::ParallelOp loop,
                                          const WindowTiling &tiling) {
  scf::ForOp strip = stripMine(rewriter, loop, tiling.dim, tiling.factor);
  if (failed(loopUnrollJamByFactor(strip, tiling.factor)))
    return failure();
  // The innermost window loops, unrolled: the outputs' loads of one input
  // then have the same indices. (Only those: unrolling the loops around
  // them shares no more loads.)
  SmallVector<scf::ForOp> innermost;
  for (scf::ForOp window : windowLoops(loop, tiling.dim)) {
    WalkResult nested = window.getBody()->walk(
        [](scf::ForOp) { return WalkResult::interrupt(); });
    if (!nested.wasInterrupted() &&
        window.getStaticTripCount()->getZExtValue() <= kMaxUnrolledWindow)
      innermost.push_back(window);
  }
  for (scf::ForOp window : innermost)
    if (failed(loopUnrollFull(window)))
      return failure();
  mergeSharedLoads(rewriter, loop);
  return success();
}

namespace {
struct GpuRegisterTileWindowsPass
    : public uniform::impl::GpuRegisterTileWindowsBase<
          GpuRegisterTileWindowsPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<std::pair<scf::ParallelOp, uniform::WindowTiling>> work;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (loop->getParentOfType<scf::ParallelOp>())
        return;
      FailureOr<uniform::WindowTiling> tiling =
          uniform::matchWindowTiling(loop, maxFactor, minIterations);
      if (succeeded(tiling))
        work.emplace_back(loop, *tiling);
    });
    IRRewriter rewriter(&getContext());
    for (auto &[loop, tiling] : work)
      if (failed(uniform::registerTileWindow(rewriter, loop, tiling))) {
        loop.emitError("uniform-gpu-register-tile-windows: unroll-and-jam "
                       "failed");
        return signalPassFailure();
      }
  }
};
} // namespace
