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
    Value p4 = unfoldHeads(pv.getA()), v4In = unfoldHeads(pv.getB());
    bool multiHead = p4 && v4In;
    Value probs = multiHead ? p4 : pv.getA();
    // UniForm's form: O^T = V^T * P^T, i.e. tosa.matmul(Vt [B, Dv, M],
    // transpose(P, [0, 2, 1])); the result is [B, Dv, N].
    Value valuesT;
    if (!multiHead) {
      if (auto pT = pv.getB().getDefiningOp<tosa::TransposeOp>();
          pT && pT.getPerms() == ArrayRef<int32_t>{0, 2, 1} &&
          pT.getInput1().getDefiningOp<tosa::MulOp>()) {
        probs = pT.getInput1();
        valuesT = pv.getA();
      }
    }
    int64_t axis = multiHead ? 3 : 2;

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

    // x = s [* scale] [+ bias].
    Value bias;
    auto isScores = [&](Value v) {
      return v.getDefiningOp<tosa::MatMulOp>() ||
             v.getDefiningOp<tosa::MulOp>() ||
             (multiHead && v.getDefiningOp<tosa::ReshapeOp>());
    };
    if (auto add = x.getDefiningOp<tosa::AddOp>()) {
      x = add.getInput1();
      bias = add.getInput2();
      if (!isScores(x))
        std::swap(x, bias);
    }
    float scale = 1.0f;
    if (auto scaleMul = x.getDefiningOp<tosa::MulOp>()) {
      if (!isZeroShift(scaleMul.getShift()))
        return rewriter.notifyMatchFailure(pv, "scale with a shift");
      std::optional<float> s = splatValue(scaleMul.getInput2());
      Value scores = scaleMul.getInput1();
      if (!s) {
        s = splatValue(scaleMul.getInput1());
        scores = scaleMul.getInput2();
      }
      if (!s)
        return rewriter.notifyMatchFailure(pv, "scale is not a constant");
      scale = *s;
      x = scores;
    }
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
    auto qk = x.getDefiningOp<tosa::MatMulOp>();
    if (!qk)
      return rewriter.notifyMatchFailure(pv, "no score product");
    for (Value zp : {qk.getAZp(), qk.getBZp(), pv.getAZp(), pv.getBZp()})
      if (auto z = splatValue(zp); !z || *z != 0.0f)
        return rewriter.notifyMatchFailure(pv, "non-zero zero points");
    Value q = qk.getA(), kT = qk.getB(), v = pv.getB();
    Location loc = pv.getLoc();
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

    // V [B, M, Dv] as one head: [B, 1, M, Dv]; the result back to [B, N, Dv].
    int64_t batch = vType.getDimSize(0), keys = vType.getDimSize(1),
            dv = vType.getDimSize(2);
    auto v4Type = RankedTensorType::get({batch, 1, keys, dv},
                                        vType.getElementType());
    Value v4 = tensor::ExpandShapeOp::create(
        rewriter, loc, v4Type, v,
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    auto r4Type = RankedTensorType::get(
        {batch, 1, outType.getDimSize(1), dv}, outType.getElementType());
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

    Location loc = concat.getLoc();
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
