//===- GpuTensorCoreContractions.h - Matmuls on tensor cores ----*- C++ -*-===//
//
// The core of `uniform-gpu-tensor-core-contractions`: a linalg.generic on
// tensors that multiplies and sums over one reduction dimension (a matmul,
// a batched matmul, a 1x1 convolution in any layout, with any elementwise
// prologue fused into its operands) becomes one tensor-core kernel (f16
// mma.sync with f32 accumulation) that also computes the op's initial value
// (a bias broadcast) and the elementwise ops that consume its result (bias,
// BatchNorm, activation, residual add), so that the product and everything
// fused around it stay one kernel.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_PIPELINES_GPUTENSORCORECONTRACTIONS_H
#define UNIFORM_PIPELINES_GPUTENSORCORECONTRACTIONS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/PatternMatch.h"

namespace uniform {

/// What the tensor cores multiply: f16 (11 significant bits, magnitudes
/// from 6e-8 to 65504) or bf16 (8 significant bits, f32's range).
enum class TensorCoreOperands { F16, BF16 };

/// A contraction the tensor-core kernel takes, as matchTensorCoreContraction
/// reads it. Loop dimensions of `op`: the last is the reduction (K), the one
/// before it the result's last dimension (N); every other parallel dimension
/// is a batch dimension when a B-side operand reads it, else a row (M)
/// dimension. The kernel computes, for each result element,
///   epilogue(init(b, m, n) + sum_k a(b, m, k) * b(b, k, n))
/// with `a` evaluated from the operands that do not read N and `b` from
/// those that do not read M.
struct TensorCoreContraction {
  mlir::linalg::GenericOp op;
  llvm::SmallVector<unsigned> batchDims, rowDims;
  unsigned nDim = 0, kDim = 0;
  int64_t batch = 1, m = 1, n = 1, k = 1;
  /// The two factors of the body's product: `a` computed from A-side block
  /// arguments (no N), `b` from B-side ones (no M), with the body ops that
  /// compute each, in body order.
  mlir::Value a, b;
  llvm::SmallVector<mlir::Operation *> aOps, bOps;
  /// What the sum starts from: the value a linalg.fill fills it with, or the
  /// elementwise generic that computes it (taken into the kernel), or else
  /// the init tensor, read.
  mlir::Value fillValue;
  mlir::linalg::GenericOp initOp;
  /// Elementwise generics after `op` in its block, in block order, each
  /// reading the contraction's result or an earlier one's result in the
  /// order that value was written (through its write map), taken into the
  /// kernel's store: a chain (bias, BatchNorm, activation) or a tree (a
  /// residual add that two consumers repeat).
  llvm::SmallVector<mlir::linalg::GenericOp> epilogue;
  /// The values the kernel stores, each once: the contraction's result and
  /// the epilogue's results that ops outside the kernel use.
  llvm::SmallVector<mlir::Value> outputs;

  /// How `value` (the contraction's result or an epilogue op's) is written
  /// from the loop indices of the result's dimensions: the identity, or an
  /// epilogue op's output permutation.
  mlir::AffineMap writeMap(mlir::Value value) const;
  /// The op before which the kernel is built: the last of the epilogue, or
  /// `op`.
  mlir::Operation *lastOp() const {
    mlir::linalg::GenericOp last = epilogue.empty() ? op : epilogue.back();
    return last.getOperation();
  }
};

/// Reads `op` as a TensorCoreContraction: static shapes of floats, one
/// reduction dimension (the innermost loop), every operand read through a
/// projected permutation, a body that yields `out + a * b` with `a` and `b`
/// computed by pure arithmetic from the A and B sides, and M, N, K of at
/// least 16 each. Fails, naming why, otherwise.
mlir::FailureOr<TensorCoreContraction>
matchTensorCoreContraction(mlir::linalg::GenericOp op,
                           std::string *whyNot = nullptr);

/// Replaces the contraction (with its init op and epilogue) by a gpu.launch
/// of the tensor-core kernel between `bufferization.to_buffer` of its
/// operands and `bufferization.to_tensor` of its result, with its shared
/// tiles as workgroup globals in the nearest symbol table. Returns the new
/// values of `contraction.outputs`, in order.
mlir::FailureOr<llvm::SmallVector<mlir::Value>> lowerContractionToTensorCores(
    mlir::RewriterBase &rewriter, const TensorCoreContraction &contraction,
    TensorCoreOperands operands = TensorCoreOperands::F16);

/// Registers what buffer deallocation needs after the bf16 kernels: that
/// nvvm.mma.sync has no memory effects.
void registerTensorCoreContractionInterfaces(mlir::DialectRegistry &registry);

/// Adds the pattern of uniform-gpu-tensor-core-contractions
/// (matchTensorCoreContraction, then lowerContractionToTensorCores, on
/// every linalg.generic).
void populateGpuTensorCoreContractionPatterns(
    mlir::RewritePatternSet &patterns,
    TensorCoreOperands operands = TensorCoreOperands::F16);

} // namespace uniform

#endif // UNIFORM_PIPELINES_GPUTENSORCORECONTRACTIONS_H
