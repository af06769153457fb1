//===- AttnToNVGPU.cpp - Fused tensor-core attention kernels --------------===//
//
// Rewrites attention into one fused kernel per op: a gpu.launch whose warps
// compute the scores with `nvgpu.mma.sync` (16x8x16, f16 inputs, f32
// accumulation), apply scale, bias and the key mask, run an online softmax in
// registers over steps of keys (quad shuffles for row maximum and sum, the
// output rescaled at each step), and multiply the probabilities, reused as
// the A operand straight from the accumulators, by the values with
// `nvgpu.mma.sync` again. Q, K and V are staged in shared memory as f16, 16
// bytes a cp.async copy; f32 inputs are rounded to f16 by elementwise ops in
// front of the kernel, which fuse into the ops that compute them (the
// kernel's own f32 loads and conversions took registers that spilled some
// streams under the 128-register cap). For `attn.reuse` one block
// computes a query tile's attention matrix once and applies it to every
// head's values (the value tile is H*Dv wide, in chunks); for `attn.mha`
// each block does one head. The tile shapes depend on the shape class
// (FusedAttentionTiles): a window (all keys in one step: UniForm's windows)
// loops over the value chunks in the block with its probabilities in
// registers, so the matrix is computed once for any H*Dv, staging the next
// chunk while it multiplies this one; a stream (several steps) stages the
// next key step while it computes this one, and as the online softmax's
// accumulators must stay in registers, its chunks are column groups of
// warps that share the block's queries and each step's probability tile
// (FusedKernelSplit.cpp; a value tile over 48 KiB staged in passes). Past
// 16 chunks (H*Dv over 2048 at 128 columns a chunk, where the accumulators
// would exceed the register file) the block takes them in sets of column
// groups: the first keeps each step's probability tile and corrections in
// global scratch buffers, and the later sets replay them. Beyond a
// stream-groups under 16, or where the tiles never fit, the chunks are
// blocks along grid z. Rows whose keys are all masked give 0. The N x M
// matrix goes to global memory only for the sets, a query block's rows at a
// time, written and read by that block.
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
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Rewrite/FrozenRewritePatternSet.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

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

/// Picks how the kernel stages its tiles (KernelShape's staging fields):
/// two copies of the tiles that change during a block when they fit in
/// 48 KiB of shared memory, so that the next chunk or key step is copied
/// while the warps compute; the bias staged with K when it fits as well
/// (preferred over the second copy: without it every lane reads its bias
/// from global memory at every step). Fails when not even one copy of the
/// f16 tiles fits.
static LogicalResult chooseStaging(KernelShape &s) {
  s.vectorKeyWidth = s.dk % 8 == 0;
  auto tileBytes = [](int64_t rows, int64_t cols) {
    return 2 * rows * (cols + tilePad(cols));
  };
  bool streaming = s.keySteps > 1;
  int64_t rows = s.blockRows();
  int64_t fixed = tileBytes(rows, s.dkTile);
  if (s.sharesProbabilities()) // the probability tile and the statistics
    fixed += tileBytes(rows, s.keyTileRows) + 4 * rows * statsCols(s.colGroups);
  int64_t keys = tileBytes(s.keyTileRows, s.dkTile);
  int64_t values = tileBytes(s.keyTileRows, s.stagedCols());
  int64_t bias = 4 * rows * (s.keyTileRows + biasTilePad(s.keyTileRows));
  // Bytes of `buffers` copies, with or without the staged bias.
  auto bytes = [&](int64_t buffers, bool withBias) {
    if (streaming)
      return fixed + buffers * (keys + values + (withBias ? bias : 0));
    return fixed + keys + buffers * values + (withBias ? bias : 0);
  };
  // A second copy only pays when there is a next chunk or step.
  int64_t most = (streaming || s.chunks > 1) ? 2 : 1;
  for (bool withBias : {true, false}) {
    if (withBias && !s.bias)
      continue;
    for (int64_t buffers = most; buffers >= 1; --buffers)
      if (bytes(buffers, withBias) <= kMaxSharedBytes) {
        s.buffers = buffers;
        s.stageBias = withBias;
        return success();
      }
  }
  return failure();
}

/// Splits a step's key tiles among the most of `s`'s column groups that
/// share them evenly (s.scoreWarps).
static void chooseScoreWarps(KernelShape &s) {
  int64_t keyTiles = s.keyTileRows / 8;
  s.scoreWarps = 1;
  for (int64_t w = std::min(keyTiles, s.colGroups); w > 1; --w)
    if (keyTiles % w == 0) {
      s.scoreWarps = w;
      return;
    }
}

/// A stream of several value chunks (s's chunk fields set): makes them
/// column groups of warps that share the block's query rows, so that the
/// block computes each step's probabilities once for all of them.
/// `rowGroups` bounds the row groups (16 queries each), and so does
/// kMaxSplitWarps the warps, unless one row group has more column groups.
/// More chunks than kMaxColGroups (whose accumulators fill the register
/// file) are done in the fewest equal sets of column groups, the later sets
/// replaying the first one's probabilities (KernelShape::valueSets). Where
/// the tiles do not fit in shared memory, the steps take fewer keys (down
/// to 16), then the value tile is staged in 2, 4, ... passes a step (each
/// warp's chunk split into that many narrower ones, the same accumulators
/// in all), fewer keys again in each. Returns false, leaving `s` as it was,
/// when there are more than `maxGroups` (under kMaxColGroups) chunks, or
/// the tiles or the kept probabilities never fit.
static bool splitColumns(KernelShape &s, int64_t rowGroups, int64_t maxGroups) {
  if (s.chunks < 2 || (s.chunks > maxGroups && maxGroups < kMaxColGroups))
    return false;
  int64_t sets = 1;
  while (s.chunks % sets != 0 || s.chunks / sets > kMaxColGroups)
    ++sets;
  // The kept probabilities take B x (H) x N x M f16 with N and M rounded up
  // to the blocks and steps: refuse what int64 cannot count.
  int64_t kept;
  if (sets > 1 && (llvm::MulOverflow(s.batch, s.reuse ? 1 : s.heads, kept) ||
                   llvm::MulOverflow(kept, s.n + 127, kept) ||
                   llvm::MulOverflow(kept, 2 * (s.m + 127), kept)))
    return false;
  KernelShape split = s;
  split.valueSets = sets;
  split.colGroups = s.chunks / sets;
  split.rowGroups =
      std::clamp<int64_t>(std::min(rowGroups, kMaxSplitWarps / split.colGroups),
                          1, llvm::divideCeil(s.n, 16));
  split.warps = split.rowGroups * split.colGroups;
  split.chunksOnGrid = false;
  // A chunk's accumulators take 64 registers at 128 columns: Q's fragments
  // come from shared memory at each step (kept in registers, they took 130
  // on sm_87 for Dk 64 and 8 heads of 64, 16 keys a step, and 137 to 162
  // for 6 column groups with a bias at Dk 16 and 32).
  split.reloadQuery = true;
  for (int64_t passes = 1; s.chunk % (8 * passes) == 0; passes *= 2) {
    split.valuePasses = passes;
    split.chunk = s.chunk / passes;
    for (int64_t keys = s.keyTileRows; keys >= 16 && keys % 16 == 0;
         keys /= 2) {
      split.keyTileRows = keys;
      split.keySteps = llvm::divideCeil(s.m, keys);
      chooseScoreWarps(split);
      if (succeeded(chooseStaging(split))) {
        s = split;
        return true;
      }
    }
  }
  return false;
}

/// Whether `op` fits the kernel with `tiles`: static shapes, one batch
/// dimension, Dv a multiple of 8 (Dk is padded with zero columns to a
/// multiple of 16), f32 or f16, a static bias (any form the op accepts:
/// [N, M], per head, per image) or none, and the staged tiles within 48 KiB
/// of shared memory.
template <typename OpTy>
static FailureOr<KernelShape> matchShape(OpTy op, bool reuse,
                                         const FusedAttentionTiles &tiles) {
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
  s.convertInputs = element.isF32();
  s.resultElementType = element;
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
  bool window = s.m <= tiles.windowKeys;
  s.keySteps = window ? 1 : llvm::divideCeil(s.m, tiles.streamKeys);
  s.keyTileRows = window ? llvm::alignTo(s.m, 16) : tiles.streamKeys;
  s.reloadQuery = !window && s.dkTile > 64;
  // The widest chunk that divides the value tile, up to the class's width
  // (its accumulators stay in registers). A stream's chunk, unless Dv is a
  // power of two, lies in one head or covers whole heads: a column group
  // across head boundaries divides each column by Dv to find its head (128
  // columns over heads of 96 took 140 registers where chunks of 96 take
  // 116). A window's chunks take turns in every warp, under fewer
  // registers: they keep the widest divisor (fewer passes of the loop).
  int64_t widest = window ? tiles.windowChunk : tiles.streamChunk;
  auto inHeads = [&](int64_t c) {
    return window || llvm::isPowerOf2_64(s.dv) || s.dv % c == 0 ||
           c % s.dv == 0;
  };
  s.chunk = 8;
  for (int64_t c = widest; c >= 8; c -= 8)
    if (s.valueCols % c == 0 && inHeads(c)) {
      s.chunk = c;
      break;
    }
  s.chunks = s.valueCols / s.chunk;
  int64_t warps = window ? tiles.windowWarps : tiles.streamWarps;
  if (window || !splitColumns(s, warps, tiles.streamGroups)) {
    s.rowGroups = s.warps = std::min<int64_t>(warps, llvm::divideCeil(s.n, 16));
    s.colGroups = s.scoreWarps = 1;
    s.chunksOnGrid = !window;
    if (failed(chooseStaging(s)))
      return failure();
  }
  s.queryBlocks = llvm::divideCeil(s.n, s.blockRows());
  s.grid[0] = s.batch;
  s.grid[1] = s.queryBlocks;
  s.grid[2] = (reuse ? 1 : s.heads) * (s.chunksOnGrid ? s.chunks : 1);
  constexpr int64_t kMaxGridX = 0x7fffffff, kMaxGridYZ = 65535;
  s.linearGrid =
      s.grid[1] > kMaxGridYZ || s.grid[2] > kMaxGridYZ || s.grid[0] > kMaxGridX;
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
  void
  getEffects(Operation *op,
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
  registry.addExtension(+[](MLIRContext *ctx, NVVM::NVVMDialect *) {
    NVVM::CpAsyncCommitGroupOp::attachInterface<
        SynchronizationMemoryEffects<NVVM::CpAsyncCommitGroupOp>>(*ctx);
    NVVM::CpAsyncWaitGroupOp::attachInterface<
        SynchronizationMemoryEffects<NVVM::CpAsyncWaitGroupOp>>(*ctx);
  });
  registry.addExtension(+[](MLIRContext *ctx, nvgpu::NVGPUDialect *) {
    nvgpu::DeviceAsyncCreateGroupOp::attachInterface<
        SynchronizationMemoryEffects<nvgpu::DeviceAsyncCreateGroupOp>>(*ctx);
    nvgpu::DeviceAsyncWaitOp::attachInterface<
        SynchronizationMemoryEffects<nvgpu::DeviceAsyncWaitOp>>(*ctx);
  });
}

namespace {
/// `tensor` (f32) rounded to f16. Stacked heads (tensor.concat, or
/// tensor.insert_slice into tensor.empty) and reshapes are rebuilt in f16
/// around their rounded parts, so that each rounding can fuse into the op
/// that computes its part; anything else is rounded by an elementwise
/// linalg.generic.
Value truncateToF16(ImplicitLocOpBuilder &b, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  auto f16Type = type.clone(b.getF16Type());
  Operation *def = tensor.getDefiningOp();
  if (auto empty = dyn_cast_or_null<tensor::EmptyOp>(def))
    return tensor::EmptyOp::create(b, f16Type, empty.getDynamicSizes());
  if (auto concat = dyn_cast_or_null<tensor::ConcatOp>(def)) {
    SmallVector<Value> parts;
    for (Value part : concat.getInputs())
      parts.push_back(truncateToF16(b, part));
    return tensor::ConcatOp::create(b, f16Type, concat.getDim(), parts);
  }
  if (auto insert = dyn_cast_or_null<tensor::InsertSliceOp>(def)) {
    // In this order on every compiler: the source, then the destination.
    Value source = truncateToF16(b, insert.getSource());
    Value dest = truncateToF16(b, insert.getDest());
    return tensor::InsertSliceOp::create(
        b, source, dest, insert.getMixedOffsets(), insert.getMixedSizes(),
        insert.getMixedStrides());
  }
  if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(def))
    return tensor::ExpandShapeOp::create(
        b, f16Type, truncateToF16(b, expand.getSrc()),
        expand.getReassociationIndices(), expand.getMixedOutputShape());
  if (auto collapse = dyn_cast_or_null<tensor::CollapseShapeOp>(def))
    return tensor::CollapseShapeOp::create(b, f16Type,
                                           truncateToF16(b, collapse.getSrc()),
                                           collapse.getReassociationIndices());
  Value init = tensor::EmptyOp::create(
      b, tensor::getMixedSizes(b, b.getLoc(), tensor), b.getF16Type());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iterators(type.getRank(),
                                             utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, f16Type, tensor, init, ArrayRef<AffineMap>{identity, identity},
      iterators, [](OpBuilder &nested, Location loc, ValueRange args) {
        Value x =
            arith::TruncFOp::create(nested, loc, nested.getF16Type(), args[0]);
        linalg::YieldOp::create(nested, loc, x);
      });
  return generic.getResult(0);
}

template <typename OpTy>
FailureOr<Value> fuseAttention(RewriterBase &rewriter, OpTy op,
                               const FusedAttentionTiles &tiles,
                               Mutation mutation) {
  constexpr bool reuse = std::is_same_v<OpTy, attn::ReuseAttentionOp>;
  FailureOr<KernelShape> shape = matchShape(op, reuse, tiles);
  if (failed(shape))
    return rewriter.notifyMatchFailure(op, "shape outside the fused kernel");
  Operation *symbolScope = SymbolTable::getNearestSymbolTable(op);
  if (!symbolScope)
    return rewriter.notifyMatchFailure(op, "no symbol table for globals");
  SymbolTable symbols(symbolScope);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(op);
  ImplicitLocOpBuilder b(op.getLoc(), rewriter);
  Value query = op.getQuery(), key = op.getKey(), value = op.getValue();
  if (shape->convertInputs) {
    query = truncateToF16(b, query);
    key = truncateToF16(b, key);
    value = truncateToF16(b, value);
  }
  Value result = buildFusedKernel(
      b, *shape, op.getScaleValue(), symbols, mutation, query, key, value,
      cast<RankedTensorType>(op.getResult().getType()));
  rewriter.replaceOp(op, result);
  return result;
}

FailureOr<Value> fuseAttention(RewriterBase &rewriter, Operation *op,
                               const FusedAttentionTiles &tiles,
                               Mutation mutation) {
  if (auto reuse = dyn_cast<attn::ReuseAttentionOp>(op))
    return fuseAttention(rewriter, reuse, tiles, mutation);
  if (auto mha = dyn_cast<attn::MultiHeadAttentionOp>(op))
    return fuseAttention(rewriter, mha, tiles, mutation);
  return rewriter.notifyMatchFailure(op, "not attn.reuse or attn.mha");
}

template <typename OpTy>
struct AttnToNVGPUPattern : public OpRewritePattern<OpTy> {
  AttnToNVGPUPattern(MLIRContext *ctx, const FusedAttentionTiles &tiles,
                     Mutation mutation)
      : OpRewritePattern<OpTy>(ctx), tiles(tiles), mutation(mutation) {}
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    return fuseAttention(rewriter, op, tiles, mutation);
  }

  FusedAttentionTiles tiles;
  Mutation mutation;
};

void addPatterns(RewritePatternSet &patterns, const FusedAttentionTiles &tiles,
                 Mutation mutation) {
  patterns.add<AttnToNVGPUPattern<attn::ReuseAttentionOp>,
               AttnToNVGPUPattern<attn::MultiHeadAttentionOp>>(
      patterns.getContext(), tiles, mutation);
}
} // namespace

FailureOr<Value>
uniform::fuseAttentionOnTensorCores(RewriterBase &rewriter, Operation *op,
                                    const FusedAttentionTiles &tiles) {
  return fuseAttention(rewriter, op, tiles, Mutation::None);
}

void uniform::populateAttnToNVGPUPatterns(RewritePatternSet &patterns,
                                          const FusedAttentionTiles &tiles) {
  addPatterns(patterns, tiles, Mutation::None);
}

//===----------------------------------------------------------------------===//
// FusedAttentionTiles
//===----------------------------------------------------------------------===//

namespace {
/// One field of FusedAttentionTiles: its spec key and the values it takes.
struct TileField {
  const char *key;
  int64_t FusedAttentionTiles::*field;
  int64_t multiple, max;
};
constexpr TileField kTileFields[] = {
    {"window-keys", &FusedAttentionTiles::windowKeys, 16, 128},
    {"window-warps", &FusedAttentionTiles::windowWarps, 1, 8},
    {"window-chunk", &FusedAttentionTiles::windowChunk, 8, 256},
    {"stream-keys", &FusedAttentionTiles::streamKeys, 16, 128},
    {"stream-warps", &FusedAttentionTiles::streamWarps, 1, 8},
    {"stream-chunk", &FusedAttentionTiles::streamChunk, 8, 256},
    {"stream-groups", &FusedAttentionTiles::streamGroups, 1, kMaxColGroups},
};
} // namespace

FailureOr<FusedAttentionTiles> uniform::FusedAttentionTiles::parse(
    StringRef spec, function_ref<void(const Twine &)> emitError) {
  FusedAttentionTiles tiles;
  SmallVector<StringRef> items;
  spec.split(items, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  for (StringRef item : items) {
    auto [key, text] = item.split('=');
    key = key.trim();
    const TileField *field = llvm::find_if(
        kTileFields, [&](const TileField &f) { return key == f.key; });
    if (field == std::end(kTileFields)) {
      emitError("attention tiles: unknown key '" + key +
                "' (expected window-keys, window-warps, window-chunk, "
                "stream-keys, stream-warps, stream-chunk or stream-groups)");
      return failure();
    }
    int64_t value;
    if (text.trim().getAsInteger(10, value) || value < field->multiple ||
        value > field->max || value % field->multiple != 0) {
      std::string range = "from " + std::to_string(field->multiple) + " to " +
                          std::to_string(field->max);
      if (field->multiple > 1)
        range =
            "a multiple of " + std::to_string(field->multiple) + " " + range;
      emitError("attention tiles: " + key + " must be " + range + ", got '" +
                text.trim() + "'");
      return failure();
    }
    tiles.*(field->field) = value;
  }
  return tiles;
}

std::string uniform::FusedAttentionTiles::str() const {
  std::string spec;
  for (const TileField &f : kTileFields)
    spec += (spec.empty() ? "" : ",") + std::string(f.key) + "=" +
            std::to_string(this->*(f.field));
  return spec;
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

  // The options are checked once, before any operation is visited; a bad
  // one is reported without a location (it is not the input's fault).
  LogicalResult initialize(MLIRContext *context) override {
    auto report = [&](const Twine &message) {
      mlir::emitError(UnknownLoc::get(context))
          << "convert-attn-to-nvgpu: " << message;
    };
    FailureOr<Mutation> mutation = parseMutation(testMutation);
    if (failed(mutation)) {
      report("unknown test-mutation '" + testMutation + "'");
      return failure();
    }
    FailureOr<FusedAttentionTiles> parsedTiles =
        FusedAttentionTiles::parse(tiles, report);
    if (failed(parsedTiles))
      return failure();
    RewritePatternSet patterns(context);
    addPatterns(patterns, *parsedTiles, *mutation);
    frozenPatterns = FrozenRewritePatternSet(std::move(patterns));
    return success();
  }

  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation()->walk([&](Operation *op) {
      if (isa<attn::ReuseAttentionOp, attn::MultiHeadAttentionOp>(op))
        ops.push_back(op);
    });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    (void)applyOpPatternsGreedily(ops, frozenPatterns, config);
  }

  FrozenRewritePatternSet frozenPatterns;
};
} // namespace
