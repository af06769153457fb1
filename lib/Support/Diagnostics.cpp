//===- Diagnostics.cpp - MLIR diagnostics as llvm::Error ------------------===//

#include "uniform/Support/Diagnostics.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/WithColor.h"

#include <dlfcn.h>

using namespace uniform;

char DiagnosticsError::ID = 0;

int uniform::reportError(llvm::StringRef tool, llvm::Error err) {
  llvm::handleAllErrors(
      std::move(err),
      [](const DiagnosticsError &diagnostics) {
        llvm::errs() << diagnostics.message();
      },
      [&](const llvm::ErrorInfoBase &other) {
        llvm::WithColor::error(llvm::errs(), tool) << other.message() << "\n";
      });
  return 1;
}

std::string uniform::getUniformBinaryDirectory() {
  Dl_info info;
  if (!dladdr(reinterpret_cast<void *>(&getUniformBinaryDirectory), &info) ||
      !info.dli_fname)
    return "";
  llvm::SmallString<256> path(info.dli_fname);
  llvm::sys::fs::make_absolute(path);
  return std::string(llvm::sys::path::parent_path(path));
}
