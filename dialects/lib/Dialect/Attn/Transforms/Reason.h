//===- Reason.h - Failing with a reason --------------------------*- C++ -*-===//
//
// Internal to the attn transforms: the core functions report why they fail
// through an optional `std::string *reason`.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_DIALECT_ATTN_TRANSFORMS_REASON_H
#define UNIFORM_LIB_DIALECT_ATTN_TRANSFORMS_REASON_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/Twine.h"

#include <string>

namespace uniform::attn::detail {

/// Sets `*reason` (when asked for) and fails.
inline mlir::LogicalResult fail(std::string *reason,
                                const llvm::Twine &message) {
  if (reason)
    *reason = message.str();
  return mlir::failure();
}

} // namespace uniform::attn::detail

#endif // UNIFORM_LIB_DIALECT_ATTN_TRANSFORMS_REASON_H
