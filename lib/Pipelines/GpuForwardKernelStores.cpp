//===- GpuForwardKernelStores.cpp - Kernels store where copies went -------===//
//
// `uniform-gpu-forward-kernel-stores`: a kernel built on tensors (the
// tensor-core contraction kernel) writes each result into a buffer of its
// own. Where bufferization then copies that buffer into a part of another
// (the interior of a padded tensor, one slice of a concatenation), the
// kernel stores into that part itself: the copy, which would be a kernel
// of its own, and the buffer go away.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "GpuLoopFusionUtils.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace uniform {
#define GEN_PASS_DEF_GPUFORWARDKERNELSTORES
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

/// `root` and every view of it, transitively; fails when one may reach
/// other ops some other way: an op that returns a memref without being a
/// view (arith.select), a terminator that yields it, or a pure op other
/// than memref.dim (memref.extract_aligned_pointer_as_index).
static FailureOr<llvm::SmallPtrSet<Value, 16>> aliasesOf(Value root) {
  llvm::SmallPtrSet<Value, 16> aliases = {root};
  SmallVector<Value> worklist = {root};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      auto view = dyn_cast<ViewLikeOpInterface>(user);
      if (view && view.getViewSource() == v) {
        for (Value result : user->getResults())
          if (aliases.insert(result).second)
            worklist.push_back(result);
        continue;
      }
      if (isa<func::ReturnOp, memref::DimOp>(user))
        continue;
      bool returnsMemref = llvm::any_of(user->getResultTypes(), [](Type t) {
        return isa<BaseMemRefType>(t);
      });
      if (returnsMemref || user->hasTrait<OpTrait::IsTerminator>() ||
          isMemoryEffectFree(user))
        return failure();
    }
  }
  return aliases;
}

/// Whether `op` or an op nested in it has an operand in `aliases`.
static bool uses(Operation *op, const llvm::SmallPtrSetImpl<Value> &aliases) {
  WalkResult result = op->walk([&](Operation *nested) {
    return llvm::any_of(nested->getOperands(),
                        [&](Value v) { return aliases.contains(v); })
               ? WalkResult::interrupt()
               : WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// The op of `copy`'s block that writes its source, when the source is an
/// allocation that only that op's nested memref.stores write and nothing
/// but `copy` and deallocations otherwise use; else null.
static Operation *soleWriter(memref::CopyOp copy) {
  auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
  Block *block = copy->getBlock();
  if (!alloc || alloc->getBlock() != block)
    return nullptr;
  Operation *writer = nullptr;
  for (OpOperand &use : alloc.getResult().getUses()) {
    Operation *user = use.getOwner();
    if (user == copy || isa<memref::DeallocOp>(user))
      continue;
    auto store = dyn_cast<memref::StoreOp>(user);
    Operation *at = block->findAncestorOpInBlock(*user);
    if (!store || use.get() != store.getMemRef() || !at || at == user ||
        (writer && writer != at))
      return nullptr;
    writer = at;
  }
  if (!writer || !writer->isBeforeInBlock(copy))
    return nullptr;
  return writer;
}

/// The view ops from `root` to `target`, outermost first; fails on any
/// op between them outside `block`.
static FailureOr<SmallVector<Operation *>>
viewChain(Value target, Operation *root, Block *block) {
  SmallVector<Operation *> chain;
  for (Value v = target; v.getDefiningOp() != root;) {
    Operation *view = v.getDefiningOp();
    if (view->getBlock() != block)
      return failure();
    chain.push_back(view);
    v = cast<ViewLikeOpInterface>(view).getViewSource();
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

LogicalResult uniform::forwardKernelStores(RewriterBase &rewriter,
                                           memref::CopyOp copy) {
  Operation *writer = soleWriter(copy);
  if (!writer)
    return rewriter.notifyMatchFailure(
        copy, "source not a buffer that one earlier op only stores into");
  Value target = copy.getTarget();
  // Not a function argument or a global: those may alias the kernel's
  // operands.
  auto root =
      uniform::detail::getBufferRoot(target).getDefiningOp<memref::AllocOp>();
  Block *block = copy->getBlock();
  DominanceInfo dominance(writer->getParentOp());
  if (!root || !dominance.properlyDominates(root.getOperation(), writer))
    return rewriter.notifyMatchFailure(
        copy, "target not a view of an allocation made before the writer");
  FailureOr<SmallVector<Operation *>> chain = viewChain(target, root, block);
  if (failed(chain))
    return rewriter.notifyMatchFailure(copy, "target's views in other blocks");
  // The views move before the writer: what they take must be there.
  for (Operation *view : *chain)
    for (Value operand : view->getOperands())
      if (!dominance.properlyDominates(operand, writer) &&
          !llvm::is_contained(*chain, operand.getDefiningOp()))
        return rewriter.notifyMatchFailure(copy, "target made after writer");
  // The target's memory is written earlier: nothing may read or write it
  // in between, nor in the writer.
  FailureOr<llvm::SmallPtrSet<Value, 16>> aliases = aliasesOf(root.getResult());
  if (failed(aliases))
    return rewriter.notifyMatchFailure(copy, "target escapes its views");
  if (uses(writer, *aliases))
    return rewriter.notifyMatchFailure(copy, "writer uses the target");
  for (Operation *op = writer->getNextNode(); op != copy;
       op = op->getNextNode())
    if (!isa<ViewLikeOpInterface>(op) && uses(op, *aliases))
      return rewriter.notifyMatchFailure(copy, "target used before the copy");

  for (Operation *view : *chain)
    if (!dominance.properlyDominates(view, writer))
      rewriter.moveOpBefore(view, writer);
  Value source = copy.getSource();
  for (Operation *user : llvm::make_early_inc_range(source.getUsers())) {
    if (auto store = dyn_cast<memref::StoreOp>(user))
      rewriter.modifyOpInPlace(
          store, [&] { store.getMemrefMutable().assign(target); });
    else if (user != copy)
      rewriter.eraseOp(user); // a deallocation
  }
  rewriter.eraseOp(copy);
  rewriter.eraseOp(source.getDefiningOp());
  return success();
}

namespace {
struct ForwardKernelStores : public OpRewritePattern<memref::CopyOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(memref::CopyOp copy,
                                PatternRewriter &rewriter) const override {
    return uniform::forwardKernelStores(rewriter, copy);
  }
};

struct GpuForwardKernelStoresPass
    : public uniform::impl::GpuForwardKernelStoresBase<
          GpuForwardKernelStoresPass> {
  void runOnOperation() override {
    // The copies only: a greedy driver would also fold the rest.
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies)
      (void)uniform::forwardKernelStores(rewriter, copy);
  }
};
} // namespace

void uniform::populateGpuForwardKernelStoresPatterns(
    RewritePatternSet &patterns) {
  patterns.add<ForwardKernelStores>(patterns.getContext());
}
