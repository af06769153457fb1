//===- KernelCompiler.cpp - NVVM IR kernels compiled for the host ---------===//
//
// The rewrite, in order:
// 0. the NVPTX backend's own IR pass that changes memory accesses runs
//    first: the load/store vectorizer, which merges adjacent loads and
//    stores (an f32 pair into one 8-byte access) as ptxas will see them, so
//    that the access checks and the profile count the accesses the GPU
//    makes, not the scalarized ones of the optimized IR;
// 1. globals: every `addrspace(3)` object becomes a named host object (the
//    extern dynamic shared memory gets kMaxDynamicSharedBytes), and every
//    other global is recorded so that accesses to it pass the bounds check;
// 2. accesses: each load, store, atomic and memory intrinsic whose address
//    is not a local alloca first calls `__uemu_access(address, bytes, site)`;
// 3. intrinsics: each NVVM intrinsic call is lowered as Intrinsics.h says;
//    any other call to an external function is an error;
// 4. entry points: `__uemu_entry.NAME(void **params)` calls kernel NAME;
// 5. the module is retargeted to the host (triple, data layout, C calling
//    convention, no NVPTX attributes) and compiled by one process-wide
//    LLJIT, each module in its own JITDylib.
//
//===----------------------------------------------------------------------===//

#include "KernelCompiler.h"

#include "Intrinsics.h"
#include "Profile.h"

#include "llvm/Analysis/ValueTracking.h"
#include "llvm/Bitcode/BitcodeReader.h"
#include "llvm/ExecutionEngine/Orc/AbsoluteSymbols.h"
#include "llvm/ExecutionEngine/Orc/ExecutionUtils.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InlineAsm.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/ModuleSlotTracker.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Transforms/Vectorize/LoadStoreVectorizer.h"

#include <map>
#include <mutex>

using namespace uniform::emu;
using namespace llvm;

extern "C" void uniformEmuAccessHook(void *address, uint64_t size,
                                     uint32_t site);
extern "C" void uniformEmuBlockHook(uint32_t site);
extern "C" void uniformEmuCallHook(const Slot *args, Slot *results,
                                   uint32_t site);
namespace uniform::emu {
ThreadRegs *&currentRegsPointer();
} // namespace uniform::emu

KernelInfo *KernelModule::lookupKernel(StringRef name) const {
  for (const auto &kernel : kernels)
    if (kernel->name == name)
      return kernel.get();
  return nullptr;
}

namespace {
constexpr const char *kAccessHook = "__uemu_access";
constexpr const char *kCallHook = "__uemu_call";
constexpr const char *kBlockHook = "__uemu_block";
constexpr const char *kRegs = "__uemu_regs";
constexpr const char *kEntryPrefix = "__uemu_entry.";

Error failure(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

bool isKernel(const Function &f) {
  return f.getCallingConv() == CallingConv::PTX_Kernel;
}

/// The rewrite of one module; see the file comment.
class KernelRewriter {
public:
  KernelRewriter(Module &module, KernelModule &result)
      : m(module), result(result), slotTracker(&module) {}

  Error run(const DataLayout &hostLayout, StringRef hostTriple);

  /// The names of the module's host objects, in the order of result.shared
  /// followed by result.globals.
  std::vector<std::string> objectSymbols;
  /// The host functions that lowered calls use, by symbol.
  std::map<std::string, void *> hostFunctions;

private:
  void prepareGlobals();
  void countBlocks(Function &f);
  void instrumentAccesses(Function &f);
  void addAccessCheck(Instruction *before, Value *address, Value *bytes,
                      bool isWrite, Align align);
  Error lowerIntrinsics();
  Error lowerInlineAsm();
  void lowerCall(CallInst *call, const IntrinsicLowering &lowering);
  void lowerHandlerCall(CallInst *call, const IntrinsicLowering &lowering);
  AllocaInst *slotsFor(Function &f, unsigned count);
  void markSynchronizingKernels();
  void addEntryPoints();
  void retarget(const DataLayout &hostLayout, StringRef hostTriple);
  uint32_t addSite(Site site, const Instruction *inst);

  Module &m;
  KernelModule &result;
  ModuleSlotTracker slotTracker;
  DenseMap<Function *, AllocaInst *> slots;
  SmallPtrSet<Function *, 8> synchronizing; // functions with a sync call
};

uint32_t KernelRewriter::addSite(Site site, const Instruction *inst) {
  site.kernel = inst->getFunction()->getName().str();
  raw_string_ostream os(site.instruction);
  inst->print(os, slotTracker);
  StringRef trimmed = StringRef(site.instruction).trim();
  site.instruction = trimmed.str();
  result.sites.push_back(std::move(site));
  return static_cast<uint32_t>(result.sites.size() - 1);
}

/// Replaces the extern dynamic shared memory by a definition of the
/// per-block maximum.
static GlobalVariable *defineDynamicShared(Module &m, GlobalVariable &g) {
  Type *bytes =
      ArrayType::get(Type::getInt8Ty(m.getContext()), kMaxDynamicSharedBytes);
  auto *definition =
      new GlobalVariable(m, bytes, false, GlobalValue::ExternalLinkage,
                         ConstantAggregateZero::get(bytes), "", nullptr,
                         GlobalValue::NotThreadLocal, g.getAddressSpace());
  definition->takeName(&g);
  definition->setAlignment(Align(16));
  g.replaceAllUsesWith(definition);
  g.eraseFromParent();
  return definition;
}

void KernelRewriter::prepareGlobals() {
  auto isShared = [](const GlobalVariable &g) {
    return g.getAddressSpace() == static_cast<unsigned>(Space::Shared);
  };
  SmallPtrSet<GlobalVariable *, 2> dynamic;
  for (GlobalVariable &g : llvm::make_early_inc_range(m.globals()))
    if (isShared(g) && g.isDeclaration())
      dynamic.insert(defineDynamicShared(m, g));

  // Shared objects first, then the others, as the symbols are resolved.
  const DataLayout &layout = m.getDataLayout();
  unsigned index = 0;
  for (bool shared : {true, false}) {
    for (GlobalVariable &g : m.globals()) {
      if (isShared(g) != shared || g.isDeclaration() ||
          g.getName().starts_with("llvm."))
        continue;
      std::string original = g.getName().str();
      uint64_t size = layout.getTypeAllocSize(g.getValueType());
      std::string symbol = "__uemu_object." + std::to_string(index++);
      g.setName(symbol);
      g.setLinkage(GlobalValue::ExternalLinkage);
      g.setVisibility(GlobalValue::DefaultVisibility);
      g.setUnnamedAddr(GlobalValue::UnnamedAddr::None);
      if (shared) {
        if (g.getAlign().valueOrOne() < Align(16))
          g.setAlignment(Align(16));
        result.shared.push_back(
            {original, nullptr, size, dynamic.contains(&g)});
      } else {
        result.globals.push_back({original, nullptr, size, g.isConstant()});
      }
      objectSymbols.push_back(symbol);
    }
  }
}

void KernelRewriter::addAccessCheck(Instruction *before, Value *address,
                                    Value *bytes, bool isWrite, Align align) {
  if (isa<AllocaInst>(getUnderlyingObject(address, /*MaxLookup=*/0)))
    return;
  Site site;
  site.isAccess = true;
  site.isWrite = isWrite;
  site.align = align.value();
  site.space = static_cast<Space>(address->getType()->getPointerAddressSpace());
  if (auto *constant = dyn_cast<ConstantInt>(bytes))
    site.size = constant->getZExtValue();
  uint32_t id = addSite(std::move(site), before);
  IRBuilder<> b(before);
  LLVMContext &ctx = m.getContext();
  FunctionCallee hook = m.getOrInsertFunction(
      kAccessHook, Type::getVoidTy(ctx), PointerType::get(ctx, 0),
      Type::getInt64Ty(ctx), Type::getInt32Ty(ctx));
  Value *generic = b.CreateAddrSpaceCast(address, PointerType::get(ctx, 0));
  b.CreateCall(hook, {generic, b.CreateZExtOrTrunc(bytes, b.getInt64Ty()),
                      b.getInt32(id)});
}

void KernelRewriter::instrumentAccesses(Function &f) {
  const DataLayout &layout = m.getDataLayout();
  auto storeSize = [&](Type *type) -> Value * {
    return ConstantInt::get(Type::getInt64Ty(m.getContext()),
                            layout.getTypeStoreSize(type));
  };
  SmallVector<Instruction *> accesses;
  for (Instruction &inst : instructions(f))
    if (isa<LoadInst, StoreInst, AtomicRMWInst, AtomicCmpXchgInst,
            MemIntrinsic>(inst))
      accesses.push_back(&inst);
  for (Instruction *inst : accesses) {
    if (auto *load = dyn_cast<LoadInst>(inst))
      addAccessCheck(load, load->getPointerOperand(),
                     storeSize(load->getType()), false, load->getAlign());
    else if (auto *store = dyn_cast<StoreInst>(inst))
      addAccessCheck(store, store->getPointerOperand(),
                     storeSize(store->getValueOperand()->getType()), true,
                     store->getAlign());
    else if (auto *rmw = dyn_cast<AtomicRMWInst>(inst))
      addAccessCheck(rmw, rmw->getPointerOperand(),
                     storeSize(rmw->getValOperand()->getType()), true,
                     rmw->getAlign());
    else if (auto *cas = dyn_cast<AtomicCmpXchgInst>(inst))
      addAccessCheck(cas, cas->getPointerOperand(),
                     storeSize(cas->getNewValOperand()->getType()), true,
                     cas->getAlign());
    else if (auto *transfer = dyn_cast<MemTransferInst>(inst)) {
      addAccessCheck(transfer, transfer->getRawSource(), transfer->getLength(),
                     false, transfer->getSourceAlign().valueOrOne());
      addAccessCheck(transfer, transfer->getRawDest(), transfer->getLength(),
                     true, transfer->getDestAlign().valueOrOne());
    } else if (auto *set = dyn_cast<MemSetInst>(inst)) {
      addAccessCheck(set, set->getRawDest(), set->getLength(), true,
                     set->getDestAlign().valueOrOne());
    }
  }
}

void KernelRewriter::countBlocks(Function &f) {
  LLVMContext &ctx = m.getContext();
  FunctionCallee hook = m.getOrInsertFunction(kBlockHook, Type::getVoidTy(ctx),
                                              Type::getInt32Ty(ctx));
  for (BasicBlock &block : f) {
    Site site;
    for (Instruction &inst : block)
      ++site.classCounts[static_cast<unsigned>(classifyInstruction(inst))];
    Instruction *first = &*block.getFirstInsertionPt();
    uint32_t id = addSite(std::move(site), first);
    IRBuilder<>(first).CreateCall(
        hook, {ConstantInt::get(Type::getInt32Ty(ctx), id)});
  }
}

AllocaInst *KernelRewriter::slotsFor(Function &f, unsigned count) {
  LLVMContext &ctx = m.getContext();
  Type *slotType = FixedVectorType::get(Type::getInt8Ty(ctx), 16);
  AllocaInst *&alloca = slots[&f];
  auto *current = alloca ? cast<ConstantInt>(alloca->getArraySize()) : nullptr;
  if (current && current->getZExtValue() >= count)
    return alloca;
  IRBuilder<> b(&*f.getEntryBlock().getFirstInsertionPt());
  auto *grown = b.CreateAlloca(slotType, b.getInt32(count), "uemu.slots");
  grown->setAlignment(Align(16));
  if (alloca) {
    alloca->replaceAllUsesWith(grown);
    alloca->eraseFromParent();
  }
  alloca = grown;
  return alloca;
}

void KernelRewriter::lowerHandlerCall(CallInst *call,
                                      const IntrinsicLowering &lowering) {
  Function &f = *call->getFunction();
  Type *ret = call->getType();
  unsigned results = ret->isVoidTy()     ? 0
                     : ret->isStructTy() ? ret->getStructNumElements()
                                         : 1;
  unsigned arity = call->arg_size();
  AllocaInst *buffer = slotsFor(f, std::max(1u, arity + results));
  Site site;
  site.handler = lowering.handler;
  site.arity = arity;
  site.variant = lowering.variant;
  site.variant2 = lowering.variant2;
  site.counter = lowering.counter;
  uint32_t id = addSite(std::move(site), call);

  LLVMContext &ctx = m.getContext();
  IRBuilder<> b(call);
  Type *slotType = buffer->getAllocatedType();
  auto slot = [&](unsigned i) {
    return b.CreateConstGEP1_32(slotType, buffer, i);
  };
  for (unsigned i = 0; i < arity; ++i)
    b.CreateStore(call->getArgOperand(i), slot(i));
  FunctionCallee hook = m.getOrInsertFunction(
      kCallHook, Type::getVoidTy(ctx), PointerType::get(ctx, 0),
      PointerType::get(ctx, 0), Type::getInt32Ty(ctx));
  b.CreateCall(hook, {slot(0), slot(arity), b.getInt32(id)});
  Value *value = nullptr;
  if (auto *st = dyn_cast<StructType>(ret)) {
    value = PoisonValue::get(st);
    for (unsigned i = 0; i < results; ++i)
      value = b.CreateInsertValue(
          value, b.CreateLoad(st->getElementType(i), slot(arity + i)), i);
  } else if (results) {
    value = b.CreateLoad(ret, slot(arity));
  }
  if (value)
    call->replaceAllUsesWith(value);
  call->eraseFromParent();
  if (lowering.synchronizes)
    synchronizing.insert(&f);
}

void KernelRewriter::lowerCall(CallInst *call,
                               const IntrinsicLowering &lowering) {
  LLVMContext &ctx = m.getContext();
  switch (lowering.kind) {
  case IntrinsicLowering::Kind::ThreadRegister: {
    IRBuilder<> b(call);
    GlobalVariable *regs = m.getGlobalVariable(kRegs);
    if (!regs)
      regs = new GlobalVariable(m, PointerType::get(ctx, 0), false,
                                GlobalValue::ExternalLinkage, nullptr, kRegs);
    Value *base = b.CreateLoad(PointerType::get(ctx, 0), regs);
    Value *field = b.CreateConstGEP1_32(b.getInt32Ty(), base, lowering.field);
    call->replaceAllUsesWith(b.CreateLoad(b.getInt32Ty(), field));
    call->eraseFromParent();
    return;
  }
  case IntrinsicLowering::Kind::Constant:
    call->replaceAllUsesWith(ConstantInt::get(call->getType(), lowering.value));
    call->eraseFromParent();
    return;
  case IntrinsicLowering::Kind::HostFunction: {
    FunctionCallee host =
        m.getOrInsertFunction(lowering.symbol, call->getFunctionType());
    call->setCalledFunction(host);
    call->setAttributes(AttributeList());
    hostFunctions[lowering.symbol] = lowering.address;
    return;
  }
  case IntrinsicLowering::Kind::Handler:
    return lowerHandlerCall(call, lowering);
  }
}

Error KernelRewriter::lowerIntrinsics() {
  SmallVector<Function *> declarations;
  for (Function &f : m)
    if (f.isDeclaration() && !f.use_empty())
      declarations.push_back(&f);
  for (Function *callee : declarations) {
    StringRef name = callee->getName();
    if (name.starts_with("__uemu_"))
      continue; // the emulator's own hooks
    bool nvvm = name.starts_with("llvm.nvvm.");
    if (name.starts_with("llvm.") && !nvvm)
      continue; // target-independent: the host compiles it
    std::optional<IntrinsicLowering> lowering = lookupIntrinsic(name);
    if (!lowering)
      return failure(
          nvvm ? "the CUDA emulator does not implement the intrinsic '" + name +
                     "'"
               : "the kernel module calls the external function '" + name +
                     "', which the CUDA emulator cannot run");
    SmallVector<CallInst *> calls;
    for (User *user : callee->users())
      if (auto *call = dyn_cast<CallInst>(user);
          call && call->getCalledFunction() == callee)
        calls.push_back(call);
    if (calls.size() != callee->getNumUses())
      return failure("'" + name + "' is used other than by direct calls");
    for (CallInst *call : calls)
      lowerCall(call, *lowering);
  }
  return lowerInlineAsm();
}

/// PTX inline assembly (libdevice's) as the intrinsic it computes. The host
/// would read its constraints as its own ("f": an x87 register) and crash
/// in code generation; anything unknown is an error instead.
Error KernelRewriter::lowerInlineAsm() {
  SmallVector<CallInst *> calls;
  for (Function &f : m)
    for (Instruction &inst : instructions(f))
      if (auto *call = dyn_cast<CallInst>(&inst); call && call->isInlineAsm())
        calls.push_back(call);
  for (CallInst *call : calls) {
    StringRef text = cast<InlineAsm>(call->getCalledOperand())->getAsmString();
    StringRef name = intrinsicForInlineAsm(text);
    std::optional<IntrinsicLowering> lowering =
        name.empty() ? std::nullopt : lookupIntrinsic(name);
    if (!lowering || lowering->kind != IntrinsicLowering::Kind::HostFunction)
      return failure("the CUDA emulator does not implement the PTX inline "
                     "assembly '" +
                     text + "' in '" + call->getFunction()->getName() + "'");
    lowerCall(call, *lowering);
  }
  return Error::success();
}

void KernelRewriter::markSynchronizingKernels() {
  // A function synchronizes if it, or a function it calls, does.
  bool changed = true;
  while (changed) {
    changed = false;
    for (Function &f : m) {
      if (f.isDeclaration() || synchronizing.contains(&f))
        continue;
      for (Instruction &inst : instructions(f))
        if (auto *call = dyn_cast<CallBase>(&inst))
          if (Function *callee = call->getCalledFunction();
              callee && synchronizing.contains(callee)) {
            synchronizing.insert(&f);
            changed = true;
            break;
          }
    }
  }
}

void KernelRewriter::addEntryPoints() {
  LLVMContext &ctx = m.getContext();
  auto *ptr = PointerType::get(ctx, 0);
  for (Function &kernel : llvm::make_early_inc_range(m)) {
    if (!isKernel(kernel) || kernel.isDeclaration())
      continue;
    auto info = std::make_unique<KernelInfo>();
    info->name = kernel.getName().str();
    info->synchronizes = synchronizing.contains(&kernel);
    for (const SharedObject &object : result.shared)
      if (!object.dynamic)
        info->staticSharedBytes += object.size;
    result.kernels.push_back(std::move(info));

    auto *entry = Function::Create(
        FunctionType::get(Type::getVoidTy(ctx), {ptr}, false),
        GlobalValue::ExternalLinkage, kEntryPrefix + kernel.getName(), m);
    IRBuilder<> b(BasicBlock::Create(ctx, "entry", entry));
    SmallVector<Value *> args;
    for (Argument &arg : kernel.args()) {
      Value *slot = b.CreateConstGEP1_32(ptr, entry->getArg(0), arg.getArgNo());
      args.push_back(b.CreateLoad(arg.getType(), b.CreateLoad(ptr, slot)));
    }
    b.CreateCall(&kernel, args);
    b.CreateRetVoid();
  }
}

void KernelRewriter::retarget(const DataLayout &hostLayout,
                              StringRef hostTriple) {
  m.setTargetTriple(Triple(hostTriple));
  m.setDataLayout(hostLayout);
  if (NamedMDNode *annotations = m.getNamedMetadata("nvvm.annotations"))
    m.eraseNamedMetadata(annotations);
  for (Function &f : m) {
    if (f.getCallingConv() == CallingConv::PTX_Kernel ||
        f.getCallingConv() == CallingConv::PTX_Device)
      f.setCallingConv(CallingConv::C);
    // Calls to the hooks make these promises false.
    for (Attribute::AttrKind kind :
         {Attribute::Memory, Attribute::NoSync, Attribute::WillReturn,
          Attribute::NoFree, Attribute::NoCallback, Attribute::Speculatable})
      f.removeFnAttr(kind);
    f.removeFnAttr("target-cpu");
    f.removeFnAttr("target-features");
    for (Instruction &inst : instructions(f))
      if (auto *call = dyn_cast<CallBase>(&inst)) {
        call->setCallingConv(CallingConv::C);
        call->removeFnAttr(Attribute::Memory);
      }
  }
}

/// Runs the load/store vectorizer over `m`'s kernels, as NVPTX's
/// codegen does (NVPTXPassConfig::addIRPasses) before instruction
/// selection. Without a target machine the default TTI allows 128-bit
/// vectors, NVPTX's width for global and shared memory.
static void vectorizeMemoryAccesses(Module &m) {
  LoopAnalysisManager lam;
  FunctionAnalysisManager fam;
  CGSCCAnalysisManager cgam;
  ModuleAnalysisManager mam;
  PassBuilder pb;
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  FunctionPassManager fpm;
  fpm.addPass(LoadStoreVectorizerPass());
  for (Function &f : m)
    if (!f.isDeclaration())
      fpm.run(f, fam);
}

Error KernelRewriter::run(const DataLayout &hostLayout, StringRef hostTriple) {
  if (!m.getTargetTriple().isNVPTX())
    return failure("the kernel module's target is '" +
                   m.getTargetTriple().str() + "', not NVPTX");
  vectorizeMemoryAccesses(m);
  prepareGlobals();
  for (Function &f : m) {
    if (f.isDeclaration())
      continue;
    if (profilingEnabled())
      countBlocks(f);
    instrumentAccesses(f);
  }
  if (Error err = lowerIntrinsics())
    return err;
  markSynchronizingKernels();
  addEntryPoints();
  if (result.kernels.empty())
    return failure("the kernel module defines no kernel");
  retarget(hostLayout, hostTriple);
  std::string message;
  raw_string_ostream os(message);
  if (verifyModule(m, &os))
    return failure("the rewritten kernel module is invalid: " + message);
  return Error::success();
}

/// The process-wide JIT that compiles every kernel module.
Expected<orc::LLJIT &> deviceJit() {
  // Never destroyed: kernels may run (and exit the process) until the end.
  static orc::LLJIT *jit = nullptr;
  static std::string error;
  static std::once_flag once;
  std::call_once(once, [] {
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
    auto builder = orc::JITTargetMachineBuilder::detectHost();
    if (!builder) {
      error = toString(builder.takeError());
      return;
    }
    builder->setCodeGenOptLevel(CodeGenOptLevel::Default);
    auto created =
        orc::LLJITBuilder().setJITTargetMachineBuilder(*builder).create();
    if (!created)
      error = toString(created.takeError());
    else
      jit = created->release();
  });
  if (!jit)
    return failure("cannot create the emulator's JIT: " + error);
  return *jit;
}

/// The symbols every kernel module resolves against the emulator.
orc::SymbolMap runtimeSymbols(orc::LLJIT &jit) {
  orc::SymbolMap symbols;
  auto add = [&](StringRef name, void *address) {
    symbols[jit.mangleAndIntern(name)] = {orc::ExecutorAddr::fromPtr(address),
                                          JITSymbolFlags::Exported};
  };
  add(kAccessHook, reinterpret_cast<void *>(&uniformEmuAccessHook));
  add(kCallHook, reinterpret_cast<void *>(&uniformEmuCallHook));
  add(kBlockHook, reinterpret_cast<void *>(&uniformEmuBlockHook));
  add(kRegs, reinterpret_cast<void *>(&currentRegsPointer()));
  return symbols;
}
} // namespace

Expected<std::unique_ptr<KernelModule>>
uniform::emu::compileKernelModule(StringRef image) {
  if (!image.starts_with("BC\xC0\xDE"))
    return failure("the kernel module is not LLVM bitcode: the CUDA "
                   "emulator runs modules compiled with "
                   "--uniform-gpu-pipeline=format=llvm");
  Expected<orc::LLJIT &> jit = deviceJit();
  if (!jit)
    return jit.takeError();
  auto context = std::make_unique<LLVMContext>();
  Expected<std::unique_ptr<Module>> module =
      parseBitcodeFile(MemoryBufferRef(image, "kernel module"), *context);
  if (!module)
    return failure("cannot read the kernel module's bitcode: " +
                   toString(module.takeError()));
  auto result = std::make_unique<KernelModule>();
  KernelRewriter rewriter(**module, *result);
  if (Error err =
          rewriter.run(jit->getDataLayout(), jit->getTargetTriple().str()))
    return std::move(err);

  static unsigned counter = 0;
  Expected<orc::JITDylib &> dylib =
      jit->createJITDylib("uemu.module." + std::to_string(counter++));
  if (!dylib)
    return dylib.takeError();
  // The hooks, the per-thread math, then the process (libm) for the rest.
  orc::SymbolMap symbols = runtimeSymbols(*jit);
  for (const auto &[name, address] : rewriter.hostFunctions)
    symbols[jit->mangleAndIntern(name)] = {orc::ExecutorAddr::fromPtr(address),
                                           JITSymbolFlags::Exported};
  if (Error err = dylib->define(orc::absoluteSymbols(std::move(symbols))))
    return std::move(err);
  auto process = orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(
      jit->getDataLayout().getGlobalPrefix());
  if (!process)
    return process.takeError();
  dylib->addGenerator(std::move(*process));
  result->dylib = &*dylib;
  if (Error err =
          jit->addIRModule(*dylib, orc::ThreadSafeModule(std::move(*module),
                                                         std::move(context))))
    return std::move(err);

  for (auto &kernel : result->kernels) {
    kernel->module = result.get();
    auto entry = jit->lookup(*dylib, kEntryPrefix + kernel->name);
    if (!entry)
      return entry.takeError();
    kernel->entry = entry->toPtr<void (*)(void **)>();
  }
  size_t next = 0;
  auto resolve = [&](char *&address) -> Error {
    auto symbol = jit->lookup(*dylib, rewriter.objectSymbols[next++]);
    if (!symbol)
      return symbol.takeError();
    address = symbol->toPtr<char *>();
    return Error::success();
  };
  for (SharedObject &object : result->shared)
    if (Error err = resolve(object.address))
      return std::move(err);
  for (DeviceGlobal &global : result->globals)
    if (Error err = resolve(global.address))
      return std::move(err);
  return result;
}
