//===- OutputFile.h - All-or-nothing output files ---------------*- C++ -*-===//
//
// The project's tools write their outputs through these helpers, so that a
// failed, interrupted or killed run never leaves a partial file behind and
// never clobbers the previous output.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_SUPPORT_OUTPUTFILE_H
#define UNIFORM_SUPPORT_OUTPUTFILE_H

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <memory>
#include <optional>
#include <string>

namespace uniform {

/// An output file that appears at its path only when committed. Creating it
/// opens a temporary file `PATH.tmp-XXXXXX` next to the path (so a bad path
/// fails before any work is done); `commit` renames the complete temporary
/// over the path. Destroying it uncommitted removes the temporary and leaves
/// the path untouched. The temporary is also removed when the process dies of
/// a signal it can catch (SIGINT, SIGTERM, SIGSEGV, ...); after SIGKILL a
/// stray temporary may remain, but the path still holds either the old file
/// or the complete new one.
///
/// "-" is standard output, and a path that exists but is not a regular file
/// (/dev/null, a pipe) is written in place: neither can be renamed over.
class OutputFile {
public:
  /// Opens an output for `path`; on failure returns nullptr and sets `error`.
  static std::unique_ptr<OutputFile> create(llvm::StringRef path,
                                            std::string &error);
  ~OutputFile();

  llvm::raw_ostream &os() { return *stream; }

  /// Sets the permissions the file will have (a library's execute bits).
  mlir::LogicalResult setPermissions(llvm::sys::fs::perms permissions,
                                     std::string &error);

  /// Flushes the contents and moves them to the path. On failure (a write or
  /// rename error, set in `error`) the path is untouched.
  mlir::LogicalResult commit(std::string &error);

private:
  OutputFile() = default;

  std::string path;
  std::optional<llvm::sys::fs::TempFile> temp;
  /// The descriptor of an in-place output, closed on destruction.
  int directFD = -1;
  std::unique_ptr<llvm::raw_fd_ostream> ownedStream;
  llvm::raw_ostream *stream = nullptr;
};

} // namespace uniform

#endif // UNIFORM_SUPPORT_OUTPUTFILE_H
