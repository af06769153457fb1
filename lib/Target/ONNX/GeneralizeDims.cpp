//===- GeneralizeDims.cpp - Dynamic dims from two static imports ----------===//
//
// A model with dynamic input dimensions (a `dim_param` or no extent, as
// `torch.onnx.export(..., dynamic_axes=...)` writes them) is imported twice,
// with those dimensions at two small extents (probeExtent), and the two
// modules are merged into one whose extents are dynamic wherever the two
// differ. Every converter of the importer thus works on static shapes, and
// the graph's shape arithmetic (Shape, Gather, Concat, Mul, ...) folds as it
// does for a static model: whatever depends on the dynamic dimensions shows
// up as a difference between the two imports.
//
// The two modules must hold the same ops, with the same operands and the
// same attributes. The differences allowed:
// - extents of result and argument types, which become dynamic;
// - entries of a tosa.const_shape, which become -1 where every user takes
//   that: tosa.reshape's new shape (one -1, inferred from the element
//   count) and tosa.slice's size when the slice runs to the end of
//   its axis in both imports;
// - more than one entry of a tosa.reshape's new shape: it becomes a
//   tensor.reshape whose shape reads each such extent (tensor.dim) off a
//   value that has it (a 3-D MatMul over a dynamic batch and sequence,
//   which the importer folds to one matrix product and back);
// - tosa.tile's multiples where it broadcasts a unit dimension to a dynamic
//   extent (Expand to a shape computed from the batch, as ViT's class token
//   is): it becomes a tosa.select that broadcasts the tile's input against
//   a mask of that extent, sliced from a value that has it. Each dynamic
//   input dimension takes its own pair of extents in the two imports, so
//   the pair identifies the value to slice.
// Anything else that differs (a constant's data or type, another attribute,
// the op sequence) means that the graph's structure depends on a dynamic
// extent in a way one TOSA function cannot express: an error at the node,
// which asks for --onnx-input-shape.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/Utils/ConversionUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/Verifier.h"

#include "llvm/ADT/MapVector.h"

namespace uniform {
namespace onnx_import {
namespace {

/// What the merge changes in the first module, collected before any of it
/// is applied, so that the checks read both imports as they were.
struct Generalization {
  /// The values of the first module whose type becomes `type`.
  SmallVector<std::pair<Value, Type>> types;
  /// tosa.const_shape ops of the first module and their merged entries.
  SmallVector<std::pair<tosa::ConstShapeOp, SmallVector<int64_t>>> shapes;
  /// Each op of the first module's counterpart in the second.
  DenseMap<Operation *, Operation *> counterpart;
  /// Each value of the first module's counterpart in the second, and the
  /// values in the order they are defined.
  DenseMap<Value, Value> aToB;
  SmallVector<Value> defined;
  /// A dynamic extent of a result (its axis), and the value defined
  /// before it (with its axis) that has that extent.
  struct ExtentSource {
    int64_t axis;
    Value source;
    int64_t sourceAxis;
  };
  using Plan = std::pair<SmallVector<int64_t>, SmallVector<ExtentSource>>;
  /// The tiles replaced by broadcasts: their merged multiples, and the
  /// extent each dynamic multiple broadcasts to.
  llvm::MapVector<Operation *, Plan> broadcasts;
  /// The reshapes with several dynamic extents, replaced by tensor.reshape:
  /// their merged entries, and where each -1's extent is read.
  llvm::MapVector<Operation *, Plan> reshapes;
};

/// An error at `op`, whose location names its node (the importer's
/// NameLoc, which the command line prints as the file's location).
InFlightDiagnostic importError(Operation *op) {
  InFlightDiagnostic diag = op->emitError() << "cannot import ONNX model: ";
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    diag << "node '" << name.getName().getValue() << "': ";
  return diag;
}

/// The note every error of the merge ends with.
constexpr llvm::StringLiteral kAskForShapes =
    "; give the dynamic inputs static shapes with --onnx-input-shape";

/// `a`'s type with the extents that differ in `b` dynamic, or null when the
/// two differ otherwise.
Type generalizeType(Type a, Type b) {
  if (a == b)
    return a;
  auto ta = dyn_cast<RankedTensorType>(a), tb = dyn_cast<RankedTensorType>(b);
  if (!ta || !tb || ta.getRank() != tb.getRank() ||
      ta.getElementType() != tb.getElementType() ||
      ta.getEncoding() != tb.getEncoding())
    return {};
  SmallVector<int64_t> shape(ta.getShape());
  for (auto [dim, other] : llvm::zip(shape, tb.getShape()))
    if (dim != other)
      dim = ShapedType::kDynamic;
  return RankedTensorType::get(shape, ta.getElementType(), ta.getEncoding());
}

/// Whether two constants' attributes hold the same data: dense_resource
/// blobs are compared by their bytes, as the two imports name them apart.
bool sameConstant(Attribute a, Attribute b) {
  if (a == b)
    return true;
  auto ra = dyn_cast<DenseResourceElementsAttr>(a);
  auto rb = dyn_cast<DenseResourceElementsAttr>(b);
  if (!ra || !rb || ra.getType() != rb.getType())
    return false;
  AsmResourceBlob *ba = ra.getRawHandle().getBlob();
  AsmResourceBlob *bb = rb.getRawHandle().getBlob();
  return ba && bb && ba->getData() == bb->getData();
}

/// Whether `a` and `b` have the same attributes, constants compared by
/// their data and tosa.const_shape's entries left to the caller.
bool sameAttributes(Operation *a, Operation *b) {
  if (a->getAttrs().size() != b->getAttrs().size())
    return false;
  bool constShape = isa<tosa::ConstShapeOp>(a);
  bool func = isa<func::FuncOp>(a);
  for (NamedAttribute attr : a->getAttrs()) {
    Attribute other = b->getAttr(attr.getName());
    if (!other)
      return false;
    // Entries and signatures are merged by the caller.
    if ((constShape && attr.getName() == "values") ||
        (func && attr.getName() == "function_type"))
      continue;
    if (!sameConstant(attr.getValue(), other))
      return false;
  }
  return true;
}

SmallVector<int64_t> shapeEntries(tosa::ConstShapeOp op) {
  return llvm::to_vector(
      llvm::map_range(op.getValues().getValues<APInt>(),
                      [](const APInt &v) { return v.getSExtValue(); }));
}

/// Compares one op of each import; records what the merge changes.
LogicalResult compareOps(Operation *a, Operation *b, IRMapping &bToA,
                         Generalization &g) {
  auto differ = [&](StringRef what) {
    return importError(a) << "its " << what
                          << " depends on the graph's dynamic dimensions"
                          << kAskForShapes;
  };
  if (a->getName() != b->getName() ||
      a->getNumOperands() != b->getNumOperands() ||
      a->getNumResults() != b->getNumResults() ||
      a->getNumRegions() != b->getNumRegions())
    return differ("conversion");
  for (auto [va, vb] : llvm::zip(a->getOperands(), b->getOperands()))
    if (bToA.lookupOrNull(vb) != va)
      return differ("conversion");
  if (!sameAttributes(a, b))
    return differ(isa<tosa::ConstOp>(a) ? "constant" : "conversion");
  for (auto [ra, rb] : llvm::zip(a->getResults(), b->getResults())) {
    Type type = generalizeType(ra.getType(), rb.getType());
    if (!type)
      return differ("result type");
    if (type != ra.getType()) {
      if (isa<tosa::ConstOp>(a))
        return differ("constant");
      g.types.emplace_back(ra, type);
    }
    bToA.map(rb, ra);
    g.aToB[ra] = rb;
    g.defined.push_back(ra);
  }
  g.counterpart[a] = b;
  if (auto shape = dyn_cast<tosa::ConstShapeOp>(a)) {
    SmallVector<int64_t> ea = shapeEntries(shape);
    SmallVector<int64_t> eb = shapeEntries(cast<tosa::ConstShapeOp>(b));
    if (ea != eb) {
      // The importer's shapes are static extents (never negative), so -1
      // marks exactly the entries that differ.
      for (auto [x, y] : llvm::zip(ea, eb))
        if (x != y)
          x = -1;
      g.shapes.emplace_back(shape, std::move(ea));
    }
  }
  return success();
}

/// Extent `axis` of `v`'s type in the two imports, when static in both.
std::optional<std::pair<int64_t, int64_t>> extentPair(Value v, int64_t axis,
                                                      const Generalization &g) {
  auto ta = dyn_cast<RankedTensorType>(v.getType());
  auto tb = dyn_cast<RankedTensorType>(g.aToB.lookup(v).getType());
  if (!ta || !tb || ta.isDynamicDim(axis) || tb.isDynamicDim(axis))
    return std::nullopt;
  return std::make_pair(ta.getDimSize(axis), tb.getDimSize(axis));
}

/// A value defined before `result` whose dimension has the extents that
/// dimension `axis` of `result` has in the two imports (a pair that
/// identifies a dynamic input dimension, or a product of them), with that
/// dimension; a float tensor when `floatOnly`. Nothing when there is none.
std::optional<std::pair<Value, int64_t>>
findExtentSource(Value result, int64_t axis, const Generalization &g,
                 bool floatOnly) {
  std::optional<std::pair<int64_t, int64_t>> want = extentPair(result, axis, g);
  if (!want)
    return std::nullopt;
  for (Value v : g.defined) {
    if (v == result)
      break;
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type || (floatOnly && !isa<FloatType>(type.getElementType())))
      continue;
    // Tiles and reshapes may be replaced by the merge.
    if (isa_and_nonnull<tosa::TileOp, tosa::ReshapeOp>(v.getDefiningOp()))
      continue;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (extentPair(v, d, g) == want)
        return std::make_pair(v, d);
  }
  return std::nullopt;
}

/// Records the broadcasts that replace `tile`, whose multiples differ
/// between the imports where `merged` has -1: each must repeat a unit axis
/// to an extent that a value defined before the tile has.
LogicalResult planBroadcasts(tosa::TileOp tile, ArrayRef<int64_t> merged,
                             Generalization &g) {
  auto input = cast<RankedTensorType>(tile.getInput1().getType());
  for (auto [axis, entry] : llvm::enumerate(merged)) {
    if (entry != -1)
      continue;
    std::optional<std::pair<Value, int64_t>> source =
        findExtentSource(tile, axis, g, /*floatOnly=*/true);
    if (input.getDimSize(axis) != 1 || !source)
      return importError(tile)
             << "it repeats axis " << axis << " a number of times that "
             << "depends on the graph's dynamic dimensions" << kAskForShapes;
    auto &[multiples, axes] = g.broadcasts[tile];
    multiples.assign(merged.begin(), merged.end());
    axes.push_back({static_cast<int64_t>(axis), source->first, source->second});
  }
  return success();
}

/// Records the tensor.reshape that replaces `reshape`, whose new shape has
/// more than one entry that differs between the imports (-1 in `merged`):
/// each such extent is read (tensor.dim) off a value defined before it
/// that has that extent in both imports.
LogicalResult planDynamicReshape(tosa::ReshapeOp reshape,
                                 ArrayRef<int64_t> merged, Generalization &g) {
  auto &[entries, extents] = g.reshapes[reshape];
  entries.assign(merged.begin(), merged.end());
  extents.clear();
  for (auto [axis, entry] : llvm::enumerate(merged)) {
    if (entry != -1)
      continue;
    std::optional<std::pair<Value, int64_t>> source =
        findExtentSource(reshape, axis, g, /*floatOnly=*/false);
    if (!source)
      return importError(reshape)
             << "extent " << axis << " of its result depends on the graph's "
             << "dynamic dimensions, and no tensor before it has that extent"
             << kAskForShapes;
    extents.push_back(
        {static_cast<int64_t>(axis), source->first, source->second});
  }
  return success();
}

/// `v` broadcast along its unit axis `axis` to the extent of `source`'s
/// axis `sourceAxis`: tosa.select(mask, v, v) with a boolean mask of that
/// extent on `axis` (and 1 elsewhere), sliced from `source`. Exact for any
/// data, NaN included.
Value broadcastLike(ImplicitLocOpBuilder &b, Value v, int64_t axis,
                    Value source, int64_t sourceAxis) {
  auto type = cast<RankedTensorType>(v.getType());
  auto sourceType = cast<RankedTensorType>(source.getType());
  int64_t sourceRank = sourceType.getRank();
  SmallVector<int64_t> size(sourceRank, 1), start(sourceRank, 0);
  size[sourceAxis] = -1;
  SmallVector<int64_t> sliceShape(sourceRank, 1);
  sliceShape[sourceAxis] = ShapedType::kDynamic;
  Value line = tosa::SliceOp::create(
      b, RankedTensorType::get(sliceShape, sourceType.getElementType()), source,
      tosa::getTosaConstShape(b, start), tosa::getTosaConstShape(b, size));
  SmallVector<int64_t> maskShape(type.getRank(), 1), entries(type.getRank(), 1);
  maskShape[axis] = ShapedType::kDynamic;
  entries[axis] = -1;
  line = tosa::ReshapeOp::create(
      b, RankedTensorType::get(maskShape, sourceType.getElementType()), line,
      tosa::getTosaConstShape(b, entries));
  Value mask = tosa::EqualOp::create(
      b, RankedTensorType::get(maskShape, b.getI1Type()), line, line);
  SmallVector<int64_t> shape(type.getShape());
  shape[axis] = ShapedType::kDynamic;
  return tosa::SelectOp::create(
      b, RankedTensorType::get(shape, type.getElementType()), mask, v, v);
}

/// Whether the merged entries `merged` of `shape` can stand as `user`'s
/// operand `operand`: see the file comment.
LogicalResult checkShapeUser(tosa::ConstShapeOp shape, ArrayRef<int64_t> merged,
                             OpOperand &use, Generalization &g) {
  Operation *user = use.getOwner();
  if (auto reshape = dyn_cast<tosa::ReshapeOp>(user);
      reshape && use.getOperandNumber() == 1) {
    // tosa.reshape infers one -1; more become a tensor.reshape.
    if (llvm::count(merged, -1) <= 1)
      return success();
    return planDynamicReshape(reshape, merged, g);
  }
  if (auto slice = dyn_cast<tosa::SliceOp>(user);
      slice && use.getOperandNumber() == 2) {
    // Runs to the end of every axis whose size differs, in both imports.
    auto reachesEnd = [&](tosa::SliceOp op, int64_t axis) {
      auto start = op.getStart().getDefiningOp<tosa::ConstShapeOp>();
      auto size = op.getSize().getDefiningOp<tosa::ConstShapeOp>();
      auto type = cast<RankedTensorType>(op.getInput1().getType());
      return start && size && !type.isDynamicDim(axis) &&
             shapeEntries(start)[axis] + shapeEntries(size)[axis] ==
                 type.getDimSize(axis);
    };
    auto other = cast<tosa::SliceOp>(g.counterpart.lookup(slice));
    for (auto [axis, entry] : llvm::enumerate(merged))
      if (entry == -1 && (!reachesEnd(slice, axis) || !reachesEnd(other, axis)))
        return importError(user)
               << "it takes a part of axis " << axis
               << " whose size depends on the graph's dynamic dimensions"
               << kAskForShapes;
    return success();
  }
  if (auto tile = dyn_cast<tosa::TileOp>(user))
    return planBroadcasts(tile, merged, g);
  return importError(user) << "its shape operand depends on the graph's "
                              "dynamic dimensions, which "
                           << user->getName() << " cannot take"
                           << kAskForShapes;
}

/// The blobs of the dense_resource constants of `module`.
DenseSet<DialectResourceBlobManager::BlobEntry *> resourcesOf(ModuleOp module) {
  DenseSet<DialectResourceBlobManager::BlobEntry *> blobs;
  module.walk([&](Operation *op) {
    for (NamedAttribute attr : op->getAttrs())
      if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr.getValue()))
        if (auto *blob = resource.getRawHandle().getResource())
          blobs.insert(blob);
  });
  return blobs;
}

/// Empties the blobs of `b`'s constants that `a` does not use: they would
/// stay in the context (a second copy of the weights) after `b` is gone.
void releaseResources(ModuleOp b, ModuleOp a) {
  DenseSet<DialectResourceBlobManager::BlobEntry *> kept = resourcesOf(a);
  for (DialectResourceBlobManager::BlobEntry *blob : resourcesOf(b))
    if (!kept.contains(blob))
      blob->setBlob(AsmResourceBlob());
}

/// Compares the two imports op by op and records in `g` what the merge
/// changes; fails with an error at the first difference it cannot merge.
LogicalResult compareModules(ModuleOp a, ModuleOp b, Generalization &g) {
  SmallVector<Operation *> opsA, opsB;
  a.getBody()->walk<WalkOrder::PreOrder>(
      [&](Operation *op) { opsA.push_back(op); });
  b.getBody()->walk<WalkOrder::PreOrder>(
      [&](Operation *op) { opsB.push_back(op); });
  IRMapping bToA;
  for (auto [opA, opB] : llvm::zip(opsA, opsB)) {
    for (auto [ra, rb] : llvm::zip(opA->getRegions(), opB->getRegions()))
      for (auto [ba, bb] : llvm::zip(ra, rb))
        for (auto [argA, argB] :
             llvm::zip(ba.getArguments(), bb.getArguments())) {
          Type type = generalizeType(argA.getType(), argB.getType());
          if (!type)
            return importError(opA) << "its argument types depend on the "
                                       "graph's dynamic dimensions";
          if (type != argA.getType())
            g.types.emplace_back(argA, type);
          bToA.map(argB, argA);
          g.aToB[argA] = argB;
          g.defined.push_back(argA);
        }
    if (failed(compareOps(opA, opB, bToA, g)))
      return failure();
  }
  if (opsA.size() != opsB.size())
    return importError(opsA.size() < opsB.size() ? opsB[opsA.size()]
                                                 : opsA[opsB.size()])
           << "the graph converts to different ops at different extents of "
              "its dynamic dimensions"
           << kAskForShapes;
  for (auto &[shape, merged] : g.shapes)
    for (OpOperand &use : shape->getUses())
      if (failed(checkShapeUser(shape, merged, use, g)))
        return failure();
  return success();
}

/// Erases `op`, and the op defining `operand` (its shape) when that has no
/// other use.
void eraseWithShape(Operation *op, Value operand) {
  op->erase();
  if (operand.use_empty())
    operand.getDefiningOp()->erase();
}

/// Replaces `tile` by its static repetitions, then a broadcast for each of
/// its dynamic multiples (`plan`).
void replaceTile(tosa::TileOp tile, const Generalization::Plan &plan) {
  auto &[multiples, axes] = plan;
  ImplicitLocOpBuilder b(tile.getLoc(), tile.getOperation());
  Value v = tile.getInput1();
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> repeat(multiples), shape;
  for (auto [m, extent] : llvm::zip(repeat, type.getShape())) {
    m = m == -1 ? 1 : m;
    shape.push_back(m * extent);
  }
  if (llvm::any_of(repeat, [](int64_t m) { return m != 1; }))
    v = tosa::TileOp::create(
        b, RankedTensorType::get(shape, type.getElementType()), v,
        tosa::getTosaConstShape(b, repeat));
  for (const Generalization::ExtentSource &axis : axes)
    v = broadcastLike(b, v, axis.axis, axis.source, axis.sourceAxis);
  tile.getResult().replaceAllUsesWith(v);
  eraseWithShape(tile, tile.getMultiples());
}

/// Replaces `reshape` by a tensor.reshape whose shape reads each dynamic
/// extent off its source (`plan`).
void replaceReshape(tosa::ReshapeOp reshape, const Generalization::Plan &plan) {
  auto &[entries, extents] = plan;
  OpBuilder b(reshape);
  Location loc = reshape.getLoc();
  SmallVector<Value> shape;
  for (int64_t entry : entries)
    shape.push_back(arith::ConstantIndexOp::create(b, loc, entry));
  for (const Generalization::ExtentSource &extent : extents)
    shape[extent.axis] =
        tensor::DimOp::create(b, loc, extent.source, extent.sourceAxis);
  Value shapeTensor = tensor::FromElementsOp::create(b, loc, shape);
  Value replacement = tensor::ReshapeOp::create(
      b, loc, reshape.getType(), reshape.getInput1(), shapeTensor);
  reshape.getResult().replaceAllUsesWith(replacement);
  eraseWithShape(reshape, reshape.getShape());
}

/// Applies what compareModules recorded to `a`.
void applyGeneralization(ModuleOp a, Generalization &g) {
  for (auto &[value, type] : g.types)
    value.setType(type);
  for (auto &[shape, merged] : g.shapes)
    shape.setValuesAttr(DenseIntElementsAttr::get(
        RankedTensorType::get({static_cast<int64_t>(merged.size())},
                              IndexType::get(a.getContext())),
        merged));
  for (auto &[op, plan] : g.broadcasts)
    replaceTile(cast<tosa::TileOp>(op), plan);
  for (auto &[op, plan] : g.reshapes)
    replaceReshape(cast<tosa::ReshapeOp>(op), plan);
  // Function signatures follow their entry blocks and returns.
  a.walk([](func::FuncOp func) {
    Operation *ret = func.getBody().front().getTerminator();
    func.setFunctionType(FunctionType::get(
        func.getContext(), func.getBody().front().getArgumentTypes(),
        ret->getOperandTypes()));
  });
}

} // namespace

LogicalResult generalizeImports(ModuleOp a, ModuleOp b) {
  Generalization g;
  if (failed(compareModules(a, b, g)))
    return failure();
  applyGeneralization(a, g);
  releaseResources(b, a);
  return verify(a);
}

} // namespace onnx_import
} // namespace uniform
