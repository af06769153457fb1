//===- TosaToAttn.h - Find attention in TOSA graphs -------------*- C++ -*-===//
//
// The patterns of `attn-raise` (on TOSA and on linalg on tensors), for
// pipelines that raise attention themselves.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_CONVERSION_TOSATOATTN_H
#define UNIFORM_CONVERSION_TOSATOATTN_H

namespace mlir {
class RewritePatternSet;
} // namespace mlir

namespace uniform {

/// Adds the pattern that replaces TOSA attention (score matmul against
/// transposed keys, optional constant scale and bias, the decomposed
/// softmax, value matmul) with a single-head `attn.reuse`. The pass that
/// applies them must have the attn and tensor dialects loaded (list them in
/// its getDependentDialects).
void populateTosaToAttnPatterns(mlir::RewritePatternSet &patterns);

/// Adds the pattern that replaces attention in linalg on tensors
/// (batch_matmul against transposed keys, optional constant scale and bias,
/// linalg.softmax, batch_matmul with the values) with a single-head
/// `attn.reuse`. Needs the attn, linalg and tensor dialects loaded.
void populateLinalgToAttnPatterns(mlir::RewritePatternSet &patterns);

} // namespace uniform

#endif // UNIFORM_CONVERSION_TOSATOATTN_H
