//===- InitAll.h - Register the project's dialects and passes ---*- C++ -*-===//
//
// The registration entry points used by `uniform-opt`, the plugin and
// embedders. They register the `attn` dialect, the upstream dialects, the
// interface implementations and the passes that this project's pipelines use:
// nothing beyond, so that tools stay small and start fast.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_INITALL_H
#define UNIFORM_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace uniform {

/// Adds only the `attn` dialect to `registry` (for pipelines that register
/// their own upstream dialects).
void registerAttnDialect(mlir::DialectRegistry &registry);

/// Adds the `attn` dialect, the upstream dialects the project's pipelines use
/// (func, arith, math, tensor, linalg, tosa, scf, memref, bufferization,
/// vector, gpu, nvgpu, nvvm, llvm, transform, ...) and the external interface
/// models and transform-dialect extensions they need to `registry`.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers, with the global pass registry, this project's passes and
/// pipelines and the upstream passes its pipelines are built from.
void registerAllPasses();

/// Registers only this project's passes (attn-reuse-heads,
/// attn-cost-report, convert-attn-to-linalg, the pipeline helper passes) and
/// uniform-cpu-pipeline, for tools that register upstream passes themselves.
void registerUniformPasses();

} // namespace uniform

#endif // UNIFORM_INITALL_H
