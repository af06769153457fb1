//===- GpuTensorCoreContractions.cpp - Matmuls on tensor cores ------------===//
//
// `uniform-gpu-tensor-core-contractions`: matchTensorCoreContraction reads a
// linalg.generic on tensors as a contraction the tensor-core kernel takes
// (GpuTensorCoreContractions.h), together with the op that computes its
// initial value and the elementwise ops that consume its result;
// lowerContractionToTensorCores replaces them with the kernel that
// GpuContractionKernel.cpp builds.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/GpuTensorCoreContractions.h"
#include "uniform/Pipelines/Passes.h"

#include "GpuContractionKernel.h"

#include "uniform/Conversion/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSwitch.h"

namespace uniform {
#define GEN_PASS_DEF_GPUTENSORCORECONTRACTIONS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;
using uniform::TensorCoreContraction;

/// The smallest M, N and K worth a tensor-core tile (16 x 8 x 16): below
/// them most of the tile would be padding.
static constexpr int64_t kMinExtent = 16;

/// Scalar arithmetic the kernel can evaluate anywhere: pure, no regions,
/// from the arith or math dialects.
static bool isScalarArithmetic(Operation *op) {
  if (!isa<arith::ArithDialect, math::MathDialect>(op->getDialect()))
    return false;
  return op->getNumRegions() == 0 && isPure(op) &&
         llvm::all_of(op->getResultTypes(),
                      [](Type t) { return t.isIntOrIndexOrFloat(); });
}

/// Collects, in body order, the ops of `body` that `root` is computed from;
/// fails unless they are all scalar arithmetic. Block arguments and values
/// from outside the body are leaves.
static LogicalResult sliceOf(Value root, Block *body,
                             SmallVectorImpl<Operation *> &ops) {
  llvm::SetVector<Operation *> seen;
  SmallVector<Value> worklist = {root};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (isa<BlockArgument>(v))
      continue;
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != body || seen.contains(def))
      continue;
    if (!isScalarArithmetic(def))
      return failure();
    seen.insert(def);
    llvm::append_range(worklist, def->getOperands());
  }
  ops.assign(seen.begin(), seen.end());
  llvm::sort(ops,
             [](Operation *x, Operation *y) { return x->isBeforeInBlock(y); });
  return success();
}

/// Whether `map` lists loop dimensions 0..rank-1 in order.
static bool isLeadingIdentity(AffineMap map, unsigned rank) {
  if (map.getNumResults() != rank)
    return false;
  for (auto [i, expr] : llvm::enumerate(map.getResults()))
    if (expr != getAffineDimExpr(i, map.getContext()))
      return false;
  return true;
}

/// An all-parallel generic of `rank` loops with one result of static shape,
/// written through a permutation (the identity unless `permutedOutput`),
/// every input read through a projected permutation, and a body of scalar
/// arithmetic that does not read the output.
static bool isElementwise(linalg::GenericOp g, unsigned rank,
                          bool permutedOutput = false) {
  if (!g.hasPureTensorSemantics() || g.getNumDpsInits() != 1 ||
      g.getNumLoops() != rank || g.getNumReductionLoops() != 0 ||
      g.hasIndexSemantics())
    return false;
  AffineMap output = g.getMatchingIndexingMap(g.getDpsInitOperand(0));
  if (!(permutedOutput ? output.isPermutation()
                       : isLeadingIdentity(output, rank)) ||
      !cast<RankedTensorType>(g.getResult(0).getType()).hasStaticShape())
    return false;
  for (OpOperand *input : g.getDpsInputOperands())
    if (!g.getMatchingIndexingMap(input).isProjectedPermutation(
            /*allowZeroInResults=*/true))
      return false;
  Block *body = g.getBody();
  if (!body->getArguments().back().use_empty())
    return false;
  return llvm::all_of(body->without_terminator(),
                      [](Operation &o) { return isScalarArithmetic(&o); });
}

/// `out + x * y` yielded by `op`'s body: x and y, or failure.
static FailureOr<std::pair<Value, Value>> productTerms(linalg::GenericOp op) {
  Block *body = op.getBody();
  BlockArgument out = body->getArguments().back();
  Value yielded = body->getTerminator()->getOperand(0);
  auto add = yielded.getDefiningOp<arith::AddFOp>();
  if (!add || !out.hasOneUse())
    return failure();
  Value other = add.getLhs() == out ? add.getRhs() : add.getLhs();
  if (other == out || (add.getLhs() != out && add.getRhs() != out))
    return failure();
  auto mul = other.getDefiningOp<arith::MulFOp>();
  if (!mul || mul->getBlock() != body || !mul->hasOneUse())
    return failure();
  return std::make_pair(mul.getLhs(), mul.getRhs());
}

/// The loop dimensions that the inputs `root`'s slice reads.
static llvm::SmallBitVector dimsRead(linalg::GenericOp op,
                                     ArrayRef<Operation *> ops, Value root) {
  llvm::SmallBitVector dims(op.getNumLoops());
  auto note = [&](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    if (!arg || arg.getOwner() != op.getBody())
      return;
    AffineMap map = op.getMatchingIndexingMap(op.getMatchingOpOperand(arg));
    for (unsigned d = 0; d < op.getNumLoops(); ++d)
      if (map.isFunctionOfDim(d))
        dims.set(d);
  };
  note(root);
  for (Operation *o : ops)
    llvm::for_each(o->getOperands(), note);
  return dims;
}

AffineMap TensorCoreContraction::writeMap(Value value) const {
  linalg::GenericOp contraction = op; // the accessors are not const
  if (value == contraction.getResult(0))
    return AffineMap::getMultiDimIdentityMap(contraction.getNumLoops() - 1,
                                             contraction.getContext());
  auto g = cast<linalg::GenericOp>(value.getDefiningOp());
  return g.getMatchingIndexingMap(g.getDpsInitOperand(0));
}

/// Whether `g` can join `c`'s epilogue, whose kernel computes the values
/// `fused`: elementwise over the result's loops, reading at least one
/// fused value, each in the order it is written, and not writing into one.
static bool extendsEpilogue(const TensorCoreContraction &c, linalg::GenericOp g,
                            const llvm::SmallPtrSetImpl<Value> &fused) {
  linalg::GenericOp op = c.op; // the accessors are not const
  unsigned rank = op.getNumLoops() - 1;
  if (!isElementwise(g, rank, /*permutedOutput=*/true) ||
      fused.contains(g.getDpsInitOperand(0)->get()))
    return false;
  bool readsFused = false;
  for (OpOperand *input : g.getDpsInputOperands()) {
    if (!fused.contains(input->get()))
      continue;
    if (g.getMatchingIndexingMap(input) != c.writeMap(input->get()))
      return false;
    readsFused = true;
  }
  return readsFused;
}

/// Sets `c.outputs` to the values of the kernel that ops outside it use
/// (the last one's when none is); fails if such a use comes before the
/// kernel's place, the last epilogue op.
static LogicalResult setOutputs(TensorCoreContraction &c) {
  Operation *last = c.lastOp();
  Block *block = last->getBlock();
  llvm::SmallPtrSet<Operation *, 8> inKernel = {c.op};
  for (linalg::GenericOp e : c.epilogue)
    inKernel.insert(e);
  c.outputs.clear();
  SmallVector<Value> values = {c.op.getResult(0)};
  for (linalg::GenericOp e : c.epilogue)
    values.push_back(e.getResult(0));
  for (Value v : values) {
    bool used = false;
    for (Operation *user : v.getUsers()) {
      if (inKernel.contains(user))
        continue;
      Operation *at = block->findAncestorOpInBlock(*user);
      if (!at || !last->isBeforeInBlock(at))
        return failure();
      used = true;
    }
    if (used)
      c.outputs.push_back(v);
  }
  if (c.outputs.empty())
    c.outputs.push_back(values.back());
  return success();
}

/// Fills in the init and the epilogue of a matched contraction: every
/// elementwise op after it in its block that extends the epilogue, up to
/// the last use of a value the kernel computes; then, from the back, those
/// that would place the kernel after a use of one of its values are let go.
static void matchInitAndEpilogue(TensorCoreContraction &c) {
  unsigned rank = c.op.getNumLoops() - 1;
  Value init = c.op.getDpsInitOperand(0)->get();
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    c.fillValue = fill.value();
  else if (auto g = init.getDefiningOp<linalg::GenericOp>();
           g && isElementwise(g, rank))
    c.initOp = g;
  Block *block = c.op->getBlock();
  llvm::SmallPtrSet<Value, 8> fused;
  Operation *horizon = nullptr;
  auto take = [&](Value v) {
    fused.insert(v);
    for (Operation *user : v.getUsers())
      if (Operation *at = block->findAncestorOpInBlock(*user);
          at && (!horizon || horizon->isBeforeInBlock(at)))
        horizon = at;
  };
  take(c.op.getResult(0));
  for (Operation *o = c.op->getNextNode();
       o && horizon && !horizon->isBeforeInBlock(o); o = o->getNextNode()) {
    auto g = dyn_cast<linalg::GenericOp>(o);
    if (!g || !extendsEpilogue(c, g, fused))
      continue;
    c.epilogue.push_back(g);
    take(g.getResult(0));
  }
  while (failed(setOutputs(c)))
    c.epilogue.pop_back();
}

FailureOr<TensorCoreContraction>
uniform::matchTensorCoreContraction(linalg::GenericOp op, std::string *whyNot) {
  auto fail = [&](const char *reason) {
    if (whyNot)
      *whyNot = reason;
    return failure();
  };
  if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
      op.hasIndexSemantics())
    return fail("not one result on tensors without linalg.index");
  unsigned loops = op.getNumLoops();
  if (loops < 3 || op.getNumReductionLoops() != 1 ||
      op.getIteratorTypesArray().back() != utils::IteratorType::reduction)
    return fail("not one reduction, innermost, under two or more loops");
  if (!isLeadingIdentity(op.getMatchingIndexingMap(op.getDpsInitOperand(0)),
                         loops - 1))
    return fail("result not written in loop order");
  Type resultElement = getElementTypeOrSelf(op.getResult(0).getType());
  if (!resultElement.isF32() && !resultElement.isF16())
    return fail("result neither f32 nor f16");
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  if (ShapedType::isDynamicShape(ranges))
    return fail("dynamic shape");
  for (OpOperand *input : op.getDpsInputOperands())
    if (!op.getMatchingIndexingMap(input).isProjectedPermutation(
            /*allowZeroInResults=*/true))
      return fail("an input read through a window or a non-permutation");

  FailureOr<std::pair<Value, Value>> terms = productTerms(op);
  if (failed(terms))
    return fail("body is not out + x * y");
  TensorCoreContraction c;
  c.op = op;
  c.kDim = loops - 1;
  c.nDim = loops - 2;
  auto [x, y] = *terms;
  SmallVector<Operation *> xOps, yOps;
  if (failed(sliceOf(x, op.getBody(), xOps)) ||
      failed(sliceOf(y, op.getBody(), yOps)))
    return fail("factors computed by more than scalar arithmetic");
  llvm::SmallBitVector xDims = dimsRead(op, xOps, x);
  llvm::SmallBitVector yDims = dimsRead(op, yOps, y);
  if (xDims.test(c.nDim)) {
    std::swap(x, y);
    std::swap(xOps, yOps);
    std::swap(xDims, yDims);
  }
  if (xDims.test(c.nDim))
    return fail("both factors read the result's last dimension");
  c.a = x, c.b = y, c.aOps = xOps, c.bOps = yOps;
  for (unsigned d = 0; d < c.nDim; ++d) {
    bool batch = yDims.test(d);
    (batch ? c.batchDims : c.rowDims).push_back(d);
    (batch ? c.batch : c.m) *= ranges[d];
  }
  c.n = ranges[c.nDim];
  c.k = ranges[c.kDim];
  for (Value v : {c.a, c.b}) {
    Type t = v.getType();
    if (!t.isF32() && !t.isF16())
      return fail("factors neither f32 nor f16");
  }
  if (c.m < kMinExtent || c.n < kMinExtent || c.k < kMinExtent)
    return fail("M, N or K under 16");
  if (failed(detail::chooseContractionTiles(c)))
    return fail("more blocks than a grid holds");
  matchInitAndEpilogue(c);
  return c;
}

FailureOr<SmallVector<Value>>
uniform::lowerContractionToTensorCores(RewriterBase &rewriter,
                                       const TensorCoreContraction &c,
                                       TensorCoreOperands operands) {
  linalg::GenericOp op = c.op;
  Operation *symbolScope = SymbolTable::getNearestSymbolTable(op);
  if (!symbolScope)
    return rewriter.notifyMatchFailure(op, "no symbol table for globals");
  SymbolTable symbols(symbolScope);
  Operation *init = op.getDpsInitOperand(0)->get().getDefiningOp();
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPoint(c.lastOp());
  ImplicitLocOpBuilder b(op.getLoc(), rewriter);
  FloatType operand = operands == TensorCoreOperands::BF16
                          ? FloatType(b.getBF16Type())
                          : FloatType(b.getF16Type());
  SmallVector<Value> results =
      detail::buildContractionKernel(b, c, symbols, operand);
  for (auto [output, result] : llvm::zip_equal(c.outputs, results))
    rewriter.replaceAllUsesWith(output, result);
  // The ops the kernel computes, users first.
  for (linalg::GenericOp e : llvm::reverse(c.epilogue))
    rewriter.eraseOp(e);
  rewriter.eraseOp(op);
  // The fill or the computation of the init, now evaluated in the kernel.
  if (init && isa<linalg::FillOp, linalg::GenericOp>(init) && init->use_empty())
    rewriter.eraseOp(init);
  return results;
}

namespace {
/// No memory effects: nvvm.mma.sync only reads and writes registers (the
/// bf16 kernels issue it before bufferization, whose deallocation refuses
/// ops with unknown effects).
struct MmaMemoryEffects
    : public MemoryEffectOpInterface::ExternalModel<MmaMemoryEffects,
                                                    NVVM::MmaOp> {
  void
  getEffects(Operation *,
             SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
                 &) const {}
};
} // namespace

void uniform::registerTensorCoreContractionInterfaces(
    DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, NVVM::NVVMDialect *) {
    NVVM::MmaOp::attachInterface<MmaMemoryEffects>(*ctx);
  });
}

namespace {
struct ContractionPattern : public OpRewritePattern<linalg::GenericOp> {
  ContractionPattern(MLIRContext *context, uniform::TensorCoreOperands operands)
      : OpRewritePattern(context), operands(operands) {}
  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    std::string whyNot;
    FailureOr<TensorCoreContraction> c =
        uniform::matchTensorCoreContraction(op, &whyNot);
    if (failed(c))
      return rewriter.notifyMatchFailure(op, whyNot);
    return success(succeeded(
        uniform::lowerContractionToTensorCores(rewriter, *c, operands)));
  }
  uniform::TensorCoreOperands operands;
};

struct GpuTensorCoreContractionsPass
    : public uniform::impl::GpuTensorCoreContractionsBase<
          GpuTensorCoreContractionsPass> {
  using Base::Base;
  void getDependentDialects(DialectRegistry &registry) const override {
    Base::getDependentDialects(registry);
    // Buffer deallocation after this pass must see the barriers' effects,
    // and that nvvm.mma.sync has none.
    uniform::registerGpuSynchronizationMemoryEffects(registry);
    uniform::registerTensorCoreContractionInterfaces(registry);
  }

  void runOnOperation() override {
    std::optional<uniform::TensorCoreOperands> parsed =
        llvm::StringSwitch<std::optional<uniform::TensorCoreOperands>>(operands)
            .Case("f16", uniform::TensorCoreOperands::F16)
            .Case("bf16", uniform::TensorCoreOperands::BF16)
            .Default(std::nullopt);
    if (!parsed) {
      getOperation().emitError("uniform-gpu-tensor-core-contractions: "
                               "operands must be f16 or bf16, got '")
          << operands << "'";
      return signalPassFailure();
    }
    RewritePatternSet patterns(&getContext());
    uniform::populateGpuTensorCoreContractionPatterns(patterns, *parsed);
    FrozenRewritePatternSet frozen(std::move(patterns));
    SmallVector<Operation *> ops;
    getOperation()->walk([&](linalg::GenericOp op) { ops.push_back(op); });
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps);
    (void)applyOpPatternsGreedily(ops, frozen, config);
  }
};
} // namespace

void uniform::populateGpuTensorCoreContractionPatterns(
    RewritePatternSet &patterns, TensorCoreOperands operands) {
  patterns.add<ContractionPattern>(patterns.getContext(), operands);
}
