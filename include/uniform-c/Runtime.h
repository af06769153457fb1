/*===- Runtime.h - C API: compile models, load and run them -------*- C -*-===*\
|*                                                                            *|
|* Compiles ONNX models or graph-level MLIR into libraries (as               *|
|* uniform-compile does), loads libraries and lowered modules, and runs      *|
|* their entry points on host arrays (as uniform-run does). Link             *|
|* `UniformCAPI` (libUniformCAPI.so). The Python package `uniform` is built  *|
|* on this header.                                                           *|
|*                                                                            *|
|* Errors: a function that fails returns false or a null handle, and         *|
|* `uniformGetLastError()` returns its message (per thread; every call that  *|
|* can fail clears it first, so read it before the next call). Indices must  *|
|* be in range, as in MLIR's C API. On a GPU or the CUDA emulator, a failure *|
|* inside the CUDA runtime (out of device memory, a failed launch, an        *|
|* emulated memory error) prints the reason and exits the process, as        *|
|* compiled code cannot handle it. An executable is used by one thread at a  *|
|* time.                                                                      *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef UNIFORM_C_RUNTIME_H
#define UNIFORM_C_RUNTIME_H

#include "mlir-c/Support.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The message of this thread's last call if it failed, else "".
MLIR_CAPI_EXPORTED const char *uniformGetLastError(void);

/// uniform's version, "MAJOR.MINOR.PATCH".
MLIR_CAPI_EXPORTED const char *uniformGetVersion(void);

/// The LLVM/MLIR version uniform was built with.
MLIR_CAPI_EXPORTED const char *uniformGetLLVMVersion(void);

//===----------------------------------------------------------------------===//
// Compiling
//===----------------------------------------------------------------------===//

/// Compiles `input` (an .onnx model, or graph-level .mlir) into `output`,
/// which must be named libNAME.so, with libNAME.h beside it. `options` are
/// uniform-compile's options as "NAME=VALUE" (leading dashes optional):
/// target=cpu|cuda, chip=sm_87, precision=auto|f16|f32, host-triple=,
/// host-cpu=, cxx=, ptx-isa=X.Y, jetpack=5|6, toolkit=, and
/// onnx-input-shape=NAME=DxDx... (repeatable). Nothing is written on
/// failure.
MLIR_CAPI_EXPORTED bool uniformCompileLibrary(const char *input,
                                              const char *output,
                                              intptr_t numOptions,
                                              const char *const *options);

//===----------------------------------------------------------------------===//
// Arrays
//===----------------------------------------------------------------------===//

/// Element types of the arrays entry points take and return.
typedef enum UniformDType {
  UniformDTypeFloat32 = 0,
  UniformDTypeFloat16 = 1,
  UniformDTypeInt64 = 2,
} UniformDType;

/// A dense C-order array: `rank` extents and the elements, one after
/// another. In a signature, a dynamic extent is -1 and `data` is null.
typedef struct UniformArray {
  UniformDType dtype;
  intptr_t rank;
  const int64_t *shape;
  const void *data;
} UniformArray;

/// Results of a run: arrays owned by the handle.
typedef struct UniformResults {
  void *ptr;
} UniformResults;

MLIR_CAPI_EXPORTED intptr_t uniformResultsGetNum(UniformResults results);
MLIR_CAPI_EXPORTED UniformArray uniformResultsGet(UniformResults results,
                                                  intptr_t index);
MLIR_CAPI_EXPORTED void uniformResultsDestroy(UniformResults results);

//===----------------------------------------------------------------------===//
// Executables
//===----------------------------------------------------------------------===//

/// A loaded library or lowered module.
typedef struct UniformExecutable {
  void *ptr;
} UniformExecutable;

static inline bool uniformExecutableIsNull(UniformExecutable exe) {
  return !exe.ptr;
}

/// Loads `path`: a CPU library built by uniform-compile (libNAME.so), or a
/// module lowered by uniform-cpu-pipeline (device "cpu") or
/// uniform-gpu-pipeline ("cuda", or "cuda-emulator" for format=llvm).
/// Lowered modules are JIT-compiled on first use, through uniform-run's
/// object cache. Returns a null handle on failure.
MLIR_CAPI_EXPORTED UniformExecutable uniformExecutableLoad(const char *path,
                                                           const char *device);
MLIR_CAPI_EXPORTED void uniformExecutableDestroy(UniformExecutable exe);

/// A library's build stamp (NAME_build_info()); "" for a module.
MLIR_CAPI_EXPORTED const char *
uniformExecutableGetBuildInfo(UniformExecutable exe);

MLIR_CAPI_EXPORTED intptr_t
uniformExecutableGetNumEntryPoints(UniformExecutable exe);
MLIR_CAPI_EXPORTED const char *
uniformExecutableGetEntryPointName(UniformExecutable exe, intptr_t entry);
/// The entry's tensor signature in MLIR's syntax,
/// "(tensor<1x3x224x224xf32>) -> tensor<1x1000xf32>".
MLIR_CAPI_EXPORTED const char *
uniformExecutableGetEntryPointSignature(UniformExecutable exe, intptr_t entry);
MLIR_CAPI_EXPORTED intptr_t uniformExecutableGetNumInputs(UniformExecutable exe,
                                                          intptr_t entry);
MLIR_CAPI_EXPORTED intptr_t
uniformExecutableGetNumResults(UniformExecutable exe, intptr_t entry);
/// The dtype and shape (-1 for dynamic) of an input or result, with a null
/// `data`; false when arrays cannot carry its type.
MLIR_CAPI_EXPORTED bool uniformExecutableGetInputType(UniformExecutable exe,
                                                      intptr_t entry,
                                                      intptr_t index,
                                                      UniformArray *type);
MLIR_CAPI_EXPORTED bool uniformExecutableGetResultType(UniformExecutable exe,
                                                       intptr_t entry,
                                                       intptr_t index,
                                                       UniformArray *type);

/// Runs entry `entry` (by name; null or "" for the only one) on `inputs`,
/// which are checked against its signature first. Returns null results on
/// failure.
MLIR_CAPI_EXPORTED UniformResults
uniformExecutableRun(UniformExecutable exe, const char *entry,
                     intptr_t numInputs, const UniformArray *inputs);

/// Wall-clock statistics of `runs` timed calls after `warmup` untimed ones.
typedef struct UniformBenchmarkStats {
  int64_t runs, warmup;
  double minMs, medianMs, p90Ms, p99Ms, maxMs;
} UniformBenchmarkStats;

MLIR_CAPI_EXPORTED bool
uniformExecutableBenchmark(UniformExecutable exe, const char *entry,
                           intptr_t numInputs, const UniformArray *inputs,
                           int64_t runs, int64_t warmup,
                           UniformBenchmarkStats *stats);

/// Keeps freed memory in the process instead of returning it to the system
/// (glibc's mmap and trim thresholds): compiled models allocate their
/// temporaries on every call, and fresh pages fault in again each time.
/// For hosts that run models repeatedly; uniform-run does it.
MLIR_CAPI_EXPORTED void uniformKeepFreedMemory(void);

#ifdef __cplusplus
}
#endif

#endif /* UNIFORM_C_RUNTIME_H */
