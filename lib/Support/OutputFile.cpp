//===- OutputFile.cpp - All-or-nothing output files -----------------------===//

#include "uniform/Support/OutputFile.h"

#include "mlir/Support/LogicalResult.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/Process.h"

using namespace mlir;
using namespace uniform;

std::unique_ptr<OutputFile> OutputFile::create(StringRef path,
                                               std::string &error) {
  std::unique_ptr<OutputFile> file(new OutputFile());
  file->path = path.str();
  if (path == "-") {
    file->stream = &llvm::outs();
    return file;
  }

  llvm::sys::fs::file_status status;
  if (!llvm::sys::fs::status(path, status) &&
      llvm::sys::fs::exists(status) &&
      !llvm::sys::fs::is_regular_file(status)) {
    if (llvm::sys::fs::is_directory(status)) {
      error = "cannot write '" + path.str() + "': it is a directory";
      return nullptr;
    }
    if (std::error_code ec = llvm::sys::fs::openFileForWrite(
            path, file->directFD, llvm::sys::fs::CD_OpenExisting)) {
      error = "cannot open '" + path.str() + "': " + ec.message();
      return nullptr;
    }
    file->ownedStream = std::make_unique<llvm::raw_fd_ostream>(
        file->directFD, /*shouldClose=*/false);
    file->stream = file->ownedStream.get();
    return file;
  }

  llvm::Expected<llvm::sys::fs::TempFile> temp =
      llvm::sys::fs::TempFile::create(path + ".tmp-%%%%%%");
  if (!temp) {
    error = "cannot create a file next to '" + path.str() +
            "': " + llvm::toString(temp.takeError());
    return nullptr;
  }
  file->temp.emplace(std::move(*temp));
  file->ownedStream = std::make_unique<llvm::raw_fd_ostream>(
      file->temp->FD, /*shouldClose=*/false);
  file->stream = file->ownedStream.get();
  return file;
}

OutputFile::~OutputFile() {
  if (ownedStream) {
    ownedStream->flush();
    ownedStream->clear_error();
  }
  if (temp)
    llvm::consumeError(temp->discard());
  if (directFD >= 0)
    llvm::sys::Process::SafelyCloseFileDescriptor(directFD);
}

LogicalResult OutputFile::setPermissions(llvm::sys::fs::perms permissions,
                                         std::string &error) {
  int fd = temp ? temp->FD : directFD;
  if (fd < 0)
    return success();
  if (std::error_code ec = llvm::sys::fs::setPermissions(fd, permissions)) {
    error = "cannot set the permissions of '" + path + "': " + ec.message();
    return failure();
  }
  return success();
}

LogicalResult OutputFile::commit(std::string &error) {
  stream->flush();
  auto *fdStream = static_cast<llvm::raw_fd_ostream *>(
      ownedStream ? ownedStream.get() : &llvm::outs());
  if (fdStream->has_error()) {
    error = "cannot write '" + path + "': " + fdStream->error().message();
    fdStream->clear_error();
    return failure();
  }
  if (!temp)
    return success();
  // keep() renames the temporary over the path and stops tracking it.
  if (llvm::Error e = temp->keep(path)) {
    error = "cannot write '" + path + "': " + llvm::toString(std::move(e));
    return failure();
  }
  temp.reset();
  return success();
}
