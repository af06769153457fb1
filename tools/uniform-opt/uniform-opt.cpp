//===- uniform-opt.cpp - Reuse Attention optimizer driver -----------------===//
//
// An `mlir-opt`-style driver: parses IR, runs passes and pipelines by name and
// prints the result. It knows the `attn` dialect and the upstream dialects
// and passes that the project's pipelines use.
//
// Unlike stock mlir-opt, `-o FILE` is written all or nothing (see
// uniform/Support/OutputFile.h): a failing or interrupted run leaves FILE as
// it was.
//
//===----------------------------------------------------------------------===//

#include "uniform/InitAll.h"
#include "uniform/Support/OutputFile.h"
#include "uniform/Support/Version.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Process.h"

#include <cstdio>

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  uniform::registerVersionPrinter("uniform-opt");
  uniform::registerAllPasses();
  mlir::DialectRegistry registry;
  uniform::registerAllDialects(registry);
  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "Reuse Attention optimizer driver\n", registry);
  mlir::MlirOptMainConfig config =
      mlir::MlirOptMainConfig::createFromCLOptions();

  if (config.shouldShowDialects()) {
    llvm::outs() << "Available Dialects: ";
    llvm::interleaveComma(registry.getDialectNames(), llvm::outs());
    llvm::outs() << "\n";
    return EXIT_SUCCESS;
  }
  if (config.shouldListPasses()) {
    mlir::printRegisteredPasses();
    return EXIT_SUCCESS;
  }

  // The output first (a temporary until the run succeeds): a bad output path
  // fails before any work, and a run that fails or is killed at any point,
  // even while reading its input, leaves the previous output untouched.
  std::string error;
  std::unique_ptr<uniform::OutputFile> output =
      uniform::OutputFile::create(outputFilename, error);
  if (!output) {
    llvm::errs() << "uniform-opt: " << error << "\n";
    return EXIT_FAILURE;
  }
  if (inputFilename == "-" &&
      llvm::sys::Process::FileDescriptorIsDisplayed(fileno(stdin)))
    llvm::errs() << "(processing input from stdin now, hit ctrl-c/ctrl-d to "
                    "interrupt)\n";
  std::unique_ptr<llvm::MemoryBuffer> input =
      mlir::openInputFile(inputFilename, &error);
  if (!input) {
    llvm::errs() << error << "\n";
    return EXIT_FAILURE;
  }
  if (mlir::failed(
          mlir::MlirOptMain(output->os(), std::move(input), registry, config)))
    return EXIT_FAILURE;
  if (mlir::failed(output->commit(error))) {
    llvm::errs() << "uniform-opt: " << error << "\n";
    return EXIT_FAILURE;
  }
  return EXIT_SUCCESS;
}
