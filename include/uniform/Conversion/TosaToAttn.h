//===- TosaToAttn.h - Find attention in TOSA graphs -------------*- C++ -*-===//
//
// The patterns of `attn-raise` (on TOSA and on linalg on tensors), for
// pipelines that raise attention themselves.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_CONVERSION_TOSATOATTN_H
#define UNIFORM_CONVERSION_TOSATOATTN_H

#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/PatternMatch.h"

#include <string>

namespace uniform {

/// Raises the attention whose value product is `pv` (see `attn-raise`):
/// replaces `pv` by an `attn.reuse` or `attn.mha` (reshaped or transposed
/// back to `pv`'s layout) and returns that op. Fails without changing IR,
/// with the reason in `reason`, when `pv` is not the value product of a
/// softmax the matcher proves to be attention.
mlir::FailureOr<mlir::Operation *>
raiseTosaAttention(mlir::RewriterBase &rewriter, mlir::tosa::MatMulOp pv,
                   std::string *reason = nullptr);

/// Raises the attention whose value product is the linalg contraction `pv`
/// (see populateLinalgToAttnPatterns): replaces it by an `attn.reuse` (one
/// batch dimension) or `attn.mha` (two) and returns that op. Fails without
/// changing IR, with the reason in `reason`.
mlir::FailureOr<mlir::Operation *>
raiseLinalgAttention(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp pv,
                     std::string *reason = nullptr);

/// Adds the pattern that replaces TOSA attention (score matmul against
/// transposed keys, optional constant scale and bias, the decomposed
/// softmax, value matmul) with a single-head `attn.reuse`. The pass that
/// applies them must have the attn and tensor dialects loaded (list them in
/// its getDependentDialects).
void populateTosaToAttnPatterns(mlir::RewritePatternSet &patterns);

/// Adds the patterns that bring the biases added to scores that feed a
/// softmax into one add in the scores' layout: an add through a split of
/// the batch (Swin's shifted-window mask, added per window; exact) and two
/// adds of input-independent biases (a relative position bias, then a mask;
/// their sum is rounded once). Part of populateTosaToAttnPatterns.
void populateAttentionBiasPatterns(mlir::RewritePatternSet &patterns);

/// Adds the pattern that replaces attention in linalg on tensors with an
/// attention op: batched contractions (linalg.batch_matmul with default or
/// transposed maps, linalg.generic over 3-D or 4-D operands, into a zero
/// init) for the scores and the values, an optional constant scale and
/// bias, and a softmax over the keys (linalg.softmax, or decomposed into
/// linalg.generic reductions as torch-mlir emits it). One batch dimension
/// gives a single-head `attn.reuse`, two an `attn.mha`. Needs the attn,
/// linalg and tensor dialects loaded.
void populateLinalgToAttnPatterns(mlir::RewritePatternSet &patterns);

} // namespace uniform

#endif // UNIFORM_CONVERSION_TOSATOATTN_H
