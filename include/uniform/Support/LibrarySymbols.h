//===- LibrarySymbols.h - Names of a library's own symbols ------*- C++ -*-===//
//
// A library built by uniform-compile, libNAME.so, exports functions of its
// own (NAME_build_info, NAME_entry_points); uniform-compile defines them and
// uniform-run looks them up under the same names.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_SUPPORT_LIBRARYSYMBOLS_H
#define UNIFORM_SUPPORT_LIBRARYSYMBOLS_H

#include "llvm/ADT/StringRef.h"

#include <string>

namespace uniform {

/// NAME_SUFFIX for the library `libraryName` ("libNAME", without ".so"),
/// every character of NAME that is not alphanumeric replaced by '_'.
std::string getLibrarySymbol(llvm::StringRef libraryName,
                             llvm::StringRef suffix);

} // namespace uniform

#endif // UNIFORM_SUPPORT_LIBRARYSYMBOLS_H
