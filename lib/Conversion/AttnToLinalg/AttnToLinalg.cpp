//===- AttnToLinalg.cpp - Lower attention to linalg on tensors ------------===//
//
// `convert-attn-to-linalg`: `attn.mha` and `attn.reuse` become linalg ops on
// tensors, either materializing the scores (`materialize`) or as a
// flash-style loop over key tiles with an online softmax (`online`).
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/AttnToLinalg.h"
#include "uniform/Conversion/Passes.h"

#include "uniform/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

#include <limits>

namespace uniform {
#define GEN_PASS_DEF_CONVERTATTNTOLINALG
#include "uniform/Conversion/Passes.h.inc"
} // namespace uniform

using namespace mlir;
using namespace uniform;
using namespace uniform::attn;

namespace {

using utils::IteratorType;

/// Builds the linalg ops of one attention op. Scores have rank `scoreRank`:
/// [B, N, M] for attn.reuse and [B, H, N, M] for attn.mha.
class AttentionBuilder {
public:
  AttentionBuilder(OpBuilder &b, Operation *op)
      : b(b), loc(op->getLoc()), ctx(op->getContext()),
        isReuse(isa<ReuseAttentionOp>(op)), query(op->getOperand(0)),
        key(op->getOperand(1)), value(op->getOperand(2)),
        bias(op->getNumOperands() > 3 ? op->getOperand(3) : Value()),
        resultType(cast<RankedTensorType>(op->getResult(0).getType())) {
    scale = isReuse ? cast<ReuseAttentionOp>(op).getScaleValue()
                    : cast<MultiHeadAttentionOp>(op).getScaleValue();
    scoreRank = isReuse ? 3 : 4;
    dims = inferAttentionDims(isReuse, cast<RankedTensorType>(query.getType()),
                              cast<RankedTensorType>(key.getType()),
                              cast<RankedTensorType>(value.getType()));
  }

  Value buildMaterialize();
  Value buildOnline(int64_t tileM);

private:
  // Sizes of the named dimensions: static where any operand knows them.
  OpFoldResult size(int64_t staticSize, Value operand, int64_t dim) {
    if (!ShapedType::isDynamic(staticSize))
      return b.getIndexAttr(staticSize);
    return tensor::getMixedSize(b, loc, operand, dim);
  }
  OpFoldResult batch() { return size(dims.batch, query, 0); }
  OpFoldResult heads() { return size(dims.heads, value, 1); }
  OpFoldResult queryLen() {
    return size(dims.queryLen, query, isReuse ? 1 : 2);
  }
  OpFoldResult keyLen() { return size(dims.keyLen, key, isReuse ? 1 : 2); }
  OpFoldResult valueDim() { return size(dims.valueDim, value, 3); }

  /// [B, (H,) N] followed by `last`: the shape of the scores or row stats.
  SmallVector<OpFoldResult> scoreShape(std::optional<OpFoldResult> last) {
    SmallVector<OpFoldResult> shape = {batch()};
    if (!isReuse)
      shape.push_back(heads());
    shape.push_back(queryLen());
    if (last)
      shape.push_back(*last);
    return shape;
  }
  SmallVector<OpFoldResult> outputShape() {
    return {batch(), heads(), queryLen(), valueDim()};
  }

  AffineMap map(unsigned numDims, ArrayRef<unsigned> positions) {
    SmallVector<AffineExpr> exprs;
    for (unsigned p : positions)
      exprs.push_back(getAffineDimExpr(p, ctx));
    return AffineMap::get(numDims, 0, exprs, ctx);
  }
  AffineMap identity(unsigned rank) {
    return AffineMap::getMultiDimIdentityMap(rank, ctx);
  }
  /// The map of `[0, rank)` without its last position.
  AffineMap dropLast(unsigned rank) {
    SmallVector<unsigned> positions;
    for (unsigned i = 0; i + 1 < rank; ++i)
      positions.push_back(i);
    return map(rank, positions);
  }

  Value f32(OpBuilder &nb, Value scalar) {
    if (scalar.getType().isF32())
      return scalar;
    return arith::ExtFOp::create(nb, loc, nb.getF32Type(), scalar);
  }
  Value filled(ArrayRef<OpFoldResult> shape, float init) {
    Value empty = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
    Value cst = arith::ConstantOp::create(b, loc, b.getF32FloatAttr(init));
    return linalg::FillOp::create(b, loc, cst, empty).getResult(0);
  }
  Value generic(Type resultType, ValueRange inputs, Value init,
                ArrayRef<AffineMap> maps, ArrayRef<IteratorType> iterators,
                function_ref<Value(OpBuilder &, ValueRange)> body) {
    return linalg::GenericOp::create(
               b, loc, resultType, inputs, init, maps, iterators,
               [&](OpBuilder &nb, Location, ValueRange args) {
                 linalg::YieldOp::create(nb, loc, body(nb, args));
               })
        .getResult(0);
  }

  Value scores(Value keyTile, Value biasTile, OpFoldResult tileLen);
  Value valueProduct(Value probs, Value valueTile, Value acc);
  Value finish(Value out);

  OpBuilder &b;
  Location loc;
  MLIRContext *ctx;
  bool isReuse;
  Value query, key, value, bias;
  RankedTensorType resultType;
  float scale;
  unsigned scoreRank;
  AttentionDims dims;
};
} // namespace

/// scale * Q * K^T + bias over the keys of `keyTile`: f32 [B, (H,) N, Mt].
/// acc + lhs * rhs for the contractions. The `contract` flag lets the backend
/// fuse the pair into one fused multiply-add where the target has one (one
/// rounding instead of two, and twice the arithmetic throughput: every BLAS
/// and PyTorch does the same), without calling a software fma where it has
/// none.
static Value multiplyAdd(OpBuilder &b, Location loc, Value acc, Value lhs,
                         Value rhs) {
  auto contract = arith::FastMathFlagsAttr::get(b.getContext(),
                                                arith::FastMathFlags::contract);
  Value prod = arith::MulFOp::create(b, loc, lhs, rhs, contract);
  return arith::AddFOp::create(b, loc, acc, prod, contract);
}

Value AttentionBuilder::scores(Value keyTile, Value biasTile,
                               OpFoldResult tileLen) {
  unsigned sr = scoreRank;
  SmallVector<OpFoldResult> shape = scoreShape(tileLen);
  auto type = RankedTensorType::get(
      llvm::map_to_vector(shape,
                          [](OpFoldResult ofr) {
                            std::optional<int64_t> c = getConstantIntValue(ofr);
                            return c ? *c : ShapedType::kDynamic;
                          }),
      b.getF32Type());

  // K^T [batch dims..., Dk, Mt], so that the contraction's innermost loop
  // runs over contiguous keys of K^T and of the scores (it vectorizes once
  // lowered to loops).
  auto keyType = cast<RankedTensorType>(keyTile.getType());
  SmallVector<OpFoldResult> keySizes = tensor::getMixedSizes(b, loc, keyTile);
  SmallVector<OpFoldResult> keyTSizes(keySizes);
  std::swap(keyTSizes[sr - 2], keyTSizes[sr - 1]);
  Value keyTInit =
      tensor::EmptyOp::create(b, loc, keyTSizes, keyType.getElementType());
  SmallVector<int64_t> perm;
  for (unsigned i = 0; i < sr; ++i)
    perm.push_back(i);
  std::swap(perm[sr - 2], perm[sr - 1]);
  Value keyT = linalg::TransposeOp::create(b, loc, keyTile, keyTInit, perm)
                   .getResult()[0];

  // Contraction over Dk, loops (batch dims..., N, k, M): the reduction is not
  // innermost, so the inner loop is a parallel, contiguous one over M.
  SmallVector<unsigned> qDims, kDims, sDims;
  for (unsigned i = 0; i + 2 < sr; ++i) {
    qDims.push_back(i);
    kDims.push_back(i);
    sDims.push_back(i);
  }
  qDims.append({sr - 2, sr - 1}); // N, k
  kDims.append({sr - 1, sr});     // k, M
  sDims.append({sr - 2, sr});     // N, M
  SmallVector<IteratorType> iterators(sr - 1, IteratorType::parallel);
  iterators.push_back(IteratorType::reduction);
  iterators.push_back(IteratorType::parallel);
  Value acc = filled(shape, 0.0f);
  Value qk =
      generic(type, {query, keyT}, acc,
              {map(sr + 1, qDims), map(sr + 1, kDims), map(sr + 1, sDims)},
              iterators, [&](OpBuilder &nb, ValueRange args) -> Value {
                // Separate statements: a fixed order of the extf ops.
                Value lhs = f32(nb, args[0]);
                Value rhs = f32(nb, args[1]);
                return multiplyAdd(nb, loc, args[2], lhs, rhs);
              });

  // Scale and bias, broadcasting the bias by NumPy's rules.
  SmallVector<Value> inputs = {qk};
  SmallVector<AffineMap> maps = {identity(sr)};
  if (biasTile) {
    auto biasType = cast<RankedTensorType>(biasTile.getType());
    int64_t r = biasType.getRank();
    SmallVector<AffineExpr> exprs;
    for (int64_t i = 0; i < r; ++i) {
      int64_t scoreDim = sr - r + i;
      if (biasType.getDimSize(i) == 1 && type.getDimSize(scoreDim) != 1)
        exprs.push_back(getAffineConstantExpr(0, ctx));
      else
        exprs.push_back(getAffineDimExpr(scoreDim, ctx));
    }
    inputs.push_back(biasTile);
    maps.push_back(AffineMap::get(sr, 0, exprs, ctx));
  }
  maps.push_back(identity(sr));
  Value init = tensor::EmptyOp::create(b, loc, shape, b.getF32Type());
  SmallVector<IteratorType> parallel(sr, IteratorType::parallel);
  bool hasBias = static_cast<bool>(biasTile);
  return generic(
      type, inputs, init, maps, parallel,
      [&](OpBuilder &nb, ValueRange args) -> Value {
        Value s = arith::MulFOp::create(
            nb, loc, args[0],
            arith::ConstantOp::create(nb, loc, nb.getF32FloatAttr(scale)));
        if (hasBias)
          s = arith::AddFOp::create(nb, loc, s, f32(nb, args[1]));
        return s;
      });
}

/// acc + P * V: one contraction over the keys for every head at once,
/// loops (b, h, n, m, d) with the reduction over m outside the contiguous
/// loop over d; result [B, H, N, Dv] f32.
Value AttentionBuilder::valueProduct(Value probs, Value valueTile, Value acc) {
  AffineMap pMap = isReuse ? map(5, {0, 2, 3}) : map(5, {0, 1, 2, 3});
  AffineMap vMap = map(5, {0, 1, 3, 4});
  AffineMap oMap = map(5, {0, 1, 2, 4});
  SmallVector<IteratorType> iterators = {
      IteratorType::parallel, IteratorType::parallel, IteratorType::parallel,
      IteratorType::reduction, IteratorType::parallel};
  return generic(acc.getType(), {probs, valueTile}, acc, {pMap, vMap, oMap},
                 iterators, [&](OpBuilder &nb, ValueRange args) -> Value {
                   Value rhs = f32(nb, args[1]);
                   return multiplyAdd(nb, loc, args[2], args[0], rhs);
                 });
}

/// Truncates the f32 result to the op's element type and its exact type.
Value AttentionBuilder::finish(Value out) {
  Type elementType = resultType.getElementType();
  if (!elementType.isF32()) {
    auto outType = cast<RankedTensorType>(out.getType());
    Value init = tensor::EmptyOp::create(b, loc, outputShape(), elementType);
    out = generic(
        outType.clone(elementType), {out}, init, {identity(4), identity(4)},
        SmallVector<IteratorType>(4, IteratorType::parallel),
        [&](OpBuilder &nb, ValueRange args) -> Value {
          return arith::TruncFOp::create(nb, loc, elementType, args[0]);
        });
  }
  if (out.getType() != resultType)
    out = tensor::CastOp::create(b, loc, resultType, out);
  return out;
}

Value AttentionBuilder::buildMaterialize() {
  unsigned sr = scoreRank;
  Value s = scores(key, bias, keyLen());
  Value init =
      tensor::EmptyOp::create(b, loc, scoreShape(keyLen()), b.getF32Type());
  Value p = linalg::SoftmaxOp::create(b, loc, s.getType(), s, init,
                                      /*dimension=*/sr - 1)
                .getResult()[0];
  Value acc = filled(outputShape(), 0.0f);
  return finish(valueProduct(p, value, acc));
}

/// Takes `[offset, offset + size)` along `dim` of `source`.
static Value sliceAlong(OpBuilder &b, Location loc, Value source, int64_t dim,
                        OpFoldResult offset, OpFoldResult size) {
  auto type = cast<RankedTensorType>(source.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, source);
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  offsets[dim] = offset;
  sizes[dim] = size;
  return tensor::ExtractSliceOp::create(b, loc, source, offsets, sizes,
                                        strides);
}

Value AttentionBuilder::buildOnline(int64_t tileM) {
  unsigned sr = scoreRank;
  Value rowMax =
      filled(scoreShape(std::nullopt), std::numeric_limits<float>::lowest());
  Value rowSum = filled(scoreShape(std::nullopt), 0.0f);
  Value acc = filled(outputShape(), 0.0f);

  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value step = arith::ConstantIndexOp::create(b, loc, tileM);
  Value keys = getValueOrCreateConstantIndexOp(b, loc, keyLen());
  auto loop = scf::ForOp::create(
      b, loc, zero, keys, step, ValueRange{rowMax, rowSum, acc},
      [&](OpBuilder &lb, Location, Value m0, ValueRange iterArgs) {
        OpBuilder::InsertionGuard guard(b);
        b.setInsertionPointToStart(lb.getInsertionBlock());
        Value oldMax = iterArgs[0], oldSum = iterArgs[1], oldAcc = iterArgs[2];

        // The tile [m0, m0 + tile) clamped to M.
        Value left = arith::SubIOp::create(b, loc, keys, m0);
        Value tile = arith::MinSIOp::create(b, loc, left, step);
        Value keyTile = sliceAlong(b, loc, key, isReuse ? 1 : 2, m0, tile);
        Value valueTile = sliceAlong(b, loc, value, 2, m0, tile);
        Value biasTile = bias;
        if (bias) {
          auto biasType = cast<RankedTensorType>(bias.getType());
          int64_t last = biasType.getRank() - 1;
          if (last >= 0 && biasType.getDimSize(last) != 1)
            biasTile = sliceAlong(b, loc, bias, last, m0, tile);
        }
        Value s = scores(keyTile, biasTile, tile);

        // The running statistics are updated in place (each generic writes
        // into the loop-carried tensor it reads), so bufferization keeps one
        // buffer per statistic for the whole loop.
        unsigned rr = sr - 1;
        SmallVector<IteratorType> rowParallel(rr, IteratorType::parallel);
        SmallVector<IteratorType> reduceLast(rr, IteratorType::parallel);
        reduceLast.push_back(IteratorType::reduction);

        // tileMax = rowmax(s).
        Value tileMax = generic(oldMax.getType(), {s},
                                filled(scoreShape(std::nullopt),
                                       std::numeric_limits<float>::lowest()),
                                {identity(sr), dropLast(sr)}, reduceLast,
                                [&](OpBuilder &nb, ValueRange args) -> Value {
                                  return arith::MaximumFOp::create(
                                      nb, loc, args[0], args[1]);
                                });
        // newMax = max(oldMax, tileMax) and corr = exp(oldMax - newMax), in
        // one elementwise op that overwrites oldMax.
        Value corrInit = tensor::EmptyOp::create(
            b, loc, scoreShape(std::nullopt), b.getF32Type());
        auto update = linalg::GenericOp::create(
            b, loc, TypeRange{oldMax.getType(), oldMax.getType()},
            ValueRange{tileMax}, ValueRange{oldMax, corrInit},
            ArrayRef<AffineMap>{identity(rr), identity(rr), identity(rr)},
            rowParallel, [&](OpBuilder &nb, Location, ValueRange args) {
              Value newMax =
                  arith::MaximumFOp::create(nb, loc, args[1], args[0]);
              Value diff = arith::SubFOp::create(nb, loc, args[1], newMax);
              Value corr = math::ExpOp::create(nb, loc, diff);
              linalg::YieldOp::create(nb, loc, ValueRange{newMax, corr});
            });
        Value newMax = update.getResult(0);
        Value corr = update.getResult(1);
        // p = exp(s - newMax).
        Value pInit =
            tensor::EmptyOp::create(b, loc, scoreShape(tile), b.getF32Type());
        Value p = generic(s.getType(), {s, newMax}, pInit,
                          {identity(sr), dropLast(sr), identity(sr)},
                          SmallVector<IteratorType>(sr, IteratorType::parallel),
                          [&](OpBuilder &nb, ValueRange args) -> Value {
                            Value d = arith::SubFOp::create(nb, loc, args[0],
                                                            args[1]);
                            return math::ExpOp::create(nb, loc, d);
                          });
        // newSum = oldSum * corr + rowsum(p).
        Value scaledSum = generic(
            oldSum.getType(), {corr}, oldSum, {identity(rr), identity(rr)},
            rowParallel, [&](OpBuilder &nb, ValueRange args) -> Value {
              return arith::MulFOp::create(nb, loc, args[1], args[0]);
            });
        Value newSum = generic(
            oldSum.getType(), {p}, scaledSum, {identity(sr), dropLast(sr)},
            reduceLast, [&](OpBuilder &nb, ValueRange args) -> Value {
              return arith::AddFOp::create(nb, loc, args[0], args[1]);
            });
        // newAcc = oldAcc * corr + p * V.
        AffineMap corrMap = isReuse ? map(4, {0, 2}) : map(4, {0, 1, 2});
        Value scaledAcc =
            generic(oldAcc.getType(), {corr}, oldAcc, {corrMap, identity(4)},
                    SmallVector<IteratorType>(4, IteratorType::parallel),
                    [&](OpBuilder &nb, ValueRange args) -> Value {
                      return arith::MulFOp::create(nb, loc, args[1], args[0]);
                    });
        Value newAcc = valueProduct(p, valueTile, scaledAcc);
        scf::YieldOp::create(b, loc, ValueRange{newMax, newSum, newAcc});
      });

  // out = acc / sum.
  Value sum = loop.getResult(1);
  Value out = loop.getResult(2);
  AffineMap sumMap = isReuse ? map(4, {0, 2}) : map(4, {0, 1, 2});
  Value init = tensor::EmptyOp::create(b, loc, outputShape(), b.getF32Type());
  out = generic(out.getType(), {out, sum}, init,
                {identity(4), sumMap, identity(4)},
                SmallVector<IteratorType>(4, IteratorType::parallel),
                [&](OpBuilder &nb, ValueRange args) -> Value {
                  return arith::DivFOp::create(nb, loc, args[0], args[1]);
                });
  return finish(out);
}

/// Whether an operand or the result of `op` has a static extent of 0. MLIR
/// rejects every slice of such a dimension (its offset 0 is out of bounds),
/// and the online strategy slices all of them; there is nothing to tile
/// anyway, so these ops take the materialize lowering.
static bool hasZeroExtent(Operation *op) {
  auto isEmpty = [](Type type) {
    auto shaped = dyn_cast<RankedTensorType>(type);
    return shaped && llvm::is_contained(shaped.getShape(), 0);
  };
  return llvm::any_of(op->getOperandTypes(), isEmpty) ||
         llvm::any_of(op->getResultTypes(), isEmpty);
}

FailureOr<Value>
uniform::lowerAttentionToLinalg(RewriterBase &rewriter, Operation *op,
                                const AttnToLinalgOptions &options) {
  if (!isa<MultiHeadAttentionOp, ReuseAttentionOp>(op))
    return failure();
  if (options.strategy == AttentionLoweringStrategy::Online &&
      options.tileM <= 0)
    return failure();
  rewriter.setInsertionPoint(op);
  AttentionBuilder builder(rewriter, op);
  bool online = options.strategy == AttentionLoweringStrategy::Online &&
                !hasZeroExtent(op);
  Value result =
      online ? builder.buildOnline(options.tileM) : builder.buildMaterialize();
  rewriter.replaceOp(op, result);
  return result;
}

namespace {
template <typename OpTy>
struct LowerAttentionPattern : public OpRewritePattern<OpTy> {
  LowerAttentionPattern(MLIRContext *ctx, AttnToLinalgOptions options)
      : OpRewritePattern<OpTy>(ctx), options(options) {}

  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    if (failed(lowerAttentionToLinalg(rewriter, op, options)))
      return rewriter.notifyMatchFailure(op, "invalid lowering options");
    return success();
  }

  AttnToLinalgOptions options;
};

struct ConvertAttnToLinalgPass
    : public uniform::impl::ConvertAttnToLinalgBase<ConvertAttnToLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    // An unknown strategy is rejected when the options are parsed.
    AttnToLinalgOptions options;
    options.strategy = strategy;
    if (tileM <= 0) {
      emitError(getOperation()->getLoc())
          << "convert-attn-to-linalg: tile-m must be positive, but is "
          << static_cast<int64_t>(tileM);
      return signalPassFailure();
    }
    options.tileM = tileM;

    RewritePatternSet patterns(&getContext());
    populateAttnToLinalgPatterns(patterns, options);
    walkAndApplyPatterns(getOperation(), std::move(patterns));
    WalkResult left = getOperation()->walk([&](Operation *op) {
      if (isa<MultiHeadAttentionOp, ReuseAttentionOp>(op)) {
        op->emitError("failed to lower attention op to linalg");
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};
} // namespace

void uniform::populateAttnToLinalgPatterns(RewritePatternSet &patterns,
                                           const AttnToLinalgOptions &options) {
  patterns.add<LowerAttentionPattern<MultiHeadAttentionOp>,
               LowerAttentionPattern<ReuseAttentionOp>>(patterns.getContext(),
                                                        options);
}
