//===- Runtime.cpp - C API: compile models, load and run them -------------===//
//
// Implements include/uniform-c/Runtime.h over uniform/Runtime/Executable.h
// and uniform/Compiler/CompileLibrary.h.
//
//===----------------------------------------------------------------------===//

#include "uniform-c/Runtime.h"

#include "uniform/Compiler/CompileLibrary.h"
#include "uniform/Runtime/Executable.h"
#include "uniform/Support/Version.h"

#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

using namespace uniform;

namespace {
/// A loaded executable with the strings and shapes its queries return.
struct ExecutableHandle {
  std::unique_ptr<Executable> exe;
  std::vector<std::string> signatures;
  /// Per entry, per input then result: the shape, -1 for dynamic.
  std::vector<std::vector<std::vector<int64_t>>> inputShapes, resultShapes;
};

struct ResultsHandle {
  std::vector<NpyArray> arrays;
};
} // namespace

static thread_local std::string lastError;

/// Records `err` as this thread's last error; returns false.
static bool setError(llvm::Error err) {
  lastError = llvm::toString(std::move(err));
  while (!lastError.empty() && lastError.back() == '\n')
    lastError.pop_back();
  return false;
}

static bool setError(const llvm::Twine &message) {
  return setError(llvm::createStringError(message));
}

/// Records `err` and returns the null handle of type T.
template <typename T> static T nullWithError(llvm::Error err) {
  setError(std::move(err));
  return T{};
}

template <typename T> static T nullWithError(const llvm::Twine &message) {
  return nullWithError<T>(llvm::createStringError(message));
}

const char *uniformGetLastError(void) { return lastError.c_str(); }

const char *uniformGetVersion(void) { return getUniformVersion(); }

const char *uniformGetLLVMVersion(void) { return getLLVMVersion(); }

bool uniformCompileLibrary(const char *input, const char *output,
                           intptr_t numOptions, const char *const *options) {
  lastError.clear();
  if (!input || !output)
    return setError("uniformCompileLibrary: the input and output paths are "
                    "required");
  CompileOptions compileOptions;
  for (intptr_t i = 0; i < numOptions; ++i)
    if (llvm::Error err = parseCompileOption(compileOptions, options[i]))
      return setError(std::move(err));
  if (llvm::Error err = compileLibrary(input, output, compileOptions))
    return setError(std::move(err));
  return true;
}

//===----------------------------------------------------------------------===//
// Arrays
//===----------------------------------------------------------------------===//

static UniformDType wrap(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::Float32:
    return UniformDTypeFloat32;
  case NpyDType::Float16:
    return UniformDTypeFloat16;
  case NpyDType::Int64:
    return UniformDTypeInt64;
  }
  llvm_unreachable("unknown dtype");
}

static std::optional<NpyDType> unwrap(UniformDType dtype) {
  switch (dtype) {
  case UniformDTypeFloat32:
    return NpyDType::Float32;
  case UniformDTypeFloat16:
    return NpyDType::Float16;
  case UniformDTypeInt64:
    return NpyDType::Int64;
  }
  return std::nullopt;
}

/// A copy of `array`, or an error when it does not describe one.
static llvm::Expected<NpyArray> copyArray(const UniformArray &array,
                                          intptr_t index) {
  auto fail = [&](const llvm::Twine &what) {
    return llvm::createStringError("input #" + llvm::Twine(index) + ": " +
                                   what);
  };
  std::optional<NpyDType> dtype = unwrap(array.dtype);
  if (!dtype)
    return fail("unknown dtype " + llvm::Twine(static_cast<int>(array.dtype)));
  if (array.rank < 0 || (array.rank > 0 && !array.shape))
    return fail("no shape");
  NpyArray copy;
  copy.dtype = *dtype;
  uint64_t bytes = getNpyDTypeSize(*dtype);
  // Every extent, and the bytes of the nonzero ones, below 2^48: strides
  // and sizes stay far from overflowing int64.
  uint64_t nonzeroBytes = bytes;
  constexpr uint64_t limit = uint64_t(1) << 48;
  for (intptr_t d = 0; d < array.rank; ++d) {
    int64_t extent = array.shape[d];
    if (extent < 0)
      return fail("negative extent " + llvm::Twine(extent));
    bool overflow = false;
    if (extent > 0)
      nonzeroBytes = llvm::SaturatingMultiply(
          nonzeroBytes, static_cast<uint64_t>(extent), &overflow);
    if (overflow || static_cast<uint64_t>(extent) > limit ||
        nonzeroBytes > limit)
      return fail("too large");
    bytes *= static_cast<uint64_t>(extent);
    copy.shape.push_back(extent);
  }
  if (bytes && !array.data)
    return fail("no data");
  const char *data = static_cast<const char *>(array.data);
  copy.data.assign(data, data + bytes);
  return copy;
}

static llvm::Expected<std::vector<NpyArray>>
copyArrays(intptr_t numInputs, const UniformArray *inputs) {
  std::vector<NpyArray> arrays;
  if (numInputs > 0 && !inputs)
    return llvm::createStringError("no inputs given");
  for (intptr_t i = 0; i < numInputs; ++i) {
    llvm::Expected<NpyArray> array = copyArray(inputs[i], i);
    if (!array)
      return array.takeError();
    arrays.push_back(std::move(*array));
  }
  return arrays;
}

static ResultsHandle *unwrap(UniformResults results) {
  return static_cast<ResultsHandle *>(results.ptr);
}

intptr_t uniformResultsGetNum(UniformResults results) {
  return unwrap(results)->arrays.size();
}

UniformArray uniformResultsGet(UniformResults results, intptr_t index) {
  const NpyArray &array = unwrap(results)->arrays[index];
  return {wrap(array.dtype), static_cast<intptr_t>(array.shape.size()),
          array.shape.data(), array.data.data()};
}

void uniformResultsDestroy(UniformResults results) { delete unwrap(results); }

//===----------------------------------------------------------------------===//
// Executables
//===----------------------------------------------------------------------===//

static ExecutableHandle *unwrap(UniformExecutable exe) {
  return static_cast<ExecutableHandle *>(exe.ptr);
}

/// The shapes of `types`, -1 for dynamic extents.
static std::vector<std::vector<int64_t>> getShapes(mlir::TypeRange types) {
  std::vector<std::vector<int64_t>> shapes;
  for (mlir::Type type : types) {
    std::vector<int64_t> &shape = shapes.emplace_back();
    if (auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type))
      for (int64_t extent : tensor.getShape())
        shape.push_back(mlir::ShapedType::isDynamic(extent) ? -1 : extent);
  }
  return shapes;
}

UniformExecutable uniformExecutableLoad(const char *path, const char *device) {
  lastError.clear();
  if (!path)
    return nullWithError<UniformExecutable>("uniformExecutableLoad: no path");
  LoadOptions options;
  std::optional<DeviceKind> kind =
      symbolizeDeviceKind(device && *device ? device : "cpu");
  if (!kind)
    return nullWithError<UniformExecutable>(
        llvm::Twine("unknown device '") + device +
        "' (expected cpu, cuda or cuda-emulator)");
  options.device = *kind;
  llvm::Expected<std::unique_ptr<Executable>> exe =
      Executable::load(path, options);
  if (!exe)
    return nullWithError<UniformExecutable>(exe.takeError());
  auto handle = std::make_unique<ExecutableHandle>();
  for (const EntryPoint &entry : (*exe)->getEntryPoints()) {
    std::string text;
    llvm::raw_string_ostream os(text);
    os << entry.signature;
    handle->signatures.push_back(text);
    handle->inputShapes.push_back(getShapes(entry.signature.getInputs()));
    handle->resultShapes.push_back(getShapes(entry.signature.getResults()));
  }
  handle->exe = std::move(*exe);
  return UniformExecutable{handle.release()};
}

void uniformExecutableDestroy(UniformExecutable exe) { delete unwrap(exe); }

const char *uniformExecutableGetBuildInfo(UniformExecutable exe) {
  return unwrap(exe)->exe->getBuildInfo().data();
}

intptr_t uniformExecutableGetNumEntryPoints(UniformExecutable exe) {
  return unwrap(exe)->exe->getEntryPoints().size();
}

const char *uniformExecutableGetEntryPointName(UniformExecutable exe,
                                               intptr_t entry) {
  return unwrap(exe)->exe->getEntryPoints()[entry].name.c_str();
}

const char *uniformExecutableGetEntryPointSignature(UniformExecutable exe,
                                                    intptr_t entry) {
  return unwrap(exe)->signatures[entry].c_str();
}

intptr_t uniformExecutableGetNumInputs(UniformExecutable exe, intptr_t entry) {
  return unwrap(exe)->inputShapes[entry].size();
}

intptr_t uniformExecutableGetNumResults(UniformExecutable exe, intptr_t entry) {
  return unwrap(exe)->resultShapes[entry].size();
}

static bool getType(mlir::Type type, const std::vector<int64_t> &shape,
                    UniformArray *out) {
  auto tensor = llvm::dyn_cast<mlir::RankedTensorType>(type);
  std::optional<NpyDType> dtype =
      tensor ? getArrayDType(tensor.getElementType()) : std::nullopt;
  if (!dtype)
    return false;
  *out = {wrap(*dtype), static_cast<intptr_t>(shape.size()), shape.data(),
          nullptr};
  return true;
}

bool uniformExecutableGetInputType(UniformExecutable exe, intptr_t entry,
                                   intptr_t index, UniformArray *type) {
  ExecutableHandle &handle = *unwrap(exe);
  return getType(handle.exe->getEntryPoints()[entry].signature.getInput(index),
                 handle.inputShapes[entry][index], type);
}

bool uniformExecutableGetResultType(UniformExecutable exe, intptr_t entry,
                                    intptr_t index, UniformArray *type) {
  ExecutableHandle &handle = *unwrap(exe);
  return getType(handle.exe->getEntryPoints()[entry].signature.getResult(index),
                 handle.resultShapes[entry][index], type);
}

/// `entry` of `exe` prepared with copies of `inputs`.
static llvm::Expected<std::unique_ptr<Invocation>>
prepare(UniformExecutable exe, const char *entry, intptr_t numInputs,
        const UniformArray *inputs) {
  llvm::Expected<std::vector<NpyArray>> arrays = copyArrays(numInputs, inputs);
  if (!arrays)
    return arrays.takeError();
  return unwrap(exe)->exe->prepare(entry ? entry : "", std::move(*arrays));
}

UniformResults uniformExecutableRun(UniformExecutable exe, const char *entry,
                                    intptr_t numInputs,
                                    const UniformArray *inputs) {
  lastError.clear();
  llvm::Expected<std::unique_ptr<Invocation>> invocation =
      prepare(exe, entry, numInputs, inputs);
  if (!invocation)
    return nullWithError<UniformResults>(invocation.takeError());
  llvm::Expected<std::vector<NpyArray>> results = (*invocation)->run();
  if (!results)
    return nullWithError<UniformResults>(results.takeError());
  return UniformResults{new ResultsHandle{std::move(*results)}};
}

bool uniformExecutableBenchmark(UniformExecutable exe, const char *entry,
                                intptr_t numInputs, const UniformArray *inputs,
                                int64_t runs, int64_t warmup,
                                UniformBenchmarkStats *stats) {
  lastError.clear();
  if (!stats)
    return setError("uniformExecutableBenchmark: no stats to fill");
  if (runs <= 0 || warmup < 0 || runs > (1 << 24) || warmup > (1 << 24))
    return setError("a benchmark takes 1 to 2^24 runs and at most 2^24 "
                    "warm-up runs");
  llvm::Expected<std::unique_ptr<Invocation>> invocation =
      prepare(exe, entry, numInputs, inputs);
  if (!invocation)
    return setError(invocation.takeError());
  llvm::Expected<BenchmarkStats> result =
      (*invocation)
          ->benchmark(static_cast<unsigned>(runs),
                      static_cast<unsigned>(warmup));
  if (!result)
    return setError(result.takeError());
  *stats = {result->runs,  result->warmup, result->minMs, result->medianMs,
            result->p90Ms, result->p99Ms,  result->maxMs};
  return true;
}

void uniformKeepFreedMemory(void) { keepFreedMemory(); }
