//===- AttnToLinalg.h - Lower attention to linalg ---------------*- C++ -*-===//
//
// Public entry points of the attn-to-linalg lowering, for other pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_CONVERSION_ATTNTOLINALG_H
#define UNIFORM_CONVERSION_ATTNTOLINALG_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Support/LLVM.h"

namespace uniform {

/// How attention is lowered.
enum class AttentionLoweringStrategy {
  /// Scores, softmax and value product as whole tensors.
  Materialize,
  /// Flash-style loop over key tiles with an online softmax. Ops with a
  /// static extent of 0 have nothing to tile and are materialized.
  Online,
};

/// Options of the attn-to-linalg lowering.
struct AttnToLinalgOptions {
  AttentionLoweringStrategy strategy = AttentionLoweringStrategy::Materialize;
  /// Keys per tile of the online strategy; must be positive.
  int64_t tileM = 64;
};

/// Lowers one `attn.mha` or `attn.reuse` op to linalg on tensors and replaces
/// it. Returns the replacement value.
mlir::FailureOr<mlir::Value>
lowerAttentionToLinalg(mlir::RewriterBase &rewriter, mlir::Operation *op,
                       const AttnToLinalgOptions &options = {});

/// Adds the patterns that lower `attn.mha` and `attn.reuse` to linalg.
void populateAttnToLinalgPatterns(mlir::RewritePatternSet &patterns,
                                  const AttnToLinalgOptions &options = {});

} // namespace uniform

#endif // UNIFORM_CONVERSION_ATTNTOLINALG_H
