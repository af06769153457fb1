//===- Runtime.h - The CUDA emulator's internal interfaces ------*- C++ -*-===//
//
// How the pieces of the emulator meet:
// - KernelCompiler rewrites a kernel module's NVVM IR for the host: thread
//   registers become loads from the running thread's `ThreadRegs`, NVVM
//   math intrinsics become calls to host functions, warp collectives and
//   barriers become `__uemu_call(args, results, site)`, and every global or
//   shared memory access first calls `__uemu_access(address, site)`.
// - Sites number those rewritten instructions; the site table says what each
//   one is, so the hooks know the access size, alignment and address space,
//   or the intrinsic and its handler.
// - The Scheduler runs a launch block by block; the threads of a block that
//   synchronizes are fibers that switch at barriers and warp collectives.
// - MemoryCheck checks every access against the allocations and the block's
//   shared memory, records shared-memory races between barriers, and feeds
//   the profile.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_CUDAEMULATOR_RUNTIME_H
#define UNIFORM_LIB_CUDAEMULATOR_RUNTIME_H

#include "uniform/CudaEmulator/PtxSemantics.h"

#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace uniform::emu {

class Fiber;
struct KernelModule;
struct Site;

/// One operand or result of a lowered intrinsic call: its bits, at offset 0.
struct alignas(16) Slot {
  uint8_t bytes[16];
  template <typename T> T get() const {
    T value;
    std::memcpy(&value, bytes, sizeof(T));
    return value;
  }
  template <typename T> void set(T value) {
    std::memcpy(bytes, &value, sizeof(T));
  }
};

/// The special registers of the running thread, read by rewritten
/// `llvm.nvvm.read.ptx.sreg.*` calls (the field order is the rewrite's).
struct ThreadRegs {
  uint32_t tid[3], ntid[3], ctaid[3], nctaid[3];
  uint32_t laneid, warpid, nwarpid;
};

enum class SregField : unsigned {
  Tid = 0, Ntid = 3, Ctaid = 6, Nctaid = 9, Laneid = 12, Warpid = 13,
  Nwarpid = 14
};

/// Address spaces of NVVM IR.
enum class Space : unsigned { Generic = 0, Global = 1, Shared = 3, Const = 4,
                              Local = 5 };

/// A handler for a lowered intrinsic call.
using IntrinsicHandler = void (*)(const Site &site, const Slot *args,
                                  Slot *results);

/// What one rewritten instruction is.
struct Site {
  std::string kernel;      // the function it is in
  std::string instruction; // printed, for diagnostics
  // Memory accesses.
  bool isAccess = false;
  bool isWrite = false;
  unsigned size = 0, align = 1;
  Space space = Space::Generic;
  // Lowered intrinsics.
  IntrinsicHandler handler = nullptr;
  unsigned arity = 0;   // operand slots
  unsigned variant = 0; // handler-specific: e.g. the mma form or x1/x2/x4
  unsigned variant2 = 0;
  const char *counter = nullptr; // the profile counter it advances
  // Basic-block entries (profiling): IR instructions of the block by class
  // (Profile.h's InstructionClass).
  uint32_t classCounts[6] = {};
};

/// An emulated CUDA thread.
struct EmuThread {
  enum class State { Runnable, AtBarrier, AtWarpCollective, Exited };
  ThreadRegs regs{};
  unsigned linear = 0; // index in the block
  State state = State::Runnable;
  const Site *waitSite = nullptr;
  const Slot *args = nullptr; // the operands of the collective it waits at
  Slot *results = nullptr;
  Fiber *fiber = nullptr;
  // cp.async: the copies of the open group, then committed groups (oldest
  // first), each performed at the cp.async.wait_group that retires it.
  struct AsyncCopy {
    void *dst;
    const void *src;
    unsigned copyBytes, zeroBytes;
  };
  std::vector<AsyncCopy> openGroup;
  std::vector<std::vector<AsyncCopy>> committedGroups;
};

/// Reports an error in the running kernel (with the block, the thread, by
/// default the running one, and the instruction) and ends the process, as
/// a faulting kernel would end it.
[[noreturn]] void kernelError(const Site *site, const std::string &message,
                              const ThreadRegs *thread = nullptr);

/// The thread running now.
EmuThread &currentThread();

/// Warp collectives: the running thread waits until every lane in `mask`
/// has reached the same site, then `compute` runs once with every lane's
/// operands (`lanes[i]` is null for lanes outside the mask) and writes
/// their results. Returns when the thread's results are ready.
using CollectiveCompute = void (*)(const Site &site,
                                   std::array<EmuThread *, kWarpSize> &lanes);
void warpCollective(const Site &site, uint32_t mask, const Slot *args,
                    Slot *results, CollectiveCompute compute);

/// `barrier.sync 0` for the whole block.
void blockBarrier(const Site &site);

/// Checks an access of `size` bytes at `address` by thread `by` (default:
/// the running thread): bounds, the address space, shared-memory races.
/// The memory access hook calls it, and so do intrinsics that touch memory.
void checkAccess(const Site &site, const void *address, uint64_t size,
                 bool isWrite, Space space, EmuThread *by = nullptr);

} // namespace uniform::emu

#endif // UNIFORM_LIB_CUDAEMULATOR_RUNTIME_H
