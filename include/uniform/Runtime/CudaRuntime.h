/*===- CudaRuntime.h - uniform's CUDA runtime --------------------*- C -*-===*\
|*                                                                            *|
|* libUniformCudaRuntime.so implements the mgpu* functions that host code    *|
|* from uniform-gpu-pipeline calls (module load, launch, streams, events,     *|
|* device memory) on the CUDA driver API, which it loads with dlopen() on     *|
|* first use. The two functions below let a host check for a usable device   *|
|* before it runs compiled code: a failing mgpu* call prints the driver's    *|
|* error and exits the process. Loading kernels (from a library's global      *|
|* constructor) never fails: without a device, the first launch reports it.   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef UNIFORM_RUNTIME_CUDARUNTIME_H
#define UNIFORM_RUNTIME_CUDARUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads the driver, initializes it and retains the primary context of
/// device $UNIFORM_CUDA_DEVICE (default 0). Returns 1 when a device is
/// usable; otherwise 0, with the reason (for example "no CUDA driver: cannot
/// load libcuda.so.1 (...)" or "cuInit failed: CUDA_ERROR_NO_DEVICE") in
/// `message` when it is not null.
int uniformCudaInit(char *message, size_t size);

/// The device's name and compute capability; 0 when no device is usable.
int uniformCudaDeviceInfo(char *name, size_t size, int *major, int *minor);

/// From now on, times every kernel launch with a pair of CUDA events on the
/// launch's stream (the emulator: the host's clock around each launch). The
/// events live until the times are printed: print them every few thousand
/// launches.
void uniformCudaEnableKernelTiming(void);

/// Waits for the timed launches, prints their times summed per kernel to
/// stdout (the longest total first), and forgets them.
void uniformCudaPrintKernelTimes(void);

/// The device copy of `sizeBytes` of constant host data (a model's weights),
/// made once per `slot`: the first call allocates device memory, copies
/// `host` into it and stores the pointer in `*slot`; every later call
/// returns `*slot`. Compiled host code keeps one slot per constant (a null
/// pointer global, uniform-gpu-resident-constants), so that a model's
/// weights are copied at its first call, not at every call. Thread-safe.
void *uniformCudaDeviceConstant(void **slot, const void *host,
                                uint64_t sizeBytes);

/// Frees the device copy in `*slot`, if any, and nulls it (compiled host
/// code calls it from its module's destructor; at process exit it leaves
/// the memory to the driver).
void uniformCudaReleaseDeviceConstant(void **slot);

#ifdef __cplusplus
}
#endif

#endif /* UNIFORM_RUNTIME_CUDARUNTIME_H */
