//===- GpuContractionKernel.h - The tensor-core contraction kernel -*- C++ -*-//
//
// Internal to uniform-gpu-tensor-core-contractions: the tiles of the kernel
// and its builder (GpuContractionKernel.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_PIPELINES_GPUCONTRACTIONKERNEL_H
#define UNIFORM_LIB_PIPELINES_GPUCONTRACTIONKERNEL_H

#include "uniform/Pipelines/GpuTensorCoreContractions.h"

#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

namespace uniform::detail {

/// A block of the kernel: rowWarps x colWarps warps, each computing 16 rows
/// by 8 * warpTiles columns of the result (warpTiles mma tiles of 16 x 8),
/// over K in steps of kTile (16 or 32) staged in shared memory.
struct ContractionTiles {
  int64_t rowWarps, colWarps, warpTiles, kTile;
  /// Blocks along N, M and the batch.
  int64_t grid[3];

  int64_t blockRows() const { return 16 * rowWarps; }
  int64_t blockCols() const { return 8 * warpTiles * colWarps; }
  int64_t warps() const { return rowWarps * colWarps; }
};

/// The tiles for `c`: warps of 32 columns (16 where N is under 32), up to
/// four warps along N and the rest of a 4-warp block along M. Fails when
/// the grid exceeds CUDA's limits.
mlir::FailureOr<ContractionTiles>
chooseContractionTiles(const TensorCoreContraction &c);

/// Builds the kernel for `c` at `b`'s insertion point (a gpu.launch on
/// buffers of the operands, its shared tiles of `operand` (f16 or bf16) as
/// workgroup globals in `symbols`); returns the tensors of `c.outputs`.
llvm::SmallVector<mlir::Value>
buildContractionKernel(mlir::ImplicitLocOpBuilder &b,
                       const TensorCoreContraction &c,
                       mlir::SymbolTable &symbols, mlir::FloatType operand);

} // namespace uniform::detail

#endif // UNIFORM_LIB_PIPELINES_GPUCONTRACTIONKERNEL_H
