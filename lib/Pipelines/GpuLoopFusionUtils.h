//===- GpuLoopFusionUtils.h - Helpers shared by the loop fusions -*- C++
//-*-===//
//
// The helpers of uniform-gpu-fuse-parallel-loops that GpuLoopFusion.cpp and
// GpuOneBlockChains.cpp share. Internal to lib/Pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_PIPELINES_GPULOOPFUSIONUTILS_H
#define UNIFORM_LIB_PIPELINES_GPULOOPFUSIONUTILS_H

#include "mlir/Dialect/SCF/IR/SCF.h"

#include <optional>

namespace uniform::detail {

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
