//===- uniform-translate.cpp - Translations into the compiler -------------===//
//
//   uniform-translate --import-onnx model.onnx -o model.mlir
//
// An `mlir-translate`-style driver for the project's translations. The output
// file is written all or nothing (see uniform/Support/OutputFile.h): when the
// import fails or the process is interrupted, `-o FILE` is left as it was.
//
//===----------------------------------------------------------------------===//

#include "uniform/Support/OutputFile.h"
#include "uniform/Support/Version.h"
#include "uniform/Target/ONNX/ImportONNX.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Tools/mlir-translate/Translation.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

static llvm::cl::opt<std::string> inputFilename(llvm::cl::Positional,
                                                llvm::cl::desc("<input file>"),
                                                llvm::cl::init("-"));
static llvm::cl::opt<std::string>
    outputFilename("o", llvm::cl::desc("Output filename"),
                   llvm::cl::value_desc("filename"), llvm::cl::init("-"));

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  uniform::registerVersionPrinter("uniform-translate");
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerTranslationCLOptions();
  uniform::registerImportONNXTranslation();
  llvm::cl::opt<const Translation *, false, TranslationParser> translation(
      "", llvm::cl::desc("Translation to perform"), llvm::cl::Required);
  llvm::cl::ParseCommandLineOptions(argc, argv, "uniform-translate\n");

  // The output first (a temporary until the translation succeeds): a bad
  // output path fails before any work, and a run that fails or is killed at
  // any point leaves the previous output untouched.
  const Translation *translate = translation.getValue();
  std::string error;
  std::unique_ptr<uniform::OutputFile> output =
      uniform::OutputFile::create(outputFilename, error);
  if (!output) {
    llvm::errs() << "uniform-translate: " << error << "\n";
    return 1;
  }
  std::unique_ptr<llvm::MemoryBuffer> input = openInputFile(
      inputFilename, translate->getInputAlignment().value_or(llvm::Align(1)),
      &error);
  if (!input) {
    llvm::errs() << error << "\n";
    return 1;
  }
  auto sourceMgr = std::make_shared<llvm::SourceMgr>();
  sourceMgr->AddNewSourceBuffer(std::move(input), llvm::SMLoc());

  MLIRContext context;
  SourceMgrDiagnosticHandler diagnostics(*sourceMgr, &context);
  if (failed((*translate)(sourceMgr, output->os(), &context)))
    return 1;
  if (failed(output->commit(error))) {
    llvm::errs() << "uniform-translate: " << error << "\n";
    return 1;
  }
  return 0;
}
