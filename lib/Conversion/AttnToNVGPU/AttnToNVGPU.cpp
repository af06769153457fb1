//===- AttnToNVGPU.cpp - Fused tensor-core attention kernels --------------===//
//
// Rewrites attention into one fused kernel per op: a gpu.launch whose warps
// compute the scores with `nvgpu.mma.sync` (16x8x16, f16 inputs, f32
// accumulation), apply scale, bias and the key mask, run an online softmax in
// registers over steps of 64 keys (quad shuffles for row maximum and sum,
// the output rescaled at each step), and multiply the probabilities, reused
// as the A operand straight from the accumulators, by the values with
// `nvgpu.mma.sync` again. Q, K and V are staged in shared memory as f16. For
// `attn.reuse` one block computes a query tile's attention matrix once and
// applies it to every head's values (the value tile is H*Dv wide, in chunks
// of at most 128 columns); for `attn.mha` each block does one head. When all
// keys fit one step (UniForm's windows) the block loops over the value
// chunks with its probabilities in registers, so the matrix is computed once
// for any H*Dv; over several steps each block does one chunk (grid z), as
// the online softmax's accumulators must stay in registers. Rows whose keys
// are all masked give 0. The N x M matrix never leaves registers.
//
// Fragment layouts (PTX ISA, mma.m16n8k16 with f16 A/B and f32 C), with
// g = lane / 4 and t = lane % 4:
//   A (16x16): [0] = (g, 2t..2t+1), [1] = (g+8, 2t..), [2] = (g, 2t+8..),
//              [3] = (g+8, 2t+8..)
//   B (16x8):  [0] = (k = 2t..2t+1, n = g), [1] = (k = 2t+8.., n = g)
//   C (16x8):  [0] = (g, 2t..2t+1), [1] = (g+8, 2t..2t+1)
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/AttnToNVGPU.h"

#include "FusedKernel.h"

#include "uniform/Conversion/Passes.h"

#include "uniform/Dialect/Attn/IR/AttnOps.h"

// The pass's dependent dialects.
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"

namespace uniform {
#define GEN_PASS_DEF_CONVERTATTNTONVGPU
#include "uniform/Conversion/Passes.h.inc"
} // namespace uniform

using namespace mlir;
using namespace uniform;
using namespace uniform::fused_attention;

namespace {
static FailureOr<Mutation> parseMutation(StringRef name) {
  return llvm::StringSwitch<FailureOr<Mutation>>(name)
      .Case("", Mutation::None)
      .Case("drop-staging-barrier", Mutation::DropStagingBarrier)
      .Case("permute-a-fragment", Mutation::PermuteAFragment)
      .Case("quad-shuffle-offsets", Mutation::QuadShuffleOffsets)
      .Default(failure());
}

/// Whether `op` fits the kernel: static shapes, one batch dimension, Dv a
/// multiple of 8 (Dk is padded with zero columns to a multiple of 16), f32 or f16, a static bias (any form
/// the op accepts: [N, M], per head, per image) or none, and the staged
/// tiles within 48 KiB of shared memory.
template <typename OpTy>
static FailureOr<KernelShape> matchShape(OpTy op, bool reuse) {
  RankedTensorType q = op.getQueryType(), k = op.getKeyType(),
                   v = op.getValueType();
  auto r = cast<RankedTensorType>(op.getResult().getType());
  for (RankedTensorType t : {q, k, v, r})
    if (!t.hasStaticShape())
      return failure();
  Type element = q.getElementType();
  if (!element.isF32() && !element.isF16())
    return failure();
  for (RankedTensorType t : {k, v, r})
    if (t.getElementType() != element)
      return failure();
  if (v.getRank() != 4 || q.getRank() != (reuse ? 3 : 4))
    return failure();
  KernelShape s;
  s.reuse = reuse;
  s.elementType = element;
  s.batch = q.getDimSize(0);
  s.heads = v.getDimSize(1);
  s.n = q.getDimSize(q.getRank() - 2);
  s.dk = q.getDimSize(q.getRank() - 1);
  s.m = k.getDimSize(k.getRank() - 2);
  s.dv = v.getDimSize(3);
  if (s.n < 1 || s.m < 1 || s.dk < 1 || s.dv % 8 != 0 ||
      v.getDimSize(0) != s.batch)
    return failure();
  if (Value bias = op.getBias()) {
    RankedTensorType b = op.getBiasType();
    if (!b.hasStaticShape() ||
        (!b.getElementType().isF32() && !b.getElementType().isF16()))
      return failure();
    s.bias = bias;
  }
  // Static extents go up to INT64_MAX, and the arithmetic below must not
  // overflow: a larger Dk alone overflows shared memory (16 query rows of
  // Dk f16 values), and H * (H * Dv) bounds the launch's grid z, H * chunks.
  int64_t gridZ;
  if (s.dk > kMaxSharedBytes ||
      llvm::MulOverflow(reuse ? s.heads : 1, s.dv, s.valueCols) ||
      llvm::MulOverflow(reuse ? 1 : s.heads, s.valueCols, gridZ))
    return failure();
  s.dkTile = llvm::alignTo(s.dk, 16);
  s.warps = std::min<int64_t>(4, llvm::divideCeil(s.n, 16));
  s.queryBlocks = llvm::divideCeil(s.n, 16 * s.warps);
  s.keySteps = llvm::divideCeil(s.m, 64);
  s.keyTileRows = s.keySteps == 1 ? llvm::alignTo(s.m, 16) : 64;
  // The widest chunk that divides the value tile, of at most 128 columns
  // (its accumulators stay in registers). With one key step the block loops
  // over the chunks at no extra cost, so at most 64: half the accumulator
  // registers.
  int64_t widest = s.keySteps == 1 ? 64 : 128;
  s.chunk = 8;
  for (int64_t c = widest; c >= 8; c -= 8)
    if (s.valueCols % c == 0) {
      s.chunk = c;
      break;
    }
  s.chunks = s.valueCols / s.chunk;
  int64_t bytes =
      2 * ((16 * s.warps + s.keyTileRows) * (s.dkTile + kTilePad) +
           s.keyTileRows * (s.chunk + kTilePad));
  if (bytes > kMaxSharedBytes)
    return failure();
  int64_t biasBytes =
      4 * (16 * s.warps) * (s.keyTileRows + kBiasPad);
  s.stageBias = s.bias && bytes + biasBytes <= kMaxSharedBytes;
  s.grid[0] = s.batch;
  s.grid[1] = s.queryBlocks;
  s.grid[2] = (reuse ? 1 : s.heads) * (s.keySteps == 1 ? 1 : s.chunks);
  constexpr int64_t kMaxGridX = 0x7fffffff, kMaxGridYZ = 65535;
  s.linearGrid = s.grid[1] > kMaxGridYZ || s.grid[2] > kMaxGridYZ ||
                 s.grid[0] > kMaxGridX;
  int64_t blocks;
  if (llvm::MulOverflow(s.grid[0], s.grid[1], blocks) ||
      llvm::MulOverflow(blocks, s.grid[2], blocks) ||
      (s.linearGrid && blocks > kMaxGridX))
    return failure(); // more blocks than any grid holds
  return s;
}
} // namespace

namespace {
/// Reads and writes unknown memory: a barrier, and the cp.async group ops
/// (after a wait, shared memory holds what the copies wrote), order the
/// memory accesses around them.
template <typename OpTy>
struct SynchronizationMemoryEffects
    : public MemoryEffectOpInterface::ExternalModel<
          SynchronizationMemoryEffects<OpTy>, OpTy> {
  void getEffects(
      Operation *op,
      SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
          &effects) const {
    effects.emplace_back(MemoryEffects::Read::get());
    effects.emplace_back(MemoryEffects::Write::get());
  }
};
} // namespace

void uniform::registerGpuSynchronizationMemoryEffects(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, gpu::GPUDialect *) {
    gpu::BarrierOp::attachInterface<
        SynchronizationMemoryEffects<gpu::BarrierOp>>(*ctx);
  });
  registry.addExtension(+[](MLIRContext *ctx, nvgpu::NVGPUDialect *) {
    nvgpu::DeviceAsyncCreateGroupOp::attachInterface<
        SynchronizationMemoryEffects<nvgpu::DeviceAsyncCreateGroupOp>>(*ctx);
    nvgpu::DeviceAsyncWaitOp::attachInterface<
        SynchronizationMemoryEffects<nvgpu::DeviceAsyncWaitOp>>(*ctx);
  });
}

namespace {
template <typename OpTy>
FailureOr<Value> fuseAttention(RewriterBase &rewriter, OpTy op,
                               Mutation mutation) {
  constexpr bool reuse = std::is_same_v<OpTy, attn::ReuseAttentionOp>;
  FailureOr<KernelShape> shape = matchShape(op, reuse);
  if (failed(shape))
    return rewriter.notifyMatchFailure(op, "shape outside the fused kernel");
  Operation *symbolScope = SymbolTable::getNearestSymbolTable(op);
  if (!symbolScope)
    return rewriter.notifyMatchFailure(op, "no symbol table for globals");
  SymbolTable symbols(symbolScope);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  ImplicitLocOpBuilder b(op.getLoc(), rewriter);
  Value result = buildFusedKernel(
      b, *shape, op.getScaleValue(), symbols, mutation, op.getQuery(),
      op.getKey(), op.getValue(),
      cast<RankedTensorType>(op.getResult().getType()));
  rewriter.replaceOp(op, result);
  return result;
}

FailureOr<Value> fuseAttention(RewriterBase &rewriter, Operation *op,
                               Mutation mutation) {
  if (auto reuse = dyn_cast<attn::ReuseAttentionOp>(op))
    return fuseAttention(rewriter, reuse, mutation);
  if (auto mha = dyn_cast<attn::MultiHeadAttentionOp>(op))
    return fuseAttention(rewriter, mha, mutation);
  return rewriter.notifyMatchFailure(op, "not attn.reuse or attn.mha");
}

template <typename OpTy>
struct AttnToNVGPUPattern : public OpRewritePattern<OpTy> {
  AttnToNVGPUPattern(MLIRContext *ctx, Mutation mutation)
      : OpRewritePattern<OpTy>(ctx), mutation(mutation) {}
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    return fuseAttention(rewriter, op, mutation);
  }

  Mutation mutation;
};

void addPatterns(RewritePatternSet &patterns, Mutation mutation) {
  patterns.add<AttnToNVGPUPattern<attn::ReuseAttentionOp>,
               AttnToNVGPUPattern<attn::MultiHeadAttentionOp>>(
      patterns.getContext(), mutation);
}
} // namespace

FailureOr<Value> uniform::fuseAttentionOnTensorCores(RewriterBase &rewriter,
                                                     Operation *op) {
  return fuseAttention(rewriter, op, Mutation::None);
}

void uniform::populateAttnToNVGPUPatterns(RewritePatternSet &patterns) {
  addPatterns(patterns, Mutation::None);
}

namespace {

struct ConvertAttnToNVGPUPass
    : public uniform::impl::ConvertAttnToNVGPUBase<ConvertAttnToNVGPUPass> {
  using Base::Base;
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // Whatever runs this pass (uniform-opt, or mlir-opt with the plugin)
    // must see the barriers' effects in the buffer deallocation after it.
    uniform::registerGpuSynchronizationMemoryEffects(registry);
  }

  void runOnOperation() override {
    FailureOr<Mutation> mutation = parseMutation(testMutation);
    if (failed(mutation)) {
      getOperation()->emitError("convert-attn-to-nvgpu: unknown "
                                "test-mutation '")
          << testMutation << "'";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    addPatterns(patterns, *mutation);
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<attn::ReuseAttentionOp, attn::MultiHeadAttentionOp>(op))
        ops.push_back(op);
    });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    (void)applyOpPatternsGreedily(ops, std::move(patterns), config);
  }
};
} // namespace

