//===- uniform-compile.cpp - Ahead-of-time shared libraries ---------------===//
//
//   uniform-compile model.{mlir,onnx} -o libNAME.so [--target=cpu|cuda]
//       [--chip=sm_87] [--precision=f16] [--host-triple=aarch64-linux-gnu]
//       [--host-cpu=CPU]
//
// Imports an ONNX model (or reads graph-level MLIR), runs
// uniform-cpu-pipeline or uniform-gpu-pipeline on it,
// compiles the host code with LLVM for the host triple, and links a shared
// library with the system's (cross) C++ driver: for --target=cuda the kernels
// are embedded as a fatbin (cubin for --chip plus PTX) and our CUDA runtime
// is compiled in, so the library needs nothing beyond libc, libm, libstdc++,
// libgcc_s and, at run time, libcuda. `libNAME.h` beside it declares the
// entry points with their memref descriptors. Outputs appear only when
// everything succeeded.
//
//===----------------------------------------------------------------------===//

#include "uniform/InitAll.h"
#include "uniform/Pipelines/Pipelines.h"
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
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
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

#include <optional>
#include <string>

using namespace mlir;
namespace cl = llvm::cl;

/// The options --help lists: the tool's own (LLVM's backend flags are
/// hidden; --help-hidden shows them).
static cl::OptionCategory toolOptions("uniform-compile options");

static cl::opt<std::string> inputFilename(cl::cat(toolOptions), cl::Positional,
                                          cl::desc("<graph-level .mlir>"),
                                          cl::Required);
static cl::opt<std::string> outputFilename(cl::cat(toolOptions), "o",
                                           cl::desc("Output libNAME.so"),
                                           cl::value_desc("file"),
                                           cl::Required);
static cl::opt<std::string>
    targetKind(cl::cat(toolOptions), "target",
               cl::desc("Where the model runs: cpu or cuda"), cl::init("cpu"));
static cl::opt<std::string>
    chip(cl::cat(toolOptions), "chip",
         cl::desc("GPU for --target=cuda (sm_87: Jetson Orin)"),
         cl::init("sm_87"));
static cl::opt<std::string>
    hostTriple(cl::cat(toolOptions), "host-triple",
               cl::desc("Triple of the host code (default: this machine; "
                        "aarch64-linux-gnu for Jetson)"),
               cl::init(""));
static cl::opt<std::string>
    hostCpu(cl::cat(toolOptions), "host-cpu",
            cl::desc("CPU the host code is tuned for (default: generic)"),
            cl::init("generic"));
static cl::opt<std::string>
    compilerDriver(cl::cat(toolOptions), "cxx",
                   cl::desc("C++ driver that links the library (default: "
                            "g++, or TRIPLE-g++ for another triple)"),
                   cl::init(""));
static cl::opt<uniform::AttentionPrecision>
    precision(cl::cat(toolOptions), "precision",
              cl::desc("Attention math for --target=cuda"),
              cl::init(uniform::AttentionPrecision::Auto),
              cl::values(clEnumValN(uniform::AttentionPrecision::Auto, "auto",
                                    "f16 on sm_80 and newer (default)"),
                         clEnumValN(uniform::AttentionPrecision::F16, "f16",
                                    "fused tensor-core kernels"),
                         clEnumValN(uniform::AttentionPrecision::F32, "f32",
                                    "SIMT kernels")));
static cl::opt<std::string> ptxIsa(
    cl::cat(toolOptions), "ptx-isa",
    cl::desc("For --target=cuda: the PTX ISA version of the embedded PTX "
             "(default 8.0). A driver JIT-compiles PTX only up to its own "
             "CUDA version's ISA"),
    cl::value_desc("X.Y"), cl::init(""));
static cl::opt<unsigned> jetpack(
    cl::cat(toolOptions), "jetpack",
    cl::desc("For --target=cuda: PTX that the drivers of JetPack 5 (CUDA "
             "11.4, PTX ISA 7.4) or JetPack 6 (CUDA 12.2, PTX ISA 8.2) can "
             "JIT-compile; the same as that --ptx-isa"),
    cl::value_desc("5|6"), cl::init(0));
static cl::opt<std::string>
    toolkit(cl::cat(toolOptions), "toolkit",
            cl::desc("CUDA toolkit for libdevice and ptxas (see "
                     "uniform-gpu-pipeline)"),
            cl::init(""));
static cl::list<std::string> onnxInputShapes(
    cl::cat(toolOptions), "onnx-input-shape",
    cl::desc("For an .onnx input: give a graph input a static shape, as "
             "NAME=DxDx... (repeatable; for dynamic-batch exports)"),
    cl::value_desc("NAME=DxDx..."));

static int fail(const llvm::Twine &message) {
  llvm::errs() << "uniform-compile: error: " << message << "\n";
  return 1;
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
                                 const uniform::GpuPipelineOptions *gpu) {
  std::string info;
  llvm::raw_string_ostream os(info);
  os << "uniform " << uniform::getUniformVersion() << "; LLVM "
     << uniform::getLLVMVersion() << "; input "
     << llvm::sys::path::filename(input) << "; target "
     << (gpu ? "cuda" : "cpu") << "; host " << triple.str() << " ("
     << (hostCpu.empty() ? "generic" : hostCpu.getValue()) << ")";
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
              : "")
     << "#ifdef __cplusplus\n}\n#endif\n\n#endif /* " << guard << " */\n";
  return success();
}

/// The GPU pipeline's PTX feature ("+ptx74") for --ptx-isa or --jetpack on
/// `chip`, std::nullopt for the pipeline's default, or an error message.
static llvm::Expected<std::optional<std::string>>
ptxFeature(llvm::StringRef chip) {
  auto error = [](const llvm::Twine &message) {
    return llvm::createStringError(message);
  };
  std::string isa = ptxIsa;
  if (jetpack.getNumOccurrences()) {
    const char *implied = jetpack == 5 ? "7.4" : jetpack == 6 ? "8.2" : "";
    if (!*implied)
      return error("--jetpack=" + llvm::Twine(jetpack.getValue()) +
                   " is not supported (5: CUDA 11.4, 6: CUDA 12.2)");
    if (!isa.empty() && isa != implied)
      return error("--jetpack=" + llvm::Twine(jetpack.getValue()) +
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
    if (chip == name && major * 10 + minor < first)
      return error("PTX ISA " + isa + " cannot target " + chip + " (it needs " +
                   llvm::Twine(first / 10) + "." + llvm::Twine(first % 10) +
                   " or newer)");
  return std::optional<std::string>("+ptx" + std::to_string(major) +
                                    std::to_string(minor));
}

/// Finds the CUDA runtime's source: installed beside the tool or in the
/// source tree this tool was built from.
static std::optional<std::string> findRuntimeSource(const char *argv0) {
  std::string exe = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&findRuntimeSource));
  llvm::SmallString<256> installed(
      llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
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

static int run(llvm::StringRef program, llvm::ArrayRef<llvm::StringRef> args) {
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(program, args, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0) {
    std::string command;
    for (llvm::StringRef a : args)
      command += a.str() + " ";
    return fail("command failed (" +
                (message.empty() ? "exit " + std::to_string(rc) : message) +
                "): " + command);
  }
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  uniform::registerVersionPrinter("uniform-compile");
  // uniform-opt's pass-manager options (--mlir-pass-pipeline-crash-
  // reproducer, --mlir-timing, ...) apply to the lowering; --help lists
  // only the tool's own options.
  registerPassManagerCLOptions();
  registerMLIRContextCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(
      argc, argv,
      "uniform-compile: graph-level MLIR to a self-contained shared library\n"
      "\nuniform-opt's pass-manager options apply to the lowering too, e.g.\n"
      "--mlir-pass-pipeline-crash-reproducer=FILE (a .mlir reproducer of a\n"
      "failing pass) and --mlir-timing.\n");
  llvm::InitializeAllTargetInfos();
  llvm::InitializeAllTargets();
  llvm::InitializeAllTargetMCs();
  llvm::InitializeAllAsmPrinters();

  bool cuda = targetKind == "cuda";
  if (!cuda && targetKind != "cpu")
    return fail("unknown --target '" + targetKind + "' (expected cpu or cuda)");
  if (!cuda && (ptxIsa.getNumOccurrences() || jetpack.getNumOccurrences()))
    return fail("--ptx-isa and --jetpack need --target=cuda");
  llvm::StringRef outName = llvm::sys::path::filename(outputFilename);
  if (!outName.starts_with("lib") || !outName.ends_with(".so"))
    return fail("the output must be named libNAME.so, got '" + outputFilename +
                "'");
  llvm::StringRef libName = outName.drop_back(3);
  llvm::SmallString<256> headerPath(outputFilename);
  llvm::sys::path::replace_extension(headerPath, "h");
  // Both outputs start as temporaries next to their paths (a bad path fails
  // now) and appear only when everything succeeded.
  std::string outputError;
  std::unique_ptr<uniform::OutputFile> libOut =
      uniform::OutputFile::create(outputFilename, outputError);
  if (!libOut)
    return fail(outputError);
  std::unique_ptr<uniform::OutputFile> headerOut =
      uniform::OutputFile::create(headerPath, outputError);
  if (!headerOut)
    return fail(outputError);

  // The host: triple, target machine, and the driver that links.
  llvm::Triple native(llvm::sys::getDefaultTargetTriple());
  llvm::Triple triple(hostTriple.empty() ? native.str()
                                         : llvm::Triple::normalize(hostTriple));
  bool cross = triple.getArch() != native.getArch();
  std::string error;
  const llvm::Target *llvmTarget =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!llvmTarget)
    return fail("unsupported --host-triple '" + triple.str() + "': " + error);
  std::unique_ptr<llvm::TargetMachine> tm(llvmTarget->createTargetMachine(
      triple, hostCpu, "", llvm::TargetOptions(), llvm::Reloc::PIC_));
  if (!tm)
    return fail("cannot create a target machine for " + triple.str());
  std::string driverName = compilerDriver;
  if (driverName.empty())
    driverName = cross ? (triple.getArchName() + "-linux-gnu-g++").str()
                       : std::string("g++");
  llvm::ErrorOr<std::string> driver = llvm::sys::findProgramByName(driverName);
  if (driver && !llvm::sys::fs::can_execute(*driver))
    driver = std::make_error_code(std::errc::no_such_file_or_directory);
  if (!driver)
    return fail(
        "cannot find the C++ driver '" + driverName +
        "' that links the library" +
        (cross ? " (install g++-" + triple.getArchName().str() + "-linux-gnu)"
               : std::string()));

  // --mlir-timing reports every phase: parsing or import, each pass of the
  // lowering, and LLVM's optimization, code generation and link.
  DefaultTimingManager timing;
  applyDefaultTimingManagerCLOptions(timing);
  TimingScope rootTimer = timing.getRootScope();
  TimingScope parseTimer = rootTimer.nest("Parse or import");

  // Parse and lower.
  DialectRegistry registry;
  uniform::registerAllDialects(registry);
  MLIRContext context(registry);
  llvm::SourceMgr sourceMgr;
  std::string openError;
  auto file = openInputFile(inputFilename, &openError);
  if (!file)
    return fail(openError);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module;
  if (llvm::StringRef(inputFilename).ends_with(".onnx")) {
    // ONNX models go through the same importer as uniform-translate, which
    // reports errors at the offending node.
    uniform::ImportONNXOptions importOptions;
    for (const std::string &spec : onnxInputShapes) {
      std::string error;
      auto &[name, shape] = importOptions.inputShapes.emplace_back();
      if (failed(uniform::parseONNXInputShape(spec, name, shape, error)))
        return fail("--onnx-input-shape: " + error);
    }
    auto imported = uniform::importONNX(
        sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer(),
        FileLineColLoc::get(&context, inputFilename, 0, 0), importOptions);
    if (failed(imported))
      return 1;
    module = std::move(*imported);
  } else {
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return 1;
  }

  parseTimer.stop();

  std::string header;
  {
    llvm::raw_string_ostream hs(header);
    if (failed(writeHeader(*module, libName, cuda, hs)))
      return 1;
  }
  std::string entryPoints = describeEntryPoints(*module);

  PassManager pm(&context);
  uniform::GpuPipelineOptions options;
  if (cuda) {
    options.chip = chip;
    options.format = uniform::GpuBinaryFormat::Fatbin;
    options.toolkit = toolkit;
    options.precision = precision;
    llvm::Expected<std::optional<std::string>> feature = ptxFeature(chip);
    if (!feature)
      return fail(llvm::toString(feature.takeError()));
    if (*feature)
      options.features = **feature;
    if (failed(uniform::verifyGpuPipelineOptions(
            options, [](const llvm::Twine &msg) { fail(msg); })))
      return 1;
    uniform::buildGpuPipeline(pm, options);
  } else {
    uniform::buildCpuPipeline(pm, uniform::CpuPipelineOptions());
  }
  TimingScope loweringTimer = rootTimer.nest("Lowering");
  pm.enableTiming(loweringTimer);
  if (failed(applyPassManagerCLOptions(pm)) || failed(pm.run(*module)))
    return 1;
  loweringTimer.stop();

  // Host code (and, for CUDA, the embedded kernels) to an object file.
  TimingScope llvmOptTimer = rootTimer.nest("LLVM IR and optimization");
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext, libName);
  if (!llvmModule)
    return fail("cannot translate the lowered module to LLVM IR");
  llvmModule->setTargetTriple(triple);
  llvmModule->setDataLayout(tm->createDataLayout());
  addBuildInfo(*llvmModule, buildInfoSymbol(libName),
               describeBuild(inputFilename, triple, cuda ? &options : nullptr));
  addBuildInfo(*llvmModule, uniform::getLibrarySymbol(libName, "entry_points"),
               entryPoints);
  for (llvm::StringRef line : llvm::split(entryPoints, '\n'))
    if (!line.empty())
      addPackedWrapper(*llvmModule, line.split('\t').first);
  if (cuda)
    addLibraryTarget(*llvmModule, options);
  if (llvm::Error err =
          makeOptimizingTransformer(3, 0, tm.get())(llvmModule.get()))
    return fail("LLVM optimization failed: " + toString(std::move(err)));
  llvmOptTimer.stop();

  llvm::SmallString<128> workDir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("uniform-compile", workDir))
    return fail("cannot create a temporary directory: " + ec.message());
  llvm::scope_exit cleanup([&] { llvm::sys::fs::remove_directories(workDir); });
  llvm::SmallString<128> objectPath(workDir);
  llvm::sys::path::append(objectPath, "model.o");
  {
    TimingScope codegenTimer = rootTimer.nest("LLVM code generation");
    std::error_code ec;
    llvm::raw_fd_ostream os(objectPath, ec);
    if (ec)
      return fail("cannot write " + objectPath + ": " + ec.message());
    llvm::legacy::PassManager codegen;
    if (tm->addPassesToEmitFile(codegen, os, nullptr,
                                llvm::CodeGenFileType::ObjectFile))
      return fail("the target cannot emit object files");
    codegen.run(*llvmModule);
  }

  // Link, into a temporary name first.
  TimingScope linkTimer = rootTimer.nest("Link");
  llvm::SmallString<128> tmpLib(workDir);
  llvm::sys::path::append(tmpLib, outName);
  std::string soname = "-Wl,-soname," + outName.str();
  llvm::SmallVector<std::string> linkArgs = {
      *driver, "-shared", "-o", std::string(tmpLib), std::string(objectPath)};
  if (cuda) {
    std::optional<std::string> runtime = findRuntimeSource(argv[0]);
    if (!runtime)
      return fail("cannot find the CUDA runtime's source (CudaRuntime.cpp)");
    llvm::SmallString<128> runtimeObject(workDir);
    llvm::sys::path::append(runtimeObject, "runtime.o");
    llvm::SmallString<256> include(UNIFORM_SOURCE_DIR);
    llvm::sys::path::append(include, "include");
    llvm::SmallString<256> installedInclude(llvm::sys::path::parent_path(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(
            llvm::sys::path::parent_path(*runtime)))));
    llvm::sys::path::append(installedInclude, "include");
    std::vector<std::string> compileArgs = {*driver,
                                            "-c",
                                            "-fPIC",
                                            "-O2",
                                            "-std=c++17",
                                            ("-I" + include).str(),
                                            ("-I" + installedInclude).str(),
                                            *runtime,
                                            "-o",
                                            std::string(runtimeObject)};
    llvm::SmallVector<llvm::StringRef> compile(compileArgs.begin(),
                                               compileArgs.end());
    if (int rc = run(*driver, compile))
      return rc;
    linkArgs.push_back(std::string(runtimeObject));
    linkArgs.push_back("-ldl");
  }
  linkArgs.append({"-lm", "-Wl,--no-undefined", soname});
  llvm::SmallVector<llvm::StringRef> linkRefs(linkArgs.begin(), linkArgs.end());
  if (int rc = run(*driver, linkRefs))
    return rc;
  linkTimer.stop();

  // Only now the outputs appear: the library first, so that a header never
  // describes a library that is not there.
  auto libBytes = llvm::MemoryBuffer::getFile(tmpLib);
  if (!libBytes)
    return fail("cannot read " + tmpLib + ": " + libBytes.getError().message());
  libOut->os() << (*libBytes)->getBuffer();
  headerOut->os() << header;
  if (failed(libOut->setPermissions(llvm::sys::fs::all_read |
                                        llvm::sys::fs::all_exe |
                                        llvm::sys::fs::owner_write,
                                    error)) ||
      failed(libOut->commit(error)) || failed(headerOut->commit(error)))
    return fail(error);
  return 0;
}
