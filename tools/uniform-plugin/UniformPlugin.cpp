//===- UniformPlugin.cpp - Plugin for stock mlir-opt ----------------------===//
//
// `UniformPlugin.so`: loaded by any `mlir-opt` built against the same
// libMLIR.so with `--load-dialect-plugin` (the `attn` dialect) and
// `--load-pass-plugin` (every pass of this project and its pipelines).
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/Passes.h"
#include "uniform/Dialect/Attn/IR/AttnDialect.h"
#include "uniform/Dialect/Attn/Transforms/Passes.h"
#include "uniform/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

/// The dialect half of the plugin: the `attn` dialect (its dependent tensor
/// dialect comes with it). Stock mlir-opt already has the upstream dialects.
extern "C" LLVM_ATTRIBUTE_WEAK mlir::DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "Uniform", LLVM_VERSION_STRING,
          [](mlir::DialectRegistry *registry) {
            registry->insert<uniform::attn::AttnDialect>();
          }};
}

/// The pass half: attn-reuse-heads, attn-cost-report,
/// convert-attn-to-linalg, the pipeline helper passes and
/// uniform-cpu-pipeline.
extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo
mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "UniformPasses", LLVM_VERSION_STRING, []() {
            uniform::attn::registerAttnPasses();
            uniform::registerUniformConversionPasses();
            uniform::registerPipelines();
          }};
}
