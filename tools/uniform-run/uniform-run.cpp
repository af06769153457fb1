//===- uniform-run.cpp - Run a module lowered for the CPU -----------------===//
//
// Executes an entry point of a module lowered by `uniform-cpu-pipeline` with
// MLIR's ExecutionEngine, reading inputs from and writing outputs to NumPy
// .npy files:
//
//   uniform-run model.cpu.mlir --entry forward --input x.npy --output y.npy
//
// Every input is checked against the entry's tensor signature (recorded by
// the pipeline as `uniform.signature`) before anything runs; outputs are
// written only when everything succeeded, each through a temporary file and
// a rename, so a failed run never leaves a partial or clobbered output.
//
//===----------------------------------------------------------------------===//

#include "uniform/InitAll.h"
#include "uniform/Runtime/Benchmark.h"
#include "uniform/Runtime/Npy.h"
#include "uniform/Runtime/ObjectCache.h"

#include "Loading.h"
#include "uniform/Support/OutputFile.h"
#include "uniform/Support/Version.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace mlir;
using namespace uniform;
namespace cl = llvm::cl;

/// The options --help lists: the tool's own (LLVM's backend flags are
/// hidden; --help-hidden shows them).
static cl::OptionCategory toolOptions("uniform-run options");

static cl::opt<std::string>
    inputFilename(cl::cat(toolOptions), cl::Positional,
                  cl::desc("<module.mlir | libNAME.so>"), cl::Required);
static cl::opt<std::string>
    entryName(cl::cat(toolOptions), "entry",
              cl::desc("Entry point to run (default: the only "
                       "public function with a signature)"),
              cl::init(""));
static cl::list<std::string> inputFiles(cl::cat(toolOptions), "input",
                                        cl::desc("Input .npy, in order"),
                                        cl::value_desc("file.npy"));
static cl::list<std::string> outputFiles(cl::cat(toolOptions), "output",
                                         cl::desc("Output .npy, in order"),
                                         cl::value_desc("file.npy"));
static cl::opt<unsigned> benchmarkRuns(
    cl::cat(toolOptions), "benchmark",
    cl::desc("Time N runs after the warm-up and print min, median, p90, "
             "p99 and max"),
    cl::value_desc("N"), cl::init(0));
static cl::opt<unsigned>
    warmupRuns(cl::cat(toolOptions), "warmup",
               cl::desc("Untimed runs before --benchmark's (default 1)"),
               cl::value_desc("W"), cl::init(1));
static cl::opt<BenchmarkFormat> benchmarkFormat(
    cl::cat(toolOptions), "benchmark-format",
    cl::desc("How --benchmark prints its statistics"),
    cl::values(clEnumValN(BenchmarkFormat::Text, "text",
                          "one human-readable line (default)"),
               clEnumValN(BenchmarkFormat::Json, "json",
                          "one JSON object: entry, runs, warmup, min_ms, "
                          "median_ms, p90_ms, p99_ms, max_ms")),
    cl::init(BenchmarkFormat::Text));
static cl::opt<bool>
    printSummary(cl::cat(toolOptions), "print-summary",
                 cl::desc("Print shape, min, max and mean of every output"),
                 cl::init(false));
static cl::opt<unsigned> optLevel(cl::cat(toolOptions), "O",
                                  cl::desc("JIT optimization level"),
                                  cl::init(3), cl::Prefix);
static cl::list<std::string> sharedLibs(cl::cat(toolOptions), "shared-libs",
                                        cl::desc("Extra libraries to load"),
                                        cl::CommaSeparated);
static cl::opt<std::string>
    device(cl::cat(toolOptions), "device",
           cl::desc("Where the module runs: cpu (uniform-cpu-pipeline), "
                    "cuda (uniform-gpu-pipeline, on a GPU) or cuda-emulator "
                    "(uniform-gpu-pipeline=format=llvm, on the host's CUDA "
                    "emulator)"),
           cl::init("cpu"));
static cl::opt<bool> dryRun(
    cl::cat(toolOptions), "dry-run",
    cl::desc("Check the inputs and compile the module, but do not run it"),
    cl::init(false));
static cl::opt<std::string> cudaRuntime(
    cl::cat(toolOptions), "cuda-runtime",
    cl::desc("libUniformCudaRuntime.so for --device=cuda, or "
             "libUniformCudaEmulator.so for --device=cuda-emulator (default: "
             "the one built or installed with this tool)"),
    cl::init(""));
static cl::opt<bool> profile(
    cl::cat(toolOptions), "profile",
    cl::desc("With --device=cuda-emulator: print the emulator's per-kernel "
             "counters (instructions, mma, memory requests, coalescing, bank "
             "conflicts) after the run"),
    cl::init(false));

static cl::opt<std::string>
    cacheDirectory(cl::cat(toolOptions), "cache-dir",
                   cl::desc("Where compiled CPU modules are cached (default: "
                            "$XDG_CACHE_HOME/uniform, else ~/.cache/uniform)"),
                   cl::value_desc("directory"), cl::init(""));
static cl::opt<bool>
    noCache(cl::cat(toolOptions), "no-cache",
            cl::desc("Compile the module even if it is cached, and do not "
                     "cache it"),
            cl::init(false));
static cl::opt<bool> verbose(
    cl::cat(toolOptions), "verbose",
    cl::desc("Say whether the module was compiled or loaded from the cache"),
    cl::init(false));

namespace {
/// The CUDA runtime's entry points that uniform-run itself calls: the
/// device check, and the transfers of inputs and results.
struct CudaApi {
  int (*init)(char *, size_t) = nullptr;
  // The emulator's counters (null for the CUDA runtime).
  void (*enableProfile)() = nullptr;
  void (*printProfile)() = nullptr;
  void *(*streamCreate)() = nullptr;
  void (*streamSynchronize)(void *) = nullptr;
  void (*streamDestroy)(void *) = nullptr;
  void *(*memAlloc)(uint64_t, void *, bool) = nullptr;
  void (*memFree)(void *, void *) = nullptr;
  void (*memcpy)(void *, void *, size_t, void *) = nullptr;
};
} // namespace

/// Loads the runtime for --device=cuda, or the emulator for
/// --device=cuda-emulator (the device is checked later, so that --dry-run
/// can compile a GPU module on a machine without one).
static llvm::Expected<CudaApi> loadCudaRuntime(const char *argv0,
                                               bool emulator) {
  std::string path = cudaRuntime;
  if (path.empty()) {
    std::string exe = llvm::sys::fs::getMainExecutable(
        argv0, reinterpret_cast<void *>(&loadCudaRuntime));
    llvm::SmallString<256> installed(
        llvm::sys::path::parent_path(llvm::sys::path::parent_path(exe)));
    llvm::sys::path::append(installed, "lib",
                            emulator ? "libUniformCudaEmulator.so"
                                     : "libUniformCudaRuntime.so");
    std::string built = emulator ? UNIFORM_CUDA_EMULATOR : UNIFORM_CUDA_RUNTIME;
    path = llvm::sys::fs::exists(installed) ? std::string(installed) : built;
  }
  std::string error;
  auto lib =
      llvm::sys::DynamicLibrary::getPermanentLibrary(path.c_str(), &error);
  if (!lib.isValid())
    return llvm::createStringError("cannot load the CUDA runtime '" + path +
                                   "': " + error);
  CudaApi api;
  auto get = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        lib.getAddressOfSymbol(name));
    return fn != nullptr;
  };
  if (!get(api.init, "uniformCudaInit") ||
      !get(api.streamCreate, "mgpuStreamCreate") ||
      !get(api.streamSynchronize, "mgpuStreamSynchronize") ||
      !get(api.streamDestroy, "mgpuStreamDestroy") ||
      !get(api.memAlloc, "mgpuMemAlloc") || !get(api.memFree, "mgpuMemFree") ||
      !get(api.memcpy, "mgpuMemcpy"))
    return llvm::createStringError("'" + path +
                                   "' is not uniform's CUDA runtime");
  if (emulator &&
      (!get(api.enableProfile, "uniformCudaEmulatorEnableProfile") ||
       !get(api.printProfile, "uniformCudaEmulatorPrintProfile")))
    return llvm::createStringError("'" + path +
                                   "' is not uniform's CUDA emulator");
  // The engine resolves the module's mgpu* calls against this library.
  sharedLibs.push_back(path);
  return api;
}

namespace {
/// An input or output of the entry point, as declared by its signature.
struct TensorSpec {
  std::string name;
  RankedTensorType type;
  NpyDType dtype;
};

/// A memref descriptor with identity layout, as the lowered entry takes it.
struct Descriptor {
  void *allocated = nullptr;
  void *aligned = nullptr;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};
} // namespace

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "uniform-run") << message << "\n";
  return 1;
}

/// Checks that every kernel object is in the form the device runs: NVVM IR
/// (format=llvm) for the emulator, PTX or a binary for a GPU. Reports the
/// first that is not at its gpu.binary.
static LogicalResult checkKernelFormats(ModuleOp module, bool emulator) {
  for (auto binary : module.getOps<gpu::BinaryOp>()) {
    for (Attribute attr : binary.getObjects()) {
      auto object = dyn_cast<gpu::ObjectAttr>(attr);
      if (!object)
        continue;
      bool isIR = object.getFormat() == gpu::CompilationTarget::Offload;
      // At the op's location, without the op (its kernels) as a note.
      auto where = [&] {
        return emitError(binary.getLoc())
               << "gpu.binary @" << binary.getSymName() << " holds ";
      };
      if (emulator && !isIR)
        return where()
               << gpu::stringifyCompilationTarget(object.getFormat())
               << " kernels; --device=cuda-emulator runs NVVM IR: lower with "
                  "--uniform-gpu-pipeline=format=llvm";
      if (!emulator && isIR)
        return where() << "NVVM IR (format=llvm), which a GPU cannot load: "
                          "run it with --device=cuda-emulator, or lower with "
                          "format=isa or bin for --device=cuda";
    }
  }
  return success();
}

static std::string typeToString(Type type) {
  std::string str;
  llvm::raw_string_ostream os(str);
  os << type;
  return str;
}

static std::optional<NpyDType> toDType(Type type) {
  if (type.isF32())
    return NpyDType::Float32;
  if (type.isF16())
    return NpyDType::Float16;
  if (type.isInteger(64) || type.isIndex())
    return NpyDType::Int64;
  return std::nullopt;
}

static std::string describe(NpyDType dtype, llvm::ArrayRef<int64_t> shape) {
  return (getNpyDTypeName(dtype) + " array of shape " + formatShape(shape))
      .str();
}

/// Reads the element at `index` of a float32/float16/int64 array as double.
static double elementAsDouble(const NpyArray &array, int64_t index) {
  const char *p = array.data.data() + index * getNpyDTypeSize(array.dtype);
  switch (array.dtype) {
  case NpyDType::Float32: {
    float f;
    std::memcpy(&f, p, 4);
    return f;
  }
  case NpyDType::Float16: {
    uint16_t bits;
    std::memcpy(&bits, p, 2);
    return llvm::APFloat(llvm::APFloat::IEEEhalf(), llvm::APInt(16, bits))
        .convertToFloat();
  }
  case NpyDType::Int64: {
    int64_t i;
    std::memcpy(&i, p, 8);
    return static_cast<double>(i);
  }
  }
  return 0;
}

/// Compiled modules allocate their temporaries (attention matrices, softmax
/// statistics) on every call and free them on return. glibc serves blocks
/// above 128 KiB with fresh mmap()s and trims freed heap memory, so each call
/// page-faults its temporaries in again: at UniForm sizes that is more than
/// half the run time, and it varies with where the blocks land. Keep freed
/// memory in the process instead (up to glibc's 32 MiB mmap limit), as a
/// caching allocator would; hosts that embed compiled modules should do the
/// same.
static void keepFreedMemory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  keepFreedMemory();
  uniform::registerVersionPrinter("uniform-run");
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(
      argc, argv,
      "uniform-run: execute a module lowered by uniform-cpu-pipeline (or "
      "by uniform-gpu-pipeline, with --device=cuda), or a CPU library built "
      "by uniform-compile\n");
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();

  bool onEmulator = device == "cuda-emulator";
  bool onCuda = device == "cuda" || onEmulator;
  if (!onCuda && device != "cpu")
    return fail("unknown --device '" + device +
                "' (expected cpu, cuda or cuda-emulator)");
  if (profile && !onEmulator)
    return fail("--profile needs --device=cuda-emulator");

  // The LLVM dialect for either pipeline's output, plus the GPU and NVVM
  // dialects and translations for uniform-gpu-pipeline's.
  DialectRegistry registry;
  uniform::registerAllDialects(registry);
  MLIRContext context(registry);

  // Open the outputs (as temporaries) before reading anything, so that a bad
  // output path fails at once, and a run that fails or is killed at any
  // point leaves them untouched.
  std::vector<std::unique_ptr<uniform::OutputFile>> outputs;
  for (const std::string &path : outputFiles) {
    std::string error;
    outputs.push_back(uniform::OutputFile::create(path, error));
    if (!outputs.back())
      return fail(error);
  }

  // The entry points: from a library built by uniform-compile, or from a
  // lowered module.
  bool fromLibrary = llvm::StringRef(inputFilename).ends_with(".so");
  llvm::SourceMgr sourceMgr;
  SourceMgrDiagnosticHandler diagHandler(sourceMgr, &context);
  OwningOpRef<ModuleOp> module;
  std::optional<run::Library> library;
  SmallVector<run::EntryPoint> entries;
  if (fromLibrary) {
    if (onCuda)
      return fail("'" + inputFilename +
                  "' is a library: uniform-run runs libraries on the CPU");
    llvm::Expected<run::Library> loaded =
        run::openLibrary(inputFilename, context);
    if (!loaded)
      return fail(llvm::toString(loaded.takeError()));
    library = std::move(*loaded);
    entries = library->entries;
  } else {
    std::string errorMessage;
    auto file = openInputFile(inputFilename, &errorMessage);
    if (!file)
      return fail(errorMessage);
    sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
    module = parseSourceFile<ModuleOp>(sourceMgr, &context);
    if (!module)
      return fail("cannot parse '" + inputFilename +
                  "' as a module in the LLVM dialect; lower it with "
                  "uniform-opt --uniform-cpu-pipeline first");
    // Only lowered modules run: LLVM dialect (and, from the GPU pipeline,
    // gpu.binary) at the top level.
    for (Operation &op : module->getBody()->getOperations()) {
      if (isa<LLVM::LLVMDialect>(op.getDialect()) || isa<gpu::BinaryOp>(op))
        continue;
      return fail("'" + inputFilename + "' is not lowered ('" +
                  op.getName().getStringRef() +
                  "' at the top level); lower it with uniform-opt "
                  "--uniform-cpu-pipeline (or --uniform-gpu-pipeline) first");
    }
    llvm::Expected<SmallVector<run::EntryPoint>> found =
        run::moduleEntryPoints(*module);
    if (!found)
      return fail(llvm::toString(found.takeError()));
    entries = std::move(*found);
  }
  llvm::Expected<run::EntryPoint> entry =
      run::chooseEntry(entries, entryName, inputFilename);
  if (!entry)
    return fail(llvm::toString(entry.takeError()));
  FunctionType signature = entry->signature;
  bool hasKernels = module && !module->getOps<gpu::BinaryOp>().empty();
  if (hasKernels && !onCuda)
    return fail("'" + inputFilename +
                "' was lowered by uniform-gpu-pipeline: run it with "
                "--device=cuda (or --device=cuda-emulator for format=llvm)");
  if (hasKernels && failed(checkKernelFormats(*module, onEmulator)))
    return 1;
  if (!hasKernels && onCuda)
    return fail("'" + inputFilename +
                "' has no GPU kernels: lower it with uniform-opt "
                "--uniform-gpu-pipeline for --device=cuda");

  auto specs = [&](TypeRange types, StringRef kind,
                   SmallVectorImpl<TensorSpec> &out) -> LogicalResult {
    for (auto [i, type] : llvm::enumerate(types)) {
      auto tensor = dyn_cast<RankedTensorType>(type);
      std::optional<NpyDType> dtype =
          tensor ? toDType(tensor.getElementType()) : std::nullopt;
      if (!dtype) {
        fail("entry '" + entry->name + "': " + kind + " #" + llvm::Twine(i) +
             " has type " + typeToString(type) +
             ", which .npy exchange does not support (ranked tensors of "
             "f32, f16 or i64 only)");
        return failure();
      }
      out.push_back({(kind + " #" + llvm::Twine(i)).str(), tensor, *dtype});
    }
    return success();
  };
  SmallVector<TensorSpec> inputs, results;
  if (failed(specs(signature.getInputs(), "input", inputs)) ||
      failed(specs(signature.getResults(), "result", results)))
    return 1;

  if (inputFiles.size() != inputs.size())
    return fail("entry '" + entry->name + "' takes " +
                llvm::Twine(inputs.size()) + " inputs, but " +
                llvm::Twine(inputFiles.size()) + " --input files were given");
  if (!outputFiles.empty() && outputFiles.size() != results.size())
    return fail("entry '" + entry->name + "' returns " +
                llvm::Twine(results.size()) + " results, but " +
                llvm::Twine(outputFiles.size()) + " --output files were given");

  // Read and check every input before compiling anything.
  std::vector<NpyArray> arrays;
  for (auto [spec, path] : llvm::zip(inputs, inputFiles)) {
    llvm::Expected<NpyArray> array = readNpyFile(path);
    if (!array)
      return fail(llvm::toString(array.takeError()));
    ArrayRef<int64_t> expected = spec.type.getShape();
    bool shapeOk = array->shape.size() == expected.size();
    for (size_t d = 0; shapeOk && d < expected.size(); ++d)
      shapeOk =
          ShapedType::isDynamic(expected[d]) || expected[d] == array->shape[d];
    if (array->dtype != spec.dtype || !shapeOk) {
      std::string expectedShape = typeToString(spec.type);
      return fail(spec.name + " of '" + entry->name + "' ('" + path +
                  "'): expected " + describe(spec.dtype, expected) + " (" +
                  expectedShape + "), but the file holds " +
                  describe(array->dtype, array->shape));
    }
    arrays.push_back(std::move(*array));
  }

  CudaApi cuda;
  if (onCuda) {
    llvm::Expected<CudaApi> api = loadCudaRuntime(argv[0], onEmulator);
    if (!api)
      return fail(llvm::toString(api.takeError()));
    cuda = *api;
  }

  // The code: the library's, or the module's compiled for this host.
  run::CompiledModule code;
  if (library) {
    llvm::Expected<run::PackedFunction> packed =
        run::lookupLibraryEntry(*library, entry->name, inputFilename);
    if (!packed)
      return fail(llvm::toString(packed.takeError()));
    code.entry = *packed;
    if (verbose)
      llvm::errs() << "uniform-run: loaded '" << entry->name << "' from '"
                   << inputFilename << "'\n";
  } else {
    run::JitOptions jit;
    jit.optLevel = optLevel;
    jit.sharedLibraries.assign(sharedLibs.begin(), sharedLibs.end());
    jit.useCache = !noCache;
    jit.cacheDirectory = cacheDirectory;
    jit.verbose = verbose;
    llvm::Expected<run::CompiledModule> compiled = run::compileModule(
        *module,
        sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer(),
        inputFilename, entry->name, hasKernels, jit);
    if (!compiled)
      return fail(llvm::toString(compiled.takeError()));
    code = std::move(*compiled);
  }
  if (dryRun) {
    llvm::outs() << "uniform-run: " << (library ? "loaded '" : "compiled '")
                 << entry->name << "' for " << device
                 << " and checked its inputs; not run (--dry-run)\n";
    return 0;
  }

  // With --device=cuda: a device, then the inputs in device memory.
  void *stream = nullptr;
  std::vector<void *> deviceInputs;
  if (onCuda) {
    char message[512];
    if (!cuda.init(message, sizeof(message)))
      return fail(llvm::Twine("no usable CUDA device: ") + message);
    if (profile)
      cuda.enableProfile();
    stream = cuda.streamCreate();
    for (NpyArray &array : arrays) {
      void *ptr = cuda.memAlloc(array.data.size(), stream, false);
      if (!array.data.empty())
        cuda.memcpy(ptr, array.data.data(), array.data.size(), stream);
      deviceInputs.push_back(ptr);
    }
    cuda.streamSynchronize(stream);
  }

  // Global constructors (a GPU module's kernel loading) run once, now that
  // the device is set up; a cached object has none.
  if (code.engine)
    code.engine->initialize();

  // Packed arguments: every field of every input descriptor, then a pointer
  // to the storage of the returned struct of descriptors.
  std::vector<Descriptor> inDescs(arrays.size());
  SmallVector<void *> args;
  for (auto [i, desc, array] : llvm::enumerate(inDescs, arrays)) {
    desc.allocated = desc.aligned =
        onCuda ? deviceInputs[i] : static_cast<void *>(array.data.data());
    desc.sizes = array.shape;
    desc.strides.assign(array.shape.size(), 1);
    for (int64_t d = static_cast<int64_t>(array.shape.size()) - 2; d >= 0; --d)
      desc.strides[d] = desc.strides[d + 1] * array.shape[d + 1];
  }
  for (Descriptor &desc : inDescs) {
    args.push_back(&desc.allocated);
    args.push_back(&desc.aligned);
    args.push_back(&desc.offset);
    for (int64_t &s : desc.sizes)
      args.push_back(&s);
    for (int64_t &s : desc.strides)
      args.push_back(&s);
  }
  size_t resultWords = 0;
  for (const TensorSpec &spec : results)
    resultWords += 3 + 2 * spec.type.getRank();
  std::vector<int64_t> resultStorage(std::max<size_t>(resultWords, 1));
  void *resultPtr = resultStorage.data();
  if (!results.empty())
    args.push_back(resultPtr);

  auto readResults = [&]() {
    std::vector<Descriptor> out;
    const int64_t *p = resultStorage.data();
    for (const TensorSpec &spec : results) {
      Descriptor d;
      d.allocated = reinterpret_cast<void *>(p[0]);
      d.aligned = reinterpret_cast<void *>(p[1]);
      d.offset = p[2];
      int64_t rank = spec.type.getRank();
      d.sizes.assign(p + 3, p + 3 + rank);
      d.strides.assign(p + 3 + rank, p + 3 + 2 * rank);
      p += 3 + 2 * rank;
      out.push_back(std::move(d));
    }
    return out;
  };
  auto freeResults = [&](const std::vector<Descriptor> &descs) {
    llvm::DenseSet<void *> freed;
    for (const Descriptor &d : descs) {
      if (!d.allocated || !freed.insert(d.allocated).second)
        continue;
      if (onCuda)
        cuda.memFree(d.allocated, stream);
      else
        std::free(d.allocated);
    }
  };
  auto run = [&]() -> llvm::Error {
    code.entry(args.data());
    return llvm::Error::success();
  };

  if (benchmarkRuns > 0) {
    for (unsigned i = 0; i < warmupRuns; ++i) {
      if (llvm::Error err = run())
        return fail(llvm::toString(std::move(err)));
      freeResults(readResults());
    }
    std::vector<double> ms;
    for (unsigned i = 0; i < benchmarkRuns; ++i) {
      auto start = std::chrono::steady_clock::now();
      if (llvm::Error err = run())
        return fail(llvm::toString(std::move(err)));
      auto stop = std::chrono::steady_clock::now();
      freeResults(readResults());
      ms.push_back(
          std::chrono::duration<double, std::milli>(stop - start).count());
    }
    printBenchmark(llvm::outs(), entry->name, summarizeTimes(ms, warmupRuns),
                   benchmarkFormat);
  }

  if (llvm::Error err = run())
    return fail(llvm::toString(std::move(err)));
  std::vector<Descriptor> outDescs = readResults();

  // Device results: copy the span each one covers to the host.
  std::vector<std::vector<char>> hostCopies;
  std::vector<Descriptor> hostDescs = outDescs;
  if (onCuda) {
    for (auto [spec, d] : llvm::zip(results, hostDescs)) {
      int64_t elt = getNpyDTypeSize(spec.dtype);
      int64_t extent = 1;
      bool empty = false;
      for (auto [size, stride] : llvm::zip(d.sizes, d.strides)) {
        empty |= size == 0;
        extent += (size - 1) * stride;
      }
      hostCopies.emplace_back(empty ? 0 : extent * elt);
      if (!empty)
        cuda.memcpy(hostCopies.back().data(),
                    static_cast<char *>(d.aligned) + d.offset * elt,
                    extent * elt, stream);
      d.aligned = hostCopies.back().data();
      d.offset = 0;
    }
    cuda.streamSynchronize(stream);
  }

  // Gather each result into a C-order array.
  std::vector<NpyArray> outArrays;
  for (auto [spec, d] : llvm::zip(results, hostDescs)) {
    NpyArray array;
    array.dtype = spec.dtype;
    array.shape = d.sizes;
    int64_t elt = getNpyDTypeSize(spec.dtype);
    int64_t n = array.numElements();
    array.data.resize(n * elt);
    int64_t rank = d.sizes.size();
    std::vector<int64_t> index(rank, 0);
    const char *base = static_cast<const char *>(d.aligned);
    for (int64_t i = 0; i < n; ++i) {
      int64_t linear = d.offset;
      for (int64_t k = 0; k < rank; ++k)
        linear += index[k] * d.strides[k];
      std::memcpy(array.data.data() + i * elt, base + linear * elt, elt);
      for (int64_t k = rank - 1; k >= 0; --k) {
        if (++index[k] < d.sizes[k])
          break;
        index[k] = 0;
      }
    }
    outArrays.push_back(std::move(array));
  }
  freeResults(outDescs);
  if (onCuda) {
    for (void *ptr : deviceInputs)
      cuda.memFree(ptr, stream);
    cuda.streamSynchronize(stream);
    cuda.streamDestroy(stream);
  }

  if (profile)
    cuda.printProfile();

  if (printSummary) {
    for (auto [spec, array] : llvm::zip(results, outArrays)) {
      int64_t n = array.numElements();
      double lo = 0, hi = 0, sum = 0;
      for (int64_t i = 0; i < n; ++i) {
        double v = elementAsDouble(array, i);
        lo = i == 0 ? v : std::min(lo, v);
        hi = i == 0 ? v : std::max(hi, v);
        sum += v;
      }
      llvm::outs() << spec.name << ": " << getNpyDTypeName(array.dtype) << " "
                   << formatShape(array.shape)
                   << llvm::format(" min %.6g max %.6g mean %.6g\n", lo, hi,
                                   n ? sum / n : 0.0);
    }
  }

  // Every output is complete before any of them appears.
  std::string error;
  for (auto [file, array] : llvm::zip(outputs, outArrays))
    file->os() << serializeNpy(array);
  for (auto &file : outputs)
    if (failed(file->commit(error)))
      return fail(error);
  return 0;
}
