//===- AttnDialect.h - Attention dialect ------------------------*- C++ -*-===//
//
// Declares the `attn` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_DIALECT_ATTN_IR_ATTNDIALECT_H
#define UNIFORM_DIALECT_ATTN_IR_ATTNDIALECT_H

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dialect.h"

#include "uniform/Dialect/Attn/IR/AttnOpsDialect.h.inc"

#endif // UNIFORM_DIALECT_ATTN_IR_ATTNDIALECT_H
