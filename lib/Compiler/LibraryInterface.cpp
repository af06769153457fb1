//===- LibraryInterface.cpp - What a library shows of itself
//---------------===//
//
// The parts of a library from compileLibrary that callers see: the C header
// of its entry points, the NAME_entry_points() and NAME_build_info() stamps,
// the packed `_mlir_NAME` wrappers, and the CUDA target constants its
// runtime checks at load.
//
//===----------------------------------------------------------------------===//

#include "LibraryInterface.h"

#include "uniform/Support/LibrarySymbols.h"
#include "uniform/Support/Version.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace uniform;

/// C type of a tensor element, or nothing when the header cannot express it.
static std::optional<std::string> cElementType(Type type) {
  if (type.isF32())
    return std::string("float");
  if (type.isF64())
    return std::string("double");
  if (type.isF16() || type.isBF16())
    return std::string("uint16_t");
  if (auto integer = dyn_cast<IntegerType>(type)) {
    switch (integer.getWidth()) {
    case 1:
    case 8:
      return std::string("int8_t");
    case 16:
      return std::string("int16_t");
    case 32:
      return std::string("int32_t");
    case 64:
      return std::string("int64_t");
    default:
      break;
    }
  }
  return std::nullopt;
}

static std::string descriptorName(const std::string &element, int64_t rank) {
  std::string name = element;
  if (name.size() > 2 && llvm::StringRef(name).ends_with("_t"))
    name.resize(name.size() - 2);
  return "uniform_memref_" + name + "_" + std::to_string(rank) + "d";
}

/// The C name of the library's build stamp: NAME_build_info.
std::string compiler::buildInfoSymbol(llvm::StringRef libName) {
  return getLibrarySymbol(libName, "build_info");
}

/// "NAME\tSIGNATURE\n" for every entry point (public function with a body)
/// of the graph-level `module`: what `NAME_entry_points()` returns, and
/// how uniform-run finds and checks a library's entries.
std::string compiler::describeEntryPoints(ModuleOp module) {
  std::string list;
  llvm::raw_string_ostream os(list);
  for (auto func : module.getOps<func::FuncOp>())
    if (!func.isExternal() && func.isPublic())
      os << func.getName() << "\t" << func.getFunctionType() << "\n";
  return list;
}

/// Adds `void _mlir_NAME(void **args)` for the entry `name`: MLIR's
/// ExecutionEngine's packed convention (args[i] points to the i-th
/// argument of the lowered signature, the last to the result's storage),
/// through which uniform-run calls a library as it calls a module.
void compiler::addPackedWrapper(llvm::Module &module, llvm::StringRef name) {
  llvm::Function *entry = module.getFunction(name);
  if (!entry || entry->isDeclaration())
    return;
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Type *ptr = llvm::PointerType::get(ctx, 0);
  auto *wrapper = llvm::Function::Create(
      llvm::FunctionType::get(llvm::Type::getVoidTy(ctx), {ptr}, false),
      llvm::GlobalValue::ExternalLinkage, "_mlir_" + name, module);
  llvm::IRBuilder<> b(llvm::BasicBlock::Create(ctx, "entry", wrapper));
  llvm::Value *args = wrapper->getArg(0);
  auto slot = [&](unsigned index) {
    return b.CreateLoad(ptr, b.CreateConstGEP1_64(ptr, args, index));
  };
  llvm::SmallVector<llvm::Value *> operands;
  for (llvm::Argument &arg : entry->args())
    operands.push_back(b.CreateLoad(arg.getType(), slot(arg.getArgNo())));
  llvm::CallInst *call = b.CreateCall(entry, operands);
  if (!entry->getReturnType()->isVoidTy())
    b.CreateStore(call, slot(entry->arg_size()));
  b.CreateRetVoid();
}

/// What the library was built from and for, without paths or times (the
/// same input and options give the same library): uniform's and LLVM's
/// versions, the input's file name, the target, the host triple and CPU,
/// and for CUDA the chip, PTX ISA, precision and toolkit, and the
/// attention tiles when given.
std::string compiler::describeBuild(llvm::StringRef input,
                                    const llvm::Triple &triple,
                                    llvm::StringRef hostCpu,
                                    const GpuPipelineOptions *gpu) {
  std::string info;
  llvm::raw_string_ostream os(info);
  os << "uniform " << getUniformVersion() << "; LLVM " << getLLVMVersion()
     << "; input " << llvm::sys::path::filename(input) << "; target "
     << (gpu ? "cuda" : "cpu") << "; host " << triple.str() << " ("
     << (hostCpu.empty() ? "generic" : hostCpu) << ")";
  if (gpu) {
    // "+ptx80" is PTX ISA 8.0.
    llvm::StringRef ptx = gpu->features.getValue();
    ptx.consume_front("+ptx");
    std::string isa = ptx.size() >= 2
                          ? (ptx.drop_back() + "." + ptx.take_back()).str()
                          : ptx.str();
    std::optional<std::string> cudaVersion =
        cudaToolkitVersion(findCudaToolkit(gpu->toolkit));
    os << "; chip " << gpu->chip.getValue() << "; PTX ISA " << isa
       << "; precision " << stringifyAttentionPrecision(gpu->precision)
       << "; CUDA toolkit " << cudaVersion.value_or("unknown");
    if (!gpu->attentionTiles.empty())
      os << "; attention tiles " << gpu->attentionTiles.getValue();
    if (gpu->splitReductions)
      os << "; split reductions";
    if (!gpu->registerTileWindows)
      os << "; windows not register-tiled";
    if (gpu->matmulPrecision != MatmulPrecision::F32)
      os << "; matmul precision "
         << stringifyMatmulPrecision(gpu->matmulPrecision);
  }
  return info;
}

/// Adds `const char *SYMBOL(void)` returning `info` to `module`.
void compiler::addBuildInfo(llvm::Module &module, llvm::StringRef symbol,
                            llvm::StringRef info) {
  llvm::LLVMContext &ctx = module.getContext();
  llvm::Constant *text = llvm::ConstantDataArray::getString(ctx, info);
  auto *global = new llvm::GlobalVariable(
      module, text->getType(), /*isConstant=*/true,
      llvm::GlobalValue::PrivateLinkage, text, symbol + ".text");
  auto *fn = llvm::Function::Create(
      llvm::FunctionType::get(llvm::PointerType::get(ctx, 0), false),
      llvm::GlobalValue::ExternalLinkage, symbol, module);
  llvm::ReturnInst::Create(ctx, global,
                           llvm::BasicBlock::Create(ctx, "entry", fn));
}

/// Defines the hidden `uniform_library_*` constants through which the CUDA
/// runtime compiled into the library checks, at load, that the device and
/// driver can run it (uniform/Runtime/CudaCompatibility.h).
void compiler::addLibraryTarget(llvm::Module &module,
                                const GpuPipelineOptions &gpu) {
  auto number = [](llvm::StringRef text) {
    unsigned value = 0;
    text.take_while(llvm::isDigit).getAsInteger(10, value);
    return static_cast<int>(value);
  };
  llvm::StringRef chip = gpu.chip.getValue(), ptx = gpu.features.getValue();
  chip.consume_front("sm_");
  ptx.consume_front("+ptx");
  int cudaVersion = 0;
  if (std::optional<std::string> text =
          cudaToolkitVersion(findCudaToolkit(gpu.toolkit))) {
    auto [major, minor] = llvm::StringRef(*text).split('.');
    cudaVersion = number(major) * 1000 + number(minor) * 10;
  }
  llvm::Type *i32 = llvm::Type::getInt32Ty(module.getContext());
  for (auto [name, value] :
       {std::pair<const char *, int>{"uniform_library_chip", number(chip)},
        {"uniform_library_ptx_isa", number(ptx)},
        {"uniform_library_cuda_version", cudaVersion}}) {
    auto *global = new llvm::GlobalVariable(
        module, i32, /*isConstant=*/true, llvm::GlobalValue::ExternalLinkage,
        llvm::ConstantInt::get(i32, value), name);
    global->setVisibility(llvm::GlobalValue::HiddenVisibility);
  }
}

/// Writes the C header that declares every entry point's C interface.
LogicalResult compiler::writeHeader(ModuleOp module, llvm::StringRef libName,
                                    bool cuda, llvm::raw_ostream &os) {
  std::string stamp = "/* What the library was built from and for: uniform's "
                      "and LLVM's\n   versions, the input, the target, and "
                      "for CUDA the chip, PTX ISA,\n   precision and "
                      "toolkit. */\nconst char *" +
                      buildInfoSymbol(libName) +
                      "(void);\n\n/* One line per entry point: its name, a "
                      "tab and its tensor signature. */\nconst char *" +
                      getLibrarySymbol(libName, "entry_points") + "(void);\n\n";
  std::string guard = libName.upper() + "_H";
  for (char &c : guard)
    if (!llvm::isAlnum(c))
      c = '_';
  std::string decls, types;
  llvm::StringSet<> emitted;
  auto descriptor = [&](Type type, Location loc) -> std::optional<std::string> {
    auto tensor = dyn_cast<RankedTensorType>(type);
    std::optional<std::string> element =
        tensor ? cElementType(tensor.getElementType()) : std::nullopt;
    if (!element) {
      emitError(loc) << "uniform-compile: the C header cannot express " << type
                     << " (ranked tensors of float, f16, bf16 or integers "
                        "only)";
      return std::nullopt;
    }
    int64_t rank = tensor.getRank();
    std::string name = descriptorName(*element, rank);
    if (emitted.insert(name).second) {
      types += "typedef struct {\n  " + *element + " *allocated;\n  " +
               *element + " *aligned;\n  int64_t offset;\n";
      if (rank > 0)
        types += "  int64_t sizes[" + std::to_string(rank) +
                 "];\n  int64_t strides[" + std::to_string(rank) + "];\n";
      types += "} " + name + ";\n\n";
    }
    return name;
  };

  bool any = false;
  for (auto func : module.getOps<func::FuncOp>()) {
    if (func.isExternal() || !func.isPublic())
      continue;
    any = true;
    FunctionType type = func.getFunctionType();
    std::string comment = "/* " + func.getName().str() + ": ";
    llvm::raw_string_ostream cs(comment);
    cs << type << " */\n";
    std::string params;
    std::string resultDecl;
    if (type.getNumResults() == 1) {
      std::optional<std::string> r =
          descriptor(type.getResult(0), func.getLoc());
      if (!r)
        return failure();
      params += *r + " *result";
    } else if (type.getNumResults() > 1) {
      std::string structName = "uniform_" + func.getName().str() + "_results";
      resultDecl = "typedef struct {\n";
      for (auto [i, t] : llvm::enumerate(type.getResults())) {
        std::optional<std::string> r = descriptor(t, func.getLoc());
        if (!r)
          return failure();
        resultDecl += "  " + *r + " r" + std::to_string(i) + ";\n";
      }
      resultDecl += "} " + structName + ";\n\n";
      params += structName + " *results";
    }
    for (auto [i, t] : llvm::enumerate(type.getInputs())) {
      std::optional<std::string> a = descriptor(t, func.getLoc());
      if (!a)
        return failure();
      if (!params.empty())
        params += ", ";
      params += *a + " *arg" + std::to_string(i);
    }
    decls += resultDecl + comment + "void _mlir_ciface_" +
             func.getName().str() + "(" + params + ");\n\n";
  }
  if (!any)
    return emitError(module.getLoc(),
                     "uniform-compile: no public function with a body to "
                     "export");

  os << "/* " << libName << ".h: generated by uniform-compile. */\n"
     << "#ifndef " << guard << "\n#define " << guard << "\n\n"
     << "#include <stddef.h>\n#include <stdint.h>\n\n#ifdef "
        "__cplusplus\nextern \"C\" {\n#endif\n\n"
     << "/* Buffers are MLIR memref descriptors (C order: strides in "
        "elements). "
     << (cuda ? "With --target=cuda every buffer, argument or result, is "
                "device memory; results are allocated by the call and "
                "freed by the caller (cuMemFree). */\n\n"
              : "Results are allocated by the call (aligned_alloc) and "
                "freed by the caller with free(result.allocated). */\n\n")
     << types << decls << stamp
     << (cuda ? "/* From the CUDA runtime linked into the library: 1 when a "
                "device is usable,\n   else 0 with the reason in `message`. "
                "Call it before the entry points. */\n"
                "int uniformCudaInit(char *message, size_t size);\n\n"
                "/* Kernel times: from the enable call on, every launch is "
                "timed with CUDA\n   events; the print call waits for them "
                "and prints each kernel's total\n   to stdout. */\n"
                "void uniformCudaEnableKernelTiming(void);\n"
                "void uniformCudaPrintKernelTimes(void);\n\n"
              : "")
     << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return success();
}
