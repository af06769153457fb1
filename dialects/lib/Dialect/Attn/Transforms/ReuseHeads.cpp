//===- ReuseHeads.cpp - Rewrite shared-matrix attention into attn.reuse ---===//
//
// `attn-reuse-heads`: an `attn.mha` whose heads provably share query, key
// and bias, and per-head attention ops whose results are concatenated, become
// one `attn.reuse`. Layered as core functions (match / rewrite), patterns,
// `populateAttnReuseHeadsPatterns` and the pass.
//
//===----------------------------------------------------------------------===//

#include "uniform/Dialect/Attn/Transforms/Passes.h"
#include "uniform/Dialect/Attn/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <limits>

namespace uniform {
namespace attn {
#define GEN_PASS_DEF_ATTNREUSEHEADS
#include "uniform/Dialect/Attn/Transforms/Passes.h.inc"
} // namespace attn
} // namespace uniform

using namespace mlir;
using namespace uniform;
using namespace uniform::attn;

namespace {
/// Sets `*reason` (when asked for) and fails.
LogicalResult fail(std::string *reason, const Twine &message) {
  if (reason)
    *reason = message.str();
  return failure();
}
} // namespace

//===----------------------------------------------------------------------===//
// attn.mha -> attn.reuse
//===----------------------------------------------------------------------===//

/// The head dimension of an `attn.mha` bias once it is right-aligned with the
/// scores [B, H, N, M], or -1 when the bias has no head dimension.
static int64_t getMhaBiasHeadDim(RankedTensorType biasType) {
  return biasType.getRank() - 3;
}

FailureOr<SharedHeadsMatch>
attn::matchSharedHeads(MultiHeadAttentionOp op, bool allowApproximation,
                       std::string *reason) {
  AttentionDims dims = inferAttentionDims(false, op.getQueryType(),
                                          op.getKeyType(), op.getValueType());
  if (dims.heads == 1)
    return fail(reason, "it has a single head");

  SharedHeadsMatch match;
  std::string whyQuery, whyKey, whyBias;
  match.queryShared =
      succeeded(proveInvariantAlongDim(op.getQuery(), 1, &whyQuery));
  match.keyShared = succeeded(proveInvariantAlongDim(op.getKey(), 1, &whyKey));
  match.biasShared = true;
  if (RankedTensorType biasType = op.getBiasType()) {
    int64_t headDim = getMhaBiasHeadDim(biasType);
    match.biasShared =
        headDim < 0 ||
        succeeded(proveInvariantAlongDim(op.getBias(), headDim, &whyBias));
  }
  if (match.isExact())
    return match;

  std::string message =
      !match.queryShared
          ? "queries are not provably identical across heads: " + whyQuery
      : !match.keyShared
          ? "keys are not provably identical across heads: " + whyKey
          : "bias is not provably identical across heads: " + whyBias;
  if (!allowApproximation)
    return fail(reason, message);
  if (ShapedType::isDynamic(dims.heads))
    return fail(reason, message + "; the approximation needs a static head "
                                  "count");
  return match;
}

/// Returns the head-free form of `value` along `dim`: slice 0 when `shared`,
/// the mean otherwise (matchSharedHeads made sure the head count is static).
static Value getSharedOrMean(OpBuilder &b, Location loc, Value value,
                             int64_t dim, bool shared) {
  if (shared)
    return buildInvariantSlice(b, loc, value, dim);
  return *buildMeanAlongDim(b, loc, value, dim);
}

FailureOr<ReuseAttentionOp>
attn::rewriteSharedHeadsToReuse(RewriterBase &rewriter,
                                MultiHeadAttentionOp op,
                                const ReuseHeadsOptions &options,
                                std::string *reason) {
  FailureOr<SharedHeadsMatch> match =
      matchSharedHeads(op, options.allowApproximation, reason);
  if (failed(match))
    return failure();

  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  Value query =
      getSharedOrMean(rewriter, loc, op.getQuery(), 1, match->queryShared);
  // Self-attention on one tensor keeps sharing it.
  Value key = op.getKey() == op.getQuery()
                  ? query
                  : getSharedOrMean(rewriter, loc, op.getKey(), 1,
                                    match->keyShared);
  Value bias = op.getBias();
  if (RankedTensorType biasType = op.getBiasType()) {
    int64_t headDim = getMhaBiasHeadDim(biasType);
    if (headDim >= 0)
      bias = getSharedOrMean(rewriter, loc, bias, headDim, match->biasShared);
  }
  auto reuse = ReuseAttentionOp::create(rewriter, loc, op.getResultType(),
                                        query, key, op.getValue(), bias,
                                        op.getScaleAttr());
  reuse->setDiscardableAttrs(op->getDiscardableAttrDictionary());

  AttentionDims dims = inferAttentionDims(false, op.getQueryType(),
                                          op.getKeyType(), op.getValueType());
  ReuseRewriteInfo info;
  info.approximate = !match->isExact();
  if (!ShapedType::isDynamic(dims.heads)) {
    info.heads = dims.heads;
    info.matricesRemoved = dims.heads - 1;
  }
  if (info.approximate)
    reuse.emitWarning()
        << "approximate rewrite: queries, keys and bias of " << info.heads
        << " heads were replaced by their mean over the head axis; results "
           "change (allow-approximation)";
  rewriter.replaceOp(op, reuse.getResult());
  if (options.onRewrite)
    options.onRewrite(reuse, info);
  return reuse;
}

//===----------------------------------------------------------------------===//
// Per-head attention + concat -> attn.reuse
//===----------------------------------------------------------------------===//

namespace {
/// A concatenation seen uniformly: its pieces in order along `axis`.
struct ConcatView {
  SmallVector<Value> pieces;
  int64_t axis = 0;
  /// The inserts of a chain other than the root, from the root back: the
  /// order in which they become dead and are erased.
  SmallVector<Operation *> chain;
};

/// A single-head attention op and how its result reaches the concat.
struct HeadPiece {
  Operation *attention = nullptr;
  /// The reshape that drops the unit head dimension, if any.
  Operation *squeeze = nullptr;
};

/// Everything `mergePerHeadAttention` needs, as found by the matcher.
struct PerHeadMatch {
  ConcatView view;
  SmallVector<HeadPiece> heads;
  bool isMha = false;
  bool squeezed = false;
};
} // namespace

/// Views an insert_slice chain ending in `root` as a concatenation: static,
/// unit-stride slices that tile the destination along one axis.
static FailureOr<ConcatView> getInsertSliceView(tensor::InsertSliceOp root,
                                                std::string *reason) {
  RankedTensorType destType = root.getDestType();
  if (!destType.hasStaticShape())
    return fail(reason, "the insert_slice chain has a dynamic shape");

  // The chain, from the root back: every insert but the root feeds only the
  // next one.
  SmallVector<tensor::InsertSliceOp> inserts;
  for (tensor::InsertSliceOp cur = root; cur;) {
    inserts.push_back(cur);
    auto next = cur.getDest().getDefiningOp<tensor::InsertSliceOp>();
    cur = next && next->hasOneUse() ? next : tensor::InsertSliceOp();
  }

  // Every slice is static, unit-stride and full except along one axis.
  std::optional<int64_t> axis;
  for (tensor::InsertSliceOp insert : inserts) {
    if (insert.getSourceType().getRank() != destType.getRank() ||
        !insert.hasUnitStride())
      return fail(reason, "an insert_slice is rank-reducing or strided");
    ArrayRef<int64_t> offsets = insert.getStaticOffsets();
    ArrayRef<int64_t> sizes = insert.getStaticSizes();
    if (ShapedType::isDynamicShape(offsets) ||
        ShapedType::isDynamicShape(sizes))
      return fail(reason, "an insert_slice has dynamic offsets or sizes");
    for (int64_t d = 0, e = destType.getRank(); d < e; ++d) {
      if (offsets[d] == 0 && sizes[d] == destType.getDimSize(d))
        continue;
      if (axis && *axis != d)
        return fail(reason, "the insert_slices do not tile one axis");
      axis = d;
    }
  }
  if (!axis)
    return fail(reason, "the insert_slices do not tile one axis");

  // The chain in use order from the root, which is the order to erase it in.
  ConcatView view;
  view.axis = *axis;
  for (tensor::InsertSliceOp insert : llvm::drop_begin(inserts))
    view.chain.push_back(insert);

  // Sorted by offset, the slices must cover the axis exactly once.
  llvm::sort(inserts, [&](tensor::InsertSliceOp a, tensor::InsertSliceOp b) {
    return a.getStaticOffsets()[*axis] < b.getStaticOffsets()[*axis];
  });
  int64_t expected = 0;
  for (tensor::InsertSliceOp insert : inserts) {
    if (insert.getStaticOffsets()[*axis] != expected)
      return fail(reason, "the insert_slices overlap or leave gaps");
    expected += insert.getStaticSizes()[*axis];
    view.pieces.push_back(insert.getSource());
  }
  if (expected != destType.getDimSize(*axis))
    return fail(reason, "the insert_slices do not fill the destination");
  return view;
}

/// Returns true if `op` is the last insert_slice of a chain.
static bool isInsertSliceChainRoot(tensor::InsertSliceOp op) {
  if (op->hasOneUse())
    if (auto user = dyn_cast<tensor::InsertSliceOp>(*op->user_begin()))
      if (user.getDest() == op.getResult())
        return false;
  return true;
}

static FailureOr<ConcatView> getConcatView(Operation *op,
                                           std::string *reason) {
  if (auto concat = dyn_cast<tensor::ConcatOp>(op)) {
    ConcatView view;
    view.pieces = llvm::to_vector(concat.getInputs());
    view.axis = concat.getDim();
    return view;
  }
  if (auto concat = dyn_cast<tosa::ConcatOp>(op)) {
    ConcatView view;
    view.pieces = llvm::to_vector(concat.getInput1());
    view.axis = concat.getAxis();
    return view;
  }
  if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
    if (!isInsertSliceChainRoot(insert))
      return fail(reason, "not the last insert_slice of its chain");
    return getInsertSliceView(insert, reason);
  }
  return fail(reason, "not a concatenation");
}

/// Finds the single-head attention op behind a concat piece: the op's result
/// itself ([B, 1, N, Dv]) or a reshape of it that drops the unit head
/// ([B, N, Dv]).
static HeadPiece getHeadPiece(Value piece) {
  Operation *def = piece.getDefiningOp();
  if (!def)
    return {};
  if (isa<MultiHeadAttentionOp, ReuseAttentionOp>(def))
    return {def, nullptr};
  if (!isa<tensor::CollapseShapeOp, tosa::ReshapeOp>(def))
    return {};
  Value source = def->getOperand(0);
  Operation *attention = source.getDefiningOp();
  if (!isa_and_nonnull<MultiHeadAttentionOp, ReuseAttentionOp>(attention))
    return {};
  auto srcType = cast<RankedTensorType>(source.getType());
  auto dstType = cast<RankedTensorType>(piece.getType());
  if (srcType.getRank() != 4 || dstType.getRank() != 3 ||
      srcType.getDimSize(1) != 1 || srcType.getDimSize(0) != dstType.getDimSize(0) ||
      srcType.getDimSize(2) != dstType.getDimSize(1) ||
      srcType.getDimSize(3) != dstType.getDimSize(2))
    return {};
  return {attention, def};
}

static constexpr unsigned kMaxEquivalenceDepth = 16;

/// Returns true if `a` and `b` are the same value or values CSE would merge:
/// results of equivalent side-effect-free ops on equivalent operands.
static bool areEquivalentValues(Value a, Value b, unsigned depth = 0) {
  if (a == b)
    return true;
  if (!a || !b || depth > kMaxEquivalenceDepth)
    return false;
  auto ra = dyn_cast<OpResult>(a);
  auto rb = dyn_cast<OpResult>(b);
  if (!ra || !rb || ra.getResultNumber() != rb.getResultNumber())
    return false;
  Operation *oa = ra.getOwner();
  Operation *ob = rb.getOwner();
  if (!isMemoryEffectFree(oa) || !isMemoryEffectFree(ob))
    return false;
  return OperationEquivalence::isEquivalentTo(
      oa, ob,
      [&](Value x, Value y) {
        return success(areEquivalentValues(x, y, depth + 1));
      },
      /*markEquivalent=*/nullptr, OperationEquivalence::IgnoreLocations);
}

static Value getQuery(Operation *op) { return op->getOperand(0); }
static Value getKey(Operation *op) { return op->getOperand(1); }
static Value getValue(Operation *op) { return op->getOperand(2); }
static Value getBias(Operation *op) {
  return op->getNumOperands() > 3 ? op->getOperand(3) : Value();
}
static APFloat getScale(Operation *op) {
  if (auto mha = dyn_cast<MultiHeadAttentionOp>(op))
    return mha.getScale();
  return cast<ReuseAttentionOp>(op).getScale();
}

static FailureOr<PerHeadMatch> matchPerHead(Operation *root,
                                            std::string *reason) {
  FailureOr<ConcatView> view = getConcatView(root, reason);
  if (failed(view))
    return failure();
  PerHeadMatch match;
  match.view = *view;
  if (view->pieces.size() < 2)
    return fail(reason, "it concatenates fewer than two heads");

  for (auto [i, piece] : llvm::enumerate(view->pieces)) {
    HeadPiece head = getHeadPiece(piece);
    if (!head.attention)
      return fail(reason, "concatenated piece #" + Twine(i) +
                              " is not the result of a single-head "
                              "attention op");
    auto result = head.attention->getResult(0);
    if (cast<RankedTensorType>(result.getType()).getDimSize(1) != 1)
      return fail(reason, "the attention op of piece #" + Twine(i) +
                              " has more than one head");
    if (!result.hasOneUse() || (head.squeeze && !head.squeeze->hasOneUse()))
      return fail(reason, "the result of head #" + Twine(i) +
                              " has other uses");
    match.heads.push_back(head);
  }

  Operation *first = match.heads.front().attention;
  match.isMha = isa<MultiHeadAttentionOp>(first);
  match.squeezed = match.heads.front().squeeze != nullptr;
  for (auto [i, head] : llvm::enumerate(match.heads)) {
    if (isa<MultiHeadAttentionOp>(head.attention) != match.isMha)
      return fail(reason, "the heads mix 'attn.mha' and 'attn.reuse'");
    if ((head.squeeze != nullptr) != match.squeezed)
      return fail(reason, "the heads are reshaped differently");
  }

  // The heads' results must be concatenated along the head or channel axis.
  int64_t axis = view->axis;
  bool headOrChannel = match.squeezed ? axis == 2 : (axis == 1 || axis == 3);
  if (!headOrChannel) {
    StringRef names4[] = {"batch", "head", "query", "channel"};
    StringRef names3[] = {"batch", "query", "channel"};
    StringRef name = match.squeezed ? names3[axis] : names4[axis];
    return fail(reason, "the heads are concatenated along the " + name +
                            " axis (dimension " + Twine(axis) +
                            "), not the head or channel axis");
  }

  for (auto [i, head] : llvm::enumerate(match.heads)) {
    if (i == 0)
      continue;
    Operation *op = head.attention;
    if (getScale(op) != getScale(first))
      return fail(reason,
                  "scales differ between head 0 and head " + Twine(i));
    bool sameQuery = areEquivalentValues(getQuery(op), getQuery(first));
    bool sameKey = areEquivalentValues(getKey(op), getKey(first));
    if (!sameQuery && sameKey)
      return fail(reason, "queries differ between head 0 and head " +
                              Twine(i) +
                              "; the keys are shared (as in grouped-query "
                              "attention) but the attention matrix is not");
    if (!sameQuery)
      return fail(reason,
                  "queries differ between head 0 and head " + Twine(i));
    if (!sameKey)
      return fail(reason, "keys differ between head 0 and head " + Twine(i));
    if (!areEquivalentValues(getBias(op), getBias(first)))
      return fail(reason,
                  "biases differ between head 0 and head " + Twine(i));
    if (getValue(op).getType() != getValue(first).getType())
      return fail(reason, "value types differ between head 0 and head " +
                              Twine(i));
  }
  return match;
}

bool attn::isPerHeadConcatCandidate(Operation *op) {
  if (!isa<tensor::ConcatOp, tosa::ConcatOp, tensor::InsertSliceOp>(op))
    return false;
  FailureOr<ConcatView> view = getConcatView(op, nullptr);
  if (failed(view))
    return false;
  return llvm::any_of(view->pieces, [](Value piece) {
    return getHeadPiece(piece).attention != nullptr;
  });
}

LogicalResult attn::matchPerHeadAttention(Operation *root,
                                          std::string *reason) {
  return success(succeeded(matchPerHead(root, reason)));
}

FailureOr<ReuseAttentionOp>
attn::mergePerHeadAttention(RewriterBase &rewriter, Operation *root,
                            const ReuseHeadsOptions &options,
                            std::string *reason) {
  FailureOr<PerHeadMatch> match = matchPerHead(root, reason);
  if (failed(match))
    return failure();
  Operation *first = match->heads.front().attention;
  Location loc = root->getLoc();
  rewriter.setInsertionPoint(root);

  // Stack the heads' values [B, 1, M, Dv] into [B, H, M, Dv].
  SmallVector<Value> values;
  for (const HeadPiece &head : match->heads)
    values.push_back(getValue(head.attention));
  Value value = tensor::ConcatOp::create(rewriter, loc, /*dim=*/1, values);

  // Shared query, key and bias without the unit head dimension.
  Value query = getQuery(first);
  Value key = getKey(first);
  Value bias = getBias(first);
  if (match->isMha) {
    query = buildInvariantSlice(rewriter, loc, query, 1);
    key = buildInvariantSlice(rewriter, loc, key, 1);
    if (bias) {
      int64_t headDim =
          getMhaBiasHeadDim(cast<RankedTensorType>(bias.getType()));
      if (headDim >= 0)
        bias = buildInvariantSlice(rewriter, loc, bias, headDim);
    }
  }
  auto reuse = ReuseAttentionOp::create(rewriter, loc, query, key, value, bias,
                                        getScale(first).convertToFloat());
  reuse->setDiscardableAttrs(first->getDiscardableAttrDictionary());

  // Restore the concatenated layout from [B, H, N, Dv].
  Value result = reuse.getResult();
  RankedTensorType type = reuse.getResultType();
  bool channelAxis = match->squeezed || match->view.axis == 3;
  if (channelAxis) {
    // [B, H, N, Dv] -> [B, N, H, Dv] -> [B, N, H*Dv] (-> [B, 1, N, H*Dv]).
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(rewriter, loc, result);
    SmallVector<OpFoldResult> permutedSizes = {sizes[0], sizes[2], sizes[1],
                                               sizes[3]};
    Value init = tensor::EmptyOp::create(rewriter, loc, permutedSizes,
                                         type.getElementType());
    result = linalg::TransposeOp::create(rewriter, loc, result, init,
                                         ArrayRef<int64_t>{0, 2, 1, 3})
                 .getResult()[0];
    result = tensor::CollapseShapeOp::create(
        rewriter, loc, result,
        ArrayRef<ReassociationIndices>{{0}, {1}, {2, 3}});
    if (!match->squeezed) {
      auto collapsed = cast<RankedTensorType>(result.getType());
      auto expandedType = RankedTensorType::get(
          {collapsed.getDimSize(0), 1, collapsed.getDimSize(1),
           collapsed.getDimSize(2)},
          collapsed.getElementType());
      result = tensor::ExpandShapeOp::create(
          rewriter, loc, expandedType, result,
          ArrayRef<ReassociationIndices>{{0, 1}, {2}, {3}});
    }
  }
  Type rootType = root->getResult(0).getType();
  if (result.getType() != rootType)
    result = tensor::CastOp::create(rewriter, loc, rootType, result);

  ReuseRewriteInfo info;
  info.heads = match->heads.size();
  info.matricesRemoved = info.heads - 1;
  rewriter.replaceOp(root, result);
  // The per-head ops fed only the concatenation: erase them with it.
  for (Operation *op : match->view.chain)
    rewriter.eraseOp(op);
  for (const HeadPiece &head : match->heads) {
    if (head.squeeze)
      rewriter.eraseOp(head.squeeze);
    rewriter.eraseOp(head.attention);
  }
  if (options.onRewrite)
    options.onRewrite(reuse, info);
  return reuse;
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

namespace {
struct SharedHeadsToReusePattern
    : public OpRewritePattern<MultiHeadAttentionOp> {
  SharedHeadsToReusePattern(MLIRContext *ctx, ReuseHeadsOptions options)
      : OpRewritePattern(ctx), options(std::move(options)) {}

  LogicalResult matchAndRewrite(MultiHeadAttentionOp op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    if (failed(rewriteSharedHeadsToReuse(rewriter, op, options, &reason)))
      return rewriter.notifyMatchFailure(op, reason);
    return success();
  }

  ReuseHeadsOptions options;
};

template <typename ConcatOpTy>
struct MergePerHeadAttentionPattern : public OpRewritePattern<ConcatOpTy> {
  MergePerHeadAttentionPattern(MLIRContext *ctx, ReuseHeadsOptions options)
      : OpRewritePattern<ConcatOpTy>(ctx), options(std::move(options)) {}

  LogicalResult matchAndRewrite(ConcatOpTy op,
                                PatternRewriter &rewriter) const override {
    std::string reason;
    if (failed(mergePerHeadAttention(rewriter, op, options, &reason)))
      return rewriter.notifyMatchFailure(op, reason);
    return success();
  }

  ReuseHeadsOptions options;
};
} // namespace

void attn::populateAttnReuseHeadsPatterns(RewritePatternSet &patterns,
                                          const ReuseHeadsOptions &options) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<SharedHeadsToReusePattern>(ctx, options);
  patterns.add<MergePerHeadAttentionPattern<tensor::ConcatOp>,
               MergePerHeadAttentionPattern<tosa::ConcatOp>,
               MergePerHeadAttentionPattern<tensor::InsertSliceOp>>(ctx,
                                                                    options);
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct AttnReuseHeadsPass
    : public attn::impl::AttnReuseHeadsBase<AttnReuseHeadsPass> {
  using Base::Base;

  void runOnOperation() override {
    Operation *root = getOperation();
    ReuseHeadsOptions options;
    options.allowApproximation = allowApproximation;
    struct {
      int64_t rewritten = 0, heads = 0, removed = 0, approximated = 0;
    } summary;
    // Head counts are static extents, up to INT64_MAX: the totals saturate.
    auto accumulate = [](int64_t &total, int64_t count) {
      if (llvm::AddOverflow(total, count, total))
        total = std::numeric_limits<int64_t>::max();
    };
    options.onRewrite = [&](ReuseAttentionOp op, const ReuseRewriteInfo &info) {
      ++summary.rewritten;
      accumulate(summary.heads, info.heads);
      accumulate(summary.removed, info.matricesRemoved);
      summary.approximated += info.approximate;
      ++numOpsRewritten;
      numHeadsMerged += info.heads;
      numMatricesRemoved += info.matricesRemoved;
      if (info.approximate)
        ++numApproximated;
      if (!report)
        return;
      InFlightDiagnostic remark = op.emitRemark();
      if (info.heads > 0)
        remark << "attention rewritten into attn.reuse: " << info.heads
               << " heads share one attention matrix, "
               << info.matricesRemoved << " attention matri"
               << (info.matricesRemoved == 1 ? "x" : "ces")
               << " removed per batch item";
      else
        remark << "attention rewritten into attn.reuse: all heads (a "
                  "dynamic count) share one attention matrix";
    };

    // A single walk, without folding or dead-code elimination: IR that
    // holds no candidate is left exactly as it was.
    RewritePatternSet patterns(&getContext());
    populateAttnReuseHeadsPatterns(patterns, options);
    walkAndApplyPatterns(root, std::move(patterns));
    int64_t rejected = 0;

    // Explain every candidate that is left.
    root->walk([&](Operation *op) {
      std::string reason;
      if (auto mha = dyn_cast<MultiHeadAttentionOp>(op)) {
        // Single-head ops are candidates only as part of a concatenation.
        bool singleHead = inferAttentionDims(false, mha.getQueryType(),
                                             mha.getKeyType(),
                                             mha.getValueType())
                              .heads == 1;
        if (!singleHead &&
            failed(matchSharedHeads(mha, allowApproximation, &reason))) {
          ++rejected;
          if (report)
            op->emitRemark() << "attn.mha not rewritten: " << reason;
        }
        return;
      }
      if (isPerHeadConcatCandidate(op) &&
          failed(matchPerHeadAttention(op, &reason))) {
        ++rejected;
        if (report)
          op->emitRemark() << "per-head attention not merged: " << reason;
      }
    });
    numRejected += rejected;

    // Debian's release build of MLIR compiles pass statistics out
    // (LLVM_ENABLE_STATS=0), so the report also carries the totals.
    if (report)
      root->emitRemark() << "attn-reuse-heads: " << summary.rewritten
                         << " rewritten, " << summary.heads
                         << " heads merged, " << summary.removed
                         << " attention matrices removed per batch item, "
                         << summary.approximated << " approximate, "
                         << rejected << " candidates rejected";
  }
};
} // namespace
