//===- uniform-run.cpp - Run a compiled model -----------------------------===//
//
// Executes an entry point of a module lowered by `uniform-cpu-pipeline` (or
// `uniform-gpu-pipeline`, on --device=cuda or cuda-emulator), or of a
// library built by `uniform-compile` (a CUDA one on --device=cuda), reading
// inputs from and writing outputs to NumPy .npy files:
//
//   uniform-run model.cpu.mlir --entry forward --input x.npy --output y.npy
//
// A thin tool over the runtime library (uniform/Runtime/Executable.h):
// every input is checked against the entry's tensor signature before
// anything runs; outputs are written only when everything succeeded, each
// through a temporary file and a rename, so a failed run never leaves a
// partial or clobbered output.
//
//===----------------------------------------------------------------------===//

#include "uniform/Runtime/Benchmark.h"
#include "uniform/Runtime/Executable.h"
#include "uniform/Runtime/Npy.h"
#include "uniform/Support/OutputFile.h"
#include "uniform/Support/Version.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstring>

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

static cl::opt<bool> kernelTimes(
    cl::cat(toolOptions), "kernel-times",
    cl::desc("With --device=cuda or cuda-emulator: print each kernel's time "
             "(CUDA events around every launch; the emulator's host clock), "
             "summed over --benchmark's timed runs and the final run"),
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

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "uniform-run") << message << "\n";
  return 1;
}

static int fail(llvm::Error err) {
  return reportError("uniform-run", std::move(err));
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

static void printSummaries(llvm::ArrayRef<NpyArray> arrays) {
  for (auto [i, array] : llvm::enumerate(arrays)) {
    int64_t n = array.numElements();
    double lo = 0, hi = 0, sum = 0;
    for (int64_t k = 0; k < n; ++k) {
      double v = elementAsDouble(array, k);
      lo = k == 0 ? v : std::min(lo, v);
      hi = k == 0 ? v : std::max(hi, v);
      sum += v;
    }
    llvm::outs() << "result #" << i << ": " << getNpyDTypeName(array.dtype)
                 << " " << formatShape(array.shape)
                 << llvm::format(" min %.6g max %.6g mean %.6g\n", lo, hi,
                                 n ? sum / n : 0.0);
  }
}

/// Reads the --input files, checking each against `entry`'s signature.
static llvm::Expected<std::vector<NpyArray>>
readInputs(const EntryPoint &entry) {
  std::vector<NpyArray> arrays;
  for (auto [i, path] : llvm::enumerate(inputFiles)) {
    llvm::Expected<NpyArray> array = readNpyFile(path);
    if (!array)
      return array.takeError();
    if (llvm::Error err = Executable::checkInput(entry, i, *array, path))
      return std::move(err);
    arrays.push_back(std::move(*array));
  }
  return arrays;
}

static LoadOptions getLoadOptions(DeviceKind kind) {
  LoadOptions options;
  options.device = kind;
  options.cudaRuntime = cudaRuntime;
  options.profile = profile;
  options.kernelTimes = kernelTimes;
  options.jit.optLevel = optLevel;
  options.jit.sharedLibraries.assign(sharedLibs.begin(), sharedLibs.end());
  options.jit.useCache = !noCache;
  options.jit.cacheDirectory = cacheDirectory;
  options.jit.verbose = verbose;
  options.jit.logName = "uniform-run";
  return options;
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  keepFreedMemory();
  registerVersionPrinter("uniform-run");
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(
      argc, argv,
      "uniform-run: execute a module lowered by uniform-cpu-pipeline (or "
      "by uniform-gpu-pipeline, with --device=cuda), or a library built by "
      "uniform-compile (a CUDA one with --device=cuda)\n");

  std::optional<DeviceKind> kind = symbolizeDeviceKind(device);
  if (!kind)
    return fail("unknown --device '" + device +
                "' (expected cpu, cuda or cuda-emulator)");
  if (profile && *kind != DeviceKind::CudaEmulator)
    return fail("--profile needs --device=cuda-emulator");
  if (kernelTimes && *kind == DeviceKind::Cpu)
    return fail("--kernel-times needs --device=cuda or cuda-emulator");

  // Open the outputs (as temporaries) before reading anything, so that a bad
  // output path fails at once, and a run that fails or is killed at any
  // point leaves them untouched.
  std::vector<std::unique_ptr<OutputFile>> outputs;
  for (const std::string &path : outputFiles) {
    std::string error;
    outputs.push_back(OutputFile::create(path, error));
    if (!outputs.back())
      return fail(error);
  }

  llvm::Expected<std::unique_ptr<Executable>> exe =
      Executable::load(inputFilename, getLoadOptions(*kind));
  if (!exe)
    return fail(exe.takeError());
  llvm::Expected<const EntryPoint &> entry = (*exe)->lookupEntry(entryName);
  if (!entry)
    return fail(entry.takeError());
  size_t numInputs = entry->signature.getNumInputs();
  size_t numResults = entry->signature.getNumResults();
  if (inputFiles.size() != numInputs)
    return fail("entry '" + entry->name + "' takes " + llvm::Twine(numInputs) +
                " inputs, but " + llvm::Twine(inputFiles.size()) +
                " --input files were given");
  if (!outputFiles.empty() && outputFiles.size() != numResults)
    return fail("entry '" + entry->name + "' returns " +
                llvm::Twine(numResults) + " results, but " +
                llvm::Twine(outputFiles.size()) + " --output files were given");

  // Every input is read and checked before anything compiles.
  llvm::Expected<std::vector<NpyArray>> inputs = readInputs(*entry);
  if (!inputs)
    return fail(inputs.takeError());
  llvm::Expected<std::unique_ptr<Invocation>> invocation =
      (*exe)->prepare(entry->name, std::move(*inputs));
  if (!invocation)
    return fail(invocation.takeError());
  if (verbose && (*exe)->isLibrary())
    llvm::errs() << "uniform-run: loaded '" << entry->name << "' from '"
                 << inputFilename << "'\n";
  if (dryRun) {
    llvm::outs() << "uniform-run: "
                 << ((*exe)->isLibrary() ? "loaded '" : "compiled '")
                 << entry->name << "' for " << device
                 << " and checked its inputs; not run (--dry-run)\n";
    return 0;
  }

  if (benchmarkRuns > 0) {
    llvm::Expected<BenchmarkStats> stats =
        (*invocation)->benchmark(benchmarkRuns, warmupRuns);
    if (!stats)
      return fail(stats.takeError());
    printBenchmark(llvm::outs(), entry->name, *stats, benchmarkFormat);
  }
  llvm::Expected<std::vector<NpyArray>> results = (*invocation)->run();
  if (!results)
    return fail(results.takeError());
  if (profile)
    (*invocation)->printProfile();
  (*invocation)->printKernelTimes();
  if (printSummary)
    printSummaries(*results);

  // Every output is complete before any of them appears.
  std::string error;
  for (auto [file, array] : llvm::zip(outputs, *results))
    file->os() << serializeNpy(array);
  for (auto &file : outputs)
    if (failed(file->commit(error)))
      return fail(error);
  return 0;
}
