//===- Passes.h - Conversion passes -----------------------------*- C++ -*-===//
//
// Declares the project's conversion passes.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_CONVERSION_PASSES_H
#define UNIFORM_CONVERSION_PASSES_H

#include "uniform/Conversion/AttnToLinalg.h"
#include "uniform/Conversion/TosaToAttn.h"
#include "uniform/Dialect/Attn/IR/AttnDialect.h"

#include "mlir/Pass/Pass.h"

namespace mlir {
namespace arith {
class ArithDialect;
} // namespace arith
namespace bufferization {
class BufferizationDialect;
} // namespace bufferization
namespace gpu {
class GPUDialect;
} // namespace gpu
namespace memref {
class MemRefDialect;
} // namespace memref
namespace nvgpu {
class NVGPUDialect;
} // namespace nvgpu
namespace vector {
class VectorDialect;
} // namespace vector
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace math {
class MathDialect;
} // namespace math
namespace scf {
class SCFDialect;
} // namespace scf
namespace tensor {
class TensorDialect;
} // namespace tensor
} // namespace mlir

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace uniform {

/// `gpu.barrier` and the cp.async group ops (`nvgpu.device_async_create_group`,
/// `nvgpu.device_async_wait`, and NVVM's `nvvm.cp.async.commit.group` and
/// `nvvm.cp.async.wait.group`) order a block's shared-memory reads and writes,
/// but MLIR 22 gives them no memory effects, and ownership-based buffer
/// deallocation rejects ops with unknown effects. Kernels built before
/// bufferization (convert-attn-to-nvgpu's) contain them: this declares their
/// effects (the pass registers it itself as a dependent extension).
void registerGpuSynchronizationMemoryEffects(mlir::DialectRegistry &registry);

#define GEN_PASS_DECL
#include "uniform/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "uniform/Conversion/Passes.h.inc"

} // namespace uniform

#endif // UNIFORM_CONVERSION_PASSES_H
