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
// and replaces O by a single-head `attn.reuse` (V seen as [B, 1, M, Dv]),
// an `attn.reuse` over H heads when one matrix is broadcast over heads
// folded into the batch, or an `attn.mha` for heads folded into the batch.
// Also: a bias added before the scale, and scores laid out [B, M, N].
// Layered as a pure matcher (matchTosaAttention), a builder, the core
// function raiseTosaAttention, the pattern and the pass. Ops that share Q,
// K, bias and scale are then what attn-reuse-heads merges.
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/TosaToAttn.h"
#include "uniform/Conversion/Passes.h"

#include "RaiseDiagnostics.h"

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

/// Whether every dimension of `t` but the first (the batch) is static.
static bool isStaticButBatch(RankedTensorType t) {
  return t.getRank() >= 1 &&
         llvm::none_of(t.getShape().drop_front(), ShapedType::isDynamic);
}

/// B * H, dynamic when B is.
static int64_t foldedBatch(int64_t batch, int64_t heads) {
  return ShapedType::isDynamic(batch) ? ShapedType::kDynamic : batch * heads;
}

/// The [B, H, X, Y] tensor that `v` ([B*H, X, Y]) was reshaped from, as the
/// importer folds the head dimension into TOSA matmul's batch. B may be
/// dynamic (then so is B*H).
static Value unfoldHeads(Value v) {
  auto reshape = v.getDefiningOp<tosa::ReshapeOp>();
  if (!reshape)
    return Value();
  auto from = cast<RankedTensorType>(reshape.getInput1().getType());
  auto to = cast<RankedTensorType>(v.getType());
  if (from.getRank() != 4 || to.getRank() != 3 || !isStaticButBatch(from) ||
      !isStaticButBatch(to) ||
      foldedBatch(from.getDimSize(0), from.getDimSize(1)) != to.getDimSize(0) ||
      from.getDimSize(2) != to.getDimSize(1) ||
      from.getDimSize(3) != to.getDimSize(2))
    return Value();
  return reshape.getInput1();
}

/// Whether `v` is [B*H, X, Y] (static but for a dynamic B): H heads of B
/// batches folded into one batch dimension, whatever it was reshaped from.
static bool foldsHeads(Value v, int64_t batch, int64_t heads) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && t.getRank() == 3 && isStaticButBatch(t) &&
         t.getDimSize(0) == foldedBatch(batch, heads);
}

/// `v` ([B*H, X, Y]) as [B, H, X, Y]: the 4-D tensor it was reshaped from
/// when that is one, else a tensor.expand_shape.
static Value unfoldHeadsAs(OpBuilder &b, Location loc, Value v, int64_t batch,
                           int64_t heads) {
  auto t = cast<RankedTensorType>(v.getType());
  auto type = RankedTensorType::get(
      {batch, heads, t.getDimSize(1), t.getDimSize(2)}, t.getElementType());
  if (Value unfolded = unfoldHeads(v); unfolded && unfolded.getType() == type)
    return unfolded;
  return tensor::ExpandShapeOp::create(
      b, loc, type, v, SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
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
  if (p.getRank() != 3 || !isStaticButBatch(p) || all.getRank() != 4 ||
      !isStaticButBatch(all) ||
      one.getShape() != ArrayRef<int64_t>{p.getDimSize(0), 1, p.getDimSize(1),
                                          p.getDimSize(2)} ||
      all.getShape() != ArrayRef<int64_t>{p.getDimSize(0), all.getDimSize(1),
                                          p.getDimSize(1), p.getDimSize(2)} ||
      out.getShape() !=
          ArrayRef<int64_t>{foldedBatch(p.getDimSize(0), all.getDimSize(1)),
                            p.getDimSize(1), p.getDimSize(2)})
    return Value();
  heads = all.getDimSize(1);
  return lifted.getInput1();
}

/// X = S * c (tosa.mul, zero shift) with a constant c on either side that
/// does not broadcast S to a larger shape: sets `rest` to S and returns c.
static std::optional<float> matchScaleMul(Value x, Value &rest) {
  auto mul = x.getDefiningOp<tosa::MulOp>();
  if (!mul || !isZeroShift(mul.getShift()))
    return std::nullopt;
  for (auto [scaled, factor] : {std::pair(mul.getInput1(), mul.getInput2()),
                                std::pair(mul.getInput2(), mul.getInput1())}) {
    std::optional<float> c = splatValue(factor);
    if (c && scaled.getType() == x.getType()) {
      rest = scaled;
      return c;
    }
  }
  return std::nullopt;
}

/// `bias` * c, for a bias that was added before the scale.
static Value scaleBias(OpBuilder &rewriter, Location loc, Value bias, float c) {
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
static Value transposeLastTwo(OpBuilder &rewriter, Location loc, Value v) {
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

//===----------------------------------------------------------------------===//
// Matching (no IR changes)
//===----------------------------------------------------------------------===//

namespace {
/// What the matcher found, before anything is created.
struct TosaAttentionMatch {
  /// The softmax's normalization (the op the attention op is located at).
  tosa::MulOp softmax;
  /// The softmax's axis: 2, 1 for scores laid out [B, M, N], 3 for heads.
  int64_t axis = 2;
  /// Heads folded into the batch: P [B*H, N, M] and V [B*H, M, Dv] reshaped
  /// from 4-D.
  bool multiHead = false;
  /// H > 1: one matrix broadcast over H heads folded into the batch.
  int64_t sharedHeads = 1;
  /// The scores are K * Q^T ([B, M, N]).
  bool transposedScores = false;
  /// The value operand as it is multiplied: V [B, M, Dv], or V^T
  /// [B, Dv, M] for the O^T = V^T * P^T forms (then `valuesTransposed`).
  Value values;
  bool valuesTransposed = false;
  /// The multi-head split [B, H] of the batch (from the probabilities'
  /// layout); Q, K and V are unfolded to it.
  int64_t batch4 = 0, heads4 = 0;
  tosa::MatMulOp scores;
  Value bias;
  /// The bias is laid out like transposed scores ([.., M, N]).
  bool biasTransposed = false;
  /// The factor a bias added before the scale is multiplied by.
  std::optional<float> biasScale;
  float scale = 1.0f;
};
} // namespace

using uniform::detail::fail;

/// Finds the probabilities and values of the value product `pv`: P * V,
/// heads folded into the batch, a matrix broadcast over heads, or V^T * P^T
/// with P^T transposed from P or computed directly.
static Value matchValueProduct(tosa::MatMulOp pv, TosaAttentionMatch &m) {
  Value shared = unbroadcastHeads(pv.getA(), m.sharedHeads);
  Value p4 = shared ? Value() : unfoldHeads(pv.getA());
  if (p4) {
    auto t = cast<RankedTensorType>(p4.getType());
    m.batch4 = t.getDimSize(0);
    m.heads4 = t.getDimSize(1);
  }
  m.multiHead = p4 && foldsHeads(pv.getB(), m.batch4, m.heads4);
  m.values = pv.getB();
  if (shared)
    return shared;
  if (m.multiHead) {
    m.axis = 3;
    return p4;
  }
  // UniForm's form: O^T = V^T * P^T, i.e. tosa.matmul(Vt [B, Dv, M],
  // transpose(P, [0, 2, 1])); the result is [B, Dv, N].
  if (auto pT = pv.getB().getDefiningOp<tosa::TransposeOp>();
      pT && pT.getPerms() == ArrayRef<int32_t>{0, 2, 1}) {
    Value p = pT.getInput1();
    int64_t heads = 1;
    if (Value sharedP = unbroadcastHeads(p, heads))
      p = sharedP;
    if (p.getDefiningOp<tosa::MulOp>()) {
      m.values = pv.getA();
      m.valuesTransposed = true;
      m.sharedHeads = heads;
      return p;
    }
  }
  // The same with P^T computed directly: the softmax runs over axis 1 of
  // scores laid out [B, M, N].
  if (pv.getB().getDefiningOp<tosa::MulOp>() &&
      !pv.getA().getDefiningOp<tosa::MulOp>()) {
    m.values = pv.getA();
    m.valuesTransposed = true;
    m.transposedScores = true;
    m.axis = 1;
    return pv.getB();
  }
  return pv.getA();
}

/// P = e * reciprocal(reduce_sum(e, axis)), e = exp(x - reduce_max(x, axis)):
/// sets the softmax and returns x.
static FailureOr<Value> matchSoftmax(Value probs, TosaAttentionMatch &m,
                                     std::string *reason) {
  auto mul = probs.getDefiningOp<tosa::MulOp>();
  if (!mul || !isZeroShift(mul.getShift()))
    return fail(reason, "A is not a normalization");
  Value e = mul.getInput1(), recip = mul.getInput2();
  auto reciprocal = recip.getDefiningOp<tosa::ReciprocalOp>();
  if (!reciprocal) {
    std::swap(e, recip);
    reciprocal = recip.getDefiningOp<tosa::ReciprocalOp>();
  }
  if (!reciprocal ||
      !isReduce<tosa::ReduceSumOp>(reciprocal.getInput1(), e, m.axis))
    return fail(reason, "no softmax sum");
  auto exp = e.getDefiningOp<tosa::ExpOp>();
  auto sub = exp ? exp.getInput1().getDefiningOp<tosa::SubOp>() : nullptr;
  if (!sub ||
      !isReduce<tosa::ReduceMaxOp>(sub.getInput2(), sub.getInput1(), m.axis))
    return fail(reason, "no softmax max");
  m.softmax = mul;
  return sub.getInput1();
}

/// x = S [* scale] [+ bias], or (S [* scale] + bias) * c, with transposes
/// of the scores on the way: sets the scale, the bias and the score product.
static LogicalResult matchScores(Value x, TosaAttentionMatch &m,
                                 std::string *reason) {
  // Scores transposed back before the softmax: decompose them in [B, M, N].
  auto stepThroughTranspose = [&](Value &v) {
    auto t = v.getDefiningOp<tosa::TransposeOp>();
    if (m.multiHead || !t || t.getPerms() != ArrayRef<int32_t>{0, 2, 1})
      return;
    v = t.getInput1();
    m.transposedScores = !m.transposedScores;
  };
  stepThroughTranspose(x);
  // (S + bias) * c: the bias is scaled with the scores.
  Value inner;
  if (std::optional<float> c = matchScaleMul(x, inner);
      c && inner.getDefiningOp<tosa::AddOp>()) {
    m.biasScale = c;
    x = inner;
  }
  auto isScores = [&](Value v) {
    return v.getDefiningOp<tosa::MatMulOp>() ||
           v.getDefiningOp<tosa::MulOp>() ||
           v.getDefiningOp<tosa::TransposeOp>() ||
           (m.multiHead && v.getDefiningOp<tosa::ReshapeOp>());
  };
  if (auto add = x.getDefiningOp<tosa::AddOp>()) {
    x = add.getInput1();
    m.bias = add.getInput2();
    if (!isScores(x))
      std::swap(x, m.bias);
    m.biasTransposed = m.transposedScores;
    // The bias broadcasts to the scores; scores that the bias broadcasts to
    // more rows or columns are not attention's.
    if (x.getType() != add.getType())
      return fail(reason, "the bias broadcasts the scores");
  }
  if (auto scaleMul = x.getDefiningOp<tosa::MulOp>()) {
    if (!isZeroShift(scaleMul.getShift()))
      return fail(reason, "scale with a shift");
    Value scores;
    std::optional<float> s = matchScaleMul(x, scores);
    if (!s)
      return fail(reason, "scale is not a constant");
    m.scale = *s;
    x = scores;
  }
  if (m.biasScale)
    m.scale *= *m.biasScale;
  // attn ops take a finite, positive scale; other graphs are not raised.
  if (!std::isfinite(m.scale) || m.scale <= 0.0f)
    return fail(reason, "scale is not finite and positive");
  if (m.multiHead) {
    // The scores [B, H, N, M] are the 3-D product reshaped back.
    auto back = x.getDefiningOp<tosa::ReshapeOp>();
    if (!back)
      return fail(reason, "no multi-head score product");
    x = back.getInput1();
  }
  stepThroughTranspose(x);
  m.scores = x.getDefiningOp<tosa::MatMulOp>();
  if (!m.scores)
    return fail(reason, "no score product");
  return success();
}

/// The checks on types and operands that the rewrite relies on.
static LogicalResult checkOperands(tosa::MatMulOp pv, TosaAttentionMatch &m,
                                   std::string *reason) {
  for (Value zp :
       {m.scores.getAZp(), m.scores.getBZp(), pv.getAZp(), pv.getBZp()})
    if (std::optional<float> z = splatValue(zp); !z || *z != 0.0f)
      return fail(reason, "non-zero zero points");
  if (m.multiHead) {
    // Q and K fold the batch as the probabilities do ([B*H, ..]); each is
    // unfolded to [B, H] as the probabilities are laid out.
    if (!foldsHeads(m.scores.getA(), m.batch4, m.heads4) ||
        !foldsHeads(m.scores.getB(), m.batch4, m.heads4))
      return fail(reason, "Q or K does not fold the heads into the batch");
  }
  auto qType = cast<RankedTensorType>(m.scores.getA().getType());
  auto kType = cast<RankedTensorType>(m.scores.getB().getType());
  auto vType = cast<RankedTensorType>(m.values.getType());
  // A dynamic batch is raised too (a dynamic-batch ONNX import); the
  // other extents decide the match.
  if (!qType.getElementType().isF32() || !isStaticButBatch(qType) ||
      !isStaticButBatch(kType) || !isStaticButBatch(vType))
    return fail(reason, "f32 shapes static but for the batch only");
  if (!m.multiHead &&
      foldedBatch(qType.getDimSize(0), m.sharedHeads) != vType.getDimSize(0))
    return fail(reason, "values do not match the shared matrix's batch");
  if (m.bias) {
    auto biasType = dyn_cast<RankedTensorType>(m.bias.getType());
    if (!biasType || !biasType.getElementType().isF32())
      return fail(reason, "bias is not f32");
    if (m.biasTransposed && biasType.getRank() < 2)
      return fail(reason, "a bias of rank < 2 on transposed scores");
  }
  return success();
}

/// Matches the attention whose value product is `pv`, without changing IR.
/// The number of heads H that `v`'s dimension 0 (of extent `batch`) merges
/// with the batch, when `v` comes (through transposes and constant scales)
/// from a reshape that splits a [.., B, H * D] tensor into [.., B * H, D]:
/// nn.MultiheadAttention's export folds its heads into the batch so.
static std::optional<int64_t> foldedHeads(Value v, int64_t batch) {
  int64_t dim = 0; // Where the attention's batch is in `v`.
  for (int steps = 0; steps < 8; ++steps) {
    Operation *op = v.getDefiningOp();
    if (auto t = dyn_cast_or_null<tosa::TransposeOp>(op)) {
      dim = t.getPerms()[dim];
      v = t.getInput1();
      continue;
    }
    if (auto mul = dyn_cast_or_null<tosa::MulOp>(op)) {
      if (!isZeroShift(mul.getShift()))
        return std::nullopt;
      if (splatValue(mul.getInput2()))
        v = mul.getInput1();
      else if (splatValue(mul.getInput1()))
        v = mul.getInput2();
      else
        return std::nullopt;
      continue;
    }
    auto reshape = dyn_cast_or_null<tosa::ReshapeOp>(op);
    if (!reshape)
      return std::nullopt;
    auto from = cast<RankedTensorType>(reshape.getInput1().getType());
    auto to = cast<RankedTensorType>(reshape.getType());
    int64_t rank = to.getRank();
    if (!from.hasStaticShape() || !to.hasStaticShape() ||
        from.getRank() != rank || dim + 1 >= rank ||
        to.getDimSize(dim) != batch)
      return std::nullopt;
    for (int64_t d = 0; d < rank; ++d)
      if (d != dim && d != dim + 1 && from.getDimSize(d) != to.getDimSize(d))
        return std::nullopt;
    int64_t b = from.getDimSize(dim), hd = from.getDimSize(dim + 1),
            d = to.getDimSize(dim + 1);
    if (b < 1 || d < 1 || batch % b != 0 || hd != (batch / b) * d)
      return std::nullopt;
    return batch / b;
  }
  return std::nullopt;
}

/// Single-head attention over a batch that folds H heads into it, the same
/// H for Q, K and V (and no bias, whose layout would have to follow): the
/// match becomes multi-head, [B, H] = [batch / H, H].
static void unfoldBatchedHeads(TosaAttentionMatch &m) {
  if (m.multiHead || m.sharedHeads != 1 || m.bias || m.transposedScores ||
      m.valuesTransposed)
    return;
  auto qType = cast<RankedTensorType>(m.scores.getA().getType());
  int64_t batch = qType.getDimSize(0);
  std::optional<int64_t> heads = foldedHeads(m.scores.getA(), batch);
  if (!heads || *heads < 2 || foldedHeads(m.scores.getB(), batch) != heads ||
      foldedHeads(m.values, batch) != heads)
    return;
  m.multiHead = true;
  m.batch4 = batch / *heads;
  m.heads4 = *heads;
}

static FailureOr<TosaAttentionMatch> matchTosaAttention(tosa::MatMulOp pv,
                                                        std::string *reason) {
  TosaAttentionMatch m;
  Value probs = matchValueProduct(pv, m);
  FailureOr<Value> x = matchSoftmax(probs, m, reason);
  if (failed(x) || failed(matchScores(*x, m, reason)))
    return failure();
  unfoldBatchedHeads(m);
  if (failed(checkOperands(pv, m, reason)))
    return failure();
  return m;
}

//===----------------------------------------------------------------------===//
// Rewriting
//===----------------------------------------------------------------------===//

/// `x` [B, X, Y] transposed to [B, Y, X]: the transpose's input when `x` is
/// one.
static Value transpose3(OpBuilder &b, Location loc, Value x) {
  if (auto op = x.getDefiningOp<tosa::TransposeOp>();
      op && op.getPerms() == ArrayRef<int32_t>{0, 2, 1})
    return op.getInput1();
  auto t = cast<RankedTensorType>(x.getType());
  return tosa::TransposeOp::create(
      b, loc,
      RankedTensorType::get({t.getDimSize(0), t.getDimSize(2), t.getDimSize(1)},
                            t.getElementType()),
      x, b.getDenseI32ArrayAttr({0, 2, 1}));
}

/// K from K^T (the score product's right operand): the exporter's own
/// transpose's input, a transpose of the same keys an earlier head created
/// (so that heads raised one by one share K), or a new transpose right
/// after the keys, where every later head's product can use it.
static Value buildKeys(RewriterBase &rewriter, Location loc, Value kT,
                       Operation *before) {
  auto kTType = cast<RankedTensorType>(kT.getType());
  SmallVector<int32_t> perm;
  for (int64_t i = 0; i + 2 < kTType.getRank(); ++i)
    perm.push_back(i);
  perm.append({static_cast<int32_t>(kTType.getRank() - 1),
               static_cast<int32_t>(kTType.getRank() - 2)});
  if (auto t = kT.getDefiningOp<tosa::TransposeOp>();
      t && t.getPerms() == ArrayRef<int32_t>(perm))
    return t.getInput1();
  for (Operation *user : kT.getUsers()) {
    auto t = dyn_cast<tosa::TransposeOp>(user);
    if (t && t.getPerms() == ArrayRef<int32_t>(perm) &&
        t->getBlock() == before->getBlock() && t->isBeforeInBlock(before))
      return t.getResult();
  }
  SmallVector<int64_t> kShape(kTType.getShape());
  std::swap(kShape[kShape.size() - 1], kShape[kShape.size() - 2]);
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointAfterValue(kT);
  return tosa::TransposeOp::create(
      rewriter, loc, RankedTensorType::get(kShape, kTType.getElementType()), kT,
      rewriter.getDenseI32ArrayAttr(perm));
}

/// The bias as the attention op takes it: [N, M] for a [1, N, M] reshape of
/// one, scaled when it was added before the scale, transposed back when it
/// was laid out like transposed scores.
static Value buildBias(RewriterBase &rewriter, Location loc,
                       const TosaAttentionMatch &m) {
  Value bias = m.bias;
  if (!bias)
    return bias;
  auto biasType = cast<RankedTensorType>(bias.getType());
  if (auto reshape = bias.getDefiningOp<tosa::ReshapeOp>()) {
    auto from = cast<RankedTensorType>(reshape.getInput1().getType());
    if (from.getRank() == 2 && biasType.getRank() == 3 &&
        biasType.getDimSize(0) == 1 &&
        from.getShape() == biasType.getShape().drop_front())
      bias = reshape.getInput1();
  }
  if (m.biasScale)
    bias = scaleBias(rewriter, loc, bias, *m.biasScale);
  if (m.biasTransposed)
    bias = transposeLastTwo(rewriter, loc, bias);
  return bias;
}

/// Replaces `pv` by the attention op `m` describes.
static Operation *buildTosaAttention(RewriterBase &rewriter, tosa::MatMulOp pv,
                                     TosaAttentionMatch &m) {
  // The attention op is located at the value product and the softmax it
  // replaces (attn-fusion-report finds the softmax through it).
  Location loc = rewriter.getFusedLoc({pv.getLoc(), m.softmax.getLoc()});
  rewriter.setInsertionPoint(pv);
  // The scores are Q * K^T, or K * Q^T when transposed.
  Value q = m.scores.getA(), kT = m.scores.getB();
  if (m.transposedScores) {
    q = transpose3(rewriter, loc, m.scores.getB());
    kT = transpose3(rewriter, loc, m.scores.getA());
  }
  if (m.multiHead) {
    q = unfoldHeadsAs(rewriter, loc, q, m.batch4, m.heads4);
    kT = unfoldHeadsAs(rewriter, loc, kT, m.batch4, m.heads4);
  }
  Value k = buildKeys(rewriter, loc, kT, pv);
  Value bias = buildBias(rewriter, loc, m);
  auto pvType = cast<RankedTensorType>(pv.getType());
  // The [B, N, Dv] result the attention op computes.
  auto outType =
      m.valuesTransposed
          ? RankedTensorType::get({pvType.getDimSize(0), pvType.getDimSize(2),
                                   pvType.getDimSize(1)},
                                  pvType.getElementType())
          : pvType;
  auto collapseHeads = SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}};

  if (m.multiHead) {
    // attn.mha [B, H, N, Dv], folded back into [B*H, N, Dv] for pv's users.
    auto q4 = cast<RankedTensorType>(q.getType());
    Value values4 = unfoldHeadsAs(rewriter, loc, m.values, m.batch4, m.heads4);
    auto v4 = cast<RankedTensorType>(values4.getType());
    auto mha = attn::MultiHeadAttentionOp::create(
        rewriter, loc,
        RankedTensorType::get({q4.getDimSize(0), q4.getDimSize(1),
                               q4.getDimSize(2), v4.getDimSize(3)},
                              outType.getElementType()),
        q, k, values4, bias, rewriter.getF32FloatAttr(m.scale));
    rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
        pv, outType, mha.getResult(), collapseHeads);
    return mha;
  }

  // V [B*H, M, Dv] as H heads (one unless the matrix was broadcast):
  // [B, H, M, Dv]; the result back to [B*H, N, Dv].
  Value v = m.valuesTransposed ? transpose3(rewriter, loc, m.values) : m.values;
  auto vType = cast<RankedTensorType>(v.getType());
  int64_t batch = cast<RankedTensorType>(q.getType()).getDimSize(0);
  int64_t dv = vType.getDimSize(2);
  auto v4Type = RankedTensorType::get(
      {batch, m.sharedHeads, vType.getDimSize(1), dv}, vType.getElementType());
  // Values the exporter folded from [B, H, M, Dv] are taken unfolded.
  Value v4 = unfoldHeads(v);
  if (!v4 || v4.getType() != v4Type)
    v4 = tensor::ExpandShapeOp::create(rewriter, loc, v4Type, v, collapseHeads);
  auto r4Type =
      RankedTensorType::get({batch, m.sharedHeads, outType.getDimSize(1), dv},
                            outType.getElementType());
  auto reuse = attn::ReuseAttentionOp::create(
      rewriter, loc, r4Type, q, k, v4, bias, rewriter.getF32FloatAttr(m.scale));
  Value result = tensor::CollapseShapeOp::create(
      rewriter, loc, outType, reuse.getResult(), collapseHeads);
  if (m.valuesTransposed)
    result = transpose3(rewriter, loc, result); // back to [B, Dv, N]
  rewriter.replaceOp(pv, result);
  return reuse;
}

FailureOr<Operation *> uniform::raiseTosaAttention(RewriterBase &rewriter,
                                                   tosa::MatMulOp pv,
                                                   std::string *reason) {
  FailureOr<TosaAttentionMatch> match = matchTosaAttention(pv, reason);
  if (failed(match))
    return failure();
  return buildTosaAttention(rewriter, pv, *match);
}

//===----------------------------------------------------------------------===//
// Pattern and pass
//===----------------------------------------------------------------------===//

namespace {
struct RaiseAttention : public OpRewritePattern<tosa::MatMulOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::MatMulOp pv,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    if (failed(raiseTosaAttention(rewriter, pv, &reason)))
      return rewriter.notifyMatchFailure(pv, reason);
    return success();
  }
};

struct AttnRaisePass : public uniform::impl::AttnRaiseBase<AttnRaisePass> {
  using Base::Base;

  void runOnOperation() override {
    Operation *root = getOperation();
    RewritePatternSet patterns(&getContext());
    populateTosaToAttnPatterns(patterns);
    populateLinalgToAttnPatterns(patterns);
    uniform::detail::RaiseFailureRecorder recorder;
    GreedyRewriteConfig config;
    if (report)
      config.setListener(&recorder);
    int64_t before = countAttentionOps(root);
    if (failed(applyPatternsGreedily(root, std::move(patterns), config)))
      return signalPassFailure();
    if (!report)
      return;
    // Every softmax left is explained at the softmax.
    int64_t left = 0;
    root->walk([&](Operation *op) {
      if (!uniform::detail::getSoftmaxResult(op))
        return;
      ++left;
      op->emitRemark() << "softmax not raised: "
                       << uniform::detail::explainNotRaised(op, recorder);
    });
    root->emitRemark() << "attn-raise: " << countAttentionOps(root) - before
                       << " attention ops raised, " << left
                       << " softmaxes not raised";
  }

  static int64_t countAttentionOps(Operation *root) {
    int64_t count = 0;
    root->walk([&](Operation *op) {
      count += isa<attn::MultiHeadAttentionOp, attn::ReuseAttentionOp>(op);
    });
    return count;
  }
};
} // namespace

void uniform::populateTosaToAttnPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseAttention>(patterns.getContext());
  populateAttentionBiasPatterns(patterns);
}
