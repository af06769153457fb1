//===- AttnDialect.cpp - Attention dialect --------------------------------===//
//
// Registers the `attn` dialect and its operations.
//
//===----------------------------------------------------------------------===//

#include "uniform/Dialect/Attn/IR/AttnDialect.h"
#include "uniform/Dialect/Attn/IR/AttnOps.h"

using namespace mlir;
using namespace uniform::attn;

#include "uniform/Dialect/Attn/IR/AttnOpsDialect.cpp.inc"

void AttnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "uniform/Dialect/Attn/IR/AttnOps.cpp.inc"
      >();
}
