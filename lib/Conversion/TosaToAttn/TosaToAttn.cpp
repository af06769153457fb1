//===- TosaToAttn.cpp - Find attention in TOSA graphs ---------------------===//
//
// `attn-raise`: matches
//
//   S = tosa.matmul(Q, tosa.transpose(K, [0, 2, 1]))      [B, N, M]
//   X = S [* scale] [+ bias]                              (constant scale)
//   P = exp(X - reduce_max(X, 2)) * reciprocal(reduce_sum(exp(...), 2))
//   O = tosa.matmul(P, V)                                  [B, N, Dv]
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

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

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
    // P = e * reciprocal(reduce_sum(e, 2)), e = exp(x - reduce_max(x, 2)).
    auto mul = pv.getA().getDefiningOp<tosa::MulOp>();
    if (!mul || !isZeroShift(mul.getShift()))
      return rewriter.notifyMatchFailure(pv, "A is not a normalization");
    Value e = mul.getInput1(), recip = mul.getInput2();
    auto reciprocal = recip.getDefiningOp<tosa::ReciprocalOp>();
    if (!reciprocal)
      std::swap(e, recip), reciprocal = recip.getDefiningOp<tosa::ReciprocalOp>();
    if (!reciprocal ||
        !isReduce<tosa::ReduceSumOp>(reciprocal.getInput1(), e, 2))
      return rewriter.notifyMatchFailure(pv, "no softmax sum");
    auto exp = e.getDefiningOp<tosa::ExpOp>();
    auto sub = exp ? exp.getInput1().getDefiningOp<tosa::SubOp>() : nullptr;
    if (!sub || !isReduce<tosa::ReduceMaxOp>(sub.getInput2(), sub.getInput1(),
                                             2))
      return rewriter.notifyMatchFailure(pv, "no softmax max");
    Value x = sub.getInput1();

    // x = s [* scale] [+ bias].
    Value bias;
    if (auto add = x.getDefiningOp<tosa::AddOp>()) {
      x = add.getInput1();
      bias = add.getInput2();
      if (!x.getDefiningOp<tosa::MatMulOp>() && !x.getDefiningOp<tosa::MulOp>())
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
    auto qk = x.getDefiningOp<tosa::MatMulOp>();
    if (!qk)
      return rewriter.notifyMatchFailure(pv, "no score product");
    auto kt = qk.getB().getDefiningOp<tosa::TransposeOp>();
    if (!kt || kt.getPerms() != ArrayRef<int32_t>{0, 2, 1})
      return rewriter.notifyMatchFailure(pv, "keys are not transposed");
    for (Value zp : {qk.getAZp(), qk.getBZp(), pv.getAZp(), pv.getBZp()})
      if (auto z = splatValue(zp); !z || *z != 0.0f)
        return rewriter.notifyMatchFailure(pv, "non-zero zero points");

    Value q = qk.getA(), k = kt.getInput1(), v = pv.getB();
    auto qType = cast<RankedTensorType>(q.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    auto outType = cast<RankedTensorType>(pv.getType());
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

    // V [B, M, Dv] as one head: [B, 1, M, Dv]; the result back to [B, N, Dv].
    Location loc = pv.getLoc();
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
    rewriter.replaceOp(pv, result);
    return success();
  }
};

struct AttnRaisePass
    : public uniform::impl::AttnRaiseBase<AttnRaisePass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateTosaToAttnPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};
} // namespace

void uniform::populateTosaToAttnPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseAttention>(patterns.getContext());
}
