//===- GpuContractionKernel.cpp - The tensor-core contraction kernel ------===//
//
// The kernel of uniform-gpu-tensor-core-contractions. A block computes a
// 16 rowWarps x 8 warpTiles colWarps tile of the result (rows: the M
// dimensions in order, flattened; columns: N) for one batch index. Per step
// of kTile along K every thread stages elements of the A tile (rows x K)
// and of the B tile (K x columns) into shared memory as f16 or bf16, each
// element
// computed by the contraction body's prologue for its side from the
// operands' buffers (zero outside M, N and K); after a barrier each warp
// loads its A fragments with ldmatrix.x4 and its B fragments with
// ldmatrix.x4.trans and issues mma.sync.m16n8k16 into f32 accumulators.
// Both tiles are padded by 8 columns: the eight rows an ldmatrix matrix
// spans fall in eight different groups of four banks. The store adds the
// initial value (the fill, the init op's body evaluated at the element, or
// the init tensor) and runs the epilogue ops' bodies on each element before
// writing each of its outputs once.
//
//===----------------------------------------------------------------------===//

#include "GpuContractionKernel.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/IRMapping.h"

#include <climits>

using namespace mlir;
using uniform::TensorCoreContraction;
using uniform::detail::ContractionTiles;

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

FailureOr<ContractionTiles>
uniform::detail::chooseContractionTiles(const TensorCoreContraction &c) {
  ContractionTiles t;
  t.warpTiles = c.n >= 32 ? 4 : 2;
  t.colWarps = std::min<int64_t>(4, ceilDiv(c.n, 8 * t.warpTiles));
  t.rowWarps = std::min<int64_t>(4 / t.colWarps, ceilDiv(c.m, 16));
  t.kTile = c.k >= 32 && t.blockCols() < 128 ? 32 : 16;
  t.grid[0] = ceilDiv(c.n, t.blockCols());
  t.grid[1] = ceilDiv(c.m, t.blockRows());
  t.grid[2] = c.batch;
  if (t.grid[0] > INT_MAX || t.grid[1] > 65535 || t.grid[2] > 65535)
    return failure();
  return t;
}

namespace {
class ContractionKernelBuilder {
public:
  ContractionKernelBuilder(ImplicitLocOpBuilder &b,
                           const TensorCoreContraction &c,
                           const ContractionTiles &t, SymbolTable &symbols,
                           FloatType operand)
      : b(b), c(c), t(t), symbols(symbols), operand(operand),
        f32(b.getF32Type()), ranges(this->c.op.getStaticLoopRanges()) {}

  SmallVector<Value> build();

private:
  // Set-up.
  SmallVector<memref::GlobalOp> createSharedTiles();
  void setUpBlock(gpu::LaunchOp launch,
                  MutableArrayRef<memref::GlobalOp> globals);
  /// The buffer of `tensor`, made once, before the launch.
  Value bufferOf(Value tensor);

  // Evaluating the linalg bodies at loop indices `ivs` (one per loop of the
  // contraction; the init and epilogue ops' loops are its first ones).
  /// Sets ivs of `dims` (row-major, the last fastest) from their flattened
  /// index `linear`.
  void delinearize(SmallVectorImpl<Value> &ivs, Value linear,
                   ArrayRef<unsigned> dims);
  /// Sets ivs of the row dimensions from the flattened row `m`.
  void setRows(SmallVectorImpl<Value> &ivs, Value m) {
    delinearize(ivs, m, c.rowDims);
  }
  /// The indices `map` gives at loop indices `ivs`.
  SmallVector<Value> indices(AffineMap map, ArrayRef<Value> ivs);
  Value load(linalg::GenericOp g, OpOperand *operand, ArrayRef<Value> ivs);
  /// `root` of `g`'s body from `ops` (its slice, in body order), each block
  /// argument not in `mapping` loaded from its operand at its indices. With
  /// `width` > 1, for `width` consecutive indices of loop `vectorDim`
  /// (from ivs[vectorDim]): operands that read it are loaded as vectors,
  /// the others broadcast, and the ops computed on vectors.
  Value evaluate(linalg::GenericOp g, ArrayRef<Operation *> ops, Value root,
                 ArrayRef<Value> ivs, IRMapping &mapping, int64_t width = 1,
                 unsigned vectorDim = 0);
  /// The operands of the contraction that the slice `ops` of `root` reads.
  SmallVector<OpOperand *> operandsRead(ArrayRef<Operation *> ops, Value root);
  /// Whether the widest operand `root`'s slice reads has `dim` innermost:
  /// then threads walk that dimension of the tile, for coalesced reads.
  bool innermostIs(ArrayRef<Operation *> ops, Value root, unsigned dim);
  /// The elements one thread stages at once along loop `dim` (the tile's
  /// columns): 4 (16 bytes of f32) where every operand the slice reads
  /// along `dim` has it innermost, its extent is a multiple of 4 and every
  /// op is elementwise, else 1.
  int64_t vectorWidth(ArrayRef<Operation *> ops, Value root, unsigned dim);

  // Staging.
  /// Runs `body(row, col)` for every unit of `unit` elements along the
  /// columns of a rows x cols tile, spread over the block's threads: row
  /// by row, or with `runs` (rows a multiple of 8) each eight threads in a
  /// row taking one column of eight rows. The tiles' rows are 4 banks past
  /// a multiple of 8, so those eight rows fall in different banks.
  void forEachUnit(int64_t rows, int64_t cols, int64_t unit, bool runs,
                   function_ref<void(Value, Value)> body);
  void stageA(Value kBase);
  void stageB(Value kBase);
  /// One unit of a staged tile: `side` (computed by `ops`) at `ivs`,
  /// `width` elements along `walkDim`, in the operands' type; zeros where
  /// `valid` fails.
  Value stageUnit(ArrayRef<Operation *> ops, Value side, ArrayRef<Value> ivs,
                  Value valid, int64_t width, unsigned walkDim);

  // Arithmetic and the store.
  SmallVector<Value> multiply(ValueRange acc);
  /// acc + a * b on the tensor cores (mma.sync.m16n8k16): nvgpu.mma.sync
  /// for f16; for bf16, which the NVGPU lowering does not type, the NVVM
  /// op on the fragments' 32-bit registers.
  Value mma(Value a, Value bFrag, Value acc);
  /// init + sum, then the epilogue, for the element at `ivs`: the value of
  /// each output.
  SmallVector<Value> finish(Value sum, ArrayRef<Value> ivs);
  void store(ValueRange acc);

  // Small builders.
  Value idx(int64_t v) { return arith::ConstantIndexOp::create(b, v); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value add(Value x, int64_t y) { return add(x, idx(y)); }
  Value mul(Value x, int64_t y) { return arith::MulIOp::create(b, x, idx(y)); }
  Value div(Value x, int64_t y) { return arith::DivUIOp::create(b, x, idx(y)); }
  Value rem(Value x, int64_t y) { return arith::RemUIOp::create(b, x, idx(y)); }
  Value ult(Value x, int64_t y) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, idx(y));
  }
  /// `v` (a float or a vector of them) as the tiles' element type.
  Value toOperand(Value v) {
    auto vector = dyn_cast<VectorType>(v.getType());
    auto like = [&](Type element) -> Type {
      return vector ? VectorType::get(vector.getShape(), element) : element;
    };
    Type from = getElementTypeOrSelf(v.getType());
    if (from == operand)
      return v;
    // f16 to bf16 goes through f32 (truncf needs a narrower type).
    if (from.getIntOrFloatBitWidth() <= operand.getIntOrFloatBitWidth())
      v = arith::ExtFOp::create(b, like(f32), v);
    return arith::TruncFOp::create(b, like(operand), v);
  }
  Value toF32(Value v) {
    return v.getType() == f32 ? v : arith::ExtFOp::create(b, f32, v);
  }
  /// `cond ? make() : 0` (of `type`) with make()'s ops (loads) executed
  /// only when `cond` holds.
  Value guarded(Value cond, Type type, function_ref<Value()> make);
  /// Stores `v` (an operand or a vector of them) at (row, col) of `tile`.
  void storeTile(Value v, Value tile, Value row, Value col);

  ImplicitLocOpBuilder &b;
  TensorCoreContraction c; // a copy: op handles are used non-const
  const ContractionTiles &t;
  SymbolTable &symbols;
  /// The tiles' element type: f16 or bf16.
  FloatType operand;
  Type f32;
  SmallVector<int64_t> ranges;
  gpu::LaunchOp launch;
  llvm::DenseMap<Value, Value> buffers;
  /// One buffer per output.
  SmallVector<Value> outs;
  Value as, bs;
  Value tid, laneRow, matrixBit0, matrixBit1, g, t2, warpRow, warpCol;
  Value mBase, nBase;
  /// Loop indices known for the whole block: the batch dimensions'.
  SmallVector<Value> baseIvs;
};
} // namespace

//===----------------------------------------------------------------------===//
// Set-up
//===----------------------------------------------------------------------===//

SmallVector<memref::GlobalOp> ContractionKernelBuilder::createSharedTiles() {
  // Workgroup globals, as the fused attention kernel's (outlining moves
  // them into the GPU module).
  auto shared =
      gpu::AddressSpaceAttr::get(b.getContext(), gpu::AddressSpace::Workgroup);
  auto tileType = [&](int64_t rows, int64_t cols) {
    return MemRefType::get({rows, cols + 8}, operand,
                           MemRefLayoutAttrInterface(), shared);
  };
  SmallVector<MemRefType> types = {tileType(t.blockRows(), t.kTile),
                                   tileType(t.kTile, t.blockCols())};
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&symbols.getOp()->getRegion(0).front());
  SmallVector<memref::GlobalOp> globals;
  const char *names[] = {"a", "b"};
  for (auto [i, name] : llvm::enumerate(names)) {
    auto global = memref::GlobalOp::create(
        b, (llvm::Twine("__uniform_mm_smem_") + name).str(),
        b.getStringAttr("private"), types[i], /*initial_value=*/Attribute(),
        /*constant=*/false, /*alignment=*/b.getI64IntegerAttr(16));
    symbols.insert(global); // uniques the name
    globals.push_back(global);
  }
  return globals;
}

Value ContractionKernelBuilder::bufferOf(Value tensor) {
  Value &buffer = buffers[tensor];
  if (!buffer) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPoint(launch);
    auto type = cast<RankedTensorType>(tensor.getType());
    buffer = bufferization::ToBufferOp::create(
        b, MemRefType::get(type.getShape(), type.getElementType()), tensor,
        /*readOnly=*/true);
  }
  return buffer;
}

void ContractionKernelBuilder::setUpBlock(
    gpu::LaunchOp launch, MutableArrayRef<memref::GlobalOp> globals) {
  as = memref::GetGlobalOp::create(b, globals[0].getType(),
                                   globals[0].getSymName());
  bs = memref::GetGlobalOp::create(b, globals[1].getType(),
                                   globals[1].getSymName());
  nBase = arith::MulIOp::create(b, launch.getBlockIds().x, idx(t.blockCols()));
  mBase = arith::MulIOp::create(b, launch.getBlockIds().y, idx(t.blockRows()));
  baseIvs.assign(c.op.getNumLoops(), Value());
  delinearize(baseIvs, launch.getBlockIds().z, c.batchDims);
  tid = launch.getThreadIds().x;
  Value lane = rem(tid, 32), warp = div(tid, 32);
  warpRow = mul(div(warp, t.colWarps), 16);
  warpCol = mul(rem(warp, t.colWarps), 8 * t.warpTiles);
  // ldmatrix.x4: lane l gives row l % 8 of matrix l / 8, whose place in a
  // 16 x 16 tile is set by its two bits.
  laneRow = rem(lane, 8);
  matrixBit0 = mul(rem(div(lane, 8), 2), 8);
  matrixBit1 = mul(div(lane, 16), 8);
  // mma accumulators: lane l holds rows l / 4 (+ 8), columns 2 (l % 4), +1.
  g = div(lane, 4);
  t2 = mul(rem(lane, 4), 2);
}

//===----------------------------------------------------------------------===//
// Evaluating the bodies
//===----------------------------------------------------------------------===//

void ContractionKernelBuilder::delinearize(SmallVectorImpl<Value> &ivs,
                                           Value linear,
                                           ArrayRef<unsigned> dims) {
  if (dims.empty())
    return;
  // The outermost dimension takes what is left: `linear` is in range.
  for (unsigned d : llvm::reverse(dims.drop_front())) {
    ivs[d] = rem(linear, ranges[d]);
    linear = div(linear, ranges[d]);
  }
  ivs[dims.front()] = linear;
}

SmallVector<Value> ContractionKernelBuilder::indices(AffineMap map,
                                                     ArrayRef<Value> ivs) {
  SmallVector<Value> result;
  for (AffineExpr expr : map.getResults()) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr))
      result.push_back(ivs[dim.getPosition()]);
    else
      result.push_back(idx(cast<AffineConstantExpr>(expr).getValue()));
  }
  return result;
}

Value ContractionKernelBuilder::load(linalg::GenericOp op, OpOperand *operand,
                                     ArrayRef<Value> ivs) {
  return memref::LoadOp::create(
      b, bufferOf(operand->get()),
      indices(op.getMatchingIndexingMap(operand), ivs));
}

Value ContractionKernelBuilder::evaluate(linalg::GenericOp op,
                                         ArrayRef<Operation *> ops, Value root,
                                         ArrayRef<Value> ivs,
                                         IRMapping &mapping, int64_t width,
                                         unsigned vectorDim) {
  auto bind = [&](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || arg.getOwner() != op.getBody() || mapping.contains(arg))
      return;
    OpOperand *operand = op.getMatchingOpOperand(arg);
    if (width == 1 ||
        !op.getMatchingIndexingMap(operand).isFunctionOfDim(vectorDim)) {
      mapping.map(arg, load(op, operand, ivs));
      return;
    }
    // Aligned: the unit's first index is a multiple of `width`, and so is
    // the extent of the innermost dimension.
    auto type = VectorType::get({width}, arg.getType());
    mapping.map(
        arg, vector::LoadOp::create(
                 b, type, bufferOf(operand->get()),
                 indices(op.getMatchingIndexingMap(operand), ivs),
                 /*nontemporal=*/false,
                 llvm::MaybeAlign(width * type.getElementTypeBitWidth() / 8)));
  };
  // Scalars (operands that do not read vectorDim, values from outside the
  // body) as vectors.
  auto widen = [&](Value v) -> Value {
    if (width == 1 || isa<VectorType>(v.getType()))
      return v;
    return vector::BroadcastOp::create(b, VectorType::get({width}, v.getType()),
                                       v);
  };
  bind(root);
  for (Operation *o : ops) {
    llvm::for_each(o->getOperands(), bind);
    if (width == 1 || o->getNumOperands() == 0) {
      b.clone(*o, mapping);
      continue;
    }
    OperationState state(o->getLoc(), o->getName());
    for (Value operand : o->getOperands())
      state.addOperands(widen(mapping.lookupOrDefault(operand)));
    state.addAttributes(o->getAttrs());
    for (Type type : o->getResultTypes())
      state.addTypes(VectorType::get({width}, type));
    Operation *vectorOp = b.create(state);
    mapping.map(o->getResults(), vectorOp->getResults());
  }
  return widen(mapping.lookupOrDefault(root));
}

SmallVector<OpOperand *>
ContractionKernelBuilder::operandsRead(ArrayRef<Operation *> ops, Value root) {
  llvm::SetVector<OpOperand *> read;
  auto note = [&](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    if (arg && arg.getOwner() == c.op.getBody())
      read.insert(c.op.getMatchingOpOperand(arg));
  };
  note(root);
  for (Operation *o : ops)
    llvm::for_each(o->getOperands(), note);
  return read.takeVector();
}

int64_t ContractionKernelBuilder::vectorWidth(ArrayRef<Operation *> ops,
                                              Value root, unsigned dim) {
  constexpr int64_t width = 4;
  if (ranges[dim] % width != 0)
    return 1;
  for (Operation *o : ops)
    if (o->getNumOperands() != 0 && !o->hasTrait<OpTrait::Elementwise>())
      return 1;
  bool any = false;
  for (OpOperand *operand : operandsRead(ops, root)) {
    AffineMap map = c.op.getMatchingIndexingMap(operand);
    if (!map.isFunctionOfDim(dim))
      continue;
    if (map.getResults().back() != getAffineDimExpr(dim, b.getContext()))
      return 1;
    any = true;
  }
  return any ? width : 1;
}

bool ContractionKernelBuilder::innermostIs(ArrayRef<Operation *> ops,
                                           Value root, unsigned dim) {
  OpOperand *widest = nullptr;
  for (OpOperand *operand : operandsRead(ops, root))
    if (!widest || c.op.getRank(operand) > c.op.getRank(widest))
      widest = operand;
  if (!widest || c.op.getRank(widest) == 0)
    return false;
  AffineMap map = c.op.getMatchingIndexingMap(widest);
  return map.getResults().back() == getAffineDimExpr(dim, b.getContext());
}

//===----------------------------------------------------------------------===//
// Staging
//===----------------------------------------------------------------------===//

Value ContractionKernelBuilder::guarded(Value cond, Type type,
                                        function_ref<Value()> make) {
  auto ifOp = scf::IfOp::create(b, TypeRange{type}, cond, /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&ifOp.getThenRegion().front());
  scf::YieldOp::create(b, make());
  b.setInsertionPointToStart(&ifOp.getElseRegion().front());
  TypedAttr zero = b.getFloatAttr(operand, 0);
  if (auto vector = dyn_cast<VectorType>(type))
    zero = DenseElementsAttr::get(vector, zero);
  scf::YieldOp::create(b, arith::ConstantOp::create(b, zero).getResult());
  return ifOp.getResult(0);
}

void ContractionKernelBuilder::storeTile(Value v, Value tile, Value row,
                                         Value col) {
  auto vector = dyn_cast<VectorType>(v.getType());
  if (!vector) {
    memref::StoreOp::create(b, v, tile, ValueRange{row, col});
    return;
  }
  // Rows are multiples of 8 elements long and the unit starts at a multiple of
  // its width: aligned to the unit.
  vector::StoreOp::create(b, v, tile, ValueRange{row, col},
                          /*nontemporal=*/false,
                          llvm::MaybeAlign(2 * vector.getNumElements()));
}

void ContractionKernelBuilder::forEachUnit(
    int64_t rows, int64_t cols, int64_t unit, bool runs,
    function_ref<void(Value, Value)> body) {
  int64_t units = cols / unit, threads = 32 * t.warps();
  int64_t run = runs && rows % 8 == 0 ? 8 : 1, total = rows * units;
  // Unit u is row u % run of the run u / (run * units), column
  // (u / run) % units. Thread t takes units t, t + threads, ... Where the
  // threads cover whole runs, or a run spans whole multiples of them, unit
  // i * threads + t is t's own plus a constant offset: the iterations are
  // unrolled here so that every address is one base plus an immediate
  // (ptxas keeps one register per base instead of one per iteration).
  int64_t perRun = run * units;
  bool closedForm =
      threads % perRun == 0 || (perRun % threads == 0 && threads % run == 0);
  auto coordinates = [&](Value u) -> std::pair<Value, Value> {
    Value inRun = rem(u, perRun);
    return {add(mul(div(u, perRun), run), rem(inRun, run)),
            mul(div(inRun, run), unit)};
  };
  auto [ownRow, ownCol] = coordinates(tid);
  for (int64_t first = 0; first < total; first += threads) {
    OpBuilder::InsertionGuard guard(b);
    if (total - first < threads) {
      auto ifOp =
          scf::IfOp::create(b, ult(tid, total - first), /*withElse=*/false);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    }
    if (!closedForm) {
      auto [row, col] = coordinates(add(tid, first));
      body(row, col);
      continue;
    }
    int64_t inRun = first % perRun;
    body(add(ownRow, first / perRun * run + inRun % run),
         add(ownCol, inRun / run * unit));
  }
}

Value ContractionKernelBuilder::stageUnit(ArrayRef<Operation *> ops, Value side,
                                          ArrayRef<Value> ivs, Value valid,
                                          int64_t width, unsigned walkDim) {
  Type type = width == 1 ? Type(operand) : VectorType::get({width}, operand);
  return guarded(valid, type, [&] {
    IRMapping mapping;
    return toOperand(evaluate(c.op, ops, side, ivs, mapping, width, walkDim));
  });
}

void ContractionKernelBuilder::stageA(Value kBase) {
  bool rowsFastest = llvm::any_of(
      c.rowDims, [&](unsigned d) { return innermostIs(c.aOps, c.a, d); });
  int64_t width = rowsFastest ? 1 : vectorWidth(c.aOps, c.a, c.kDim);
  forEachUnit(
      t.blockRows(), t.kTile, width, rowsFastest || width > 1,
      [&](Value r, Value kk) {
        Value m = add(mBase, r), k = add(kBase, kk);
        SmallVector<Value> ivs(baseIvs);
        setRows(ivs, m);
        ivs[c.kDim] = k;
        Value valid = arith::AndIOp::create(b, ult(m, c.m), ult(k, c.k));
        storeTile(stageUnit(c.aOps, c.a, ivs, valid, width, c.kDim), as, r, kk);
      });
}

void ContractionKernelBuilder::stageB(Value kBase) {
  bool kFastest = innermostIs(c.bOps, c.b, c.kDim);
  int64_t width = kFastest ? 1 : vectorWidth(c.bOps, c.b, c.nDim);
  forEachUnit(t.kTile, t.blockCols(), width, kFastest || width > 1,
              [&](Value kk, Value col) {
                Value n = add(nBase, col), k = add(kBase, kk);
                SmallVector<Value> ivs(baseIvs);
                ivs[c.nDim] = n;
                ivs[c.kDim] = k;
                Value valid =
                    arith::AndIOp::create(b, ult(n, c.n), ult(k, c.k));
                storeTile(stageUnit(c.bOps, c.b, ivs, valid, width, c.nDim), bs,
                          kk, col);
              });
}

//===----------------------------------------------------------------------===//
// Arithmetic and the store
//===----------------------------------------------------------------------===//

SmallVector<Value> ContractionKernelBuilder::multiply(ValueRange accIn) {
  SmallVector<Value> acc(accIn);
  auto bType = VectorType::get({2, 2}, operand);
  Value aRow = add(add(warpRow, laneRow), matrixBit0);
  for (int64_t kk = 0; kk < t.kTile / 16; ++kk) {
    // Matrix q of the x4 holds rows 8 (q % 2) + 0..7 and columns
    // 8 (q / 2) + 0..7 of the warp's 16 x 16 A step: the A fragment.
    Value aFrag = nvgpu::LdMatrixOp::create(
        b, VectorType::get({4, 2}, operand), as,
        ValueRange{aRow, add(matrixBit1, 16 * kk)}, /*transpose=*/false,
        /*numTiles=*/4);
    // Transposed, matrix q holds K rows 16 kk + 8 (q % 2) + 0..7 of columns
    // 8 (ct + q / 2) + 0..7: the B fragments of n-tiles ct and ct + 1 (an
    // x2 for a last odd tile, lanes 0-15 giving the rows).
    Value kRow = add(add(laneRow, 16 * kk), matrixBit0);
    for (int64_t ct = 0; ct < t.warpTiles; ct += 2) {
      int64_t pair = std::min<int64_t>(2, t.warpTiles - ct);
      Value col = add(warpCol, 8 * ct);
      if (pair == 2)
        col = add(col, matrixBit1);
      Value regs = nvgpu::LdMatrixOp::create(
          b, VectorType::get({2 * pair, 2}, operand), bs, ValueRange{kRow, col},
          /*transpose=*/true, /*numTiles=*/2 * pair);
      for (int64_t p = 0; p < pair; ++p) {
        Value frag = arith::ConstantOp::create(
            b, bType,
            DenseElementsAttr::get(bType, b.getFloatAttr(operand, 0)));
        for (int64_t i = 0; i < 2; ++i)
          frag = vector::InsertOp::create(
              b, vector::ExtractOp::create(b, regs, 2 * p + i), frag, i);
        acc[ct + p] = mma(aFrag, frag, acc[ct + p]);
      }
    }
  }
  return acc;
}

Value ContractionKernelBuilder::mma(Value a, Value bFrag, Value acc) {
  if (operand.isF16())
    return nvgpu::MmaSyncOp::create(b, a, bFrag, acc,
                                    ArrayRef<int64_t>{16, 8, 16});
  auto i32 = b.getI32Type();
  auto registers = [&](Value fragment, int64_t count) {
    SmallVector<Value> regs;
    for (int64_t i = 0; i < count; ++i) {
      Value pair = vector::ExtractOp::create(b, fragment, i);
      Value word =
          vector::BitCastOp::create(b, VectorType::get({1}, i32), pair);
      regs.push_back(vector::ExtractOp::create(b, word, 0));
    }
    return regs;
  };
  SmallVector<Value> c;
  for (int64_t r = 0; r < 2; ++r)
    for (int64_t col = 0; col < 2; ++col)
      c.push_back(vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{r, col}));
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  Value d = NVVM::MmaOp::create(
      b, resultType, registers(a, 4), registers(bFrag, 2), c, {16, 8, 16},
      std::nullopt, std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16, NVVM::MMATypes::bf16},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> elements;
  for (int64_t i = 0; i < 4; ++i)
    elements.push_back(LLVM::ExtractValueOp::create(b, d, i));
  return vector::FromElementsOp::create(b, acc.getType(), elements);
}

SmallVector<Value> ContractionKernelBuilder::finish(Value sum,
                                                    ArrayRef<Value> ivs) {
  unsigned rank = c.op.getNumLoops() - 1;
  Value init;
  if (c.fillValue) {
    init = c.fillValue;
  } else if (c.initOp) {
    SmallVector<Operation *> ops =
        llvm::map_to_vector(c.initOp.getBody()->without_terminator(),
                            [](Operation &o) { return &o; });
    IRMapping mapping;
    init = evaluate(c.initOp, ops,
                    c.initOp.getBody()->getTerminator()->getOperand(0), ivs,
                    mapping);
  } else {
    init = load(c.op, c.op.getDpsInitOperand(0), ivs);
  }
  Value v = arith::AddFOp::create(b, sum, toF32(init));
  Type element = getElementTypeOrSelf(c.op.getResult(0).getType());
  if (element != f32)
    v = arith::TruncFOp::create(b, element, v);
  // Each epilogue op reads the values computed before it as scalars.
  llvm::DenseMap<Value, Value> scalars = {{c.op.getResult(0), v}};
  for (linalg::GenericOp e : c.epilogue) {
    IRMapping mapping;
    for (OpOperand *input : e.getDpsInputOperands())
      if (Value scalar = scalars.lookup(input->get()))
        mapping.map(e.getMatchingBlockArgument(input), scalar);
    SmallVector<Operation *> ops = llvm::map_to_vector(
        e.getBody()->without_terminator(), [](Operation &o) { return &o; });
    scalars[e.getResult(0)] =
        evaluate(e, ops, e.getBody()->getTerminator()->getOperand(0),
                 ivs.take_front(rank), mapping);
  }
  return llvm::map_to_vector(c.outputs,
                             [&](Value output) { return scalars.at(output); });
}

void ContractionKernelBuilder::store(ValueRange acc) {
  for (int64_t ct = 0; ct < t.warpTiles; ++ct)
    for (int64_t r = 0; r < 2; ++r)
      for (int64_t cc = 0; cc < 2; ++cc) {
        Value m = add(add(mBase, warpRow), add(g, 8 * r));
        Value n = add(add(nBase, warpCol), add(t2, 8 * ct + cc));
        Value valid = arith::AndIOp::create(b, ult(m, c.m), ult(n, c.n));
        OpBuilder::InsertionGuard guard(b);
        auto ifOp = scf::IfOp::create(b, valid, /*withElse=*/false);
        b.setInsertionPointToStart(&ifOp.getThenRegion().front());
        SmallVector<Value> ivs(baseIvs);
        setRows(ivs, m);
        ivs[c.nDim] = n;
        Value sum =
            vector::ExtractOp::create(b, acc[ct], ArrayRef<int64_t>{r, cc});
        SmallVector<Value> values = finish(sum, ivs);
        for (auto [output, value, buffer] :
             llvm::zip_equal(c.outputs, values, outs))
          memref::StoreOp::create(b, value, buffer,
                                  indices(c.writeMap(output), ivs));
      }
}

SmallVector<Value> ContractionKernelBuilder::build() {
  SmallVector<RankedTensorType> types;
  for (Value output : c.outputs) {
    auto type = cast<RankedTensorType>(output.getType());
    types.push_back(type);
    outs.push_back(memref::AllocOp::create(
        b, MemRefType::get(type.getShape(), type.getElementType())));
  }
  SmallVector<memref::GlobalOp> globals = createSharedTiles();
  Value one = idx(1);
  launch = gpu::LaunchOp::create(b, idx(t.grid[0]), idx(t.grid[1]),
                                 idx(t.grid[2]), idx(32 * t.warps()), one, one);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&launch.getBody().front());
    setUpBlock(launch, globals);
    auto cType = VectorType::get({2, 2}, f32);
    Value zero = arith::ConstantOp::create(
        b, cType, DenseElementsAttr::get(cType, b.getF32FloatAttr(0)));
    SmallVector<Value> acc(t.warpTiles, zero);
    auto loop =
        scf::ForOp::create(b, idx(0), idx(ceilDiv(c.k, t.kTile)), idx(1), acc);
    {
      OpBuilder::InsertionGuard loopGuard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value kBase = mul(loop.getInductionVar(), t.kTile);
      stageA(kBase);
      stageB(kBase);
      gpu::BarrierOp::create(b);
      SmallVector<Value> next = multiply(loop.getRegionIterArgs());
      // The next step's staging overwrites the tiles.
      gpu::BarrierOp::create(b);
      scf::YieldOp::create(b, next);
    }
    store(loop.getResults());
    gpu::TerminatorOp::create(b);
  }
  return llvm::map_to_vector(llvm::zip_equal(types, outs), [&](auto pair) {
    auto [type, buffer] = pair;
    return Value(bufferization::ToTensorOp::create(b, type, buffer,
                                                   /*restrict=*/true,
                                                   /*writable=*/true));
  });
}

SmallVector<Value> uniform::detail::buildContractionKernel(
    ImplicitLocOpBuilder &b, const TensorCoreContraction &c,
    SymbolTable &symbols, FloatType operand) {
  ContractionTiles tiles = *chooseContractionTiles(c);
  return ContractionKernelBuilder(b, c, tiles, symbols, operand).build();
}
