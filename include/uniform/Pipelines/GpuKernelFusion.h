//===- GpuKernelFusion.h - Fewer, larger SIMT kernels -----------*- C++ -*-===//
//
// The GPU pipeline turns every outermost loop nest into a kernel. These
// entry points merge loop nests before that happens, at two levels:
//
//  * linalg on tensors (GpuKernelFusion.cpp): fills that CSE shared are
//    duplicated, named ops generalized, elementwise producers (transposes,
//    broadcasts, bias, activations) fused into their consumers, and a
//    tensor.pad folded into the generic that reads it (or else into the op
//    that produces its source);
//  * bufferized loops (GpuLoopFusion.cpp): scf.parallel nests over the same
//    iteration space (the bias fill, the convolution that accumulates onto
//    it, the activation that reads it; independent per-head convolutions)
//    become one nest wherever the dependences allow.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_PIPELINES_GPUKERNELFUSION_H
#define UNIFORM_PIPELINES_GPUKERNELFUSION_H

#include "mlir/IR/PatternMatch.h"

namespace mlir {
class OpOperand;
class Region;
} // namespace mlir

namespace uniform {

/// Whether fusing the elementwise producer of `fusedOperand` into its
/// consumer makes fewer kernels without multiplying work: the producer has
/// this one use and does not read its init (an accumulation), and when the
/// consumer reduces (a convolution or a matmul evaluates the producer once
/// per reduction step) the producer is cheap to recompute: at most three
/// arithmetic ops and no transcendental math or division.
bool shouldFuseIntoGpuKernel(mlir::OpOperand *fusedOperand);

/// Gives every use of a tensor made from nothing computed (tensor.empty, a
/// fill, a broadcast of a constant) its own copy of the op that makes it.
/// CSE merges the identical fills of different convolutions and pads;
/// bufferized, all but one of their users would copy the shared buffer
/// first, and a fill that is not shared fuses into its user's loop nest.
void duplicateSharedInitTensors(mlir::Region &region,
                                mlir::RewriterBase &rewriter);

/// Generalization of linalg named ops and elementwise fusion controlled by
/// `shouldFuseIntoGpuKernel`.
void populateGpuElementwiseFusionPatterns(mlir::RewritePatternSet &patterns);

/// Folds a constant tensor.pad into the linalg.generic that reads it (a
/// convolution): the generic reads the pad's source at clamped indices and
/// selects the padding value outside it, so no padded tensor, border fill or
/// interior copy is left.
void populateGpuPadFusionPatterns(mlir::RewritePatternSet &patterns);

/// Fuses a tensor.pad into the all-parallel linalg op that produces its
/// source (upstream's FusePadOpWithLinalgProducer): the producer writes into
/// the interior of the filled, padded tensor, so no copy is left. For pads
/// that the patterns above leave (their users are not generics).
void populateGpuPadIntoProducerPatterns(mlir::RewritePatternSet &patterns);

/// Fuses neighbouring scf.parallel ops of `region`'s blocks that have the
/// same iteration space and only same-index dependences (upstream's
/// naivelyFuseParallelOps, with an alias oracle that knows that fresh
/// allocations alias nothing else). First, copies that gpu.memcpy cannot do
/// become parallel loops in the shape of the buffer their source views
/// (reshapes moved onto the target), so that they fuse with the loop that
/// produces that buffer; statically shaped memref.alloc ops are hoisted,
/// and memref.dealloc ops sunk, across the parallel loops and side-effect-
/// free ops around them; and a loop that fuses with neither neighbour is
/// moved next to a later loop with its iteration space, or else above the
/// loops it is independent of. Returns the number of loops removed.
int64_t fuseNeighbouringParallelLoops(mlir::Region &region);

} // namespace uniform

#endif // UNIFORM_PIPELINES_GPUKERNELFUSION_H
