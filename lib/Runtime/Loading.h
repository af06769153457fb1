//===- Loading.h - Entry points, libraries and JIT-compiled code -*- C++
//-*-===//
//
// Internal to UniformRuntime: the entry points of a lowered module (its
// functions with a `uniform.signature`) or of a CPU library built by
// uniform-compile (its `NAME_entry_points()`), and the module's code,
// JIT-compiled or linked from the object cache.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_RUNTIME_LOADING_H
#define UNIFORM_LIB_RUNTIME_LOADING_H

#include "uniform/Runtime/Executable.h"
#include "uniform/Runtime/ObjectCache.h"

#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>

namespace uniform::loading {

/// A packed wrapper: the entry's arguments and result as an array of
/// pointers (ExecutionEngine::invokePacked's convention).
using PackedFunction = void (*)(void **);

/// The entry of `entries` named `requested`, or the only one when
/// `requested` is empty; `source` names the file in errors.
llvm::Expected<const EntryPoint &>
chooseEntry(llvm::ArrayRef<EntryPoint> entries, llvm::StringRef requested,
            llvm::StringRef source);

/// The entry points of a lowered module.
llvm::Expected<llvm::SmallVector<EntryPoint>>
moduleEntryPoints(mlir::ModuleOp module);

/// dlclose()s a library handle.
struct LibraryCloser {
  void operator()(void *handle) const;
};

/// A CPU library built by uniform-compile, loaded until this is destroyed.
struct Library {
  std::unique_ptr<void, LibraryCloser> handle;
  std::string buildInfo;
  /// Built with --target=cuda: its entries take device buffers, and the CUDA
  /// runtime compiled into it provides them.
  bool cuda = false;
  llvm::SmallVector<EntryPoint> entries;
};

/// Loads libNAME.so at `path` and reads its entry points; refuses libraries
/// without NAME_entry_points (renamed ones).
llvm::Expected<Library> openLibrary(llvm::StringRef path,
                                    mlir::MLIRContext &context);

/// The packed wrapper `_mlir_ENTRY` of `library`'s entry `entry`.
llvm::Expected<PackedFunction> lookupLibraryEntry(const Library &library,
                                                  llvm::StringRef entry,
                                                  llvm::StringRef path);

/// A module's code, owned by the engine that compiled it or by the runner
/// that linked its cached object.
struct CompiledModule {
  std::unique_ptr<mlir::ExecutionEngine> engine;
  std::unique_ptr<ObjectRunner> cachedRunner;

  /// The packed wrapper of `entry`.
  llvm::Expected<PackedFunction> lookup(llvm::StringRef entry);
};

/// JIT-compiles `module` (whose text is `moduleText`, `source` its file) for
/// this host, or links its object from the cache; `entry` is the entry the
/// caller needs first (a cached object that lacks it is recompiled). Global
/// constructors have not run (engine->initialize()).
llvm::Expected<CompiledModule>
compileModule(mlir::ModuleOp module, llvm::StringRef moduleText,
              llvm::StringRef source, llvm::StringRef entry, bool hasKernels,
              const JitOptions &options);

} // namespace uniform::loading

#endif // UNIFORM_LIB_RUNTIME_LOADING_H
