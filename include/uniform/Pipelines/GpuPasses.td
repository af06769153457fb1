//===- GpuPasses.td - Passes of the GPU pipeline -----------*- tablegen -*-===//
//
// The passes uniform-gpu-pipeline is built from (included by Passes.td).
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_PIPELINES_GPUPASSES_TD
#define UNIFORM_PIPELINES_GPUPASSES_TD

include "mlir/Pass/PassBase.td"

def GpuMapParallelLoops
    : Pass<"uniform-gpu-map-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Map the loop nests of bufferized linalg onto GPU blocks "
                "and threads";
  let description = [{
    Prepares host functions for `convert-parallel-loops-to-gpu`. Every
    outermost `scf.parallel` (as `convert-linalg-to-parallel-loops` makes
    them) is collapsed into a single dimension over all of its iterations,
    tiled by `block-size` (or by its trip count, when that is a smaller
    constant) and mapped: the tile loop onto `block x`, the loop inside it
    onto `thread x`. Neighbouring threads then handle
    neighbouring elements of the innermost (contiguous) dimension, so
    global memory accesses coalesce, and any number of dimensions, static
    or dynamic, maps without running out of grid dimensions. Reduction
    loops stay sequential inside each thread.

    A top-level `scf.for` nest that touches memory (an op whose loops are
    all reductions, such as a full reduction to a scalar) would otherwise
    run on the host against device memory: it is wrapped into a
    single-iteration parallel loop, i.e. one thread of one block.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block">,
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::scf::SCFDialect",
  ];
}

def GpuRequireStaticShapes
    : Pass<"uniform-gpu-require-static-shapes", "::mlir::ModuleOp"> {
  let summary = "Reject functions with dynamic tensor shapes, which the GPU "
                "pipeline does not compile";
  let description = [{
    The first pass of `uniform-gpu-pipeline`. Its kernels, launch grids and
    fused attention tiles are all sized at compile time, so every argument
    and result of a function with a body must be a tensor or memref of
    static shape (or a scalar). A dynamic one, such as the batch of an ONNX
    model imported without `--onnx-input-shape`, is an error at the
    function naming the argument or result and its type, and telling how to
    give it static extents; without this check the pipeline would fail
    deep inside with a message about host code touching device memory.
  }];
}

def GpuDeviceMemory
    : Pass<"uniform-gpu-device-memory", "::mlir::func::FuncOp"> {
  let summary = "Place the buffers of host functions in GPU memory";
  let description = [{
    Runs after `convert-parallel-loops-to-gpu`, on host functions whose
    arguments are device buffers. Rewrites `memref.alloc` into `gpu.alloc`,
    `memref.dealloc` into `gpu.dealloc` and `memref.copy` into
    `gpu.memcpy`. Kernels get a device copy of each constant
    `memref.global` the host function reads (`gpu.alloc` and `gpu.memcpy`
    where it is read, `gpu.dealloc` before each return): a GPU without
    heterogeneous memory management, such as Orin's, faults on a kernel that
    reads host memory. No kernel writes that copy (which
    `uniform-gpu-resident-constants` then keeps from call to call): where an
    op may write it, the kernels get a copy of it of their own. Any other operation outside a `gpu.launch` that reads or
    writes a buffer would dereference device memory on the host: it is
    reported as an error that names the operation.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def GpuCoalesceConstants
    : Pass<"uniform-gpu-coalesce-constants", "::mlir::func::FuncOp"> {
  let summary = "Store constant filters and weights so that warps read them "
                "contiguously";
  let description = [{
    A SIMT kernel of a convolution or a product gives consecutive threads
    consecutive output channels (the output's contiguous dimension). A
    filter stored [F, KH, KW, C] (`linalg.conv_2d_nhwc_fhwc`, as TOSA
    lowers convolutions) or a product's weights [N, K] then put a warp's
    lanes KH*KW*C or K elements apart, each in its own 32-byte sector.
    Where they are constants, this pass stores a filter [KH, KW, C, F]
    (`linalg.conv_2d_nhwc_hwcf`) and a generic contraction's [N, K] operand
    [K, N] (`packConstantOperand`) at compile time, on tensors, so that a
    warp reads consecutive elements. Runs in `uniform-gpu-pipeline` before
    kernel fusion.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect"];
}

def GpuPlanBuffers : Pass<"uniform-gpu-plan-buffers", "::mlir::func::FuncOp"> {
  let summary = "Place a host function's intermediate device buffers in one "
                "allocation";
  let description = [{
    After `uniform-gpu-device-memory`, a host function allocates and frees
    each intermediate buffer at every call (`gpu.alloc`, `gpu.dealloc`):
    two driver calls per buffer, UniForm-m0 has 222. Its kernels, copies
    and fills then run in program order on one stream
    (`gpu-async-region`), so buffers whose lifetimes do not overlap may
    share memory. Every statically shaped, contiguous buffer allocated and
    freed in the function's entry block, used only by kernels, copies,
    fills and views, becomes a `memref.view` of one `gpu.alloc` (the arena)
    made at the function's start and freed at its returns, at the lowest
    256-byte aligned offset that no buffer live at the same time covers
    (the largest placed first). A buffer's lifetime runs from the first to
    the last op of the entry block that accesses it or a view of it (a
    kernel, a copy, a fill), not from its allocation to its deallocation,
    which loop fusion moves up and down across kernels. Returned buffers, buffers a host op reads (other than a copy or a
    fill), and the device copies of constant globals, which
    `uniform-gpu-resident-constants` keeps from call to call, keep their
    own allocations. The CUDA emulator checks bounds per allocation: with
    the arena, an access past one buffer that lands in another is not an
    error, so `plan-buffers=false` in `uniform-gpu-pipeline` keeps each
    buffer apart for that check.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::memref::MemRefDialect"];
}

def GpuResidentConstants
    : Pass<"uniform-gpu-resident-constants", "::mlir::ModuleOp"> {
  let summary = "Copy a model's constants to the device once, not per call";
  let description = [{
    `uniform-gpu-device-memory` gives kernels a device copy of each constant
    global the host function reads; after `gpu-to-llvm` that is an
    `mgpuMemAlloc`, an `mgpuMemcpy` from the global and an `mgpuMemFree`
    before each return, so a model's weights crossed to the device at
    every call. This pass, on the host code in the LLVM dialect, replaces
    each such copy whose buffer is only read after it (kernel operands of
    `gpu.launch_func`, the source of other copies) by a call of
    `uniformCudaDeviceConstant(slot, global, bytes)` (uniform's CUDA
    runtime and emulator) on a new internal null-pointer global, the slot:
    the first call allocates and copies, every later one returns the
    slot's pointer. A destructor in `llvm.mlir.global_dtors` releases the
    slots (`uniformCudaReleaseDeviceConstant`) when the module is unloaded.
    Kernels never write these copies: `uniform-gpu-device-memory` gives a
    kernel that writes a constant's buffer a per-call copy of it. Runs at
    the end of `uniform-gpu-pipeline`.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def GpuForwardKernelStores
    : Pass<"uniform-gpu-forward-kernel-stores", "::mlir::func::FuncOp"> {
  let summary = "Kernels store into the buffers their results are copied to";
  let description = [{
    A kernel built on tensors (`uniform-gpu-tensor-core-contractions`)
    writes each of its results into a buffer of its own; where
    bufferization then copies that buffer into a view of another (the
    interior of a padded tensor that a convolution reads, one slice of a
    concatenation), the copy would be a kernel of its own and the data
    would be written twice and read once more. When the buffer is written
    only by `memref.store`s inside one op (the kernel) and used otherwise
    only by the copy and deallocations, and the target is a view of a
    `memref.alloc` made before that op that neither the op nor any op
    between it and the copy uses, the stores write the target (its views
    moved before the kernel) and the copy and the buffer are erased. Runs
    in `uniform-gpu-pipeline` after bufferization.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def GpuRegisterAccumulators
    : Pass<"uniform-gpu-register-accumulators", "::mlir::func::FuncOp"> {
  let summary = "Carry a reduction's output element through its loops";
  let description = [{
    `convert-linalg-to-parallel-loops` lowers a reduction (a matmul, a
    convolution) to `scf.for` loops whose body loads the output element,
    adds to it and stores it back at every step; in a kernel each step is a
    global load and store, which LLVM cannot keep in a register because the
    kernel's buffers may alias. Where a loop's body loads and later stores
    one element at indices defined outside the loop, and every other access
    in the loop is a read of a buffer that alias analysis separates from it
    (or of a constant `memref.global`), the element becomes an `iter_args`
    value: one load before the loop, one store after. Innermost loops
    first, so a convolution's element leaves all of its reduction loops.
    Runs in `uniform-gpu-pipeline` before the loops are mapped to the GPU.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def GpuRegisterTileWindows
    : Pass<"uniform-gpu-register-tile-windows", "::mlir::func::FuncOp"> {
  let summary = "Give each thread several outputs of a convolution's or "
                "pooling's window loops";
  let description = [{
    A convolution, depthwise convolution or pooling lowered to loops
    computes one output per iteration of its `scf.parallel` (one thread),
    reading its whole window in `scf.for` loops. Along an output dimension
    that the window's loads read as that dimension plus a window loop's
    induction variable (W of an NHWC convolution; never the innermost
    dimension, which keeps adjacent threads on adjacent elements), each
    iteration takes up to `max-factor` consecutive outputs (the largest
    divisor of the extent up to it that leaves at least `min-iterations`
    iterations; none if even 2 would not): the outputs are unrolled and
    jammed into the
    window loops, one accumulator each, and the innermost window loop (up
    to 9 steps) is unrolled, so that the loads the outputs share and the
    filter element they all read are loaded once (fewer threads hide less
    latency, hence the floor). The index arithmetic of a tiled loop is
    composed and CSE merges the shared loads, in that loop only. Runs in
    `uniform-gpu-pipeline` after `uniform-gpu-register-accumulators`.
  }];
  let options = [
    Option<"maxFactor", "max-factor", "int64_t", /*default=*/"8",
           "Most outputs per iteration">,
    Option<"minIterations", "min-iterations", "int64_t",
           /*default=*/"8192",
           "Fewest iterations a tiled loop keeps">,
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::scf::SCFDialect"];
}

def GpuSplitReductions
    : Pass<"uniform-gpu-split-reductions", "::mlir::ModuleOp"> {
  let summary = "Share a long reduction among adjacent lanes of a warp";
  let description = [{
    A loop-nest kernel computes each output element in one thread, its
    reduction (a 1x1 convolution's or a matmul's K) a sequential loop. With
    few outputs and a long K (a UniForm MLP at 4x4: 3072 outputs, K 384)
    the kernel takes one thread's chain of K dependent steps, however many
    multiprocessors idle. This pass gives each output of such a parallel
    loop (see `matchSplittableReduction`) S adjacent lanes of a warp, S a
    power of two with at least `min-terms-per-lane` terms each, up to 32,
    while the threads stay within `max-threads`, when it has at most
    `max-outputs` outputs: lane s sums terms s, s + S,
    ..., a `gpu.shuffle xor` butterfly adds the partial sums, and the first
    lane runs the rest of the body. A constant 2-D `memref.global` that the
    sum reads at [term, x] is read from a transposed copy at [x, term], so
    that adjacent lanes read adjacent elements; a sum with any other read
    that adjacent lanes would take down a column (an activation stored
    channel-major) is left alone (`readsAlongLanes`). Sums are reassociated (a tree of S
    partial sums). Runs in `uniform-gpu-pipeline` after
    `uniform-gpu-register-accumulators`, before the loops are mapped.
  }];
  let options = [
    Option<"minTermsPerLane", "min-terms-per-lane", "int64_t",
           /*default=*/"16", "Fewest terms of the reduction per lane">,
    Option<"maxOutputs", "max-outputs", "int64_t", /*default=*/"16384",
           "Most outputs of a loop that is split (more fill an Orin)">,
    Option<"maxThreads", "max-threads", "int64_t", /*default=*/"65536",
           "Most threads of a split loop">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect"];
}

def GpuDedupeKernels
    : Pass<"uniform-gpu-dedupe-kernels", "::mlir::ModuleOp"> {
  let summary = "Keep one gpu.module of each set of identical kernels";
  let description = [{
    `gpu-kernel-outlining` makes a `gpu.module` per launch. Models repeat
    blocks (the layers of a UniForm stage, EfficientNet's MBConv blocks),
    so many of those modules are identical but for the names of the
    symbols they define. This pass keeps the first of each set of modules
    that match op for op (types, dataflow, attributes, regions, and
    references to their own symbols in the same places) and points every
    `gpu.launch_func` of the others at it: fewer kernels to compile and
    load, the same launches. Run it after outlining and `symbol-dce`,
    before the modules are serialized.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def GpuNameKernels : Pass<"uniform-gpu-name-kernels", "::mlir::ModuleOp"> {
  let summary = "Name each outlined kernel after its gpu.module";
  let description = [{
    `gpu-kernel-outlining` names every kernel of a function alike
    (`@torch_jit_kernel_12::@torch_jit_kernel`): only the modules differ.
    Profilers (Nsight Systems and Compute), `uniformCudaPrintKernelTimes`
    and `uniform-run --profile` see a kernel's own name, so this pass gives
    the only kernel of each gpu.module the module's unique name and
    updates every reference to it. A module with several kernels, or with
    another symbol of that name, is left alone.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect"];
}

def GpuTensorCoreContractions
    : Pass<"uniform-gpu-tensor-core-contractions", "::mlir::ModuleOp"> {
  let summary = "Matmuls and 1x1 convolutions as tensor-core kernels";
  let description = [{
    Replaces every linalg.generic on tensors that sums products over one
    innermost reduction (a matmul, a batched matmul, a 1x1 convolution in
    NHWC or NCHW order, with any elementwise prologue fused into its
    operands), together with the op that makes its init (a fill, a bias
    broadcast) and the chain of elementwise generics that consume its
    result (bias, BatchNorm, activations, a residual add; the last may
    write a permutation), by one gpu.launch: per step along K each block
    stages A and B in shared memory as f16 or bf16 (`operands`), each warp
    reads them with ldmatrix and accumulates 16 x 32 results in f32 with
    mma.sync.m16n8k16, and each element goes through the epilogue before
    its one store. Taken: static shapes, f32 or f16 factors and result,
    operands read through projected permutations, M, N and K of at least
    16; the rest stays SIMT loops. f16 has 11 significant bits (beyond
    65504 infinities, below 6e-8 zeros), bf16 8 with f32's range: the
    `matmul-precision=f16|bf16` path of `uniform-gpu-pipeline` (sm_80 and
    newer). A module pass: the shared tiles are module globals.
  }];
  let options = [
    Option<"operands", "operands", "std::string", /*default=*/"\"f16\"",
           "What the tensor cores multiply: f16 or bf16">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::NVVM::NVVMDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def GpuLimitRegisters : Pass<"uniform-gpu-limit-registers", "::mlir::ModuleOp"> {
  let summary = "Cap the registers per thread of the fused attention kernels";
  let description = [{
    ptxas picks a kernel's registers per thread by its own heuristics, and
    for the fused attention kernels of 6, 10 or 12 column groups it took
    130 to 158 where 128 suffice without spills. Above 128 an sm_87
    multiprocessor (64K registers) holds fewer warps, and a block of 512
    threads no longer launches. This pass sets `nvvm.maxnreg` on every
    kernel that issues `nvgpu.mma.sync` on the shared tiles of
    convert-attn-to-nvgpu (named `__uniform_attn_smem_*`), which the NVVM
    lowering carries to the PTX (`.maxnreg`); a kernel that already has a
    smaller cap keeps it. Other kernels are left alone: ptxas treats the
    cap as a budget and gave UniForm-m0's 40-register SIMT kernels up to
    128 under it, fewer blocks per multiprocessor, and its tensor-core
    contraction kernels (uniform-gpu-tensor-core-contractions) 120 to 128
    with spills where alone it gives them 48 to 64 without. Run after
    outlining, before the NVGPU lowering. Spills are ptxas's to report
    (`tools/ptxas-report.py --no-spills`).
  }];
  let options = [
    Option<"maxRegisters", "max-registers", "int64_t", /*default=*/"128",
           "Registers per thread, at most (16 to 255)">,
  ];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::NVVM::NVVMDialect"];
}

def GpuFuseLinalg : Pass<"uniform-gpu-fuse-linalg", "::mlir::func::FuncOp"> {
  let summary = "Fuse linalg on tensors into fewer loop nests for the GPU";
  let description = [{
    Every outermost loop nest of the GPU pipeline becomes a kernel, and each
    intermediate tensor between two of them a round trip through global
    memory. This pass generalizes linalg named ops and fuses elementwise
    producers into their consumers: transposes, broadcasts, bias adds,
    BatchNorm and activations. A producer with more than one use is fused
    only when it is cheap (below), applies a reduction's result along the
    reduced axis, and every use is an input of an op that reduces: each
    takes its own copy (LayerNorm's centring, read by the variance and the
    projection). Into a consumer that reduces (a convolution or matmul
    evaluates the producer once per reduction step) only producers of at
    most three arithmetic ops without transcendental math or division are
    fused; into an elementwise consumer that broadcasts it (a
    squeeze-and-excitation gate over every pixel) no producer that
    computes anything is. A plain reduction of a reduction with the same
    combiner whose accumulator starts at its identity becomes one
    reduction over both (global average pooling as a sum over H, then W).
    Then a consumer that reads a `tensor.collapse_shape` of such a
    fusable producer's result has its loops expanded to read the
    uncollapsed tensor, and the producer fuses (an activation and head
    transpose in front of an output projection).

    Then a constant `tensor.pad` read by a generic (a convolution
    with a window of at most 25 steps over the padded dimensions) is folded
    into it: the generic reads the pad's source at clamped indices and
    selects the padding value outside it, so no padded tensor is made. (A
    larger window's bounds checks would be more predicates than a thread
    has, and ptxas spills them.) Those reads look through a transpose to
    its source, so the transposed copy goes too. Any other pad is fused
    into the all-parallel op that produces its source, which writes into
    the interior of the filled, padded tensor. Concatenations become
    insert_slices for empty-tensor elimination.

    Last, every all-parallel generic's loops are interchanged to read one
    producer's result (a convolution's or a matmul's first) in the order
    that producer writes it: an NCHW residual add after an NHWC
    convolution then runs in the convolution's order, and
    `uniform-gpu-fuse-parallel-loops` makes it the convolution's epilogue.
  }];
  let dependentDialects = [
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def GpuFuseParallelLoops
    : Pass<"uniform-gpu-fuse-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Fuse parallel loops over the same iteration space or the "
                "same rows into one kernel";
  let description = [{
    Runs on bufferized loops, before `uniform-gpu-map-parallel-loops`.
    Copies that `gpu.memcpy` cannot do (a strided side, such as one head's
    slice of a concatenation), and copies from or into a buffer that a loop
    of its shape writes or accumulates onto (a bias copied into the
    accumulator of a matrix-vector product), first become parallel loops in
    the shape of the buffer their source views, the reshapes in between
    applied to the target instead. Statically shaped `memref.alloc` ops are hoisted, and
    `memref.dealloc` ops sunk, across the loops and side-effect-free ops
    around them (a buffer then lives at most as long as the chain of loops
    around its uses), and a loop that fuses with neither neighbour moves
    next to a later loop of its shape or above the loops it is independent
    of. Then each `scf.parallel` is fused into the earliest loop of its
    chain (the loops since the last op with other side effects) with the
    same bounds, when every access of one to a buffer the other writes is
    to the same element at the same iteration and the loop is independent
    of the loops in between: producers and their consumers (a bias fill,
    the convolution accumulating onto it, its activation) and independent
    loops of one shape (the per-head depthwise convolutions of an attention
    layer) become one kernel. Row fusion also joins loops whose accesses to
    each other's buffers agree only on the outer indices (the same row): a
    loop over rows that reduces each row, then an elementwise loop over
    rows and columns (at most 4096 columns) whose columns run one after the
    other inside the row loop, then another reduction of the rows.
    LayerNorm's mean, centring and variance become one kernel of one thread
    per row, the parallelism its reductions already had. Disjoint static
    slices of one buffer, and distinct allocations, globals and arguments,
    are known not to alias.
    A fused loop holds at most 8 index comparisons (bounds checks of
    convolutions that read padded inputs in place): LLVM keeps each as a
    predicate, and an sm_87 thread has 7.

    Last (`merge-light-loops`, on by default), each remaining loop without
    loops in its body (a fill, a copy, an elementwise op) is merged into
    the nearest loop of its chain with at least as many iterations that it
    and the loops in between are independent of. Its body runs behind a
    guard at the host iterations whose row-major linear index is below its
    iteration count, delinearized into its own indices: the zero fills of
    padded buffers and the accumulator fills of reductions stop being
    kernels of their own.

    Then (`one-block-chains`, on by default) each run of at least two
    consecutive small loops (static bounds; at most 4096 iterations, and
    either at most `block-size`, which one block of the loop-nest kernels
    covers anyway, or at most 2^18 iterations of work with the loops
    inside, about a launch's time on one multiprocessor) becomes one loop
    over the threads of a single block, mapped onto `thread x` (so
    `uniform-gpu-map-parallel-loops` leaves it alone): each thread runs
    every n-th iteration of each loop in turn, with a block-wide barrier
    (`nvvm.barrier0`) between loops, which keeps every dependence between
    them. A squeeze-and-excitation block's global average pool and two
    small products become one kernel.
  }];
  let options = [
    Option<"mergeLightLoops", "merge-light-loops", "bool", "true",
           "Merge loops without inner loops into an independent neighbour "
           "with at least as many iterations">,
    Option<"oneBlockChains", "one-block-chains", "bool", "true",
           "Run consecutive small loops as one kernel of one block, with "
           "barriers between them">,
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block of the loop-nest kernels "
           "(uniform-gpu-map-parallel-loops' block-size)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect",
  ];
}

#endif // UNIFORM_PIPELINES_GPUPASSES_TD
