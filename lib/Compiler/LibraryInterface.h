//===- LibraryInterface.h - What a library shows of itself ------*- C++ -*-===//
//
// Internal to UniformCompiler: the C header, stamps, packed wrappers and
// CUDA target constants of a library (LibraryInterface.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_COMPILER_LIBRARYINTERFACE_H
#define UNIFORM_LIB_COMPILER_LIBRARYINTERFACE_H

#include "uniform/Pipelines/Pipelines.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/TargetParser/Triple.h"

#include <string>

namespace llvm {
class Module;
} // namespace llvm

namespace uniform::compiler {

/// The C name of the library's build stamp: NAME_build_info.
std::string buildInfoSymbol(llvm::StringRef libName);

/// "NAME\tSIGNATURE\n" for every entry point (public function with a body)
/// of the graph-level `module`: what `NAME_entry_points()` returns, and
/// how the runtime finds and checks a library's entries.
std::string describeEntryPoints(mlir::ModuleOp module);

/// Adds `void _mlir_NAME(void **args)` for the entry `name`: MLIR's
/// ExecutionEngine's packed convention, through which the runtime calls a
/// library as it calls a module.
void addPackedWrapper(llvm::Module &module, llvm::StringRef name);

/// What the library was built from and for, without paths or times.
std::string describeBuild(llvm::StringRef input, const llvm::Triple &triple,
                          llvm::StringRef hostCpu,
                          const GpuPipelineOptions *gpu);

/// Adds `const char *SYMBOL(void)` returning `info` to `module`.
void addBuildInfo(llvm::Module &module, llvm::StringRef symbol,
                  llvm::StringRef info);

/// Defines the hidden `uniform_library_*` constants through which the CUDA
/// runtime compiled into the library checks the device and driver at load.
void addLibraryTarget(llvm::Module &module, const GpuPipelineOptions &gpu);

/// Writes the C header that declares every entry point's C interface;
/// reports types it cannot express at their function.
mlir::LogicalResult writeHeader(mlir::ModuleOp module, llvm::StringRef libName,
                                bool cuda, llvm::raw_ostream &os);

} // namespace uniform::compiler

#endif // UNIFORM_LIB_COMPILER_LIBRARYINTERFACE_H
