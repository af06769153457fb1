//===- GpuLoopFusionUtils.h - Helpers of the loop fusions -------*- C++ -*-===//
//
// The helpers of uniform-gpu-fuse-parallel-loops that GpuLoopFusion.cpp,
// GpuOneBlockChains.cpp and GpuForwardKernelStores.cpp share: what a loop
// nest or kernel reads and writes (GpuLoopAccesses.cpp), and where loops
// can move. Internal to lib/Pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_PIPELINES_GPULOOPFUSIONUTILS_H
#define UNIFORM_LIB_PIPELINES_GPULOOPFUSIONUTILS_H

#include "mlir/Dialect/SCF/IR/SCF.h"

namespace mlir {
class AliasAnalysis;
} // namespace mlir

#include <optional>

namespace uniform::detail {

/// One memref.load or memref.store of a loop body: the buffer and indices
/// (none for an access of a kernel's, which may be anywhere in it).
struct Access {
  mlir::Value memref;
  mlir::ValueRange indices;
};

/// The loads and stores of a loop nest, nested ones included; `unknown`
/// when it has memory effects other than memref.load and memref.store.
/// For a gpu.launch (a kernel built before the loops, such as the
/// tensor-core contraction's), the buffers its ops read and write by their
/// memory effects, as accesses without indices; its workgroup and private
/// memory and its barriers are its own.
struct LoopAccesses {
  llvm::SmallVector<Access> loads, stores;
  bool unknown = false;

  explicit LoopAccesses(mlir::Operation *root);

private:
  void addKernelEffects(mlir::Operation *op);
};

/// The buffer a memref value is a view of: view-like ops (subviews,
/// reshapes, casts) are looked through.
mlir::Value getBufferRoot(mlir::Value memref);

/// Aliasing as the loop nests of a bufferized function need it: disjoint
/// static slices of one buffer do not alias; distinct `memref.alloc`s never
/// alias each other, nor a function argument or a global (an allocation is
/// fresh memory); distinct globals never alias. Everything else is left to
/// MLIR's alias analysis.
bool mayAlias(mlir::AliasAnalysis &aliasAnalysis, mlir::Value a, mlir::Value b);

/// Whether running `later` before `earlier` (loops or kernels) could change
/// what either computes.
bool haveConflict(mlir::AliasAnalysis &aliasAnalysis, mlir::Operation *earlier,
                  mlir::Operation *later);

/// Ops that an allocation may be hoisted over, or a deallocation sunk
/// under, without separating what parallel-loop fusion could join.
bool isFusionNeighbour(mlir::Operation *op);

/// The extents of `loop`'s iteration space when it is static, from 0 with
/// step 1, none negative, and its iterations fit in int64_t.
std::optional<llvm::SmallVector<int64_t>>
getStaticExtents(mlir::scf::ParallelOp loop);

/// Moves what `loop`'s body uses from above (views, constants) above
/// `point`; false when that is not possible.
bool hoistCapturesAbove(mlir::scf::ParallelOp loop, mlir::Operation *point);

} // namespace uniform::detail

#endif // UNIFORM_LIB_PIPELINES_GPULOOPFUSIONUTILS_H
