//===- LinalgToAttn.cpp - Find attention in linalg on tensors -------------===//
//
// The linalg-on-tensors half of `attn-raise`: matches
//
//   S = linalg.batch_matmul ins(Q, KT)                     [B, N, M]
//   X = S [* scale | / scale] [+ bias]    (linalg.mul/div/add, or an
//                                          elementwise linalg.generic
//                                          mulf/divf by a constant)
//   P = linalg.softmax dimension(2) ins(X)
//   O = linalg.batch_matmul ins(P, V)                      [B, N, Dv]
//
// with default indexing maps, and replaces O by a single-head `attn.reuse`
// (V seen as [B, 1, M, Dv]) over K = transpose(KT) (the transpose's input
// when KT is a linalg.transpose of K). The bias is [B, N, M], or [N, M]
// broadcast along the batch by linalg.broadcast. Anything else is left alone.
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/TosaToAttn.h"

#include "uniform/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>

using namespace mlir;
using namespace uniform;

/// The f32 constant every element of `v` holds: a splat constant or a
/// linalg.fill of a constant.
static std::optional<float> splatFloat(Value v) {
  if (auto fill = v.getDefiningOp<linalg::FillOp>())
    v = fill.getInputs()[0];
  FloatAttr scalar;
  if (matchPattern(v, m_Constant(&scalar)) && scalar.getType().isF32())
    return scalar.getValueAsDouble();
  DenseElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr)) && attr.isSplat() &&
      attr.getElementType().isF32())
    return attr.getSplatValue<APFloat>().convertToFloat();
  return std::nullopt;
}

/// Whether `op` is a plain batch matmul (default indexing maps, f32).
static bool isPlainBatchMatmul(linalg::BatchMatmulOp op) {
  return op && !op.hasUserDefinedMaps() &&
         cast<RankedTensorType>(op.getResult(0).getType())
             .getElementType()
             .isF32();
}

/// X = S * c or S / c with a constant c, as a named op or as an elementwise
/// linalg.generic whose body multiplies or divides its one input by a
/// constant defined outside it. Sets `scores` to S and returns the factor.
static std::optional<float> matchScale(Value x, Value &scores) {
  Operation *op = x.getDefiningOp();
  if (!op)
    return std::nullopt;
  if (isa<linalg::MulOp, linalg::DivOp>(op)) {
    auto named = cast<linalg::LinalgOp>(op);
    Value a = named.getDpsInputs()[0], b = named.getDpsInputs()[1];
    std::optional<float> c = splatFloat(b);
    if (!c && isa<linalg::MulOp>(op)) {
      std::swap(a, b);
      c = splatFloat(b);
    }
    if (!c || (isa<linalg::DivOp>(op) && *c == 0.0f))
      return std::nullopt;
    scores = a;
    return isa<linalg::DivOp>(op) ? 1.0f / *c : *c;
  }
  auto generic = dyn_cast<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumResults() != 1 ||
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !llvm::all_of(generic.getIndexingMapsArray(),
                    [](AffineMap m) { return m.isIdentity(); }))
    return std::nullopt;
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 2)
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Operation *arith = yield.getOperand(0).getDefiningOp();
  if (!arith || !isa<arith::MulFOp, arith::DivFOp>(arith))
    return std::nullopt;
  Value in = body.getArgument(0);
  Value a = arith->getOperand(0), b = arith->getOperand(1);
  if (isa<arith::MulFOp>(arith) && b == in)
    std::swap(a, b);
  std::optional<float> c = a == in ? splatFloat(b) : std::nullopt;
  if (!c || (isa<arith::DivFOp>(arith) && *c == 0.0f))
    return std::nullopt;
  scores = generic.getDpsInputs()[0];
  return isa<arith::DivFOp>(arith) ? 1.0f / *c : *c;
}

namespace {
struct RaiseLinalgAttention : public OpRewritePattern<linalg::BatchMatmulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::BatchMatmulOp pv,
                                PatternRewriter &rewriter) const override {
    if (!isPlainBatchMatmul(pv))
      return rewriter.notifyMatchFailure(pv, "not a plain f32 batch_matmul");
    auto softmax = pv.getDpsInputs()[0].getDefiningOp<linalg::SoftmaxOp>();
    if (!softmax || softmax.getDimension() != 2)
      return rewriter.notifyMatchFailure(pv, "A is not a softmax over keys");
    Value x = softmax.getInput();

    Value bias;
    if (auto add = x.getDefiningOp<linalg::AddOp>()) {
      Value a = add.getDpsInputs()[0], b = add.getDpsInputs()[1];
      Value ignored;
      auto isScores = [&](Value v) {
        return v.getDefiningOp<linalg::BatchMatmulOp>() ||
               matchScale(v, ignored).has_value();
      };
      if (!isScores(a))
        std::swap(a, b);
      if (!isScores(a))
        return rewriter.notifyMatchFailure(pv, "no score product under +");
      x = a;
      bias = b;
      // A [N, M] bias broadcast along the batch is passed as [N, M].
      if (auto bc = bias.getDefiningOp<linalg::BroadcastOp>();
          bc && bc.getDimensions() == ArrayRef<int64_t>{0})
        bias = bc.getInput();
    }
    float scale = 1.0f;
    Value scores;
    if (std::optional<float> s = matchScale(x, scores)) {
      scale = *s;
      x = scores;
    }
    // attn ops take a finite, positive scale; other graphs are not raised.
    if (!std::isfinite(scale) || scale <= 0.0f)
      return rewriter.notifyMatchFailure(pv,
                                         "scale is not finite and positive");
    auto qk = x.getDefiningOp<linalg::BatchMatmulOp>();
    if (!isPlainBatchMatmul(qk))
      return rewriter.notifyMatchFailure(pv, "no score product");

    Value q = qk.getDpsInputs()[0], kT = qk.getDpsInputs()[1];
    Value v = pv.getDpsInputs()[1];
    auto qType = cast<RankedTensorType>(q.getType());
    auto kTType = cast<RankedTensorType>(kT.getType());
    auto vType = cast<RankedTensorType>(v.getType());
    if (!qType.hasStaticShape() || !kTType.hasStaticShape() ||
        !vType.hasStaticShape() || !qType.getElementType().isF32() ||
        !vType.getElementType().isF32())
      return rewriter.notifyMatchFailure(pv, "static f32 shapes only");
    if (bias && !cast<RankedTensorType>(bias.getType()).getElementType().isF32())
      return rewriter.notifyMatchFailure(pv, "bias is not f32");

    Location loc = rewriter.getFusedLoc({pv.getLoc(), softmax.getLoc()});
    Value k;
    if (auto t = kT.getDefiningOp<linalg::TransposeOp>();
        t && t.getPermutation() == ArrayRef<int64_t>{0, 2, 1})
      k = t.getInput();
    if (!k) {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointAfterValue(kT);
      SmallVector<int64_t> shape = {kTType.getDimSize(0), kTType.getDimSize(2),
                                    kTType.getDimSize(1)};
      Value init = tensor::EmptyOp::create(rewriter, loc, shape,
                                           kTType.getElementType());
      k = linalg::TransposeOp::create(rewriter, loc, kT, init,
                                      ArrayRef<int64_t>{0, 2, 1})
              ->getResult(0);
    }

    int64_t batch = vType.getDimSize(0), keys = vType.getDimSize(1),
            dv = vType.getDimSize(2), queries = qType.getDimSize(1);
    Value v4 = tensor::ExpandShapeOp::create(
        rewriter, loc,
        RankedTensorType::get({batch, 1, keys, dv}, vType.getElementType()), v,
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    auto attnOp = attn::ReuseAttentionOp::create(
        rewriter, loc,
        RankedTensorType::get({batch, 1, queries, dv}, vType.getElementType()),
        q, k, v4, bias, rewriter.getF32FloatAttr(scale));
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        pv, pv.getResult(0).getType(), attnOp.getResult(),
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
    return success();
  }
};
} // namespace

void uniform::populateLinalgToAttnPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseLinalgAttention>(patterns.getContext());
}
