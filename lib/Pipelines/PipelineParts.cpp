//===- PipelineParts.cpp - Helpers shared by the pipelines' passes --------===//
//
// The definitions behind PipelineParts.h that passes of both pipelines use.
//
//===----------------------------------------------------------------------===//

#include "PipelineParts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

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
