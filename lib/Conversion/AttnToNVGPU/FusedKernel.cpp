//===- FusedKernel.cpp - The fused attention kernel's builder -------------===//
//
// KernelBuilder (FusedKernel.h) emits the kernel that AttnToNVGPU.cpp's file
// comment describes. This file holds the block's set-up, the staging of Q,
// K, V and the bias in shared memory, and the two drivers:
// buildWindowKernel for one key step (the value chunks loop in the block,
// the next chunk copied while the warps multiply this one), and
// buildStreamingKernel for the online softmax over several (the next key
// step copied while the warps compute this one) with one chunk per block.
// FusedKernelSplit.cpp holds the stream of column groups,
// FusedKernelMath.cpp the warps' arithmetic.
//
// The copies of Q, K and V (f16) are cp.async groups: every thread commits
// the same groups in the same order, so `cp.async.wait_group N` followed by
// a block barrier means that all but the newest N groups of every thread
// have landed.
//
//===----------------------------------------------------------------------===//

#include "FusedKernel.h"

#include "uniform/Conversion/AttnToNVGPU.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

#include <limits>

using namespace mlir;
using namespace uniform::fused_attention;

KernelBuilder::KernelBuilder(ImplicitLocOpBuilder &b, const KernelShape &s,
                             float scale, SymbolTable &symbols,
                             Mutation mutation)
    : b(b), s(s), scale(scale), symbols(symbols), mutation(mutation),
      f16(b.getF16Type()), f32(b.getF32Type()),
      aType(VectorType::get({4, 2}, f16)), bType(VectorType::get({2, 2}, f16)),
      cType(VectorType::get({2, 2}, f32)) {}

//===----------------------------------------------------------------------===//
// Small builders and indexing
//===----------------------------------------------------------------------===//

Value KernelBuilder::idx(int64_t v) {
  return arith::ConstantIndexOp::create(b, v);
}

Value KernelBuilder::f32c(double v) {
  return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
}

Value KernelBuilder::add(Value a, int64_t c) {
  return arith::AddIOp::create(b, a, idx(c));
}

Value KernelBuilder::ult(Value a, int64_t c) {
  return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, a, idx(c));
}

Value KernelBuilder::buffer(Value tensor) {
  auto t = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, MemRefType::get(t.getShape(), t.getElementType()), tensor,
      /*readOnly=*/true);
}

Value KernelBuilder::guarded(Value cond, Type type, function_ref<Value()> make,
                             double fill) {
  auto ifOp = scf::IfOp::create(b, TypeRange{type}, cond, /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  scf::YieldOp::create(b, make());
  b.setInsertionPointToStart(&ifOp.getElseRegion().front());
  auto element = cast<FloatType>(getElementTypeOrSelf(type));
  TypedAttr value = b.getFloatAttr(element, fill);
  if (auto vector = dyn_cast<VectorType>(type))
    value = DenseElementsAttr::get(vector, value);
  scf::YieldOp::create(b, arith::ConstantOp::create(b, value).getResult());
  return ifOp.getResult(0);
}

SmallVector<Value> KernelBuilder::tileIndex(Value tile, Value buffer, Value row,
                                            Value col) {
  if (cast<MemRefType>(tile.getType()).getRank() == 3)
    return {buffer, row, col};
  return {row, col};
}

Value KernelBuilder::keyValid(Value keyBase, Value row) {
  return ult(arith::AddIOp::create(b, keyBase, row), s.m);
}

Value KernelBuilder::inKeyWidth(Value valid, Value col) {
  if (s.dkTile == s.dk)
    return valid;
  return arith::AndIOp::create(b, valid, ult(col, s.dk));
}

//===----------------------------------------------------------------------===//
// Set-up
//===----------------------------------------------------------------------===//

SmallVector<memref::GlobalOp> KernelBuilder::createSharedTiles() {
  // Shared memory as workgroup globals (kernel outlining moves them into the
  // GPU module): workgroup attributions would not survive buffer
  // deallocation, which adds ownership arguments to the launch's block.
  // Tiles that change during a block (window: V; streaming: K, V and the
  // bias) get s.buffers copies along a leading dimension when that is 2.
  auto shared =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto tileType = [&](int64_t rows, int64_t cols, Type element, bool perStep) {
    SmallVector<int64_t> shape = {rows, cols};
    if (perStep && s.buffers > 1)
      shape.insert(shape.begin(), s.buffers);
    return MemRefType::get(shape, element, MemRefLayoutAttrInterface(), shared);
  };
  bool streaming = s.keySteps > 1;
  int64_t rows = s.blockRows();
  SmallVector<MemRefType> types = {
      tileType(rows, s.dkTile + tilePad(s.dkTile), f16, false),
      tileType(s.keyTileRows, s.dkTile + tilePad(s.dkTile), f16, streaming),
      tileType(s.keyTileRows, s.stagedCols() + tilePad(s.stagedCols()), f16,
               true)};
  SmallVector<const char *> names = {"q", "k", "v"};
  if (s.stageBias) {
    types.push_back(tileType(rows, s.keyTileRows + biasTilePad(s.keyTileRows),
                             f32, streaming));
    names.push_back("bias");
  }
  if (s.sharesProbabilities()) {
    // The step's probabilities (f16, padded as Q's rows are) and one
    // statistic per row and column group.
    types.push_back(
        tileType(rows, s.keyTileRows + tilePad(s.keyTileRows), f16, false));
    types.push_back(tileType(rows, statsCols(s.colGroups), f32, false));
    names.append({"p", "stats"});
  }
  // Created with `b`, so that the rewriter's listener sees them.
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&symbols.getOp()->getRegion(0).front());
  SmallVector<memref::GlobalOp> globals;
  for (size_t i = 0; i < types.size(); ++i) {
    auto global = memref::GlobalOp::create(
        b, (uniform::kFusedAttentionTilePrefix + names[i]).str(),
        b.getStringAttr("private"), types[i], /*initial_value=*/Attribute(),
        /*constant=*/false, /*alignment=*/b.getI64IntegerAttr(16));
    symbols.insert(global); // uniques the name
    globals.push_back(global);
  }
  return globals;
}

Value KernelBuilder::setUpBlock(gpu::LaunchOp launch,
                                MutableArrayRef<memref::GlobalOp> globals) {
  SmallVector<Value> smem;
  for (memref::GlobalOp global : globals)
    smem.push_back(
        memref::GetGlobalOp::create(b, global.getType(), global.getSymName()));
  qs = smem[0], ks = smem[1], vs = smem[2];
  size_t next = 3;
  bs = s.stageBias ? smem[next++] : Value();
  if (s.sharesProbabilities())
    ps = smem[next], stats = smem[next + 1];
  Value x = launch.getBlockIds().x, y = launch.getBlockIds().y,
        z = launch.getBlockIds().z;
  if (s.linearGrid) {
    z = arith::RemUIOp::create(b, x, idx(s.grid[2]));
    Value rest = arith::DivUIOp::create(b, x, idx(s.grid[2]));
    y = arith::RemUIOp::create(b, rest, idx(s.grid[1]));
    x = arith::DivUIOp::create(b, rest, idx(s.grid[1]));
  }
  batch = x;
  qBase = arith::MulIOp::create(b, y, idx(s.blockRows()));
  Value colBase = idx(0);
  head = z;
  if (s.chunksOnGrid) {
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
      b,
      arith::RemUIOp::create(b, arith::DivUIOp::create(b, lane, idx(8)),
                             idx(2)),
      idx(8));
  matrixBit1 = arith::MulIOp::create(
      b, arith::DivUIOp::create(b, lane, idx(16)), idx(8));
  // Warp w is column group w % colGroups of row group w / colGroups.
  Value rowGroup = arith::DivUIOp::create(b, tid, idx(32));
  if (s.sharesProbabilities()) {
    colGroup = arith::RemUIOp::create(b, rowGroup, idx(s.colGroups));
    warpCol = arith::MulIOp::create(b, colGroup, idx(s.chunk));
    rowGroup = arith::DivUIOp::create(b, rowGroup, idx(s.colGroups));
  }
  g = arith::DivUIOp::create(b, lane, idx(4));
  t2 =
      arith::MulIOp::create(b, arith::RemUIOp::create(b, lane, idx(4)), idx(2));
  row0 = arith::AddIOp::create(b, arith::MulIOp::create(b, rowGroup, idx(16)),
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

SmallVector<Value> KernelBuilder::rowIndex(Value base, Value row, Value col) {
  SmallVector<Value> ix = {batch};
  if (!s.reuse)
    ix.push_back(head);
  ix.append({arith::AddIOp::create(b, base, row), col});
  return ix;
}

//===----------------------------------------------------------------------===//
// Staging
//===----------------------------------------------------------------------===//

void KernelBuilder::forEachUnit(int64_t rows, int64_t cols, int64_t unit,
                                function_ref<void(Value, Value)> body) {
  int64_t units = cols / unit, threads = 32 * s.warps;
  // 16-byte f16 units: eight threads in a row take one unit of eight rows.
  // The padded rows are an odd number of 16-byte units long (tilePad), so
  // those eight stores fall in eight different groups of 4 banks: no bank
  // conflicts, in whatever phases the hardware splits a warp's 16-byte
  // stores into (row by row, a row of 6 units and the next row's first two
  // would share groups). A warp still reads whole 32-byte sectors.
  int64_t run = unit == 8 && rows % 8 == 0 ? 8 : 1;
  // Thread t's first unit is (row, col) of the index t; the index t + k
  // threads is the same column `rowStep` k rows down where a block's
  // threads cover whole runs: a loop over rows, no division in it.
  auto split = [&](Value i) -> std::pair<Value, Value> {
    Value inRun = arith::RemUIOp::create(b, i, idx(run * units));
    Value row = arith::AddIOp::create(
        b,
        arith::MulIOp::create(b, arith::DivUIOp::create(b, i, idx(run * units)),
                              idx(run)),
        arith::RemUIOp::create(b, inRun, idx(run)));
    Value col = arith::MulIOp::create(
        b, arith::DivUIOp::create(b, inRun, idx(run)), idx(unit));
    return {row, col};
  };
  // Rows of 16 single elements: a warp's two rows (2k, 2k + 1) become
  // (4a, 4a + 2) or (4a + 1, 4a + 3), bits 0 and 1 of the row swapped. The
  // staged bias's rows are 8 banks past a multiple of 32 (biasTilePad), so
  // two adjacent rows of 16 floats share 8 banks and rows two apart none.
  // Any permutation of the rows stages every row once.
  auto interleave = [&](Value row) -> Value {
    if (unit != 1 || units != 16 || rows % 4 != 0)
      return row;
    Value low = arith::RemUIOp::create(b, row, idx(4));
    Value swapped = arith::AddIOp::create(
        b,
        arith::MulIOp::create(b, arith::RemUIOp::create(b, low, idx(2)),
                              idx(2)),
        arith::DivUIOp::create(b, low, idx(2)));
    return arith::AddIOp::create(b, arith::SubIOp::create(b, row, low),
                                 swapped);
  };
  OpBuilder::InsertionGuard guard(b);
  if (threads % (run * units) == 0) {
    auto [first, col] = split(tid);
    int64_t rowStep = threads / units;
    scf::ForOp loop = scf::ForOp::create(b, first, idx(rows), idx(rowStep));
    b.setInsertionPointToStart(loop.getBody());
    body(interleave(loop.getInductionVar()), col);
    return;
  }
  scf::ForOp loop = scf::ForOp::create(b, tid, idx(rows * units), idx(threads));
  b.setInsertionPointToStart(loop.getBody());
  auto [row, col] = split(loop.getInductionVar());
  body(interleave(row), col);
}

Value KernelBuilder::convert(Value v, Type element) {
  Type from = getElementTypeOrSelf(v.getType());
  if (from == element)
    return v;
  Type to = v.getType();
  if (auto vector = dyn_cast<VectorType>(to))
    to = vector.clone(element);
  else
    to = element;
  if (element.getIntOrFloatBitWidth() > from.getIntOrFloatBitWidth())
    return arith::ExtFOp::create(b, to, v);
  return arith::TruncFOp::create(b, to, v);
}

void KernelBuilder::stage(Value tile, Value buffer, int64_t rows, int64_t cols,
                          int64_t unit, bool contiguousUnits, Value source,
                          ValueFn valid, IndexFn index, double fill) {
  Type element = cast<MemRefType>(tile.getType()).getElementType();
  Type sourceElement = cast<MemRefType>(source.getType()).getElementType();
  auto unitType = VectorType::get({unit}, element);
  // Alignment of a unit in bytes: row offsets are multiples of the unit
  // (Dk, Dv, M and the chunk are), and buffers start 256-byte aligned.
  auto unitBytes = [&](Type t) {
    return llvm::MaybeAlign(
        std::min<int64_t>(16, unit * t.getIntOrFloatBitWidth() / 8));
  };
  auto loadElement = [&](Value row, Value col) {
    return guarded(
        valid(row, col), element,
        [&] {
          return convert(memref::LoadOp::create(b, source, index(row, col)),
                         element);
        },
        fill);
  };
  forEachUnit(rows, cols, unit, [&](Value row, Value col) {
    SmallVector<Value> dst = tileIndex(tile, buffer, row, col);
    if (unit == 1) {
      memref::StoreOp::create(b, loadElement(row, col), tile, dst);
      return;
    }
    Value v;
    if (contiguousUnits) {
      // One aligned vector load; `valid` holds for all of a unit or none.
      v = guarded(
          valid(row, col), unitType,
          [&] {
            return convert(vector::LoadOp::create(
                               b, VectorType::get({unit}, sourceElement),
                               source, index(row, col), /*nontemporal=*/false,
                               unitBytes(sourceElement)),
                           element);
          },
          fill);
    } else {
      SmallVector<Value> elements;
      for (int64_t e = 0; e < unit; ++e)
        elements.push_back(loadElement(row, e ? add(col, e) : col));
      v = vector::FromElementsOp::create(b, unitType, elements);
    }
    vector::StoreOp::create(b, v, tile, dst, /*nontemporal=*/false,
                            unitBytes(element));
  });
}

void KernelBuilder::stageVectors(Value tile, Value buffer, int64_t rows,
                                 int64_t cols, Value source, ValueFn valid,
                                 IndexFn index) {
  constexpr int64_t kUnit = 8; // f16: 16 bytes
  forEachUnit(rows, cols, kUnit, [&](Value row, Value col) {
    // Outside N, M or Dk: copy no bytes (the 16 are zero-filled) from
    // element (0, 0) of the step, which exists.
    Value ok = valid(row, col);
    Value zero = idx(0);
    Value srcRow = arith::SelectOp::create(b, ok, row, zero);
    Value srcCol = arith::SelectOp::create(b, ok, col, zero);
    Value bytes = arith::SelectOp::create(b, ok, idx(kUnit), zero);
    nvgpu::DeviceAsyncCopyOp::create(
        b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tile,
        tileIndex(tile, buffer, row, col), source, index(srcRow, srcCol),
        b.getIndexAttr(kUnit), bytes, /*bypassL1=*/b.getUnitAttr());
  });
}

// The groups are NVVM's ops: the copies are issued in loops, and
// nvgpu.device_async_create_group needs their tokens (with none it does
// not parse back).
void KernelBuilder::commitCopies() { NVVM::CpAsyncCommitGroupOp::create(b); }

void KernelBuilder::waitCopies(int32_t pending) {
  NVVM::CpAsyncWaitGroupOp::create(b, pending);
}

void KernelBuilder::stageQuery() {
  auto valid = [&](Value row, Value col) {
    return inKeyWidth(ult(arith::AddIOp::create(b, qBase, row), s.n), col);
  };
  auto index = [&](Value row, Value col) { return rowIndex(qBase, row, col); };
  if (s.vectorKeyWidth)
    stageVectors(qs, Value(), s.blockRows(), s.dkTile, qBuf, valid, index);
  else
    stage(qs, Value(), s.blockRows(), s.dkTile, /*unit=*/1,
          /*contiguousUnits=*/false, qBuf, valid, index);
}

void KernelBuilder::stageKeys(Value keyBase, Value buffer) {
  auto valid = [&](Value row, Value col) {
    return inKeyWidth(keyValid(keyBase, row), col);
  };
  auto index = [&](Value row, Value col) {
    return rowIndex(keyBase, row, col);
  };
  if (s.vectorKeyWidth)
    stageVectors(ks, buffer, s.keyTileRows, s.dkTile, kBuf, valid, index);
  else
    stage(ks, buffer, s.keyTileRows, s.dkTile, /*unit=*/1,
          /*contiguousUnits=*/false, kBuf, valid, index);
}

void KernelBuilder::stageBias(Value keyBase, Value buffer) {
  if (!bs)
    return;
  // Where the bias has M even, unbroadcast columns, pairs of columns: one
  // 8-byte load and one 8-byte store, so that a warp's 256 bytes take the
  // two wavefronts they need on the padded rows (with single floats, the
  // two rows of a 16-key tile that one warp writes conflict). Else single
  // floats: pairs loaded one by one would halve the loads' coalescing.
  auto biasType = cast<RankedTensorType>(s.bias.getType());
  bool pairs = biasType.getShape().back() == s.m && s.m % 2 == 0;
  stage(
      bs, buffer, s.blockRows(), s.keyTileRows, /*unit=*/pairs ? 2 : 1,
      /*contiguousUnits=*/pairs, biasBuf,
      [&](Value row, Value col) {
        return arith::AndIOp::create(
            b, ult(arith::AddIOp::create(b, qBase, row), s.n),
            keyValid(keyBase, col));
      },
      [&](Value row, Value col) {
        return biasIndex(arith::AddIOp::create(b, qBase, row),
                         arith::AddIOp::create(b, keyBase, col));
      },
      /*fill=*/-std::numeric_limits<double>::infinity());
}

void KernelBuilder::stageValues(Value keyBase, Value colBase, Value buffer) {
  // A unit of 8 columns lies in one head: Dv and the chunk are multiples
  // of 8.
  stageVectors(
      vs, buffer, s.keyTileRows, s.stagedCols(), vBuf,
      [&](Value row, Value) { return keyValid(keyBase, row); },
      [&](Value row, Value col) -> SmallVector<Value> {
        auto [h, d] = headOf(colBase, col);
        return {batch, h, arith::AddIOp::create(b, keyBase, row), d};
      });
}

void KernelBuilder::stageStep(Value keyBase, Value colBase, Value buffer) {
  stageKeys(keyBase, buffer);
  stageValues(keyBase, colBase, buffer);
  stageBias(keyBase, buffer);
}

void KernelBuilder::stagingBarrier() {
  if (mutation != Mutation::DropStagingBarrier)
    gpu::BarrierOp::create(b);
}

//===----------------------------------------------------------------------===//
// Drivers
//===----------------------------------------------------------------------===//

void KernelBuilder::buildWindowKernel() {
  // All keys in one step: the softmax is final after it, so the block
  // computes its probability tile once and applies it to every chunk of the
  // value tile in turn (every head's values, for attn.reuse). Groups: Q and
  // K, then the first chunk's values, in flight during the scores.
  Value zero = idx(0);
  stageQuery();
  stageKeys(zero, zero);
  commitCopies();
  stageValues(zero, zero, zero);
  commitCopies();
  stageBias(zero, zero);
  waitCopies(1);
  stagingBarrier();
  SmallVector<std::array<Value, 4>> sv = scores(
      queryFragments(), zero, zero, zero, /*keyTiles=*/s.keyTileRows / 8);
  Value noMax[2] = {minusInf, minusInf}, noSum[2] = {f32c(0), f32c(0)};
  SoftmaxStep step = softmaxStep(sv, noMax, noSum);
  SmallVector<Value> pFrag = probabilityFragments(sv);

  auto chunkLoop = scf::ForOp::create(b, zero, idx(s.chunks), idx(1));
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(chunkLoop.getBody());
  Value i = chunkLoop.getInductionVar();
  Value colBase = arith::MulIOp::create(b, i, idx(s.chunk));
  Value next = add(i, 1);
  Value buffer = zero;
  if (s.buffers == 2) {
    // Chunk i landed (everyone's copies, after the barrier), and everyone
    // is done with chunk i - 1: copy chunk i + 1 over it.
    buffer = arith::RemUIOp::create(b, i, idx(2));
    waitCopies(0);
    gpu::BarrierOp::create(b);
    auto ifOp = scf::IfOp::create(b, ult(next, s.chunks), /*withElse=*/false);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      stageValues(zero, arith::MulIOp::create(b, next, idx(s.chunk)),
                  arith::RemUIOp::create(b, next, idx(2)));
    }
    commitCopies();
  } else if (s.chunks == 1) {
    waitCopies(0);
    gpu::BarrierOp::create(b);
  } else {
    // One copy: chunk i > 0 replaces chunk i - 1 once everyone is done.
    auto ifOp = scf::IfOp::create(
        b, arith::CmpIOp::create(b, arith::CmpIPredicate::ugt, i, zero),
        /*withElse=*/false);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      gpu::BarrierOp::create(b);
      stageValues(zero, colBase, zero);
      commitCopies();
    }
    waitCopies(0);
    gpu::BarrierOp::create(b);
  }
  SmallVector<Value> o(s.chunk / 8, zeroAcc);
  storeOutput(valueProduct(pFrag, o, /*corrV=*/Value(), buffer), step.sum,
              colBase);
}

SmallVector<Value> KernelBuilder::beginStream(Value colBase) {
  // Q and, with two copies, the first step as the first groups.
  Value zero = idx(0);
  bool doubled = s.buffers == 2;
  stageQuery();
  commitCopies();
  if (doubled) {
    stageStep(zero, colBase, zero);
    commitCopies();
  }
  waitCopies(doubled ? 1 : 0);
  gpu::BarrierOp::create(b);
  // Q's fragments stay in registers across the steps, or, for wide keys
  // (s.reloadQuery), are loaded again at each step.
  if (s.reloadQuery)
    return {};
  return queryFragments();
}

Value KernelBuilder::beginKeyStep(Value j, Value keyBase, Value colBase) {
  Value zero = idx(0);
  if (s.buffers == 2) {
    // Step j landed, and everyone is done with step j - 1: copy step j + 1
    // over it while the warps compute step j.
    waitCopies(0);
    stagingBarrier();
    Value next = add(j, 1);
    auto ifOp = scf::IfOp::create(b, ult(next, s.keySteps), /*withElse=*/false);
    {
      OpBuilder::InsertionGuard inner(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      stageStep(arith::MulIOp::create(b, next, idx(s.keyTileRows)), colBase,
                arith::RemUIOp::create(b, next, idx(2)));
    }
    commitCopies();
    return arith::RemUIOp::create(b, j, idx(2));
  }
  // One copy, after everyone is done with the previous step's: K (with the
  // bias) and V as two groups, V in flight during the scores.
  gpu::BarrierOp::create(b);
  stageKeys(keyBase, zero);
  stageBias(keyBase, zero);
  commitCopies();
  stageValues(keyBase, colBase, zero);
  commitCopies();
  waitCopies(1);
  stagingBarrier();
  return zero;
}

Value KernelBuilder::correctionVector(ArrayRef<Value> corr) {
  return vector::FromElementsOp::create(
      b, cType, ValueRange{corr[0], corr[0], corr[1], corr[1]});
}

scf::ForOp KernelBuilder::buildKeyLoop(Value colBase, KeyStepFn step) {
  // Carried: the running maxima and sums of the lane's two rows, then the
  // output accumulators.
  SmallVector<Value> init = {minusInf, minusInf, f32c(0), f32c(0)};
  init.append(s.accumulatorTiles(), zeroAcc);
  auto keyLoop = scf::ForOp::create(b, idx(0), idx(s.keySteps), idx(1), init);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(keyLoop.getBody());
  Value j = keyLoop.getInductionVar();
  Value keyBase = arith::MulIOp::create(b, j, idx(s.keyTileRows));
  Value buffer = beginKeyStep(j, keyBase, colBase);
  scf::YieldOp::create(b, step(keyBase, buffer, keyLoop.getRegionIterArgs()));
  return keyLoop;
}

void KernelBuilder::buildStreamingKernel(Value colBase) {
  // The online softmax over key steps: running row maximum and sum (two
  // rows per lane), and the output accumulators, rescaled at each step. The
  // block does one chunk of the value tile (grid z).
  SmallVector<Value> qFrag = beginStream(colBase);
  auto step = [&](Value keyBase, Value buffer, ValueRange carried) {
    SmallVector<std::array<Value, 4>> sv =
        scores(s.reloadQuery ? queryFragments() : qFrag, keyBase, buffer,
               idx(0), /*keyTiles=*/s.keyTileRows / 8);
    SoftmaxStep softmax =
        softmaxStep(sv, carried.take_front(2), carried.slice(2, 2));
    if (s.buffers == 1) { // V's group
      waitCopies(0);
      gpu::BarrierOp::create(b);
    }
    SmallVector<Value> o =
        valueProduct(probabilityFragments(sv), carried.drop_front(4),
                     correctionVector(softmax.corr), buffer);
    SmallVector<Value> yields = {softmax.max[0], softmax.max[1], softmax.sum[0],
                                 softmax.sum[1]};
    yields.append(o.begin(), o.end());
    return yields;
  };
  ValueRange results = buildKeyLoop(colBase, step).getResults();
  storeOutput(results.drop_front(4), results.slice(2, 2), colBase);
}

Value KernelBuilder::build(Value query, Value key, Value value,
                           RankedTensorType resultType) {
  qBuf = buffer(query), kBuf = buffer(key), vBuf = buffer(value);
  biasBuf = s.bias ? buffer(s.bias) : Value();
  out = memref::AllocOp::create(
      b, MemRefType::get(resultType.getShape(), resultType.getElementType()));
  if (s.valueSets > 1) {
    // Indexed by image and (attn.mha) head, as the blocks are.
    int64_t heads = s.reuse ? 1 : s.heads;
    int64_t rows = s.queryBlocks * s.blockRows();
    keptP = memref::AllocOp::create(
        b, MemRefType::get({s.batch, heads, rows, s.keySteps * s.keyTileRows},
                           f16));
    keptCorr = memref::AllocOp::create(
        b, MemRefType::get({s.batch, heads, rows, s.keySteps}, f32));
  }
  SmallVector<memref::GlobalOp> globals = createSharedTiles();
  // One step over the keys: the chunks of the value tile loop in the block.
  // Several: each column group of warps does one chunk (its accumulators
  // stay in registers across the steps), or, where they do not fit, each
  // block.
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
    Value colBase = setUpBlock(launch, globals);
    if (window)
      buildWindowKernel();
    else if (s.sharesProbabilities())
      buildSplitStreamingKernel();
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
