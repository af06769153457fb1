//===- Passes.td - Conversion passes -----------------------*- tablegen -*-===//
//
// Conversions out of the `attn` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_CONVERSION_PASSES_TD
#define UNIFORM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalg : Pass<"convert-attn-to-linalg"> {
  let summary = "Lower attn.mha and attn.reuse to linalg on tensors";
  let description = [{
    `strategy=materialize` (default): the scores by one contraction, scale
    and bias by one elementwise op, `linalg.softmax` over the key axis, and
    the value product by one contraction. For `attn.reuse` there is exactly
    one score contraction [B, N, M] and one value contraction whose
    right-hand side is V seen as [B, M, H*Dv] (the heads are parallel
    dimensions of one product); the result is laid out [B, H, N, Dv].

    `strategy=online`: flash-style. An `scf.for` over key tiles of `tile-m`
    keys keeps a running row maximum, a running sum and a rescaled
    accumulator, so no tensor larger than N x tile-m of scores exists; the
    last step divides by the sum. Works for any M, including M not a multiple
    of the tile.

    f16 and bf16 inputs are extended in the contraction bodies, everything is
    accumulated in f32, and the result is truncated to the element type.
    Static and dynamic shapes are supported.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"strategy", "strategy", "::uniform::AttentionLoweringStrategy",
           /*default=*/"::uniform::AttentionLoweringStrategy::Materialize",
           "Lowering strategy", [{::llvm::cl::values(
             clEnumValN(::uniform::AttentionLoweringStrategy::Materialize,
                        "materialize", "scores, softmax and value product as "
                        "whole tensors (default)"),
             clEnumValN(::uniform::AttentionLoweringStrategy::Online, "online",
                        "flash-style loop over key tiles with an online "
                        "softmax"))}]>,
    Option<"tileM", "tile-m", "int64_t", /*default=*/"64",
           "Keys per tile of the online strategy">,
  ];
}

def ConvertAttnToNVGPU : Pass<"convert-attn-to-nvgpu"> {
  let summary = "Fused tensor-core attention kernels";
  let description = [{
    Rewrites `attn.reuse` and `attn.mha` into one `gpu.launch` each, on
    tensors (`bufferization.to_buffer` in, `bufferization.to_tensor` out):

    - a block holds 16 to 64 queries (a warp per 16 rows; `tiles`'
      window-warps or stream-warps),
      staged in shared memory as f16 (workgroup globals) and kept as A
      fragments;
    - a window (M at most `tiles`' window-keys, 64: UniForm's windows) takes
      all keys in one step; a stream takes steps of stream-keys (32);
      keys and values are staged in shared memory as f16, 16 bytes a
      cp.async copy (f32 inputs are rounded to f16 in front of the
      kernel, where that fuses into the ops computing them), with two
      copies of what changes during a block (the window's value chunk, the
      stream's K, V and bias) when they fit, so that the next chunk or
      step is copied while the warps compute;
    - every warp computes its scores with `nvgpu.mma.sync` 16x8x16 (f32
      accumulation), adds scale, bias and the key mask, and updates an
      online softmax in registers: row maximum and sum reduced over each
      quad of lanes with `gpu.shuffle xor`, the running output rescaled by
      exp(old max - new max);
    - the probabilities, converted to f16, are the A operand of the value
      product straight from the accumulators, multiplied by the staged
      values with `nvgpu.mma.sync`;
    - `attn.reuse`: one block computes each query tile's matrix once and
      applies it to every head (the value tile is H*Dv wide, in chunks of at
      most window-chunk or stream-chunk columns, 64 and 128, so that the
      accumulators stay in registers); a window's block loops over the
      chunks with the probabilities in registers; a stream's chunks (up to
      stream-groups, 16) are column groups of warps that share the block's
      queries: some of them compute each step's scores, the others take
      the step's row maxima and probabilities through shared memory, and
      each multiplies its chunk, with fewer keys a step where the tiles
      would exceed 48 KiB; past 16 chunks, sets of column groups, the later
      ones replaying the probabilities the first kept in global scratch
      (more chunks than a stream-groups under 16, or no tile fitting: one
      chunk per block along grid z, each computing the probabilities
      again); `attn.mha`: one block per head, its Dv in chunks alike;
    - a row whose keys are all masked (-inf) gives 0, not NaN.

    The N x M matrix goes to global memory only for sets of column groups.
    Inputs are rounded to f16 (accumulation and softmax stay f32), so this
    is the `precision=f16`
    path of `uniform-gpu-pipeline` (sm_80 and newer). Handled: static
    shapes, one batch dimension, any Dk (the Q and K tiles are padded with
    zero columns to a multiple of 16), Dv a multiple of 8,
    f32 or f16, any static bias form the op accepts (shared, per head, per
    image) or none, staged tiles within 48 KiB. Other ops are left for
    `convert-attn-to-linalg`.

    `test-mutation` is for testing the CUDA emulator only: it builds the
    kernels with one defect (`drop-staging-barrier`, `permute-a-fragment`
    or `quad-shuffle-offsets`) that the emulator must catch.
  }];
  let options = [
    Option<"tiles", "tiles", "std::string", /*default=*/"\"\"",
           "Tile shapes per shape class, 'key=value,...' (window-keys, "
           "window-warps, window-chunk, stream-keys, stream-warps, "
           "stream-chunk, stream-groups; see "
           "uniform::FusedAttentionTiles): unnamed ones keep their defaults">,
    Option<"testMutation", "test-mutation", "std::string", /*default=*/"\"\"",
           "Testing only: build kernels with a defect (drop-staging-barrier, "
           "permute-a-fragment, quad-shuffle-offsets)">,
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect",
    "::mlir::NVVM::NVVMDialect",
    "::mlir::nvgpu::NVGPUDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect",
  ];
}

def AttnRaise : Pass<"attn-raise"> {
  let summary = "Find attention in TOSA graphs and raise it to attn ops";
  let description = [{
    Matches the value product `tosa.matmul(P, V)` whose P is the softmax
    over the last axis in the decomposed form that the ONNX importer and
    TOSA producers emit (`reduce_max`, `sub`, `exp`, `reduce_sum`,
    `reciprocal`, `mul`) of `tosa.matmul(Q, B)`, optionally multiplied by a
    constant scale (or divided by one) and plus a bias; K is B transposed.
    Single-head 3-D attention becomes an `attn.reuse` with one head (V
    viewed as [B, 1, M, Dv], the result collapsed back), also in UniForm's
    `O^T = V^T * P^T` form ([B, Dv, N] values and result); heads that share
    Q, K, bias and scale are then merged by `attn-reuse-heads`. Multi-head
    attention whose heads are folded into the matmul batch ([B*H, N, .]
    reshaped from [B, H, N, .], as the importer emits it) becomes one
    `attn.mha`; one probability matrix broadcast over the heads folded into
    the batch (reshape, tile, reshape) becomes one `attn.reuse` over them. A
    bias added before the scale (`(S + b) * c`) becomes scale c and bias
    b * c; scores laid out [B, M, N] (`K * Q^T`, with the softmax over axis
    1, or transposed back before the softmax) are taken as their transpose.
    Each attention op is located at its value product and its softmax.

    On linalg on tensors it matches `linalg.batch_matmul(P, V)` whose P is
    `linalg.softmax` over the keys of `linalg.batch_matmul(Q, KT)`,
    optionally scaled by a constant (`linalg.mul`/`linalg.div`, or an
    elementwise `linalg.generic` multiplying or dividing by a constant) and
    plus a bias (`linalg.add`; a [N, M] bias through `linalg.broadcast`), and
    raises it to a single-head `attn.reuse` the same way.

    Anything the patterns cannot prove is left untouched; with `report=true`
    a remark at each softmax left says why (the matcher's reason at its
    value product), and `attn-fusion-report` puts the same in a table.
  }];
  let options = [
    Option<"report", "report", "bool", /*default=*/"false",
           "Emit a remark at every softmax left unraised, with the reason "
           "the matcher gave at its value product, and a summary on the "
           "module">,
  ];
  let dependentDialects = [
    "::uniform::attn::AttnDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def AttnFusionReport : Pass<"attn-fusion-report", "::mlir::ModuleOp"> {
  let summary = "Report what becomes of every softmax: raised, merged, and "
                "why not";
  let description = [{
    An analysis that changes nothing. On a copy of the module it runs what
    the pipelines run before lowering (`attn-raise`, canonicalization, CSE,
    `attn-reuse-heads`) and lists every softmax of the input (the decomposed
    TOSA softmax the importer emits, or `linalg.softmax`) with its node, the
    attention matrices it holds, whether it was raised to an attention op
    and, if not, why (the raise pattern's reason at its value product),
    which attention op it ended in and which other softmaxes share that
    op's matrix; then, for every attention op left unmerged, why
    (`attn-reuse-heads`'s explanation); and the attention matrices computed
    before and after.

    Run it on the graph as imported. `format=json` prints the same data as
    one JSON object for tools.
  }];
  let dependentDialects = [
    "::uniform::attn::AttnDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"format", "format", "std::string", /*default=*/"\"text\"",
           "Output format: 'text' (a table) or 'json'">,
    Option<"outputFile", "output-file", "std::string", /*default=*/"\"-\"",
           "Where to write the report ('-' is stdout)">,
  ];
}

#endif // UNIFORM_CONVERSION_PASSES_TD
