//===- AttnToNVGPU.h - Fused tensor-core attention kernels ------*- C++ -*-===//
//
// The core of convert-attn-to-nvgpu, for pipelines that place attention on
// the tensor cores themselves (before bufferization, as the pass runs).
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_CONVERSION_ATTNTONVGPU_H
#define UNIFORM_CONVERSION_ATTNTONVGPU_H

#include "mlir/IR/PatternMatch.h"

namespace uniform {

/// Rewrites one `attn.reuse` or `attn.mha` into the fused tensor-core kernel
/// (a gpu.launch between `bufferization.to_buffer` of the operands and
/// `bufferization.to_tensor` of the result, with its shared tiles as
/// workgroup globals in the nearest symbol table) and replaces it. Returns
/// the replacement; fails, changing nothing, when the op's shape is outside
/// the kernel (dynamic shapes, Dv not a multiple of 8, element types other
/// than f16/f32, tiles over 48 KiB, more blocks than a grid holds).
mlir::FailureOr<mlir::Value>
fuseAttentionOnTensorCores(mlir::RewriterBase &rewriter, mlir::Operation *op);

/// Adds the pattern of convert-attn-to-nvgpu (fuseAttentionOnTensorCores on
/// every `attn.reuse` and `attn.mha`).
void populateAttnToNVGPUPatterns(mlir::RewritePatternSet &patterns);

} // namespace uniform

#endif // UNIFORM_CONVERSION_ATTNTONVGPU_H
