//===- TosaFoldConstants.cpp - Constant folds tosa-layerwise lacks --------===//
//
// `uniform-tosa-fold-constants`: TOSA ops whose operands are all constants,
// computed at compile time where upstream's tosa-layerwise-constant-fold
// does not: tosa.gather (the relative position bias of a windowed attention
// layer, a table indexed by constant offsets), tosa.reverse, tosa.pad and
// tosa.slice (the weights of a decomposed transposed convolution), and
// tosa.transpose and tosa.reshape of the ONNX importer's dense_resource
// weights (a grouped convolution's, rearranged for its depthwise form).
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Tosa/Transforms/Passes.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
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

namespace {
/// The elements of a statically shaped constant with whole-byte elements, in
/// row-major order: an inline non-splat DenseElementsAttr or a
/// dense_resource blob (the ONNX importer's large weights).
struct ConstantBytes {
  RankedTensorType type;
  ArrayRef<char> data;
  int64_t elementSize;
};
} // namespace

static std::optional<ConstantBytes> getConstantBytes(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || !type.hasStaticShape() || !type.getElementType().isIntOrFloat())
    return std::nullopt;
  DenseElementsAttr dense;
  if (matchPattern(value, m_Constant(&dense))) {
    auto raw = rawElements(dense);
    if (!raw)
      return std::nullopt;
    return ConstantBytes{type, raw->first, raw->second};
  }
  auto constant = value.getDefiningOp<tosa::ConstOp>();
  auto resource =
      constant ? dyn_cast<DenseResourceElementsAttr>(constant.getValuesAttr())
               : DenseResourceElementsAttr();
  unsigned bits = type.getElementTypeBitWidth();
  AsmResourceBlob *blob =
      resource ? resource.getRawHandle().getBlob() : nullptr;
  if (!blob || bits % 8 != 0 || type.getNumElements() > kMaxRearrangedElements)
    return std::nullopt;
  int64_t size = bits / 8;
  ArrayRef<char> data = blob->getData();
  if (static_cast<int64_t>(data.size()) != type.getNumElements() * size)
    return std::nullopt;
  return ConstantBytes{type, data, size};
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
    std::optional<ConstantBytes> input = getConstantBytes(op.getInput1());
    if (!input)
      return failure();
    auto [type, data, size] = *input;
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
    DenseElementsAttr value;
    auto type = dyn_cast<RankedTensorType>(op.getType());
    std::optional<ConstantBytes> input = getConstantBytes(op.getInput1());
    if (!input || !matchPattern(op.getPadConst(), m_Constant(&value)) ||
        !type || !type.hasStaticShape() || !value.isSplat() ||
        type.getNumElements() > kMaxRearrangedElements)
      return failure();
    ArrayRef<char> data = input->data;
    int64_t size = input->elementSize;
    ArrayRef<int64_t> in = input->type.getShape();
    std::optional<SmallVector<int64_t>> padding = constShape(op.getPadding());
    if (!padding || padding->size() != 2 * in.size())
      return failure();
    // Only paddings that give the result's shape (the verifier does not
    // check them all) are copied.
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
    auto type = dyn_cast<RankedTensorType>(op.getType());
    std::optional<SmallVector<int64_t>> start = constShape(op.getStart());
    std::optional<ConstantBytes> input = getConstantBytes(op.getInput1());
    if (!input || !type || !type.hasStaticShape() || !start)
      return failure();
    ArrayRef<char> data = input->data;
    int64_t size = input->elementSize;
    ArrayRef<int64_t> in = input->type.getShape(), out = type.getShape();
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

/// tosa.reshape of a dense_resource constant: the same blob with the
/// result's type (upstream folds reshapes of inline constants only).
struct FoldResourceReshape : OpRewritePattern<tosa::ReshapeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::ReshapeOp op,
                                PatternRewriter &rewriter) const override {
    auto constant = op.getInput1().getDefiningOp<tosa::ConstOp>();
    auto resource =
        constant ? dyn_cast<DenseResourceElementsAttr>(constant.getValuesAttr())
                 : DenseResourceElementsAttr();
    auto type = dyn_cast<RankedTensorType>(op.getType());
    auto sourceType =
        resource ? dyn_cast<ShapedType>(resource.getType()) : ShapedType();
    if (!resource || !type || !type.hasStaticShape() || !sourceType ||
        !sourceType.hasStaticShape() ||
        sourceType.getElementType() != type.getElementType() ||
        sourceType.getNumElements() != type.getNumElements())
      return failure();
    rewriter.replaceOpWithNewOp<tosa::ConstOp>(
        op, type,
        DenseResourceElementsAttr::get(type, resource.getRawHandle()));
    return success();
  }
};

/// tosa.transpose of a constant, inline or a dense_resource blob (a grouped
/// convolution's weights, rearranged for its depthwise form): the
/// transposed constant.
struct FoldConstantTranspose : OpRewritePattern<tosa::TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tosa::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    std::optional<ConstantBytes> input = getConstantBytes(op.getInput1());
    auto type = dyn_cast<RankedTensorType>(op.getType());
    if (!input || !type || !type.hasStaticShape())
      return failure();
    ArrayRef<int64_t> in = input->type.getShape(), out = type.getShape();
    ArrayRef<int32_t> perms = op.getPerms();
    int64_t rank = in.size(), size = input->elementSize;
    if (static_cast<int64_t>(perms.size()) != rank)
      return failure();
    // Result dimension d walks input dimension perms[d].
    SmallVector<int64_t> inStride(rank, 1), stride(rank);
    for (int64_t d = rank - 2; d >= 0; --d)
      inStride[d] = inStride[d + 1] * in[d + 1];
    for (int64_t d = 0; d < rank; ++d) {
      if (perms[d] < 0 || perms[d] >= rank || out[d] != in[perms[d]])
        return failure();
      stride[d] = inStride[perms[d]];
    }
    std::vector<char> result(type.getNumElements() * size);
    SmallVector<int64_t> index(rank, 0);
    for (int64_t i = 0, e = type.getNumElements(); i < e; ++i) {
      int64_t from = 0;
      for (int64_t d = 0; d < rank; ++d)
        from += index[d] * stride[d];
      std::copy_n(input->data.begin() + from * size, size,
                  result.begin() + i * size);
      for (int64_t d = rank - 1; d >= 0 && ++index[d] == out[d]; --d)
        index[d] = 0;
    }
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
               FoldConstantSlice, FoldConstantTranspose, FoldResourceReshape>(
      patterns.getContext());
}
