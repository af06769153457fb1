//===- uniform-opt.cpp - Reuse Attention optimizer driver -----------------===//
//
// An `mlir-opt`-style driver: parses IR, runs passes and pipelines by name and
// prints the result. It knows the `attn` dialect and the upstream dialects
// and passes that the project's pipelines use.
//
//===----------------------------------------------------------------------===//

#include "uniform/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  uniform::registerAllPasses();
  mlir::DialectRegistry registry;
  uniform::registerAllDialects(registry);
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "Reuse Attention optimizer driver\n", registry));
}
