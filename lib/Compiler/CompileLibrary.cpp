//===- CompileLibrary.cpp - Models to self-contained libraries ------------===//
//
// Implements include/uniform/Compiler/CompileLibrary.h: import or parse,
// write the C header, lower with a pipeline, translate to LLVM IR with the
// library's own symbols (build stamp, entry point list, packed wrappers),
// optimize, emit an object, and link it with the system's C++ driver.
//
//===----------------------------------------------------------------------===//

#include "uniform/Compiler/CompileLibrary.h"

#include "LibraryInterface.h"

#include "uniform/InitAll.h"
#include "uniform/Support/Diagnostics.h"
#include "uniform/Support/LibrarySymbols.h"
#include "uniform/Support/OutputFile.h"
#include "uniform/Target/ONNX/ImportONNX.h"

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
#include "llvm/ADT/StringSwitch.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/MCSubtargetInfo.h"
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
using namespace uniform::compiler;

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

/// Sets `field` to the one of `values` that `stringify` spells `value`.
template <typename Enum>
static llvm::Error setEnum(Enum &field, llvm::StringRef name,
                           llvm::StringRef value, llvm::ArrayRef<Enum> values,
                           llvm::StringRef (*stringify)(Enum)) {
  std::string expected;
  for (auto [i, e] : llvm::enumerate(values)) {
    if (value == stringify(e)) {
      field = e;
      return llvm::Error::success();
    }
    expected += (i == 0 ? "" : i + 1 == values.size() ? " or " : ", ");
    expected += stringify(e);
  }
  return error("unknown --" + name + " '" + value + "' (expected " + expected +
               ")");
}

/// Sets `field` from "true", "1" or "" (the bare flag), or "false", "0".
static llvm::Error setFlag(bool &field, llvm::StringRef name,
                           llvm::StringRef value) {
  std::optional<bool> flag = llvm::StringSwitch<std::optional<bool>>(value)
                                 .Cases("", "true", "1", true)
                                 .Cases("false", "0", false)
                                 .Default(std::nullopt);
  if (!flag)
    return error("--" + name + " takes true or false, got '" + value + "'");
  field = *flag;
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
     [](CompileOptions &o, llvm::StringRef v) {
       return setEnum<AttentionPrecision>(o.precision, "precision", v,
                                          {AttentionPrecision::Auto,
                                           AttentionPrecision::F16,
                                           AttentionPrecision::F32},
                                          stringifyAttentionPrecision);
     }},
    {"matmul-precision",
     [](CompileOptions &o, llvm::StringRef v) {
       return setEnum<MatmulPrecision>(
           o.matmulPrecision, "matmul-precision", v,
           {MatmulPrecision::F32, MatmulPrecision::F16, MatmulPrecision::BF16},
           stringifyMatmulPrecision);
     }},
    {"attention-tiles",
     [](CompileOptions &o, llvm::StringRef v) {
       return setText(o.attentionTiles, v);
     }},
    {"split-reductions",
     [](CompileOptions &o, llvm::StringRef v) {
       return setFlag(o.splitReductions, "split-reductions", v);
     }},
    {"register-tile-windows",
     [](CompileOptions &o, llvm::StringRef v) {
       return setFlag(o.registerTileWindows, "register-tile-windows", v);
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
  /// The CPU the code is tuned for: --host-cpu, "native" resolved.
  std::string cpu;
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
  if (!cuda && (!options.ptxIsa.empty() || options.jetpack ||
                !options.attentionTiles.empty() || options.splitReductions ||
                !options.registerTileWindows ||
                options.matmulPrecision != MatmulPrecision::F32))
    return error("--ptx-isa, --jetpack, --attention-tiles, "
                 "--split-reductions, --register-tile-windows and "
                 "--matmul-precision need --target=cuda");
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
  gpu.attentionTiles = options.attentionTiles;
  gpu.splitReductions = options.splitReductions;
  gpu.registerTileWindows = options.registerTileWindows;
  gpu.matmulPrecision = options.matmulPrecision;
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
  // "native" is this machine's CPU, as clang's -march=native; any other
  // name must be one of the target's (LLVM would warn and then abort).
  std::string &cpu = host.cpu;
  cpu = options.hostCpu.empty() ? "generic" : options.hostCpu;
  if (cpu == "native") {
    if (cross)
      return error("--host-cpu=native needs a host triple of this machine's "
                   "architecture, not '" +
                   host.triple.str() + "'");
    cpu = llvm::sys::getHostCPUName().str();
  }
  std::unique_ptr<llvm::MCSubtargetInfo> subtarget(
      target->createMCSubtargetInfo(host.triple, "generic", ""));
  if (!subtarget || !subtarget->isCPUStringValid(cpu))
    return error("unknown --host-cpu '" + cpu + "' for " + host.triple.str() +
                 " (use 'generic', 'native' or an LLVM CPU name, as llc "
                 "-mcpu=help lists them)");
  host.machine.reset(target->createTargetMachine(
      host.triple, cpu, "", llvm::TargetOptions(), llvm::Reloc::PIC_));
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
  addBuildInfo(
      *llvmModule, buildInfoSymbol(libName),
      describeBuild(input, host.triple, host.cpu, cuda ? &gpu : nullptr));
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
