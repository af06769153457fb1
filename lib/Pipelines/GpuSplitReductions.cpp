//===- GpuSplitReductions.cpp - A reduction shared by adjacent lanes ------===//
//
// Every output element of a loop-nest kernel is one thread, and its
// reduction (a 1x1 convolution's or a matmul's K) a sequential loop in that
// thread. When the outputs are few and K is long, as in a UniForm MLP at
// 4x4 (3072 outputs, K 384), the kernel is as slow as one thread's chain of
// K dependent steps however many multiprocessors idle. This pass gives
// each output S adjacent lanes of a warp: lane s adds the terms s, s + S,
// ..., a butterfly of `gpu.shuffle xor` sums the S partial sums, and the
// first lane runs the rest of the body (the stores and the epilogue).
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "PipelineParts.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

namespace uniform {
#define GEN_PASS_DEF_GPUSPLITREDUCTIONS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

namespace {
constexpr int64_t kWarpSize = 32;

/// Whether `op` (and everything nested in it) only reads memory.
bool writesNothing(Operation *op) {
  bool writes = false;
  op->walk([&](Operation *nested) {
    if (hasEffect<MemoryEffects::Write>(nested) ||
        hasEffect<MemoryEffects::Free>(nested) ||
        hasEffect<MemoryEffects::Allocate>(nested) ||
        (!isMemoryEffectFree(nested) && !isa<MemoryEffectOpInterface>(nested) &&
         !nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>()))
      writes = true;
  });
  return !writes;
}

/// The trip count of a loop from 0 with step 1 and a constant bound.
std::optional<int64_t> tripCountFromZero(scf::ForOp loop) {
  std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound());
  std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound());
  std::optional<int64_t> step = getConstantIntValue(loop.getStep());
  if (!lb || !ub || !step || *lb != 0 || *step != 1 || *ub <= 0)
    return std::nullopt;
  return *ub;
}
} // namespace

FailureOr<uniform::SplittableReduction>
uniform::matchSplittableReduction(scf::ParallelOp loop) {
  SplittableReduction match;
  if (!loop.getInitVals().empty() || loop->getParentOfType<scf::ParallelOp>())
    return failure();
  match.outputs = 1;
  for (auto [lb, ub, step] :
       llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    std::optional<int64_t> l = getConstantIntValue(lb);
    std::optional<int64_t> u = getConstantIntValue(ub);
    std::optional<int64_t> s = getConstantIntValue(step);
    if (!l || !u || !s || *l != 0 || *s != 1 || *u <= 0)
      return failure();
    match.outputs *= *u;
  }
  // No barrier or inner parallel loop (a one-block chain): the rest of
  // the body moves under a condition on the lane.
  if (loop.getBody()
          ->walk([](Operation *op) {
            return isa<gpu::BarrierOp, scf::ParallelOp>(op)
                       ? WalkResult::interrupt()
                       : WalkResult::advance();
          })
          .wasInterrupted())
    return failure();
  // The body: reads and stores (a bias stored as the initial value), one
  // sequential f32 sum, then anything.
  Block *body = loop.getBody();
  scf::ForOp sum;
  for (Operation &op : body->without_terminator()) {
    if ((sum = dyn_cast<scf::ForOp>(&op)))
      break;
    if (!isa<memref::StoreOp>(op) && !writesNothing(&op))
      return failure();
  }
  match.reduction = sum;
  if (!sum || sum.getNumRegionIterArgs() != 1 ||
      !sum.getRegionIterArgs()[0].getType().isF32() || !writesNothing(sum))
    return failure();
  std::optional<int64_t> terms = tripCountFromZero(sum);
  if (!terms)
    return failure();
  match.terms = *terms;
  // The accumulator only flows into one addf, yielded.
  BlockArgument acc = sum.getRegionIterArgs()[0];
  auto add = sum.getBody()
                 ->getTerminator()
                 ->getOperand(0)
                 .getDefiningOp<arith::AddFOp>();
  if (!add || !acc.hasOneUse() ||
      (add.getLhs() != acc && add.getRhs() != acc) || !add->hasOneUse())
    return failure();
  return match;
}

/// Only the first lane writes memory: each store before `sum` moves under
/// `first`, and so does the load of the initial value when it is `sum`'s
/// alone (it may read what such a store wrote); the other lanes start from
/// `none`. Returns the initial value for every lane.
static Value initOnFirstLane(RewriterBase &rewriter, scf::ForOp sum,
                             Value first, Value none) {
  Location loc = sum.getLoc();
  for (Operation &op : llvm::make_early_inc_range(llvm::make_range(
           sum->getBlock()->begin(), Block::iterator(sum.getOperation())))) {
    if (!isa<memref::StoreOp>(op))
      continue;
    rewriter.setInsertionPoint(&op);
    auto onFirst = scf::IfOp::create(rewriter, loc, first,
                                     /*withElseRegion=*/false);
    rewriter.moveOpBefore(&op, onFirst.thenBlock()->getTerminator());
  }
  rewriter.setInsertionPoint(sum);
  Value init = sum.getInitArgs()[0];
  auto load = init.getDefiningOp<memref::LoadOp>();
  if (!load || !init.hasOneUse() || load->getBlock() != sum->getBlock())
    return arith::SelectOp::create(rewriter, loc, first, init, none);
  auto onFirst = scf::IfOp::create(rewriter, loc, TypeRange{init.getType()},
                                   first, /*withElseRegion=*/true);
  rewriter.moveOpBefore(load, onFirst.thenBlock(), onFirst.thenBlock()->end());
  rewriter.setInsertionPointToEnd(onFirst.thenBlock());
  scf::YieldOp::create(rewriter, loc, init);
  rewriter.setInsertionPointToEnd(onFirst.elseBlock());
  scf::YieldOp::create(rewriter, loc, none);
  rewriter.setInsertionPoint(sum);
  return onFirst.getResult(0);
}

/// The constant 2-D memref.global that `load`, in `sum`, reads at [iv, x]
/// (x defined outside `sum`): adjacent lanes, which take adjacent terms,
/// read down its column. Null for any other load.
static memref::GlobalOp readDownConstantColumn(memref::LoadOp load,
                                               scf::ForOp sum) {
  auto get = load.getMemRef().getDefiningOp<memref::GetGlobalOp>();
  if (!get || load.getIndices().size() != 2 ||
      load.getIndices()[0] != sum.getInductionVar() ||
      !sum.isDefinedOutsideOfLoop(load.getIndices()[1]))
    return {};
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  if (!global || !global.getConstant() || !global.getInitialValue() ||
      !global.getType().hasStaticShape() ||
      !global.getType().getLayout().isIdentity() ||
      !uniform::detail::elementsBytes(*global.getInitialValue()))
    return {};
  return global;
}

bool uniform::readsAlongLanes(scf::ForOp sum) {
  Value iv = sum.getInductionVar();
  auto dependsOnTerm = [&](Value index) {
    return index == iv || !sum.isDefinedOutsideOfLoop(index);
  };
  return !sum.walk([&](memref::LoadOp load) {
               ValueRange indices = load.getIndices();
               bool along = llvm::none_of(indices.drop_back(), dependsOnTerm) &&
                            (indices.empty() || indices.back() == iv ||
                             !dependsOnTerm(indices.back()));
               return along || readDownConstantColumn(load, sum)
                          ? WalkResult::advance()
                          : WalkResult::interrupt();
             })
              .wasInterrupted();
}

/// Loads in `sum` that read down a constant global's column
/// (readDownConstantColumn) read a transposed copy of it at [x, iv]
/// instead, along a row (one copy per global, made once).
static void readConstantsAlongLanes(RewriterBase &rewriter, scf::ForOp sum) {
  auto module = sum->getParentOfType<ModuleOp>();
  if (!module)
    return;
  SymbolTable symbols(module);
  SmallVector<std::pair<memref::LoadOp, memref::GlobalOp>> loads;
  sum.walk([&](memref::LoadOp load) {
    if (memref::GlobalOp global = readDownConstantColumn(load, sum))
      loads.emplace_back(load, global);
  });
  for (auto [load, global] : loads) {
    auto get = load.getMemRef().getDefiningOp<memref::GetGlobalOp>();
    MemRefType type = global.getType();
    int64_t rows = type.getDimSize(0), cols = type.getDimSize(1);
    std::optional<std::vector<char>> bytes = uniform::detail::transposedBytes(
        uniform::detail::elementsBytes(*global.getInitialValue()),
        type.getElementType(), rows, cols);
    if (!bytes)
      continue;
    auto transposedType =
        MemRefType::get({cols, rows}, type.getElementType(),
                        MemRefLayoutAttrInterface(), type.getMemorySpace());
    std::string name = (global.getSymName() + "_along_lanes").str();
    auto transposed = symbols.lookup<memref::GlobalOp>(name);
    if (!transposed) {
      rewriter.setInsertionPoint(global);
      transposed = memref::GlobalOp::create(
          rewriter, global.getLoc(), name, global.getSymVisibilityAttr(),
          transposedType,
          DenseElementsAttr::getFromRawBuffer(
              RankedTensorType::get({cols, rows}, type.getElementType()),
              *bytes),
          /*constant=*/true, global.getAlignmentAttr());
      symbols.insert(transposed);
    }
    rewriter.setInsertionPoint(get);
    Value rowsAlongLanes = memref::GetGlobalOp::create(
        rewriter, get.getLoc(), transposedType, transposed.getSymName());
    rewriter.setInsertionPoint(load);
    rewriter.replaceOpWithNewOp<memref::LoadOp>(
        load, rowsAlongLanes,
        ValueRange{load.getIndices()[1], load.getIndices()[0]});
  }
}

FailureOr<scf::ParallelOp>
uniform::splitReductionAcrossLanes(RewriterBase &rewriter, scf::ParallelOp loop,
                                   int64_t lanes) {
  FailureOr<SplittableReduction> match = matchSplittableReduction(loop);
  if (failed(match) || lanes < 2 || lanes > kWarpSize ||
      !llvm::isPowerOf2_64(lanes) || (match->outputs * lanes) % kWarpSize)
    return failure();
  Location loc = loop.getLoc();
  OpBuilder::InsertionGuard guard(rewriter);

  // The loop with a last, fastest dimension over the lanes of each output:
  // after collapsing, an output's lanes are adjacent in one warp.
  rewriter.setInsertionPoint(loop);
  SmallVector<Value> lbs(loop.getLowerBound()), ubs(loop.getUpperBound()),
      steps(loop.getStep());
  lbs.push_back(arith::ConstantIndexOp::create(rewriter, loc, 0));
  ubs.push_back(arith::ConstantIndexOp::create(rewriter, loc, lanes));
  steps.push_back(arith::ConstantIndexOp::create(rewriter, loc, 1));
  auto split = scf::ParallelOp::create(rewriter, loc, lbs, ubs, steps);
  split->setDiscardableAttrs(loop->getDiscardableAttrDictionary());
  Block *body = split.getBody();
  rewriter.eraseOp(body->getTerminator());
  SmallVector<Value> ivs(body->getArguments().drop_back());
  rewriter.mergeBlocks(loop.getBody(), body, ivs);
  rewriter.eraseOp(loop);
  Value lane = body->getArguments().back();

  // Lane s adds the terms s, s + lanes, ...; lane 0 starts from the
  // loop's initial value, the others from 0.
  auto sum = cast<scf::ForOp>(match->reduction);
  rewriter.setInsertionPointToStart(body);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value first = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq,
                                      lane, zero);
  rewriter.setInsertionPoint(sum);
  Value none = arith::ConstantOp::create(rewriter, loc, rewriter.getF32Type(),
                                         rewriter.getF32FloatAttr(0.0f));
  Value init = initOnFirstLane(rewriter, sum, first, none);
  rewriter.modifyOpInPlace(sum, [&] {
    sum.getInitArgsMutable()[0].set(init);
    sum.getLowerBoundMutable().set(lane);
    sum.getStepMutable().set(
        arith::ConstantIndexOp::create(rewriter, loc, lanes));
  });

  readConstantsAlongLanes(rewriter, sum);

  // A butterfly over the lanes: every lane ends with the whole sum.
  rewriter.setInsertionPointAfter(sum);
  Value partial = sum.getResult(0);
  SmallVector<OpOperand *> uses = llvm::map_to_vector(
      partial.getUses(), [](OpOperand &use) { return &use; });
  Value total = partial;
  Value width = arith::ConstantIntOp::create(rewriter, loc, kWarpSize, 32);
  for (int64_t offset = lanes / 2; offset >= 1; offset /= 2) {
    Value distance = arith::ConstantIntOp::create(rewriter, loc, offset, 32);
    auto shuffle = gpu::ShuffleOp::create(rewriter, loc, total, distance, width,
                                          gpu::ShuffleMode::XOR);
    total =
        arith::AddFOp::create(rewriter, loc, total, shuffle.getShuffleResult());
  }
  for (OpOperand *use : uses)
    rewriter.modifyOpInPlace(use->getOwner(), [&] { use->set(total); });

  // The rest of the body (stores, epilogue) runs on the first lane.
  auto onFirst = scf::IfOp::create(rewriter, loc, first,
                                   /*withElseRegion=*/false);
  Block *then = onFirst.thenBlock();
  while (onFirst->getNextNode() != body->getTerminator())
    rewriter.moveOpBefore(onFirst->getNextNode(), then->getTerminator());
  return split;
}

namespace {
struct GpuSplitReductionsPass
    : public uniform::impl::GpuSplitReductionsBase<GpuSplitReductionsPass> {
  using Base::Base;

  /// Lanes per output: a power of two with at least `minTermsPerLane`
  /// terms each, at most a warp, while the threads stay within
  /// `maxThreads`; 1 when splitting does not pay (more than `maxOutputs`
  /// outputs already occupy a GPU).
  int64_t chooseLanes(const uniform::SplittableReduction &match) const {
    if (match.outputs > maxOutputs || match.terms < 2 * minTermsPerLane)
      return 1;
    int64_t lanes = static_cast<int64_t>(
        llvm::bit_floor(static_cast<uint64_t>(match.terms / minTermsPerLane)));
    lanes = std::min<int64_t>(lanes, kWarpSize);
    while (lanes > 1 && match.outputs * lanes > maxThreads)
      lanes /= 2;
    return lanes;
  }

  void runOnOperation() override {
    SmallVector<scf::ParallelOp> loops;
    getOperation().walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>())
        loops.push_back(loop);
    });
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : loops) {
      FailureOr<uniform::SplittableReduction> match =
          uniform::matchSplittableReduction(loop);
      if (failed(match) ||
          !uniform::readsAlongLanes(cast<scf::ForOp>(match->reduction)))
        continue;
      int64_t lanes = chooseLanes(*match);
      while (lanes > 1 && (match->outputs * lanes) % kWarpSize)
        lanes *= 2;
      if (lanes < 2 || lanes > kWarpSize)
        continue;
      (void)uniform::splitReductionAcrossLanes(rewriter, loop, lanes);
    }
  }
};
} // namespace
