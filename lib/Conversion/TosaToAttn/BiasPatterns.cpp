//===- BiasPatterns.cpp - Attention biases in one add before the softmax --===//
//
// Exporters add more than one bias to attention scores, and not always in
// the scores' layout. Swin's shifted windows, as torch exports them:
//
//   S5 = reshape(S, [B, nW, H, N, N])        split the batch into windows
//   A  = reshape(S5 + mask[1, nW, 1, N, N], [B * nW, H, N, N])
//   A  = (Q K^T * scale + relative_position_bias) + mask   (after the first)
//
// These patterns rewrite the scores that feed a softmax into the one
// `scores + bias` that attn-raise matches: an add through a batch split
// becomes an add of the bias reshaped (and tiled over what it broadcast)
// into the scores' layout (exact), and two adds of input-independent biases
// become one add of their sum, which constant folding then computes once
// (exact but for the rounding of the reassociated sum).
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/TosaToAttn.h"

#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"
#include "llvm/ADT/SmallPtrSet.h"

using namespace mlir;

namespace {

/// Whether `v` is computed from constants only (no block argument in its
/// backward slice), looking at no more than `budget` ops.
bool isInputIndependent(Value v, int64_t budget = 4096) {
  SmallVector<Value> worklist = {v};
  llvm::SmallPtrSet<Operation *, 32> seen;
  while (!worklist.empty()) {
    Value x = worklist.pop_back_val();
    Operation *def = x.getDefiningOp();
    if (!def)
      return false; // A block argument.
    if (!seen.insert(def).second)
      continue;
    if (--budget < 0 || def->getNumRegions() != 0)
      return false;
    llvm::append_range(worklist, def->getOperands());
  }
  return true;
}

/// Whether `v` is the input of a softmax (its reduce_max): the patterns
/// touch attention scores only. Reassociating the biases changes float
/// rounding, which is a change attn-raise makes anyway when it fuses them.
bool feedsSoftmax(Value v) {
  return llvm::any_of(v.getUsers(), [](Operation *user) {
    return isa<tosa::ReduceMaxOp>(user);
  });
}

Value reshapeTo(PatternRewriter &rewriter, Location loc, Value v,
                ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getShape() == shape)
    return v;
  return tosa::ReshapeOp::create(
      rewriter, loc, RankedTensorType::get(shape, type.getElementType()), v,
      tosa::getTosaConstShape(rewriter, loc, shape));
}

/// reshape(reshape(S, [b0, b1, rest...]) + X, shape(S)), with
/// S = [b0 * b1, rest...] and X broadcast to [b0, b1, rest...], into
/// S + reshape(tile(X)): X is tiled over b0 or b1 where it broadcast there
/// and the other is whole, so that the two merge into S's first dimension.
struct AddThroughBatchSplit : public OpRewritePattern<tosa::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::ReshapeOp merge,
                                PatternRewriter &rewriter) const override {
    auto add = merge.getInput1().getDefiningOp<tosa::AddOp>();
    if (!add || !add->hasOneUse() || !feedsSoftmax(merge))
      return rewriter.notifyMatchFailure(merge, "not reshaped scores");
    auto outType = cast<RankedTensorType>(merge.getType());
    for (int operand = 0; operand < 2; ++operand) {
      auto split = add->getOperand(operand).getDefiningOp<tosa::ReshapeOp>();
      Value bias = add->getOperand(1 - operand);
      if (!split || split.getInput1().getType() != outType)
        continue;
      auto splitType = cast<RankedTensorType>(split.getType());
      auto biasType = cast<RankedTensorType>(bias.getType());
      ArrayRef<int64_t> s = outType.getShape(), p = splitType.getShape(),
                        x = biasType.getShape();
      if (!outType.hasStaticShape() || !biasType.hasStaticShape() ||
          p.size() != s.size() + 1 || s.empty() || p[0] * p[1] != s[0] ||
          p.drop_front(2) != s.drop_front() || x.size() != p.size())
        continue;
      // X's first two extents after tiling: whole, or both broadcast.
      SmallVector<int64_t> multiples(x.size(), 1);
      bool whole0 = x[0] == p[0], whole1 = x[1] == p[1];
      if ((x[0] != 1 && !whole0) || (x[1] != 1 && !whole1))
        continue;
      if (whole0 != whole1) {
        if (!whole0)
          multiples[0] = p[0];
        else
          multiples[1] = p[1];
      }
      Location loc = merge.getLoc();
      Value tiled = bias;
      if (llvm::any_of(multiples, [](int64_t m) { return m != 1; })) {
        SmallVector<int64_t> shape(x);
        shape[0] *= multiples[0];
        shape[1] *= multiples[1];
        tiled = tosa::TileOp::create(
            rewriter, loc,
            RankedTensorType::get(shape, biasType.getElementType()), bias,
            tosa::getTosaConstShape(rewriter, loc, multiples));
      }
      auto tiledShape = cast<RankedTensorType>(tiled.getType()).getShape();
      SmallVector<int64_t> merged = {tiledShape[0] * tiledShape[1]};
      llvm::append_range(merged, tiledShape.drop_front(2));
      Value flat = reshapeTo(rewriter, loc, tiled, merged);
      rewriter.replaceOpWithNewOp<tosa::AddOp>(merge, outType,
                                               split.getInput1(), flat);
      return success();
    }
    return rewriter.notifyMatchFailure(merge, "no batch split of the scores");
  }
};

/// (x + c1) + c2, with c1 and c2 independent of the inputs and x not, into
/// x + (c1 + c2): one bias for attn-raise, folded to a constant later.
struct ReassociateConstantBiases : public OpRewritePattern<tosa::AddOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::AddOp outer,
                                PatternRewriter &rewriter) const override {
    if (!feedsSoftmax(outer))
      return rewriter.notifyMatchFailure(outer, "not attention scores");
    for (int o = 0; o < 2; ++o) {
      auto inner = outer->getOperand(o).getDefiningOp<tosa::AddOp>();
      Value c2 = outer->getOperand(1 - o);
      if (!inner || !inner->hasOneUse() || !isInputIndependent(c2))
        continue;
      for (int i = 0; i < 2; ++i) {
        Value x = inner->getOperand(i), c1 = inner->getOperand(1 - i);
        if (isInputIndependent(x) || !isInputIndependent(c1))
          continue;
        auto t1 = cast<RankedTensorType>(c1.getType());
        auto t2 = cast<RankedTensorType>(c2.getType());
        if (t1.getRank() != t2.getRank() || !t1.hasStaticShape() ||
            !t2.hasStaticShape())
          continue;
        SmallVector<int64_t> shape;
        bool broadcasts = true;
        for (auto [a, b] : llvm::zip(t1.getShape(), t2.getShape())) {
          broadcasts &= a == b || a == 1 || b == 1;
          shape.push_back(std::max(a, b));
        }
        if (!broadcasts)
          continue;
        Value sum = tosa::AddOp::create(
            rewriter, outer.getLoc(),
            RankedTensorType::get(shape, t1.getElementType()), c1, c2);
        rewriter.replaceOpWithNewOp<tosa::AddOp>(outer, outer.getType(), x,
                                                 sum);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(outer, "not two constant biases");
  }
};

} // namespace

void uniform::populateAttentionBiasPatterns(RewritePatternSet &patterns) {
  patterns.add<AddThroughBatchSplit, ReassociateConstantBiases>(
      patterns.getContext());
}
