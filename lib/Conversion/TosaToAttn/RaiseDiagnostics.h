//===- RaiseDiagnostics.h - Why a softmax was not raised --------*- C++ -*-===//
//
// Internal to lib/Conversion/TosaToAttn: finding the softmaxes of a graph
// and explaining, from the raise patterns' match failures, why one was not
// raised. Shared by `attn-raise{report=true}` and `attn-fusion-report`.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_CONVERSION_TOSATOATTN_RAISEDIAGNOSTICS_H
#define UNIFORM_LIB_CONVERSION_TOSATOATTN_RAISEDIAGNOSTICS_H

#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"

#include <string>

namespace uniform::detail {

/// Sets `*reason` (when asked for) and fails: how the raise matchers report
/// why they fail.
inline mlir::LogicalResult fail(std::string *reason,
                                const llvm::Twine &message) {
  if (reason)
    *reason = message.str();
  return mlir::failure();
}

/// Records which ops are erased and, while `recordFailures` is set, the
/// patterns' match failure reasons by location.
struct RaiseFailureRecorder : public mlir::RewriterBase::Listener {
  void notifyMatchFailure(
      mlir::Location loc,
      llvm::function_ref<void(mlir::Diagnostic &)> reasonCallback) override;
  void notifyOperationErased(mlir::Operation *op) override {
    erased.insert(op);
  }

  bool recordFailures = true;
  llvm::DenseMap<const void *, std::string> reasons;
  llvm::DenseSet<mlir::Operation *> erased;
};

/// The result of `op` if it ends a softmax: the normalization of a
/// decomposed TOSA softmax (e * reciprocal(reduce_sum(e)), e = exp(x -
/// reduce_max(x))) or a `linalg.softmax`; null otherwise.
mlir::Value getSoftmaxResult(mlir::Operation *op);

/// Why the softmax ending in `softmax` (still in the IR) was not raised,
/// from the failures `recorder` saw at the value products that consume it.
std::string explainNotRaised(mlir::Operation *softmax,
                             const RaiseFailureRecorder &recorder);

/// A location as reports print it: the name of a NameLoc (an ONNX node),
/// the first location of a fused one, otherwise as MLIR prints it.
/// Skips NameLocs whose name starts with `skipPrefix` (report tags).
std::string describeLocation(mlir::Location loc,
                             llvm::StringRef skipPrefix = "");

} // namespace uniform::detail

#endif // UNIFORM_LIB_CONVERSION_TOSATOATTN_RAISEDIAGNOSTICS_H
