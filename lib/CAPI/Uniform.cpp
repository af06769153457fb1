//===- Uniform.cpp - C API of the Reuse Attention compiler ----------------===//
//
// Implements include/uniform-c/Uniform.h.
//
//===----------------------------------------------------------------------===//

#include "uniform-c/Uniform.h"

#include "uniform/Dialect/Attn/IR/AttnDialect.h"
#include "uniform/InitAll.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(Attn, attn, uniform::attn::AttnDialect)

void uniformRegisterAllDialects(MlirDialectRegistry registry) {
  uniform::registerAllDialects(*unwrap(registry));
}

void uniformRegisterPasses(void) { uniform::registerUniformPasses(); }

void uniformRegisterAllPasses(void) { uniform::registerAllPasses(); }
