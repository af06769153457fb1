//===- Executable.cpp - Load and run compiled models ----------------------===//
//
// Implements include/uniform/Runtime/Executable.h: loading (Loading.cpp
// finds entry points and compiles), devices (the CUDA runtime's or the
// emulator's mgpu* functions), and invocations (memref descriptors packed
// for the entry's `_mlir_` wrapper, results gathered into C-order arrays).
//
//===----------------------------------------------------------------------===//

#include "uniform/Runtime/Executable.h"

#include "Loading.h"
#include "uniform/InitAll.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdlib>
#include <dlfcn.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

using namespace mlir;
using namespace uniform;
using namespace uniform::loading;

static llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(message);
}

llvm::StringRef uniform::stringifyDeviceKind(DeviceKind kind) {
  switch (kind) {
  case DeviceKind::Cpu:
    return "cpu";
  case DeviceKind::Cuda:
    return "cuda";
  case DeviceKind::CudaEmulator:
    return "cuda-emulator";
  }
  llvm_unreachable("unknown device kind");
}

std::optional<DeviceKind> uniform::symbolizeDeviceKind(llvm::StringRef name) {
  for (DeviceKind kind :
       {DeviceKind::Cpu, DeviceKind::Cuda, DeviceKind::CudaEmulator})
    if (name == stringifyDeviceKind(kind))
      return kind;
  return std::nullopt;
}

std::optional<NpyDType> uniform::getArrayDType(Type type) {
  if (type.isF32())
    return NpyDType::Float32;
  if (type.isF16())
    return NpyDType::Float16;
  if (type.isInteger(64) || type.isIndex())
    return NpyDType::Int64;
  return std::nullopt;
}

void uniform::keepFreedMemory() {
#if defined(__GLIBC__)
  mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
  mallopt(M_TRIM_THRESHOLD, 1024 * 1024 * 1024);
#endif
}

//===----------------------------------------------------------------------===//
// Devices
//===----------------------------------------------------------------------===//

namespace {
/// The CUDA runtime's entry points that the runtime itself calls: the
/// device check, and the transfers of inputs and results.
struct DeviceApi {
  int (*init)(char *, size_t) = nullptr;
  // The emulator's counters (null for the CUDA runtime).
  void (*enableProfile)() = nullptr;
  void (*printProfile)() = nullptr;
  void (*enableKernelTiming)() = nullptr;
  void (*printKernelTimes)() = nullptr;
  void *(*streamCreate)() = nullptr;
  void (*streamSynchronize)(void *) = nullptr;
  void (*streamDestroy)(void *) = nullptr;
  void *(*memAlloc)(uint64_t, void *, bool) = nullptr;
  void (*memFree)(void *, void *) = nullptr;
  void (*memcpy)(void *, void *, size_t, void *) = nullptr;
};
} // namespace

/// The CUDA runtime (or emulator) installed beside the binary holding this
/// code (bin/../lib for a tool, lib/ for a shared library), else the build
/// tree's.
static std::string getDefaultCudaRuntime(bool emulator) {
  llvm::StringRef name =
      emulator ? "libUniformCudaEmulator.so" : "libUniformCudaRuntime.so";
  std::string directory = getUniformBinaryDirectory();
  for (llvm::StringRef relative : {".", "../lib"}) {
    llvm::SmallString<256> candidate(directory);
    llvm::sys::path::append(candidate, relative, name);
    if (!directory.empty() && llvm::sys::fs::exists(candidate))
      return std::string(candidate);
  }
  return emulator ? UNIFORM_CUDA_EMULATOR : UNIFORM_CUDA_RUNTIME;
}

/// The device functions of a CUDA runtime: uniform's runtime library, the
/// emulator, or the runtime compiled into a CUDA library. `lookup` finds a
/// symbol in it; `what` names it in errors.
static llvm::Expected<DeviceApi>
resolveDeviceApi(llvm::function_ref<void *(const char *)> lookup,
                 const llvm::Twine &what, bool emulator, bool kernelTimes) {
  DeviceApi api;
  auto get = [&](auto &fn, const char *name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(lookup(name));
    return fn != nullptr;
  };
  if (!get(api.init, "uniformCudaInit") ||
      !get(api.streamCreate, "mgpuStreamCreate") ||
      !get(api.streamSynchronize, "mgpuStreamSynchronize") ||
      !get(api.streamDestroy, "mgpuStreamDestroy") ||
      !get(api.memAlloc, "mgpuMemAlloc") || !get(api.memFree, "mgpuMemFree") ||
      !get(api.memcpy, "mgpuMemcpy"))
    return error(what + " is not uniform's CUDA runtime");
  if (emulator &&
      (!get(api.enableProfile, "uniformCudaEmulatorEnableProfile") ||
       !get(api.printProfile, "uniformCudaEmulatorPrintProfile")))
    return error(what + " is not uniform's CUDA emulator");
  if (kernelTimes &&
      (!get(api.enableKernelTiming, "uniformCudaEnableKernelTiming") ||
       !get(api.printKernelTimes, "uniformCudaPrintKernelTimes")))
    return error(what + " cannot time kernels (a runtime older than "
                        "--kernel-times)");
  return api;
}

/// Loads the CUDA runtime or the emulator at `path` (the device is checked
/// when an invocation first runs, so that a GPU module compiles on a machine
/// without one).
static llvm::Expected<DeviceApi>
loadDeviceApi(const std::string &path, bool emulator, bool kernelTimes) {
  std::string message;
  auto lib =
      llvm::sys::DynamicLibrary::getPermanentLibrary(path.c_str(), &message);
  if (!lib.isValid())
    return error("cannot load the CUDA runtime '" + path + "': " + message);
  return resolveDeviceApi(
      [&](const char *name) { return lib.getAddressOfSymbol(name); },
      "'" + path + "'", emulator, kernelTimes);
}

//===----------------------------------------------------------------------===//
// Executable
//===----------------------------------------------------------------------===//

struct Executable::Impl {
  LoadOptions options;
  std::string path;
  std::unique_ptr<MLIRContext> context;
  llvm::SourceMgr sourceMgr;
  OwningOpRef<ModuleOp> module;
  std::optional<Library> library;
  SmallVector<EntryPoint> entries;
  bool hasKernels = false;
  std::optional<DeviceApi> device;
  std::optional<CompiledModule> compiled;

  bool onDevice() const { return options.device != DeviceKind::Cpu; }
  llvm::Error loadLibrary();
  llvm::Error loadModule();
  llvm::Error checkKernels();
  llvm::Expected<PackedFunction> code(llvm::StringRef entry);
};

/// A library from uniform-compile: a CPU library runs on the CPU; a CUDA
/// library on a GPU, through the CUDA runtime compiled into it.
llvm::Error Executable::Impl::loadLibrary() {
  if (options.device == DeviceKind::CudaEmulator)
    return error("'" + path +
                 "' is a library: its kernels are cubins and PTX, and the "
                 "CUDA emulator runs modules lowered with "
                 "--uniform-gpu-pipeline=format=llvm");
  llvm::Expected<Library> loaded = openLibrary(path, *context);
  if (!loaded)
    return loaded.takeError();
  library = std::move(*loaded);
  entries = library->entries;
  if (library->cuda != onDevice())
    return error("'" + path + "' was built for --target=" +
                 (library->cuda ? "cuda" : "cpu") +
                 ": run it with --device=" + (library->cuda ? "cuda" : "cpu"));
  if (!library->cuda)
    return llvm::Error::success();
  void *handle = library->handle.get();
  llvm::Expected<DeviceApi> api = resolveDeviceApi(
      [&](const char *name) { return dlsym(handle, name); }, "'" + path + "'",
      /*emulator=*/false, options.kernelTimes);
  if (!api)
    return api.takeError();
  device = *api;
  return llvm::Error::success();
}

llvm::Error Executable::Impl::loadModule() {
  std::string message;
  std::unique_ptr<llvm::MemoryBuffer> file = openInputFile(path, &message);
  if (!file)
    return error(message);
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  if (llvm::Error err = captureDiagnostics(*context, sourceMgr, [&] {
        module = parseSourceFile<ModuleOp>(sourceMgr, context.get());
        return success(static_cast<bool>(module));
      }))
    return llvm::make_error<DiagnosticsError>(
        llvm::toString(std::move(err)) + "error: cannot parse '" + path +
        "' as a module in the LLVM dialect; lower it with uniform-opt "
        "--uniform-cpu-pipeline first\n");
  // Only lowered modules run: LLVM dialect (and, from the GPU pipeline,
  // gpu.binary) at the top level.
  for (Operation &op : module->getBody()->getOperations()) {
    if (isa<LLVM::LLVMDialect>(op.getDialect()) || isa<gpu::BinaryOp>(op))
      continue;
    return error("'" + path + "' is not lowered ('" +
                 op.getName().getStringRef() +
                 "' at the top level); lower it with uniform-opt "
                 "--uniform-cpu-pipeline (or --uniform-gpu-pipeline) first");
  }
  llvm::Expected<SmallVector<EntryPoint>> found = moduleEntryPoints(*module);
  if (!found)
    return found.takeError();
  entries = std::move(*found);
  hasKernels = !module->getOps<gpu::BinaryOp>().empty();
  return checkKernels();
}

/// Checks that the module's code suits the device: GPU kernels for a
/// device, in the form it runs (NVVM IR for the emulator, PTX or a binary
/// for a GPU), and none for the CPU.
llvm::Error Executable::Impl::checkKernels() {
  if (hasKernels && !onDevice())
    return error("'" + path +
                 "' was lowered by uniform-gpu-pipeline: run it with "
                 "--device=cuda (or --device=cuda-emulator for format=llvm)");
  if (!hasKernels && onDevice())
    return error("'" + path +
                 "' has no GPU kernels: lower it with uniform-opt "
                 "--uniform-gpu-pipeline for --device=cuda");
  bool emulator = options.device == DeviceKind::CudaEmulator;
  return captureDiagnostics(
      *context, sourceMgr, [&]() -> LogicalResult {
        for (auto binary : module->getOps<gpu::BinaryOp>()) {
          for (Attribute attr : binary.getObjects()) {
            auto object = dyn_cast<gpu::ObjectAttr>(attr);
            if (!object)
              continue;
            bool isIR = object.getFormat() == gpu::CompilationTarget::Offload;
            auto where = [&] {
              return emitError(binary.getLoc())
                     << "gpu.binary @" << binary.getSymName() << " holds ";
            };
            if (emulator && !isIR)
              return where()
                     << gpu::stringifyCompilationTarget(object.getFormat())
                     << " kernels; --device=cuda-emulator runs NVVM IR: lower "
                        "with --uniform-gpu-pipeline=format=llvm";
            if (!emulator && isIR)
              return where()
                     << "NVVM IR (format=llvm), which a GPU cannot load: "
                        "run it with --device=cuda-emulator, or lower "
                        "with format=isa or bin for --device=cuda";
          }
        }
        return success();
      });
}

/// `entry`'s code: from the library, or from the module, compiled on first
/// use (for a GPU module, against the CUDA runtime, which is loaded first).
llvm::Expected<PackedFunction> Executable::Impl::code(llvm::StringRef entry) {
  if (library)
    return lookupLibraryEntry(*library, entry, path);
  bool emulator = options.device == DeviceKind::CudaEmulator;
  std::string runtime;
  if (onDevice())
    runtime = options.cudaRuntime.empty() ? getDefaultCudaRuntime(emulator)
                                          : options.cudaRuntime;
  if (onDevice() && !device) {
    llvm::Expected<DeviceApi> api =
        loadDeviceApi(runtime, emulator, options.kernelTimes);
    if (!api)
      return api.takeError();
    device = *api;
  }
  if (!compiled) {
    JitOptions jit = options.jit;
    // The engine resolves a GPU module's mgpu* calls against the runtime.
    if (onDevice())
      jit.sharedLibraries.push_back(runtime);
    llvm::StringRef text =
        sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())->getBuffer();
    // Translation to LLVM IR reports unsupported ops as diagnostics: they
    // come back with the error, at their locations.
    std::string diagnostics, failure;
    if (failed(collectDiagnostics(*context, sourceMgr, diagnostics, [&] {
          llvm::Expected<CompiledModule> result =
              compileModule(*module, text, path, entry, hasKernels, jit);
          if (!result) {
            failure = llvm::toString(result.takeError());
            return mlir::failure();
          }
          compiled = std::move(*result);
          return success();
        })))
      return diagnostics.empty()
                 ? error(failure)
                 : llvm::make_error<DiagnosticsError>(
                       diagnostics + "error: " + failure + "\n");
  }
  return compiled->lookup(entry);
}

Executable::Executable(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}
Executable::~Executable() = default;

llvm::Expected<std::unique_ptr<Executable>>
Executable::load(llvm::StringRef path, const LoadOptions &options) {
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->path = path.str();
  DialectRegistry registry;
  registerAllDialects(registry);
  impl->context = std::make_unique<MLIRContext>(registry);
  llvm::Error err =
      path.ends_with(".so") ? impl->loadLibrary() : impl->loadModule();
  if (err)
    return std::move(err);
  return std::unique_ptr<Executable>(new Executable(std::move(impl)));
}

llvm::ArrayRef<EntryPoint> Executable::getEntryPoints() const {
  return impl->entries;
}

llvm::Expected<const EntryPoint &>
Executable::lookupEntry(llvm::StringRef name) const {
  return chooseEntry(impl->entries, name, impl->path);
}

llvm::StringRef Executable::getBuildInfo() const {
  return impl->library ? llvm::StringRef(impl->library->buildInfo) : "";
}

bool Executable::isLibrary() const { return impl->library.has_value(); }

const LoadOptions &Executable::getOptions() const { return impl->options; }

static std::string typeToString(Type type) {
  std::string str;
  llvm::raw_string_ostream os(str);
  os << type;
  return str;
}

static std::string describe(NpyDType dtype, llvm::ArrayRef<int64_t> shape) {
  return (getNpyDTypeName(dtype) + " array of shape " + formatShape(shape))
      .str();
}

static llvm::Error unsupportedType(const EntryPoint &entry,
                                   llvm::StringRef kind, size_t index,
                                   Type type) {
  return error("entry '" + entry.name + "': " + kind + " #" +
               llvm::Twine(index) + " has type " + typeToString(type) +
               ", which .npy exchange does not support (ranked tensors of "
               "f32, f16 or i64 only)");
}

/// The dtype of a ranked tensor type, if arrays can carry it.
static std::optional<NpyDType> getTensorDType(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor ? getArrayDType(tensor.getElementType()) : std::nullopt;
}

llvm::Error Executable::checkInput(const EntryPoint &entry, unsigned index,
                                   const NpyArray &array,
                                   llvm::StringRef source) {
  Type type = entry.signature.getInput(index);
  std::optional<NpyDType> dtype = getTensorDType(type);
  if (!dtype)
    return unsupportedType(entry, "input", index, type);
  ArrayRef<int64_t> expected = cast<RankedTensorType>(type).getShape();
  bool shapeOk = array.shape.size() == expected.size();
  for (size_t d = 0; shapeOk && d < expected.size(); ++d)
    shapeOk =
        ShapedType::isDynamic(expected[d]) || expected[d] == array.shape[d];
  if (array.dtype == *dtype && shapeOk)
    return llvm::Error::success();
  std::string from = source.empty() ? "" : " ('" + source.str() + "')";
  return error("input #" + llvm::Twine(index) + " of '" + entry.name + "'" +
               from + ": expected " + describe(*dtype, expected) + " (" +
               typeToString(type) + "), but " +
               (source.empty() ? "got a " : "the file holds ") +
               describe(array.dtype, array.shape));
}

//===----------------------------------------------------------------------===//
// Invocation
//===----------------------------------------------------------------------===//

namespace {
/// A memref descriptor with identity layout, as the lowered entry takes it.
struct Descriptor {
  void *allocated = nullptr;
  void *aligned = nullptr;
  int64_t offset = 0;
  std::vector<int64_t> sizes, strides;
};
} // namespace

struct Invocation::Impl {
  Executable::Impl &exe;
  EntryPoint entry;
  SmallVector<NpyDType> resultDTypes;
  std::vector<NpyArray> inputs;
  PackedFunction function = nullptr;
  // Set up on the first run: the device, its stream and the inputs' copies.
  bool ready = false;
  void *stream = nullptr;
  std::vector<void *> deviceInputs;
  std::vector<Descriptor> inputDescriptors;
  std::vector<int64_t> resultStorage;
  SmallVector<void *> args;

  Impl(Executable::Impl &exe, const EntryPoint &entry)
      : exe(exe), entry(entry) {}
  const DeviceApi *device() const {
    return exe.device ? &*exe.device : nullptr;
  }
  llvm::Error setUp();
  void startKernelTiming() const;
  void packArguments();
  std::vector<Descriptor> readResults() const;
  void freeResults(const std::vector<Descriptor> &results) const;
  std::vector<NpyArray> gatherResults(const std::vector<Descriptor> &results);
};

/// The device (its check, a stream, the inputs in its memory), then the
/// module's global constructors (a GPU module's kernel loading), once.
llvm::Error Invocation::Impl::setUp() {
  if (ready)
    return llvm::Error::success();
  if (const DeviceApi *api = device()) {
    char message[512];
    if (!api->init(message, sizeof(message)))
      return error(llvm::Twine("no usable CUDA device: ") + message);
    if (exe.options.profile && api->enableProfile)
      api->enableProfile();
    stream = api->streamCreate();
    for (NpyArray &array : inputs) {
      void *ptr = api->memAlloc(array.data.size(), stream, false);
      if (!array.data.empty())
        api->memcpy(ptr, array.data.data(), array.data.size(), stream);
      deviceInputs.push_back(ptr);
    }
    api->streamSynchronize(stream);
  }
  // Runs once per engine (ExecutionEngine::initialize checks).
  if (exe.compiled && exe.compiled->engine)
    exe.compiled->engine->initialize();
  packArguments();
  ready = true;
  return llvm::Error::success();
}

void Invocation::Impl::startKernelTiming() const {
  if (const DeviceApi *api = device())
    if (exe.options.kernelTimes)
      api->enableKernelTiming();
}

/// Packed arguments: every field of every input descriptor, then a pointer
/// to the storage of the returned struct of descriptors.
void Invocation::Impl::packArguments() {
  inputDescriptors.resize(inputs.size());
  for (auto [i, desc, array] : llvm::enumerate(inputDescriptors, inputs)) {
    desc.allocated = desc.aligned =
        device() ? deviceInputs[i] : static_cast<void *>(array.data.data());
    desc.sizes = array.shape;
    desc.strides.assign(array.shape.size(), 1);
    for (int64_t d = static_cast<int64_t>(array.shape.size()) - 2; d >= 0; --d)
      desc.strides[d] = desc.strides[d + 1] * array.shape[d + 1];
  }
  for (Descriptor &desc : inputDescriptors) {
    args.push_back(&desc.allocated);
    args.push_back(&desc.aligned);
    args.push_back(&desc.offset);
    for (int64_t &s : desc.sizes)
      args.push_back(&s);
    for (int64_t &s : desc.strides)
      args.push_back(&s);
  }
  size_t words = 0;
  for (Type type : entry.signature.getResults())
    words += 3 + 2 * cast<RankedTensorType>(type).getRank();
  resultStorage.assign(std::max<size_t>(words, 1), 0);
  if (entry.signature.getNumResults())
    args.push_back(resultStorage.data());
}

std::vector<Descriptor> Invocation::Impl::readResults() const {
  std::vector<Descriptor> out;
  const int64_t *p = resultStorage.data();
  for (Type type : entry.signature.getResults()) {
    Descriptor d;
    d.allocated = reinterpret_cast<void *>(p[0]);
    d.aligned = reinterpret_cast<void *>(p[1]);
    d.offset = p[2];
    int64_t rank = cast<RankedTensorType>(type).getRank();
    d.sizes.assign(p + 3, p + 3 + rank);
    d.strides.assign(p + 3 + rank, p + 3 + 2 * rank);
    p += 3 + 2 * rank;
    out.push_back(std::move(d));
  }
  return out;
}

/// Frees each result buffer once (results may share one).
void Invocation::Impl::freeResults(
    const std::vector<Descriptor> &results) const {
  llvm::DenseSet<void *> freed;
  for (const Descriptor &d : results) {
    if (!d.allocated || !freed.insert(d.allocated).second)
      continue;
    if (const DeviceApi *api = device())
      api->memFree(d.allocated, stream);
    else
      std::free(d.allocated);
  }
}

/// Copies the span of device memory each result covers to the host.
static std::vector<Descriptor>
copyToHost(const DeviceApi &api, void *stream,
           const std::vector<Descriptor> &results, ArrayRef<NpyDType> dtypes,
           std::vector<std::vector<char>> &storage) {
  std::vector<Descriptor> host = results;
  storage.resize(results.size());
  for (auto [d, dtype, bytes] : llvm::zip(host, dtypes, storage)) {
    int64_t elt = getNpyDTypeSize(dtype);
    int64_t extent = 1;
    bool empty = false;
    for (auto [size, stride] : llvm::zip(d.sizes, d.strides)) {
      empty |= size == 0;
      extent += (size - 1) * stride;
    }
    bytes.resize(empty ? 0 : extent * elt);
    if (!empty)
      api.memcpy(bytes.data(), static_cast<char *>(d.aligned) + d.offset * elt,
                 extent * elt, stream);
    d.aligned = bytes.data();
    d.offset = 0;
  }
  api.streamSynchronize(stream);
  return host;
}

/// Gathers the strided host memory `d` describes into a C-order array.
static NpyArray gather(const Descriptor &d, NpyDType dtype) {
  NpyArray array;
  array.dtype = dtype;
  array.shape = d.sizes;
  int64_t elt = getNpyDTypeSize(dtype);
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
  return array;
}

std::vector<NpyArray>
Invocation::Impl::gatherResults(const std::vector<Descriptor> &results) {
  std::vector<std::vector<char>> storage;
  std::vector<Descriptor> host =
      device() ? copyToHost(*device(), stream, results, resultDTypes, storage)
               : results;
  std::vector<NpyArray> arrays;
  for (auto [d, dtype] : llvm::zip(host, resultDTypes))
    arrays.push_back(gather(d, dtype));
  return arrays;
}

Invocation::Invocation(std::unique_ptr<Impl> impl) : impl(std::move(impl)) {}

Invocation::~Invocation() {
  const DeviceApi *api = impl->device();
  if (!api || !impl->ready)
    return;
  for (void *ptr : impl->deviceInputs)
    api->memFree(ptr, impl->stream);
  api->streamSynchronize(impl->stream);
  api->streamDestroy(impl->stream);
}

const EntryPoint &Invocation::getEntry() const { return impl->entry; }

llvm::Expected<std::vector<NpyArray>> Invocation::run() {
  if (llvm::Error err = impl->setUp())
    return std::move(err);
  impl->startKernelTiming();
  impl->function(impl->args.data());
  std::vector<Descriptor> results = impl->readResults();
  std::vector<NpyArray> arrays = impl->gatherResults(results);
  impl->freeResults(results);
  return arrays;
}

llvm::Expected<BenchmarkStats> Invocation::benchmark(unsigned runs,
                                                     unsigned warmup) {
  if (runs == 0 || runs > (1u << 24) || warmup > (1u << 24))
    return error("a benchmark takes 1 to 2^24 runs and at most 2^24 warm-up "
                 "runs");
  if (llvm::Error err = impl->setUp())
    return std::move(err);
  std::vector<double> ms;
  for (unsigned i = 0; i < warmup + runs; ++i) {
    if (i == warmup)
      impl->startKernelTiming();
    auto start = std::chrono::steady_clock::now();
    impl->function(impl->args.data());
    auto stop = std::chrono::steady_clock::now();
    impl->freeResults(impl->readResults());
    if (i >= warmup)
      ms.push_back(
          std::chrono::duration<double, std::milli>(stop - start).count());
  }
  return summarizeTimes(ms, warmup);
}

void Invocation::printKernelTimes() const {
  const DeviceApi *api = impl->device();
  if (!api || !impl->exe.options.kernelTimes)
    return;
  // The runtime prints through stdio: what came before goes first.
  llvm::outs().flush();
  api->printKernelTimes();
}

void Invocation::printProfile() const {
  if (const DeviceApi *api = impl->device())
    if (api->printProfile)
      api->printProfile();
}

llvm::Expected<std::unique_ptr<Invocation>>
Executable::prepare(llvm::StringRef name, std::vector<NpyArray> inputs) {
  llvm::Expected<const EntryPoint &> entry = lookupEntry(name);
  if (!entry)
    return entry.takeError();
  auto invocation = std::unique_ptr<Invocation>(
      new Invocation(std::make_unique<Invocation::Impl>(*impl, *entry)));
  Invocation::Impl &state = *invocation->impl;
  FunctionType signature = entry->signature;
  for (auto [i, type] : llvm::enumerate(signature.getResults())) {
    std::optional<NpyDType> dtype = getTensorDType(type);
    if (!dtype)
      return unsupportedType(*entry, "result", i, type);
    state.resultDTypes.push_back(*dtype);
  }
  if (inputs.size() != signature.getNumInputs())
    return error("entry '" + entry->name + "' takes " +
                 llvm::Twine(signature.getNumInputs()) + " inputs, but " +
                 llvm::Twine(inputs.size()) + " were given");
  for (auto [i, array] : llvm::enumerate(inputs))
    if (llvm::Error err = checkInput(*entry, i, array, ""))
      return std::move(err);
  state.inputs = std::move(inputs);
  llvm::Expected<PackedFunction> function = impl->code(entry->name);
  if (!function)
    return function.takeError();
  state.function = *function;
  return invocation;
}
