//===- CpuTiling.h - Tiling steps of the CPU vectorizers ------*- C++ -*-===//
//
// Internal to lib/Pipelines, defined in CpuTiling.cpp: shared by
// CpuVectorize.cpp (contractions, depthwise convolutions, transposes),
// CpuVectorizeElementwise.cpp and CpuTileDynamicLoops.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_PIPELINES_CPUTILING_H
#define UNIFORM_LIB_PIPELINES_CPUTILING_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/PatternMatch.h"

namespace uniform::detail {

/// The largest divisor of `extent` that is at most `bound` (at least 1).
int64_t largestDivisorAtMost(int64_t extent, int64_t bound);

/// Tiles `op` with scf.for loops by `sizes` (one per loop; 0, or the loop's
/// whole extent, leaves it untiled), in `interchange` order when given,
/// replaces `op` with the loops' results and returns the op in the
/// innermost loop. Without loops (every size whole) the replacements are
/// that op's own results.
mlir::FailureOr<mlir::Operation *>
tileInPlace(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
            llvm::ArrayRef<int64_t> sizes,
            llvm::ArrayRef<int64_t> interchange = {});

/// Where the init of `op` is a tensor.collapse_shape of a fill or a bias
/// broadcast (a convolution computed as a matrix product over its
/// pixels has its bias broadcast collapsed so), computes that producer on
/// the collapsed shape instead, so that tileWithFusedInit can fuse it.
/// Fails where there is no such reshape or the broadcast's output map is not
/// the identity, changing nothing (a shared producer is copied for `op`
/// only once those hold).
mlir::LogicalResult collapseInitProducer(mlir::RewriterBase &rewriter,
                                         mlir::linalg::LinalgOp op);

/// The ops tileWithFusedInit returns: the op in the innermost loop and the
/// tiles of its init's producer (empty when that was not fused).
struct TiledWithInit {
  mlir::Operation *op;
  llvm::SmallVector<mlir::Operation *> initTiles;
};

/// tileInPlace for an op with reduction loops whose init is a linalg.fill
/// or an all-parallel linalg.generic that only yields its inputs (a bias
/// broadcast), copied first where other ops use it too: first its parallel
/// loops, with that producer fused into them, so that
/// each tile initializes its own outputs (no separate pass over the whole
/// output, no memset), then its reduction loops inside. Otherwise the same
/// as tileInPlace.
mlir::FailureOr<TiledWithInit>
tileWithFusedInit(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                  llvm::ArrayRef<int64_t> sizes,
                  llvm::ArrayRef<int64_t> interchange = {});

/// Replaces `op` (a tile) by its vectorized form; `op` stays as it was when
/// it does not vectorize. Generic contractions become vector.contract
/// with `namedContraction`.
mlir::LogicalResult replaceByVectors(mlir::RewriterBase &rewriter,
                                     mlir::Operation *op,
                                     bool namedContraction = false);

/// The maximal runs of two or more consecutive loops of `op` of one kind
/// (`kind[loop]`, none when negative) that every indexing map keeps
/// together and in order, and whose static extents multiply without
/// overflowing int64, as linalg::collapseOpIterationDims takes them.
llvm::SmallVector<mlir::ReassociationIndices>
collapsibleLoopRuns(mlir::linalg::LinalgOp op, llvm::ArrayRef<int> kind);

/// Collapses `runs` of `op`'s loops and replaces `op`; returns the collapsed
/// op, or failure (changing nothing) when there are no runs.
mlir::FailureOr<mlir::linalg::LinalgOp>
collapseLoopRuns(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
                 llvm::ArrayRef<mlir::ReassociationIndices> runs);

/// Splits `op` along `loop` at `splitPoint` (linalg::splitOp) into the part
/// before and the part from it, and runs `step` on each; succeeds when both
/// steps do. Fails, changing nothing, when the split does not apply.
mlir::LogicalResult
splitAndRun(mlir::RewriterBase &rewriter, mlir::linalg::LinalgOp op,
            unsigned loop, int64_t splitPoint,
            llvm::function_ref<mlir::LogicalResult(mlir::linalg::LinalgOp,
                                                   bool isRemainder)>
                step);

} // namespace uniform::detail

#endif // UNIFORM_LIB_PIPELINES_CPUTILING_H
