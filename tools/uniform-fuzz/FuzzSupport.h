//===- FuzzSupport.h - Shared pieces of the fuzz targets --------*- C++ -*-===//
//
// What both libFuzzer targets (uniform-fuzz-onnx, uniform-fuzz-mlir) share:
// a context per input with the project's dialects, diagnostics kept instead
// of printed, pass pipelines whose outcome is checked, and the report that
// turns a broken invariant into a crash libFuzzer records.
//
// The invariant the targets check beyond "no crash": a pass manager that
// reports success leaves IR that verifies. A pass may fail with a
// diagnostic; it may not succeed and leave invalid IR behind (the next pass,
// or the user's tool, would then crash or miscompile).
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_TOOLS_UNIFORM_FUZZ_FUZZSUPPORT_H
#define UNIFORM_TOOLS_UNIFORM_FUZZ_FUZZSUPPORT_H

#include "uniform/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>

namespace uniform::fuzz {

/// The custom mutators' source of randomness: seeded by libFuzzer, so that a
/// mutation is reproducible from its seed.
class Random {
public:
  explicit Random(unsigned seed) : engine(seed) {}

  /// A number in [0, n); 0 when n is 0.
  uint64_t below(uint64_t n) { return n ? engine() % n : 0; }
  /// True with probability 1/n.
  bool oneIn(uint64_t n) { return below(n) == 0; }
  /// A uniformly chosen element of the non-empty `values`.
  template <typename T> const T &pick(llvm::ArrayRef<T> values) {
    return values[below(values.size())];
  }

  /// A replacement for the integer `old` that is likely to reach an edge
  /// case: zero, negative, one, off by one, doubled, around 2^31, 2^63, or
  /// a small random value.
  int64_t interestingInt(int64_t old) {
    static constexpr int64_t kSpecial[] = {
        0, -1, 1, 2, 3, 7, 64, int64_t(1) << 16, (int64_t(1) << 31) - 1,
        int64_t(1) << 31, int64_t(1) << 40, INT64_MAX, INT64_MIN};
    switch (below(4)) {
    case 0:
      return pick(llvm::ArrayRef(kSpecial));
    case 1:
      return static_cast<int64_t>(static_cast<uint64_t>(old) +
                                  (oneIn(2) ? 1 : -1));
    case 2:
      return static_cast<int64_t>(static_cast<uint64_t>(old) * 2);
    default:
      return static_cast<int64_t>(below(257));
    }
  }

private:
  std::mt19937_64 engine;
};

/// The registry of every dialect and interface the project's tools know,
/// built once per process (contexts are per input).
inline const mlir::DialectRegistry &getRegistry() {
  static const mlir::DialectRegistry registry = [] {
    mlir::DialectRegistry registry;
    registerAllDialects(registry);
    return registry;
  }();
  return registry;
}

/// True when the environment sets UNIFORM_FUZZ_VERBOSE: every input's
/// diagnostics are then printed (to see what inputs reach).
inline bool isVerbose() {
  static const bool verbose = std::getenv("UNIFORM_FUZZ_VERBOSE") != nullptr;
  return verbose;
}

/// A fresh context for one input: all of the project's dialects, no threads
/// (libFuzzer runs one input at a time and threads only add noise), and no
/// printing of the offending op on every diagnostic (most inputs are
/// rejected, and printing would dominate the run time). Diagnostics are
/// kept, not printed, unless UNIFORM_FUZZ_VERBOSE is set.
class FuzzContext {
public:
  FuzzContext()
      : context(getRegistry(), mlir::MLIRContext::Threading::DISABLED),
        handler(&context, [this](mlir::Diagnostic &diag) {
          record(diag);
          return mlir::success();
        }) {
    context.printOpOnDiagnostic(false);
  }
  ~FuzzContext() {
    if (isVerbose())
      printDiagnostics(llvm::errs());
  }
  FuzzContext(const FuzzContext &) = delete;
  FuzzContext &operator=(const FuzzContext &) = delete;

  mlir::MLIRContext *get() { return &context; }

  /// Writes the diagnostics seen so far (the first few) to `os`.
  void printDiagnostics(llvm::raw_ostream &os) const {
    for (const std::string &message : diagnostics)
      os << message << "\n";
    if (dropped)
      os << "(" << dropped << " more diagnostics)\n";
  }

private:
  void record(mlir::Diagnostic &diag) {
    if (diagnostics.size() >= kMaxKept) {
      ++dropped;
      return;
    }
    std::string message;
    llvm::raw_string_ostream os(message);
    os << diag.getLocation() << ": " << diag;
    for (const mlir::Diagnostic &note : diag.getNotes())
      os << "\n  note: " << note;
    diagnostics.push_back(std::move(message));
  }

  static constexpr size_t kMaxKept = 16;
  mlir::MLIRContext context;
  mlir::ScopedDiagnosticHandler handler;
  llvm::SmallVector<std::string> diagnostics;
  size_t dropped = 0;
};

/// Reports a broken invariant and aborts, which libFuzzer records as a crash
/// (and a replay run as a failed test). `ir`, when given, is printed in
/// generic form: it is the IR that broke the invariant.
[[noreturn]] inline void reportBug(const llvm::Twine &what,
                                   const FuzzContext &context,
                                   mlir::Operation *ir = nullptr) {
  llvm::errs() << "uniform-fuzz: BUG: " << what << "\n";
  context.printDiagnostics(llvm::errs());
  if (ir) {
    llvm::errs() << "--- IR ---\n";
    ir->print(llvm::errs(), mlir::OpPrintingFlags().printGenericOpForm());
    llvm::errs() << "\n";
  }
  llvm::errs().flush();
  std::abort();
}

/// Runs the passes that `build` adds on `module`. Failure (with its
/// diagnostics) is an acceptable outcome; success with IR that no longer
/// verifies is a bug in one of the passes and is reported.
inline void runPipeline(FuzzContext &context, mlir::ModuleOp module,
                        llvm::StringRef name,
                        llvm::function_ref<void(mlir::OpPassManager &)> build) {
  mlir::PassManager pm(context.get());
  // Verifying after each pass would turn a pass's invalid output into an
  // ordinary failure; check the final IR ourselves instead.
  pm.enableVerifier(false);
  build(pm);
  if (mlir::failed(pm.run(module)))
    return;
  if (mlir::succeeded(mlir::verify(module)))
    return;
  // Verify again with the offending op attached to the diagnostic: the
  // output of a whole pipeline is too large to print.
  context.get()->printOpOnDiagnostic(true);
  (void)mlir::verify(module);
  reportBug("'" + name + "' succeeded but left IR that does not verify",
            context);
}

} // namespace uniform::fuzz

#endif // UNIFORM_TOOLS_UNIFORM_FUZZ_FUZZSUPPORT_H
