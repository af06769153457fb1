//===- CpuTiling.cpp - Tiling steps of the CPU vectorizers ----------------===//
//
// The tiling, splitting and loop-collapsing steps that the CPU vectorizers
// (CpuVectorize.cpp, CpuVectorizeElementwise.cpp, CpuTileDynamicLoops.cpp)
// share; declared in CpuTiling.h.
//
//===----------------------------------------------------------------------===//

#include "CpuTiling.h"

#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/TileUsingInterface.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "llvm/Support/MathExtras.h"

using namespace mlir;
using namespace uniform::detail;

int64_t uniform::detail::largestDivisorAtMost(int64_t extent, int64_t bound) {
  for (int64_t d = std::min(extent, bound); d > 1; --d)
    if (extent % d == 0)
      return d;
  return 1;
}

FailureOr<Operation *>
uniform::detail::tileInPlace(RewriterBase &rewriter, linalg::LinalgOp op,
                             ArrayRef<int64_t> sizes,
                             ArrayRef<int64_t> interchange) {
  SmallVector<int64_t> tiles(sizes);
  for (auto [size, range] : llvm::zip(tiles, op.getStaticLoopRanges()))
    if (size == range)
      size = 0;
  scf::SCFTilingOptions options;
  options.setTileSizes(getAsIndexOpFoldResult(rewriter.getContext(), tiles));
  options.setInterchange(interchange);
  rewriter.setInsertionPoint(op);
  FailureOr<scf::SCFTilingResult> tiled = scf::tileUsingSCF(
      rewriter, cast<TilingInterface>(op.getOperation()), options);
  if (failed(tiled))
    return failure();
  rewriter.replaceOp(op, tiled->replacements);
  return tiled->tiledOps.back();
}

LogicalResult uniform::detail::splitAndRun(
    RewriterBase &rewriter, linalg::LinalgOp op, unsigned loop,
    int64_t splitPoint,
    function_ref<LogicalResult(linalg::LinalgOp, bool)> step) {
  rewriter.setInsertionPoint(op);
  auto [first, second] =
      linalg::splitOp(rewriter, cast<TilingInterface>(op.getOperation()), loop,
                      rewriter.getIndexAttr(splitPoint));
  if (!first || !second)
    return failure();
  LogicalResult a = step(cast<linalg::LinalgOp>(first.getOperation()), false);
  LogicalResult b = step(cast<linalg::LinalgOp>(second.getOperation()), true);
  return success(succeeded(a) && succeeded(b));
}

LogicalResult uniform::detail::replaceByVectors(RewriterBase &rewriter,
                                                Operation *op,
                                                bool namedContraction) {
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::VectorizationResult> vectorized = linalg::vectorize(
      rewriter, op, /*inputVectorSizes=*/{}, /*inputScalableVecDims=*/{},
      /*vectorizeNDExtract=*/false, /*flatten1DDepthwiseConv=*/false,
      /*assumeDynamicDimsMatchVecSizes=*/false, namedContraction);
  if (failed(vectorized))
    return failure();
  rewriter.replaceOp(op, vectorized->replacements);
  return success();
}

SmallVector<ReassociationIndices>
uniform::detail::collapsibleLoopRuns(linalg::LinalgOp op, ArrayRef<int> kind) {
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<ReassociationIndices> runs;
  for (int64_t loop = 0, e = op.getNumLoops(); loop < e;) {
    ReassociationIndices run = {loop};
    // A collapsed extent that overflows would wrap (to 0 for 2^40 x 2^24).
    int64_t product = ranges[loop];
    while (kind[loop] >= 0 && run.back() + 1 < e &&
           kind[run.back() + 1] == kind[loop]) {
      ReassociationIndices longer = run;
      longer.push_back(run.back() + 1);
      int64_t next = ranges[longer.back()];
      if (!linalg::areDimSequencesPreserved(maps, longer) ||
          (!ShapedType::isDynamic(product) && !ShapedType::isDynamic(next) &&
           llvm::MulOverflow(product, next, product)))
        break;
      if (ShapedType::isDynamic(next))
        product = ShapedType::kDynamic;
      run = std::move(longer);
    }
    loop = run.back() + 1;
    if (run.size() > 1)
      runs.push_back(std::move(run));
  }
  return runs;
}

FailureOr<linalg::LinalgOp>
uniform::detail::collapseLoopRuns(RewriterBase &rewriter, linalg::LinalgOp op,
                                  ArrayRef<ReassociationIndices> runs) {
  if (runs.empty())
    return failure();
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(op, runs, rewriter);
  if (failed(collapsed))
    return failure();
  rewriter.replaceOp(op, collapsed->results);
  return collapsed->collapsedOp;
}
