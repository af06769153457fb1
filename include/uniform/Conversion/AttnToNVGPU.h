//===- AttnToNVGPU.h - Fused tensor-core attention kernels ------*- C++ -*-===//
//
// The core of convert-attn-to-nvgpu, for pipelines that place attention on
// the tensor cores themselves (before bufferization, as the pass runs).
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_CONVERSION_ATTNTONVGPU_H
#define UNIFORM_CONVERSION_ATTNTONVGPU_H

#include "mlir/IR/PatternMatch.h"

#include <string>

namespace uniform {

/// Tile shapes of the fused kernel, per shape class. A window (M at most
/// `windowKeys`: UniForm's 7x7 and 4x4 windows) takes all keys in one step
/// and its block loops over the value chunks with the probabilities in
/// registers. A stream (longer M: global attention, ViT) runs the online
/// softmax over steps of `streamKeys` keys; its value chunks (up to
/// `streamGroups` of them: H*Dv up to 2048 at the default chunk) are column
/// groups of warps that share the block's queries and one probability tile
/// per step (with fewer keys a step, then the value tile staged in passes,
/// where those tiles would not fit in shared memory). More chunks than 16
/// (whose accumulators fill the register file) are taken in sets of column
/// groups, each later set replaying the probabilities that the first kept
/// in global memory; more than a `streamGroups` under 16, or chunks whose
/// tiles never fit, are blocks along grid z that each compute the
/// probabilities again. Registers grow with the keys
/// per step (scores) and the chunk width (accumulators): the defaults keep
/// every UniForm and ViT shape within 128 registers without spills on
/// sm_87, and are bench/gpu/tune.py's choice.
struct FusedAttentionTiles {
  int64_t windowKeys = 64;   ///< the largest M taken in one step
  int64_t windowWarps = 4;   ///< a window's warps (16 queries each), at most
  int64_t windowChunk = 64;  ///< widest value chunk of a window
  int64_t streamKeys = 32;   ///< keys per step of a stream, at most (column
                             ///< groups take fewer rather than exceed
                             ///< 48 KiB of shared memory)
  int64_t streamWarps = 2;   ///< a stream's warps (16 queries each), at
                             ///< most; with column groups, its row groups
                             ///< (at most 8 warps in all, unless one row
                             ///< group has more)
  int64_t streamChunk = 128; ///< widest value chunk of a stream
  int64_t streamGroups = 16; ///< most column groups of a stream's block (1:
                             ///< one chunk per block)

  /// Parses `key=value` pairs separated by commas (window-keys,
  /// window-warps, window-chunk, stream-keys, stream-warps, stream-chunk,
  /// stream-groups; unnamed ones keep their defaults). Keys per step are
  /// multiples of 16 up to 128, chunks multiples of 8 up to 256, warps 1 to
  /// 8 and groups 1 to 16.
  static mlir::FailureOr<FusedAttentionTiles>
  parse(llvm::StringRef spec,
        llvm::function_ref<void(const llvm::Twine &)> emitError);
  /// The spec `parse` reads back.
  std::string str() const;
};

/// The prefix of the names of the fused kernels' shared tiles (workgroup
/// globals), by which passes after outlining know the kernels
/// (uniform-gpu-limit-registers).
inline constexpr llvm::StringLiteral kFusedAttentionTilePrefix =
    "__uniform_attn_smem_";

/// Rewrites one `attn.reuse` or `attn.mha` into the fused tensor-core kernel
/// (a gpu.launch between `bufferization.to_buffer` of the operands and
/// `bufferization.to_tensor` of the result, with its shared tiles as
/// workgroup globals in the nearest symbol table) and replaces it. Returns
/// the replacement; fails, changing nothing, when the op's shape is outside
/// the kernel (dynamic shapes, Dv not a multiple of 8, element types other
/// than f16/f32, tiles over 48 KiB, more blocks than a grid holds).
mlir::FailureOr<mlir::Value>
fuseAttentionOnTensorCores(mlir::RewriterBase &rewriter, mlir::Operation *op,
                           const FusedAttentionTiles &tiles = {});

/// Adds the pattern of convert-attn-to-nvgpu (fuseAttentionOnTensorCores on
/// every `attn.reuse` and `attn.mha`).
void populateAttnToNVGPUPatterns(mlir::RewritePatternSet &patterns,
                                 const FusedAttentionTiles &tiles = {});

} // namespace uniform

#endif // UNIFORM_CONVERSION_ATTNTONVGPU_H
