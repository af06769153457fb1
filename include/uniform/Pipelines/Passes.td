//===- Passes.td - Passes the pipelines are built from -----*- tablegen -*-===//
//
// Small passes that the project's pipelines need and upstream lacks.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_PIPELINES_PASSES_TD
#define UNIFORM_PIPELINES_PASSES_TD

include "mlir/Pass/PassBase.td"

def DecomposeAggregatedOps : Pass<"uniform-decompose-aggregated-ops"> {
  let summary = "Decompose aggregated linalg ops such as linalg.softmax";
  let description = [{
    Rewrites every op implementing `linalg::AggregatedOpInterface` (today
    `linalg.softmax`) into the linalg ops it stands for. The loop and LLVM
    lowerings skip such ops silently, so the CPU and GPU pipelines run this
    before bufferization.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def FuseElementwiseOps : Pass<"uniform-fuse-elementwise-ops"> {
  let summary = "Fuse elementwise linalg producers into their consumers "
                "where nothing is computed twice";
  let description = [{
    Upstream's `linalg-fuse-elementwise-ops` (elementwise fusion, reshape
    propagation by expansion, constant folding) with one more condition on
    fusing a producer into a consumer: the consumer reads the producer's
    result through a permutation, so that every element of it is still
    computed once. Upstream also fuses through broadcasts and into
    reductions: a classifier head's normalization (192 channels) fused into
    the 192 x 1000 matrix product after it was computed 1000 times per
    channel, and the product was no longer a contraction that the CPU
    pipeline register-tiles.
  }];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def TosaFoldConstants
    : Pass<"uniform-tosa-fold-constants", "::mlir::func::FuncOp"> {
  let summary = "Fold TOSA ops of constants that tosa-layerwise-constant-fold "
                "leaves";
  let description = [{
    Computes at compile time the TOSA ops whose operands are all constants
    and that upstream's `tosa-layerwise-constant-fold` leaves:
    - `tosa.gather`: a windowed attention layer gathers its relative
      position bias from a learned table at constant offsets, and without
      this fold every inference repeats that gather (a GPU kernel per
      layer). A gather with an index outside the table, or a result of more
      than 2^20 elements, is left as it is.
    - `tosa.reverse`, `tosa.pad` (with a constant padding and value) and
      `tosa.slice`: the weights of a decomposed transposed convolution, of
      one group, or of a dilated kernel. Constants of up
      to 2^24 elements of whole bytes (not i1) are rearranged.

    Upstream's transpose fold runs with them, so that a chain of
    rearrangements of one constant folds in one run.
  }];
  let dependentDialects = ["::mlir::tosa::TosaDialect"];
}

def TosaDecomposeTransposeConv
    : Pass<"uniform-tosa-decompose-transpose-conv", "::mlir::func::FuncOp"> {
  let summary = "Rewrite tosa.transpose_conv2d as tosa.conv2d and data "
                "movement, which tosa-to-linalg lowers";
  let description = [{
    `tosa-to-linalg-named` has no lowering of `tosa.transpose_conv2d` (the
    ONNX importer's ConvTranspose). This pass applies upstream's
    decomposition (`populateTosaDecomposeTransposeConv`) and nothing else
    of `tosa-optional-decompositions`: stride 1 becomes a convolution with
    the kernel reversed and padded by the kernel less one; larger strides
    become one convolution of stride 1 whose output channels hold every
    stride phase (the sub-pixel form, no multiply-adds with inserted zeros),
    reshaped and transposed into place, then cropped or padded by `out_pad`
    and biased. Both pipelines run it before constant folding, so the
    weight rearrangements fold into the constants.
  }];
  let dependentDialects = ["::mlir::tosa::TosaDialect"];
}

def PrepareEntryPoints : Pass<"uniform-prepare-entry-points", "::mlir::ModuleOp"> {
  let summary = "Mark public functions as entry points for the runtime";
  let description = [{
    Gives every public `func.func` with a body the `llvm.emit_c_interface`
    attribute (so C callers get `_mlir_ciface_NAME`), and records its
    tensor-level signature in `uniform.signature` (a `FunctionType`), which
    survives lowering to the LLVM dialect. `uniform-run` reads it to check
    the element type and shape of every input and to interpret the results.

    Programs with a tensor whose size in elements or bytes does not fit in
    64 bits (static extents go up to INT64_MAX) are rejected with an error
    naming the op and the type: no buffer can hold them, and later passes
    that compute their size (linalg's constant folding, bufferization)
    would overflow.
  }];
}

def CpuFastMath : Pass<"uniform-cpu-fast-math", "::mlir::func::FuncOp"> {
  let summary = "Make softmax's exp and reductions vectorizable on the CPU";
  let description = [{
    Two rewrites, each behind an option, for the CPU pipeline:

    - `approximate-exp`: f32 `math.exp` becomes MLIR's polynomial
      approximation (range reduction plus a minimax polynomial, a few ulp
      from libm), plain arithmetic that LLVM vectorizes, instead of a scalar
      call to libm's `expf` per element.
    - `approximate-erf`: f32 `math.erf` (exact GELU) likewise becomes
      MLIR's polynomial approximation instead of a call to `erff`.
    - `reassociate-reductions`: the combiner of every `linalg.generic` with
      reduction iterators whose body is a single `arith.addf`,
      `arith.maximumf` or `arith.minimumf` of an input element and the
      accumulator (a plain reduction, not a contraction) gets the `reassoc`
      fast-math flag, so that LLVM may split the
      reduction into vector lanes. This changes the order of a sum's
      additions (as every vectorized BLAS and PyTorch's softmax do); max and
      min are unaffected.
  }];
  let options = [
    Option<"approximateExp", "approximate-exp", "bool", /*default=*/"true",
           "Replace f32 math.exp with a vectorizable polynomial">,
    Option<"approximateErf", "approximate-erf", "bool", /*default=*/"true",
           "Replace f32 math.erf with a vectorizable polynomial">,
    Option<"reassociateReductions", "reassociate-reductions", "bool",
           /*default=*/"true",
           "Allow float add/max/min reductions to be reassociated">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def CpuCopiesToLoops
    : Pass<"uniform-cpu-copies-to-loops", "::mlir::func::FuncOp"> {
  let summary = "Strided memref.copy as loops, so that libraries need no "
                "runtime helper";
  let description = [{
    `finalize-memref-to-llvm` lowers a `memref.copy` between buffers that
    are not both contiguous (identity layout, or static shape and row-major
    strides) to a call of the runner utilities' `memrefCopy`, which a
    self-contained library built by `uniform-compile` does not link. This
    pass rewrites exactly those copies as loops, leaving the contiguous ones
    to become `llvm.memcpy`: copies whose two sides are contiguous along
    the innermost dimension (static, of at most 256 elements; the outer
    ones may be dynamic, as a dynamic batch is) as `scf.for`
    loops over the other dimensions, one vector transfer per row
    (`copyRowsAsVectors`; im2col taps, slices of concatenations), the rest
    as an `scf.parallel` of scalar loads and stores.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::ub::UBDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def CpuTileDynamicLoops
    : Pass<"uniform-cpu-tile-dynamic-loops", "::mlir::func::FuncOp"> {
  let summary = "Tile the dynamic loops of linalg ops by 1, so that the "
                "vectorizers see static shapes";
  let description = [{
    Every linalg op on tensors with a loop of dynamic extent (a dynamic
    batch, as a dynamic-batch ONNX import gives) is tiled by 1 along those
    loops, and only those: the op in the innermost `scf.for` works on
    slices whose extents are all static, which the CPU vectorizers
    (`uniform-cpu-vectorize-*`), written for static shapes, then tile and
    vectorize as they would a static model's. A reduction over a dynamic
    loop is tiled too: the output slice carries the partial result from one
    iteration to the next. Ops with no dynamic loop are left alone, and so
    are ops whose tile would still have a dynamic extent (an operand
    dimension that no dynamic loop indexes alone).

    Without it a dynamic-batch UniForm-m0 runs 15 times slower than its
    static import: every op falls back to scalar loops.
  }];
  let dependentDialects = ["::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def CpuVectorizeContractions
    : Pass<"uniform-cpu-vectorize-contractions", "::mlir::func::FuncOp"> {
  let summary = "Tile linalg contractions into register tiles and vectorize "
                "them";
  let description = [{
    Every linalg op on tensors that is a contraction (`linalg.matmul`,
    `linalg.batch_matmul`, and the `linalg.generic`s of the form
    `acc + a * b` that attention and fully connected layers lower to) and
    has static shapes is tiled with `scf.for` loops, reductions innermost,
    into one register tile: at most `tile-m` x `tile-n` outputs by
    `tile-k` reduction steps, where the wide side (`tile-n`) is the one
    contiguous in the output. Each tile size is the largest divisor of its
    extent within the bound, so every tile has the same static shape and
    no masking is needed; where the wide extent is a multiple of `lanes`,
    the wide size is the largest multiple of `lanes` that divides it (144
    columns get tiles of 16, not 24: a vector of 24 f32 is one and a half
    AVX-512 registers, which LLVM assembles with shuffles, 5x slower). A
    wide extent longer than `lanes` but not a multiple of it is split
    first: its whole vectors are one contraction, the remaining columns
    another (49 keys: 48 + 1, not tiles of 7). The tile is then vectorized
    into one `vector.contract` (`linalg::vectorize`);
    `uniform-cpu-lower-vectors` lowers it after bufferization.

    Contractions with a dynamic extent are left as they are (they become
    loops). Each output still adds its products in reduction order, one
    fused multiply-add per step.

    Static float convolutions (`linalg.conv_2d_nhwc_fhwc`) are rewritten as
    contractions first (`populateConvAsContractionPatterns`): a 1x1 one
    with unit strides as the matrix product over its pixels, any other as
    the matrix product of its im2col patches, unless the patches would
    exceed 2^24 elements. The patches are materialized one kernel tap at a
    time, a strided slice of the input inserted into the tap's columns,
    which `uniform-cpu-copies-to-loops` moves as rows of channels
    (upstream's `rewriteInIm2Col` gathers element by element through
    div/mod index maps, which nothing vectorizes). A constant 2-D operand
    stored [wide, reduction] (a filter [F, C], seen through reshapes) is
    then transposed at compile time
    (`packConstantOperand`), so that tiles read contiguous rows of it
    instead of transposing it in registers (3x on a 3136x64x128 product).
    Constant weights [K, N] of a generic product wider than one register
    tile and of at least `panel-bytes` bytes (2 MiB) are then stored in
    panels [N / P, K, P] of the tile's width P (`packConstantPanels`), so
    that a tile reads one contiguous panel, not rows N elements apart. The
    threshold is measured, not derived: ResNet-18's 2.4-9.4 MB weights
    (K = 2304, 4608) run 1.15x faster in panels, UniForm-m5's 1.2-1.8 MB
    ones (K = 288-1152) 1.1x slower, and UniForm-m1's smaller ones 1.15x
    slower. Of a tile's two parallel sides, the one whose
    operand is larger is the outer loop, so that each of its panels stays
    in cache while the tiles of the other side pass it.
  }];
  let options = [
    Option<"tileM", "tile-m", "int64_t", /*default=*/"8",
           "Register tile rows (outputs along the non-contiguous side)">,
    Option<"tileN", "tile-n", "int64_t", /*default=*/"32",
           "Register tile columns (outputs along the contiguous side; two "
           "AVX-512 vectors of f32)">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"8",
           "Reduction steps per tile">,
    Option<"panelBytes", "panel-bytes", "int64_t", /*default=*/"2097152",
           "Constant weights of at least this many bytes are stored in "
           "panels of the register tile's width (packConstantPanels)">,
    Option<"lanes", "lanes", "int64_t", /*default=*/"16",
           "Elements per hardware vector (16 f32 with AVX-512, 4 with "
           "NEON): wide sides that are a multiple of it get tiles of whole "
           "vectors">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def CpuVectorizeDepthwiseConvs
    : Pass<"uniform-cpu-vectorize-depthwise-convs", "::mlir::func::FuncOp"> {
  let summary = "Tile depthwise convolutions into register tiles and "
                "vectorize them";
  let description = [{
    Every static `linalg.depthwise_conv_2d_nhwc_hwc`, and every
    `linalg.depthwise_conv_2d_nhwc_hwcm` with channel multiplier 1 (TOSA's
    form, rewritten as the former on collapsed shapes), is tiled with
    `scf.for` loops into register tiles of one output row by at most
    `tile-w` pixels by `tile-c` channels, one kernel row per step of the
    innermost loop (each size the largest divisor of its extent within the
    bound). The tile is then a 1-D depthwise convolution (upstream's
    `DownscaleDepthwiseConv2DNhwcHwcOp`) that `linalg::vectorize` writes as
    multiply-adds of `tile-c` channels, and its accumulator is carried
    through the kernel-row loop as a vector.
  }];
  let options = [
    Option<"tileW", "tile-w", "int64_t", /*default=*/"8",
           "Output pixels of a row per tile">,
    Option<"tileC", "tile-c", "int64_t", /*default=*/"32",
           "Channels per tile (two AVX-512 vectors of f32)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def CpuVectorizeElementwise
    : Pass<"uniform-cpu-vectorize-elementwise", "::mlir::func::FuncOp"> {
  let summary = "Tile elementwise linalg.generic ops into vector tiles and "
                "vectorize them";
  let description = [{
    Every static `linalg.generic` on tensors whose loops are all parallel
    and whose operands each read along the innermost loop contiguously or
    not at all (elementwise ops, activations, residual adds, broadcasts of
    a bias; not transposes) is vectorized:

    - runs of loops that every operand indexes contiguously are collapsed
      into one (a 1x112x112x16 ReLU becomes one loop of 200704 elements);
    - the innermost loop is tiled by `width` elements (the whole loop when
      it is shorter); a remainder that `width` does not divide is split off
      as its own op, so every tile has a static shape and no masks;
    - the next loop out is tiled so that a tile holds about `width`
      elements (rows of a short innermost loop);
    - each tile becomes vector ops.

    Without it such loops are left to LLVM's loop vectorizer, which
    vectorizes short innermost loops across the outer one with gathers and
    scatters.

    First, a `tensor.pad` of an all-parallel op's only use (a ReLU before
    a padded convolution) becomes a fill of the padded tensor's border
    into whose interior the op writes its result directly
    (`writePaddedResultsInPlace`), instead of a copy of it. Last, every
    other static pad with a constant value becomes its source inserted
    into a tensor of which only the border is filled
    (`padWithBorderFills`), one fill per slab, no element written twice.
  }];
  let options = [
    Option<"width", "width", "int64_t", /*default=*/"64",
           "Elements per tile along the innermost loop (four AVX-512 "
           "vectors of f32)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def CpuVectorizeTransposes
    : Pass<"uniform-cpu-vectorize-transposes", "::mlir::func::FuncOp"> {
  let summary = "Tile linalg.transpose into square tiles and vectorize them";
  let description = [{
    Every static `linalg.transpose` on tensors (the NCHW/NHWC relayouts
    around convolutions, window partitions) is tiled with `scf.for` loops
    into tiles of at most `tile` x `tile` elements over the output's
    innermost dimension and the input's (each the largest divisor of its
    extent within the bound), and each tile is vectorized: one read of
    input rows, a `vector.transpose`, one write of output rows, instead of
    a scalar loop with a strided side.
  }];
  let options = [
    Option<"tile", "tile", "int64_t", /*default=*/"16",
           "Tile side (elements along each of the two innermost dimensions)">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def CpuLowerVectors : Pass<"uniform-cpu-lower-vectors", "::mlir::func::FuncOp"> {
  let summary = "Lower register tiles' contractions to FMAs after "
                "bufferization";
  let description = [{
    Runs after bufferization on what `uniform-cpu-vectorize-contractions`
    made. The accumulators were already moved out of the reduction loops
    on tensors (`hoistLoopInvariantSubsets`); this pass only hoists what
    bufferization leaves loop invariant on memrefs
    (`linalg::hoistRedundantVectorTransfers`), then lowers
    `vector.contract` to outer products (one broadcast FMA per row and
    reduction step) and transfers with permutation maps to minor-identity
    ones plus transposes, which `convert-vector-to-scf` and
    `convert-vector-to-llvm` finish.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def CpuOutlineLoopNests
    : Pass<"uniform-cpu-outline-loop-nests", "::mlir::ModuleOp"> {
  let summary = "Outline each top-level loop nest into its own function, "
                "and keep one of each set of identical ones";
  let description = [{
    A whole model lowers to one function of tens of thousands of LLVM
    instructions, on which LLVM's optimizer and code generator are slow
    (most of a UniForm-m0 compile). This pass, run on loops and memrefs
    after bufferization, moves every loop nest at the top level of a
    function body into a private function of its own, marked `no_inline`,
    and calls it.

    - The values the nest uses become arguments, except constants, which
      are cloned into the new function. Weights (`memref.get_global`) stay
      arguments, so that a block repeated with other weights gives
      structurally identical functions.
    - A memref argument is `llvm.noalias` when its root buffer (through
      view-like ops) is an allocation or global that no other argument
      derives from: the alias information that the single function had.
      func-to-llvm drops the attributes of arguments that expand to
      several, so the positions of their pointers are also recorded for
      `uniform-apply-noalias-pointers`, to run after it.
    - With `dedupe`, structurally identical outlined functions become one.
  }];
  let options = [
    Option<"dedupe", "dedupe", "bool", /*default=*/"true",
           "Keep one function of each set of identical outlined nests">,
  ];
  let dependentDialects = [
    "::mlir::func::FuncDialect",
    "::mlir::LLVM::LLVMDialect",
  ];
}

def ApplyNoAliasPointers
    : Pass<"uniform-apply-noalias-pointers", "::mlir::ModuleOp"> {
  let summary = "Mark noalias the LLVM pointer arguments that "
                "uniform-cpu-outline-loop-nests recorded";
  let description = [{
    Runs after func-to-llvm: sets `llvm.noalias` on the `!llvm.ptr`
    arguments at the positions in an `llvm.func`'s
    `uniform.noalias_pointers` attribute, and removes the attribute.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

include "uniform/Pipelines/GpuPasses.td"

#endif // UNIFORM_PIPELINES_PASSES_TD
