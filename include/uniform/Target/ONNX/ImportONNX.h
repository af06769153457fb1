//===- ImportONNX.h - ONNX models to TOSA -----------------------*- C++ -*-===//
//
// `importONNX` turns an ONNX model (opsets 13 to 17) into one func.func of
// TOSA with the graph's inputs and outputs; `uniform-translate
// --import-onnx` is its command-line form.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_TARGET_ONNX_IMPORTONNX_H
#define UNIFORM_TARGET_ONNX_IMPORTONNX_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OwningOpRef.h"

#include <string>

namespace uniform {

/// Imports the serialized model in `bytes`. On failure returns failure() with
/// a message naming the problem (malformed file, unsupported opset, op type
/// with node name and opset, dynamic or non-float tensors) in `error`.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
importONNX(llvm::StringRef bytes, mlir::MLIRContext *context,
           std::string &error);

/// Registers `--import-onnx` for uniform-translate.
void registerImportONNXTranslation();

} // namespace uniform

#endif // UNIFORM_TARGET_ONNX_IMPORTONNX_H
