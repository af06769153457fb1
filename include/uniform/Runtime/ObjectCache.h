//===- ObjectCache.h - Compiled modules cached on disk ----------*- C++ -*-===//
//
// `uniform-run` JIT-compiles a lowered module on every run; a whole model
// takes seconds. The object code it compiles is cached on disk, keyed by
// everything it depends on (uniform's and LLVM's versions, the module's
// text, the optimization level, the host CPU and its features), and a later
// run links the cached object with ORC instead of compiling again.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_RUNTIME_OBJECTCACHE_H
#define UNIFORM_RUNTIME_OBJECTCACHE_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>

namespace llvm::orc {
class JITTargetMachineBuilder;
class LLJIT;
} // namespace llvm::orc

namespace uniform {

/// Where compiled objects are cached by default: $XDG_CACHE_HOME/uniform,
/// else $HOME/.cache/uniform; empty when neither variable is set.
std::string getDefaultObjectCacheDirectory();

/// The cache key (64 hex digits, SHA-256) of the object compiled from
/// `moduleText` at `optLevel` for `cpu` with `features`, by this build of
/// uniform and LLVM.
std::string computeObjectCacheKey(llvm::StringRef moduleText, unsigned optLevel,
                                  llvm::StringRef cpu,
                                  llvm::StringRef features);

/// Objects stored as DIRECTORY/KEY.o.
class ObjectCache {
public:
  explicit ObjectCache(llvm::StringRef directory) : directory(directory) {}

  /// The path of `key`'s object (whether it exists or not).
  std::string getPath(llvm::StringRef key) const;

  /// `key`'s object, or null when it is not cached (or unreadable).
  std::unique_ptr<llvm::MemoryBuffer> lookup(llvm::StringRef key) const;

  /// Stores the object file at `objectPath` as `key`'s, atomically: a
  /// concurrent reader sees the whole object or none.
  llvm::Error store(llvm::StringRef key, llvm::StringRef objectPath) const;

private:
  std::string directory;
};

/// Runs a relocatable object (one that MLIR's ExecutionEngine compiled,
/// with its packed `_mlir_NAME` wrappers) through ORC, resolving its
/// external symbols against the process and `libraries`. The object's
/// global constructors do not run: objects with any are not cached.
class ObjectRunner {
public:
  static llvm::Expected<std::unique_ptr<ObjectRunner>>
  create(std::unique_ptr<llvm::MemoryBuffer> object,
         llvm::ArrayRef<llvm::StringRef> libraries,
         llvm::orc::JITTargetMachineBuilder targetMachine);
  ~ObjectRunner();

  /// The packed wrapper of function `name` (its arguments and result as an
  /// array of pointers, as ExecutionEngine::invokePacked takes them).
  llvm::Expected<void (*)(void **)> lookupPacked(llvm::StringRef name);

private:
  explicit ObjectRunner(std::unique_ptr<llvm::orc::LLJIT> jit);
  std::unique_ptr<llvm::orc::LLJIT> jit;
};

} // namespace uniform

#endif // UNIFORM_RUNTIME_OBJECTCACHE_H
