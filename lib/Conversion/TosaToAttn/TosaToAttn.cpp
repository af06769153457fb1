//===- TosaToAttn.cpp - Find attention in TOSA graphs ---------------------===//
//
// `attn-raise`: matches
//
//   S = tosa.matmul(Q, tosa.transpose(K, [0, 2, 1]))      [B, N, M]
//   X = S [* scale] [+ bias]                              (constant scale)
//   P = exp(X - reduce_max(X, 2)) * reciprocal(reduce_sum(exp(...), 2))
//   O = tosa.matmul(P, V)                                  [B, N, Dv]
//   (or UniForm's O^T = tosa.matmul(V^T, transpose(P)),     [B, Dv, N])
//
// (the decomposed softmax that the ONNX importer and TOSA producers emit)
// and replaces O by a single-head `attn.reuse` (V seen as [B, 1, M, Dv]).
// Single-head ops that share Q, K, bias and scale are then what
// attn-reuse-heads merges into one multi-head Reuse Attention.
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/Passes.h"
#include "uniform/Conversion/TosaToAttn.h"

#include "uniform/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace uniform {
#define GEN_PASS_DEF_ATTNRAISE
#include "uniform/Conversion/Passes.h.inc"
} // namespace uniform

using namespace mlir;
using namespace uniform;

/// The float that every element of `v` holds, looking through reshapes of a
/// splat constant.
static std::optional<float> splatValue(Value v) {
  while (auto reshape = v.getDefiningOp<tosa::ReshapeOp>())
    v = reshape.getInput1();
  // A division by a constant arrives as a multiplication by its reciprocal.
  if (auto reciprocal = v.getDefiningOp<tosa::ReciprocalOp>()) {
    std::optional<float> x = splatValue(reciprocal.getInput1());
    if (!x || *x == 0.0f)
      return std::nullopt;
    return 1.0f / *x;
  }
  DenseElementsAttr attr;
  if (!matchPattern(v, m_Constant(&attr)) || !attr.isSplat() ||
      !attr.getElementType().isF32())
    return std::nullopt;
  return attr.getSplatValue<APFloat>().convertToFloat();
}

/// Whether `shift` is tosa.mul's zero shift.
static bool isZeroShift(Value shift) {
  DenseElementsAttr attr;
  return matchPattern(shift, m_Constant(&attr)) && attr.isSplat() &&
         attr.getSplatValue<APInt>().isZero();
}

/// The [B, H, X, Y] tensor that `v` ([B*H, X, Y]) was reshaped from, as the
/// importer folds the head dimension into TOSA matmul's batch.
static Value unfoldHeads(Value v) {
  auto reshape = v.getDefiningOp<tosa::ReshapeOp>();
  if (!reshape)
    return Value();
  auto from = cast<RankedTensorType>(reshape.getInput1().getType());
  auto to = cast<RankedTensorType>(v.getType());
  if (from.getRank() != 4 || to.getRank() != 3 || !from.hasStaticShape() ||
      from.getDimSize(0) * from.getDimSize(1) != to.getDimSize(0) ||
      from.getDimSize(2) != to.getDimSize(1) ||
      from.getDimSize(3) != to.getDimSize(2))
    return Value();
  return reshape.getInput1();
}

/// The [B, N, M] probabilities that `v` ([B*H, N, M]) shares between H heads
/// (a matrix broadcast over the heads of one batched product):
/// reshape(tile(reshape(P, [B, 1, N, M]), [1, H, 1, 1]), [B*H, N, M]).
/// Sets `heads` to H.
static Value unbroadcastHeads(Value v, int64_t &heads) {
  auto folded = v.getDefiningOp<tosa::ReshapeOp>();
  auto tile = folded ? folded.getInput1().getDefiningOp<tosa::TileOp>()
                     : tosa::TileOp();
  auto lifted = tile ? tile.getInput1().getDefiningOp<tosa::ReshapeOp>()
                     : tosa::ReshapeOp();
  if (!lifted)
    return Value();
  auto p = cast<RankedTensorType>(lifted.getInput1().getType());
  auto one = cast<RankedTensorType>(tile.getInput1().getType());
  auto all = cast<RankedTensorType>(tile.getType());
  auto out = cast<RankedTensorType>(v.getType());
  if (p.getRank() != 3 || !p.hasStaticShape() || !all.hasStaticShape() ||
      one.getShape() != ArrayRef<int64_t>{p.getDimSize(0), 1, p.getDimSize(1),
                                          p.getDimSize(2)} ||
      all.getShape() !=
          ArrayRef<int64_t>{p.getDimSize(0), all.getDimSize(1),
                            p.getDimSize(1), p.getDimSize(2)} ||
      out.getShape() !=
          ArrayRef<int64_t>{p.getDimSize(0) * all.getDimSize(1),
                            p.getDimSize(1), p.getDimSize(2)})
    return Value();
  heads = all.getDimSize(1);
  return lifted.getInput1();
}

/// X = S * c (tosa.mul, zero shift) with a constant c on either side: sets
/// `rest` to S and returns c.
static std::optional<float> matchScaleMul(Value x, Value &rest) {
  auto mul = x.getDefiningOp<tosa::MulOp>();
  if (!mul || !isZeroShift(mul.getShift()))
    return std::nullopt;
  if (std::optional<float> c = splatValue(mul.getInput2())) {
    rest = mul.getInput1();
    return c;
  }
  if (std::optional<float> c = splatValue(mul.getInput1())) {
    rest = mul.getInput2();
    return c;
  }
  return std::nullopt;
}

/// `bias` * c, for a bias that was added before the scale.
static Value scaleBias(PatternRewriter &rewriter, Location loc, Value bias,
                       float c) {
  auto type = cast<RankedTensorType>(bias.getType());
  auto cType = RankedTensorType::get(SmallVector<int64_t>(type.getRank(), 1),
                                     type.getElementType());
  Value factor = tosa::ConstOp::create(rewriter, loc, cType,
                                       DenseElementsAttr::get(cType, c));
  auto shiftType = RankedTensorType::get({1}, rewriter.getI8Type());
  Value shift = tosa::ConstOp::create(
      rewriter, loc, shiftType,
      DenseElementsAttr::get(shiftType,
                             rewriter.getI8IntegerAttr(0).getValue()));
  return tosa::MulOp::create(rewriter, loc, type, bias, factor, shift);
}

/// `v` with its last two dimensions swapped (a bias given as [.., M, N]).
static Value transposeLastTwo(PatternRewriter &rewriter, Location loc,
                              Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int32_t> perm;
  for (int32_t i = 0, e = type.getRank(); i < e; ++i)
    perm.push_back(i);
  std::swap(perm[perm.size() - 1], perm[perm.size() - 2]);
  SmallVector<int64_t> shape(type.getShape());
  std::swap(shape[shape.size() - 1], shape[shape.size() - 2]);
  return tosa::TransposeOp::create(
      rewriter, loc, RankedTensorType::get(shape, type.getElementType()), v,
      rewriter.getDenseI32ArrayAttr(perm));
}

/// Whether `op` is a reduction of `input` over `axis`.
template <typename OpTy>
static bool isReduce(Value v, Value input, int64_t axis) {
  auto op = v.getDefiningOp<OpTy>();
  return op && op.getInput() == input && op.getAxis() == axis;
}

namespace {
struct RaiseAttention : public OpRewritePattern<tosa::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::MatMulOp pv,
                                PatternRewriter &rewriter) const override {
    // Multi-head attention arrives with its heads folded into the batch of
    // TOSA's 3-D matmul: P [B*H, N, M] and V [B*H, M, Dv] reshaped from 4-D.
    // One matrix broadcast over H heads folded into the batch is Reuse
    // Attention over those heads.
    int64_t sharedHeads = 1;
    Value shared = unbroadcastHeads(pv.getA(), sharedHeads);
    Value p4 = shared ? Value() : unfoldHeads(pv.getA());
    Value v4In = unfoldHeads(pv.getB());
    bool multiHead = p4 && v4In;
    Value probs = shared ? shared : multiHead ? p4 : pv.getA();
    // UniForm's form: O^T = V^T * P^T, i.e. tosa.matmul(Vt [B, Dv, M],
    // transpose(P, [0, 2, 1])); the result is [B, Dv, N].
    Value valuesT;
    if (!multiHead && !shared) {
      if (auto pT = pv.getB().getDefiningOp<tosa::TransposeOp>();
          pT && pT.getPerms() == ArrayRef<int32_t>{0, 2, 1}) {
        Value p = pT.getInput1();
        int64_t heads = 1;
        if (Value sharedP = unbroadcastHeads(p, heads))
          p = sharedP;
        if (p.getDefiningOp<tosa::MulOp>()) {
          probs = p;
          valuesT = pv.getA();
          sharedHeads = heads;
        }
      }
    }
    // The same with P^T computed directly: the softmax runs over axis 1 of
    // scores laid out [B, M, N].
    bool transposed = false;
    if (!multiHead && !shared && !valuesT &&
        pv.getB().getDefiningOp<tosa::MulOp>() &&
        !pv.getA().getDefiningOp<tosa::MulOp>()) {
      probs = pv.getB();
      valuesT = pv.getA();
      transposed = true;
    }
    int64_t axis = multiHead ? 3 : transposed ? 1 : 2;

    // P = e * reciprocal(reduce_sum(e, axis)), e = exp(x - reduce_max(x, axis)).
    auto mul = probs.getDefiningOp<tosa::MulOp>();
    if (!mul || !isZeroShift(mul.getShift()))
      return rewriter.notifyMatchFailure(pv, "A is not a normalization");
    Value e = mul.getInput1(), recip = mul.getInput2();
    auto reciprocal = recip.getDefiningOp<tosa::ReciprocalOp>();
    if (!reciprocal)
      std::swap(e, recip), reciprocal = recip.getDefiningOp<tosa::ReciprocalOp>();
    if (!reciprocal ||
        !isReduce<tosa::ReduceSumOp>(reciprocal.getInput1(), e, axis))
      return rewriter.notifyMatchFailure(pv, "no softmax sum");
    auto exp = e.getDefiningOp<tosa::ExpOp>();
    auto sub = exp ? exp.getInput1().getDefiningOp<tosa::SubOp>() : nullptr;
    if (!sub || !isReduce<tosa::ReduceMaxOp>(sub.getInput2(), sub.getInput1(),
                                             axis))
      return rewriter.notifyMatchFailure(pv, "no softmax max");
    Value x = sub.getInput1();
    // Scores transposed back before the softmax: decompose them in [B, M, N].
    auto stepThroughTranspose = [&](Value &v) {
      auto t = v.getDefiningOp<tosa::TransposeOp>();
      if (multiHead || !t || t.getPerms() != ArrayRef<int32_t>{0, 2, 1})
        return;
      v = t.getInput1();
      transposed = !transposed;
    };
    stepThroughTranspose(x);

    // x = s [* scale] [+ bias].
    Value bias;
    auto isScores = [&](Value v) {
      return v.getDefiningOp<tosa::MatMulOp>() ||
             v.getDefiningOp<tosa::MulOp>() ||
             (multiHead && v.getDefiningOp<tosa::ReshapeOp>());
    };
    // x = (s [* scale] + bias) * c: the bias is scaled with the scores.
    std::optional<float> outerScale;
    {
      Value inner;
      std::optional<float> c = matchScaleMul(x, inner);
      if (c && inner.getDefiningOp<tosa::AddOp>()) {
        outerScale = c;
        x = inner;
      }
    }
    bool biasTransposed = false;
    if (auto add = x.getDefiningOp<tosa::AddOp>()) {
      x = add.getInput1();
      bias = add.getInput2();
      if (!isScores(x))
        std::swap(x, bias);
      biasTransposed = transposed;
    }
    float scale = 1.0f;
    if (auto scaleMul = x.getDefiningOp<tosa::MulOp>()) {
      if (!isZeroShift(scaleMul.getShift()))
        return rewriter.notifyMatchFailure(pv, "scale with a shift");
      Value scores;
      std::optional<float> s = matchScaleMul(x, scores);
      if (!s)
        return rewriter.notifyMatchFailure(pv, "scale is not a constant");
      scale = *s;
      x = scores;
    }
    if (outerScale)
      scale *= *outerScale;
    // attn ops take a finite, positive scale; other graphs are not raised.
    if (!std::isfinite(scale) || scale <= 0.0f)
      return rewriter.notifyMatchFailure(pv,
                                         "scale is not finite and positive");
    if (multiHead) {
      // The scores [B, H, N, M] are the 3-D product reshaped back.
      auto back = x.getDefiningOp<tosa::ReshapeOp>();
      if (!back)
        return rewriter.notifyMatchFailure(pv, "no multi-head score product");
      x = back.getInput1();
    }
    stepThroughTranspose(x);
    auto qk = x.getDefiningOp<tosa::MatMulOp>();
    if (!qk)
      return rewriter.notifyMatchFailure(pv, "no score product");
    for (Value zp : {qk.getAZp(), qk.getBZp(), pv.getAZp(), pv.getBZp()})
      if (auto z = splatValue(zp); !z || *z != 0.0f)
        return rewriter.notifyMatchFailure(pv, "non-zero zero points");
    Value q = qk.getA(), kT = qk.getB(), v = pv.getB();
    // The attention op is located at the value product and the softmax it
    // replaces (attn-fusion-report finds the softmax through it).
    Location loc = rewriter.getFusedLoc({pv.getLoc(), mul.getLoc()});
    auto transpose3 = [&](Value x) -> Value {
      auto t = cast<RankedTensorType>(x.getType());
      if (auto op = x.getDefiningOp<tosa::TransposeOp>();
          op && op.getPerms() == ArrayRef<int32_t>{0, 2, 1})
        return op.getInput1();
      return tosa::TransposeOp::create(
          rewriter, loc,
          RankedTensorType::get(
              {t.getDimSize(0), t.getDimSize(2), t.getDimSize(1)},
              t.getElementType()),
          x, rewriter.getDenseI32ArrayAttr({0, 2, 1}));
    };
    if (transposed) {
      // The scores are K * Q^T [B, M, N]: Q is the right operand transposed
      // and K^T the left one's.
      q = transpose3(qk.getB());
      kT = transpose3(qk.getA());
    }
    if (valuesT)
      v = transpose3(valuesT); // V [B, M, Dv]
    if (multiHead) {
      q = unfoldHeads(q);
      kT = unfoldHeads(kT);
      v = v4In;
      if (!q || !kT)
        return rewriter.notifyMatchFailure(pv, "heads of Q or K not found");
    }
    // The score product is Q * B for some B = K^T; K is B transposed back
    // (a transpose of a transpose folds away).
    auto kTType = cast<RankedTensorType>(kT.getType());
    SmallVector<int32_t> perm;
    for (int64_t i = 0; i + 2 < kTType.getRank(); ++i)
      perm.push_back(i);
    perm.append({static_cast<int32_t>(kTType.getRank() - 1),
                 static_cast<int32_t>(kTType.getRank() - 2)});
    SmallVector<int64_t> kShape(kTType.getShape());
    std::swap(kShape[kShape.size() - 1], kShape[kShape.size() - 2]);
    Value k;
    if (auto t = kT.getDefiningOp<tosa::TransposeOp>();
        t && t.getPerms() == ArrayRef<int32_t>(perm))
      k = t.getInput1(); // the exporter's own K^T
    // Heads raised one by one reuse the first one's transpose of the same
    // keys, so that they share K (attn-reuse-heads and the head merge below
    // compare operands by identity).
    for (Operation *user : kT.getUsers()) {
      auto t = dyn_cast<tosa::TransposeOp>(user);
      if (!k && t && t.getPerms() == ArrayRef<int32_t>(perm) &&
          t->getBlock() == pv->getBlock() && t->isBeforeInBlock(pv))
        k = t.getResult();
    }
    if (!k) {
      // Right after the keys, where every later head's product can use it.
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointAfterValue(kT);
      k = tosa::TransposeOp::create(
          rewriter, loc,
          RankedTensorType::get(kShape, kTType.getElementType()), kT,
          rewriter.getDenseI32ArrayAttr(perm));
    }
    auto qType = cast<RankedTensorType>(q.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    auto pvType = cast<RankedTensorType>(pv.getType());
    // The [B, N, Dv] result the attention op computes.
    auto outType =
        valuesT ? RankedTensorType::get({pvType.getDimSize(0),
                                         pvType.getDimSize(2),
                                         pvType.getDimSize(1)},
                                        pvType.getElementType())
                : pvType;
    if (!qType.getElementType().isF32() || !vType.hasStaticShape() ||
        !qType.hasStaticShape())
      return rewriter.notifyMatchFailure(pv, "static f32 shapes only");
    if (bias) {
      auto biasType = dyn_cast<RankedTensorType>(bias.getType());
      if (!biasType || !biasType.getElementType().isF32())
        return rewriter.notifyMatchFailure(pv, "bias is not f32");
      // A bias reshaped from [N, M] to [1, N, M] is passed as [N, M].
      if (auto reshape = bias.getDefiningOp<tosa::ReshapeOp>()) {
        auto from = cast<RankedTensorType>(reshape.getInput1().getType());
        if (from.getRank() == 2 && biasType.getRank() == 3 &&
            biasType.getDimSize(0) == 1)
          bias = reshape.getInput1();
      }
      if (outerScale)
        bias = scaleBias(rewriter, loc, bias, *outerScale);
      if (biasTransposed) {
        if (biasType.getRank() < 2)
          return rewriter.notifyMatchFailure(pv, "a bias of rank < 2 on "
                                                 "transposed scores");
        bias = transposeLastTwo(rewriter, loc, bias);
      }
    }

    if (multiHead) {
      // attn.mha [B, H, N, Dv], folded back into [B*H, N, Dv] for pv's users.
      auto q4 = cast<RankedTensorType>(q.getType());
      auto mha = attn::MultiHeadAttentionOp::create(
          rewriter, loc,
          RankedTensorType::get({q4.getDimSize(0), q4.getDimSize(1),
                                 q4.getDimSize(2), vType.getDimSize(3)},
                                outType.getElementType()),
          q, k, v, bias, rewriter.getF32FloatAttr(scale));
      rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
          pv, outType, mha.getResult(),
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
      return success();
    }

    // V [B*H, M, Dv] as H heads (one unless the matrix was broadcast):
    // [B, H, M, Dv]; the result back to [B*H, N, Dv].
    int64_t batch = qType.getDimSize(0), keys = vType.getDimSize(1),
            dv = vType.getDimSize(2);
    if (batch * sharedHeads != vType.getDimSize(0))
      return rewriter.notifyMatchFailure(pv, "values do not match the "
                                             "shared matrix's batch");
    auto v4Type = RankedTensorType::get({batch, sharedHeads, keys, dv},
                                        vType.getElementType());
    // Values the exporter folded from [B, H, M, Dv] are taken unfolded.
    Value v4 = unfoldHeads(v);
    if (!v4 || v4.getType() != v4Type)
      v4 = tensor::ExpandShapeOp::create(
          rewriter, loc, v4Type, v,
          SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    auto r4Type = RankedTensorType::get(
        {batch, sharedHeads, outType.getDimSize(1), dv},
        outType.getElementType());
    auto attnOp = attn::ReuseAttentionOp::create(
        rewriter, loc, r4Type, q, k, v4, bias,
        rewriter.getF32FloatAttr(scale));
    Value result = tensor::CollapseShapeOp::create(
        rewriter, loc, outType, attnOp.getResult(),
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    if (valuesT)
      result = transpose3(result); // back to [B, Dv, N]
    rewriter.replaceOp(pv, result);
    return success();
  }
};

/// UniForm's heads after raising: tosa.concat along axis 1 of
/// transpose(collapse(attn.reuse_i)) results ([B, Dv_i, N] each), every
/// attn.reuse single-headed over the same Q, K, bias and scale. One
/// attn.reuse over the stacked values computes them all: its [B, H, N, Dv]
/// result, transposed to [B, H, Dv, N] and collapsed to [B, H*Dv, N], is the
/// concatenation.
struct MergeTransposedHeads : public OpRewritePattern<tosa::ConcatOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::ConcatOp concat,
                                PatternRewriter &rewriter) const override {
    if (concat.getAxis() != 1 || concat.getInput1().size() < 2)
      return failure();
    SmallVector<attn::ReuseAttentionOp> heads;
    for (Value operand : concat.getInput1()) {
      auto t = operand.getDefiningOp<tosa::TransposeOp>();
      auto collapse =
          t ? t.getInput1().getDefiningOp<tensor::CollapseShapeOp>() : nullptr;
      auto op = collapse ? collapse.getSrc()
                               .getDefiningOp<attn::ReuseAttentionOp>()
                         : nullptr;
      if (!t || t.getPerms() != ArrayRef<int32_t>{0, 2, 1} || !op ||
          op.getValueType().getDimSize(1) != 1 ||
          !op.getValueType().hasStaticShape())
        return rewriter.notifyMatchFailure(concat, "not transposed heads");
      heads.push_back(op);
    }
    attn::ReuseAttentionOp first = heads.front();
    int64_t dv = first.getValueType().getDimSize(3);
    for (attn::ReuseAttentionOp op : heads)
      if (op.getQuery() != first.getQuery() || op.getKey() != first.getKey() ||
          op.getBias() != first.getBias() ||
          op.getScale() != first.getScale() ||
          op.getValueType().getDimSize(3) != dv)
        return rewriter.notifyMatchFailure(concat, "heads do not share A");

    // Located at the concatenation and every head's softmax.
    SmallVector<Location> locs = {concat.getLoc()};
    for (attn::ReuseAttentionOp op : heads)
      locs.push_back(op.getLoc());
    Location loc = rewriter.getFusedLoc(locs);
    SmallVector<Value> values;
    for (attn::ReuseAttentionOp op : heads)
      values.push_back(op.getValue());
    RankedTensorType v1 = first.getValueType();
    int64_t h = heads.size();
    auto vType = RankedTensorType::get(
        {v1.getDimSize(0), h, v1.getDimSize(2), dv}, v1.getElementType());
    Value stacked = tosa::ConcatOp::create(rewriter, loc, vType, values,
                                           rewriter.getI32IntegerAttr(1));
    auto r1 = cast<RankedTensorType>(first.getResult().getType());
    int64_t b = r1.getDimSize(0), n = r1.getDimSize(2);
    auto merged = attn::ReuseAttentionOp::create(
        rewriter, loc,
        RankedTensorType::get({b, h, n, dv}, r1.getElementType()),
        first.getQuery(), first.getKey(), stacked, first.getBias(),
        first.getScaleAttr());
    Value t = tosa::TransposeOp::create(
        rewriter, loc,
        RankedTensorType::get({b, h, dv, n}, r1.getElementType()),
        merged.getResult(), rewriter.getDenseI32ArrayAttr({0, 1, 3, 2}));
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        concat, concat.getType(), t,
        SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}});
    return success();
  }
};

struct AttnRaisePass
    : public uniform::impl::AttnRaiseBase<AttnRaisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateTosaToAttnPatterns(patterns);
    populateLinalgToAttnPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void uniform::populateTosaToAttnPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseAttention, MergeTransposedHeads>(patterns.getContext());
}
