//===- HeadInvariance.cpp - Prove values identical along a dimension ------===//
//
// The structural proofs behind `attn-reuse-heads`: a value is identical
// across the head axis only when the IR that produced it says so. Nothing here
// guesses: an unknown producer is a failed proof.
//
//===----------------------------------------------------------------------===//

#include "uniform/Dialect/Attn/Transforms/Transforms.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

using namespace mlir;
using namespace uniform;
using namespace uniform::attn;

/// Bounds the walk up the use-def chain.
static constexpr unsigned kMaxDepth = 16;

namespace {
/// A failed proof with its reason, built with `<<`.
class Failure {
public:
  explicit Failure(std::string *reason) : reason(reason) {}
  template <typename T>
  Failure &operator<<(const T &value) {
    if (reason) {
      llvm::raw_string_ostream os(*reason);
      os << value;
    }
    return *this;
  }
  operator LogicalResult() const { return failure(); }

private:
  std::string *reason;
};
} // namespace

static std::string describeProducer(Value value) {
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    if (isa_and_nonnull<FunctionOpInterface>(arg.getOwner()->getParentOp()) &&
        arg.getOwner()->isEntryBlock())
      return "it is function argument #" + std::to_string(arg.getArgNumber());
    return "it is a block argument";
  }
  return ("it is produced by '" +
          value.getDefiningOp()->getName().getStringRef() + "'")
      .str();
}

/// Maps dimension `dim` of `dst` to the dimension of `src` it comes from when
/// the two shapes differ only by unit dimensions (a reshape that inserts or
/// drops 1s). `dst[dim]` must not be 1.
static std::optional<int64_t> mapThroughUnitReshape(ArrayRef<int64_t> src,
                                                    ArrayRef<int64_t> dst,
                                                    int64_t dim) {
  if (ShapedType::isDynamicShape(src) || ShapedType::isDynamicShape(dst))
    return std::nullopt;
  SmallVector<int64_t> srcIdx, dstIdx;
  for (auto [i, d] : llvm::enumerate(src))
    if (d != 1)
      srcIdx.push_back(i);
  for (auto [i, d] : llvm::enumerate(dst))
    if (d != 1)
      dstIdx.push_back(i);
  if (srcIdx.size() != dstIdx.size())
    return std::nullopt;
  for (auto [s, d] : llvm::zip(srcIdx, dstIdx))
    if (src[s] != dst[d])
      return std::nullopt;
  auto it = llvm::find(dstIdx, dim);
  if (it == dstIdx.end())
    return std::nullopt;
  return srcIdx[it - dstIdx.begin()];
}

/// Maps `dim` of the expanded type of an expand/collapse_shape to the
/// collapsed dimension, when its reassociation group has no other non-unit
/// dimension. Returns the collapsed dimension.
static std::optional<int64_t>
mapThroughReassociation(ArrayRef<ReassociationIndices> groups,
                        RankedTensorType expanded, int64_t expandedDim) {
  for (auto [collapsedDim, group] : llvm::enumerate(groups)) {
    if (!llvm::is_contained(group, expandedDim))
      continue;
    for (int64_t d : group)
      if (d != expandedDim && expanded.getDimSize(d) != 1)
        return std::nullopt;
    return collapsedDim;
  }
  return std::nullopt;
}

/// Returns the raw bytes of a dense or resource constant, or failure.
static FailureOr<ArrayRef<char>> getConstantBytes(ElementsAttr attr) {
  Type elementType = attr.getElementType();
  if (!elementType.isIntOrFloat() ||
      elementType.getIntOrFloatBitWidth() % 8 != 0)
    return failure();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (dense.isSplat())
      return failure();
    return dense.getRawData();
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    return blob->getData();
  }
  return failure();
}

/// Compares the slices of a constant along `dim` bytewise.
static LogicalResult proveConstantInvariant(ElementsAttr attr, int64_t dim,
                                            std::string *reason) {
  if (attr.isSplat())
    return success();
  auto type = cast<ShapedType>(attr.getType());
  FailureOr<ArrayRef<char>> bytes = getConstantBytes(attr);
  if (failed(bytes))
    return Failure(reason) << "it is a constant whose data cannot be read";
  int64_t eltBytes = type.getElementTypeBitWidth() / 8;
  ArrayRef<int64_t> shape = type.getShape();
  int64_t outer = 1, inner = eltBytes;
  for (int64_t i = 0; i < dim; ++i)
    outer *= shape[i];
  for (int64_t i = dim + 1, e = shape.size(); i < e; ++i)
    inner *= shape[i];
  int64_t count = shape[dim];
  if (static_cast<int64_t>(bytes->size()) != outer * count * inner)
    return Failure(reason) << "it is a constant with an unexpected layout";
  for (int64_t o = 0; o < outer; ++o) {
    const char *first = bytes->data() + o * count * inner;
    for (int64_t k = 1; k < count; ++k)
      if (std::memcmp(first, first + k * inner, inner) != 0)
        return Failure(reason) << "it is a constant whose slices " << 0
                               << " and " << k << " differ";
  }
  return success();
}

static LogicalResult proveImpl(Value value, int64_t dim, unsigned depth,
                               std::string *reason);

/// The rule for elementwise ops: every tensor operand of the result's rank is
/// invariant (or has a unit extent, as TOSA broadcasts), and every other
/// operand holds a single element.
static LogicalResult proveElementwise(Operation *op, int64_t rank, int64_t dim,
                                      unsigned depth, std::string *reason) {
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<RankedTensorType>(operand.getType());
    if (!type)
      continue;
    if (type.getRank() == rank) {
      if (failed(proveImpl(operand, dim, depth + 1, reason)))
        return failure();
      continue;
    }
    if (!type.hasStaticShape() || type.getNumElements() != 1)
      return Failure(reason) << "it is produced by '" << op->getName()
                             << "' with an operand of another rank";
  }
  return success();
}

/// The rule for `linalg.generic`: the loop that writes `dim` of the result is
/// parallel, no input reads along it (or only along a dimension where that
/// input is itself invariant), the body never asks for its index, and any
/// output read by the body is invariant too.
static LogicalResult proveGeneric(linalg::GenericOp generic, OpResult result,
                                  int64_t dim, unsigned depth,
                                  std::string *reason) {
  OpOperand *init = generic.getDpsInitOperand(result.getResultNumber());
  AffineMap outMap = generic.getMatchingIndexingMap(init);
  auto loopExpr = dyn_cast<AffineDimExpr>(outMap.getResult(dim));
  if (!loopExpr)
    return Failure(reason)
           << "it is produced by a 'linalg.generic' whose output map does "
              "not index the head dimension by a loop";
  unsigned loop = loopExpr.getPosition();
  for (auto [i, expr] : llvm::enumerate(outMap.getResults()))
    if (static_cast<int64_t>(i) != dim && expr.isFunctionOfDim(loop))
      return Failure(reason) << "it is produced by a 'linalg.generic' that "
                                "writes the head loop to another dimension";
  if (generic.getIteratorTypesArray()[loop] != utils::IteratorType::parallel)
    return Failure(reason) << "it is produced by a 'linalg.generic' that "
                              "reduces along the head dimension";
  bool usesIndex = false;
  generic.getBody()->walk([&](linalg::IndexOp index) {
    if (index.getDim() == loop)
      usesIndex = true;
  });
  if (usesIndex)
    return Failure(reason) << "it is produced by a 'linalg.generic' whose "
                              "body uses the head index";

  auto checkOperand = [&](OpOperand &operand) -> LogicalResult {
    AffineMap map = generic.getMatchingIndexingMap(&operand);
    if (!map.isFunctionOfDim(loop))
      return success();
    // The operand is read along the loop: fine only at one position where the
    // operand itself is invariant.
    std::optional<int64_t> pos;
    for (auto [i, expr] : llvm::enumerate(map.getResults())) {
      if (!expr.isFunctionOfDim(loop))
        continue;
      if (pos || !isa<AffineDimExpr>(expr))
        return Failure(reason)
               << "it is produced by a 'linalg.generic' that reads an "
                  "operand along the head dimension";
      pos = i;
    }
    return proveImpl(operand.get(), *pos, depth + 1, reason);
  };
  for (OpOperand *input : generic.getDpsInputOperands())
    if (failed(checkOperand(*input)))
      return failure();
  for (OpOperand &output : generic.getDpsInitsMutable()) {
    BlockArgument arg = generic.getMatchingBlockArgument(&output);
    if (!arg.use_empty() && failed(checkOperand(output)))
      return failure();
  }
  return success();
}

static LogicalResult proveImpl(Value value, int64_t dim, unsigned depth,
                               std::string *reason) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  if (!type || dim < 0 || dim >= type.getRank())
    return Failure(reason) << "it is not a ranked tensor with that dimension";
  if (type.getDimSize(dim) == 1)
    return success();
  if (depth > kMaxDepth)
    return Failure(reason) << "its producers are nested too deeply";

  Operation *op = value.getDefiningOp();
  if (!op)
    return Failure(reason) << describeProducer(value);

  // Constants.
  Attribute constAttr;
  if (matchPattern(value, m_Constant(&constAttr))) {
    if (auto elements = dyn_cast<ElementsAttr>(constAttr))
      return proveConstantInvariant(elements, dim, reason);
    return Failure(reason) << "it is a constant of unknown form";
  }

  // Broadcasts and tiles.
  if (auto broadcast = dyn_cast<linalg::BroadcastOp>(op)) {
    ArrayRef<int64_t> added = broadcast.getDimensions();
    if (llvm::is_contained(added, dim))
      return success();
    int64_t inputDim =
        dim - llvm::count_if(added, [&](int64_t d) { return d < dim; });
    return proveImpl(broadcast.getInput(), inputDim, depth + 1, reason);
  }
  if (auto tile = dyn_cast<tosa::TileOp>(op))
    return proveImpl(tile.getInput1(), dim, depth + 1, reason);
  if (auto generic = dyn_cast<linalg::GenericOp>(op))
    return proveGeneric(generic, cast<OpResult>(value), dim, depth, reason);

  // Concatenation: along the dimension, of one value repeated; along another
  // dimension, of invariant pieces.
  auto proveConcat = [&](ValueRange inputs, int64_t axis) -> LogicalResult {
    if (axis == dim) {
      if (!llvm::all_equal(inputs))
        return Failure(reason) << "it concatenates different values along "
                                  "the head dimension";
      return proveImpl(inputs.front(), dim, depth + 1, reason);
    }
    for (Value input : inputs)
      if (failed(proveImpl(input, dim, depth + 1, reason)))
        return failure();
    return success();
  };
  if (auto concat = dyn_cast<tensor::ConcatOp>(op))
    return proveConcat(concat.getInputs(), concat.getDim());
  if (auto concat = dyn_cast<tosa::ConcatOp>(op))
    return proveConcat(concat.getInput1(), concat.getAxis());

  // Ops that move the dimension elsewhere.
  if (auto cast = dyn_cast<tensor::CastOp>(op))
    return proveImpl(cast.getSource(), dim, depth + 1, reason);
  if (auto transpose = dyn_cast<linalg::TransposeOp>(op))
    return proveImpl(transpose.getInput(), transpose.getPermutation()[dim],
                     depth + 1, reason);
  if (auto transpose = dyn_cast<tosa::TransposeOp>(op))
    return proveImpl(transpose.getInput1(), transpose.getPerms()[dim],
                     depth + 1, reason);
  if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    if (std::optional<int64_t> src = mapThroughReassociation(
            expand.getReassociationIndices(), expand.getResultType(), dim)) {
      // The source dimension holds only this dimension's extent.
      return proveImpl(expand.getSrc(), *src, depth + 1, reason);
    }
    return Failure(reason) << "it is produced by a 'tensor.expand_shape' "
                              "that splits the head dimension";
  }
  if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    const auto &groups = collapse.getReassociationIndices();
    ReassociationIndices group = groups[dim];
    RankedTensorType srcType = collapse.getSrcType();
    SmallVector<int64_t> nonUnit = llvm::filter_to_vector(
        group, [&](int64_t d) { return srcType.getDimSize(d) != 1; });
    if (nonUnit.size() == 1)
      return proveImpl(collapse.getSrc(), nonUnit.front(), depth + 1, reason);
    return Failure(reason) << "it is produced by a 'tensor.collapse_shape' "
                              "that merges the head dimension with another";
  }
  if (auto reshape = dyn_cast<tosa::ReshapeOp>(op)) {
    auto srcType = dyn_cast<RankedTensorType>(reshape.getInput1().getType());
    if (srcType)
      if (std::optional<int64_t> src = mapThroughUnitReshape(
              srcType.getShape(), type.getShape(), dim))
        return proveImpl(reshape.getInput1(), *src, depth + 1, reason);
    return Failure(reason) << "it is produced by a 'tosa.reshape' that "
                              "reshapes the head dimension";
  }

  // Elementwise computations of invariant values.
  if (op->hasTrait<OpTrait::Elementwise>() ||
      op->hasTrait<OpTrait::tosa::TosaElementwiseOperator>()) {
    if (op->getNumResults() != 1)
      return Failure(reason) << describeProducer(value);
    return proveElementwise(op, type.getRank(), dim, depth, reason);
  }

  return Failure(reason) << describeProducer(value);
}

LogicalResult attn::proveInvariantAlongDim(Value value, int64_t dim,
                                           std::string *reason) {
  std::string local;
  LogicalResult result = proveImpl(value, dim, 0, reason ? &local : nullptr);
  if (reason && failed(result))
    *reason = std::move(local);
  return result;
}

//===----------------------------------------------------------------------===//
// Materialization
//===----------------------------------------------------------------------===//

static RankedTensorType dropDim(RankedTensorType type, int64_t dim) {
  SmallVector<int64_t> shape(type.getShape());
  shape.erase(shape.begin() + dim);
  return RankedTensorType::get(shape, type.getElementType());
}

/// Drops a unit dimension with a `tensor.collapse_shape`, or returns the
/// source of the `tensor.expand_shape` that inserted it.
static Value dropUnitDim(OpBuilder &b, Location loc, Value value,
                         int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  RankedTensorType resultType = dropDim(type, dim);
  if (auto expand = value.getDefiningOp<tensor::ExpandShapeOp>())
    if (expand.getSrcType() == resultType)
      return expand.getSrc();
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i) {
    if (i == dim)
      continue;
    groups.push_back({i});
  }
  if (!groups.empty()) {
    // The unit dimension joins its left neighbour, or the first group.
    if (dim == 0)
      groups.front().insert(groups.front().begin(), 0);
    else
      groups[dim - 1].push_back(dim);
  }
  return tensor::CollapseShapeOp::create(b, loc, resultType, value, groups);
}

/// Takes slice 0 along `dim`, dropping the dimension.
static Value extractFirstSlice(OpBuilder &b, Location loc, Value value,
                               int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
  sizes[dim] = b.getIndexAttr(1);
  SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
  RankedTensorType resultType = dropDim(type, dim);
  // Dynamic extents of the slice are those of the value.
  return tensor::ExtractSliceOp::create(b, loc, resultType, value, offsets,
                                        sizes, strides);
}

Value attn::buildInvariantSlice(OpBuilder &b, Location loc, Value value,
                                int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getDimSize(dim) == 1)
    return dropUnitDim(b, loc, value, dim);

  // The input of a broadcast along exactly this dimension.
  if (auto broadcast = value.getDefiningOp<linalg::BroadcastOp>())
    if (broadcast.getDimensions() == ArrayRef<int64_t>{dim})
      return broadcast.getInput();

  // A linalg.generic that only copies its input along new dimensions, with
  // an input map that is the output map without `dim`.
  if (auto generic = value.getDefiningOp<linalg::GenericOp>()) {
    if (generic.getNumDpsInputs() == 1 && generic.getNumDpsInits() == 1) {
      OpOperand *input = generic.getDpsInputOperand(0);
      AffineMap inMap = generic.getMatchingIndexingMap(input);
      AffineMap outMap =
          generic.getMatchingIndexingMap(generic.getDpsInitOperand(0));
      auto yield = cast<linalg::YieldOp>(generic.getBody()->getTerminator());
      if (outMap.isIdentity() && inMap == outMap.dropResult(dim) &&
          yield.getValues().front() ==
              generic.getMatchingBlockArgument(input) &&
          input->get().getType() == dropDim(type, dim))
        return input->get();
    }
  }

  // A concat of one value repeated along the dimension.
  if (auto concat = value.getDefiningOp<tensor::ConcatOp>())
    if (static_cast<int64_t>(concat.getDim()) == dim &&
        llvm::all_equal(concat.getInputs()))
      return buildInvariantSlice(b, loc, concat.getInputs().front(), dim);
  if (auto concat = value.getDefiningOp<tosa::ConcatOp>())
    if (static_cast<int64_t>(concat.getAxis()) == dim &&
        llvm::all_equal(concat.getInput1()))
      return buildInvariantSlice(b, loc, concat.getInput1().front(), dim);

  // A tile that only repeats a unit extent along the dimension.
  if (auto tile = value.getDefiningOp<tosa::TileOp>()) {
    auto inputType = cast<RankedTensorType>(tile.getInput1().getType());
    if (inputType.getDimSize(dim) == 1 && inputType.hasStaticShape() &&
        type.hasStaticShape()) {
      bool onlyThisDim = true;
      for (int64_t i = 0, e = type.getRank(); i < e; ++i)
        if (i != dim && inputType.getDimSize(i) != type.getDimSize(i))
          onlyThisDim = false;
      if (onlyThisDim)
        return dropUnitDim(b, loc, tile.getInput1(), dim);
    }
  }

  // Constants fold to their first slice.
  Attribute constAttr;
  if (matchPattern(value, m_Constant(&constAttr)) && type.hasStaticShape()) {
    RankedTensorType resultType = dropDim(type, dim);
    if (auto elements = dyn_cast<ElementsAttr>(constAttr)) {
      if (elements.isSplat())
        if (auto dense = dyn_cast<DenseElementsAttr>(elements))
          return arith::ConstantOp::create(b, loc, resultType,
                                           dense.resizeSplat(resultType));
      FailureOr<ArrayRef<char>> bytes = getConstantBytes(elements);
      if (succeeded(bytes)) {
        int64_t eltBytes = type.getElementTypeBitWidth() / 8;
        int64_t outer = 1, inner = eltBytes;
        for (int64_t i = 0; i < dim; ++i)
          outer *= type.getDimSize(i);
        for (int64_t i = dim + 1, e = type.getRank(); i < e; ++i)
          inner *= type.getDimSize(i);
        int64_t count = type.getDimSize(dim);
        std::vector<char> data;
        data.reserve(outer * inner);
        for (int64_t o = 0; o < outer; ++o) {
          const char *first = bytes->data() + o * count * inner;
          data.insert(data.end(), first, first + inner);
        }
        auto attr = DenseElementsAttr::getFromRawBuffer(resultType, data);
        return arith::ConstantOp::create(b, loc, resultType, attr);
      }
    }
  }

  return extractFirstSlice(b, loc, value, dim);
}

FailureOr<Value> attn::buildMeanAlongDim(OpBuilder &b, Location loc,
                                         Value value, int64_t dim) {
  auto type = cast<RankedTensorType>(value.getType());
  int64_t count = type.getDimSize(dim);
  if (ShapedType::isDynamic(count))
    return failure();
  if (count == 1)
    return dropUnitDim(b, loc, value, dim);
  RankedTensorType resultType = dropDim(type, dim);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, value);
  sizes.erase(sizes.begin() + dim);
  Value empty =
      tensor::EmptyOp::create(b, loc, sizes, resultType.getElementType());
  Type elementType = type.getElementType();
  Value zero = arith::ConstantOp::create(b, loc, elementType,
                                         b.getFloatAttr(elementType, 0.0));
  Value init = linalg::FillOp::create(b, loc, zero, empty).getResult(0);

  int64_t rank = type.getRank();
  MLIRContext *ctx = b.getContext();
  AffineMap inputMap = AffineMap::getMultiDimIdentityMap(rank, ctx);
  SmallVector<AffineExpr> outExprs;
  for (int64_t i = 0; i < rank; ++i)
    if (i != dim)
      outExprs.push_back(getAffineDimExpr(i, ctx));
  AffineMap outputMap = AffineMap::get(rank, 0, outExprs, ctx);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators[dim] = utils::IteratorType::reduction;
  double inverse = 1.0 / static_cast<double>(count);
  auto generic = linalg::GenericOp::create(
      b, loc, resultType, ValueRange{value}, ValueRange{init},
      ArrayRef<AffineMap>{inputMap, outputMap}, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value factor = arith::ConstantOp::create(
            nb, nloc, elementType, nb.getFloatAttr(elementType, inverse));
        Value scaled = arith::MulFOp::create(nb, nloc, args[0], factor);
        Value sum = arith::AddFOp::create(nb, nloc, args[1], scaled);
        linalg::YieldOp::create(nb, nloc, sum);
      });
  return generic.getResult(0);
}
