//===- CpuOutline.cpp - One function per loop nest ------------------------===//
//
// `uniform-cpu-outline-loop-nests`: a whole model lowers to a single
// function, and LLVM's optimizer and code generator are superlinear in
// function size (a UniForm-m0 compile spent 31 of 36 s in LLVM). Each
// top-level loop nest becomes a private, `no_inline` function; the nests of
// blocks that a model repeats with other weights become one function.
//
// Upstream's outlineSingleBlockRegion clones only index constants (vector
// and float constants would become arguments) and knows nothing of
// aliasing; upstream's duplicate-function-elimination also merges public
// functions, which here are the entry points. Hence outlineLoopNest and
// dedupeFunctions, which only consider the outlined functions.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Hashing.h"
#include "llvm/ADT/SetVector.h"

namespace uniform {
#define GEN_PASS_DEF_APPLYNOALIASPOINTERS
#define GEN_PASS_DEF_CPUOUTLINELOOPNESTS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

/// Positions of the LLVM arguments of an outlined function that are
/// `noalias` pointers.
static constexpr llvm::StringLiteral kNoAliasPointersAttr =
    "uniform.noalias_pointers";

/// What a memref's buffer is, for alias purposes: an allocation (the
/// allocating op's result), a global (its name), or, for buffers that come
/// from the function's arguments, the function itself (its arguments may
/// alias each other). Null when the root is not understood.
static const void *bufferIdentity(Value memref, func::FuncOp parent) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>())
    memref = view.getViewSource();
  if (auto arg = dyn_cast<BlockArgument>(memref))
    return arg.getOwner()->getParentOp() == parent ? parent.getOperation()
                                                   : nullptr;
  Operation *def = memref.getDefiningOp();
  if (auto global = dyn_cast<memref::GetGlobalOp>(def))
    return global.getNameAttr().getAsOpaquePointer();
  if (hasEffect<MemoryEffects::Allocate>(def, memref))
    return memref.getAsOpaquePointer();
  return nullptr;
}

/// The arguments (`arguments`, those of a call from `parent`) whose buffer
/// no other argument shares, or none when some argument's buffer is not
/// understood.
static SmallVector<bool> unaliasedArguments(ArrayRef<Value> arguments,
                                            func::FuncOp parent) {
  SmallVector<const void *> identities;
  llvm::DenseMap<const void *, unsigned> uses;
  for (Value value : arguments) {
    // An unranked buffer could be any of the others.
    if (isa<UnrankedMemRefType>(value.getType()))
      return SmallVector<bool>(arguments.size(), false);
    const void *identity = nullptr;
    if (isa<MemRefType>(value.getType())) {
      identity = bufferIdentity(value, parent);
      if (!identity)
        return SmallVector<bool>(arguments.size(), false);
      ++uses[identity];
    }
    identities.push_back(identity);
  }
  return llvm::map_to_vector(identities, [&](const void *identity) {
    return identity && uses.lookup(identity) == 1;
  });
}

/// Marks `llvm.noalias` the memref arguments of `func` that `unaliased`
/// says, and records the positions of their pointers after func-to-llvm,
/// which drops the attributes of arguments that expand to several (see
/// uniform-apply-noalias-pointers).
static void markNoAlias(func::FuncOp func, ArrayRef<bool> unaliased) {
  Builder b(func.getContext());
  SmallVector<int64_t> pointers;
  int64_t position = 0;
  for (auto [index, type] : llvm::enumerate(func.getArgumentTypes())) {
    auto memref = dyn_cast<MemRefType>(type);
    if (!memref) {
      // An unranked descriptor is a rank and a pointer.
      position += isa<UnrankedMemRefType>(type) ? 2 : 1;
      continue;
    }
    if (unaliased[index]) {
      func.setArgAttr(index, LLVM::LLVMDialect::getNoAliasAttrName(),
                      b.getUnitAttr());
      // A ranked descriptor: allocated and aligned pointers, offset, sizes
      // and strides.
      pointers.append({position, position + 1});
    }
    position += 3 + 2 * memref.getRank();
  }
  if (!pointers.empty())
    func->setAttr(kNoAliasPointersAttr, b.getDenseI64ArrayAttr(pointers));
}

FailureOr<func::CallOp> uniform::outlineLoopNest(RewriterBase &rewriter,
                                                 Operation *nest,
                                                 StringRef name,
                                                 SymbolTable &symbols) {
  auto parent = dyn_cast_or_null<func::FuncOp>(nest->getParentOp());
  if (!parent || nest->getNumResults() != 0)
    return failure();
  // What the nest uses from above, in order of first use: constants are
  // cloned into the new function, the rest are its arguments.
  llvm::SetVector<Value> captured(nest->operand_begin(), nest->operand_end());
  for (Region &region : nest->getRegions())
    getUsedValuesDefinedAbove(region, captured);
  SmallVector<Value> arguments;
  SmallVector<Value> constants;
  for (Value value : captured) {
    Operation *def = value.getDefiningOp();
    if (def && def->getNumOperands() == 0 &&
        def->hasTrait<OpTrait::ConstantLike>())
      constants.push_back(value);
    else
      arguments.push_back(value);
  }

  OpBuilder::InsertionGuard guard(rewriter);
  Location loc = nest->getLoc();
  rewriter.setInsertionPoint(parent);
  auto func = func::FuncOp::create(
      rewriter, loc, name,
      rewriter.getFunctionType(ValueRange(arguments).getTypes(), {}));
  // Internal and never inlined: func-to-llvm keeps these two discardable
  // attributes (and drops func.func's own `no_inline`).
  func.setPrivate();
  func->setAttr("llvm.linkage",
                LLVM::LinkageAttr::get(rewriter.getContext(),
                                       LLVM::linkage::Linkage::Internal));
  func->setAttr("passthrough",
                rewriter.getArrayAttr({rewriter.getStringAttr("noinline")}));
  symbols.insert(func);
  markNoAlias(func, unaliasedArguments(arguments, parent));

  Block *body = func.addEntryBlock();
  rewriter.setInsertionPointToStart(body);
  auto ret = func::ReturnOp::create(rewriter, loc);
  rewriter.setInsertionPoint(nest);
  auto call = func::CallOp::create(rewriter, loc, func, arguments);
  rewriter.moveOpBefore(nest, ret);
  auto inNest = [&](OpOperand &use) {
    return nest->isAncestor(use.getOwner());
  };
  for (auto [value, arg] : llvm::zip(arguments, body->getArguments()))
    rewriter.replaceUsesWithIf(value, arg, inNest);
  rewriter.setInsertionPointToStart(body);
  for (Value value : constants) {
    Operation *clone = rewriter.clone(*value.getDefiningOp());
    rewriter.replaceUsesWithIf(
        value, clone->getResult(cast<OpResult>(value).getResultNumber()),
        inNest);
  }
  return call;
}

/// A hash of `func`'s type, argument attributes and body that is equal for
/// structurally identical functions (names and locations aside).
static llvm::hash_code structuralHash(func::FuncOp func) {
  llvm::hash_code hash =
      llvm::hash_combine(func.getFunctionType(), func.getAllArgAttrs());
  func.getBody().walk([&](Operation *op) {
    hash =
        llvm::hash_combine(hash, OperationEquivalence::computeHash(
                                     op, OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::IgnoreLocations));
  });
  return hash;
}

void uniform::dedupeFunctions(ArrayRef<func::FuncOp> functions,
                              SymbolTable &symbols) {
  llvm::DenseMap<llvm::hash_code, SmallVector<func::FuncOp>> kept;
  llvm::DenseMap<StringAttr, FlatSymbolRefAttr> replacements;
  for (func::FuncOp func : functions) {
    SmallVector<func::FuncOp> &candidates = kept[structuralHash(func)];
    auto same = llvm::find_if(candidates, [&](func::FuncOp other) {
      return other.getFunctionType() == func.getFunctionType() &&
             other.getAllArgAttrs() == func.getAllArgAttrs() &&
             OperationEquivalence::isRegionEquivalentTo(
                 &other.getBody(), &func.getBody(),
                 OperationEquivalence::IgnoreLocations);
    });
    if (same == candidates.end()) {
      candidates.push_back(func);
      continue;
    }
    replacements[func.getSymNameAttr()] =
        FlatSymbolRefAttr::get(same->getSymNameAttr());
  }
  if (replacements.empty())
    return;
  symbols.getOp()->walk([&](func::CallOp call) {
    if (FlatSymbolRefAttr to =
            replacements.lookup(call.getCalleeAttr().getAttr()))
      call.setCalleeAttr(to);
  });
  for (func::FuncOp func : functions)
    if (replacements.contains(func.getSymNameAttr()))
      symbols.erase(func);
}

void uniform::applyNoAliasPointers(ModuleOp module) {
  module.walk([](LLVM::LLVMFuncOp func) {
    auto pointers =
        func->getAttrOfType<DenseI64ArrayAttr>(kNoAliasPointersAttr);
    if (!pointers)
      return;
    func->removeAttr(kNoAliasPointersAttr);
    for (int64_t position : pointers.asArrayRef())
      if (position < func.getNumArguments() &&
          isa<LLVM::LLVMPointerType>(func.getArgumentTypes()[position]))
        func.setArgAttr(position, LLVM::LLVMDialect::getNoAliasAttrName(),
                        UnitAttr::get(func.getContext()));
  });
}

namespace {
struct CpuOutlineLoopNests
    : uniform::impl::CpuOutlineLoopNestsBase<CpuOutlineLoopNests> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    IRRewriter rewriter(&getContext());
    SmallVector<func::FuncOp> outlined;
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>())) {
      if (func.isExternal() || !func.getBody().hasOneBlock())
        continue;
      SmallVector<Operation *> nests;
      for (Operation &op : func.getBody().front())
        if (isa<LoopLikeOpInterface>(op) && op.getNumResults() == 0)
          nests.push_back(&op);
      for (auto [index, nest] : llvm::enumerate(nests)) {
        std::string name =
            (func.getSymName() + "_nest" + llvm::Twine(index)).str();
        FailureOr<func::CallOp> call =
            uniform::outlineLoopNest(rewriter, nest, name, symbols);
        if (failed(call))
          continue;
        outlined.push_back(symbols.lookup<func::FuncOp>(call->getCallee()));
      }
    }
    if (dedupe)
      uniform::dedupeFunctions(outlined, symbols);
  }
};
} // namespace

namespace {
struct ApplyNoAliasPointers
    : uniform::impl::ApplyNoAliasPointersBase<ApplyNoAliasPointers> {
  void runOnOperation() override {
    uniform::applyNoAliasPointers(getOperation());
  }
};
} // namespace
