//===- Diagnostics.h - MLIR diagnostics as llvm::Error ----------*- C++ -*-===//
//
// Library entry points (the runtime, the compile driver) report failures as
// llvm::Error. Failures that MLIR reported as diagnostics keep their
// locations: they are captured, formatted as a tool would print them, and
// returned as a DiagnosticsError, which tools print as it is.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_SUPPORT_DIAGNOSTICS_H
#define UNIFORM_SUPPORT_DIAGNOSTICS_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LogicalResult.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace uniform {

/// An error whose message is MLIR diagnostics already formatted with their
/// locations ("file:line:col: error: ...\n", one or more).
class DiagnosticsError : public llvm::ErrorInfo<DiagnosticsError> {
public:
  static char ID;
  explicit DiagnosticsError(std::string text) : text(std::move(text)) {}
  void log(llvm::raw_ostream &os) const override { os << text; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  std::string text;
};

/// Runs `fn` (returning LogicalResult) with `context`'s diagnostics
/// formatted against `sourceMgr` into `text`, and returns its result.
template <typename Fn>
mlir::LogicalResult collectDiagnostics(mlir::MLIRContext &context,
                                       llvm::SourceMgr &sourceMgr,
                                       std::string &text, Fn &&fn) {
  llvm::raw_string_ostream os(text);
  mlir::SourceMgrDiagnosticHandler handler(sourceMgr, &context, os);
  return fn();
}

/// Runs `fn` (returning LogicalResult) with `context`'s diagnostics
/// captured and formatted against `sourceMgr`; a failure returns them as a
/// DiagnosticsError.
template <typename Fn>
llvm::Error captureDiagnostics(mlir::MLIRContext &context,
                               llvm::SourceMgr &sourceMgr, Fn &&fn) {
  std::string text;
  if (mlir::succeeded(
          collectDiagnostics(context, sourceMgr, text, std::forward<Fn>(fn))))
    return llvm::Error::success();
  if (text.empty())
    text = "error: failed without a diagnostic\n";
  return llvm::make_error<DiagnosticsError>(std::move(text));
}

/// Prints `err` for a tool named `tool`: a DiagnosticsError as it is,
/// anything else as "TOOL: error: MESSAGE". Returns 1, the exit code.
int reportError(llvm::StringRef tool, llvm::Error err);

/// The directory of the binary holding uniform's code (a tool, or a shared
/// library that embeds it), where installed files are looked up.
std::string getUniformBinaryDirectory();

} // namespace uniform

#endif // UNIFORM_SUPPORT_DIAGNOSTICS_H
