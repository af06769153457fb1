//===- PipelineParts.h - Steps shared by the CPU and GPU pipelines -*- C++
//-*-===//
//
// Internal to lib/Pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_PIPELINES_PIPELINEPARTS_H
#define UNIFORM_LIB_PIPELINES_PIPELINEPARTS_H

#include "uniform/Conversion/AttnToLinalg.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/PassManager.h"

#include <optional>
#include <string>
#include <vector>

namespace uniform::detail {

/// Entry points, attn-raise, attn-reuse-heads (when `reuseHeads`), fused
/// tensor-core kernels for the attention that fits them (when
/// `fusedAttentionTiles` is given: convert-attn-to-nvgpu with those tiles),
/// attention and TOSA lowering to linalg on tensors, softmax decomposition,
/// elementwise fusion.
void addGraphToLinalgPasses(
    mlir::OpPassManager &pm, bool reuseHeads,
    AttentionLoweringStrategy strategy, int64_t tileM,
    std::optional<std::string> fusedAttentionTiles = std::nullopt);

/// One-shot bufferization with identity layouts at function boundaries (so
/// callers pass plain strided descriptors) and ownership-based deallocation.
void addBufferizationPasses(mlir::OpPassManager &pm);

/// Whether `type` describes one contiguous, row-major block of memory that
/// starts at its descriptor's aligned pointer: what `gpu.memcpy` copies
/// (its lowering passes the aligned pointer and ignores the offset, so a
/// subview at a non-zero offset, such as one head's slice of a
/// concatenation, must be copied by a kernel instead).
bool isContiguous(mlir::MemRefType type);

/// Replaces `copy` by an scf.parallel over `source`'s shape that loads each
/// element of `source` and stores it to `target` at the same indices: on
/// the GPU it maps onto threads (and may fuse) like any other loop nest, on
/// the CPU it needs no runtime helper (memrefCopy).
/// `source` and `target` are `copy`'s operands or views of them with one
/// shape.
void replaceCopyWithParallelLoop(mlir::RewriterBase &rewriter,
                                 mlir::memref::CopyOp copy, mlir::Value source,
                                 mlir::Value target);

/// The row-major bytes of `v` when it is an arith.constant (dense or a
/// resource blob, not a splat) seen through tensor.collapse_shape and
/// tensor.expand_shape ops, which keep the bytes' order; std::nullopt
/// otherwise.
std::optional<llvm::ArrayRef<char>> constantBytes(mlir::Value v);

/// The row-major bytes of a dense (not splat) or dense-resource elements
/// attribute; std::nullopt otherwise.
std::optional<llvm::ArrayRef<char>> elementsBytes(mlir::Attribute value);

/// `bytes`, elements of `elementType` read as a row-major [rows, cols]
/// matrix, transposed to [cols, rows]; std::nullopt when there are no
/// bytes, the elements are not whole bytes, or the sizes disagree.
std::optional<std::vector<char>>
transposedBytes(std::optional<llvm::ArrayRef<char>> bytes,
                mlir::Type elementType, int64_t rows, int64_t cols);

/// The bytes of the constant `v` (constantBytes) read as a row-major
/// [rows, cols] matrix, transposed to [cols, rows]; std::nullopt when `v`
/// is not such a constant of whole-byte elements.
std::optional<std::vector<char>> transposedConstant(mlir::Value v, int64_t rows,
                                                    int64_t cols);

} // namespace uniform::detail

#endif // UNIFORM_LIB_PIPELINES_PIPELINEPARTS_H
