//===- EmulatorRuntime.cpp - The mgpu* entry points on the emulator -------===//
//
// The same C entry points as lib/CudaRuntime, so that host code from
// uniform-gpu-pipeline (and uniform-run) runs unchanged. Everything is
// synchronous: streams and events are tokens, copies happen at once, and a
// launch has finished when mgpuLaunchKernel returns. Kernel modules are
// compiled at their first mgpuModuleGetFunction, so that loading the
// modules of a whole model (from global constructors) costs nothing.
//
//===----------------------------------------------------------------------===//

#include "uniform/Runtime/CudaEmulator.h"
#include "uniform/Runtime/KernelTimes.h"

#include "KernelCompiler.h"
#include "MemoryCheck.h"
#include "Profile.h"
#include "Scheduler.h"

#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

using namespace uniform::emu;

namespace {
struct LoadedModule {
  unsigned loadIndex;
  std::string image;
  std::unique_ptr<KernelModule> compiled;
};

[[noreturn]] void fatal(const std::string &message) {
  llvm::errs() << "uniform-cuda-emulator: error: " << message << "\n";
  llvm::errs().flush();
  std::exit(1);
}

char streamToken, eventToken;

/// Set at exit, before the device memory's bookkeeping goes: modules'
/// destructors then leave their constants' copies alone.
bool exiting = false;

/// Kernel timing (uniformCudaEnableKernelTiming): launches are synchronous,
/// so the host's clock around each one times it.
bool kernelTimingEnabled = false;
uniform::KernelTimeTable &kernelTimes() {
  static uniform::KernelTimeTable table;
  return table;
}
} // namespace

extern "C" {

int uniformCudaInit(char *message, size_t size) {
  if (message && size)
    message[0] = '\0';
  return 1;
}

int uniformCudaDeviceInfo(char *name, size_t size, int *major, int *minor) {
  if (name && size)
    std::snprintf(name, size, "uniform CUDA emulator (sm_87)");
  if (major)
    *major = 8;
  if (minor)
    *minor = 7;
  return 1;
}

void uniformCudaEmulatorEnableProfile(void) { enableProfiling(); }

void uniformCudaEnableKernelTiming(void) { kernelTimingEnabled = true; }

void uniformCudaPrintKernelTimes(void) {
  llvm::outs().flush();
  kernelTimes().print(stdout, "CUDA emulator, host clock");
  kernelTimes().clear();
}

void uniformCudaEmulatorPrintProfile(void) {
  printProfile(llvm::outs());
  llvm::outs().flush();
}

void *mgpuModuleLoad(void *data, size_t size) {
  static unsigned loaded = 0;
  auto *module = new LoadedModule;
  module->loadIndex = loaded++;
  module->image.assign(static_cast<const char *>(data), size);
  return module;
}

void *mgpuModuleLoadJIT(void *, int) {
  fatal("the kernel module is PTX: the CUDA emulator runs modules compiled "
        "with --uniform-gpu-pipeline=format=llvm");
}

void mgpuModuleUnload(void *module) {
  // Compiled code stays in the JIT; the module's image goes.
  delete static_cast<LoadedModule *>(module);
}

void *mgpuModuleGetFunction(void *handle, const char *name) {
  auto *module = static_cast<LoadedModule *>(handle);
  if (!module->compiled) {
    llvm::Expected<std::unique_ptr<KernelModule>> compiled =
        compileKernelModule(module->image);
    if (!compiled)
      fatal("cannot compile the kernel module of '" + std::string(name) +
            "': " + llvm::toString(compiled.takeError()));
    module->compiled = std::move(*compiled);
    module->compiled->loadIndex = module->loadIndex;
    registerModuleGlobals(*module->compiled);
  }
  KernelInfo *kernel = module->compiled->lookupKernel(name);
  if (!kernel)
    fatal("the kernel module has no kernel '" + std::string(name) + "'");
  return kernel;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void * /*stream*/,
                      void **params, void **extra, size_t /*paramsCount*/) {
  auto &kernel = *static_cast<KernelInfo *>(function);
  if (extra)
    fatal("launch of '" + kernel.name +
          "': the `extra` parameter form is not supported");
  auto dim = [](intptr_t v) {
    return static_cast<uint32_t>(
        std::min<intptr_t>(std::max<intptr_t>(v, 0), UINT32_MAX));
  };
  LaunchConfig config;
  config.grid = {dim(gridX), dim(gridY), dim(gridZ)};
  config.block = {dim(blockX), dim(blockY), dim(blockZ)};
  config.dynamicSharedBytes = smem < 0 ? UINT32_MAX : smem;
  std::string refusal = checkLaunchConfig(kernel, config);
  if (!refusal.empty())
    fatal("launch of '" + kernel.name + "' with grid (" +
          std::to_string(gridX) + "," + std::to_string(gridY) + "," +
          std::to_string(gridZ) + ") and block (" + std::to_string(blockX) +
          "," + std::to_string(blockY) + "," + std::to_string(blockZ) +
          "): " + refusal + " (cuLaunchKernel would fail)");
  auto start = std::chrono::steady_clock::now();
  runLaunch(kernel, config, params);
  if (kernelTimingEnabled)
    kernelTimes().add(kernel.name, std::chrono::duration<double, std::milli>(
                                       std::chrono::steady_clock::now() - start)
                                       .count());
}

void *mgpuStreamCreate() { return &streamToken; }
void mgpuStreamDestroy(void *) {}
void mgpuStreamSynchronize(void *) {}
void mgpuStreamWaitEvent(void *, void *) {}
void *mgpuEventCreate() { return &eventToken; }
void mgpuEventDestroy(void *) {}
void mgpuEventSynchronize(void *) {}
void mgpuEventRecord(void *, void *) {}

void *mgpuMemAlloc(uint64_t sizeBytes, void * /*stream*/,
                   bool /*isHostShared*/) {
  if (sizeBytes == 0)
    return nullptr;
  recordDeviceAllocation();
  return allocateDeviceMemory(sizeBytes);
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  if (ptr)
    freeDeviceMemory(ptr);
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void * /*stream*/) {
  if (sizeBytes)
    copyDeviceMemory(dst, src, sizeBytes);
}

void mgpuMemset32(void *dst, unsigned int value, size_t count, void *) {
  auto *p = static_cast<uint32_t *>(dst);
  for (size_t i = 0; i < count; ++i)
    p[i] = value;
  markDeviceMemoryWritten(dst, 4 * count);
}

void mgpuMemset16(void *dst, unsigned short value, size_t count, void *) {
  auto *p = static_cast<uint16_t *>(dst);
  for (size_t i = 0; i < count; ++i)
    p[i] = value;
  markDeviceMemoryWritten(dst, 2 * count);
}

void *uniformCudaDeviceConstant(void **slot, const void *host,
                                uint64_t sizeBytes) {
  if (!*slot && sizeBytes) {
    // Registered after the emulator's allocation map (created by the
    // allocation): it runs before that map goes at exit.
    static bool registered = [] {
      std::atexit([] { exiting = true; });
      return true;
    }();
    (void)registered;
    *slot = allocateDeviceMemory(sizeBytes);
    copyDeviceMemory(*slot, host, sizeBytes);
  }
  return *slot;
}

void uniformCudaReleaseDeviceConstant(void **slot) {
  void *ptr = std::exchange(*slot, nullptr);
  if (ptr && !exiting)
    freeDeviceMemory(ptr);
}

void mgpuSetDefaultDevice(int32_t) {}

} // extern "C"
