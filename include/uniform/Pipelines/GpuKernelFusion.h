//===- GpuKernelFusion.h - Fewer, larger SIMT kernels -----------*- C++ -*-===//
//
// The GPU pipeline turns every outermost loop nest into a kernel. These
// entry points merge loop nests before that happens, at two levels:
//
//  * linalg on tensors (GpuKernelFusion.cpp): fills that CSE shared are
//    duplicated, named ops generalized, elementwise producers (transposes,
//    broadcasts, bias, activations) fused into their consumers (through a
//    collapse of heads into channels too), chained reductions merged, a
//    tensor.pad folded into the generic that reads it (or else into the op
//    that produces its source), and elementwise loop nests put in the
//    order of the producer whose epilogue they can become;
//  * bufferized loops (GpuLoopFusion.cpp): scf.parallel nests over the same
//    iteration space (the bias fill, the convolution that accumulates onto
//    it, the activation that reads it; independent per-head convolutions)
//    become one nest wherever the dependences allow, and light independent
//    nests (fills) join a neighbour of another shape behind a guard.
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

/// Generalization of linalg named ops, elementwise fusion controlled by
/// `shouldFuseIntoGpuKernel`, and the merging of chained reductions.
void populateGpuElementwiseFusionPatterns(mlir::RewritePatternSet &patterns);

/// Merges a plain reduction (one input, a body that yields addf, maximumf or
/// minimumf of the input and the accumulator) of a reduction with the same
/// combiner, whose accumulator starts at the combiner's identity, into one
/// reduction over the loops of both (global average pooling as a sum over
/// H, then over W). Part of populateGpuElementwiseFusionPatterns.
void populateGpuReductionMergePatterns(mlir::RewritePatternSet &patterns);

/// Expands the loops of a linalg op that reads a tensor.collapse_shape so
/// that it reads the collapse's source, when the all-parallel op producing
/// that source is then fused into it (an activation and head transpose in
/// front of an output projection), and that elementwise fusion. Apart from
/// populateGpuElementwiseFusionPatterns, whose unit-dimension folding makes
/// the collapses this undoes.
void populateGpuFusionThroughReshapePatterns(mlir::RewritePatternSet &patterns);

/// Folds a constant tensor.pad into the linalg.generic that reads it (a
/// convolution): the generic reads the pad's source at clamped indices and
/// selects the padding value outside it, so no padded tensor, border fill or
/// interior copy is left.
void populateGpuPadFusionPatterns(mlir::RewritePatternSet &patterns);

/// Interchanges the loops of every all-parallel linalg.generic so that it
/// reads one producer's result (preferably a convolution's or a matmul's)
/// in the order that producer writes it, so that their loop nests can be
/// fused after bufferization (an NCHW residual add becomes the epilogue of
/// the NHWC convolution before it).
void populateGpuLoopOrderPatterns(mlir::RewritePatternSet &patterns);

/// Fuses a tensor.pad into the all-parallel linalg op that produces its
/// source (upstream's FusePadOpWithLinalgProducer): the producer writes into
/// the interior of the filled, padded tensor, so no copy is left. For pads
/// that the patterns above leave (their users are not generics).
void populateGpuPadIntoProducerPatterns(mlir::RewritePatternSet &patterns);

/// Fuses neighbouring scf.parallel ops of `region`'s blocks that have the
/// same iteration space and only same-index dependences (upstream's
/// naivelyFuseParallelOps, with an alias oracle that knows that fresh
/// allocations alias nothing else), or dependences within one row (the same
/// outer indices): a loop over rows that reduces each row takes the next
/// loop over the same rows, and an elementwise loop over rows and columns,
/// its columns then run sequentially (row fusion; LayerNorm's statistics in
/// one loop). First, copies that gpu.memcpy cannot do
/// become parallel loops in the shape of the buffer their source views
/// (reshapes moved onto the target), so that they fuse with the loop that
/// produces that buffer; statically shaped memref.alloc ops are hoisted,
/// and memref.dealloc ops sunk, across the parallel loops and side-effect-
/// free ops around them; and a loop that fuses with neither neighbour is
/// moved next to a later loop with its iteration space, or else above the
/// loops it is independent of. Returns the number of loops removed.
int64_t fuseNeighbouringParallelLoops(mlir::Region &region);

/// Merges each light scf.parallel of `region`'s blocks (static bounds, no
/// loops in its body: a fill, a copy, an elementwise op) into another
/// parallel loop of its chain with at least as many iterations that it, and
/// the loops in between, are independent of (the zero fill of a padded
/// buffer, beside the convolutions around it), the nearest first. The
/// merged body runs behind a guard at the host iterations whose row-major
/// linear index is below its iteration count, which are delinearized into
/// its own indices. For after fuseNeighbouringParallelLoops: the merged
/// loop no longer has the iteration space of loops like either part.
/// Returns the number of loops merged away.
int64_t mergeLightParallelLoops(mlir::Region &region);

/// Replaces each run of at least two consecutive small scf.parallel ops of
/// `region`'s blocks (static bounds; at most 4096 iterations, and either at
/// most `blockSize`, the threads per block of the loop-nest kernels, which
/// one block covers anyway, or at most 2^18 iterations of work with the
/// loops inside; only side-effect-free ops, allocations and deallocations
/// in between) by one loop over the threads of a single block, mapped onto `thread x` for
/// `convert-parallel-loops-to-gpu`: each thread runs every n-th iteration of
/// each loop in turn, with a block-wide barrier (`nvvm.barrier0`) between
/// loops, so any dependences between them hold. A squeeze-and-excitation
/// block (a global average pool and two small products) becomes one kernel
/// instead of three. For after mergeLightParallelLoops. Returns the number
/// of loops removed.
int64_t fuseSmallLoopsIntoOneBlock(mlir::Region &region,
                                   int64_t blockSize = 256);

} // namespace uniform

#endif // UNIFORM_PIPELINES_GPUKERNELFUSION_H
