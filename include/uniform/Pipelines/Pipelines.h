//===- Pipelines.h - The project's pass pipelines ---------------*- C++ -*-===//
//
// `uniform-cpu-pipeline`: graph-level IR (attn, TOSA, linalg on tensors) to
// the LLVM dialect with C-interface entry points, for `uniform-run` and any
// host that links the result.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_PIPELINES_PIPELINES_H
#define UNIFORM_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace uniform {

/// Options of `uniform-cpu-pipeline`.
struct CpuPipelineOptions
    : public mlir::PassPipelineOptions<CpuPipelineOptions> {
  Option<bool> reuseHeads{
      *this, "reuse-heads",
      llvm::cl::desc("Run attn-reuse-heads (exact) before lowering"),
      llvm::cl::init(true)};
  Option<std::string> strategy{
      *this, "strategy",
      llvm::cl::desc("Attention lowering: 'materialize' or 'online'"),
      llvm::cl::init("materialize")};
  Option<int64_t> tileM{*this, "tile-m",
                        llvm::cl::desc("Keys per tile of the online strategy"),
                        llvm::cl::init(64)};
};

/// Appends the CPU pipeline to `pm` (which must be anchored on a module).
void buildCpuPipeline(mlir::OpPassManager &pm,
                      const CpuPipelineOptions &options);

/// Registers `uniform-cpu-pipeline` and the helper passes it is built from.
void registerPipelines();

} // namespace uniform

#endif // UNIFORM_PIPELINES_PIPELINES_H
