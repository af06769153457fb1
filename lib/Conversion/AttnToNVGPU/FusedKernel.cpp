//===- FusedKernel.cpp - The fused attention kernel's builder -------------===//
//
// KernelBuilder emits the kernel that AttnToNVGPU.cpp's file comment
// describes, one method per stage: staging Q, K, V and the bias in shared
// memory, the scores (mma.sync on ldmatrix fragments), a softmax step, the
// probability fragments, the value product, the store. buildWindowKernel
// drives them for one key step (the value chunks loop in the block),
// buildStreamingKernel for the online softmax over several.
//
//===----------------------------------------------------------------------===//

#include "FusedKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace uniform::fused_attention;

namespace {
/// Builds the kernel for one op; returns the result tensor.
class KernelBuilder {
public:
  KernelBuilder(ImplicitLocOpBuilder &b, const KernelShape &s, float scale,
                SymbolTable &symbols, Mutation mutation)
      : b(b), s(s), scale(scale), symbols(symbols), mutation(mutation),
        f16(b.getF16Type()), f32(b.getF32Type()) {}

  Value build(Value query, Value key, Value value, RankedTensorType resultType);

private:
  /// The running maximum, sum and correction factor of a lane's two rows.
  struct SoftmaxStep {
    Value max[2], sum[2], corr[2];
  };

  SmallVector<memref::GlobalOp> createSharedTiles();
  /// Block and lane coordinates; returns the block's first value column
  /// (from grid z when `chunksOnGrid`, else 0).
  Value setUpBlock(gpu::LaunchOp launch, MutableArrayRef<memref::GlobalOp> globals,
                   bool chunksOnGrid);
  void buildWindowKernel();
  void buildStreamingKernel(Value colBase);
  void stageQuery();
  /// Q as A fragments, 16 columns of Dk each.
  SmallVector<Value> queryFragments();
  Value keyValid(Value keyBase, Value row);
  void stageKeys(Value keyBase);
  void stageValues(Value keyBase, Value colBase);
  /// The bias of the block's queries and the step's keys, when staged.
  void stageBias(Value keyBase);
  /// The barrier between staging K/V and the mma reads of them.
  void stagingBarrier();
  /// Scaled, biased and masked scores of the lane's elements, per key tile.
  SmallVector<std::array<Value, 4>> scores(ArrayRef<Value> qFrag,
                                           Value keyBase);
  Value quadReduce(Value v, bool isMax);
  /// Updates the statistics with one step's scores and turns `sv` into
  /// unnormalized probabilities.
  SoftmaxStep softmaxStep(SmallVectorImpl<std::array<Value, 4>> &sv,
                          ValueRange oldMax, ValueRange oldSum);
  SmallVector<Value> probabilityFragments(ArrayRef<std::array<Value, 4>> p);
  /// O * corr + P V for the staged value chunk (no rescaling when `corrV`
  /// is null).
  SmallVector<Value> valueProduct(ArrayRef<Value> pFrag, ValueRange o,
                                  Value corrV);
  /// B fragments of the staged values for keys 16 kk.. and n-tiles ct and,
  /// when `tiles` is 2, ct + 1 (one ldmatrix.x4.trans, or x2).
  SmallVector<Value> valueFragments(int64_t kk, int64_t ct, int64_t tiles);
  /// ldmatrix.x4 from a shared tile at this lane's row address.
  Value loadMatrices(Value tile, Value row, Value col, bool transpose);
  void storeOutput(ValueRange o, ValueRange sums, Value colBase);
  /// (head, column) of the value tile's column colBase + col.
  std::pair<Value, Value> headOf(Value colBase, Value col);
  SmallVector<Value> biasIndex(Value row, Value col);
  /// The index of Q or K's element (base + row, col): [B, (H,) N|M, Dk].
  SmallVector<Value> rowIndex(Value base, Value row, Value col);

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
  Value add(Value a, int64_t c) { return arith::AddIOp::create(b, a, idx(c)); }
  Value ult(Value a, int64_t c) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, a, idx(c));
  }
  Value buffer(Value tensor) {
    auto t = cast<RankedTensorType>(tensor.getType());
    return bufferization::ToBufferOp::create(
        b, MemRefType::get(t.getShape(), t.getElementType()), tensor,
        /*readOnly=*/true);
  }
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
  /// Copies `load(row, col)` for rows x cols into `tile` (converted to its
  /// element type), zero where
  /// `valid(row)` fails; all threads of the block take part.
  void stage(Value tile, int64_t rows, int64_t cols,
             function_ref<Value(Value, Value)> valid,
             function_ref<Value(Value, Value)> load);
  /// `valid` and, where Dk is padded, `col < Dk`: the padding columns of the
  /// Q and K tiles are zeros, which add nothing to the scores.
  Value inKeyWidth(Value valid, Value col) {
    if (s.dkTile == s.dk)
      return valid;
    return arith::AndIOp::create(b, valid, ult(col, s.dk));
  }

  ImplicitLocOpBuilder &b;
  const KernelShape &s;
  float scale;
  SymbolTable &symbols;
  Mutation mutation;
  Type f16, f32;
  VectorType aType = VectorType::get({4, 2}, b.getF16Type());
  VectorType bType = VectorType::get({2, 2}, b.getF16Type());
  VectorType cType = VectorType::get({2, 2}, b.getF32Type());
  // The kernel being built: buffers, shared tiles, block and lane
  // coordinates (set by build and setUpBlock).
  Value qBuf, kBuf, vBuf, biasBuf, out;
  Value qs, ks, vs, bs; // bs: the staged bias, or null
  Value batch, qBase, head, tid, lane;
  // ldmatrix addressing: lane % 8, and 8 times bit 0 and bit 1 of the
  // matrix index lane / 8.
  Value laneRow, matrixBit0, matrixBit1;
  Value g, t2, row0, row1, gRow[2];
  Value zeroAcc, minusInf;
};
} // namespace

void KernelBuilder::stage(Value tile, int64_t rows, int64_t cols,
                          function_ref<Value(Value, Value)> valid,
                          function_ref<Value(Value, Value)> load) {
  int64_t threads = 32 * s.warps;
  scf::ForOp loop =
      scf::ForOp::create(b, tid, idx(rows * cols), idx(threads));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(loop.getBody());
  Value i = loop.getInductionVar();
  Value row = arith::DivUIOp::create(b, i, idx(cols));
  Value col = arith::RemUIOp::create(b, i, idx(cols));
  Type element = cast<MemRefType>(tile.getType()).getElementType();
  Value v = guarded(valid(row, col), element, [&] {
    Value x = load(row, col);
    return element.isF16() ? toF16(x) : toF32(x);
  });
  memref::StoreOp::create(b, v, tile, ValueRange{row, col});
}

SmallVector<memref::GlobalOp> KernelBuilder::createSharedTiles() {
  // Shared memory as workgroup globals (kernel outlining moves them into the
  // GPU module): workgroup attributions would not survive buffer
  // deallocation, which adds ownership arguments to the launch's block.
  auto shared = gpu::AddressSpaceAttr::get(b.getContext(),
                                           gpu::AddressSpace::Workgroup);
  auto tileType = [&](int64_t rows, int64_t cols) {
    return MemRefType::get({rows, cols + kTilePad}, f16,
                           MemRefLayoutAttrInterface(), shared);
  };
  MemRefType tiles[3] = {tileType(16 * s.warps, s.dkTile),
                         tileType(s.keyTileRows, s.dkTile),
                         tileType(s.keyTileRows, s.chunk)};
  SmallVector<MemRefType> types(std::begin(tiles), std::end(tiles));
  SmallVector<const char *> names = {"q", "k", "v"};
  if (s.stageBias) {
    types.push_back(MemRefType::get({16 * s.warps, s.keyTileRows + kBiasPad},
                                    f32, MemRefLayoutAttrInterface(), shared));
    names.push_back("bias");
  }
  SmallVector<memref::GlobalOp> globals;
  for (size_t i = 0; i < types.size(); ++i) {
    OpBuilder mb =
        OpBuilder::atBlockBegin(&symbols.getOp()->getRegion(0).front());
    auto global = memref::GlobalOp::create(
        mb, b.getLoc(), (llvm::Twine("__uniform_attn_smem_") + names[i]).str(),
        mb.getStringAttr("private"), types[i], /*initial_value=*/Attribute(),
        /*constant=*/false, /*alignment=*/mb.getI64IntegerAttr(16));
    symbols.insert(global); // uniques the name
    globals.push_back(global);
  }
  return globals;
}

Value KernelBuilder::setUpBlock(gpu::LaunchOp launch,
                                MutableArrayRef<memref::GlobalOp> globals,
                                bool chunksOnGrid) {
  SmallVector<Value> smem;
  for (memref::GlobalOp global : globals)
    smem.push_back(memref::GetGlobalOp::create(b, global.getType(),
                                               global.getSymName()));
  qs = smem[0], ks = smem[1], vs = smem[2];
  bs = s.stageBias ? smem[3] : Value();
  Value x = launch.getBlockIds().x, y = launch.getBlockIds().y,
        z = launch.getBlockIds().z;
  if (s.linearGrid) {
    z = arith::RemUIOp::create(b, x, idx(s.grid[2]));
    Value rest = arith::DivUIOp::create(b, x, idx(s.grid[2]));
    y = arith::RemUIOp::create(b, rest, idx(s.grid[1]));
    x = arith::DivUIOp::create(b, rest, idx(s.grid[1]));
  }
  batch = x;
  qBase = arith::MulIOp::create(b, y, idx(16 * s.warps));
  Value colBase = idx(0);
  head = z;
  if (chunksOnGrid) {
    head = arith::DivUIOp::create(b, z, idx(s.chunks));
    colBase = arith::MulIOp::create(
        b, arith::RemUIOp::create(b, z, idx(s.chunks)), idx(s.chunk));
  }
  tid = launch.getThreadIds().x;
  lane = arith::RemUIOp::create(b, tid, idx(32));
  // An ldmatrix.x4 lane gives row lane % 8 of matrix lane / 8; the matrix's
  // place in a 16 x 16 tile is set by its index's two bits.
  laneRow = arith::RemUIOp::create(b, lane, idx(8));
  matrixBit0 = arith::MulIOp::create(
      b, arith::RemUIOp::create(b, arith::DivUIOp::create(b, lane, idx(8)),
                                idx(2)),
      idx(8));
  matrixBit1 =
      arith::MulIOp::create(b, arith::DivUIOp::create(b, lane, idx(16)), idx(8));
  Value warp = arith::DivUIOp::create(b, tid, idx(32));
  g = arith::DivUIOp::create(b, lane, idx(4));
  t2 = arith::MulIOp::create(b, arith::RemUIOp::create(b, lane, idx(4)),
                             idx(2));
  row0 = arith::AddIOp::create(b, arith::MulIOp::create(b, warp, idx(16)),
                               g); // within the block
  row1 = add(row0, 8);
  gRow[0] = arith::AddIOp::create(b, qBase, row0);
  gRow[1] = arith::AddIOp::create(b, qBase, row1);
  zeroAcc = arith::ConstantOp::create(
      b, cType, DenseElementsAttr::get(cType, b.getF32FloatAttr(0)));
  minusInf = f32c(-std::numeric_limits<float>::infinity());
  return colBase;
}

std::pair<Value, Value> KernelBuilder::headOf(Value colBase, Value col) {
  Value c = arith::AddIOp::create(b, colBase, col);
  if (!s.reuse)
    return std::make_pair(head, c);
  return std::make_pair(arith::DivUIOp::create(b, c, idx(s.dv)).getResult(),
                        arith::RemUIOp::create(b, c, idx(s.dv)).getResult());
}

SmallVector<Value> KernelBuilder::biasIndex(Value row, Value col) {
  // Scores are [B, H, N, M] (mha) or [B, N, M] (reuse); the bias is aligned
  // to their trailing dimensions, and its extent-1 dimensions broadcast.
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
}

SmallVector<Value> KernelBuilder::rowIndex(Value base, Value row,
                                           Value col) {
  SmallVector<Value> ix = {batch};
  if (!s.reuse)
    ix.push_back(head);
  ix.append({arith::AddIOp::create(b, base, row), col});
  return ix;
}

void KernelBuilder::stageQuery() {
  stage(qs, 16 * s.warps, s.dkTile,
        [&](Value row, Value col) {
          return inKeyWidth(ult(arith::AddIOp::create(b, qBase, row), s.n),
                            col);
        },
        [&](Value row, Value col) {
          return memref::LoadOp::create(b, qBuf, rowIndex(qBase, row, col))
              .getResult();
        });
}

Value KernelBuilder::loadMatrices(Value tile, Value row, Value col,
                                  bool transpose) {
  auto type = VectorType::get({4, 2}, f16);
  return nvgpu::LdMatrixOp::create(b, type, tile, ValueRange{row, col},
                                   transpose, /*numTiles=*/4);
}

SmallVector<Value> KernelBuilder::queryFragments() {
  // ldmatrix.x4 of the warp's 16 rows: matrix m holds rows 8 (m % 2) + 0..7
  // and columns 8 (m / 2) + 0..7 of a 16-column step, given by lanes
  // 8m..8m+7; its registers are the A fragment's in order.
  Value warpRow = arith::SubIOp::create(b, row0, g);
  Value row = arith::AddIOp::create(
      b, arith::AddIOp::create(b, warpRow, laneRow), matrixBit0);
  SmallVector<Value> qFrag;
  for (int64_t kk = 0; kk < s.dkTile / 16; ++kk) {
    Value frag = loadMatrices(qs, row, add(matrixBit1, 16 * kk),
                              /*transpose=*/false);
    if (mutation == Mutation::PermuteAFragment) {
      Value r1 = vector::ExtractOp::create(b, frag, 1);
      Value r2 = vector::ExtractOp::create(b, frag, 2);
      frag = vector::InsertOp::create(b, r2, frag, 1);
      frag = vector::InsertOp::create(b, r1, frag, 2);
    }
    qFrag.push_back(frag);
  }
  return qFrag;
}

Value KernelBuilder::keyValid(Value keyBase, Value row) {
  return ult(arith::AddIOp::create(b, keyBase, row), s.m);
}

void KernelBuilder::stageKeys(Value keyBase) {
  stage(ks, s.keyTileRows, s.dkTile,
        [&](Value row, Value col) {
          return inKeyWidth(keyValid(keyBase, row), col);
        },
        [&](Value row, Value col) {
          return memref::LoadOp::create(b, kBuf, rowIndex(keyBase, row, col))
              .getResult();
        });
}

void KernelBuilder::stageBias(Value keyBase) {
  if (!bs)
    return;
  stage(bs, 16 * s.warps, s.keyTileRows,
        [&](Value row, Value col) {
          return arith::AndIOp::create(
              b, ult(arith::AddIOp::create(b, qBase, row), s.n),
              keyValid(keyBase, col));
        },
        [&](Value row, Value col) {
          return memref::LoadOp::create(
                     b, biasBuf,
                     biasIndex(arith::AddIOp::create(b, qBase, row),
                               arith::AddIOp::create(b, keyBase, col)))
              .getResult();
        });
}

void KernelBuilder::stageValues(Value keyBase, Value colBase) {
  stage(vs, s.keyTileRows, s.chunk,
        [&](Value row, Value) { return keyValid(keyBase, row); },
        [&](Value row, Value col) {
          auto [h, d] = headOf(colBase, col);
          return memref::LoadOp::create(
                     b, vBuf,
                     ValueRange{batch, h,
                                arith::AddIOp::create(b, keyBase, row), d})
              .getResult();
        });
}

void KernelBuilder::stagingBarrier() {
  if (mutation != Mutation::DropStagingBarrier)
    gpu::BarrierOp::create(b);
}

SmallVector<std::array<Value, 4>>
KernelBuilder::scores(ArrayRef<Value> qFrag, Value keyBase) {
  // 16 rows per warp against the step's keys, 8 keys a tile.
  SmallVector<int64_t> shape = {16, 8, 16};
  int64_t keyTiles = s.keyTileRows / 8;
  SmallVector<Value> acc(keyTiles, zeroAcc);
  // B fragments of K for two key tiles j, j + 1 from one ldmatrix.x4:
  // matrix m holds keys 8 (j + m / 2) + 0..7 and columns 8 (m % 2) + 0..7 of
  // the 16-column step (lanes 8m..8m+7 give the rows); untransposed, lane l
  // gets key l / 4 and columns 2 (l % 4), +1: registers (0, 1) are tile j's
  // B fragment and (2, 3) tile j + 1's.
  Value keyInPair = arith::AddIOp::create(b, laneRow, matrixBit1);
  for (int64_t kk = 0; kk < s.dkTile / 16; ++kk) {
    for (int64_t j = 0; j < keyTiles; j += 2) {
      Value regs = loadMatrices(ks, add(keyInPair, 8 * j),
                                add(matrixBit0, 16 * kk), /*transpose=*/false);
      for (int64_t t = 0; t < 2; ++t) {
        Value bFrag = arith::ConstantOp::create(
            b, bType, DenseElementsAttr::get(bType, b.getF16FloatAttr(0)));
        bFrag = vector::InsertOp::create(
            b, vector::ExtractOp::create(b, regs, 2 * t), bFrag, 0);
        bFrag = vector::InsertOp::create(
            b, vector::ExtractOp::create(b, regs, 2 * t + 1), bFrag, 1);
        acc[j + t] =
            nvgpu::MmaSyncOp::create(b, qFrag[kk], bFrag, acc[j + t], shape);
      }
    }
  }
  // Scale, bias and the key mask, in log2 units (times log2 e, folded into
  // the scale) so that the softmax takes exp2 (one ex2.approx) instead of
  // exp; per tile (r0,c) (r0,c+1) (r1,c) (r1,c+1).
  constexpr double kLog2E = 1.4426950408889634;
  Value scaleV = f32c(scale * kLog2E);
  Value log2e = f32c(kLog2E);
  SmallVector<std::array<Value, 4>> sv(keyTiles);
  Value biasPair;
  for (int64_t j = 0; j < keyTiles; ++j) {
    Value col0 = arith::AddIOp::create(b, keyBase, add(t2, 8 * j));
    Value cols[2] = {col0, add(col0, 1)};
    for (int64_t r = 0; r < 2; ++r) {
      for (int64_t c = 0; c < 2; ++c) {
        Value x =
            vector::ExtractOp::create(b, acc[j], ArrayRef<int64_t>{r, c});
        x = arith::MulFOp::create(b, x, scaleV);
        Value keyOk = ult(cols[c], s.m);
        if (biasBuf) {
          Value bias;
          if (bs) { // staged: zero outside N and M; one 8-byte pair per row
            if (c == 0)
              biasPair = vector::LoadOp::create(
                  b, VectorType::get({2}, f32), bs,
                  ValueRange{r ? row1 : row0, add(t2, 8 * j)});
            bias = vector::ExtractOp::create(b, biasPair, c);
          } else {
            Value ok = arith::AndIOp::create(b, keyOk, ult(gRow[r], s.n));
            bias = guarded(ok, f32, [&] {
              return toF32(memref::LoadOp::create(
                  b, biasBuf, biasIndex(gRow[r], cols[c])));
            });
          }
          x = arith::AddFOp::create(b, x,
                                    arith::MulFOp::create(b, bias, log2e));
        }
        sv[j][2 * r + c] = arith::SelectOp::create(b, keyOk, x, minusInf);
      }
    }
  }
  return sv;
}

Value KernelBuilder::quadReduce(Value v, bool isMax) {
  // Each row's values are spread over a quad of lanes.
  int32_t second = mutation == Mutation::QuadShuffleOffsets ? 4 : 2;
  for (int32_t offset : {1, second}) {
    Value other =
        gpu::ShuffleOp::create(b, v, offset, 32, gpu::ShuffleMode::XOR)
            .getShuffleResult();
    v = isMax ? arith::MaximumFOp::create(b, v, other).getResult()
              : arith::AddFOp::create(b, v, other).getResult();
  }
  return v;
}

KernelBuilder::SoftmaxStep
KernelBuilder::softmaxStep(SmallVectorImpl<std::array<Value, 4>> &sv,
                           ValueRange oldMax, ValueRange oldSum) {
  SoftmaxStep step;
  for (int64_t r = 0; r < 2; ++r) {
    Value tileMax = minusInf;
    for (auto &tile : sv)
      for (int64_t c = 0; c < 2; ++c)
        tileMax = arith::MaximumFOp::create(b, tileMax, tile[2 * r + c]);
    step.max[r] =
        arith::MaximumFOp::create(b, oldMax[r], quadReduce(tileMax, true));
    // A row whose keys are all masked so far has maximum -inf: subtract 0
    // instead, so that its probabilities are exp(-inf) = 0, not NaN.
    Value allMasked = arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ,
                                            step.max[r], minusInf);
    Value shift = arith::SelectOp::create(b, allMasked, f32c(0), step.max[r]);
    // exp2(-inf - finite) = 0 on the first step.
    step.corr[r] =
        math::Exp2Op::create(b, arith::SubFOp::create(b, oldMax[r], shift));
    Value sum = f32c(0);
    for (auto &tile : sv)
      for (int64_t c = 0; c < 2; ++c) {
        Value p = math::Exp2Op::create(
            b, arith::SubFOp::create(b, tile[2 * r + c], shift));
        tile[2 * r + c] = p;
        sum = arith::AddFOp::create(b, sum, p);
      }
    step.sum[r] =
        arith::AddFOp::create(b, arith::MulFOp::create(b, oldSum[r], step.corr[r]),
                              quadReduce(sum, false));
  }
  return step;
}

SmallVector<Value>
KernelBuilder::probabilityFragments(ArrayRef<std::array<Value, 4>> p) {
  // P as the A operand, 16 keys at a time, straight from the registers.
  SmallVector<Value> pFrag;
  for (int64_t kk = 0; kk < s.keyTileRows / 16; ++kk) {
    SmallVector<Value> e;
    for (int64_t part = 0; part < 4; ++part) {
      int64_t j = 2 * kk + part / 2; // [2], [3] come from the next tile
      int64_t r = part % 2;          // [1], [3] are row g + 8
      e.push_back(toF16(p[j][2 * r]));
      e.push_back(toF16(p[j][2 * r + 1]));
    }
    pFrag.push_back(vector::FromElementsOp::create(b, aType, e));
  }
  return pFrag;
}

SmallVector<Value> KernelBuilder::valueFragments(int64_t kk, int64_t ct,
                                                 int64_t tiles) {
  // ldmatrix.trans of the staged values: matrix m's rows are keys
  // 16 kk + 8 (m % 2) + 0..7 of columns 8 (ct + m / 2) + 0..7, given by lanes
  // 8m..8m+7; transposed, lane l gets keys 2 (l % 4), +1 of column l / 4,
  // the B fragment of mma.m16n8k16.
  Value row = arith::AddIOp::create(b, add(laneRow, 16 * kk), matrixBit0);
  Value col = add(matrixBit1, 8 * ct);
  if (tiles == 1)
    col = idx(8 * ct); // x2: only lanes 0-15 give addresses
  auto type = VectorType::get({2 * tiles, 2}, f16);
  Value regs = nvgpu::LdMatrixOp::create(b, type, vs, ValueRange{row, col},
                                         /*transpose=*/true,
                                         /*numTiles=*/2 * tiles);
  SmallVector<Value> frags;
  for (int64_t t = 0; t < tiles; ++t) {
    Value b0 = vector::ExtractOp::create(b, regs, 2 * t);
    Value b1 = vector::ExtractOp::create(b, regs, 2 * t + 1);
    Value frag = arith::ConstantOp::create(
        b, bType, DenseElementsAttr::get(bType, b.getF16FloatAttr(0)));
    frag = vector::InsertOp::create(b, b0, frag, 0);
    frags.push_back(vector::InsertOp::create(b, b1, frag, 1));
  }
  return frags;
}

SmallVector<Value> KernelBuilder::valueProduct(ArrayRef<Value> pFrag,
                                               ValueRange o, Value corrV) {
  // O = O * corr + P V, 16 keys and 16 columns (two n-tiles of 8, one
  // ldmatrix.x4) at a time.
  SmallVector<int64_t> shape = {16, 8, 16};
  SmallVector<Value> acc;
  for (Value a : o)
    acc.push_back(corrV ? arith::MulFOp::create(b, a, corrV).getResult() : a);
  int64_t outTiles = acc.size();
  for (int64_t kk = 0; kk < s.keyTileRows / 16; ++kk)
    for (int64_t ct = 0; ct < outTiles; ct += 2) {
      int64_t tiles = std::min<int64_t>(2, outTiles - ct);
      for (auto [t, frag] : llvm::enumerate(valueFragments(kk, ct, tiles)))
        acc[ct + t] = nvgpu::MmaSyncOp::create(b, pFrag[kk], frag,
                                               acc[ct + t], shape);
    }
  return acc;
}

void KernelBuilder::storeOutput(ValueRange o, ValueRange sums,
                                Value colBase) {
  // O / sum for rows inside N; a row with no unmasked key (sum 0) is 0.
  Value inv[2];
  for (int64_t r = 0; r < 2; ++r) {
    Value positive =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, sums[r], f32c(0));
    inv[r] = arith::SelectOp::create(
        b, positive, arith::DivFOp::create(b, f32c(1), sums[r]), f32c(0));
  }
  for (auto [ct, acc] : llvm::enumerate(o)) {
    for (int64_t r = 0; r < 2; ++r) {
      OpBuilder::InsertionGuard guard(b);
      auto ifOp = scf::IfOp::create(b, ult(gRow[r], s.n), /*withElse=*/false);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      for (int64_t c = 0; c < 2; ++c) {
        Value x = vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{r, c});
        x = arith::MulFOp::create(b, x, inv[r]);
        if (!s.elementType.isF32())
          x = arith::TruncFOp::create(b, s.elementType, x);
        auto [h, d] = headOf(colBase, add(t2, 8 * ct + c));
        memref::StoreOp::create(b, x, out, ValueRange{batch, h, gRow[r], d});
      }
    }
  }
}

void KernelBuilder::buildWindowKernel() {
  // All keys in one step: the softmax is final after it, so the block
  // computes its probability tile once and applies it to every chunk of the
  // value tile in turn (every head's values, for attn.reuse).
  Value zero = idx(0);
  stageQuery();
  stageKeys(zero);
  stageBias(zero);
  stagingBarrier();
  SmallVector<std::array<Value, 4>> sv = scores(queryFragments(), zero);
  Value noMax[2] = {minusInf, minusInf}, noSum[2] = {f32c(0), f32c(0)};
  SoftmaxStep step = softmaxStep(sv, noMax, noSum);
  SmallVector<Value> pFrag = probabilityFragments(sv);
  auto chunkLoop = scf::ForOp::create(b, zero, idx(s.valueCols),
                                      idx(s.chunk));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(chunkLoop.getBody());
  Value colBase = chunkLoop.getInductionVar();
  stageValues(zero, colBase);
  gpu::BarrierOp::create(b);
  SmallVector<Value> o(s.chunk / 8, zeroAcc);
  storeOutput(valueProduct(pFrag, o, /*corrV=*/Value()), step.sum, colBase);
  // Everyone is done with this chunk's values before the next overwrites
  // them.
  gpu::BarrierOp::create(b);
}

void KernelBuilder::buildStreamingKernel(Value colBase) {
  // The online softmax over key steps: running row maximum and sum (two
  // rows per lane), and the output accumulators, rescaled at each step. The
  // block does one chunk of the value tile (grid z).
  stageQuery();
  gpu::BarrierOp::create(b);
  SmallVector<Value> qFrag = queryFragments();
  SmallVector<Value> init = {minusInf, minusInf, f32c(0), f32c(0)};
  init.append(s.chunk / 8, zeroAcc);
  auto keyLoop = scf::ForOp::create(b, idx(0), idx(s.keySteps), idx(1), init);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(keyLoop.getBody());
    Value keyBase = arith::MulIOp::create(b, keyLoop.getInductionVar(), idx(64));
    ValueRange carried = keyLoop.getRegionIterArgs();
    // Stage this step's keys and values (after everyone is done with the
    // previous step's).
    gpu::BarrierOp::create(b);
    stageKeys(keyBase);
    stageBias(keyBase);
    stageValues(keyBase, colBase);
    stagingBarrier();
    SmallVector<std::array<Value, 4>> sv = scores(qFrag, keyBase);
    SoftmaxStep step = softmaxStep(sv, carried.take_front(2),
                                   carried.slice(2, 2));
    Value corrV = vector::FromElementsOp::create(
        b, cType,
        ValueRange{step.corr[0], step.corr[0], step.corr[1], step.corr[1]});
    SmallVector<Value> o = valueProduct(probabilityFragments(sv),
                                        carried.drop_front(4), corrV);
    SmallVector<Value> yields = {step.max[0], step.max[1], step.sum[0],
                                 step.sum[1]};
    yields.append(o.begin(), o.end());
    scf::YieldOp::create(b, yields);
  }
  ValueRange results = keyLoop.getResults();
  storeOutput(results.drop_front(4), results.slice(2, 2), colBase);
}

Value KernelBuilder::build(Value query, Value key, Value value,
                           RankedTensorType resultType) {
  qBuf = buffer(query), kBuf = buffer(key), vBuf = buffer(value);
  biasBuf = s.bias ? buffer(s.bias) : Value();
  out = memref::AllocOp::create(
      b, MemRefType::get(resultType.getShape(), resultType.getElementType()));
  SmallVector<memref::GlobalOp> globals = createSharedTiles();
  // One step over the keys: the chunks of the value tile loop in the block.
  // Several: each block does one chunk (its accumulators stay in registers
  // across the steps).
  bool window = s.keySteps == 1;
  Value one = idx(1);
  Value grid[3] = {idx(s.grid[0]), idx(s.grid[1]), idx(s.grid[2])};
  if (s.linearGrid)
    grid[0] = idx(s.grid[0] * s.grid[1] * s.grid[2]), grid[1] = grid[2] = one;
  auto launch = gpu::LaunchOp::create(b, grid[0], grid[1], grid[2],
                                      idx(32 * s.warps), one, one);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    Value colBase = setUpBlock(launch, globals, /*chunksOnGrid=*/!window);
    if (window)
      buildWindowKernel();
    else
      buildStreamingKernel(colBase);
    gpu::TerminatorOp::create(b);
  }
  return bufferization::ToTensorOp::create(b, resultType, out,
                                           /*restrict=*/true,
                                           /*writable=*/true);
}

Value uniform::fused_attention::buildFusedKernel(
    ImplicitLocOpBuilder &b, const KernelShape &s, float scale,
    SymbolTable &symbols, Mutation mutation, Value query, Value key,
    Value value, RankedTensorType resultType) {
  return KernelBuilder(b, s, scale, symbols, mutation)
      .build(query, key, value, resultType);
}
