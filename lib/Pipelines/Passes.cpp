//===- Passes.cpp - Passes the pipelines are built from -------------------===//
//
// `uniform-decompose-aggregated-ops`, `uniform-prepare-entry-points`,
// `uniform-cpu-fast-math` and `uniform-cpu-copies-to-loops` (with
// copyRowsAsVectors).
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "PipelineParts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/ShapedOpInterfaces.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>

namespace uniform {
#define GEN_PASS_DEF_DECOMPOSEAGGREGATEDOPS
#define GEN_PASS_DEF_PREPAREENTRYPOINTS
#define GEN_PASS_DEF_CPUFASTMATH
#define GEN_PASS_DEF_CPUCOPIESTOLOOPS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

/// The longest row copyRowsAsVectors moves as one vector (elements).
static constexpr int64_t kMaxVectorRow = 256;

/// Whether `type` is a non-empty memref of whole-byte elements whose
/// innermost dimension is static and contiguous (the outer ones may be
/// dynamic: a dynamic batch).
static bool hasContiguousRows(MemRefType type) {
  if (!type || type.getRank() == 0 || type.isDynamicDim(type.getRank() - 1) ||
      llvm::is_contained(type.getShape(), 0) ||
      !type.getElementType().isIntOrFloat() ||
      type.getElementTypeBitWidth() % 8 != 0)
    return false;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) &&
         strides.back() == 1;
}

LogicalResult uniform::copyRowsAsVectors(RewriterBase &rewriter,
                                         memref::CopyOp copy) {
  auto source = dyn_cast<MemRefType>(copy.getSource().getType());
  auto target = dyn_cast<MemRefType>(copy.getTarget().getType());
  if (!hasContiguousRows(source) || !hasContiguousRows(target) ||
      source.getShape() != target.getShape() ||
      source.getShape().back() > kMaxVectorRow)
    return failure();
  // Dynamic outer extents are read off the source (memref.copy's verifier
  // has made the two shapes agree).
  Location loc = copy.getLoc();
  rewriter.setInsertionPoint(copy);
  auto row =
      VectorType::get({source.getShape().back()}, source.getElementType());
  SmallVector<Value> lbs, ubs, steps;
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  for (auto [dim, extent] : llvm::enumerate(source.getShape().drop_back())) {
    lbs.push_back(zero);
    ubs.push_back(
        ShapedType::isDynamic(extent)
            ? Value(memref::DimOp::create(rewriter, loc, copy.getSource(), dim))
            : Value(arith::ConstantIndexOp::create(rewriter, loc, extent)));
    steps.push_back(one);
  }
  Value padding = ub::PoisonOp::create(rewriter, loc, source.getElementType());
  scf::buildLoopNest(rewriter, loc, lbs, ubs, steps,
                     [&](OpBuilder &b, Location loc, ValueRange ivs) {
                       SmallVector<Value> indices(ivs);
                       indices.push_back(zero);
                       SmallVector<bool> inBounds = {true};
                       Value data = vector::TransferReadOp::create(
                           b, loc, row, copy.getSource(), indices, padding,
                           inBounds);
                       vector::TransferWriteOp::create(
                           b, loc, data, copy.getTarget(), indices, inBounds);
                     });
  rewriter.eraseOp(copy);
  return success();
}

namespace {
struct DecomposeAggregatedOpsPass
    : public uniform::impl::DecomposeAggregatedOpsBase<
          DecomposeAggregatedOpsPass> {
  void runOnOperation() override {
    SmallVector<linalg::AggregatedOpInterface> ops;
    getOperation()->walk(
        [&](linalg::AggregatedOpInterface op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (linalg::AggregatedOpInterface op : ops) {
      rewriter.setInsertionPoint(op);
      FailureOr<SmallVector<Value>> results = op.decomposeOperation(rewriter);
      if (failed(results)) {
        op->emitError("failed to decompose aggregated op");
        return signalPassFailure();
      }
      rewriter.replaceOp(op, *results);
    }
  }
};

/// Whether a tensor or memref of `type` has more elements, or bytes, than a
/// 64-bit size holds (each static extent may be as large as INT64_MAX).
static bool exceedsAddressSpace(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasRank())
    return false;
  int64_t size = 1;
  for (int64_t extent : shaped.getShape())
    if (!ShapedType::isDynamic(extent) && llvm::MulOverflow(size, extent, size))
      return true;
  Type element = shaped.getElementType();
  if (!element.isIntOrIndexOrFloat())
    return false;
  // index has no bit width of its own: 64 bits on every target here.
  int64_t bits = element.isIndex() ? 64 : element.getIntOrFloatBitWidth();
  int64_t bytes = llvm::divideCeil(bits, 8);
  return llvm::MulOverflow(size, std::max<int64_t>(bytes, 1), size);
}

struct PrepareEntryPointsPass
    : public uniform::impl::PrepareEntryPointsBase<PrepareEntryPointsPass> {
  void runOnOperation() override {
    // Buffer sizes and constant folding (upstream linalg's, which aborts)
    // overflow on such tensors: reject the program up front.
    WalkResult tooLarge = getOperation().walk([](Operation *op) {
      auto check = [&](Type type) {
        if (!exceedsAddressSpace(type))
          return false;
        op->emitOpError() << "has a value of type " << type
                          << " whose size does not fit in 64 bits";
        return true;
      };
      for (Type type : op->getResultTypes())
        if (check(type))
          return WalkResult::interrupt();
      for (Region &region : op->getRegions())
        for (Block &block : region)
          for (Type type : block.getArgumentTypes())
            if (check(type))
              return WalkResult::interrupt();
      // tensor.dim / memref.dim of a constant index outside the rank is
      // undefined behaviour, and MLIR 22's gpu.alloc canonicalization
      // (SimplifyDimOfAllocOp) reads out of bounds on a negative one.
      if (auto dim = dyn_cast<ShapedDimOpInterface>(op)) {
        auto shaped = dyn_cast<ShapedType>(dim.getShapedValue().getType());
        std::optional<int64_t> index = getConstantIntValue(dim.getDimension());
        if (shaped && shaped.hasRank() && index &&
            (*index < 0 || *index >= shaped.getRank())) {
          op->emitOpError()
              << "index " << *index << " is out of range for a value of rank "
              << shaped.getRank();
          return WalkResult::interrupt();
        }
      }
      return WalkResult::advance();
    });
    if (tooLarge.wasInterrupted())
      return signalPassFailure();

    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (func.isExternal() || !func.isPublic())
        continue;
      func->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(),
                    UnitAttr::get(&getContext()));
      func->setAttr("uniform.signature", TypeAttr::get(func.getFunctionType()));
    }
  }
};
/// `math.fma` (which the polynomial approximations are written with) as a
/// multiply and an add that LLVM may contract: one FMA instruction where
/// the target has it, instead of a call to libm's `fmaf` per lane where it
/// does not (x86-64 without FMA, uniform-compile's default CPU).
struct FmaAsContractableMulAdd : OpRewritePattern<math::FmaOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(math::FmaOp op,
                                PatternRewriter &rewriter) const override {
    auto contract = arith::FastMathFlagsAttr::get(
        getContext(), op.getFastmath() | arith::FastMathFlags::contract);
    Value product = arith::MulFOp::create(rewriter, op.getLoc(), op.getA(),
                                          op.getB(), contract);
    rewriter.replaceOpWithNewOp<arith::AddFOp>(op, product, op.getC(),
                                               contract);
    return success();
  }
};

struct CpuFastMathPass
    : public uniform::impl::CpuFastMathBase<CpuFastMathPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (reassociateReductions)
      func.walk([](linalg::GenericOp op) { reassociateCombiner(op); });
    if (!approximateExp && !approximateErf)
      return;
    RewritePatternSet patterns(&getContext());
    populateMathPolynomialApproximationPatterns(patterns, [&](StringRef name) {
      return (approximateExp && name == math::ExpOp::getOperationName()) ||
             (approximateErf && name == math::ErfOp::getOperationName());
    });
    patterns.add<FmaAsContractableMulAdd>(&getContext());
    if (failed(applyPatternsGreedily(func, std::move(patterns))))
      return signalPassFailure();
  }

  /// Marks `out = combine(in, out)` reassociable when it is the whole body
  /// of a reduction of an input.
  static void reassociateCombiner(linalg::GenericOp op) {
    if (op.getNumReductionLoops() == 0 || op.getNumDpsInits() != 1)
      return;
    Block &body = op.getRegion().front();
    auto yield = cast<linalg::YieldOp>(body.getTerminator());
    Operation *combiner = yield.getValues()[0].getDefiningOp();
    if (!combiner || combiner->getBlock() != &body ||
        !isa<arith::AddFOp, arith::MaximumFOp, arith::MinimumFOp>(combiner))
      return;
    // Exactly `combine(in, acc)` with `in` an input element: a plain
    // reduction. Contractions (`acc + a * b`) are left alone: their
    // reduction loop is not the one to vectorize.
    Value acc = body.getArguments().back();
    Value lhs = combiner->getOperand(0), rhs = combiner->getOperand(1);
    Value in = lhs == acc ? rhs : lhs;
    auto inArg = dyn_cast<BlockArgument>(in);
    if ((lhs != acc && rhs != acc) || !inArg || inArg.getOwner() != &body ||
        inArg == acc)
      return;
    auto fmf = cast<arith::ArithFastMathInterface>(combiner);
    arith::FastMathFlags flags = fmf.getFastMathFlagsAttr().getValue();
    combiner->setAttr(
        fmf.getFastMathAttrName(),
        arith::FastMathFlagsAttr::get(op.getContext(),
                                      flags | arith::FastMathFlags::reassoc));
  }
};

struct CpuCopiesToLoopsPass
    : public uniform::impl::CpuCopiesToLoopsBase<CpuCopiesToLoopsPass> {
  /// What finalize-memref-to-llvm copies with llvm.memcpy (its own test).
  static bool isMemcpyable(Type type) {
    auto memref = dyn_cast<MemRefType>(type);
    return memref && (memref.getLayout().isIdentity() ||
                      memref::isStaticShapeAndContiguousRowMajor(memref));
  }

  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      if (!isMemcpyable(copy.getSource().getType()) ||
          !isMemcpyable(copy.getTarget().getType()))
        copies.push_back(copy);
    });
    IRRewriter rewriter(&getContext());
    for (memref::CopyOp copy : copies)
      if (failed(uniform::copyRowsAsVectors(rewriter, copy)))
        uniform::detail::replaceCopyWithParallelLoop(
            rewriter, copy, copy.getSource(), copy.getTarget());
  }
};
} // namespace
