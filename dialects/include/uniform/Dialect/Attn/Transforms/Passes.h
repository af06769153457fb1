//===- Passes.h - Attention dialect passes ----------------------*- C++ -*-===//
//
// Declares `attn-reuse-heads` and `attn-cost-report`.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_DIALECT_ATTN_TRANSFORMS_PASSES_H
#define UNIFORM_DIALECT_ATTN_TRANSFORMS_PASSES_H

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace arith {
class ArithDialect;
} // namespace arith
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace tensor {
class TensorDialect;
} // namespace tensor
} // namespace mlir

namespace uniform {
namespace attn {

#define GEN_PASS_DECL
#include "uniform/Dialect/Attn/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "uniform/Dialect/Attn/Transforms/Passes.h.inc"

} // namespace attn
} // namespace uniform

#endif // UNIFORM_DIALECT_ATTN_TRANSFORMS_PASSES_H
