//===- ReplayMain.cpp - Run a fuzz target over files without libFuzzer ----===//
//
// The main of the fuzz targets in ordinary builds (UNIFORM_FUZZ off, any
// compiler): runs LLVMFuzzerTestOneInput on every file named on the command
// line and on every file in the directories named there (not recursively,
// in name order), then prints `replayed N inputs`. A crash or sanitizer
// report ends the process, which is what makes lit's replay of the
// regression corpora (test/Fuzz) a test.
//
//   uniform-fuzz-X [--mutations=K] [--save-mutants=DIR] [--verbose]
//                  FILE_OR_DIR...
//
// --mutations=K also runs K variants of each input made by the target's
// LLVMFuzzerCustomMutator (seeds 1 to K), so that the mutator, which only
// libFuzzer calls otherwise, runs in the test suite too. The
// LLVMFuzzerMutate it falls back to is a simple stand-in here: a few random
// byte changes. --verbose names each input (and mutant) on stderr before
// running it, so that the one that crashes is the last one named;
// --save-mutants=DIR writes each mutant to DIR/NAME.mutant-K first, to
// replay on its own.
//
//===----------------------------------------------------------------------===//

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/Twine.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned int seed);

/// libFuzzer's byte-level mutator, which the custom mutators fall back to,
/// replaced by a few random byte changes (overwrite, insert, erase) from a
/// generator of its own: deterministic from one run to the next.
extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size,
                                   size_t maxSize) {
  static std::mt19937 engine(0);
  std::vector<uint8_t> bytes(data, data + size);
  for (unsigned changes = 1 + engine() % 4; changes > 0; --changes) {
    size_t pos = bytes.empty() ? 0 : engine() % bytes.size();
    switch (engine() % 3) {
    case 0:
      if (!bytes.empty())
        bytes[pos] = static_cast<uint8_t>(engine());
      break;
    case 1:
      bytes.insert(bytes.begin() + pos, static_cast<uint8_t>(engine()));
      break;
    default:
      if (!bytes.empty())
        bytes.erase(bytes.begin() + pos);
      break;
    }
  }
  size = std::min(bytes.size(), maxSize);
  std::copy_n(bytes.begin(), size, data);
  return size;
}

/// Appends `path` (a file) or the files in it (a directory) to `files`.
static bool collect(llvm::StringRef path, std::vector<std::string> &files) {
  if (!llvm::sys::fs::is_directory(path)) {
    files.push_back(path.str());
    return true;
  }
  std::vector<std::string> entries;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
       it.increment(ec))
    if (llvm::sys::fs::is_regular_file(it->path()))
      entries.push_back(it->path());
  if (ec) {
    llvm::errs() << "cannot list " << path << ": " << ec.message() << "\n";
    return false;
  }
  std::sort(entries.begin(), entries.end());
  files.insert(files.end(), entries.begin(), entries.end());
  return true;
}

/// Writes mutant `seed` of `file` to `dir`.
static bool save(const std::vector<uint8_t> &bytes, llvm::StringRef dir,
                 llvm::StringRef file, unsigned seed) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, llvm::sys::path::filename(file) +
                                    ".mutant-" + llvm::Twine(seed));
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec);
  if (!ec) {
    os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
    os.close();
    ec = os.error();
    os.clear_error();
  }
  if (ec) {
    llvm::errs() << "cannot write " << path << ": " << ec.message() << "\n";
    return false;
  }
  return true;
}

int main(int argc, char **argv) {
  unsigned mutations = 0;
  bool verbose = false;
  std::string mutantDir;
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    if (arg.consume_front("--mutations=")) {
      if (arg.getAsInteger(10, mutations)) {
        llvm::errs() << "invalid --mutations value '" << arg << "'\n";
        return 2;
      }
      continue;
    }
    if (arg.consume_front("--save-mutants=")) {
      mutantDir = arg.str();
      continue;
    }
    if (arg == "--verbose") {
      verbose = true;
      continue;
    }
    if (arg.starts_with("-")) {
      llvm::errs() << "unknown option '" << arg
                   << "' (this is a replay build; libFuzzer's options need "
                      "-DUNIFORM_FUZZ=ON, see tools/fuzz.sh)\n"
                   << "usage: " << llvm::sys::path::filename(argv[0])
                   << " [--mutations=K] [--save-mutants=DIR] [--verbose] "
                      "FILE_OR_DIR...\n";
      return 2;
    }
    if (!collect(arg, files))
      return 2;
  }

  size_t replayed = 0, mutants = 0;
  for (const std::string &file : files) {
    auto buffer = llvm::MemoryBuffer::getFile(file, /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer) {
      llvm::errs() << "cannot read " << file << ": "
                   << buffer.getError().message() << "\n";
      return 2;
    }
    // A copy of exactly the input's size, as libFuzzer passes it, so that
    // ASan sees a read past the end.
    llvm::StringRef bytes = (*buffer)->getBuffer();
    std::vector<uint8_t> input(bytes.begin(), bytes.end());
    if (verbose)
      llvm::errs() << "input " << file << "\n";
    LLVMFuzzerTestOneInput(input.data(), input.size());
    ++replayed;
    for (unsigned seed = 1; seed <= mutations; ++seed) {
      // Room for the mutators to grow the input by a quarter.
      std::vector<uint8_t> mutant(input);
      mutant.resize(input.size() + input.size() / 4 + 64);
      size_t size = LLVMFuzzerCustomMutator(mutant.data(), input.size(),
                                            mutant.size(), seed);
      std::vector<uint8_t> exact(mutant.begin(), mutant.begin() + size);
      if (verbose)
        llvm::errs() << "input " << file << ", mutant " << seed << " ("
                     << size << " bytes)\n";
      if (!mutantDir.empty() && !save(exact, mutantDir, file, seed))
        return 2;
      LLVMFuzzerTestOneInput(exact.data(), exact.size());
      ++mutants;
    }
  }
  llvm::outs() << "replayed " << replayed << " inputs\n";
  if (mutations)
    llvm::outs() << "ran " << mutants << " mutants\n";
  return 0;
}
