//===- Intrinsics.h - How the emulator implements NVVM intrinsics -*- C++ -*-//
//
// A registry from NVVM intrinsic names to their host implementation, in
// three kinds:
// - thread registers (`llvm.nvvm.read.ptx.sreg.*`): a load from the running
//   thread's ThreadRegs;
// - per-thread math (`ex2.approx`, `fma.rm`, `saturate`, ...): a call to a
//   host C function with the same signature, following the ISA's
//   definition (rounding mode, flush-to-zero, saturation);
// - warp collectives, barriers and asynchronous copies: a call to
//   `__uemu_call` with the operands in Slots and a handler that runs in the
//   scheduler.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_CUDAEMULATOR_INTRINSICS_H
#define UNIFORM_LIB_CUDAEMULATOR_INTRINSICS_H

#include "Runtime.h"

#include <optional>

namespace uniform::emu {

struct IntrinsicLowering {
  enum class Kind { ThreadRegister, Constant, HostFunction, Handler };
  Kind kind;
  // ThreadRegister: the field's index in ThreadRegs (as 32-bit words).
  unsigned field = 0;
  // Constant.
  uint32_t value = 0;
  // HostFunction: the symbol the call is renamed to, and its address.
  const char *symbol = nullptr;
  void *address = nullptr;
  // Handler.
  IntrinsicHandler handler = nullptr;
  unsigned variant = 0, variant2 = 0;
  /// Synchronizes threads (so the kernel's blocks run as fibers).
  bool synchronizes = false;
  /// The profile counter a warp-level execution advances ("mma",
  /// "ldmatrix", "shfl"), or null.
  const char *counter = nullptr;
};

/// How to implement the intrinsic (or libdevice function) `name`, or
/// std::nullopt when the emulator does not implement it.
std::optional<IntrinsicLowering> lookupIntrinsic(llvm::StringRef name);

/// The intrinsic that the PTX inline assembly `asmString` computes, for the
/// one-instruction forms libdevice writes (its tanhf's
/// `rcp.approx.ftz.f32 $0,$1;`), or "" for any other assembly.
llvm::StringRef intrinsicForInlineAsm(llvm::StringRef asmString);

} // namespace uniform::emu

#endif // UNIFORM_LIB_CUDAEMULATOR_INTRINSICS_H
