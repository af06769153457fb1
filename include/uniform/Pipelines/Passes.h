//===- Passes.h - Passes the pipelines are built from -----------*- C++ -*-===//
//
// Declares `uniform-decompose-aggregated-ops`, `uniform-cpu-fast-math`,
// `uniform-prepare-entry-points`, `uniform-gpu-map-parallel-loops` and
// `uniform-gpu-device-memory`, `uniform-gpu-fuse-linalg`,
// `uniform-gpu-fuse-parallel-loops`, `uniform-gpu-dedupe-kernels` and
// `uniform-tosa-fold-constants`, `uniform-cpu-vectorize-contractions`,
// `uniform-cpu-vectorize-depthwise-convs`, `uniform-cpu-vectorize-transposes`
// `uniform-cpu-lower-vectors`, `uniform-cpu-outline-loop-nests`,
// `uniform-apply-noalias-pointers` and `uniform-fuse-elementwise-ops`.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_PIPELINES_PASSES_H
#define UNIFORM_PIPELINES_PASSES_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>

namespace mlir {
namespace affine {
class AffineDialect;
} // namespace affine
namespace arith {
class ArithDialect;
} // namespace arith
namespace func {
class CallOp;
class FuncDialect;
class FuncOp;
} // namespace func
namespace LLVM {
class LLVMDialect;
} // namespace LLVM
namespace gpu {
class GPUDialect;
} // namespace gpu
namespace linalg {
class LinalgDialect;
class LinalgOp;
class DepthwiseConv2DNhwcHwcOp;
class GenericOp;
class TransposeOp;
} // namespace linalg
namespace NVVM {
class NVVMDialect;
} // namespace NVVM
namespace memref {
class CopyOp;
class MemRefDialect;
} // namespace memref
namespace math {
class MathDialect;
} // namespace math
namespace scf {
class ForOp;
class ParallelOp;
class SCFDialect;
} // namespace scf
namespace vector {
class VectorDialect;
} // namespace vector
namespace tensor {
class PadOp;
class TensorDialect;
} // namespace tensor
namespace tosa {
class TosaDialect;
} // namespace tosa
class AliasAnalysis;
class RewritePatternSet;
class RewriterBase;
class SymbolTable;
} // namespace mlir

namespace uniform {

#define GEN_PASS_DECL
#include "uniform/Pipelines/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "uniform/Pipelines/Passes.h.inc"

/// The patterns of `uniform-gpu-coalesce-constants`: a constant filter of
/// linalg.conv_2d_nhwc_fhwc stored [KH, KW, C, F] (conv_2d_nhwc_hwcf), and a
/// generic contraction's constant [N, K] operand transposed
/// (packConstantOperand).
void populateGpuCoalesceConstantsPatterns(mlir::RewritePatternSet &patterns);

/// The core of `uniform-gpu-plan-buffers`: gives every statically shaped
/// gpu.alloc of `func`'s entry block that is freed there, and used only by
/// kernels, copies, fills and views (not a constant global's device copy),
/// an offset in one allocation made at the function's start and freed at
/// its returns, so that buffers whose lifetimes in the block do not
/// overlap share memory; each becomes a memref.view of it. Returns the
/// number of buffers placed (none unless at least two can be).
int64_t planDeviceBuffers(mlir::RewriterBase &rewriter, mlir::func::FuncOp func);

/// The core of `uniform-gpu-resident-constants`: in `module`'s host code
/// (LLVM dialect, after gpu-to-llvm), every device copy of a constant
/// global (mgpuMemAlloc, mgpuMemcpy from the global, mgpuMemFree) whose
/// buffer is only read after the copy (kernel operands, other copies'
/// source) becomes one call of uniformCudaDeviceConstant on a new slot (a
/// null pointer global): the copy is made at the first call and kept. A
/// destructor registered in llvm.mlir.global_dtors releases the slots.
/// Returns the number of copies kept.
int64_t keepConstantCopiesResident(mlir::ModuleOp module);

/// The core of `uniform-gpu-forward-kernel-stores`: when `copy`'s source is
/// a buffer that only memref.stores inside one earlier op of its block (a
/// kernel) write, and its target a view of an allocation made before that
/// op which neither the op nor anything between it and the copy reads or
/// writes, the op stores into the target instead; the copy and the buffer
/// are erased. Fails, changing nothing, otherwise.
mlir::LogicalResult forwardKernelStores(mlir::RewriterBase &rewriter,
                                        mlir::memref::CopyOp copy);

/// The pattern of `uniform-gpu-forward-kernel-stores` (forwardKernelStores
/// on every memref.copy).
void populateGpuForwardKernelStoresPatterns(mlir::RewritePatternSet &patterns);

/// The core of `uniform-gpu-register-accumulators`: when the body of `loop`
/// loads an element and later stores it at the same indices, defined
/// outside the loop, and every other access in the loop reads a buffer
/// that `aliases` separates from it (or a constant memref.global), carries
/// the element through the loop (one load before, one store after) and
/// returns the new loop. Fails, changing nothing, otherwise.
mlir::FailureOr<mlir::scf::ForOp>
registerLoopAccumulator(mlir::RewriterBase &rewriter, mlir::scf::ForOp loop,
                        mlir::AliasAnalysis &aliases);

/// How `uniform-gpu-register-tile-windows` tiles a parallel loop: `factor`
/// consecutive outputs along dimension `dim` per iteration.
struct WindowTiling {
  unsigned dim = 0;
  int64_t factor = 1;
};

/// Whether `loop` (an scf.parallel from 0 with step 1 and constant bounds,
/// of at least two dimensions, with no nested parallel loop or GPU op)
/// has a dimension other than its innermost that a load in a window loop
/// (an scf.for with a constant trip count) reads as that dimension plus the
/// window's induction variable; the innermost such. Its factor is the
/// largest divisor of its extent from 2 to `maxFactor` that leaves at least
/// `minIterations` iterations.
mlir::FailureOr<WindowTiling> matchWindowTiling(mlir::scf::ParallelOp loop,
                                                int64_t maxFactor,
                                                int64_t minIterations);

/// The core of `uniform-gpu-register-tile-windows`: gives each iteration of
/// `loop` `tiling.factor` outputs along `tiling.dim`, unrolled and jammed
/// into its loops, and unrolls the innermost window loops (up to 9 steps).
mlir::LogicalResult registerTileWindow(mlir::RewriterBase &rewriter,
                                       mlir::scf::ParallelOp loop,
                                       const WindowTiling &tiling);

/// What `uniform-gpu-split-reductions` splits: an outermost scf.parallel
/// from 0 with step 1 and constant bounds, whose body reads memory, then
/// runs `reduction`, an scf.for from 0 to a constant with step 1 that only
/// reads memory and carries one f32 sum (acc + x), then does anything.
struct SplittableReduction {
  /// The scf.for.
  mlir::Operation *reduction = nullptr;
  /// Iterations of the parallel loop, and of the reduction.
  int64_t outputs = 0, terms = 0;
};
mlir::FailureOr<SplittableReduction>
matchSplittableReduction(mlir::scf::ParallelOp loop);

/// Whether adjacent lanes of a split `sum` (which take adjacent terms)
/// read adjacent elements or one element with every load: a load's term
/// index is its last, or it has none, or it reads a constant 2-D global
/// at [term, x] (which the split reads transposed).
bool readsAlongLanes(mlir::scf::ForOp sum);

/// The core of `uniform-gpu-split-reductions`: gives each iteration of
/// `loop` `lanes` (a power of two up to 32, outputs * lanes a multiple of
/// 32) iterations of a new innermost dimension. Lane s sums the terms s,
/// s + lanes, ... (lane 0 from the initial value, the others from 0), a
/// `gpu.shuffle xor` butterfly sums the lanes' partial sums, and lane 0
/// runs the rest of the body. Returns the new loop.
mlir::FailureOr<mlir::scf::ParallelOp>
splitReductionAcrossLanes(mlir::RewriterBase &rewriter,
                          mlir::scf::ParallelOp loop, int64_t lanes);

/// The core of `uniform-gpu-dedupe-kernels`: keeps the first gpu.module of
/// each set of structurally identical ones in `module` and retargets the
/// launches of the others to it. Returns the number of modules removed.
int64_t dedupeGpuKernels(mlir::ModuleOp module);

/// The core of `uniform-gpu-name-kernels`: gives the only kernel of each
/// gpu.module in `module` the module's name, updating every reference to
/// it. Returns the number of kernels renamed.
int64_t nameKernelsAfterModules(mlir::ModuleOp module);

/// The core of `uniform-gpu-limit-registers`: sets `nvvm.maxnreg` to
/// `maxRegisters` on every kernel of every gpu.module in `module` that
/// issues nvgpu.mma.sync and has no smaller cap. Returns the number of
/// kernels capped.
int64_t limitKernelRegisters(mlir::ModuleOp module, int64_t maxRegisters);

/// Constant folds of TOSA ops that tosa-layerwise-constant-fold lacks
/// (tosa.gather of a constant table at constant indices; tosa.reverse,
/// tosa.pad and tosa.slice of constants).
void populateTosaFoldConstantsPatterns(mlir::RewritePatternSet &patterns);

/// Bounds of the register tile of `uniform-cpu-vectorize-contractions`.
struct CpuRegisterTile {
  int64_t m = 8, n = 32, k = 8;
  /// Elements of one hardware vector (16 f32 with AVX-512): where the wide
  /// extent is a multiple of it, the wide side of the tile is whole vectors.
  int64_t lanes = 16;
};

/// The tile sizes `uniform-cpu-vectorize-contractions` gives `op`, one per
/// loop (0: not tiled, the whole extent), or nullopt when `op` is not a
/// contraction on tensors with static shapes.
std::optional<llvm::SmallVector<int64_t>>
contractionRegisterTiles(mlir::linalg::LinalgOp op,
                         const CpuRegisterTile &tile);

/// Part of `uniform-cpu-vectorize-contractions`: when a 2-D constant
/// operand of the contraction `op` (an arith.constant, dense or resource,
/// possibly reshaped by tensor.collapse_shape/expand_shape) is stored [wide,
/// reduction], where the wide dimension is the output's contiguous one (a
/// convolution filter [F, C]), replaces it with its transpose and updates its
/// indexing map, so that register tiles read contiguous rows. Fails, changing
/// nothing, otherwise.
mlir::LogicalResult packConstantOperand(mlir::RewriterBase &rewriter,
                                        mlir::linalg::GenericOp op);

/// Part of `uniform-cpu-vectorize-contractions`, after packConstantOperand:
/// when `op` is out[m, n] += a[m, k] * w[k, n] with `w` a constant of at least
/// `minBytes` bytes and `n` a multiple of `tile.lanes` wider than one register
/// tile of `tile` (contractionRegisterTiles' wide size), stores `w` in panels
/// [N/P, K, P] of that width P and replaces `op` with the product over (m, N/P,
/// P, k) into the output expanded to [M, N/P, P], so that each register tile
/// reads one contiguous panel instead of rows N elements apart (data tiling, as
/// linalg.pack and mmt4d do). Returns the new op; fails, changing nothing,
/// otherwise.
mlir::FailureOr<mlir::linalg::GenericOp>
packConstantPanels(mlir::RewriterBase &rewriter, mlir::linalg::GenericOp op,
                   const CpuRegisterTile &tile, int64_t minBytes);

/// The core of `uniform-cpu-vectorize-contractions`: tiles `op` by
/// `contractionRegisterTiles` (reduction loops innermost) and vectorizes the
/// tile into a vector.contract. A wide extent longer than `tile.lanes` but not
/// a multiple of it is split first (linalg::splitOp): its whole vectors and the
/// remaining columns are vectorized as two contractions. Fails, changing
/// nothing, when `op` has no register tiles or does not vectorize
/// (linalg::vectorizeOpPrecondition); should the tile fail to vectorize after
/// all, the tiled loops stay (correct, but scalar) and it fails too.
mlir::LogicalResult vectorizeContraction(mlir::RewriterBase &rewriter,
                                         mlir::linalg::LinalgOp op,
                                         const CpuRegisterTile &tile);

/// The tile sizes `uniform-cpu-vectorize-depthwise-convs` gives `op`'s loops
/// (n, oh, ow, c, kh, kw), with `tile.m` pixels and `tile.n` channels, or
/// nullopt when `op` is not on tensors with static shapes.
std::optional<llvm::SmallVector<int64_t>>
depthwiseRegisterTiles(mlir::linalg::DepthwiseConv2DNhwcHwcOp op,
                       const CpuRegisterTile &tile);

/// The core of `uniform-cpu-vectorize-depthwise-convs`: tiles `op` by
/// `depthwiseRegisterTiles`, rewrites the tile as a 1-D depthwise
/// convolution and vectorizes it. Fails, changing nothing, when `op` has no
/// register tiles; should a later step fail, the tiled loops stay (correct,
/// but scalar) and it fails too.
mlir::LogicalResult
vectorizeDepthwiseConv(mlir::RewriterBase &rewriter,
                       mlir::linalg::DepthwiseConv2DNhwcHwcOp op,
                       const CpuRegisterTile &tile);

/// Static float linalg.conv_2d_nhwc_fhwc as linalg.generic contractions,
/// which `uniform-cpu-vectorize-contractions` register-tiles like matmuls:
/// 1x1 with unit strides as a product over the pixels, others as a product
/// of their im2col patches (at most 2^24 elements of them).
void populateConvAsContractionPatterns(mlir::RewritePatternSet &patterns);

/// The core of `uniform-cpu-vectorize-transposes`: tiles the static
/// transpose `op` into tiles of at most `tile` x `tile` elements over the
/// output's and the input's innermost dimensions and vectorizes each tile.
/// Fails, changing nothing, when `op` is not static on tensors; should the
/// tile not vectorize, the tiled loops stay (correct) and it fails too.
mlir::LogicalResult vectorizeTranspose(mlir::RewriterBase &rewriter,
                                       mlir::linalg::TransposeOp op,
                                       int64_t tile);

/// Part of `uniform-cpu-copies-to-loops`: rewrites the `copy` whose source
/// and target are both contiguous along their innermost dimension (static,
/// of at most 256 elements; the outer ones may be dynamic) as loops over
/// the other dimensions, each step
/// one vector transfer of a whole row (an im2col tap's channels, a slice of
/// a concatenation). Fails, changing nothing, otherwise.
mlir::LogicalResult copyRowsAsVectors(mlir::RewriterBase &rewriter,
                                      mlir::memref::CopyOp copy);

/// Part of `uniform-cpu-vectorize-elementwise`, before it vectorizes: every
/// tensor.pad whose source is the sole use of an all-parallel linalg op's
/// result becomes a fill of the padded tensor into whose interior that op
/// writes (upstream's populateFuseTensorPadWithProducerLinalgOpPatterns),
/// instead of a copy of its result into the interior.
/// The fill of the whole padded tensor that this leaves is then narrowed to
/// the border around the producer's box.
mlir::LogicalResult writePaddedResultsInPlace(mlir::Operation *root);

/// Part of `uniform-cpu-vectorize-elementwise`, last: a static tensor.pad
/// with a constant value becomes its source inserted into a tensor whose
/// border (only) is filled with the value, one fill per slab, instead of a
/// fill of the whole padded tensor and a copy over its interior. Fails,
/// changing nothing, for dynamic pads or a value computed in the region.
mlir::LogicalResult padWithBorderFills(mlir::RewriterBase &rewriter,
                                       mlir::tensor::PadOp pad);

/// The core of `uniform-cpu-vectorize-elementwise`: collapses the loops of
/// the all-parallel static `op` that every operand indexes contiguously,
/// tiles the innermost loop by `width` elements (splitting off a remainder
/// that `width` does not divide) and vectorizes each tile. Fails, changing
/// nothing, when `op` is not such an op or some operand reads across the
/// innermost loop (a transpose); should a tile not vectorize, the tiled
/// loops stay (correct) and it fails too.
mlir::LogicalResult vectorizeElementwise(mlir::RewriterBase &rewriter,
                                         mlir::linalg::GenericOp op,
                                         int64_t width);

/// The patterns of `uniform-cpu-lower-vectors`: vector.contract to outer
/// products, transfer permutation maps to transposes.
void populateCpuLowerVectorsPatterns(mlir::RewritePatternSet &patterns);

/// Whether fusing the producer of `fusedOperand` into its consumer keeps
/// every element of the producer computed once: the producer has no other
/// use and the consumer indexes it through a permutation
/// (uniform-fuse-elementwise-ops' control).
bool isFusionWithoutRecomputation(mlir::OpOperand *fusedOperand);

/// Collapses every run of consecutive loops of one kind (batch, m, n or k)
/// of the contraction `op` that all its operands index contiguously, e.g.
/// out[b,n,c] += x[b,n,h,d] * w[h,d,c] into a reduction over one h*d loop.
/// Returns the collapsed op, or failure when there is nothing to collapse.
mlir::FailureOr<mlir::linalg::LinalgOp>
collapseContractionDims(mlir::RewriterBase &rewriter,
                        mlir::linalg::GenericOp op);

/// Moves `nest`, an op without results in a function body, into a new
/// private `no_inline` function named after `name` (made unique in
/// `symbols`) and replaces it with a call. The values it uses become the
/// arguments, except constants, which are cloned; memref arguments whose
/// root buffer no other argument shares are `llvm.noalias`.
mlir::FailureOr<mlir::func::CallOp>
outlineLoopNest(mlir::RewriterBase &rewriter, mlir::Operation *nest,
                llvm::StringRef name, mlir::SymbolTable &symbols);

/// Replaces the calls of every function in `functions` that is
/// structurally identical to an earlier one (same type, argument
/// attributes and body) by calls of that one, and erases it.
void dedupeFunctions(llvm::ArrayRef<mlir::func::FuncOp> functions,
                     mlir::SymbolTable &symbols);

/// After func-to-llvm: `llvm.noalias` on the pointer arguments that
/// outlineLoopNest recorded (`uniform.noalias_pointers`).
void applyNoAliasPointers(mlir::ModuleOp module);

} // namespace uniform

#endif // UNIFORM_PIPELINES_PASSES_H
