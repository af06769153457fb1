/*===- CudaEmulator.h - uniform's CUDA emulator ------------------*- C -*-===*\
|*                                                                            *|
|* libUniformCudaEmulator.so implements the same mgpu* functions and         *|
|* uniformCudaInit / uniformCudaDeviceInfo as libUniformCudaRuntime.so, on    *|
|* the host: kernel modules must be NVVM IR (uniform-gpu-pipeline            *|
|* format=llvm); each is compiled for the host with the NVVM intrinsics       *|
|* implemented from the PTX ISA, and every launch runs its blocks one after  *|
|* another with the threads of a block as cooperative fibers. Out-of-bounds, *|
|* misaligned and racing accesses, barrier and warp divergence, and launch   *|
|* configurations sm_87 would refuse end the process with a report that      *|
|* names the kernel, block, thread and instruction. `uniform-run             *|
|* --device=cuda-emulator` loads it in place of the CUDA runtime.            *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef UNIFORM_RUNTIME_CUDAEMULATOR_H
#define UNIFORM_RUNTIME_CUDAEMULATOR_H

#include "uniform/Runtime/CudaRuntime.h"

#ifdef __cplusplus
extern "C" {
#endif

/// Turns the performance counters on; call before the first launch (the
/// counters need instrumentation compiled into each kernel module).
void uniformCudaEmulatorEnableProfile(void);

/// Prints the counters, one row per kernel, to standard output.
void uniformCudaEmulatorPrintProfile(void);

#ifdef __cplusplus
}
#endif

#endif /* UNIFORM_RUNTIME_CUDAEMULATOR_H */
