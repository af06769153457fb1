//===- Executable.h - Load and run compiled models --------------*- C++ -*-===//
//
// The runtime that `uniform-run`, the C API (uniform-c/Runtime.h) and the
// Python package share: an Executable is a library built by uniform-compile
// (a CPU library, or a CUDA library on a GPU), or a module lowered by
// uniform-cpu-pipeline or uniform-gpu-pipeline (JIT-compiled for this host,
// through the object cache); its entry points take and return host arrays
// (NpyArray), checked against the entry's tensor signature. On a GPU or the
// CUDA emulator the inputs are copied to the device and the results back.
// An Executable and its Invocations are used by one thread at a time.
//
//   auto exe = Executable::load("libmodel.so", LoadOptions());
//   auto invocation = (*exe)->prepare("forward", {std::move(input)});
//   auto results = (*invocation)->run();
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_RUNTIME_EXECUTABLE_H
#define UNIFORM_RUNTIME_EXECUTABLE_H

#include "uniform/Runtime/Benchmark.h"
#include "uniform/Runtime/Npy.h"
#include "uniform/Support/Diagnostics.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class MLIRContext;
} // namespace mlir

namespace uniform {

/// Where an Executable runs.
enum class DeviceKind { Cpu, Cuda, CudaEmulator };

/// "cpu", "cuda" or "cuda-emulator".
llvm::StringRef stringifyDeviceKind(DeviceKind kind);
std::optional<DeviceKind> symbolizeDeviceKind(llvm::StringRef name);

/// How modules are JIT-compiled.
struct JitOptions {
  unsigned optLevel = 3;
  std::vector<std::string> sharedLibraries;
  /// Use the object cache (CPU modules without global constructors).
  bool useCache = true;
  /// Empty: getDefaultObjectCacheDirectory().
  std::string cacheDirectory;
  /// Say on stderr whether the module was compiled or loaded from the cache.
  bool verbose = false;
  /// The prefix of those messages and of the cache's warnings.
  std::string logName = "uniform";
};

struct LoadOptions {
  DeviceKind device = DeviceKind::Cpu;
  JitOptions jit;
  /// The CUDA runtime (or emulator) for a lowered GPU module; empty: the one
  /// installed beside uniform's libraries, else the build tree's.
  std::string cudaRuntime;
  /// Count the emulator's memory traffic (DeviceKind::CudaEmulator).
  bool profile = false;
  /// Time every kernel launch on a device (CUDA events; the emulator's host
  /// clock), from the first timed run on.
  bool kernelTimes = false;
};

/// An entry point: its name and tensor-level signature.
struct EntryPoint {
  std::string name;
  mlir::FunctionType signature;
};

/// The .npy dtype of a tensor element type, if arrays can carry it.
std::optional<NpyDType> getArrayDType(mlir::Type elementType);

class Invocation;

/// A loaded library or lowered module.
class Executable {
public:
  /// Loads `path`: a library (libNAME.so, built by uniform-compile) or a
  /// lowered module in MLIR's text form. Checks that the module is lowered
  /// and that its code suits `options.device`; compiles nothing yet.
  static llvm::Expected<std::unique_ptr<Executable>>
  load(llvm::StringRef path, const LoadOptions &options);
  ~Executable();

  llvm::ArrayRef<EntryPoint> getEntryPoints() const;
  /// The entry named `name`, or the only one when `name` is empty.
  llvm::Expected<const EntryPoint &> lookupEntry(llvm::StringRef name) const;
  /// A library's NAME_build_info() text; empty for a module.
  llvm::StringRef getBuildInfo() const;
  bool isLibrary() const;
  const LoadOptions &getOptions() const;

  /// Checks input `index` of `entry`: its dtype and shape. `source` names
  /// the file it came from, if any, in the message.
  static llvm::Error checkInput(const EntryPoint &entry, unsigned index,
                                const NpyArray &array, llvm::StringRef source);

  /// Checks the inputs' count, dtypes and shapes, and compiles (or links
  /// from the cache, or looks up in the library) `entry`'s code. The device
  /// is not touched until the invocation first runs.
  llvm::Expected<std::unique_ptr<Invocation>>
  prepare(llvm::StringRef entry, std::vector<NpyArray> inputs);

private:
  struct Impl;
  explicit Executable(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
  friend class Invocation;
};

/// An entry point with its inputs bound; owned by the caller, it must not
/// outlive its Executable.
class Invocation {
public:
  ~Invocation();
  const EntryPoint &getEntry() const;
  /// Runs the entry once and returns its results as C-order host arrays.
  llvm::Expected<std::vector<NpyArray>> run();
  /// Runs the entry `warmup` times, then times `runs` calls of it (wall
  /// clock; the results are freed between runs). Kernel times, when asked
  /// for, start after the warm-up.
  llvm::Expected<BenchmarkStats> benchmark(unsigned runs, unsigned warmup);
  /// Prints the CUDA emulator's counters (LoadOptions::profile).
  void printProfile() const;
  /// Prints the timed launches' times per kernel and forgets them
  /// (LoadOptions::kernelTimes).
  void printKernelTimes() const;

private:
  struct Impl;
  explicit Invocation(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl;
  friend class Executable;
};

/// Keeps freed memory in the process (glibc's mmap and trim thresholds), as
/// a caching allocator would: compiled modules allocate their temporaries on
/// every call, and fresh mmap()s page-fault them in again each time. Hosts
/// that run models repeatedly should call it once.
void keepFreedMemory();

} // namespace uniform

#endif // UNIFORM_RUNTIME_EXECUTABLE_H
