//===- uniform-translate.cpp - Translations into the compiler -------------===//
//
//   uniform-translate --import-onnx model.onnx -o model.mlir
//
// The output file is written only when the import succeeds.
//
//===----------------------------------------------------------------------===//

#include "uniform/Target/ONNX/ImportONNX.h"

#include "mlir/Support/LogicalResult.h"
#include "mlir/Tools/mlir-translate/MlirTranslateMain.h"

int main(int argc, char **argv) {
  uniform::registerImportONNXTranslation();
  return mlir::failed(mlir::mlirTranslateMain(argc, argv, "uniform-translate"))
             ? 1
             : 0;
}
