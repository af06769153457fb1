//===- KernelCompiler.h - NVVM IR kernels compiled for the host -*- C++ -*-===//
//
// compileKernelModule takes the NVVM LLVM IR (bitcode) that
// `uniform-gpu-pipeline=format=llvm` embeds, rewrites it as Runtime.h
// describes, and JIT-compiles it for the host.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_CUDAEMULATOR_KERNELCOMPILER_H
#define UNIFORM_LIB_CUDAEMULATOR_KERNELCOMPILER_H

#include "Runtime.h"

#include "llvm/Support/Error.h"

namespace llvm::orc {
class JITDylib;
} // namespace llvm::orc

namespace uniform::emu {

/// A static `__shared__` object, or the dynamic shared memory window.
struct SharedObject {
  std::string name;
  char *address = nullptr;
  uint64_t size = 0;
  bool dynamic = false;
};

/// A `__device__` or `__constant__` object of the module.
struct DeviceGlobal {
  std::string name;
  char *address = nullptr;
  uint64_t size = 0;
  bool constant = false;
};

struct KernelInfo {
  std::string name;
  KernelModule *module = nullptr;
  /// Calls the kernel with CUDA's `void **params` (one pointer per
  /// parameter, as cuLaunchKernel takes them).
  void (*entry)(void **params) = nullptr;
  /// Reaches a barrier or warp collective: its threads run as fibers.
  bool synchronizes = false;
  uint64_t staticSharedBytes = 0;
};

struct KernelModule {
  std::vector<Site> sites;
  std::vector<std::unique_ptr<KernelInfo>> kernels;
  std::vector<SharedObject> shared;
  std::vector<DeviceGlobal> globals;
  llvm::orc::JITDylib *dylib = nullptr;
  /// The order in which the host loaded it (its gpu.binary's position):
  /// kernels of different modules may share a name.
  unsigned loadIndex = 0;

  KernelInfo *lookupKernel(llvm::StringRef name) const;
};

/// The bytes reserved for dynamic shared memory (sm_87's per-block limit).
constexpr uint64_t kMaxDynamicSharedBytes = 163 * 1024;

/// Parses, rewrites and compiles one kernel module. Errors name what the
/// emulator cannot run (not NVVM IR, an intrinsic it does not implement, a
/// call to an external function).
llvm::Expected<std::unique_ptr<KernelModule>>
compileKernelModule(llvm::StringRef image);

} // namespace uniform::emu

#endif // UNIFORM_LIB_CUDAEMULATOR_KERNELCOMPILER_H
