//===- CompileLibrary.cpp - Models to self-contained libraries ------------===//
//
// Implements include/uniform/Compiler/CompileLibrary.h: import or parse,
// write the C header, lower with a pipeline, translate to LLVM IR with the
// library's own symbols (build stamp, entry point list, packed wrappers),
// optimize, emit an object, and link it with the system's C++ driver.
//
//===----------------------------------------------------------------------===//

#include "uniform/Compiler/CompileLibrary.h"

#include "uniform/InitAll.h"
#include "uniform/Support/Diagnostics.h"
#include "uniform/Support/LibrarySymbols.h"
#include "uniform/Support/OutputFile.h"
#include "uniform/Support/Version.h"
#include "uniform/Target/ONNX/ImportONNX.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"
#include "mlir/Target/LLVMIR/Export.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Instructions.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"

#include <mutex>

using namespace mlir;
using namespace uniform;

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(message);
}

llvm::StringRef uniform::stringifyCompileTarget(CompileTarget target) {
  return target == CompileTarget::Cuda ? "cuda" : "cpu";
}

std::optional<CompileTarget>
uniform::symbolizeCompileTarget(llvm::StringRef name) {
  for (CompileTarget target : {CompileTarget::Cpu, CompileTarget::Cuda})
    if (name == stringifyCompileTarget(target))
      return target;
  return std::nullopt;
}

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
static std::string buildInfoSymbol(llvm::StringRef libName) {
  return uniform::getLibrarySymbol(libName, "build_info");
}

/// "NAME\tSIGNATURE\n" for every entry point (public function with a body)
/// of the graph-level `module`: what `NAME_entry_points()` returns, and
/// how uniform-run finds and checks a library's entries.
static std::string describeEntryPoints(ModuleOp module) {
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
static void addPackedWrapper(llvm::Module &module, llvm::StringRef name) {
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
/// and for CUDA the chip, PTX ISA, precision and toolkit.
static std::string describeBuild(llvm::StringRef input,
                                 const llvm::Triple &triple,
                                 llvm::StringRef hostCpu,
                                 const uniform::GpuPipelineOptions *gpu) {
  std::string info;
  llvm::raw_string_ostream os(info);
  os << "uniform " << uniform::getUniformVersion() << "; LLVM "
     << uniform::getLLVMVersion() << "; input "
     << llvm::sys::path::filename(input) << "; target "
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
        uniform::cudaToolkitVersion(uniform::findCudaToolkit(gpu->toolkit));
    os << "; chip " << gpu->chip.getValue() << "; PTX ISA " << isa
       << "; precision " << uniform::stringifyAttentionPrecision(gpu->precision)
       << "; CUDA toolkit " << cudaVersion.value_or("unknown");
  }
  return info;
}

/// Adds `const char *SYMBOL(void)` returning `info` to `module`.
static void addBuildInfo(llvm::Module &module, llvm::StringRef symbol,
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
static void addLibraryTarget(llvm::Module &module,
                             const uniform::GpuPipelineOptions &gpu) {
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
          uniform::cudaToolkitVersion(uniform::findCudaToolkit(gpu.toolkit))) {
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
static LogicalResult writeHeader(ModuleOp module, llvm::StringRef libName,
                                 bool cuda, llvm::raw_ostream &os) {
  std::string stamp = "/* What the library was built from and for: uniform's "
                      "and LLVM's\n   versions, the input, the target, and "
                      "for CUDA the chip, PTX ISA,\n   precision and "
                      "toolkit. */\nconst char *" +
                      buildInfoSymbol(libName) +
                      "(void);\n\n/* One line per entry point: its name, a "
                      "tab and its tensor signature. */\nconst char *" +
                      uniform::getLibrarySymbol(libName, "entry_points") +
                      "(void);\n\n";
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

namespace {
/// How one option is set from its text.
struct OptionParser {
  const char *name;
  llvm::Error (*set)(CompileOptions &, llvm::StringRef);
};
} // namespace

static llvm::Error setText(std::string &field, llvm::StringRef value) {
  field = value.str();
  return llvm::Error::success();
}

static const OptionParser optionParsers[] = {
    {"target",
     [](CompileOptions &o, llvm::StringRef v) -> llvm::Error {
       std::optional<CompileTarget> target = symbolizeCompileTarget(v);
       if (!target)
         return error("unknown --target '" + v + "' (expected cpu or cuda)");
       o.target = *target;
       return llvm::Error::success();
     }},
    {"chip",
     [](CompileOptions &o, llvm::StringRef v) { return setText(o.chip, v); }},
    {"host-triple", [](CompileOptions &o,
                       llvm::StringRef v) { return setText(o.hostTriple, v); }},
    {"host-cpu", [](CompileOptions &o,
                    llvm::StringRef v) { return setText(o.hostCpu, v); }},
    {"cxx",
     [](CompileOptions &o, llvm::StringRef v) { return setText(o.cxx, v); }},
    {"precision",
     [](CompileOptions &o, llvm::StringRef v) -> llvm::Error {
       for (AttentionPrecision precision :
            {AttentionPrecision::Auto, AttentionPrecision::F16,
             AttentionPrecision::F32}) {
         if (v != stringifyAttentionPrecision(precision))
           continue;
         o.precision = precision;
         return llvm::Error::success();
       }
       return error("unknown --precision '" + v +
                    "' (expected auto, f16 or f32)");
     }},
    {"ptx-isa",
     [](CompileOptions &o, llvm::StringRef v) { return setText(o.ptxIsa, v); }},
    {"jetpack",
     [](CompileOptions &o, llvm::StringRef v) -> llvm::Error {
       if (v.getAsInteger(10, o.jetpack))
         return error("--jetpack takes 5 or 6, got '" + v + "'");
       return llvm::Error::success();
     }},
    {"toolkit", [](CompileOptions &o,
                   llvm::StringRef v) { return setText(o.toolkit, v); }},
    {"onnx-input-shape",
     [](CompileOptions &o, llvm::StringRef v) -> llvm::Error {
       o.onnxInputShapes.push_back(v.str());
       return llvm::Error::success();
     }},
};

llvm::Error uniform::parseCompileOption(CompileOptions &options,
                                        llvm::StringRef option) {
  option = option.ltrim('-');
  auto [name, value] = option.split('=');
  for (const OptionParser &parser : optionParsers)
    if (name == parser.name)
      return parser.set(options, value);
  std::string known;
  for (const OptionParser &parser : optionParsers)
    known += (known.empty() ? "" : ", ") + std::string(parser.name);
  return error("unknown compile option '" + name + "' (expected " + known +
               ")");
}

llvm::Expected<std::optional<std::string>>
uniform::getPtxFeature(const CompileOptions &options) {
  std::string isa = options.ptxIsa;
  if (options.jetpack) {
    const char *implied = options.jetpack == 5   ? "7.4"
                          : options.jetpack == 6 ? "8.2"
                                                 : "";
    if (!*implied)
      return error("--jetpack=" + llvm::Twine(options.jetpack) +
                   " is not supported (5: CUDA 11.4, 6: CUDA 12.2)");
    if (!isa.empty() && isa != implied)
      return error("--jetpack=" + llvm::Twine(options.jetpack) +
                   " means --ptx-isa=" + implied + ", not " + isa);
    isa = implied;
  }
  if (isa.empty())
    return std::nullopt;
  auto [majorText, minorText] = llvm::StringRef(isa).split('.');
  unsigned major = 0, minor = 0;
  if (majorText.getAsInteger(10, major) || minorText.size() != 1 ||
      minorText.getAsInteger(10, minor) || major < 6 || major > 8)
    return error("--ptx-isa must be X.Y between 6.0 and 8.9, got '" + isa +
                 "'");
  // The first PTX ISA of each chip the pipeline targets.
  static const std::pair<const char *, unsigned> firstIsa[] = {
      {"sm_70", 60}, {"sm_75", 63}, {"sm_80", 70},
      {"sm_86", 71}, {"sm_87", 74}, {"sm_89", 78}};
  for (auto [name, first] : firstIsa)
    if (options.chip == name && major * 10 + minor < first)
      return error("PTX ISA " + isa + " cannot target " + options.chip +
                   " (it needs " + llvm::Twine(first / 10) + "." +
                   llvm::Twine(first % 10) + " or newer)");
  return std::optional<std::string>("+ptx" + std::to_string(major) +
                                    std::to_string(minor));
}

/// Finds the CUDA runtime's source: installed beside uniform's binaries
/// (PREFIX/share/uniform/runtime) or in the source tree it was built from.
static std::optional<std::string> findRuntimeSource() {
  llvm::SmallString<256> installed(
      llvm::sys::path::parent_path(getUniformBinaryDirectory()));
  llvm::sys::path::append(installed, "share", "uniform", "runtime",
                          "CudaRuntime.cpp");
  if (llvm::sys::fs::exists(installed))
    return std::string(installed);
  llvm::SmallString<256> source(UNIFORM_SOURCE_DIR);
  llvm::sys::path::append(source, "lib", "CudaRuntime", "CudaRuntime.cpp");
  if (llvm::sys::fs::exists(source))
    return std::string(source);
  return std::nullopt;
}

/// Runs `args` (args[0] is the program) and waits for it.
static llvm::Error runCommand(llvm::ArrayRef<std::string> args) {
  llvm::SmallVector<llvm::StringRef> refs(args.begin(), args.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(refs.front(), refs, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc == 0)
    return llvm::Error::success();
  std::string command;
  for (llvm::StringRef a : refs)
    command += a.str() + " ";
  return error("command failed (" +
               (message.empty() ? "exit " + std::to_string(rc) : message) +
               "): " + command);
}

namespace {
/// Where the library's code runs: its triple, a target machine for it, and
/// the C++ driver that links for it.
struct Host {
  llvm::Triple triple;
  std::unique_ptr<llvm::TargetMachine> machine;
  std::string driver;
};

/// One compilation: the options, the output's names, and the IR as it goes.
class LibraryCompiler {
public:
  LibraryCompiler(llvm::StringRef input, llvm::StringRef output,
                  const CompileOptions &options, TimingScope &timing)
      : input(input), output(output), options(options), timing(timing) {}
  llvm::Error run();

private:
  llvm::Error checkOptions();
  llvm::Error setUpHost();
  llvm::Error readInput();
  llvm::Error lower();
  llvm::Expected<std::unique_ptr<llvm::Module>>
  translate(llvm::LLVMContext &llvmContext);
  llvm::Error emitObject(llvm::Module &module, llvm::StringRef path);
  llvm::Error link(llvm::StringRef workDir, llvm::StringRef object,
                   llvm::StringRef library);
  llvm::Error diagnose(llvm::function_ref<LogicalResult()> fn) {
    return captureDiagnostics(*context, sourceMgr, fn);
  }

  llvm::StringRef input, output;
  const CompileOptions &options;
  TimingScope &timing;
  bool cuda = false;
  llvm::StringRef libName;
  Host host;
  GpuPipelineOptions gpu;
  std::unique_ptr<MLIRContext> context;
  llvm::SourceMgr sourceMgr;
  OwningOpRef<ModuleOp> module;
  std::string header, entryPoints;
};
} // namespace

llvm::Error LibraryCompiler::checkOptions() {
  cuda = options.target == CompileTarget::Cuda;
  if (!cuda && (!options.ptxIsa.empty() || options.jetpack))
    return error("--ptx-isa and --jetpack need --target=cuda");
  llvm::StringRef outName = llvm::sys::path::filename(output);
  if (!outName.starts_with("lib") || !outName.ends_with(".so"))
    return error("the output must be named libNAME.so, got '" + output + "'");
  libName = outName.drop_back(3);
  if (!cuda)
    return llvm::Error::success();
  gpu.chip = options.chip;
  gpu.format = GpuBinaryFormat::Fatbin;
  gpu.toolkit = options.toolkit;
  gpu.precision = options.precision;
  llvm::Expected<std::optional<std::string>> feature = getPtxFeature(options);
  if (!feature)
    return feature.takeError();
  if (*feature)
    gpu.features = **feature;
  std::string message;
  if (failed(verifyGpuPipelineOptions(
          gpu, [&](const llvm::Twine &msg) { message = msg.str(); })))
    return error(message);
  return llvm::Error::success();
}

/// The host: triple, target machine, and the driver that links.
llvm::Error LibraryCompiler::setUpHost() {
  static std::once_flag targetsInitialized;
  std::call_once(targetsInitialized, [] {
    llvm::InitializeAllTargetInfos();
    llvm::InitializeAllTargets();
    llvm::InitializeAllTargetMCs();
    llvm::InitializeAllAsmPrinters();
  });
  llvm::Triple native(llvm::sys::getDefaultTargetTriple());
  host.triple = llvm::Triple(options.hostTriple.empty()
                                 ? native.str()
                                 : llvm::Triple::normalize(options.hostTriple));
  bool cross = host.triple.getArch() != native.getArch();
  std::string message;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(host.triple, message);
  if (!target)
    return error("unsupported --host-triple '" + host.triple.str() +
                 "': " + message);
  host.machine.reset(target->createTargetMachine(host.triple, options.hostCpu,
                                                 "", llvm::TargetOptions(),
                                                 llvm::Reloc::PIC_));
  if (!host.machine)
    return error("cannot create a target machine for " + host.triple.str());
  std::string driverName = options.cxx;
  if (driverName.empty())
    driverName = cross ? (host.triple.getArchName() + "-linux-gnu-g++").str()
                       : std::string("g++");
  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName(driverName);
  if (driver && !llvm::sys::fs::can_execute(*driver))
    driver = std::make_error_code(std::errc::no_such_file_or_directory);
  if (!driver)
    return error("cannot find the C++ driver '" + driverName +
                 "' that links the library" +
                 (cross ? " (install g++-" + host.triple.getArchName().str() +
                              "-linux-gnu)"
                        : std::string()));
  host.driver = *driver;
  return llvm::Error::success();
}

/// Parses graph-level MLIR, or imports ONNX through the same importer as
/// uniform-translate (errors at the offending node).
llvm::Error LibraryCompiler::readInput() {
  TimingScope timer = timing.nest("Parse or import");
  DialectRegistry registry;
  registerAllDialects(registry);
  context = std::make_unique<MLIRContext>(registry);
  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(input, &message);
  if (!file)
    return error(message);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  if (!input.ends_with(".onnx"))
    return diagnose([&] {
      module = parseSourceFile<ModuleOp>(sourceMgr, context.get());
      return success(static_cast<bool>(module));
    });
  ImportONNXOptions importOptions;
  for (const std::string &spec : options.onnxInputShapes) {
    auto &[name, shape] = importOptions.inputShapes.emplace_back();
    if (failed(parseONNXInputShape(spec, name, shape, message)))
      return error("--onnx-input-shape: " + message);
  }
  return diagnose([&] {
    FailureOr<OwningOpRef<ModuleOp>> imported = importONNX(
        sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer(),
        FileLineColLoc::get(context.get(), input, 0, 0), importOptions);
    if (failed(imported))
      return failure();
    module = std::move(*imported);
    return success();
  });
}

/// Writes the header and the entry point list from the graph-level module,
/// then lowers it with the target's pipeline.
llvm::Error LibraryCompiler::lower() {
  if (llvm::Error err = diagnose([&] {
        llvm::raw_string_ostream os(header);
        return writeHeader(*module, libName, cuda, os);
      }))
    return err;
  entryPoints = describeEntryPoints(*module);
  PassManager pm(context.get());
  if (cuda)
    buildGpuPipeline(pm, gpu);
  else
    buildCpuPipeline(pm, CpuPipelineOptions());
  TimingScope timer = timing.nest("Lowering");
  pm.enableTiming(timer);
  return diagnose([&] {
    if (options.configurePassManager &&
        failed(options.configurePassManager(pm)))
      return failure();
    return pm.run(*module);
  });
}

/// The lowered module in LLVM IR, with the library's own symbols: its build
/// stamp, its entry point list and a packed wrapper per entry; optimized.
llvm::Expected<std::unique_ptr<llvm::Module>>
LibraryCompiler::translate(llvm::LLVMContext &llvmContext) {
  TimingScope timer = timing.nest("LLVM IR and optimization");
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, libName);
  if (!llvmModule)
    return error("cannot translate the lowered module to LLVM IR");
  llvmModule->setTargetTriple(host.triple);
  llvmModule->setDataLayout(host.machine->createDataLayout());
  addBuildInfo(*llvmModule, buildInfoSymbol(libName),
               describeBuild(input, host.triple, options.hostCpu,
                             cuda ? &gpu : nullptr));
  addBuildInfo(*llvmModule, getLibrarySymbol(libName, "entry_points"),
               entryPoints);
  for (llvm::StringRef line : llvm::split(entryPoints, '\n'))
    if (!line.empty())
      addPackedWrapper(*llvmModule, line.split('\t').first);
  if (cuda)
    addLibraryTarget(*llvmModule, gpu);
  if (llvm::Error err =
          makeOptimizingTransformer(3, 0, host.machine.get())(llvmModule.get()))
    return error("LLVM optimization failed: " + toString(std::move(err)));
  return llvmModule;
}

llvm::Error LibraryCompiler::emitObject(llvm::Module &llvmModule,
                                        llvm::StringRef path) {
  TimingScope timer = timing.nest("LLVM code generation");
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (ec)
    return error("cannot write " + path + ": " + ec.message());
  llvm::legacy::PassManager codegen;
  if (host.machine->addPassesToEmitFile(codegen, os, nullptr,
                                        llvm::CodeGenFileType::ObjectFile))
    return error("the target cannot emit object files");
  codegen.run(llvmModule);
  return llvm::Error::success();
}

/// Links `object` (and, for CUDA, the runtime compiled from its source)
/// into `library`.
llvm::Error LibraryCompiler::link(llvm::StringRef workDir,
                                  llvm::StringRef object,
                                  llvm::StringRef library) {
  TimingScope timer = timing.nest("Link");
  std::string soname = "-Wl,-soname," + llvm::sys::path::filename(output).str();
  std::vector<std::string> linkArgs = {host.driver, "-shared", "-o",
                                       library.str(), object.str()};
  if (cuda) {
    std::optional<std::string> runtime = findRuntimeSource();
    if (!runtime)
      return error("cannot find the CUDA runtime's source (CudaRuntime.cpp)");
    llvm::SmallString<128> runtimeObject(workDir);
    llvm::sys::path::append(runtimeObject, "runtime.o");
    llvm::SmallString<256> include(UNIFORM_SOURCE_DIR);
    llvm::sys::path::append(include, "include");
    // PREFIX/share/uniform/runtime/CudaRuntime.cpp: PREFIX/include.
    llvm::SmallString<256> installedInclude(llvm::sys::path::parent_path(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(
            llvm::sys::path::parent_path(*runtime)))));
    llvm::sys::path::append(installedInclude, "include");
    if (llvm::Error err =
            runCommand({host.driver, "-c", "-fPIC", "-O2", "-std=c++17",
                        ("-I" + include).str(), ("-I" + installedInclude).str(),
                        *runtime, "-o", std::string(runtimeObject)}))
      return err;
    linkArgs.push_back(std::string(runtimeObject));
    linkArgs.push_back("-ldl");
  }
  linkArgs.insert(linkArgs.end(), {"-lm", "-Wl,--no-undefined", soname});
  return runCommand(linkArgs);
}

llvm::Error LibraryCompiler::run() {
  if (llvm::Error err = checkOptions())
    return err;
  llvm::SmallString<256> headerPath(output);
  llvm::sys::path::replace_extension(headerPath, "h");
  // Both outputs start as temporaries next to their paths (a bad path fails
  // now) and appear only when everything succeeded.
  std::string message;
  std::unique_ptr<OutputFile> libOut = OutputFile::create(output, message);
  if (!libOut)
    return error(message);
  std::unique_ptr<OutputFile> headerOut =
      OutputFile::create(headerPath, message);
  if (!headerOut)
    return error(message);
  if (llvm::Error err = setUpHost())
    return err;
  if (llvm::Error err = readInput())
    return err;
  if (llvm::Error err = lower())
    return err;
  llvm::LLVMContext llvmContext;
  llvm::Expected<std::unique_ptr<llvm::Module>> llvmModule =
      translate(llvmContext);
  if (!llvmModule)
    return llvmModule.takeError();

  llvm::SmallString<128> workDir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("uniform-compile", workDir))
    return error("cannot create a temporary directory: " + ec.message());
  llvm::scope_exit cleanup([&] { llvm::sys::fs::remove_directories(workDir); });
  llvm::SmallString<128> objectPath(workDir), tmpLib(workDir);
  llvm::sys::path::append(objectPath, "model.o");
  llvm::sys::path::append(tmpLib, llvm::sys::path::filename(output));
  if (llvm::Error err = emitObject(**llvmModule, objectPath))
    return err;
  if (llvm::Error err = link(workDir, objectPath, tmpLib))
    return err;

  // Only now the outputs appear: the library first, so that a header never
  // describes a library that is not there.
  auto libBytes = llvm::MemoryBuffer::getFile(tmpLib);
  if (!libBytes)
    return error("cannot read " + tmpLib + ": " +
                 libBytes.getError().message());
  libOut->os() << (*libBytes)->getBuffer();
  headerOut->os() << header;
  if (failed(libOut->setPermissions(llvm::sys::fs::all_read |
                                        llvm::sys::fs::all_exe |
                                        llvm::sys::fs::owner_write,
                                    message)) ||
      failed(libOut->commit(message)) || failed(headerOut->commit(message)))
    return error(message);
  return llvm::Error::success();
}

llvm::Error uniform::compileLibrary(llvm::StringRef input,
                                    llvm::StringRef output,
                                    const CompileOptions &options,
                                    TimingScope *timing) {
  TimingScope none;
  return LibraryCompiler(input, output, options, timing ? *timing : none).run();
}
