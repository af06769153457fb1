//===- CudaRuntime.cpp - The mgpu* entry points on the CUDA driver API ----===//
//
// Host code from uniform-gpu-pipeline (MLIR's gpu-to-llvm lowering) calls the
// `mgpu*` functions below to load the embedded kernels, allocate device
// memory and launch kernels on a stream. Debian's MLIR ships no CUDA runtime
// wrappers, so this library provides them on the CUDA driver API.
//
// libcuda is loaded with dlopen() on first use, so the library builds and
// links without the CUDA toolkit and a host without a driver gets a clear
// message instead of a loader error. `uniformCudaInit` lets a host check for
// a usable device before it runs compiled code; a failing `mgpu*` call
// (which compiled code cannot handle) prints the driver's error and exits.
//
//===----------------------------------------------------------------------===//

#include "uniform/Runtime/CudaRuntime.h"
#include "uniform/Runtime/CudaCompatibility.h"
#include "uniform/Runtime/KernelTimes.h"

#include <dlfcn.h>

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

// What a library from uniform-compile was built for (its compute capability,
// PTX ISA and CUDA toolkit version), defined hidden in each library so that
// one library's runtime never reads another's; absent (null) in
// libUniformCudaRuntime.so, which runs whatever uniform-run loads.
extern "C" {
__attribute__((weak,
               visibility("hidden"))) extern const int uniform_library_chip;
__attribute__((weak,
               visibility("hidden"))) extern const int uniform_library_ptx_isa;
__attribute__((
    weak, visibility("hidden"))) extern const int uniform_library_cuda_version;
}

// The few driver API types and constants used here (cuda.h's values), so
// that cuda.h is not needed to build.
namespace {
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;
constexpr CUresult kSuccess = 0;
constexpr unsigned kStreamNonBlocking = 0x1;
constexpr unsigned kEventDisableTiming = 0x2;
constexpr unsigned kMemAttachGlobal = 0x1;
constexpr int kAttrComputeMajor = 75;
constexpr int kAttrComputeMinor = 76;
constexpr int kJitOptimizationLevel = 7;
constexpr int kAttrMemoryPoolsSupported = 115;
constexpr int kMemPoolAttrReleaseThreshold = 4;
using CUmemoryPool = struct CUmemPoolHandle_st *;

/// The stream-ordered allocator (CUDA 11.2+): resolved when the driver has
/// it, used when the device supports memory pools.
struct StreamOrderedAllocator {
  CUresult (*cuMemAllocAsync)(CUdeviceptr *, size_t, CUstream) = nullptr;
  CUresult (*cuMemFreeAsync)(CUdeviceptr, CUstream) = nullptr;
  CUresult (*cuDeviceGetDefaultMemPool)(CUmemoryPool *, CUdevice) = nullptr;
  CUresult (*cuMemPoolSetAttribute)(CUmemoryPool, int, void *) = nullptr;
  bool enabled = false;
  /// The buffers it allocated: others are freed with cuMemFree.
  std::mutex mutex;
  std::unordered_set<CUdeviceptr> buffers;
};

/// The driver entry points, resolved once.
struct Driver {
#define UNIFORM_CU_FN(name, symbol, ret, ...)                                  \
  ret (*name)(__VA_ARGS__) = nullptr;
#include "CudaDriverFunctions.def"
  void *handle = nullptr;
  CUcontext context = nullptr;
  CUdevice device = 0;
  std::string error;
  StreamOrderedAllocator pool;
};

Driver &driver() {
  static Driver d;
  return d;
}

std::once_flag initOnce;

/// Set by an exit handler registered after cuInit, so that it runs before
/// the driver's own teardown: from then on the destructors of libraries
/// (which unload their kernels) must not call into the driver, which
/// may be gone; the process's modules go with it anyway.
std::atomic<bool> processExiting{false};

/// Buffers come from the device's default memory pool, which keeps what is
/// freed for the next allocation instead of returning it to the driver at
/// every synchronization: a model's intermediate buffers, allocated and
/// freed on every call, then cost no cuMemAlloc/cuMemFree (each of which
/// synchronizes the device). UNIFORM_CUDA_MEMORY_POOL=0 turns it off.
void enableStreamOrderedAllocator(Driver &d) {
  StreamOrderedAllocator &pool = d.pool;
  const char *env = std::getenv("UNIFORM_CUDA_MEMORY_POOL");
  if (env && std::strcmp(env, "0") == 0)
    return;
  auto resolve = [&](auto &fn, const char *symbol) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(
        dlsym(d.handle, symbol));
    return fn != nullptr;
  };
  int supported = 0;
  CUmemoryPool defaultPool = nullptr;
  uint64_t keepAll = UINT64_MAX;
  if (!resolve(pool.cuMemAllocAsync, "cuMemAllocAsync") ||
      !resolve(pool.cuMemFreeAsync, "cuMemFreeAsync") ||
      !resolve(pool.cuDeviceGetDefaultMemPool, "cuDeviceGetDefaultMemPool") ||
      !resolve(pool.cuMemPoolSetAttribute, "cuMemPoolSetAttribute") ||
      d.cuDeviceGetAttribute(&supported, kAttrMemoryPoolsSupported, d.device) !=
          kSuccess ||
      !supported ||
      pool.cuDeviceGetDefaultMemPool(&defaultPool, d.device) != kSuccess ||
      pool.cuMemPoolSetAttribute(defaultPool, kMemPoolAttrReleaseThreshold,
                                 &keepAll) != kSuccess)
    return;
  pool.enabled = true;
}

void initialize() {
  Driver &d = driver();
  const char *names[] = {"libcuda.so.1", "libcuda.so"};
  for (const char *name : names)
    if ((d.handle = dlopen(name, RTLD_NOW | RTLD_GLOBAL)))
      break;
  if (!d.handle) {
    const char *why = dlerror();
    d.error = std::string("no CUDA driver: cannot load libcuda.so.1 (") +
              (why ? why : "not found") + ")";
    return;
  }
#define UNIFORM_CU_FN(name, symbol, ret, ...)                                  \
  d.name = reinterpret_cast<ret (*)(__VA_ARGS__)>(dlsym(d.handle, symbol));    \
  if (!d.name) {                                                               \
    d.error = std::string("the CUDA driver lacks ") + symbol;                  \
    return;                                                                    \
  }
#include "CudaDriverFunctions.def"

  auto fail = [&](const char *what, CUresult result) {
    const char *name = nullptr;
    if (d.cuGetErrorName(result, &name) != kSuccess || !name)
      name = "unknown error";
    d.error = std::string(what) + " failed: " + name;
  };
  if (CUresult r = d.cuInit(0))
    return fail("cuInit", r);
  std::atexit([] { processExiting = true; });
  int count = 0;
  if (CUresult r = d.cuDeviceGetCount(&count))
    return fail("cuDeviceGetCount", r);
  if (count == 0) {
    d.error = "no CUDA device";
    return;
  }
  int ordinal = 0;
  if (const char *env = std::getenv("UNIFORM_CUDA_DEVICE"))
    ordinal = std::atoi(env);
  if (CUresult r = d.cuDeviceGet(&d.device, ordinal))
    return fail("cuDeviceGet", r);
  // A library built for another chip or a newer driver says so now, not
  // with CUDA_ERROR_INVALID_IMAGE at its first kernel.
  int major = 0, minor = 0, version = 0;
  if (&uniform_library_chip && &uniform_library_ptx_isa &&
      &uniform_library_cuda_version &&
      d.cuDeviceGetAttribute(&major, kAttrComputeMajor, d.device) == kSuccess &&
      d.cuDeviceGetAttribute(&minor, kAttrComputeMinor, d.device) == kSuccess &&
      d.cuDriverGetVersion(&version) == kSuccess) {
    d.error = uniform::cudaIncompatibility(
        uniform_library_chip, uniform_library_ptx_isa,
        uniform_library_cuda_version, major * 10 + minor, version);
    if (!d.error.empty())
      return;
  }
  if (CUresult r = d.cuDevicePrimaryCtxRetain(&d.context, d.device))
    return fail("cuDevicePrimaryCtxRetain", r);
  enableStreamOrderedAllocator(d);
}

/// Makes the primary context current on this thread; exits with the reason
/// when no device is usable (compiled code has no way to handle it).
void ensureContext() {
  std::call_once(initOnce, initialize);
  Driver &d = driver();
  if (!d.error.empty()) {
    std::fprintf(stderr, "uniform-cuda-runtime: %s\n", d.error.c_str());
    std::exit(1);
  }
  d.cuCtxSetCurrent(d.context);
}

/// The driver, with the device's context current on this thread.
Driver &ready() {
  ensureContext();
  return driver();
}

void check(CUresult result, const char *call) {
  if (result == kSuccess)
    return;
  const char *name = nullptr;
  const char *text = nullptr;
  Driver &d = driver();
  if (d.cuGetErrorName(result, &name) != kSuccess || !name)
    name = "unknown error";
  if (d.cuGetErrorString(result, &text) != kSuccess || !text)
    text = "";
  std::fprintf(stderr, "uniform-cuda-runtime: %s failed: %s (%s)\n", call, name,
               text);
  std::exit(1);
}
} // namespace

#define CHECK(call) check(d.call, #call)

namespace {
/// Kernel timing (uniformCudaEnableKernelTiming): each function's name, and
/// a start and a stop event around every launch since timing began.
struct KernelTiming {
  std::mutex mutex;
  /// Read without the mutex on every launch: untimed launches take no lock.
  std::atomic<bool> enabled{false};
  std::map<CUfunction, std::string> names;
  struct Launch {
    CUfunction function;
    CUevent start, stop;
  };
  std::vector<Launch> launches;
};

KernelTiming &kernelTiming() {
  static KernelTiming timing;
  return timing;
}
} // namespace

extern "C" {

int uniformCudaInit(char *message, size_t size) {
  std::call_once(initOnce, initialize);
  Driver &d = driver();
  if (d.error.empty()) {
    if (message && size)
      message[0] = '\0';
    return 1;
  }
  if (message && size)
    std::snprintf(message, size, "%s", d.error.c_str());
  return 0;
}

int uniformCudaDeviceInfo(char *name, size_t size, int *major, int *minor) {
  if (!uniformCudaInit(nullptr, 0))
    return 0;
  Driver &d = driver();
  if (name && size &&
      d.cuDeviceGetName(name, static_cast<int>(size), d.device) != kSuccess)
    return 0;
  if (major && d.cuDeviceGetAttribute(major, kAttrComputeMajor, d.device))
    return 0;
  if (minor && d.cuDeviceGetAttribute(minor, kAttrComputeMinor, d.device))
    return 0;
  return 1;
}

/// Libraries from uniform-compile load their kernels from a global
/// constructor: without a usable device that must not end the process that
/// merely loads the library. The reason is reported by the first call that
/// needs the device (or by uniformCudaInit).
static bool deviceUsable() {
  std::call_once(initOnce, initialize);
  return driver().error.empty();
}

CUmodule mgpuModuleLoad(void *data, size_t /*size*/) {
  if (!deviceUsable())
    return nullptr;
  Driver &d = ready();
  CUmodule module = nullptr;
  CHECK(cuModuleLoadData(&module, data));
  return module;
}

CUmodule mgpuModuleLoadJIT(void *data, int optLevel) {
  if (!deviceUsable())
    return nullptr;
  Driver &d = ready();
  CUmodule module = nullptr;
  int options[] = {kJitOptimizationLevel};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  CHECK(cuModuleLoadDataEx(&module, data, 1, options, values));
  return module;
}

void mgpuModuleUnload(CUmodule module) {
  if (!module || processExiting)
    return;
  Driver &d = ready();
  CHECK(cuModuleUnload(module));
}

CUfunction mgpuModuleGetFunction(CUmodule module, const char *name) {
  Driver &d = ready();
  CUfunction function = nullptr;
  CHECK(cuModuleGetFunction(&function, module, name));
  KernelTiming &timing = kernelTiming();
  std::lock_guard<std::mutex> lock(timing.mutex);
  timing.names[function] = name;
  return function;
}

void uniformCudaEnableKernelTiming(void) { kernelTiming().enabled = true; }

void uniformCudaPrintKernelTimes(void) {
  Driver &d = ready();
  KernelTiming &timing = kernelTiming();
  std::lock_guard<std::mutex> lock(timing.mutex);
  uniform::KernelTimeTable table;
  for (const KernelTiming::Launch &launch : timing.launches) {
    float ms = 0;
    CHECK(cuEventSynchronize(launch.stop));
    CHECK(cuEventElapsedTime(&ms, launch.start, launch.stop));
    CHECK(cuEventDestroy(launch.start));
    CHECK(cuEventDestroy(launch.stop));
    auto name = timing.names.find(launch.function);
    table.add(name == timing.names.end() ? "?" : name->second, ms);
  }
  timing.launches.clear();
  table.print(stdout, "CUDA events");
}

void mgpuLaunchKernel(CUfunction function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, CUstream stream,
                      void **params, void **extra, size_t /*paramsCount*/) {
  Driver &d = ready();
  KernelTiming &timing = kernelTiming();
  if (!timing.enabled) {
    CHECK(cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                         smem, stream, params, extra));
    return;
  }
  // Two events per timed launch, kept until the times are printed.
  std::lock_guard<std::mutex> lock(timing.mutex);
  KernelTiming::Launch launch{function, nullptr, nullptr};
  CHECK(cuEventCreate(&launch.start, 0));
  CHECK(cuEventCreate(&launch.stop, 0));
  CHECK(cuEventRecord(launch.start, stream));
  CHECK(cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                       smem, stream, params, extra));
  CHECK(cuEventRecord(launch.stop, stream));
  timing.launches.push_back(launch);
}

CUstream mgpuStreamCreate() {
  Driver &d = ready();
  CUstream stream = nullptr;
  CHECK(cuStreamCreate(&stream, kStreamNonBlocking));
  return stream;
}

void mgpuStreamDestroy(CUstream stream) {
  Driver &d = ready();
  CHECK(cuStreamDestroy(stream));
}

void mgpuStreamSynchronize(CUstream stream) {
  Driver &d = ready();
  CHECK(cuStreamSynchronize(stream));
}

void mgpuStreamWaitEvent(CUstream stream, CUevent event) {
  Driver &d = ready();
  CHECK(cuStreamWaitEvent(stream, event, 0));
}

CUevent mgpuEventCreate() {
  Driver &d = ready();
  CUevent event = nullptr;
  CHECK(cuEventCreate(&event, kEventDisableTiming));
  return event;
}

void mgpuEventDestroy(CUevent event) {
  Driver &d = ready();
  CHECK(cuEventDestroy(event));
}

void mgpuEventSynchronize(CUevent event) {
  Driver &d = ready();
  CHECK(cuEventSynchronize(event));
}

void mgpuEventRecord(CUevent event, CUstream stream) {
  Driver &d = ready();
  CHECK(cuEventRecord(event, stream));
}

void *mgpuMemAlloc(uint64_t sizeBytes, CUstream stream, bool isHostShared) {
  Driver &d = ready();
  CUdeviceptr ptr = 0;
  if (sizeBytes == 0)
    return nullptr;
  StreamOrderedAllocator &pool = d.pool;
  if (isHostShared) {
    CHECK(cuMemAllocManaged(&ptr, sizeBytes, kMemAttachGlobal));
  } else if (pool.enabled) {
    check(pool.cuMemAllocAsync(&ptr, sizeBytes, stream), "cuMemAllocAsync");
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.buffers.insert(ptr);
  } else {
    CHECK(cuMemAlloc(&ptr, sizeBytes));
  }
  return reinterpret_cast<void *>(ptr);
}

void mgpuMemFree(void *ptr, CUstream stream) {
  if (!ptr)
    return;
  Driver &d = ready();
  auto buffer = reinterpret_cast<CUdeviceptr>(ptr);
  StreamOrderedAllocator &pool = d.pool;
  bool pooled = false;
  if (pool.enabled) {
    std::lock_guard<std::mutex> lock(pool.mutex);
    pooled = pool.buffers.erase(buffer) != 0;
  }
  if (pooled)
    check(pool.cuMemFreeAsync(buffer, stream), "cuMemFreeAsync");
  else
    CHECK(cuMemFree(buffer));
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, CUstream stream) {
  Driver &d = ready();
  CHECK(cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                      reinterpret_cast<CUdeviceptr>(src), sizeBytes, stream));
}

void mgpuMemset32(void *dst, unsigned int value, size_t count,
                  CUstream stream) {
  Driver &d = ready();
  CHECK(cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                         stream));
}

void mgpuMemset16(void *dst, unsigned short value, size_t count,
                  CUstream stream) {
  Driver &d = ready();
  CHECK(cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value, count,
                         stream));
}

void *uniformCudaDeviceConstant(void **slot, const void *host,
                                uint64_t sizeBytes) {
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  if (*slot || sizeBytes == 0)
    return *slot;
  Driver &d = ready();
  // Outside the stream-ordered pool, and copied before any stream can use
  // it: the copy outlives this call's stream and serves every later call.
  CUdeviceptr ptr = 0;
  CHECK(cuMemAlloc(&ptr, sizeBytes));
  CHECK(cuMemcpyHtoD(ptr, host, sizeBytes));
  *slot = reinterpret_cast<void *>(ptr);
  return *slot;
}

void uniformCudaReleaseDeviceConstant(void **slot) {
  void *ptr = std::exchange(*slot, nullptr);
  if (!ptr || processExiting)
    return;
  Driver &d = ready();
  CHECK(cuMemFree(reinterpret_cast<CUdeviceptr>(ptr)));
}

void mgpuSetDefaultDevice(int32_t device) {
  // Takes effect before the first use of the runtime only.
  std::string value = std::to_string(device);
  setenv("UNIFORM_CUDA_DEVICE", value.c_str(), /*overwrite=*/1);
}

} // extern "C"
