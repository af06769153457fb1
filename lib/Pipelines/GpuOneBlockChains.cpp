//===- GpuOneBlockChains.cpp - Runs of small loops as one-block kernels ---===//
//
// `fuseSmallLoopsIntoOneBlock` (see GpuKernelFusion.h), the last step of
// `uniform-gpu-fuse-parallel-loops`: consecutive small loops become one
// kernel of a single block, with a barrier between loops.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/GpuKernelFusion.h"

#include "GpuLoopFusionUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/LoopLikeInterface.h"

using namespace mlir;
using namespace uniform::detail;

/// The most iterations of one loop in a one-block chain, and of work
/// (iterations times the trip counts of the loops inside) of one with more
/// iterations than a block of the loop-nest kernels has threads. Such a loop
/// would otherwise spread over several multiprocessors, and in one block
/// it gets one: 2^18 multiply-adds take one sm_87 multiprocessor about as
/// long as a kernel launch. A loop of at most a block's iterations ran on
/// one multiprocessor anyway, whatever its work (a global average pool of
/// 96 channels of 112x112 pixels).
static constexpr int64_t kMaxBlockChainIterations = 4096;
static constexpr int64_t kMaxBlockChainWork = int64_t(1) << 18;
static constexpr int64_t kMaxThreadsPerBlock = 1024;

/// The iterations of `block`'s ops, the trip counts of the static loops in
/// it multiplied out (the larger region of a branch), saturated at 2^40;
/// nullopt when a loop in it has no static trip count.
static std::optional<int64_t> getBodyWork(Block &block) {
  constexpr int64_t kTooMuch = int64_t(1) << 40;
  int64_t work = 0;
  for (Operation &op : block) {
    int64_t opWork = 1;
    if (auto forOp = dyn_cast<scf::ForOp>(&op)) {
      std::optional<APInt> trips = forOp.getStaticTripCount();
      std::optional<int64_t> body = getBodyWork(*forOp.getBody());
      if (!trips || !body)
        return std::nullopt;
      int64_t count =
          trips->getActiveBits() > 62 ? kTooMuch : trips->getSExtValue();
      if (llvm::MulOverflow(std::max<int64_t>(1, count), *body, opWork))
        opWork = kTooMuch;
    } else if (isa<LoopLikeOpInterface>(op)) {
      return std::nullopt;
    } else {
      for (Region &region : op.getRegions())
        for (Block &nested : region) {
          std::optional<int64_t> body = getBodyWork(nested);
          if (!body)
            return std::nullopt;
          opWork = std::max(opWork, *body);
        }
    }
    work = std::min(work + std::min(opWork, kTooMuch), kTooMuch);
  }
  return work;
}

/// Whether `loop` is small enough for a one-block chain, where the
/// loop-nest kernels have blocks of `blockSize` threads.
static bool isSmallLoop(scf::ParallelOp loop, int64_t blockSize) {
  std::optional<SmallVector<int64_t>> extents = getStaticExtents(loop);
  if (!extents || loop.getNumResults() != 0 ||
      loop->hasAttr(gpu::getMappingAttrName()))
    return false;
  int64_t iterations = llvm::product_of(*extents);
  if (iterations > kMaxBlockChainIterations)
    return false;
  std::optional<int64_t> work = getBodyWork(*loop.getBody());
  return work &&
         (iterations <= blockSize || iterations * *work <= kMaxBlockChainWork);
}

/// Replaces the loops of `run` (consecutive in their block, with only
/// side-effect-free ops, allocations and deallocations in between, and
/// what they capture available before the first) by one loop over the
/// threads of one block, mapped onto `thread x`: each thread runs every
/// `threads`-th iteration of each loop in turn, and a block-wide barrier
/// between two loops makes the one's writes visible to the other. The
/// barrier is `nvvm.barrier0`, what `gpu.barrier` becomes: with the memory
/// effects that registerGpuSynchronizationMemoryEffects gives `gpu.barrier`,
/// `convert-parallel-loops-to-gpu` leaves a loop that holds one unconverted.
static void fuseIntoOneBlock(ArrayRef<scf::ParallelOp> run) {
  int64_t iterations = 0;
  for (scf::ParallelOp loop : run)
    iterations =
        std::max(iterations, llvm::product_of(*getStaticExtents(loop)));
  int64_t threads =
      std::min<int64_t>(kMaxThreadsPerBlock, llvm::alignTo(iterations, 32));
  scf::ParallelOp first = run.front();
  Location loc = first.getLoc();
  MLIRContext *ctx = first.getContext();
  OpBuilder before(first);
  DenseMap<int64_t, Value> constants;
  auto constant = [&](int64_t value) -> Value {
    Value &result = constants[value];
    if (!result)
      result = arith::ConstantIndexOp::create(before, loc, value);
    return result;
  };
  Value zero = constant(0), one = constant(1), step = constant(threads);
  auto block = scf::ParallelOp::create(before, loc, ValueRange{zero},
                                       ValueRange{step}, ValueRange{one});
  AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
  (void)gpu::setMappingAttr(block, gpu::ParallelLoopDimMappingAttr::get(
                                       ctx, gpu::Processor::ThreadX, id, id));
  before.setInsertionPoint(block); // `first` goes
  OpBuilder b(block.getBody()->getTerminator());
  Value thread = block.getInductionVars().front();
  for (auto [index, runLoop] : llvm::enumerate(run)) {
    scf::ParallelOp loop = runLoop;
    SmallVector<int64_t> extents = *getStaticExtents(loop);
    b.setInsertionPoint(block.getBody()->getTerminator());
    Value count = constant(llvm::product_of(extents));
    if (index != 0)
      NVVM::Barrier0Op::create(b, loc);
    auto strided = scf::ForOp::create(b, loc, thread, count, step);
    b.setInsertionPoint(strided.getBody()->getTerminator());
    SmallVector<Value> ivs(extents.size());
    Value rest = strided.getInductionVar();
    for (int64_t dim = extents.size() - 1; dim > 0; --dim) {
      Value extent = constant(extents[dim]);
      ivs[dim] = arith::RemUIOp::create(b, loc, rest, extent);
      rest = arith::DivUIOp::create(b, loc, rest, extent);
    }
    ivs.front() = rest;
    IRMapping mapping;
    mapping.map(loop.getInductionVars(), ivs);
    for (Operation &op : loop.getBody()->without_terminator())
      b.clone(op, mapping);
    loop->erase();
  }
}

/// fuseSmallLoopsIntoOneBlock on one block.
static int64_t fuseSmallLoopChains(Block &block, int64_t blockSize) {
  SmallVector<SmallVector<scf::ParallelOp>> runs(1);
  auto endRun = [&] {
    if (!runs.back().empty())
      runs.emplace_back();
  };
  for (Operation &op : block) {
    auto loop = dyn_cast<scf::ParallelOp>(&op);
    if (loop && isSmallLoop(loop, blockSize)) {
      if (!runs.back().empty() &&
          !hoistCapturesAbove(loop, runs.back().front()))
        endRun();
      runs.back().push_back(loop);
    } else if (loop || (!isFusionNeighbour(&op) &&
                        !isa<memref::AllocOp, memref::DeallocOp>(&op))) {
      endRun();
    }
  }
  int64_t fused = 0;
  for (ArrayRef<scf::ParallelOp> run : runs) {
    if (run.size() < 2)
      continue;
    fuseIntoOneBlock(run);
    fused += run.size() - 1;
  }
  return fused;
}

int64_t uniform::fuseSmallLoopsIntoOneBlock(Region &region, int64_t blockSize) {
  int64_t fused = 0;
  for (Block &block : region)
    fused += fuseSmallLoopChains(block, blockSize);
  return fused;
}
