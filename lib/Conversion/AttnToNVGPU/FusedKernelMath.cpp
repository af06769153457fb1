//===- FusedKernelMath.cpp - The fused attention kernel's warp math ------===//
//
// The warps' part of the fused attention kernel (FusedKernel.h): Q, K and V
// fragments from the shared tiles (ldmatrix), the scores with scale, bias
// and key mask (mma.sync), a step of the online softmax (quad shuffles,
// exp2), the probabilities as A fragments straight from the accumulators,
// the value product, and the normalized store. Fragment layouts are in
// AttnToNVGPU.cpp's file comment.
//
//===----------------------------------------------------------------------===//

#include "FusedKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace uniform::fused_attention;

Value KernelBuilder::loadMatrices(Value tile, Value buffer, Value row,
                                  Value col, bool transpose) {
  auto type = VectorType::get({4, 2}, f16);
  return nvgpu::LdMatrixOp::create(b, type, tile,
                                   tileIndex(tile, buffer, row, col), transpose,
                                   /*numTiles=*/4);
}

SmallVector<Value> KernelBuilder::rowFragments(Value tile, int64_t cols) {
  // ldmatrix.x4 of the warp's 16 rows: matrix m holds rows 8 (m % 2) + 0..7
  // and columns 8 (m / 2) + 0..7 of a 16-column step, given by lanes
  // 8m..8m+7; its registers are the A fragment's in order.
  Value warpRow = arith::SubIOp::create(b, row0, g);
  Value row = arith::AddIOp::create(
      b, arith::AddIOp::create(b, warpRow, laneRow), matrixBit0);
  SmallVector<Value> frags;
  for (int64_t kk = 0; kk < cols / 16; ++kk)
    frags.push_back(loadMatrices(tile, Value(), row, add(matrixBit1, 16 * kk),
                                 /*transpose=*/false));
  return frags;
}

SmallVector<Value> KernelBuilder::queryFragments() {
  SmallVector<Value> qFrag = rowFragments(qs, s.dkTile);
  if (mutation == Mutation::PermuteAFragment) {
    for (Value &frag : qFrag) {
      Value r1 = vector::ExtractOp::create(b, frag, 1);
      Value r2 = vector::ExtractOp::create(b, frag, 2);
      frag = vector::InsertOp::create(b, r2, frag, 1);
      frag = vector::InsertOp::create(b, r1, frag, 2);
    }
  }
  return qFrag;
}

SmallVector<std::array<Value, 4>>
KernelBuilder::scores(ArrayRef<Value> qFrag, Value keyBase, Value buffer,
                      Value keyOffset, int64_t keyTiles) {
  // 16 rows per warp against the keys, 8 keys a tile.
  SmallVector<int64_t> shape = {16, 8, 16};
  SmallVector<Value> acc(keyTiles, zeroAcc);
  // B fragments of K for two key tiles j, j + 1 from one ldmatrix.x4:
  // matrix m holds keys 8 (j + m / 2) + 0..7 and columns 8 (m % 2) + 0..7 of
  // the 16-column step (lanes 8m..8m+7 give the rows); untransposed, lane l
  // gets key l / 4 and columns 2 (l % 4), +1: registers (0, 1) are tile j's
  // B fragment and (2, 3) tile j + 1's. A last, odd tile takes an x2 (the
  // first two matrices, lanes 0-15 giving the rows).
  Value firstRow = arith::AddIOp::create(b, laneRow, keyOffset);
  Value keyInPair = arith::AddIOp::create(b, firstRow, matrixBit1);
  for (int64_t kk = 0; kk < s.dkTile / 16; ++kk) {
    for (int64_t j = 0; j < keyTiles; j += 2) {
      int64_t pair = std::min<int64_t>(2, keyTiles - j);
      Value regs = nvgpu::LdMatrixOp::create(
          b, VectorType::get({2 * pair, 2}, f16), ks,
          tileIndex(ks, buffer, add(pair == 2 ? keyInPair : firstRow, 8 * j),
                    add(matrixBit0, 16 * kk)),
          /*transpose=*/false, /*numTiles=*/2 * pair);
      for (int64_t t = 0; t < pair; ++t) {
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
  // In a window (one key step from key 0) the key tiles past M are known.
  std::optional<int64_t> firstKey = getConstantIntValue(keyBase);
  std::optional<int64_t> offset = getConstantIntValue(keyOffset);
  Value tileCol = arith::AddIOp::create(b, keyOffset, t2); // in the step
  for (int64_t j = 0; j < keyTiles; ++j) {
    if (firstKey && offset && *firstKey + *offset + 8 * j >= s.m) {
      sv[j] = {minusInf, minusInf, minusInf, minusInf};
      continue;
    }
    Value col0 = arith::AddIOp::create(b, keyBase, add(tileCol, 8 * j));
    Value cols[2] = {col0, add(col0, 1)};
    for (int64_t r = 0; r < 2; ++r) {
      for (int64_t c = 0; c < 2; ++c) {
        Value x = vector::ExtractOp::create(b, acc[j], ArrayRef<int64_t>{r, c});
        x = arith::MulFOp::create(b, x, scaleV);
        if (bs) {
          // Staged: -inf outside N and M, so the bias masks the keys past
          // M as well (there, K's rows are zeros and so is x). One 8-byte
          // pair per row; LLVM cannot narrow it to the first element where
          // the second is past M (a 2-way bank conflict at 4 bytes a lane),
          // since both are used.
          if (c == 0)
            biasPair = vector::LoadOp::create(
                b, VectorType::get({2}, f32), bs,
                tileIndex(bs, buffer, r ? row1 : row0, add(tileCol, 8 * j)));
          Value bias = vector::ExtractOp::create(b, biasPair, c);
          sv[j][2 * r + c] = arith::AddFOp::create(
              b, x, arith::MulFOp::create(b, bias, log2e));
          continue;
        }
        Value keyOk = ult(cols[c], s.m);
        if (biasBuf) { // read from global memory, per element
          Value ok = arith::AndIOp::create(b, keyOk, ult(gRow[r], s.n));
          Value bias = guarded(ok, f32, [&] {
            return convert(
                memref::LoadOp::create(b, biasBuf, biasIndex(gRow[r], cols[c])),
                f32);
          });
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

std::array<Value, 2>
KernelBuilder::rowMaxima(ArrayRef<std::array<Value, 4>> sv) {
  std::array<Value, 2> maxima;
  for (int64_t r = 0; r < 2; ++r) {
    Value tileMax = minusInf;
    for (const auto &tile : sv)
      for (int64_t c = 0; c < 2; ++c)
        tileMax = arith::MaximumFOp::create(b, tileMax, tile[2 * r + c]);
    maxima[r] = quadReduce(tileMax, true);
  }
  return maxima;
}

Value KernelBuilder::shiftOf(Value max) {
  Value allMasked =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, max, minusInf);
  return arith::SelectOp::create(b, allMasked, f32c(0), max);
}

std::array<Value, 2>
KernelBuilder::exponentiate(SmallVectorImpl<std::array<Value, 4>> &sv,
                            ArrayRef<Value> shift) {
  std::array<Value, 2> sums;
  for (int64_t r = 0; r < 2; ++r) {
    Value sum = f32c(0);
    for (auto &tile : sv)
      for (int64_t c = 0; c < 2; ++c) {
        Value p = math::Exp2Op::create(
            b, arith::SubFOp::create(b, tile[2 * r + c], shift[r]));
        tile[2 * r + c] = p;
        sum = arith::AddFOp::create(b, sum, p);
      }
    sums[r] = quadReduce(sum, false);
  }
  return sums;
}

KernelBuilder::SoftmaxStep
KernelBuilder::softmaxStep(SmallVectorImpl<std::array<Value, 4>> &sv,
                           ValueRange oldMax, ValueRange oldSum) {
  SoftmaxStep step;
  std::array<Value, 2> tileMax = rowMaxima(sv);
  Value shift[2];
  for (int64_t r = 0; r < 2; ++r) {
    step.max[r] = arith::MaximumFOp::create(b, oldMax[r], tileMax[r]);
    shift[r] = shiftOf(step.max[r]);
    // exp2(-inf - finite) = 0 on the first step.
    step.corr[r] =
        math::Exp2Op::create(b, arith::SubFOp::create(b, oldMax[r], shift[r]));
  }
  std::array<Value, 2> sums = exponentiate(sv, shift);
  for (int64_t r = 0; r < 2; ++r)
    step.sum[r] = arith::AddFOp::create(
        b, arith::MulFOp::create(b, oldSum[r], step.corr[r]), sums[r]);
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
      e.push_back(convert(p[j][2 * r], f16));
      e.push_back(convert(p[j][2 * r + 1], f16));
    }
    pFrag.push_back(vector::FromElementsOp::create(b, aType, e));
  }
  return pFrag;
}

SmallVector<Value> KernelBuilder::valueFragments(int64_t kk, int64_t ct,
                                                 int64_t tiles, Value buffer) {
  // ldmatrix.trans of the staged values: matrix m's rows are keys
  // 16 kk + 8 (m % 2) + 0..7 of columns 8 (ct + m / 2) + 0..7, given by lanes
  // 8m..8m+7; transposed, lane l gets keys 2 (l % 4), +1 of column l / 4,
  // the B fragment of mma.m16n8k16.
  Value row = arith::AddIOp::create(b, add(laneRow, 16 * kk), matrixBit0);
  Value col = add(matrixBit1, 8 * ct);
  if (tiles == 1)
    col = idx(8 * ct); // x2: only lanes 0-15 give addresses
  if (warpCol)         // the warp's chunk of the staged value tile
    col = arith::AddIOp::create(b, col, warpCol);
  auto type = VectorType::get({2 * tiles, 2}, f16);
  Value regs =
      nvgpu::LdMatrixOp::create(b, type, vs, tileIndex(vs, buffer, row, col),
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
                                               ValueRange o, Value corrV,
                                               Value buffer) {
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
      for (auto [t, frag] :
           llvm::enumerate(valueFragments(kk, ct, tiles, buffer)))
        acc[ct + t] =
            nvgpu::MmaSyncOp::create(b, pFrag[kk], frag, acc[ct + t], shape);
    }
  return acc;
}

void KernelBuilder::storeOutput(ValueRange o, ValueRange sums, Value colBase) {
  // O / sum for rows inside N; a row with no unmasked key (sum 0) is 0.
  Value inv[2];
  for (int64_t r = 0; r < 2; ++r) {
    Value positive =
        arith::CmpFOp::create(b, arith::CmpFPredicate::OGT, sums[r], f32c(0));
    inv[r] = arith::SelectOp::create(
        b, positive, arith::DivFOp::create(b, f32c(1), sums[r]), f32c(0));
  }
  // Each lane holds pairs of adjacent columns (2t, 2t + 1 of a tile), in
  // one head (Dv is a multiple of 8): one 8-byte store (4 for f16) each.
  auto pairType = VectorType::get({2}, s.resultElementType);
  int64_t pairAlign = 2 * s.resultElementType.getIntOrFloatBitWidth() / 8;
  for (auto [ct, acc] : llvm::enumerate(o)) {
    auto [h, d] = headOf(colBase, add(t2, 8 * ct));
    for (int64_t r = 0; r < 2; ++r) {
      OpBuilder::InsertionGuard guard(b);
      auto ifOp = scf::IfOp::create(b, ult(gRow[r], s.n), /*withElse=*/false);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      Value x = vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{r});
      x = arith::MulFOp::create(
          b, x, vector::BroadcastOp::create(b, x.getType(), inv[r]));
      if (!s.resultElementType.isF32())
        x = arith::TruncFOp::create(b, pairType, x);
      vector::StoreOp::create(b, x, out, ValueRange{batch, h, gRow[r], d},
                              /*nontemporal=*/false,
                              llvm::MaybeAlign(pairAlign));
    }
  }
}
