//===- AttnOps.h - Attention operations -------------------------*- C++ -*-===//
//
// Declares `attn.mha` and `attn.reuse` and shape helpers shared by the
// verifier, the builders and the passes.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_DIALECT_ATTN_IR_ATTNOPS_H
#define UNIFORM_DIALECT_ATTN_IR_ATTNOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "uniform/Dialect/Attn/IR/AttnDialect.h"

#define GET_OP_CLASSES
#include "uniform/Dialect/Attn/IR/AttnOps.h.inc"

namespace uniform {
namespace attn {

/// The named dimensions of an attention op, in the order they appear in the
/// result `[B, H, N, Dv]` followed by the key length and depth.
struct AttentionDims {
  int64_t batch;     ///< B
  int64_t heads;     ///< H
  int64_t queryLen;  ///< N
  int64_t keyLen;    ///< M
  int64_t keyDim;    ///< Dk
  int64_t valueDim;  ///< Dv
};

/// Returns the best static knowledge of each attention dimension gathered
/// from the operand types (ShapedType::kDynamic where every operand is
/// dynamic). `isReuse` selects the `attn.reuse` operand layout. The operand
/// types must already have the right ranks.
AttentionDims inferAttentionDims(bool isReuse, mlir::RankedTensorType query,
                                 mlir::RankedTensorType key,
                                 mlir::RankedTensorType value);

/// Returns the result type `[B, H, N, Dv]` of an attention op with the given
/// operands, or null when the operand ranks are wrong.
mlir::RankedTensorType inferAttentionResultType(bool isReuse,
                                                mlir::Type query,
                                                mlir::Type key,
                                                mlir::Type value);

/// Returns true if `type` is an element type the attention ops accept
/// (f16, bf16 or f32).
bool isSupportedAttentionElementType(mlir::Type type);

} // namespace attn
} // namespace uniform

#endif // UNIFORM_DIALECT_ATTN_IR_ATTNOPS_H
