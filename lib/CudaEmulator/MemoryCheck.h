//===- MemoryCheck.h - Device memory and the access checks ------*- C++ -*-===//
//
// Device memory is host memory that the emulator hands out and records, so
// that every access of a kernel can be checked against the allocation (or
// module global, or shared object) it falls in:
// - out of bounds: an access that is not entirely inside one of them;
// - the address space: a shared access outside shared memory, or a global
//   one inside it;
// - alignment: an address that breaks the alignment the IR declares (what
//   the NVPTX backend relies on when it emits vector accesses);
// - writes to constant module globals;
// - reads of device memory that nothing wrote (like compute-sanitizer's
//   initcheck), and of shared memory that no thread of the block wrote;
// - shared-memory races: two threads touch one byte between two barriers
//   and at least one writes it (each byte records its last writer and
//   reader and the epoch, Scheduler.h, of those accesses).
// New allocations and each block's shared memory are filled with 0xff (NaN
// as f16 and f32), so that reading memory nothing wrote shows in results.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_CUDAEMULATOR_MEMORYCHECK_H
#define UNIFORM_LIB_CUDAEMULATOR_MEMORYCHECK_H

#include "KernelCompiler.h"

namespace uniform::emu {

/// Allocates `bytes` of device memory (256-byte aligned, poisoned).
void *allocateDeviceMemory(uint64_t bytes);
/// Frees device memory; freeing anything else is an error.
void freeDeviceMemory(void *pointer);
/// malloc and free in kernels: device memory from CUDA's device heap, whose
/// default size (8 MiB) a kernel must not exceed.
void *deviceMalloc(uint64_t bytes);
void deviceFree(void *pointer);

/// Records a module's globals as device memory.
void registerModuleGlobals(const KernelModule &module);

/// Copies between host and device memory (device bytes copied from the host
/// count as written; device-to-device copies carry the written state over).
void copyDeviceMemory(void *dst, const void *src, uint64_t size);
/// Records a memset of device memory.
void markDeviceMemoryWritten(void *dst, uint64_t size);

/// Reports the first read, since the last barrier, of shared memory that no
/// thread of the block had written (the scheduler calls it when a barrier
/// completes and when a block ends). It is not reported at once: a read of
/// what another thread writes later, before the barrier, is a race, and
/// reported as one at that write.
void reportUninitializedSharedReads();

/// Fills the shared memory of `module` (the first `dynamicBytes` of the
/// dynamic window) with the poison pattern for a new block.
void poisonSharedMemory(const KernelModule &module, uint64_t dynamicBytes);

} // namespace uniform::emu

#endif // UNIFORM_LIB_CUDAEMULATOR_MEMORYCHECK_H
