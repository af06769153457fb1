//===- GpuRegisterAccumulators.cpp - Accumulators out of memory -----------===//
//
// convert-linalg-to-parallel-loops lowers a reduction (a matmul, a
// convolution) to scf.for loops whose body loads the output element, adds
// to it and stores it back at every step. In a GPU kernel every step is then
// a global load and a global store: LLVM cannot keep the element in a
// register, since the kernel's pointer arguments may alias. This pass
// carries such an element through the loop instead (iter_args), one load
// before it and one store after, when nothing else in the loop may touch
// it. Applied innermost loop first, a convolution's element leaves all of
// its reduction loops.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Analysis/AliasAnalysis.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace uniform {
#define GEN_PASS_DEF_GPUREGISTERACCUMULATORS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

/// Whether `v` is (a view of) a constant memref.global: nothing writes it,
/// so reading it cannot observe a store to another buffer.
static bool isConstantGlobal(Value v) {
  while (auto view = v.getDefiningOp<ViewLikeOpInterface>())
    v = view.getViewSource();
  auto get = v.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return false;
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  return global && global.getConstant();
}

/// Whether every memory access in `loop` other than `load` and `store` is a
/// read of a buffer that cannot be `memref`.
static bool onlyOtherReads(scf::ForOp loop, memref::LoadOp load,
                           memref::StoreOp store, Value memref,
                           AliasAnalysis &aliases) {
  WalkResult result = loop.getBody()->walk([&](Operation *op) {
    if (op == load || op == store)
      return WalkResult::advance();
    if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance(); // its nested ops are visited
    auto effecting = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effecting)
      return WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> effects;
    effecting.getEffects(effects);
    for (const MemoryEffects::EffectInstance &effect : effects) {
      if (!isa<MemoryEffects::Read>(effect.getEffect()))
        return WalkResult::interrupt();
      Value read = effect.getValue();
      if (!read || read == memref ||
          (!aliases.alias(read, memref).isNo() && !isConstantGlobal(read)))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// The load and store of one accumulator of `loop`: in its body's block,
/// a memref.load and a later memref.store of the same buffer at the same
/// indices, all defined outside the loop, that are the only accesses to
/// it in the loop.
static std::optional<std::pair<memref::LoadOp, memref::StoreOp>>
findAccumulator(scf::ForOp loop, AliasAnalysis &aliases) {
  for (auto store : loop.getBody()->getOps<memref::StoreOp>()) {
    ValueRange indices = store.getIndices();
    if (!llvm::all_of(
            indices, [&](Value v) { return loop.isDefinedOutsideOfLoop(v); }) ||
        !loop.isDefinedOutsideOfLoop(store.getMemRef()))
      continue;
    for (auto load : loop.getBody()->getOps<memref::LoadOp>()) {
      if (load.getMemRef() != store.getMemRef() ||
          load.getIndices() != indices ||
          !load->isBeforeInBlock(store.getOperation()))
        continue;
      if (onlyOtherReads(loop, load, store, store.getMemRef(), aliases))
        return std::make_pair(load, store);
    }
  }
  return std::nullopt;
}

FailureOr<scf::ForOp> uniform::registerLoopAccumulator(RewriterBase &rewriter,
                                                       scf::ForOp loop,
                                                       AliasAnalysis &aliases) {
  auto found = findAccumulator(loop, aliases);
  if (!found)
    return failure();
  auto [load, store] = *found;
  Location loc = loop.getLoc();
  rewriter.setInsertionPoint(loop);
  Value init = memref::LoadOp::create(rewriter, loc, load.getMemRef(),
                                      load.getIndices());
  Value stored = store.getValueToStore();
  FailureOr<LoopLikeOpInterface> replaced = loop.replaceWithAdditionalYields(
      rewriter, init, /*replaceInitOperandUsesInLoop=*/false,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
        return SmallVector<Value>{stored};
      });
  if (failed(replaced))
    return failure();
  auto newLoop = cast<scf::ForOp>(replaced->getOperation());
  rewriter.replaceOp(load, newLoop.getRegionIterArgs().back());
  rewriter.setInsertionPointAfter(newLoop);
  memref::StoreOp::create(rewriter, loc, newLoop.getResults().back(),
                          store.getMemRef(), store.getIndices());
  rewriter.eraseOp(store);
  return newLoop;
}

namespace {
struct GpuRegisterAccumulatorsPass
    : public uniform::impl::GpuRegisterAccumulatorsBase<
          GpuRegisterAccumulatorsPass> {
  void runOnOperation() override {
    AliasAnalysis &aliases = getAnalysis<AliasAnalysis>();
    // Innermost loops first: an element carried out of an inner loop is
    // then the outer loop's load and store.
    SmallVector<scf::ForOp> loops;
    getOperation().walk([&](scf::ForOp loop) { loops.push_back(loop); });
    IRRewriter rewriter(&getContext());
    for (scf::ForOp loop : loops)
      while (true) {
        FailureOr<scf::ForOp> next =
            uniform::registerLoopAccumulator(rewriter, loop, aliases);
        if (failed(next))
          break;
        loop = *next;
      }
  }
};
} // namespace
