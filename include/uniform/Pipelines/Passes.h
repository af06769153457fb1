//===- Passes.h - Passes the pipelines are built from -----------*- C++ -*-===//
//
// Declares `uniform-decompose-aggregated-ops` and
// `uniform-prepare-entry-points`.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_PIPELINES_PASSES_H
#define UNIFORM_PIPELINES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace arith {
class ArithDialect;
} // namespace arith
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace math {
class MathDialect;
} // namespace math
namespace tensor {
class TensorDialect;
} // namespace tensor
} // namespace mlir

namespace uniform {

#define GEN_PASS_DECL
#include "uniform/Pipelines/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "uniform/Pipelines/Passes.h.inc"

} // namespace uniform

#endif // UNIFORM_PIPELINES_PASSES_H
