/*===- Uniform.h - C API of the Reuse Attention compiler ----------*- C -*-===*\
|*                                                                            *|
|* Registers the `attn` dialect and this project's passes from C (and so     *|
|* from Python, Rust, ... bindings), following MLIR's C API conventions.     *|
|* Link `UniformCAPI` (libUniformCAPI.so), which also carries MLIR's own C    *|
|* API for IR and passes (mlir-c/IR.h, mlir-c/Pass.h).                        *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef UNIFORM_C_UNIFORM_H
#define UNIFORM_C_UNIFORM_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#ifdef __cplusplus
extern "C" {
#endif

/// The `attn` dialect: `mlirGetDialectHandle__attn__()`, to insert into a
/// registry (`mlirDialectHandleInsertDialect`) or load into a context
/// (`mlirDialectHandleLoadDialect`).
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(Attn, attn);

/// Inserts the `attn` dialect and the upstream dialects, interface models and
/// extensions that this project's pipelines use into `registry`.
MLIR_CAPI_EXPORTED void uniformRegisterAllDialects(MlirDialectRegistry registry);

/// Registers this project's passes (attn-reuse-heads, attn-cost-report,
/// convert-attn-to-linalg, the pipeline helper passes) and
/// uniform-cpu-pipeline with the global registry, so that
/// `mlirParsePassPipeline` knows them.
MLIR_CAPI_EXPORTED void uniformRegisterPasses(void);

/// Like `uniformRegisterPasses`, plus the upstream passes the pipelines are
/// built from.
MLIR_CAPI_EXPORTED void uniformRegisterAllPasses(void);

#ifdef __cplusplus
}
#endif

#endif /* UNIFORM_C_UNIFORM_H */
