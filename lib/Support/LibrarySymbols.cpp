//===- LibrarySymbols.cpp - Names of a library's own symbols --------------===//

#include "uniform/Support/LibrarySymbols.h"

#include "llvm/ADT/StringExtras.h"

std::string uniform::getLibrarySymbol(llvm::StringRef libraryName,
                                      llvm::StringRef suffix) {
  libraryName.consume_front("lib");
  std::string name = libraryName.str();
  for (char &c : name)
    if (!llvm::isAlnum(c))
      c = '_';
  return name + "_" + suffix.str();
}
