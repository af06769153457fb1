//===- LinalgToAttn.cpp - Find attention in linalg on tensors -------------===//
//
// The linalg-on-tensors half of `attn-raise`: matches
//
//   S = contraction(Q, K)                   [b.., N, M]  (Q [b.., N, Dk] and
//                                           K [b.., M, Dk] in any layout)
//   X = S [* scale | / scale] [+ bias]      (linalg.mul/div/add, or
//                                           elementwise linalg.generics)
//   P = softmax over M                      (linalg.softmax, or decomposed
//                                           into linalg.generic reductions
//                                           as torch-mlir emits it)
//   O = contraction(P, V)                   [b.., N, Dv]
//
// where a contraction is any linalg op that computes a batched matrix
// product (linalg.batch_matmul with default or transposed maps, a
// linalg.generic over 3-D or 4-D operands) into a zero-filled init, with
// one or two batch dimensions. One batch dimension gives a single-head
// `attn.reuse` (V seen as [B, 1, M, Dv]); two give an `attn.mha` [B, H, ...].
// Anything else is left alone.
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/TosaToAttn.h"

#include "RaiseDiagnostics.h"

#include "uniform/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace uniform;

using uniform::detail::fail;

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

/// The single op a linalg.generic's body yields, when its body is that op
/// and the yield.
static Operation *getSingleBodyOp(linalg::GenericOp generic) {
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 2)
    return nullptr;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  return yield.getNumOperands() == 1 ? yield.getOperand(0).getDefiningOp()
                                     : nullptr;
}

/// Whether every operand of `generic` in `operands` and its result are
/// read and written in loop order.
static bool hasIdentityMaps(linalg::GenericOp generic,
                            ArrayRef<OpOperand *> operands) {
  if (generic.getNumResults() != 1 ||
      !generic.getMatchingIndexingMap(generic.getDpsInitOperand(0))
           .isIdentity())
    return false;
  return llvm::all_of(operands, [&](OpOperand *operand) {
    return generic.getMatchingIndexingMap(operand).isIdentity();
  });
}

/// Whether a generic contraction's body is exactly out + a * b.
static bool isMulAddBody(linalg::GenericOp generic) {
  Block &body = generic.getRegion().front();
  if (body.getOperations().size() != 3)
    return false;
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getOperand(0).getDefiningOp<arith::AddFOp>();
  if (!add)
    return false;
  Value acc = add.getLhs(), prod = add.getRhs();
  if (acc != body.getArgument(2))
    std::swap(acc, prod);
  auto mul = prod.getDefiningOp<arith::MulFOp>();
  if (acc != body.getArgument(2) || !mul)
    return false;
  Value x = mul.getLhs(), y = mul.getRhs();
  return (x == body.getArgument(0) && y == body.getArgument(1)) ||
         (x == body.getArgument(1) && y == body.getArgument(0));
}

//===----------------------------------------------------------------------===//
// Contractions
//===----------------------------------------------------------------------===//

namespace {
/// A batched matrix product C[b.., m, n] = sum_k A * B, with its operands'
/// dimensions as permutations of the canonical orders.
struct Contraction {
  linalg::LinalgOp op;
  Value lhs, rhs;
  unsigned numBatch = 0;
  /// Loop dimensions.
  SmallVector<unsigned> batch;
  unsigned m = 0, n = 0, k = 0;
  AffineMap lhsMap, rhsMap;
};
} // namespace

/// Matches the contraction that produces `result`: one m, n and k, one or
/// two batch dimensions, the result indexed [b.., m, n], f32, static, into a
/// zero-filled init.
static FailureOr<Contraction> matchContraction(Value result) {
  auto op = result.getDefiningOp<linalg::LinalgOp>();
  if (!op || op->getNumResults() != 1 || op.getNumDpsInputs() != 2 ||
      !linalg::isaContractionOpInterface(op))
    return failure();
  // The interface lets unary ops (a negation, an exp) into the body.
  if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
      generic && !isMulAddBody(generic))
    return failure();
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || dims->batch.empty() || dims->batch.size() > 2)
    return failure();
  for (Value v : {result, op.getDpsInputs()[0], op.getDpsInputs()[1]}) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || !type.getElementType().isF32() || !type.hasStaticShape())
      return failure();
  }
  // An init other than zero would be added to the product.
  std::optional<float> init = splatFloat(op.getDpsInits()[0]);
  if (!init || *init != 0.0f)
    return failure();
  Contraction c;
  c.op = op;
  c.lhs = op.getDpsInputs()[0];
  c.rhs = op.getDpsInputs()[1];
  c.batch.assign(dims->batch.begin(), dims->batch.end());
  c.numBatch = c.batch.size();
  c.m = dims->m.front();
  c.n = dims->n.front();
  c.k = dims->k.front();
  c.lhsMap = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
  c.rhsMap = op.getMatchingIndexingMap(op.getDpsInputOperand(1));
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  SmallVector<unsigned> canonical(c.batch);
  canonical.append({c.m, c.n});
  if (outMap.getNumResults() != canonical.size())
    return failure();
  for (auto [expr, d] : llvm::zip(outMap.getResults(), canonical))
    if (expr != getAffineDimExpr(d, op->getContext()))
      return failure();
  for (AffineMap map : {c.lhsMap, c.rhsMap})
    if (!map.isProjectedPermutation() ||
        map.getNumResults() != c.numBatch + 2)
      return failure();
  return c;
}

/// The permutation that takes an operand indexed by `map` to the loop
/// order `order` (linalg.transpose's convention: result dimension i is
/// operand dimension perm[i]), or failure when `map` does not index exactly
/// those loops.
static FailureOr<SmallVector<int64_t>>
getOperandPermutation(AffineMap map, ArrayRef<unsigned> order) {
  SmallVector<int64_t> perm;
  for (unsigned loop : order) {
    std::optional<unsigned> pos =
        map.getResultPosition(getAffineDimExpr(loop, map.getContext()));
    if (!pos)
      return failure();
    perm.push_back(*pos);
  }
  return perm;
}

/// `v` with its dimensions permuted (result dimension i is dimension
/// perm[i] of `v`): `v` itself for the identity, the input of a
/// linalg.transpose that this undoes, or a new linalg.transpose.
static Value permute(OpBuilder &b, Location loc, Value v,
                     ArrayRef<int64_t> perm) {
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return v;
  if (auto t = v.getDefiningOp<linalg::TransposeOp>()) {
    ArrayRef<int64_t> inner = t.getPermutation();
    bool undoes = true;
    for (auto [i, p] : llvm::enumerate(perm))
      undoes &= inner[p] == static_cast<int64_t>(i);
    if (undoes)
      return t.getInput();
  }
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape;
  for (int64_t p : perm)
    shape.push_back(type.getDimSize(p));
  Value init = tensor::EmptyOp::create(b, loc, shape, type.getElementType());
  return linalg::TransposeOp::create(b, loc, v, init, perm)->getResult(0);
}

//===----------------------------------------------------------------------===//
// Softmax
//===----------------------------------------------------------------------===//

/// Whether `generic` reduces its one input over loop `dim` with `BinOp`
/// (all other loops parallel, the input read in loop order, the output
/// without `dim`), starting from a fill that satisfies `isInit`. Returns the
/// input.
template <typename... BinOps>
static Value matchReduction(Value v, int64_t dim,
                            function_ref<bool(float)> isInit) {
  auto generic = v.getDefiningOp<linalg::GenericOp>();
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1)
    return Value();
  int64_t rank = generic.getNumLoops();
  AffineMap in = generic.getMatchingIndexingMap(generic.getDpsInputOperand(0));
  AffineMap out = generic.getMatchingIndexingMap(generic.getDpsInitOperand(0));
  if (!in.isIdentity() || out != in.dropResult(dim))
    return Value();
  for (int64_t i = 0; i < rank; ++i)
    if ((generic.getIteratorTypesArray()[i] ==
         utils::IteratorType::reduction) != (i == dim))
      return Value();
  Operation *op = getSingleBodyOp(generic);
  Block &body = generic.getRegion().front();
  if (!op || !isa<BinOps...>(op) ||
      !llvm::is_contained(op->getOperands(), body.getArgument(0)) ||
      !llvm::is_contained(op->getOperands(), body.getArgument(1)))
    return Value();
  std::optional<float> init = splatFloat(generic.getDpsInits()[0]);
  if (!init || !isInit(*init))
    return Value();
  return generic.getDpsInputs()[0];
}

/// The reduction of `x` over `dim` that `operand` reads: the reduced
/// tensor indexed without `dim` or, kept as a unit dimension (through an
/// expand_shape), indexed with a constant 0 there.
template <typename... BinOps>
static bool readsReductionOf(linalg::GenericOp generic, OpOperand *operand,
                             Value x, int64_t dim,
                             function_ref<bool(float)> isInit) {
  AffineMap map = generic.getMatchingIndexingMap(operand);
  int64_t rank = generic.getNumLoops();
  AffineMap identity =
      AffineMap::getMultiDimIdentityMap(rank, generic.getContext());
  Value reduced = operand->get();
  if (map != identity.dropResult(dim)) {
    SmallVector<AffineExpr> keep(identity.getResults());
    keep[dim] = getAffineConstantExpr(0, generic.getContext());
    if (map != AffineMap::get(rank, 0, keep, generic.getContext()))
      return false;
    auto expand = reduced.getDefiningOp<tensor::ExpandShapeOp>();
    if (!expand)
      return false;
    reduced = expand.getSrc();
  }
  return matchReduction<BinOps...>(reduced, dim, isInit) == x;
}

/// A decomposed softmax over the last dimension, as torch-mlir emits it:
/// div(e, sum(e)), e = exp(sub(x, max(x))), each a linalg.generic (the sub
/// and the exp possibly fused). Returns x.
static Value matchDecomposedSoftmax(Value p) {
  auto div = p.getDefiningOp<linalg::GenericOp>();
  if (!div || div.getNumDpsInputs() != 2 || div.getNumDpsInits() != 1 ||
      !isa_and_nonnull<arith::DivFOp>(getSingleBodyOp(div)) ||
      div.getNumParallelLoops() != div.getNumLoops() ||
      !hasIdentityMaps(div, {div.getDpsInputOperand(0)}))
    return Value();
  Block &divBody = div.getRegion().front();
  Operation *divOp = getSingleBodyOp(div);
  if (divOp->getOperand(0) != divBody.getArgument(0) ||
      divOp->getOperand(1) != divBody.getArgument(1))
    return Value();
  int64_t dim = div.getNumLoops() - 1;
  Value e = div.getDpsInputs()[0];

  // e = exp(x - max) in one generic, or exp of a sub generic.
  auto exp = e.getDefiningOp<linalg::GenericOp>();
  if (!exp || exp.getNumParallelLoops() != exp.getNumLoops() ||
      !hasIdentityMaps(exp, {exp.getDpsInputOperand(0)}))
    return Value();
  Block &expBody = exp.getRegion().front();
  auto yield = cast<linalg::YieldOp>(expBody.getTerminator());
  auto mathExp = yield.getOperand(0).getDefiningOp<math::ExpOp>();
  if (!mathExp)
    return Value();
  linalg::GenericOp sub = exp;
  Value subResult = mathExp.getOperand();
  if (auto arg = dyn_cast<BlockArgument>(subResult)) {
    // exp of its one input, which is the sub.
    if (exp.getNumDpsInputs() != 1 || arg.getArgNumber() != 0 ||
        expBody.getOperations().size() != 2)
      return Value();
    sub = exp.getDpsInputs()[0].getDefiningOp<linalg::GenericOp>();
    if (!sub || !isa_and_nonnull<arith::SubFOp>(getSingleBodyOp(sub)))
      return Value();
    subResult = getSingleBodyOp(sub)->getResult(0);
  }
  auto subOp = subResult.getDefiningOp<arith::SubFOp>();
  Block &subBody = sub.getRegion().front();
  if (!subOp || sub.getNumDpsInputs() != 2 ||
      subOp.getLhs() != subBody.getArgument(0) ||
      subOp.getRhs() != subBody.getArgument(1) ||
      !hasIdentityMaps(sub, {sub.getDpsInputOperand(0)}))
    return Value();
  Value x = sub.getDpsInputs()[0];
  auto isLowest = [](float f) {
    return f == -std::numeric_limits<float>::infinity() ||
           f == std::numeric_limits<float>::lowest();
  };
  auto isZero = [](float f) { return f == 0.0f; };
  if (!readsReductionOf<arith::MaximumFOp, arith::MaxNumFOp>(
          sub, sub.getDpsInputOperand(1), x, dim, isLowest) ||
      !readsReductionOf<arith::AddFOp>(div, div.getDpsInputOperand(1), e, dim,
                                       isZero))
    return Value();
  return x;
}

/// The scores a softmax over the last dimension of `p` normalizes.
static Value matchSoftmax(Value p) {
  if (auto softmax = p.getDefiningOp<linalg::SoftmaxOp>()) {
    auto type = cast<RankedTensorType>(softmax.getInput().getType());
    if (softmax.getDimension() == static_cast<uint64_t>(type.getRank() - 1))
      return softmax.getInput();
    return Value();
  }
  return matchDecomposedSoftmax(p);
}

//===----------------------------------------------------------------------===//
// Scale and bias
//===----------------------------------------------------------------------===//

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
      generic.getNumParallelLoops() != generic.getNumLoops() ||
      !hasIdentityMaps(generic, {generic.getDpsInputOperand(0)}))
    return std::nullopt;
  Operation *arith = getSingleBodyOp(generic);
  if (!arith || !isa<arith::MulFOp, arith::DivFOp>(arith))
    return std::nullopt;
  Value in = generic.getRegion().front().getArgument(0);
  Value a = arith->getOperand(0), b = arith->getOperand(1);
  if (isa<arith::MulFOp>(arith) && b == in)
    std::swap(a, b);
  std::optional<float> c = a == in ? splatFloat(b) : std::nullopt;
  if (!c || (isa<arith::DivFOp>(arith) && *c == 0.0f))
    return std::nullopt;
  scores = generic.getDpsInputs()[0];
  return isa<arith::DivFOp>(arith) ? 1.0f / *c : *c;
}

/// X = S + bias: linalg.add, or an elementwise linalg.generic adding an
/// operand read in loop order and one read through the trailing loops
/// (broadcast by NumPy's rules). Sets `scores` to the first (the one
/// `isScores` accepts) and returns the bias, with a [N, M] bias broadcast
/// along the batch by linalg.broadcast taken as [N, M].
static Value matchBias(Value x, Value &scores,
                       function_ref<bool(Value)> isScores) {
  Value a, b;
  if (auto add = x.getDefiningOp<linalg::AddOp>()) {
    a = add.getDpsInputs()[0];
    b = add.getDpsInputs()[1];
  } else if (auto generic = x.getDefiningOp<linalg::GenericOp>()) {
    Operation *op = getSingleBodyOp(generic);
    if (!isa_and_nonnull<arith::AddFOp>(op) ||
        generic.getNumDpsInputs() != 2 ||
        generic.getNumParallelLoops() != generic.getNumLoops() ||
        !hasIdentityMaps(generic, {}))
      return Value();
    Block &body = generic.getRegion().front();
    if (!llvm::is_contained(op->getOperands(), body.getArgument(0)) ||
        !llvm::is_contained(op->getOperands(), body.getArgument(1)))
      return Value();
    int64_t rank = generic.getNumLoops();
    auto isTrailing = [&](OpOperand *operand) {
      AffineMap map = generic.getMatchingIndexingMap(operand);
      return map ==
             AffineMap::getMultiDimIdentityMap(rank, generic.getContext())
                 .getSliceMap(rank - map.getNumResults(), map.getNumResults());
    };
    if (!isTrailing(generic.getDpsInputOperand(0)) ||
        !isTrailing(generic.getDpsInputOperand(1)))
      return Value();
    a = generic.getDpsInputs()[0];
    b = generic.getDpsInputs()[1];
  } else {
    return Value();
  }
  if (!isScores(a))
    std::swap(a, b);
  if (!isScores(a) ||
      cast<RankedTensorType>(a.getType()) != cast<RankedTensorType>(x.getType()))
    return Value();
  scores = a;
  if (auto bc = b.getDefiningOp<linalg::BroadcastOp>();
      bc && bc.getDimensions() == ArrayRef<int64_t>{0})
    b = bc.getInput();
  return b;
}

//===----------------------------------------------------------------------===//
// Matching and rewriting
//===----------------------------------------------------------------------===//

namespace {
struct LinalgAttentionMatch {
  Contraction pv, qk;
  Operation *softmax = nullptr;
  Value bias;
  float scale = 1.0f;
};
} // namespace

static FailureOr<LinalgAttentionMatch>
matchLinalgAttention(linalg::LinalgOp root, std::string *reason) {
  LinalgAttentionMatch m;
  FailureOr<Contraction> pv = matchContraction(root->getResult(0));
  if (failed(pv))
    return fail(reason, "not a batched f32 contraction into a zero init");
  m.pv = *pv;
  // P is read in [b.., N, M] order, its softmax over M.
  SmallVector<unsigned> pOrder(m.pv.batch);
  pOrder.append({m.pv.m, m.pv.k});
  FailureOr<SmallVector<int64_t>> pPerm =
      getOperandPermutation(m.pv.lhsMap, pOrder);
  if (failed(pPerm) ||
      !llvm::equal(*pPerm, llvm::seq<int64_t>(0, pPerm->size())))
    return fail(reason, "A is not read in [batch, query, key] order");
  m.softmax = m.pv.lhs.getDefiningOp();
  Value x = matchSoftmax(m.pv.lhs);
  if (!x)
    return fail(reason, "A is not a softmax over keys");

  auto isScores = [&](Value v) {
    Value ignored;
    return succeeded(matchContraction(v)) || matchScale(v, ignored);
  };
  Value scores = x;
  if (Value bias = matchBias(x, scores, isScores)) {
    m.bias = bias;
    x = scores;
  }
  if (std::optional<float> s = matchScale(x, scores)) {
    m.scale = *s;
    x = scores;
  }
  // attn ops take a finite, positive scale; other graphs are not raised.
  if (!std::isfinite(m.scale) || m.scale <= 0.0f)
    return fail(reason, "scale is not finite and positive");
  FailureOr<Contraction> qk = matchContraction(x);
  if (failed(qk))
    return fail(reason, "no score product");
  m.qk = *qk;
  if (m.qk.numBatch != m.pv.numBatch)
    return fail(reason, "the score and value products batch differently");
  if (m.bias &&
      !cast<RankedTensorType>(m.bias.getType()).getElementType().isF32())
    return fail(reason, "bias is not f32");
  auto vType = cast<RankedTensorType>(m.pv.rhs.getType());
  if (!vType.hasStaticShape() || !vType.getElementType().isF32())
    return fail(reason, "static f32 shapes only");
  return m;
}

static Operation *buildLinalgAttention(RewriterBase &rewriter,
                                       linalg::LinalgOp root,
                                       const LinalgAttentionMatch &m) {
  // Located at the value product and the softmax (attn-fusion-report).
  Location loc = rewriter.getFusedLoc({root.getLoc(), m.softmax->getLoc()});
  rewriter.setInsertionPoint(root);
  auto operandIn = [&](const Contraction &c, bool lhs,
                       ArrayRef<unsigned> order) {
    SmallVector<unsigned> full(c.batch);
    full.append(order.begin(), order.end());
    SmallVector<int64_t> perm =
        *getOperandPermutation(lhs ? c.lhsMap : c.rhsMap, full);
    return permute(rewriter, loc, lhs ? c.lhs : c.rhs, perm);
  };
  // Q [b.., N, Dk], K [b.., M, Dk], V [b.., M, Dv].
  Value q = operandIn(m.qk, true, {m.qk.m, m.qk.k});
  Value k = operandIn(m.qk, false, {m.qk.n, m.qk.k});
  Value v = operandIn(m.pv, false, {m.pv.k, m.pv.n});
  auto resultType = cast<RankedTensorType>(root->getResult(0).getType());
  auto attr = rewriter.getF32FloatAttr(m.scale);
  if (m.pv.numBatch == 2) {
    auto mha = attn::MultiHeadAttentionOp::create(rewriter, loc, resultType, q,
                                                  k, v, m.bias, attr);
    rewriter.replaceOp(root, mha.getResult());
    return mha;
  }
  auto vType = cast<RankedTensorType>(v.getType());
  auto reassoc = SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}};
  Value v4 = tensor::ExpandShapeOp::create(
      rewriter, loc,
      RankedTensorType::get({vType.getDimSize(0), 1, vType.getDimSize(1),
                             vType.getDimSize(2)},
                            vType.getElementType()),
      v, reassoc);
  auto reuse = attn::ReuseAttentionOp::create(
      rewriter, loc,
      RankedTensorType::get({resultType.getDimSize(0), 1,
                             resultType.getDimSize(1),
                             resultType.getDimSize(2)},
                            resultType.getElementType()),
      q, k, v4, m.bias, attr);
  rewriter.replaceOpWithNewOp<tensor::CollapseShapeOp>(
      root, resultType, reuse.getResult(), reassoc);
  return reuse;
}

FailureOr<Operation *> uniform::raiseLinalgAttention(RewriterBase &rewriter,
                                                     linalg::LinalgOp pv,
                                                     std::string *reason) {
  FailureOr<LinalgAttentionMatch> match = matchLinalgAttention(pv, reason);
  if (failed(match))
    return failure();
  return buildLinalgAttention(rewriter, pv, *match);
}

namespace {
/// Raises attention at its value product: any linalg op that is a batched
/// contraction.
struct RaiseLinalgAttention
    : public OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp pv,
                                PatternRewriter &rewriter) const override {
    // Not a product: no reason recorded (it would hide the reason at a
    // product sharing the op's location).
    if (pv->getNumResults() != 1 || pv.getNumDpsInputs() != 2)
      return failure();
    std::string reason;
    if (failed(raiseLinalgAttention(rewriter, pv, &reason)))
      return rewriter.notifyMatchFailure(pv, reason);
    return success();
  }
};
} // namespace

void uniform::populateLinalgToAttnPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseLinalgAttention>(patterns.getContext());
}
