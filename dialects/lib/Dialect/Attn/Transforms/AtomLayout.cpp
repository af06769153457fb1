//===- AtomLayout.cpp - Relayout chains as runs of index digits -----------===//

#include "AtomLayout.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"

using namespace mlir;
using namespace uniform::attn;
using uniform::attn::detail::AtomLayout;

bool uniform::attn::detail::isRelayoutOp(Operation *op) {
  return isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp, tosa::ReshapeOp,
             tosa::TransposeOp, linalg::TransposeOp, tensor::CastOp>(op);
}

LogicalResult uniform::attn::detail::applyRelayout(AtomLayout &layout,
                                                   Operation *op) {
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (!resultType.hasStaticShape() || resultType.getNumElements() == 0)
    return failure();
  if (auto t = dyn_cast<tosa::TransposeOp>(op)) {
    layout.transpose(llvm::to_vector_of<int64_t>(t.getPerms()));
    return success();
  }
  if (auto t = dyn_cast<linalg::TransposeOp>(op)) {
    layout.transpose(t.getPermutation());
    return success();
  }
  if (isa<tensor::CastOp>(op))
    return success(layout.rank() == static_cast<size_t>(resultType.getRank()));
  return layout.reshape(resultType.getShape());
}

/// The coarsest shape that both `a` and `b` refine: its extents are the
/// ratios of the row-major prefix products the two shapes have in common.
static SmallVector<int64_t> getCommonCoarsening(ArrayRef<int64_t> a,
                                                ArrayRef<int64_t> b) {
  auto prefixes = [](ArrayRef<int64_t> shape) {
    SmallVector<int64_t> products;
    int64_t product = 1;
    for (int64_t extent : shape)
      products.push_back(product *= extent);
    return products;
  };
  SmallVector<int64_t> pa = prefixes(a), pb = prefixes(b);
  SmallVector<int64_t> common;
  if (!a.empty() && !b.empty() && a.front() == 1 && b.front() == 1)
    common.push_back(1);
  int64_t last = 1;
  for (int64_t p : pa)
    if (p != last && llvm::is_contained(pb, p)) {
      common.push_back(p / last);
      last = p;
    }
  return common;
}

Value uniform::attn::detail::createReshape(OpBuilder &b, Location loc,
                                           Value value,
                                           ArrayRef<int64_t> shape) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getShape() == shape)
    return value;
  auto step = [&](Value from, ArrayRef<int64_t> to) -> Value {
    auto fromType = cast<RankedTensorType>(from.getType());
    if (fromType.getShape() == to)
      return from;
    auto toType = RankedTensorType::get(to, type.getElementType());
    std::optional<SmallVector<ReassociationIndices>> groups =
        getReassociationIndicesForReshape(fromType, toType);
    if (!groups)
      return Value();
    if (fromType.getRank() > toType.getRank())
      return tensor::CollapseShapeOp::create(b, loc, toType, from, *groups);
    return tensor::ExpandShapeOp::create(b, loc, toType, from, *groups);
  };
  if (Value direct = step(value, shape))
    return direct;
  SmallVector<int64_t> middle = getCommonCoarsening(type.getShape(), shape);
  if (middle.empty())
    middle.push_back(type.getNumElements());
  if (Value collapsed = step(value, middle))
    if (Value expanded = step(collapsed, shape))
      return expanded;
  Value flat = step(value, {type.getNumElements()});
  return step(flat, shape);
}
