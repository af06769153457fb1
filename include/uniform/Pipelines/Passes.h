//===- Passes.h - Passes the pipelines are built from -----------*- C++ -*-===//
//
// Declares `uniform-decompose-aggregated-ops`, `uniform-cpu-fast-math`,
// `uniform-prepare-entry-points`, `uniform-gpu-map-parallel-loops` and
// `uniform-gpu-device-memory`, `uniform-gpu-fuse-linalg`,
// `uniform-gpu-fuse-parallel-loops`, `uniform-gpu-dedupe-kernels` and
// `uniform-tosa-fold-constants`.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_PIPELINES_PASSES_H
#define UNIFORM_PIPELINES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace affine {
class AffineDialect;
} // namespace affine
namespace arith {
class ArithDialect;
} // namespace arith
namespace func {
class FuncOp;
} // namespace func
namespace gpu {
class GPUDialect;
} // namespace gpu
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace math {
class MathDialect;
} // namespace math
namespace scf {
class SCFDialect;
} // namespace scf
namespace vector {
class VectorDialect;
} // namespace vector
namespace tensor {
class TensorDialect;
} // namespace tensor
namespace tosa {
class TosaDialect;
} // namespace tosa
class RewritePatternSet;
} // namespace mlir

namespace uniform {

#define GEN_PASS_DECL
#include "uniform/Pipelines/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "uniform/Pipelines/Passes.h.inc"

/// The core of `uniform-gpu-dedupe-kernels`: keeps the first gpu.module of
/// each set of structurally identical ones in `module` and retargets the
/// launches of the others to it. Returns the number of modules removed.
int64_t dedupeGpuKernels(mlir::ModuleOp module);

/// Constant folds of TOSA ops that tosa-layerwise-constant-fold lacks
/// (tosa.gather of a constant table at constant indices; tosa.reverse,
/// tosa.pad and tosa.slice of constants).
void populateTosaFoldConstantsPatterns(mlir::RewritePatternSet &patterns);

} // namespace uniform

#endif // UNIFORM_PIPELINES_PASSES_H
