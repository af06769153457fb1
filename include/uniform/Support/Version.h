//===- Version.h - uniform's version, for tools and libraries ---*- C++ -*-===//
//
// Every tool's --version prints one line naming uniform's version and the
// LLVM/MLIR it was built with (registerVersionPrinter); libraries stamp
// their build information with the same strings.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_SUPPORT_VERSION_H
#define UNIFORM_SUPPORT_VERSION_H

namespace uniform {

/// uniform's version, "MAJOR.MINOR.PATCH" (CMake's project version).
const char *getUniformVersion();

/// The LLVM/MLIR version uniform was built against ("22.1.8").
const char *getLLVMVersion();

/// Makes `--version` print "TOOL (uniform VERSION, LLVM/MLIR VERSION)"
/// instead of LLVM's own banner. Call before parsing the command line.
void registerVersionPrinter(const char *toolName);

} // namespace uniform

#endif // UNIFORM_SUPPORT_VERSION_H
