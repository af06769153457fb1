//===- AttnToNVGPU.cpp - Fused tensor-core attention kernels --------------===//
//
// Rewrites small-window attention (N, M <= 64, as in UniForm) into one fused
// kernel per op: a gpu.launch whose warps compute the scores with
// `nvgpu.mma.sync` (16x8x16, f16 inputs, f32 accumulation), apply scale,
// bias and the key mask, do the softmax in registers (quad shuffles for row
// maximum and sum), and multiply the probabilities, reused as the A operand
// straight from the accumulators, by the values with `nvgpu.mma.sync` again.
// Q, K and V are staged in shared memory as f16. For `attn.reuse` one block
// computes the attention matrix once and applies it to every head's values
// (the value tile is H*Dv wide); for `attn.mha` each block does one head.
// The N x M matrix never leaves registers.
//
// Fragment layouts (PTX ISA, mma.m16n8k16 with f16 A/B and f32 C), with
// g = lane / 4 and t = lane % 4:
//   A (16x16): [0] = (g, 2t..2t+1), [1] = (g+8, 2t..), [2] = (g, 2t+8..),
//              [3] = (g+8, 2t+8..)
//   B (16x8):  [0] = (k = 2t..2t+1, n = g), [1] = (k = 2t+8.., n = g)
//   C (16x8):  [0] = (g, 2t..2t+1), [1] = (g+8, 2t..2t+1)
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/Passes.h"

#include "uniform/Dialect/Attn/IR/AttnOps.h"

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
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <limits>

namespace uniform {
#define GEN_PASS_DEF_CONVERTATTNTONVGPU
#include "uniform/Conversion/Passes.h.inc"
} // namespace uniform

using namespace mlir;
using namespace uniform;

namespace {
/// The shapes of one attention op that the fused kernel handles.
struct KernelShape {
  bool reuse;
  int64_t batch, heads, n, m, dk, dv;
  int64_t warps;     // 16 query rows each
  int64_t keysPad;   // keys rounded up to 16
  int64_t valueCols; // columns of the value tile: H*Dv (reuse) or Dv (mha)
  Type elementType;
  Value bias; // broadcast to the scores by NumPy's rules, or null
};

constexpr int64_t kMaxSharedBytes = 48 * 1024;

/// Whether `op` fits the kernel: static shapes, one batch dimension, N and M
/// at most 64, Dk a multiple of 16, Dv a multiple of 8, f32 or f16, a static
/// bias (any form the op accepts: [N, M], per head, per image) or none, and
/// the staged tiles within 48 KiB of shared memory.
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
  if (s.n < 1 || s.n > 64 || s.m < 1 || s.m > 64 || s.dk % 16 != 0 ||
      s.dv % 8 != 0 || v.getDimSize(0) != s.batch)
    return failure();
  if (Value bias = op.getBias()) {
    RankedTensorType b = op.getBiasType();
    if (!b.hasStaticShape() ||
        (!b.getElementType().isF32() && !b.getElementType().isF16()))
      return failure();
    s.bias = bias;
  }
  s.warps = llvm::divideCeil(s.n, 16);
  s.keysPad = llvm::alignTo(s.m, 16);
  s.valueCols = reuse ? s.heads * s.dv : s.dv;
  int64_t bytes =
      2 * (16 * s.warps * s.dk + s.keysPad * s.dk + s.keysPad * s.valueCols);
  if (bytes > kMaxSharedBytes)
    return failure();
  return s;
}

/// Builds the kernel for one op; returns the result tensor.
class KernelBuilder {
public:
  KernelBuilder(ImplicitLocOpBuilder &b, const KernelShape &s, float scale,
                SymbolTable &symbols)
      : b(b), s(s), scale(scale), symbols(symbols), f16(b.getF16Type()),
        f32(b.getF32Type()) {}

  Value build(Value query, Value key, Value value, RankedTensorType resultType);

private:
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value f32c(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  Value toF16(Value v) {
    if (v.getType().isF16())
      return v;
    return arith::TruncFOp::create(b, f16, v);
  }
  Value toF32(Value v) {
    if (v.getType().isF32())
      return v;
    return arith::ExtFOp::create(b, f32, v);
  }
  Value buffer(Value tensor) {
    auto t = cast<RankedTensorType>(tensor.getType());
    return bufferization::ToBufferOp::create(
        b, MemRefType::get(t.getShape(), t.getElementType()), tensor,
        /*readOnly=*/true);
  }
  /// Copies rows [0, rows) x cols of `load(row, col)` into `tile` (f16),
  /// zero-filling rows >= validRows; all threads of the block take part.
  void stage(Value tile, int64_t rows, int64_t cols, int64_t validRows,
             function_ref<Value(Value, Value)> load);
  /// `cond ? make() : 0`, with make()'s ops (loads) only executed when
  /// `cond` holds.
  Value guarded(Value cond, Type type, function_ref<Value()> make) {
    auto ifOp = scf::IfOp::create(b, TypeRange{type}, cond, /*withElse=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    scf::YieldOp::create(b, make());
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    scf::YieldOp::create(
        b, arith::ConstantOp::create(b, b.getFloatAttr(type, 0)).getResult());
    return ifOp.getResult(0);
  }
  Value loadPair(Value tile, Value row, Value col) {
    return vector::LoadOp::create(b, VectorType::get({2}, f16), tile,
                                  ValueRange{row, col});
  }

  ImplicitLocOpBuilder &b;
  const KernelShape &s;
  float scale;
  SymbolTable &symbols;
  Type f16, f32;
  Value tid;
};
} // namespace

void KernelBuilder::stage(Value tile, int64_t rows, int64_t cols,
                          int64_t validRows,
                          function_ref<Value(Value, Value)> load) {
  int64_t threads = 32 * s.warps;
  Value total = idx(rows * cols), step = idx(threads);
  scf::ForOp loop = scf::ForOp::create(b, tid, total, step);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value i = loop.getInductionVar();
  Value row = arith::DivUIOp::create(b, i, idx(cols));
  Value col = arith::RemUIOp::create(b, i, idx(cols));
  Value inside =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ult, row, idx(validRows));
  Value v = guarded(inside, f16, [&] { return toF16(load(row, col)); });
  memref::StoreOp::create(b, v, tile, ValueRange{row, col});
}

Value KernelBuilder::build(Value query, Value key, Value value,
                           RankedTensorType resultType) {
  MLIRContext *ctx = b.getContext();
  Value qBuf = buffer(query), kBuf = buffer(key), vBuf = buffer(value);
  Value biasBuf = s.bias ? buffer(s.bias) : Value();
  // Scores are [B, H, N, M] (mha) or [B, N, M] (reuse); the bias is aligned
  // to their trailing dimensions, and its extent-1 dimensions broadcast.
  auto biasIndex = [&](Value batch, Value head, Value row, Value col) {
    SmallVector<Value> scoreIx = {batch};
    if (!s.reuse)
      scoreIx.push_back(head);
    scoreIx.append({row, col});
    auto type = cast<RankedTensorType>(s.bias.getType());
    SmallVector<Value> ix;
    int64_t offset = static_cast<int64_t>(scoreIx.size()) - type.getRank();
    for (int64_t i = 0; i < type.getRank(); ++i)
      ix.push_back(type.getDimSize(i) == 1 ? idx(0) : scoreIx[offset + i]);
    return ix;
  };
  auto outType =
      MemRefType::get(resultType.getShape(), resultType.getElementType());
  Value out = memref::AllocOp::create(b, outType);

  auto shared = gpu::AddressSpaceAttr::get(ctx, gpu::AddressSpace::Workgroup);
  auto tileType = [&](int64_t rows, int64_t cols) {
    return MemRefType::get({rows, cols}, f16, MemRefLayoutAttrInterface(),
                           shared);
  };
  // Shared memory as workgroup globals (kernel outlining moves them into the
  // GPU module): workgroup attributions would not survive buffer
  // deallocation, which adds ownership arguments to the launch's block.
  MemRefType tiles[3] = {tileType(16 * s.warps, s.dk),
                         tileType(s.keysPad, s.dk),
                         tileType(s.keysPad, s.valueCols)};
  const char *names[3] = {"q", "k", "v"};
  SmallVector<memref::GlobalOp> globals;
  for (int i = 0; i < 3; ++i) {
    OpBuilder mb =
        OpBuilder::atBlockBegin(&symbols.getOp()->getRegion(0).front());
    auto global = memref::GlobalOp::create(
        mb, b.getLoc(), (llvm::Twine("__uniform_attn_smem_") + names[i]).str(),
        mb.getStringAttr("private"), tiles[i], /*initial_value=*/Attribute(),
        /*constant=*/false, /*alignment=*/mb.getI64IntegerAttr(16));
    symbols.insert(global); // uniques the name
    globals.push_back(global);
  }
  Value one = idx(1);
  Value gridY = idx(s.reuse ? 1 : s.heads);
  auto launch = gpu::LaunchOp::create(b, idx(s.batch), gridY, one,
                                      idx(32 * s.warps), one, one);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value smem[3];
    for (int i = 0; i < 3; ++i)
      smem[i] = memref::GetGlobalOp::create(b, tiles[i],
                                            globals[i].getSymName());
    Value qs = smem[0], ks = smem[1], vs = smem[2];
    Value batch = launch.getBlockIds().x;
    Value head = launch.getBlockIds().y;
    tid = launch.getThreadIds().x;

    // Stage Q, K and V (all heads for reuse) in shared memory as f16.
    stage(qs, 16 * s.warps, s.dk, s.n, [&](Value row, Value col) {
      SmallVector<Value> ix = {batch};
      if (!s.reuse)
        ix.push_back(head);
      ix.append({row, col});
      return memref::LoadOp::create(b, qBuf, ix).getResult();
    });
    stage(ks, s.keysPad, s.dk, s.m, [&](Value row, Value col) {
      SmallVector<Value> ix = {batch};
      if (!s.reuse)
        ix.push_back(head);
      ix.append({row, col});
      return memref::LoadOp::create(b, kBuf, ix).getResult();
    });
    stage(vs, s.keysPad, s.valueCols, s.m, [&](Value row, Value col) {
      Value h = s.reuse ? arith::DivUIOp::create(b, col, idx(s.dv)).getResult()
                        : head;
      Value d = s.reuse ? arith::RemUIOp::create(b, col, idx(s.dv)).getResult()
                        : col;
      return memref::LoadOp::create(b, vBuf, ValueRange{batch, h, row, d})
          .getResult();
    });
    gpu::BarrierOp::create(b);

    Value lane = arith::RemUIOp::create(b, tid, idx(32));
    Value warp = arith::DivUIOp::create(b, tid, idx(32));
    Value g = arith::DivUIOp::create(b, lane, idx(4));
    Value t2 = arith::MulIOp::create(
        b, arith::RemUIOp::create(b, lane, idx(4)), idx(2));
    Value row0 = arith::AddIOp::create(
        b, arith::MulIOp::create(b, warp, idx(16)), g);
    Value row1 = arith::AddIOp::create(b, row0, idx(8));

    auto aType = VectorType::get({4, 2}, f16);
    auto bType = VectorType::get({2, 2}, f16);
    auto cType = VectorType::get({2, 2}, f32);
    SmallVector<int64_t> shape = {16, 8, 16};
    Value zeroAcc = arith::ConstantOp::create(
        b, cType, DenseElementsAttr::get(cType, b.getF32FloatAttr(0)));

    // Scores: 16 query rows per warp against keysPad keys, 8 keys a tile.
    int64_t keyTiles = s.keysPad / 8;
    SmallVector<Value> acc(keyTiles, zeroAcc);
    for (int64_t kk = 0; kk < s.dk / 16; ++kk) {
      Value c0 = arith::AddIOp::create(b, t2, idx(16 * kk));
      Value c8 = arith::AddIOp::create(b, c0, idx(8));
      Value aFrag = arith::ConstantOp::create(
          b, aType, DenseElementsAttr::get(aType, b.getF16FloatAttr(0)));
      Value parts[4] = {loadPair(qs, row0, c0), loadPair(qs, row1, c0),
                        loadPair(qs, row0, c8), loadPair(qs, row1, c8)};
      for (int64_t i = 0; i < 4; ++i)
        aFrag = vector::InsertOp::create(b, parts[i], aFrag, i);
      for (int64_t j = 0; j < keyTiles; ++j) {
        Value keyRow = arith::AddIOp::create(b, g, idx(8 * j));
        Value bFrag = arith::ConstantOp::create(
            b, bType, DenseElementsAttr::get(bType, b.getF16FloatAttr(0)));
        bFrag = vector::InsertOp::create(b, loadPair(ks, keyRow, c0), bFrag, 0);
        bFrag = vector::InsertOp::create(b, loadPair(ks, keyRow, c8), bFrag, 1);
        acc[j] = nvgpu::MmaSyncOp::create(b, aFrag, bFrag, acc[j], shape);
      }
    }

    // Scale, bias and the key mask; then the softmax of each row, whose
    // values are spread over the four lanes of a quad.
    Value minusInf = f32c(-std::numeric_limits<float>::infinity());
    Value scaleV = f32c(scale);
    SmallVector<std::array<Value, 4>> sv(keyTiles); // (r0,c) (r0,c+1) (r1,c) (r1,c+1)
    for (int64_t j = 0; j < keyTiles; ++j) {
      Value col0 = arith::AddIOp::create(b, t2, idx(8 * j));
      Value col1 = arith::AddIOp::create(b, col0, idx(1));
      Value rows[2] = {row0, row1};
      Value cols[2] = {col0, col1};
      for (int64_t r = 0; r < 2; ++r) {
        for (int64_t c = 0; c < 2; ++c) {
          Value x = vector::ExtractOp::create(b, acc[j],
                                              ArrayRef<int64_t>{r, c});
          x = arith::MulFOp::create(b, x, scaleV);
          Value keyOk = arith::CmpIOp::create(b, arith::CmpIPredicate::ult,
                                              cols[c], idx(s.m));
          if (biasBuf) {
            Value rowOk = arith::CmpIOp::create(
                b, arith::CmpIPredicate::ult, rows[r], idx(s.n));
            Value ok = arith::AndIOp::create(b, keyOk, rowOk);
            Value bias = guarded(ok, f32, [&] {
              return toF32(memref::LoadOp::create(
                  b, biasBuf, biasIndex(batch, head, rows[r], cols[c])));
            });
            x = arith::AddFOp::create(b, x, bias);
          }
          sv[j][2 * r + c] = arith::SelectOp::create(b, keyOk, x, minusInf);
        }
      }
    }
    auto quadReduce = [&](Value v, bool isMax) {
      for (int32_t offset : {1, 2}) {
        Value other = gpu::ShuffleOp::create(b, v, offset, 32,
                                             gpu::ShuffleMode::XOR)
                          .getShuffleResult();
        v = isMax ? arith::MaximumFOp::create(b, v, other).getResult()
                  : arith::AddFOp::create(b, v, other).getResult();
      }
      return v;
    };
    Value rowMax[2], rowSum[2];
    for (int64_t r = 0; r < 2; ++r) {
      Value m = minusInf;
      for (int64_t j = 0; j < keyTiles; ++j)
        for (int64_t c = 0; c < 2; ++c)
          m = arith::MaximumFOp::create(b, m, sv[j][2 * r + c]);
      rowMax[r] = quadReduce(m, /*isMax=*/true);
    }
    Value zeroF = f32c(0);
    for (int64_t r = 0; r < 2; ++r) {
      Value sum = zeroF;
      for (int64_t j = 0; j < keyTiles; ++j)
        for (int64_t c = 0; c < 2; ++c) {
          Value p = math::ExpOp::create(
              b, arith::SubFOp::create(b, sv[j][2 * r + c], rowMax[r]));
          sv[j][2 * r + c] = p;
          sum = arith::AddFOp::create(b, sum, p);
        }
      rowSum[r] = quadReduce(sum, /*isMax=*/false);
    }

    // P as the A operand, 16 keys at a time, straight from the registers.
    SmallVector<Value> pFrag;
    for (int64_t kk = 0; kk < s.keysPad / 16; ++kk) {
      SmallVector<Value> e;
      for (int64_t part = 0; part < 4; ++part) {
        int64_t j = 2 * kk + part / 2; // [2], [3] come from the next tile
        int64_t r = part % 2;          // [1], [3] are row g + 8
        e.push_back(toF16(sv[j][2 * r]));
        e.push_back(toF16(sv[j][2 * r + 1]));
      }
      pFrag.push_back(vector::FromElementsOp::create(b, aType, e));
    }

    // O = P V for each 8 columns of the value tile, then / sum and store.
    Value inv[2] = {arith::DivFOp::create(b, f32c(1), rowSum[0]),
                    arith::DivFOp::create(b, f32c(1), rowSum[1])};
    Value rowOk[2] = {
        arith::CmpIOp::create(b, arith::CmpIPredicate::ult, row0, idx(s.n)),
        arith::CmpIOp::create(b, arith::CmpIPredicate::ult, row1, idx(s.n))};
    Value gRow[2] = {row0, row1};
    for (int64_t ct = 0; ct < s.valueCols / 8; ++ct) {
      Value colB = arith::AddIOp::create(b, g, idx(8 * ct));
      Value o = zeroAcc;
      for (int64_t kk = 0; kk < s.keysPad / 16; ++kk) {
        Value k0 = arith::AddIOp::create(b, t2, idx(16 * kk));
        Value e[4];
        for (int64_t i = 0; i < 4; ++i) {
          Value keyRow = arith::AddIOp::create(b, k0, idx((i / 2) * 8 + i % 2));
          e[i] = memref::LoadOp::create(b, vs, ValueRange{keyRow, colB});
        }
        Value bFrag = vector::FromElementsOp::create(b, bType, e);
        o = nvgpu::MmaSyncOp::create(b, pFrag[kk], bFrag, o, shape);
      }
      for (int64_t r = 0; r < 2; ++r) {
        OpBuilder::InsertionGuard g2(b);
        auto ifOp = scf::IfOp::create(b, rowOk[r], /*withElse=*/false);
        b.setInsertionPointToStart(&ifOp.getThenRegion().front());
        for (int64_t c = 0; c < 2; ++c) {
          Value x = vector::ExtractOp::create(b, o, ArrayRef<int64_t>{r, c});
          x = arith::MulFOp::create(b, x, inv[r]);
          if (!s.elementType.isF32())
            x = arith::TruncFOp::create(b, s.elementType, x);
          Value col = arith::AddIOp::create(b, t2, idx(8 * ct + c));
          Value h = s.reuse ? arith::DivUIOp::create(b, col, idx(s.dv)).getResult()
                            : head;
          Value d = s.reuse ? arith::RemUIOp::create(b, col, idx(s.dv)).getResult()
                            : col;
          memref::StoreOp::create(b, x, out, ValueRange{batch, h, gRow[r], d});
        }
      }
    }
    gpu::TerminatorOp::create(b);
  }
  return bufferization::ToTensorOp::create(b, resultType, out,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

namespace {
template <typename OpTy>
struct AttnToNVGPUPattern : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    constexpr bool reuse = std::is_same_v<OpTy, attn::ReuseAttentionOp>;
    FailureOr<KernelShape> shape = matchShape(op, reuse);
    if (failed(shape))
      return rewriter.notifyMatchFailure(op, "shape outside the fused kernel");
    Operation *symbolScope = SymbolTable::getNearestSymbolTable(op);
    if (!symbolScope)
      return rewriter.notifyMatchFailure(op, "no symbol table for globals");
    SymbolTable symbols(symbolScope);
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    KernelBuilder kernel(b, *shape, op.getScaleValue(), symbols);
    Value result =
        kernel.build(op.getQuery(), op.getKey(), op.getValue(),
                     cast<RankedTensorType>(op.getResult().getType()));
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct ConvertAttnToNVGPUPass
    : public uniform::impl::ConvertAttnToNVGPUBase<ConvertAttnToNVGPUPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<AttnToNVGPUPattern<attn::ReuseAttentionOp>,
                 AttnToNVGPUPattern<attn::MultiHeadAttentionOp>>(&getContext());
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
