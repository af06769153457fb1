//===- Fiber.cpp - Cooperative threads for emulated CUDA threads ----------===//

#include "Fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>

using namespace uniform::emu;

static size_t pageSize() {
  static size_t size = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return size;
}

Fiber::Fiber() {
  size_t guard = pageSize();
  void *m = mmap(nullptr, guard + kStackBytes, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) {
    std::fprintf(stderr, "uniform-cuda-emulator: cannot map a %zu-byte "
                         "thread stack\n",
                 kStackBytes);
    std::exit(1);
  }
  mapping = static_cast<char *>(m);
  mprotect(mapping, guard, PROT_NONE);
  stack = mapping + guard;
}

Fiber::~Fiber() { munmap(mapping, pageSize() + kStackBytes); }

void Fiber::reset(void (*entry)(void *), void *arg) {
  getcontext(&context);
  context.uc_stack.ss_sp = stack;
  context.uc_stack.ss_size = kStackBytes;
  context.uc_link = nullptr;
  // makecontext passes int arguments: split the pointer in two.
  auto bits = reinterpret_cast<uintptr_t>(arg);
  auto trampoline = +[](unsigned lo, unsigned hi, unsigned fnLo,
                        unsigned fnHi) {
    auto fn = reinterpret_cast<void (*)(void *)>(
        (static_cast<uintptr_t>(fnHi) << 32) | fnLo);
    fn(reinterpret_cast<void *>((static_cast<uintptr_t>(hi) << 32) | lo));
  };
  auto fnBits = reinterpret_cast<uintptr_t>(entry);
  makecontext(&context, reinterpret_cast<void (*)()>(trampoline), 4,
              static_cast<unsigned>(bits), static_cast<unsigned>(bits >> 32),
              static_cast<unsigned>(fnBits),
              static_cast<unsigned>(fnBits >> 32));
}

void Fiber::switchTo(ucontext_t &from, Fiber &to) {
  swapcontext(&from, &to.context);
}

bool Fiber::ownsStack(const void *address) const {
  auto *p = static_cast<const char *>(address);
  return p >= stack && p < stack + kStackBytes;
}
