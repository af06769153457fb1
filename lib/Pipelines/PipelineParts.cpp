//===- PipelineParts.cpp - Helpers shared by the pipelines' passes --------===//
//
// The definitions behind PipelineParts.h that passes of both pipelines use.
//
//===----------------------------------------------------------------------===//

#include "PipelineParts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"

using namespace mlir;

void uniform::detail::replaceCopyWithParallelLoop(RewriterBase &rewriter,
                                                  memref::CopyOp copy,
                                                  Value source, Value target) {
  Location loc = copy.getLoc();
  rewriter.setInsertionPoint(copy);
  auto type = cast<MemRefType>(source.getType());
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  SmallVector<Value> lbs, ubs, steps;
  for (int64_t i = 0, e = type.getRank(); i < e; ++i) {
    lbs.push_back(zero);
    ubs.push_back(rewriter.createOrFold<memref::DimOp>(loc, source, i));
    steps.push_back(one);
  }
  scf::ParallelOp::create(
      rewriter, loc, lbs, ubs, steps,
      [&](OpBuilder &b, Location nestedLoc, ValueRange ivs) {
        Value element = memref::LoadOp::create(b, nestedLoc, source, ivs);
        memref::StoreOp::create(b, nestedLoc, element, target, ivs);
      });
  rewriter.eraseOp(copy);
}

std::optional<ArrayRef<char>> uniform::detail::constantBytes(Value v) {
  while (isa_and_nonnull<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(
      v.getDefiningOp()))
    v = v.getDefiningOp()->getOperand(0);
  auto constant = v.getDefiningOp<arith::ConstantOp>();
  if (!constant)
    return std::nullopt;
  return elementsBytes(constant.getValue());
}

std::optional<ArrayRef<char>> uniform::detail::elementsBytes(Attribute value) {
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    return dense.isSplat() ? std::nullopt
                           : std::optional<ArrayRef<char>>(dense.getRawData());
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return blob->getData();
  return std::nullopt;
}

std::optional<std::vector<char>>
uniform::detail::transposedBytes(std::optional<ArrayRef<char>> bytes,
                                 Type elementType, int64_t rows, int64_t cols) {
  unsigned bits = elementType.getIntOrFloatBitWidth();
  if (!bytes || bits % 8 != 0 ||
      int64_t(bytes->size()) != rows * cols * (bits / 8))
    return std::nullopt;
  // Element (r, c) to (c, r).
  int64_t size = bits / 8;
  std::vector<char> transposed(bytes->size());
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t c = 0; c < cols; ++c)
      std::copy_n(bytes->begin() + (r * cols + c) * size, size,
                  transposed.begin() + (c * rows + r) * size);
  return transposed;
}

std::optional<std::vector<char>>
uniform::detail::transposedConstant(Value v, int64_t rows, int64_t cols) {
  return transposedBytes(constantBytes(v),
                         cast<ShapedType>(v.getType()).getElementType(), rows,
                         cols);
}
