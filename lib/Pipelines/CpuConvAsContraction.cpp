//===- CpuConvAsContraction.cpp - Convolutions as matrix products -------===//
//
// populateConvAsContractionPatterns: static float NHWC convolutions as
// linalg.generic matrix products over their pixels, 1x1 unit-stride ones
// directly, the others over im2col patches built one kernel tap at a time,
// for uniform-cpu-vectorize-contractions to register-tile.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/PatternMatch.h"

using namespace mlir;

/// Replaces the convolution `op` by the matrix product out[p, f] +=
/// lhs[p, k] * filter[f, k] over its N*OH*OW pixels p (a linalg.generic
/// between collapse and expand shapes that contractionRegisterTiles
/// recognizes, every pixel in one dimension so that register tiles are as
/// tall as possible), where `lhs` is [P, K] and `filter` is [F, K].
static void replaceByPixelProduct(PatternRewriter &rewriter,
                                  linalg::Conv2DNhwcFhwcOp op, Value lhs,
                                  Value filter) {
  Location loc = op.getLoc();
  Value init = op.getOutputs()[0];
  SmallVector<ReassociationIndices> pixels = {{0, 1, 2}, {3}};
  Value out = tensor::CollapseShapeOp::create(rewriter, loc, init, pixels);
  MLIRContext *ctx = rewriter.getContext();
  AffineExpr p, f, k;
  bindDims(ctx, p, f, k);
  SmallVector<AffineMap> maps = AffineMap::inferFromExprList(
      ArrayRef<ArrayRef<AffineExpr>>{{p, k}, {f, k}, {p, f}}, ctx);
  SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                utils::IteratorType::parallel,
                                                utils::IteratorType::reduction};
  auto product = linalg::GenericOp::create(
      rewriter, loc, out.getType(), ValueRange{lhs, filter}, ValueRange{out},
      maps, iterators, [](OpBuilder &b, Location loc, ValueRange args) {
        Value mul = arith::MulFOp::create(b, loc, args[0], args[1]);
        linalg::YieldOp::create(
            b, loc, ValueRange{arith::AddFOp::create(b, loc, args[2], mul)});
      });
  rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
      op, init.getType(), product.getResult(0), pixels);
}

/// The float element type of the static convolution `op` when its input,
/// filter and output share it; null otherwise.
static Type uniformFloatType(linalg::Conv2DNhwcFhwcOp op) {
  auto initType = dyn_cast<RankedTensorType>(op.getOutputs()[0].getType());
  if (!op.hasPureTensorSemantics() || op.hasDynamicShape() || !initType ||
      !isa<FloatType>(initType.getElementType()) ||
      llvm::any_of(op.getInputs(), [&](Value input) {
        return getElementTypeOrSelf(input.getType()) !=
               initType.getElementType();
      }))
    return {};
  return initType.getElementType();
}

static bool hasUnitStrides(linalg::Conv2DNhwcFhwcOp op) {
  return llvm::all_of(op.getStrides().getValues<int64_t>(),
                      [](int64_t s) { return s == 1; });
}

namespace {
/// A 1x1 convolution with unit strides, linalg.conv_2d_nhwc_fhwc as TOSA
/// lowers it, is the matrix product out[p,f] += in[p,c] * w[f,c] over the
/// N*H*W pixels p.
struct UnitConvAsContraction : OpRewritePattern<linalg::Conv2DNhwcFhwcOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNhwcFhwcOp op,
                                PatternRewriter &rewriter) const override {
    auto filterType = cast<RankedTensorType>(op.getInputs()[1].getType());
    if (!uniformFloatType(op) || filterType.getDimSize(1) != 1 ||
        filterType.getDimSize(2) != 1 || !hasUnitStrides(op))
      return rewriter.notifyMatchFailure(op, "not a 1x1 unit-stride conv");
    SmallVector<ReassociationIndices> pixels = {{0, 1, 2}, {3}};
    Location loc = op.getLoc();
    replaceByPixelProduct(rewriter, op,
                          tensor::CollapseShapeOp::create(
                              rewriter, loc, op.getInputs()[0], pixels),
                          tensor::CollapseShapeOp::create(
                              rewriter, loc, op.getInputs()[1], pixels));
    return success();
  }
};

/// The extents, strides and dilations of the static NHWC convolution `op`.
struct ConvGeometry {
  explicit ConvGeometry(linalg::Conv2DNhwcFhwcOp op)
      : strides(op.getStrides().getValues<int64_t>()),
        dilations(op.getDilations().getValues<int64_t>()) {
    ArrayRef<int64_t> out =
        cast<RankedTensorType>(op.getOutputs()[0].getType()).getShape();
    ArrayRef<int64_t> window =
        cast<RankedTensorType>(op.getInputs()[1].getType()).getShape();
    n = out[0], oh = out[1], ow = out[2];
    kh = window[1], kw = window[2], c = window[3];
  }
  int64_t n, oh, ow; // output pixels
  int64_t kh, kw, c; // window and input channels
  SmallVector<int64_t, 2> strides, dilations;
};

/// The largest im2col patch tensor Im2ColConvAsContraction materializes
/// (elements; 64 MiB of f32). Larger convolutions stay loops.
static constexpr int64_t kMaxIm2ColElements = int64_t(1) << 24;

/// The im2col patches of the convolution `op` as [N*OH*OW, KH*KW*C], built
/// [N, OH, OW, KH, KW, C]: for each kernel tap (kh, kw), the strided slice
/// of the input that the tap reads is inserted into that tap's columns.
/// Once bufferized each tap is a strided copy of rows of C contiguous
/// channels, which uniform-cpu-copies-to-loops moves as vectors
/// (upstream's rewriteInIm2Col gathers one element at a time through
/// div/mod index maps).
static Value buildIm2ColPatches(PatternRewriter &rewriter,
                                linalg::Conv2DNhwcFhwcOp op, Type element) {
  Location loc = op.getLoc();
  MLIRContext *ctx = rewriter.getContext();
  ConvGeometry g(op);
  int64_t n = g.n, oh = g.oh, ow = g.ow, kh = g.kh, kw = g.kw, c = g.c;
  ArrayRef<int64_t> strides = g.strides, dilations = g.dilations;
  Value patches = tensor::EmptyOp::create(
      rewriter, loc, ArrayRef<int64_t>{n, oh, ow, kh, kw, c}, element);
  auto tapType = RankedTensorType::get({n, oh, ow, c}, element);
  SmallVector<OpFoldResult> tapSizes =
      getAsIndexOpFoldResult(ctx, {n, oh, ow, 1, 1, c});
  SmallVector<OpFoldResult> ones(6, rewriter.getIndexAttr(1));
  for (int64_t i = 0; i < kh; ++i) {
    for (int64_t j = 0; j < kw; ++j) {
      Value tap = tensor::ExtractSliceOp::create(
          rewriter, loc, tapType, op.getInputs()[0],
          getAsIndexOpFoldResult(ctx,
                                 {0, i * dilations[0], j * dilations[1], 0}),
          getAsIndexOpFoldResult(ctx, {n, oh, ow, c}),
          getAsIndexOpFoldResult(ctx, {1, strides[0], strides[1], 1}));
      patches = tensor::InsertSliceOp::create(
          rewriter, loc, tap, patches,
          getAsIndexOpFoldResult(ctx, {0, 0, 0, i, j, 0}), tapSizes, ones);
    }
  }
  return tensor::CollapseShapeOp::create(
      rewriter, loc, patches,
      SmallVector<ReassociationIndices>{{0, 1, 2}, {3, 4, 5}});
}

/// Input channels below which buildRowWindowPatches copies each pixel's
/// whole window row at once: a channel row shorter than one 16-lane vector
/// makes the per-tap copies of buildIm2ColPatches tiny (a 3-channel stem:
/// 3 floats a copy, 9 per output pixel).
static constexpr int64_t kNarrowChannels = 16;

/// The im2col patches as [N*OH*OW, KH*KW*C] for a narrow input (fewer than
/// kNarrowChannels channels, no dilation along W), built [N*OH*OW, KH,
/// KW*C]: the KW pixels of a window row are adjacent in NHWC, so each
/// output pixel and kernel row is one vector of KW*C elements read from
/// the input row (collapsed to [N, H, W*C]) and written to its patch row:
/// KH copies per output pixel instead of KH*KW.
static Value buildRowWindowPatches(PatternRewriter &rewriter,
                                   linalg::Conv2DNhwcFhwcOp op, Type element) {
  Location loc = op.getLoc();
  ConvGeometry g(op);
  int64_t n = g.n, oh = g.oh, ow = g.ow, kh = g.kh, kw = g.kw, c = g.c;
  ArrayRef<int64_t> strides = g.strides, dilations = g.dilations;
  Value input = tensor::CollapseShapeOp::create(
      rewriter, loc, op.getInputs()[0],
      SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  Value patches = tensor::EmptyOp::create(
      rewriter, loc, ArrayRef<int64_t>{n * oh * ow, kh, kw * c}, element);
  auto index = [&](OpBuilder &b, int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  auto rowType = VectorType::get({kw * c}, element);
  Value zero = arith::ConstantOp::create(rewriter, loc, element,
                                         rewriter.getZeroAttr(element));
  scf::LoopNest loops = scf::buildLoopNest(
      rewriter, loc,
      {index(rewriter, 0), index(rewriter, 0), index(rewriter, 0)},
      {index(rewriter, n), index(rewriter, oh), index(rewriter, ow)},
      {index(rewriter, 1), index(rewriter, 1), index(rewriter, 1)}, {patches},
      [&](OpBuilder &b, Location loc, ValueRange ivs,
          ValueRange args) -> scf::ValueVector {
        AffineExpr i, y, x;
        bindDims(b.getContext(), i, y, x);
        SmallVector<OpFoldResult> at = getAsOpFoldResult(ivs);
        auto apply = [&](AffineExpr e) -> Value {
          return affine::makeComposedAffineApply(b, loc,
                                                 AffineMap::get(3, 0, e), at)
              .getResult();
        };
        Value pixel = apply((i * oh + y) * ow + x);
        Value column = apply(x * (strides[1] * c));
        Value rows = args[0];
        for (int64_t r = 0; r < kh; ++r) {
          Value inRow = apply(y * strides[0] + r * dilations[0]);
          // In bounds: the convolution verifier requires its windows to lie
          // in its input.
          Value v = vector::TransferReadOp::create(
              b, loc, rowType, input, ValueRange{ivs[0], inRow, column}, zero,
              ArrayRef<bool>{true});
          rows =
              vector::TransferWriteOp::create(
                  b, loc, v, rows, ValueRange{pixel, index(b, r), index(b, 0)},
                  ArrayRef<bool>{true})
                  .getResult();
        }
        return {rows};
      });
  return tensor::CollapseShapeOp::create(
      rewriter, loc, loops.results[0],
      SmallVector<ReassociationIndices>{{0}, {1, 2}});
}

/// Any other static dense convolution (a larger window, or strides) as the
/// matrix product of its im2col patches [N*OH*OW, KH*KW*C]
/// (buildIm2ColPatches) with the filter [F, KH*KW*C], as ONNX Runtime's
/// MLAS convolutions do.
struct Im2ColConvAsContraction : OpRewritePattern<linalg::Conv2DNhwcFhwcOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::Conv2DNhwcFhwcOp op,
                                PatternRewriter &rewriter) const override {
    Type element = uniformFloatType(op);
    if (!element)
      return rewriter.notifyMatchFailure(op, "not static float tensors");
    auto filterType = cast<RankedTensorType>(op.getInputs()[1].getType());
    auto initType = cast<RankedTensorType>(op.getOutputs()[0].getType());
    bool unitWindow =
        filterType.getDimSize(1) == 1 && filterType.getDimSize(2) == 1;
    if (unitWindow && hasUnitStrides(op))
      return rewriter.notifyMatchFailure(op, "a plain matrix product");
    // Patches: one row of KH*KW*C per output pixel.
    int64_t patches = initType.getNumElements() / initType.getDimSize(3);
    int64_t row = filterType.getNumElements() / filterType.getDimSize(0);
    if (patches > kMaxIm2ColElements / row)
      return rewriter.notifyMatchFailure(op, "im2col tensor too large");
    bool narrow = filterType.getDimSize(3) < kNarrowChannels &&
                  op.getDilations().getValues<int64_t>()[1] == 1;
    Value lhs = narrow ? buildRowWindowPatches(rewriter, op, element)
                       : buildIm2ColPatches(rewriter, op, element);
    Value filter = tensor::CollapseShapeOp::create(
        rewriter, op.getLoc(), op.getInputs()[1],
        SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
    replaceByPixelProduct(rewriter, op, lhs, filter);
    return success();
  }
};
} // namespace

void uniform::populateConvAsContractionPatterns(RewritePatternSet &patterns) {
  patterns.add<UnitConvAsContraction, Im2ColConvAsContraction>(
      patterns.getContext());
}
