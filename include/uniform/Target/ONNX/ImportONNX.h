//===- ImportONNX.h - ONNX models to TOSA -----------------------*- C++ -*-===//
//
// `importONNX` turns an ONNX model (opsets 13 to 23) into one func.func of
// TOSA with the graph's inputs and outputs; `uniform-translate
// --import-onnx` is its command-line form.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_TARGET_ONNX_IMPORTONNX_H
#define UNIFORM_TARGET_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include "llvm/ADT/SmallVector.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace uniform {

/// Resource limits of the importer: models beyond them are rejected with a
/// diagnostic before they can exhaust memory.
struct ImportONNXOptions {
  /// Graphs with more nodes are rejected before the model is decoded.
  int64_t maxNodes = 1'000'000;
  /// Tensors (inputs, outputs, weights, intermediate results) with more
  /// elements are rejected. The default, 2^32, is 16 GiB of f32.
  int64_t maxTensorElements = int64_t(1) << 32;
  /// Import unsupported ops as unregistered `onnx.<OpType>` ops (for
  /// inspection; nothing lowers them) instead of failing. Allows
  /// unregistered dialects in the context.
  bool allowUnregistered = false;
  /// Static shapes for graph inputs, by name, as `--onnx-input-shape` gives
  /// them: each replaces its input's declared dimensions (dynamic ones, such
  /// as an exported batch axis) before shape inference. A declared static
  /// dimension must agree.
  std::vector<std::pair<std::string, llvm::SmallVector<int64_t>>> inputShapes;
};

/// Parses `NAME=DxDx...` (`NAME=` for a scalar), the form of
/// `--onnx-input-shape`, into `name` and `shape`. Extents must be positive.
/// On failure, returns failure() with a message in `error`.
llvm::LogicalResult parseONNXInputShape(llvm::StringRef spec, std::string &name,
                                        llvm::SmallVectorImpl<int64_t> &shape,
                                        std::string &error);

/// Imports the serialized model in `bytes`, read from the file `fileLoc`
/// names. Ops are located at their ONNX node: a NameLoc of the node's name
/// within `fileLoc`. On failure, emits one error naming the problem
/// (malformed file, unsupported opset, op type with node name and opset,
/// dynamic or non-float tensors, exceeded limits) at the offending node, or
/// at `fileLoc` for problems of the whole model, and returns failure().
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importONNX(llvm::StringRef bytes, mlir::Location fileLoc,
           const ImportONNXOptions &options = ImportONNXOptions());

/// As above, for callers without a diagnostic handler: the error's message
/// goes to `error` instead.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importONNX(llvm::StringRef bytes, mlir::MLIRContext *context,
           std::string &error,
           const ImportONNXOptions &options = ImportONNXOptions());

/// Registers `--import-onnx` for uniform-translate.
void registerImportONNXTranslation();

} // namespace uniform

#endif // UNIFORM_TARGET_ONNX_IMPORTONNX_H
