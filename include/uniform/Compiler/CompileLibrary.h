//===- CompileLibrary.h - Models to self-contained libraries ----*- C++ -*-===//
//
// uniform-compile's driver, shared with the C API and the Python package:
// an ONNX model or graph-level MLIR goes through the importer,
// uniform-cpu-pipeline or uniform-gpu-pipeline and LLVM to an object, which
// the system's (cross) C++ driver links into libNAME.so, with libNAME.h
// beside it declaring the entry points. For a CUDA target the kernels are
// embedded as a fatbin and uniform's CUDA runtime is compiled in.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_COMPILER_COMPILELIBRARY_H
#define UNIFORM_COMPILER_COMPILELIBRARY_H

#include "uniform/Pipelines/Pipelines.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class PassManager;
class TimingScope;
} // namespace mlir

namespace uniform {

/// Where a library's model runs.
enum class CompileTarget { Cpu, Cuda };

/// "cpu" or "cuda".
llvm::StringRef stringifyCompileTarget(CompileTarget target);
std::optional<CompileTarget> symbolizeCompileTarget(llvm::StringRef name);

struct CompileOptions {
  CompileTarget target = CompileTarget::Cpu;
  /// The GPU, for CompileTarget::Cuda (sm_87: Jetson Orin).
  std::string chip = "sm_87";
  /// Triple of the host code; empty: this machine's.
  std::string hostTriple;
  /// CPU the host code is tuned for.
  std::string hostCpu = "generic";
  /// C++ driver that links the library; empty: g++, or TRIPLE-g++ for
  /// another architecture.
  std::string cxx;
  /// Attention math for CompileTarget::Cuda.
  AttentionPrecision precision = AttentionPrecision::Auto;
  /// For CUDA: the fused attention kernels' tile shapes, as
  /// uniform-gpu-pipeline's attention-tiles ("stream-groups=1,..."); empty:
  /// the defaults.
  std::string attentionTiles;
  /// For CUDA: uniform-gpu-pipeline's split-reductions.
  bool splitReductions = false;
  /// For CUDA: uniform-gpu-pipeline's register-tile-windows.
  bool registerTileWindows = true;
  /// For CUDA: matmul and 1x1 convolution math (uniform-gpu-pipeline's
  /// matmul-precision).
  MatmulPrecision matmulPrecision = MatmulPrecision::F32;
  /// For CUDA: the embedded PTX's ISA ("7.4"); empty: the pipeline's.
  std::string ptxIsa;
  /// For CUDA: 5 or 6 means the PTX ISA of that JetPack's driver; 0: none.
  unsigned jetpack = 0;
  /// CUDA toolkit for libdevice and ptxas; empty: the pipeline's search.
  std::string toolkit;
  /// For an .onnx input: static shapes of dynamic graph inputs, each
  /// "NAME=DxDx...".
  std::vector<std::string> onnxInputShapes;
  /// Called on the lowering's pass manager before it runs (a tool applies
  /// its command-line options: crash reproducers, IR printing).
  std::function<mlir::LogicalResult(mlir::PassManager &)> configurePassManager;
};

/// Sets one option from its uniform-compile spelling without the dashes,
/// "NAME=VALUE": target, chip, host-triple, host-cpu, cxx, precision,
/// matmul-precision, attention-tiles, split-reductions,
/// register-tile-windows, ptx-isa, jetpack, toolkit,
/// onnx-input-shape (repeatable). For APIs that
/// take options as strings (the C API, the Python package).
llvm::Error parseCompileOption(CompileOptions &options, llvm::StringRef option);

/// The PTX feature ("+ptx74") that `options`' --ptx-isa or --jetpack ask
/// for on its chip, std::nullopt for the pipeline's default, or an error.
llvm::Expected<std::optional<std::string>>
getPtxFeature(const CompileOptions &options);

/// Compiles `input` (.onnx, or graph-level .mlir) into `output`, which must
/// be named libNAME.so, and its header libNAME.h beside it. Both appear only
/// when everything succeeded. Errors with source locations (the importer's,
/// the pipelines') come back as a DiagnosticsError. When `timing` is given,
/// each phase is timed under it.
llvm::Error compileLibrary(llvm::StringRef input, llvm::StringRef output,
                           const CompileOptions &options,
                           mlir::TimingScope *timing = nullptr);

} // namespace uniform

#endif // UNIFORM_COMPILER_COMPILELIBRARY_H
