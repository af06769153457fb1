//===- Version.cpp - uniform's version ------------------------------------===//

#include "uniform/Support/Version.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/raw_ostream.h"

#ifndef UNIFORM_VERSION
#error "UNIFORM_VERSION is defined by lib/Support/CMakeLists.txt"
#endif

const char *uniform::getUniformVersion() { return UNIFORM_VERSION; }

const char *uniform::getLLVMVersion() { return LLVM_VERSION_STRING; }

void uniform::registerVersionPrinter(const char *toolName) {
  static const char *name = toolName;
  llvm::cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << name << " (uniform " << getUniformVersion() << ", LLVM/MLIR "
       << getLLVMVersion() << ")\n";
  });
}
