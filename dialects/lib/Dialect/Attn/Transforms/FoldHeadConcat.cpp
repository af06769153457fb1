//===- FoldHeadConcat.cpp - Concatenated head slices as one relayout ------===//
//
// After heads are merged into one `attn.reuse`, each head's result is a
// slice of the merged result, and exporters then move every head through
// the same reshapes and transposes before concatenating them (to [B, N, C],
// [B, C, N], NCHW, or windows merged back). Such a concatenation is a
// relayout of the merged result: this file proves it and replaces the
// per-head copies by at most one reshape, one transpose and one reshape.
//
// The proof tracks "atoms": the merged result's dimensions, split where a
// reshape needs it, each a run of row-major index digits. A reshape
// regroups the atoms of the current layout, a transpose permutes the
// groups, and the concatenation prepends the piece index (an atom of the
// merged result's sliced dimension) to the concatenated group. The result is
// then the merged result expanded into its atoms, transposed into the final
// order and collapsed into the final shape.
//
//===----------------------------------------------------------------------===//

#include "uniform/Dialect/Attn/Transforms/Transforms.h"

#include "AtomLayout.h"
#include "Reason.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"

using namespace mlir;
using namespace uniform;
using namespace uniform::attn;

using uniform::attn::detail::AtomLayout;
using uniform::attn::detail::applyRelayout;
using uniform::attn::detail::createReshape;
using uniform::attn::detail::fail;
using uniform::attn::detail::isRelayoutOp;

//===----------------------------------------------------------------------===//
// Concatenations
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

//===----------------------------------------------------------------------===//
// Layout chains
//===----------------------------------------------------------------------===//

namespace {
/// One piece of the concatenation: the slice it starts from and the
/// relayout ops from the slice to the piece, in order.
struct PieceChain {
  tensor::ExtractSliceOp slice;
  SmallVector<Operation *> ops;
};
} // namespace

static FailureOr<PieceChain> getPieceChain(Value piece) {
  PieceChain chain;
  Value cur = piece;
  while (Operation *def = cur.getDefiningOp()) {
    if (auto slice = dyn_cast<tensor::ExtractSliceOp>(def)) {
      chain.slice = slice;
      std::reverse(chain.ops.begin(), chain.ops.end());
      return chain;
    }
    if (!isRelayoutOp(def))
      break;
    chain.ops.push_back(def);
    cur = def->getOperand(0);
  }
  return failure();
}

/// Whether two relayout ops do the same thing to their first operand.
static bool isSameRelayout(Operation *a, Operation *b) {
  if (a->getName() != b->getName() ||
      a->getAttrDictionary() != b->getAttrDictionary() ||
      a->getResultTypes() != b->getResultTypes() ||
      a->getNumOperands() != b->getNumOperands())
    return false;
  for (auto [x, y] :
       llvm::zip(llvm::drop_begin(a->getOperands()),
                 llvm::drop_begin(b->getOperands())))
    if (!areEquivalentValues(x, y))
      return false;
  return true;
}

//===----------------------------------------------------------------------===//
// The fold
//===----------------------------------------------------------------------===//

namespace {
/// What the matcher found: the sliced tensor, the sliced dimension, the run
/// of it the pieces cover, and the final layout.
struct HeadConcatMatch {
  Value source;
  int64_t dim = 0;
  int64_t offset = 0;
  int64_t count = 0;
  int64_t sliceSize = 0;
  SmallVector<Operation *> chainOps;
};
} // namespace

/// Checks that the pieces are consecutive slices of one attention result
/// along one dimension, each through the same relayout chain.
static FailureOr<HeadConcatMatch>
matchHeadConcat(const ConcatView &view, SmallVectorImpl<PieceChain> &chains,
                std::string *reason) {
  if (view.pieces.size() < 2)
    return fail(reason, "it concatenates fewer than two pieces");
  for (auto [i, piece] : llvm::enumerate(view.pieces)) {
    FailureOr<PieceChain> chain = getPieceChain(piece);
    if (failed(chain))
      return fail(reason, "piece #" + Twine(i) +
                              " is not a slice of an attention result "
                              "through reshapes and transposes");
    chains.push_back(*chain);
  }
  tensor::ExtractSliceOp first = chains.front().slice;
  Value source = first.getSource();
  if (!isa_and_nonnull<ReuseAttentionOp, MultiHeadAttentionOp>(
          source.getDefiningOp()))
    return fail(reason, "the pieces are not slices of an attention result");
  auto sourceType = cast<RankedTensorType>(source.getType());
  if (!sourceType.hasStaticShape() || sourceType.getNumElements() == 0)
    return fail(reason, "the attention result has a dynamic or empty shape");

  HeadConcatMatch match;
  match.source = source;
  std::optional<int64_t> dim;
  for (auto [i, chain] : llvm::enumerate(chains)) {
    tensor::ExtractSliceOp slice = chain.slice;
    if (slice.getSource() != source || !slice.hasUnitStride() ||
        ShapedType::isDynamicShape(slice.getStaticOffsets()) ||
        ShapedType::isDynamicShape(slice.getStaticSizes()))
      return fail(reason, "piece #" + Twine(i) +
                              " is not a static slice of the same result");
    ArrayRef<int64_t> offsets = slice.getStaticOffsets();
    ArrayRef<int64_t> sizes = slice.getStaticSizes();
    for (int64_t d = 0, e = sourceType.getRank(); d < e; ++d) {
      if (offsets[d] == 0 && sizes[d] == sourceType.getDimSize(d))
        continue;
      if (dim && *dim != d)
        return fail(reason, "the slices cut more than one dimension");
      dim = d;
    }
    if (chain.ops.size() != chains.front().ops.size() ||
        !llvm::all_of(llvm::zip(chain.ops, chains.front().ops),
                      [](auto pair) {
                        return isSameRelayout(std::get<0>(pair),
                                              std::get<1>(pair));
                      }))
      return fail(reason, "piece #" + Twine(i) +
                              " is reshaped or transposed differently");
    if (slice.getType() != first.getType())
      return fail(reason, "the slices differ in type");
  }
  if (!dim)
    return fail(reason, "the pieces are the whole attention result");
  match.dim = *dim;
  match.sliceSize = first.getStaticSizes()[*dim];
  if (match.sliceSize <= 0)
    return fail(reason, "the slices are empty");
  match.offset = first.getStaticOffsets()[*dim];
  match.count = chains.size();
  for (auto [i, chain] : llvm::enumerate(chains))
    if (chain.slice.getStaticOffsets()[*dim] !=
        match.offset + static_cast<int64_t>(i) * match.sliceSize)
      return fail(reason, "the slices are not consecutive in concatenation "
                          "order");
  match.chainOps = chains.front().ops;
  return match;
}

FailureOr<Value> attn::foldHeadConcat(RewriterBase &rewriter,
                                      Operation *concat,
                                      std::string *reason) {
  FailureOr<ConcatView> view = getConcatView(concat, reason);
  if (failed(view))
    return failure();
  SmallVector<PieceChain> chains;
  FailureOr<HeadConcatMatch> match = matchHeadConcat(*view, chains, reason);
  if (failed(match))
    return failure();

  // The run of the source the pieces cover, as atoms.
  auto sourceType = cast<RankedTensorType>(match->source.getType());
  SmallVector<int64_t> runShape(sourceType.getShape());
  runShape[match->dim] = match->count * match->sliceSize;
  AtomLayout layout(runShape, match->dim, match->count, match->sliceSize);
  layout.startPiece(chains.front().slice.getDroppedDims());
  for (Operation *op : match->chainOps)
    if (failed(applyRelayout(layout, op)))
      return fail(reason, "'" + op->getName().getStringRef() +
                              "' regroups elements in a way that is not a "
                              "relayout of whole digits");
  layout.concat(view->axis);

  auto resultType = cast<RankedTensorType>(concat->getResult(0).getType());
  if (!resultType.hasStaticShape())
    return fail(reason, "the concatenation has a dynamic shape");
  // The source's atoms in the final order; unit atoms that the reshapes
  // dropped stay after the atom that precedes them in the source.
  SmallVector<unsigned> from = layout.sourceAtoms();
  SmallVector<unsigned> to = layout.currentDigits();
  for (auto [i, atom] : llvm::enumerate(from)) {
    if (llvm::is_contained(to, atom))
      continue;
    if (layout.size(atom) != 1)
      return fail(reason, "the pieces do not cover the slices' elements");
    auto *pos = i == 0 ? to.begin() : std::next(llvm::find(to, from[i - 1]));
    to.insert(pos, atom);
  }
  SmallVector<int64_t> perm;
  for (unsigned atom : to)
    perm.push_back(llvm::find(from, atom) - from.begin());
  if (from.size() != to.size() ||
      llvm::is_contained(perm, static_cast<int64_t>(from.size())))
    return fail(reason, "the pieces do not cover the slices' elements");

  Location loc = concat->getLoc();
  rewriter.setInsertionPoint(concat);
  Value run = match->source;
  if (runShape != sourceType.getShape()) {
    SmallVector<OpFoldResult> offsets(runShape.size(),
                                      rewriter.getIndexAttr(0));
    offsets[match->dim] = rewriter.getIndexAttr(match->offset);
    SmallVector<OpFoldResult> sizes = getAsIndexOpFoldResult(
        rewriter.getContext(), runShape);
    SmallVector<OpFoldResult> strides(runShape.size(),
                                      rewriter.getIndexAttr(1));
    run = tensor::ExtractSliceOp::create(rewriter, loc, run, offsets, sizes,
                                         strides);
  }
  SmallVector<int64_t> digitShape;
  for (unsigned atom : from)
    digitShape.push_back(layout.size(atom));
  Value result = run;
  if (!llvm::equal(perm, llvm::seq<int64_t>(0, perm.size()))) {
    result = createReshape(rewriter, loc, run, digitShape);
    SmallVector<int64_t> permutedShape;
    for (int64_t p : perm)
      permutedShape.push_back(digitShape[p]);
    Value init = tensor::EmptyOp::create(rewriter, loc, permutedShape,
                                         resultType.getElementType());
    result = linalg::TransposeOp::create(rewriter, loc, result, init, perm)
                 .getResult()[0];
  }
  result = createReshape(rewriter, loc, result, resultType.getShape());
  if (result.getType() != resultType)
    result = tensor::CastOp::create(rewriter, loc, resultType, result);

  rewriter.replaceOp(concat, result);
  for (Operation *op : view->chain)
    rewriter.eraseOp(op);
  // The per-head copies are dead now unless used elsewhere (each op once,
  // users before producers).
  llvm::SetVector<Operation *> copies;
  for (const PieceChain &chain : chains) {
    for (Operation *op : llvm::reverse(chain.ops))
      copies.insert(op);
    copies.insert(chain.slice);
  }
  for (Operation *op : copies)
    if (op->use_empty())
      rewriter.eraseOp(op);
  return result;
}
