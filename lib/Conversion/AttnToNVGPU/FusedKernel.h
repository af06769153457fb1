//===- FusedKernel.h - The fused attention kernel's builder ------*- C++ -*-===//
//
// Internal to convert-attn-to-nvgpu: which attention shapes the fused
// tensor-core kernel takes (KernelShape, from AttnToNVGPU.cpp's matcher)
// and the builder of the kernel (FusedKernel.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_CONVERSION_ATTNTONVGPU_FUSEDKERNEL_H
#define UNIFORM_LIB_CONVERSION_ATTNTONVGPU_FUSEDKERNEL_H

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"

namespace uniform::fused_attention {

using mlir::Type;
using mlir::Value;

/// The shapes of one attention op that the fused kernel handles.
struct KernelShape {
  bool reuse;
  int64_t batch, heads, n, m, dk, dv;
  int64_t dkTile; // Dk rounded up to the mma k-step of 16 (zero columns)
  int64_t warps;       // 16 query rows each
  int64_t queryBlocks; // blocks along the queries (16 * warps rows each)
  int64_t keyTileRows; // keys staged per step: all of them (rounded up to
                       // 16) for one step, else 64
  int64_t keySteps;    // steps of the online softmax over the keys
  int64_t valueCols;   // columns of the value tile: H*Dv (reuse) or Dv (mha)
  int64_t chunk;       // value columns per block (at most 128)
  int64_t chunks;      // valueCols / chunk
  // The grid: batch x query blocks x (heads and, over several key steps,
  // chunks). When y or z exceed sm_87's 65535, every block is numbered along
  // x instead and the kernel decodes its coordinates.
  int64_t grid[3];
  bool linearGrid;
  // The bias of a block's queries and a key step is staged in shared memory
  // (f32) with K, when it fits: one coalesced read per element instead of a
  // scattered read per lane.
  bool stageBias;
  Type elementType;
  Value bias; // broadcast to the scores by NumPy's rules, or null
};

inline constexpr int64_t kMaxSharedBytes = 48 * 1024;

/// Columns (f16) added to every row of the shared tiles. Rows are multiples
/// of 16 f16 (8 banks of 4 bytes) long; 8 more make the row stride 4 banks
/// past a multiple of 8, so the eight rows a fragment load spreads over
/// (lanes g = 0..7) fall in eight different groups of 4 banks, and the
/// value tile's column reads (rows 2t, t = 0..3) in four: no bank conflicts.
inline constexpr int64_t kTilePad = 8;
/// Columns (f32) added to every row of the staged bias tile: a row stride of
/// 8 banks past a multiple of 32 spreads a fragment's eight rows of 8-byte
/// pairs over the 64 words of two wavefronts, the fewest 256 bytes take.
inline constexpr int64_t kBiasPad = 8;

/// Defects the pass can put into its kernels on request (`test-mutation`),
/// so that tests can show the CUDA emulator catches each of them.
enum class Mutation {
  None,
  DropStagingBarrier, // no barrier between staging K/V and the mma reads
  PermuteAFragment,   // Q's A-fragment registers 1 and 2 swapped
  QuadShuffleOffsets, // the row reductions shuffle with offsets 1 and 4
};

/// Builds the fused kernel for one attention op of shape `s` (a gpu.launch
/// on buffers of `query`, `key`, `value` and the shape's bias, with shared
/// tiles as workgroup globals in `symbols`); returns the result tensor.
Value buildFusedKernel(mlir::ImplicitLocOpBuilder &b, const KernelShape &s,
                       float scale, mlir::SymbolTable &symbols,
                       Mutation mutation, Value query, Value key, Value value,
                       mlir::RankedTensorType resultType);

} // namespace uniform::fused_attention

#endif // UNIFORM_LIB_CONVERSION_ATTNTONVGPU_FUSEDKERNEL_H
