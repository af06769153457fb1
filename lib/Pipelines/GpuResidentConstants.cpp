//===- GpuResidentConstants.cpp - Weights copied to the device once -------===//
//
// uniform-gpu-device-memory gives kernels a device copy of every constant
// global the host function reads: after gpu-to-llvm, an mgpuMemAlloc, an
// mgpuMemcpy from the global and an mgpuMemFree before each return, on every
// call. A model's weights then cross to the device at every inference (m0:
// 218 copies, 9.6 MB). This pass keeps each such copy for the module's
// lifetime instead: a null pointer global (the slot) per copy, and one call
// of uniformCudaDeviceConstant(slot, global, bytes), which copies on the first
// call and returns the slot's pointer on every later one; the module's
// destructor releases them. uniform-gpu-device-memory guarantees that no
// kernel writes such a copy (a written constant gets a per-call copy of it).
//
// It works on the LLVM dialect because nothing above it can say "a buffer
// that outlives the call": a memref.global holds no device pointer, no
// memref op makes a memref of one, and the gpu dialect's allocations end
// with the function. The runtime calls it rewrites are the ABI that
// gpu-to-llvm emits and that uniform's CUDA runtime and emulator define.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/Pass.h"

namespace uniform {
#define GEN_PASS_DEF_GPURESIDENTCONSTANTS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

namespace {
constexpr StringLiteral kAlloc = "mgpuMemAlloc", kCopy = "mgpuMemcpy",
                        kFree = "mgpuMemFree";
constexpr StringLiteral kKeep = "uniformCudaDeviceConstant",
                        kRelease = "uniformCudaReleaseDeviceConstant";
constexpr StringLiteral kSlotPrefix = "__uniform_device_constant";
constexpr StringLiteral kDestructor = "__uniform_release_device_constants";

bool isCallTo(Operation *op, StringRef callee) {
  auto call = dyn_cast<LLVM::CallOp>(op);
  return call && call.getCallee() == callee;
}

/// Whether `ptr` is the address of a constant global (or a GEP of it with
/// zero indices: the global's first element).
bool isConstantGlobal(Value ptr, SymbolTableCollection &symbols) {
  if (auto gep = ptr.getDefiningOp<LLVM::GEPOp>()) {
    if (!gep.getDynamicIndices().empty() ||
        llvm::any_of(gep.getRawConstantIndices(),
                     [](int32_t index) { return index != 0; }))
      return false;
    ptr = gep.getBase();
  }
  auto address = ptr.getDefiningOp<LLVM::AddressOfOp>();
  if (!address)
    return false;
  auto global = dyn_cast_or_null<LLVM::GlobalOp>(
      symbols.lookupNearestSymbolFrom(address, address.getGlobalNameAttr()));
  return global && global.getConstant();
}

/// A device copy of a constant global: its allocation, the copy into it,
/// and the frees. The copy's buffer is only read (kernel operands, the
/// source of other copies) after the copy, and freed.
struct ConstantCopy {
  LLVM::CallOp alloc, copy;
  SmallVector<Operation *> frees;
};

std::optional<ConstantCopy> matchConstantCopy(LLVM::CallOp copy,
                                              SymbolTableCollection &symbols,
                                              DominanceInfo &dominance) {
  if (copy.getCallee() != kCopy || copy.getNumOperands() != 4 ||
      !isConstantGlobal(copy.getOperand(1), symbols))
    return std::nullopt;
  auto alloc = copy.getOperand(0).getDefiningOp<LLVM::CallOp>();
  if (!alloc || alloc.getCallee() != kAlloc || alloc.getNumResults() != 1)
    return std::nullopt;
  ConstantCopy match{alloc, copy, {}};
  for (OpOperand &use : alloc.getResult().getUses()) {
    Operation *user = use.getOwner();
    if (user == copy.getOperation() && use.getOperandNumber() == 0)
      continue;
    if (isCallTo(user, kFree) && use.getOperandNumber() == 0) {
      match.frees.push_back(user);
      continue;
    }
    bool reads = isa<gpu::LaunchFuncOp>(user) ||
                 (isCallTo(user, kCopy) && use.getOperandNumber() == 1);
    if (!reads || !dominance.properlyDominates(copy.getOperation(), user))
      return std::nullopt;
  }
  return match;
}

/// The runtime function `name`, declared with `type` where missing.
LLVM::LLVMFuncOp getOrDeclare(OpBuilder &b, SymbolTable &table, StringRef name,
                              LLVM::LLVMFunctionType type) {
  if (auto fn = table.lookup<LLVM::LLVMFuncOp>(name))
    return fn;
  OpBuilder::InsertionGuard guard(b);
  auto module = cast<ModuleOp>(table.getOp());
  b.setInsertionPointToEnd(module.getBody());
  auto fn = LLVM::LLVMFuncOp::create(b, module.getLoc(), name, type);
  table.insert(fn);
  return fn;
}

/// A new slot: an internal, null pointer global.
LLVM::GlobalOp createSlot(OpBuilder &b, ModuleOp module, SymbolTable &table) {
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(module.getBody());
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  auto slot = LLVM::GlobalOp::create(
      b, module.getLoc(), ptr, /*isConstant=*/false, LLVM::Linkage::Internal,
      kSlotPrefix, /*value=*/Attribute(), /*alignment=*/8);
  table.insert(slot); // uniques the name
  Block *init = b.createBlock(&slot.getInitializerRegion());
  b.setInsertionPointToStart(init);
  LLVM::ReturnOp::create(b, module.getLoc(),
                         LLVM::ZeroOp::create(b, module.getLoc(), ptr));
  return slot;
}

/// Replaces `match` by a call of uniformCudaDeviceConstant on a new slot.
LLVM::GlobalOp keepResident(OpBuilder &b, ModuleOp module, SymbolTable &table,
                            ConstantCopy match) {
  auto ptr = LLVM::LLVMPointerType::get(b.getContext());
  Value size = match.copy.getOperand(2);
  LLVM::LLVMFuncOp keep = getOrDeclare(
      b, table, kKeep,
      LLVM::LLVMFunctionType::get(ptr, {ptr, ptr, size.getType()}));
  LLVM::GlobalOp slot = createSlot(b, module, table);
  Location loc = match.copy.getLoc();
  b.setInsertionPoint(match.copy);
  Value slotAddress = LLVM::AddressOfOp::create(b, loc, slot);
  auto call = LLVM::CallOp::create(
      b, loc, keep, ValueRange{slotAddress, match.copy.getOperand(1), size});
  for (Operation *free : match.frees)
    free->erase();
  match.copy->erase();
  match.alloc.getResult().replaceAllUsesWith(call.getResult());
  match.alloc->erase();
  return slot;
}

/// A destructor of `module` that releases every slot, registered in its
/// llvm.mlir.global_dtors.
void releaseAtDestruction(OpBuilder &b, ModuleOp module, SymbolTable &table,
                          ArrayRef<LLVM::GlobalOp> slots) {
  MLIRContext *ctx = b.getContext();
  Location loc = module.getLoc();
  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto voidType = LLVM::LLVMVoidType::get(ctx);
  LLVM::LLVMFuncOp release = getOrDeclare(
      b, table, kRelease, LLVM::LLVMFunctionType::get(voidType, {ptr}));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToEnd(module.getBody());
  auto destructor = LLVM::LLVMFuncOp::create(
      b, loc, kDestructor, LLVM::LLVMFunctionType::get(voidType, {}),
      LLVM::Linkage::Internal);
  table.insert(destructor); // uniques the name
  b.setInsertionPointToStart(destructor.addEntryBlock(b));
  for (LLVM::GlobalOp slot : slots)
    LLVM::CallOp::create(b, loc, release,
                         ValueRange{LLVM::AddressOfOp::create(b, loc, slot)});
  LLVM::ReturnOp::create(b, loc, ValueRange());
  // Appended to the module's destructors, if it has some.
  SmallVector<Attribute> dtors, priorities, data;
  auto existing = module.getOps<LLVM::GlobalDtorsOp>();
  if (!existing.empty()) {
    LLVM::GlobalDtorsOp old = *existing.begin();
    llvm::append_range(dtors, old.getDtors());
    llvm::append_range(priorities, old.getPriorities());
    llvm::append_range(data, old.getData());
    old->erase();
  }
  dtors.push_back(FlatSymbolRefAttr::get(destructor.getSymNameAttr()));
  priorities.push_back(b.getI32IntegerAttr(65535));
  data.push_back(LLVM::ZeroAttr::get(ctx));
  b.setInsertionPointToEnd(module.getBody());
  LLVM::GlobalDtorsOp::create(b, loc, b.getArrayAttr(dtors),
                              b.getArrayAttr(priorities), b.getArrayAttr(data));
}

struct GpuResidentConstantsPass
    : public uniform::impl::GpuResidentConstantsBase<GpuResidentConstantsPass> {
  void runOnOperation() override {
    (void)uniform::keepConstantCopiesResident(getOperation());
  }
};
} // namespace

int64_t uniform::keepConstantCopiesResident(ModuleOp module) {
  SymbolTableCollection symbols;
  DominanceInfo dominance(module);
  SmallVector<ConstantCopy> matches;
  module.walk([&](LLVM::CallOp call) {
    if (std::optional<ConstantCopy> match =
            matchConstantCopy(call, symbols, dominance))
      matches.push_back(*match);
  });
  if (matches.empty())
    return 0;
  OpBuilder b(module.getContext());
  SymbolTable table(module);
  SmallVector<LLVM::GlobalOp> slots;
  for (const ConstantCopy &match : matches)
    slots.push_back(keepResident(b, module, table, match));
  releaseAtDestruction(b, module, table, slots);
  return static_cast<int64_t>(slots.size());
}
