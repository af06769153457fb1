//===- Loading.h - uniform-run's modules and libraries ----------*- C++ -*-===//
//
// What uniform-run runs, and how it gets the code: the entry points of a
// lowered module (its functions with a `uniform.signature`) or of a CPU
// library built by uniform-compile (its `NAME_entry_points()`), and the
// module's code, JIT-compiled or linked from the object cache.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_TOOLS_UNIFORM_RUN_LOADING_H
#define UNIFORM_TOOLS_UNIFORM_RUN_LOADING_H

#include "uniform/Runtime/ObjectCache.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace uniform::run {

/// A packed wrapper: the entry's arguments and result as an array of
/// pointers (ExecutionEngine::invokePacked's convention).
using PackedFunction = void (*)(void **);

/// An entry point: its name and tensor-level signature.
struct EntryPoint {
  std::string name;
  mlir::FunctionType signature;
};

/// The entry of `entries` named `requested`, or the only one when
/// `requested` is empty; `source` names the file in errors.
llvm::Expected<EntryPoint> chooseEntry(llvm::ArrayRef<EntryPoint> entries,
                                       llvm::StringRef requested,
                                       llvm::StringRef source);

/// The entry points of a lowered module.
llvm::Expected<llvm::SmallVector<EntryPoint>>
moduleEntryPoints(mlir::ModuleOp module);

/// A CPU library built by uniform-compile, loaded (and never unloaded).
struct Library {
  void *handle = nullptr;
  llvm::SmallVector<EntryPoint> entries;
};

/// Loads libNAME.so at `path` and reads its entry points; refuses CUDA
/// libraries and libraries without NAME_entry_points (renamed ones).
llvm::Expected<Library> openLibrary(llvm::StringRef path,
                                    mlir::MLIRContext &context);

/// The packed wrapper `_mlir_ENTRY` of `library`'s entry `entry`.
llvm::Expected<PackedFunction> lookupLibraryEntry(const Library &library,
                                                  llvm::StringRef entry,
                                                  llvm::StringRef path);

/// How modules are JIT-compiled.
struct JitOptions {
  unsigned optLevel = 3;
  std::vector<std::string> sharedLibraries;
  /// Use the object cache (CPU modules without global constructors).
  bool useCache = true;
  /// Empty: getDefaultObjectCacheDirectory().
  std::string cacheDirectory;
  /// Say whether the module was compiled or loaded from the cache.
  bool verbose = false;
};

/// A module's code, owned by the engine that compiled it or by the runner
/// that linked its cached object.
struct CompiledModule {
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::unique_ptr<ObjectRunner> cachedRunner;
  PackedFunction entry = nullptr;
};

/// JIT-compiles `module` (whose text is `moduleText`, `source` its file) for
/// this host, or links its object from the cache, with `entry`'s packed
/// wrapper. Global constructors have not run (engine->initialize()).
llvm::Expected<CompiledModule>
compileModule(mlir::ModuleOp module, llvm::StringRef moduleText,
              llvm::StringRef source, llvm::StringRef entry, bool hasKernels,
              const JitOptions &options);

} // namespace uniform::run

#endif // UNIFORM_TOOLS_UNIFORM_RUN_LOADING_H
