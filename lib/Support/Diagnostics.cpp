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
  void *self = reinterpret_cast<void *>(&getUniformBinaryDirectory);
  std::string executable = llvm::sys::fs::getMainExecutable(nullptr, self);
  Dl_info info;
  llvm::SmallString<256> path;
  // dladdr names a shared library by the path it was loaded from, but the
  // main program only by how it was started (argv[0], or nothing); the
  // main program's own path comes from /proc/self/exe.
  if (dladdr(self, &info) && info.dli_fname && *info.dli_fname &&
      llvm::sys::fs::exists(info.dli_fname) &&
      !llvm::sys::fs::equivalent(info.dli_fname, executable))
    path = info.dli_fname;
  else
    path = executable;
  llvm::sys::fs::make_absolute(path);
  return std::string(llvm::sys::path::parent_path(path));
}
