//===- RaiseDiagnostics.cpp - Why a softmax was not raised ----------------===//

#include "RaiseDiagnostics.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace uniform;
using namespace uniform::detail;

void RaiseFailureRecorder::notifyMatchFailure(
    Location loc, function_ref<void(Diagnostic &)> reasonCallback) {
  if (!recordFailures)
    return;
  Diagnostic diag(loc, DiagnosticSeverity::Remark);
  reasonCallback(diag);
  reasons[loc.getAsOpaquePointer()] = diag.str();
}

/// Whether `v` is a reduction `OpTy` of `input` over `axis`.
template <typename OpTy>
static bool isReduceOf(Value v, Value input, int64_t axis) {
  auto op = v.getDefiningOp<OpTy>();
  return op && op.getInput() == input && op.getAxis() == axis;
}

/// Whether `mul` ends a decomposed softmax.
static bool isDecomposedSoftmax(tosa::MulOp mul) {
  for (auto [e, r] : {std::pair(mul.getInput1(), mul.getInput2()),
                      std::pair(mul.getInput2(), mul.getInput1())}) {
    auto reciprocal = r.getDefiningOp<tosa::ReciprocalOp>();
    auto sum = reciprocal
                   ? reciprocal.getInput1().getDefiningOp<tosa::ReduceSumOp>()
                   : tosa::ReduceSumOp();
    auto exp = e.getDefiningOp<tosa::ExpOp>();
    auto sub = exp ? exp.getInput1().getDefiningOp<tosa::SubOp>()
                   : tosa::SubOp();
    if (sum && sub && sum.getInput() == e &&
        isReduceOf<tosa::ReduceMaxOp>(sub.getInput2(), sub.getInput1(),
                                      sum.getAxis()))
      return true;
  }
  return false;
}

Value uniform::detail::getSoftmaxResult(Operation *op) {
  if (auto mul = dyn_cast<tosa::MulOp>(op); mul && isDecomposedSoftmax(mul))
    return mul.getResult();
  if (auto softmax = dyn_cast<linalg::SoftmaxOp>(op))
    return softmax.getResult()[0];
  return Value();
}

/// The value products that consume `softmax` (through reshapes, tiles and
/// transposes): TOSA matmuls and linalg ops with two inputs and a
/// reduction.
static SmallVector<Operation *> findValueProducts(Operation *softmax) {
  SmallVector<Operation *> products, worklist = {softmax};
  DenseSet<Operation *> seen;
  while (!worklist.empty()) {
    Operation *op = worklist.pop_back_val();
    for (Operation *user : op->getUsers()) {
      if (!seen.insert(user).second)
        continue;
      auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
      if (isa<tosa::MatMulOp>(user) ||
          (linalgOp && linalgOp.getNumDpsInputs() == 2 &&
           linalgOp.getNumReductionLoops() > 0))
        products.push_back(user);
      else if (isa<tosa::ReshapeOp, tosa::TileOp, tosa::TransposeOp,
                   linalg::TransposeOp, tensor::CollapseShapeOp,
                   tensor::ExpandShapeOp>(user))
        worklist.push_back(user);
    }
  }
  return products;
}

std::string uniform::detail::explainNotRaised(
    Operation *softmax, const RaiseFailureRecorder &recorder) {
  SmallVector<Operation *> products = findValueProducts(softmax);
  if (products.empty())
    return "its result is not multiplied with values (no matmul consumes it)";
  for (Operation *product : products) {
    auto it = recorder.reasons.find(product->getLoc().getAsOpaquePointer());
    if (it != recorder.reasons.end())
      return "at its value product " + describeLocation(product->getLoc()) +
             ": " + it->second;
  }
  return "its value product " + describeLocation(products.front()->getLoc()) +
         " was not recognized as attention";
}

std::string uniform::detail::describeLocation(Location loc,
                                              StringRef skipPrefix) {
  if (auto name = dyn_cast<NameLoc>(loc)) {
    if (!skipPrefix.empty() &&
        name.getName().getValue().starts_with(skipPrefix))
      return describeLocation(name.getChildLoc(), skipPrefix);
    return name.getName().str();
  }
  if (auto fused = dyn_cast<FusedLoc>(loc))
    if (!fused.getLocations().empty())
      return describeLocation(fused.getLocations().front(), skipPrefix);
  std::string text;
  llvm::raw_string_ostream os(text);
  os << loc;
  return text;
}
