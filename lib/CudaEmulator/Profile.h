//===- Profile.h - Performance counters of emulated kernels -----*- C++ -*-===//
//
// With profiling on (before the first kernel module is compiled), the
// emulator counts per kernel, over all its launches:
// - IR instructions executed per thread, by class (integer, floating point,
//   conversion, memory, control, other), from a per-basic-block hook;
// - warp-level mma.sync, ldmatrix, shfl.sync and cp.async, and block
//   barriers;
// - global memory: warp requests, bytes requested, and 32-byte sectors
//   touched (coalescing is bytes requested / (32 * sectors));
// - shared memory: warp requests and the wavefronts they take (one per
//   128 bytes at best; a bank conflict adds wavefronts);
// and, over the whole run, the host's copies into device memory and its
// allocations of it.
// A warp request groups the k-th execution of one instruction by each lane
// of a warp, as SIMT hardware issues it when the warp is converged.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_CUDAEMULATOR_PROFILE_H
#define UNIFORM_LIB_CUDAEMULATOR_PROFILE_H

#include "Runtime.h"

#include "llvm/Support/raw_ostream.h"

namespace llvm {
class Instruction;
} // namespace llvm

namespace uniform::emu {

/// The instruction classes of the per-block counts.
enum class InstructionClass : unsigned {
  Integer, Float, Conversion, Memory, Control, Other, Count
};
constexpr unsigned kInstructionClasses =
    static_cast<unsigned>(InstructionClass::Count);

static_assert(kInstructionClasses ==
                  sizeof(Site::classCounts) / sizeof(uint32_t),
              "Site::classCounts has one count per class");

/// The class an IR instruction counts in.
InstructionClass classifyInstruction(const llvm::Instruction &inst);

bool profilingEnabled();
void enableProfiling();

/// Hooks, all no-ops without profiling.
void recordSharedAccess(const Site &site, const EmuThread &by,
                        uintptr_t address, uint64_t size, bool isWrite);
void recordGlobalAccess(const Site &site, const EmuThread &by,
                        uintptr_t address, uint64_t size, bool isWrite);
/// A warp-level collective (mma, ldmatrix, shfl) completed at `site`.
void recordCollective(const Site &site);
void recordAsyncCopy();
/// The host copied `bytes` of host memory into device memory.
void recordHostToDeviceCopy(uint64_t bytes);
/// The host allocated device memory (mgpuMemAlloc).
void recordDeviceAllocation();
void recordBarrier();
/// A thread entered the basic block of `site`.
void recordBasicBlock(const Site &site);
/// A launch of `kernel` ("NAME#MODULE": modules may share kernel names).
void recordLaunch(const std::string &kernel, uint64_t threads);
/// The end of a block: its warp requests are grouped and counted.
void finishBlockProfile(const std::string &kernel);

/// Prints one row per kernel and a total, with a legend.
void printProfile(llvm::raw_ostream &os);

} // namespace uniform::emu

#endif // UNIFORM_LIB_CUDAEMULATOR_PROFILE_H
