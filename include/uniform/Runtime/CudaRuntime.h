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

#ifdef __cplusplus
}
#endif

#endif /* UNIFORM_RUNTIME_CUDARUNTIME_H */
