//===- Scheduler.h - Running a kernel launch on the host --------*- C++ -*-===//
//
// A launch runs its blocks one after another. A block of a kernel that
// never synchronizes runs its threads one after another to completion; a
// block of one that does runs every thread as a fiber, switching at
// barriers and warp collectives in a fixed round-robin order. Barrier
// divergence (threads at different barriers, or some exited while others
// wait) and warp divergence at a collective are errors, as is a block where
// no thread can make progress.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_CUDAEMULATOR_SCHEDULER_H
#define UNIFORM_LIB_CUDAEMULATOR_SCHEDULER_H

#include "KernelCompiler.h"

namespace uniform::emu {

struct Dim3 {
  uint32_t x = 1, y = 1, z = 1;
  uint64_t count() const { return uint64_t(x) * y * z; }
};

struct LaunchConfig {
  Dim3 grid, block;
  uint32_t dynamicSharedBytes = 0;
};

/// Why cuLaunchKernel would refuse `config` for `kernel` on sm_87, or an
/// empty string when it would launch.
std::string checkLaunchConfig(const KernelInfo &kernel,
                              const LaunchConfig &config);

/// Runs one launch to completion (errors end the process with a report).
void runLaunch(KernelInfo &kernel, const LaunchConfig &config,
               void **params);

/// The launch running now: its kernel, configuration and block, for the
/// memory checks.
struct LaunchState;
const LaunchConfig &currentLaunchConfig();
const KernelModule &currentModule();
/// A counter that advances at every completed barrier and every new block:
/// accesses with the same epoch by different threads are unordered.
uint32_t currentEpoch();
/// The epoch at which the running block started.
uint32_t currentBlockStartEpoch();
/// Whether `address` is on the running thread's stack.
bool onCurrentStack(const void *address);

} // namespace uniform::emu

#endif // UNIFORM_LIB_CUDAEMULATOR_SCHEDULER_H
