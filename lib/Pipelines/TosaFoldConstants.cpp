//===- TosaFoldConstants.cpp - Constant folds tosa-layerwise lacks --------===//
//
// `uniform-tosa-fold-constants`: TOSA ops whose operands are all constants,
// computed at compile time where upstream's tosa-layerwise-constant-fold
// does not: tosa.gather (the relative position bias of a windowed attention
// layer, a table indexed by constant offsets), tosa.reverse, tosa.pad and
// tosa.slice (the weights of a decomposed transposed convolution).
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Tosa/Transforms/Passes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace uniform {
#define GEN_PASS_DEF_TOSAFOLDCONSTANTS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

/// The most elements a folded constant may have: larger ones stay as ops
/// rather than grow the module.
static constexpr int64_t kMaxFoldedElements = 1 << 20;

/// The most elements of a constant that a fold only rearranges (reverse,
/// pad): the module already holds them once, and the original usually dies.
static constexpr int64_t kMaxRearrangedElements = 1 << 24;

/// The bytes of a non-splat constant whose elements are whole bytes (not
/// i1), with its element size; std::nullopt otherwise.
static std::optional<std::pair<ArrayRef<char>, int64_t>>
rawElements(DenseElementsAttr attr) {
  unsigned bits = attr.getElementType().getIntOrFloatBitWidth();
  if (attr.isSplat() || bits % 8 != 0 ||
      attr.getNumElements() > kMaxRearrangedElements)
    return std::nullopt;
  return std::make_pair(attr.getRawData(), int64_t(bits / 8));
}

/// Copies the box `box` of elements of `size` bytes at `from` in `src`
/// (shape `srcShape`) to `to` in `dst` (shape `dstShape`), row by row.
static void copyBox(ArrayRef<char> src, ArrayRef<int64_t> srcShape,
                    ArrayRef<int64_t> from, MutableArrayRef<char> dst,
                    ArrayRef<int64_t> dstShape, ArrayRef<int64_t> to,
                    ArrayRef<int64_t> box, int64_t size) {
  int64_t rank = box.size();
  if (rank == 0) {
    std::copy_n(src.begin(), size, dst.begin());
    return;
  }
  if (llvm::is_contained(box, 0))
    return;
  auto strides = [&](ArrayRef<int64_t> shape) {
    SmallVector<int64_t> stride(rank, size);
    for (int64_t i = rank - 2; i >= 0; --i)
      stride[i] = stride[i + 1] * shape[i + 1];
    return stride;
  };
  SmallVector<int64_t> srcStride = strides(srcShape),
                       dstStride = strides(dstShape), index(rank, 0);
  int64_t rowBytes = box.back() * size;
  while (true) {
    int64_t srcOffset = 0, dstOffset = 0;
    for (int64_t d = 0; d < rank; ++d) {
      srcOffset += (index[d] + from[d]) * srcStride[d];
      dstOffset += (index[d] + to[d]) * dstStride[d];
    }
    std::copy_n(src.begin() + srcOffset, rowBytes, dst.begin() + dstOffset);
    int64_t d = rank - 2;
    for (; d >= 0 && ++index[d] == box[d]; --d)
      index[d] = 0;
    if (d < 0)
      return;
  }
}

/// The values of a tosa.const_shape operand, or std::nullopt.
static std::optional<SmallVector<int64_t>> constShape(Value v) {
  auto op = v.getDefiningOp<tosa::ConstShapeOp>();
  if (!op)
    return std::nullopt;
  return llvm::map_to_vector(op.getValues().getValues<APInt>(),
                             [](const APInt &x) { return x.getSExtValue(); });
}

namespace {
/// tosa.reverse of a constant (the weights of a transposed convolution,
/// reversed by its decomposition): the reversed constant.
struct FoldConstantReverse : OpRewritePattern<tosa::ReverseOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::ReverseOp op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr input;
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!matchPattern(op.getInput1(), m_Constant(&input)) || !type ||
        !type.hasStaticShape() || !type.getElementType().isIntOrFloat())
      return failure();
    auto raw = rawElements(input);
    if (!raw)
      return failure();
    auto [data, size] = *raw;
    ArrayRef<int64_t> shape = type.getShape();
    int64_t axis = op.getAxis();
    int64_t outer = 1, extent = shape[axis], inner = size;
    for (int64_t i = 0; i < axis; ++i)
      outer *= shape[i];
    for (int64_t i = axis + 1, e = shape.size(); i < e; ++i)
      inner *= shape[i];
    std::vector<char> result(data.size());
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t a = 0; a < extent; ++a)
        std::copy_n(data.begin() + (o * extent + extent - 1 - a) * inner, inner,
                    result.begin() + (o * extent + a) * inner);
    rewriter.replaceOpWithNewOp<tosa::ConstOp>(
        op, type, DenseElementsAttr::getFromRawBuffer(type, result));
    return success();
  }
};

/// tosa.pad of a constant by a constant padding with a constant value: the
/// padded constant.
struct FoldConstantPad : OpRewritePattern<tosa::PadOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::PadOp op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr input, value;
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!matchPattern(op.getInput1(), m_Constant(&input)) ||
        !matchPattern(op.getPadConst(), m_Constant(&value)) || !type ||
        !type.hasStaticShape() || !type.getElementType().isIntOrFloat() ||
        !value.isSplat() || type.getNumElements() > kMaxRearrangedElements)
      return failure();
    auto raw = rawElements(input);
    if (!raw)
      return failure();
    auto [data, size] = *raw;
    std::optional<SmallVector<int64_t>> padding = constShape(op.getPadding());
    if (!padding || padding->size() != 2 * input.getType().getShape().size())
      return failure();
    // Only paddings that give the result's shape (the verifier does not
    // check them all) are copied.
    ArrayRef<int64_t> in = input.getType().getShape();
    SmallVector<int64_t> before;
    for (auto [d, extent] : llvm::enumerate(in)) {
      int64_t lo = (*padding)[2 * d], hi = (*padding)[2 * d + 1];
      if (lo < 0 || hi < 0 || extent + lo + hi != type.getDimSize(d))
        return rewriter.notifyMatchFailure(op, "unexpected padding");
      before.push_back(lo);
    }
    std::vector<char> result(type.getNumElements() * size);
    ArrayRef<char> fill = value.getRawData();
    for (int64_t i = 0, e = type.getNumElements(); i < e; ++i)
      std::copy_n(fill.begin(), size, result.begin() + i * size);
    copyBox(data, in, SmallVector<int64_t>(in.size(), 0), result,
            type.getShape(), before, in, size);
    rewriter.replaceOpWithNewOp<tosa::ConstOp>(
        op, type, DenseElementsAttr::getFromRawBuffer(type, result));
    return success();
  }
};

/// tosa.slice of a constant (a group's weights, a dilated kernel): the
/// slice.
struct FoldConstantSlice : OpRewritePattern<tosa::SliceOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::SliceOp op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr input;
    auto type = dyn_cast<RankedTensorType>(op.getType());
    std::optional<SmallVector<int64_t>> start = constShape(op.getStart());
    if (!matchPattern(op.getInput1(), m_Constant(&input)) || !type ||
        !type.hasStaticShape() || !type.getElementType().isIntOrFloat() ||
        !start)
      return failure();
    auto raw = rawElements(input);
    if (!raw)
      return failure();
    auto [data, size] = *raw;
    ArrayRef<int64_t> in = input.getType().getShape(), out = type.getShape();
    for (auto [first, extent, whole] : llvm::zip_equal(*start, out, in))
      if (first < 0 || first > whole - extent)
        return rewriter.notifyMatchFailure(op, "the slice is out of range");
    std::vector<char> result(type.getNumElements() * size);
    copyBox(data, in, *start, result, out, SmallVector<int64_t>(out.size(), 0),
            out, size);
    rewriter.replaceOpWithNewOp<tosa::ConstOp>(
        op, type, DenseElementsAttr::getFromRawBuffer(type, result));
    return success();
  }
};

/// tosa.gather of a constant table [N, K, C] at constant indices [N, W]:
/// the constant [N, W, C] it reads. An index outside [0, K) (undefined
/// behaviour in TOSA) leaves the op as it is.
struct FoldConstantGather : OpRewritePattern<tosa::GatherOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::GatherOp op,
                                PatternRewriter &rewriter) const override {
    DenseElementsAttr values, indices;
    auto resultType = dyn_cast<RankedTensorType>(op.getType());
    if (!matchPattern(op.getValues(), m_Constant(&values)) ||
        !matchPattern(op.getIndices(), m_Constant(&indices)) || !resultType ||
        !resultType.hasStaticShape() ||
        resultType.getNumElements() > kMaxFoldedElements)
      return failure();
    ArrayRef<int64_t> tableShape = values.getType().getShape();
    int64_t batches = tableShape[0], rows = tableShape[1],
            channels = tableShape[2];
    int64_t width = indices.getType().getDimSize(1);
    SmallVector<int64_t> rowIndices =
        llvm::map_to_vector(indices.getValues<APInt>(), [](const APInt &index) {
          return index.getSExtValue();
        });
    if (llvm::any_of(rowIndices,
                     [&](int64_t row) { return row < 0 || row >= rows; }))
      return rewriter.notifyMatchFailure(op, "an index is out of range");
    SmallVector<Attribute> table(values.getValues<Attribute>());
    SmallVector<Attribute> result;
    result.reserve(resultType.getNumElements());
    for (int64_t n = 0; n < batches; ++n)
      for (int64_t w = 0; w < width; ++w) {
        int64_t row = rowIndices[n * width + w];
        auto first = table.begin() + (n * rows + row) * channels;
        result.append(first, first + channels);
      }
    rewriter.replaceOpWithNewOp<tosa::ConstOp>(
        op, resultType, DenseElementsAttr::get(resultType, result));
    return success();
  }
};

struct TosaFoldConstantsPass
    : public uniform::impl::TosaFoldConstantsBase<TosaFoldConstantsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    uniform::populateTosaFoldConstantsPatterns(patterns);
    // Upstream's transpose fold too, so that chains of rearrangements (pad,
    // reshape, transpose, reverse: a decomposed transposed convolution's
    // weights) fold in one run.
    tosa::populateTosaFoldConstantTransposePatterns(&getContext(), patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace

void uniform::populateTosaFoldConstantsPatterns(RewritePatternSet &patterns) {
  patterns.add<FoldConstantGather, FoldConstantReverse, FoldConstantPad,
               FoldConstantSlice>(patterns.getContext());
}
