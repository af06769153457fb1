//===- Fiber.h - Cooperative threads for emulated CUDA threads --*- C++ -*-===//
//
// A fiber is a stack and a saved context. The emulator runs each CUDA thread
// of a block that synchronizes (barriers, warp collectives) as a fiber and
// switches between them only at those points, so a block's threads run on
// one OS thread in a deterministic order. Stacks are mmap()ed with a guard
// page below them, so a kernel that overflows one faults instead of
// corrupting its neighbour.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_CUDAEMULATOR_FIBER_H
#define UNIFORM_LIB_CUDAEMULATOR_FIBER_H

#include <ucontext.h>

#include <cstddef>

namespace uniform::emu {

class Fiber {
public:
  static constexpr size_t kStackBytes = 256 * 1024;

  Fiber();
  ~Fiber();
  Fiber(const Fiber &) = delete;
  Fiber &operator=(const Fiber &) = delete;

  /// Prepares the fiber to run `entry(arg)` from the top of its stack when
  /// next switched to. `entry` must never return: it switches away last.
  void reset(void (*entry)(void *), void *arg);

  /// Saves the running context in `from` and resumes `to`.
  static void switchTo(ucontext_t &from, Fiber &to);
  static void switchTo(Fiber &from, Fiber &to) { switchTo(from.context, to); }

  /// Whether `address` lies in this fiber's stack.
  bool ownsStack(const void *address) const;

  ucontext_t context;

private:
  char *mapping = nullptr; // guard page + stack
  char *stack = nullptr;
};

} // namespace uniform::emu

#endif // UNIFORM_LIB_CUDAEMULATOR_FIBER_H
