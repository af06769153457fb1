//===- FusedKernelSplit.cpp - Streams whose warps split the values -------===//
//
// The streaming kernel for a value tile of several chunks (KernelShape's
// column groups): the online softmax's accumulators of a chunk fill a
// warp's registers, so the warps of a row group share 16 query rows and
// each multiplies one chunk of the staged value tile, while the step's
// scores are split among the first s.scoreWarps of them. Per key step:
//  1. the scoring warps compute their key tiles' scores and row maxima, and
//     publish the maxima in `stats`;
//  2. after a barrier every warp takes the step's maximum from them (the
//     running maxima, and so the corrections, are the same in every warp of
//     the row group); the scoring warps store exp2(score - max) in the
//     probability tile (f16) and keep a running sum of their own keys';
//  3. after a barrier every warp loads the probabilities as A fragments
//     (ldmatrix) and multiplies its chunk of the values.
// After the last step the scoring warps' sums are added up through `stats`.
// A block thus computes each step's probabilities once for every head's
// values, whatever H*Dv; the price is two barriers a step and the tile's
// round trip through shared memory. A value tile too wide for shared memory
// is staged in passes (KernelShape::valuePasses): each warp holds one
// narrower chunk's accumulators per pass, and every pass after the first
// stages its values over the last one's (two more barriers) and multiplies
// them with the same probability fragments. More chunks than a block's
// registers hold accumulators for (KernelShape::valueSets) are done in sets
// of column groups: the first set, as above, also copies each step's
// probability tile and the rows' corrections to global scratch buffers;
// every later set replays the steps from them (stage the kept tile and its
// values, O * corr + P V) without a score, a shuffle or an exp2.
//
//===----------------------------------------------------------------------===//

#include "FusedKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace uniform::fused_attention;

SmallVector<Value>
KernelBuilder::onScoringWarps(function_ref<SmallVector<Value>()> body,
                              ArrayRef<Value> otherwise) {
  if (s.scoreWarps == s.colGroups)
    return body();
  // Warp-uniform: the mma.sync and shuffles inside see whole warps.
  auto ifOp = scf::IfOp::create(b, ValueRange(otherwise).getTypes(),
                                ult(colGroup, s.scoreWarps),
                                /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  scf::YieldOp::create(b, body());
  b.setInsertionPointToStart(&ifOp.getElseRegion().front());
  scf::YieldOp::create(b, otherwise);
  return SmallVector<Value>(ifOp.getResults());
}

std::array<Value, 2>
KernelBuilder::combineAcrossColumns(ArrayRef<Value> partial, bool isMax) {
  // The lanes of a quad hold their rows' values alike: the first writes.
  Value rows[2] = {row0, row1};
  Value writes = arith::CmpIOp::create(b, arith::CmpIPredicate::eq, t2, idx(0));
  if (s.scoreWarps < s.colGroups)
    writes = arith::AndIOp::create(b, writes, ult(colGroup, s.scoreWarps));
  {
    OpBuilder::InsertionGuard guard(b);
    auto ifOp = scf::IfOp::create(b, writes, /*withElse=*/false);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    for (int64_t r = 0; r < 2; ++r)
      memref::StoreOp::create(b, partial[r], stats,
                              ValueRange{rows[r], colGroup});
  }
  gpu::BarrierOp::create(b);
  // In column order, so that every warp adds the sums alike.
  std::array<Value, 2> combined;
  for (int64_t r = 0; r < 2; ++r) {
    Value v;
    for (int64_t w = 0; w < s.scoreWarps; ++w) {
      Value x = memref::LoadOp::create(b, stats, ValueRange{rows[r], idx(w)});
      if (!v)
        v = x;
      else if (isMax)
        v = arith::MaximumFOp::create(b, v, x);
      else
        v = arith::AddFOp::create(b, v, x);
    }
    combined[r] = v;
  }
  return combined;
}

void KernelBuilder::storeProbabilities(ArrayRef<std::array<Value, 4>> p,
                                       Value keyOffset) {
  // A lane's pair of adjacent keys per row and tile: one 4-byte store. The
  // tile's padded rows put the eight rows of a request in eight groups of
  // 4 banks.
  auto pairType = VectorType::get({2}, f16);
  Value col = arith::AddIOp::create(b, keyOffset, t2);
  for (auto [j, tile] : llvm::enumerate(p))
    for (int64_t r = 0; r < 2; ++r) {
      Value pair = vector::FromElementsOp::create(
          b, pairType,
          ValueRange{convert(tile[2 * r], f16), convert(tile[2 * r + 1], f16)});
      vector::StoreOp::create(b, pair, ps,
                              ValueRange{r ? row1 : row0, add(col, 8 * j)},
                              /*nontemporal=*/false, llvm::MaybeAlign(4));
    }
}

ValueRange KernelBuilder::passAccumulators(ValueRange acc, int64_t pass) {
  int64_t tiles = s.chunk / 8;
  return acc.slice(pass * tiles, tiles);
}

void KernelBuilder::stageValuePass(Value keyBase, Value colBase, Value buffer) {
  // Everyone is done with the last pass's values: stage this pass's over
  // them.
  gpu::BarrierOp::create(b);
  stageValues(keyBase, colBase, buffer);
  commitCopies();
  waitCopies(0);
  stagingBarrier();
}

SmallVector<Value>
KernelBuilder::multiplyValuePasses(ArrayRef<Value> pFrag, ValueRange acc,
                                   Value corrV, Value keyBase, Value colBase,
                                   Value buffer) {
  SmallVector<Value> updated;
  for (int64_t pass = 0; pass < s.valuePasses; ++pass) {
    if (pass > 0)
      stageValuePass(keyBase, add(colBase, pass * s.stagedCols()), buffer);
    llvm::append_range(updated, valueProduct(pFrag, passAccumulators(acc, pass),
                                             corrV, buffer));
  }
  return updated;
}

void KernelBuilder::storeValuePasses(ValueRange acc, ArrayRef<Value> sums,
                                     Value colBase) {
  Value warpBase = arith::AddIOp::create(b, colBase, warpCol);
  for (int64_t pass = 0; pass < s.valuePasses; ++pass)
    storeOutput(passAccumulators(acc, pass), sums,
                add(warpBase, pass * s.stagedCols()));
}

void KernelBuilder::keepProbabilities(Value keyBase, ArrayRef<Value> corr) {
  // Every thread copies 16-byte units of the tile, eight rows per eight
  // threads as the staging stores them (no bank conflicts); the scratch
  // covers whole query blocks and key steps, so no copy is guarded.
  auto unitType = VectorType::get({8}, f16);
  forEachUnit(s.blockRows(), s.keyTileRows, 8, [&](Value row, Value col) {
    Value unit =
        vector::LoadOp::create(b, unitType, ps, ValueRange{row, col},
                               /*nontemporal=*/false, llvm::MaybeAlign(16));
    vector::StoreOp::create(b, unit, keptP,
                            ValueRange{batch, head,
                                       arith::AddIOp::create(b, qBase, row),
                                       arith::AddIOp::create(b, keyBase, col)},
                            /*nontemporal=*/false, llvm::MaybeAlign(16));
  });
  // The rows' corrections are alike in every warp of a row group: the
  // first lane of each quad of the first column group writes them.
  Value writes = arith::AndIOp::create(
      b, arith::CmpIOp::create(b, arith::CmpIPredicate::eq, t2, idx(0)),
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, colGroup, idx(0)));
  OpBuilder::InsertionGuard guard(b);
  auto ifOp = scf::IfOp::create(b, writes, /*withElse=*/false);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  Value step = arith::DivUIOp::create(b, keyBase, idx(s.keyTileRows));
  for (int64_t r = 0; r < 2; ++r)
    memref::StoreOp::create(b, corr[r], keptCorr,
                            ValueRange{batch, head, gRow[r], step});
}

void KernelBuilder::replayValueSets(ArrayRef<Value> sums) {
  Value zero = idx(0);
  auto setLoop = scf::ForOp::create(b, idx(1), idx(s.valueSets), idx(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(setLoop.getBody());
  Value setBase =
      arith::MulIOp::create(b, setLoop.getInductionVar(), idx(s.setCols()));
  SmallVector<Value> init(s.accumulatorTiles(), zeroAcc);
  auto keyLoop = scf::ForOp::create(b, zero, idx(s.keySteps), idx(1), init);
  {
    OpBuilder::InsertionGuard inner(b);
    b.setInsertionPointToStart(keyLoop.getBody());
    Value j = keyLoop.getInductionVar();
    Value keyBase = arith::MulIOp::create(b, j, idx(s.keyTileRows));
    // Everyone is done with the last step's (or set's) tiles: stage the
    // kept probabilities and the first pass's values over them.
    gpu::BarrierOp::create(b);
    Value always = arith::ConstantIntOp::create(b, 1, 1);
    stageVectors(
        ps, Value(), s.blockRows(), s.keyTileRows, keptP,
        [&](Value, Value) { return always; },
        [&](Value row, Value col) -> SmallVector<Value> {
          return {batch, head, arith::AddIOp::create(b, qBase, row),
                  arith::AddIOp::create(b, keyBase, col)};
        });
    stageValues(keyBase, setBase, zero);
    commitCopies();
    waitCopies(0);
    stagingBarrier();
    Value corr[2];
    for (int64_t r = 0; r < 2; ++r)
      corr[r] = memref::LoadOp::create(b, keptCorr,
                                       ValueRange{batch, head, gRow[r], j});
    SmallVector<Value> pFrag = rowFragments(ps, s.keyTileRows);
    Value corrV = correctionVector(corr);
    scf::YieldOp::create(b,
                         multiplyValuePasses(pFrag, keyLoop.getRegionIterArgs(),
                                             corrV, keyBase, setBase, zero));
  }
  storeValuePasses(keyLoop.getResults(), sums, setBase);
}

void KernelBuilder::buildSplitStreamingKernel() {
  int64_t warpTiles = s.keyTileRows / 8 / s.scoreWarps;
  // A scoring warp's keys within the step.
  Value keyOffset = arith::MulIOp::create(b, colGroup, idx(8 * warpTiles));
  SmallVector<Value> qFrag = beginStream(idx(0));
  // The carried sums are the scoring warp's share of the rows' sums.
  auto step = [&](Value keyBase, Value buffer, ValueRange carried) {
    // 1. Scores and their maxima.
    SmallVector<Value> scored = onScoringWarps(
        [&] {
          SmallVector<std::array<Value, 4>> sv =
              scores(s.reloadQuery ? queryFragments() : qFrag, keyBase, buffer,
                     keyOffset, warpTiles);
          std::array<Value, 2> maxima = rowMaxima(sv);
          SmallVector<Value> flat;
          for (const auto &tile : sv)
            flat.append(tile.begin(), tile.end());
          flat.append(maxima.begin(), maxima.end());
          return flat;
        },
        SmallVector<Value>(4 * warpTiles + 2, minusInf));
    SmallVector<std::array<Value, 4>> sv(warpTiles);
    for (int64_t t = 0; t < warpTiles; ++t)
      for (int64_t e = 0; e < 4; ++e)
        sv[t][e] = scored[4 * t + e];
    std::array<Value, 2> stepMax = combineAcrossColumns(
        ArrayRef<Value>(scored).take_back(2), /*isMax=*/true);

    // 2. The statistics and the probability tile.
    Value max[2], shift[2], corr[2];
    for (int64_t r = 0; r < 2; ++r) {
      max[r] = arith::MaximumFOp::create(b, carried[r], stepMax[r]);
      shift[r] = shiftOf(max[r]);
      corr[r] = math::Exp2Op::create(
          b, arith::SubFOp::create(b, carried[r], shift[r]));
    }
    Value noSum = f32c(0);
    SmallVector<Value> sums = onScoringWarps(
        [&] {
          std::array<Value, 2> rowSums = exponentiate(sv, shift);
          storeProbabilities(sv, keyOffset);
          return SmallVector<Value>(rowSums.begin(), rowSums.end());
        },
        {noSum, noSum});
    SmallVector<Value> yields = {max[0], max[1]};
    for (int64_t r = 0; r < 2; ++r)
      yields.push_back(arith::AddFOp::create(
          b, arith::MulFOp::create(b, carried[2 + r], corr[r]), sums[r]));
    if (s.buffers == 1) // V's group
      waitCopies(0);
    gpu::BarrierOp::create(b);

    // 3. Every warp's chunk of P V, pass by pass (the first set's, with
    // value sets, which keeps P and the corrections for the others).
    if (s.valueSets > 1)
      keepProbabilities(keyBase, corr);
    SmallVector<Value> pFrag = rowFragments(ps, s.keyTileRows);
    Value corrV = correctionVector(corr);
    llvm::append_range(yields,
                       multiplyValuePasses(pFrag, carried.drop_front(4), corrV,
                                           keyBase, idx(0), buffer));
    return yields;
  };
  ValueRange results = buildKeyLoop(idx(0), step).getResults();
  // Every warp read `stats` before the last step's second barrier: the sums
  // may take it over.
  std::array<Value, 2> sums =
      combineAcrossColumns({results[2], results[3]}, /*isMax=*/false);
  storeValuePasses(results.drop_front(4), sums, idx(0));
  if (s.valueSets > 1)
    replayValueSets(sums);
}
