//===- GpuPasses.cpp - Passes of the GPU pipeline -------------------------===//
//
// `uniform-gpu-require-static-shapes` rejects dynamic signatures;
// `uniform-gpu-map-parallel-loops` maps bufferized loop nests onto blocks and
// threads; `uniform-gpu-device-memory` moves the host functions' buffers to
// device memory.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "PipelineParts.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <numeric>

namespace uniform {
#define GEN_PASS_DEF_GPUREQUIRESTATICSHAPES
#define GEN_PASS_DEF_GPUMAPPARALLELLOOPS
#define GEN_PASS_DEF_GPUDEVICEMEMORY
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;
using uniform::detail::isContiguous;

bool uniform::detail::isContiguous(MemRefType type) {
  if (type.getLayout().isIdentity())
    return true;
  int64_t offset;
  SmallVector<int64_t> strides;
  return memref::isStaticShapeAndContiguousRowMajor(type) &&
         succeeded(type.getStridesAndOffset(strides, offset)) && offset == 0;
}

/// Whether `op` or an op nested in it reads or writes a buffer.
static bool touchesBuffers(Operation *root) {
  WalkResult result = root->walk([](Operation *op) {
    auto effects = dyn_cast<MemoryEffectOpInterface>(op);
    if (!effects)
      return WalkResult::advance();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &instance : instances) {
      if (!isa<MemoryEffects::Read, MemoryEffects::Write>(instance.getEffect()))
        continue;
      Value value = instance.getValue();
      if (!value || isa<MemRefType>(value.getType()))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

namespace {
struct GpuMapParallelLoopsPass
    : public uniform::impl::GpuMapParallelLoopsBase<GpuMapParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    func::FuncOp func = getOperation();
    if (blockSize <= 0 || blockSize > 1024) {
      func.emitError("uniform-gpu-map-parallel-loops: block-size must be in "
                     "[1, 1024], got ")
          << static_cast<int64_t>(blockSize);
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    IRRewriter rewriter(ctx);

    // Copies of rank 0 or between contiguous buffers become gpu.memcpy
    // later; the others become loops here.
    SmallVector<memref::CopyOp> stridedCopies;
    func.walk([&](memref::CopyOp copy) {
      if (!copy->getParentOfType<gpu::LaunchOp>() &&
          (!isContiguous(cast<MemRefType>(copy.getSource().getType())) ||
           !isContiguous(cast<MemRefType>(copy.getTarget().getType()))))
        stridedCopies.push_back(copy);
    });
    for (memref::CopyOp copy : stridedCopies)
      uniform::detail::replaceCopyWithParallelLoop(
          rewriter, copy, copy.getSource(), copy.getTarget());

    // Serial loop nests that touch buffers run on one thread of the device.
    SmallVector<scf::ForOp> serialNests;
    for (Block &block : func.getBody())
      for (auto forOp : block.getOps<scf::ForOp>())
        if (forOp.getNumResults() == 0 && touchesBuffers(forOp))
          serialNests.push_back(forOp);
    for (scf::ForOp forOp : serialNests) {
      rewriter.setInsertionPoint(forOp);
      Location loc = forOp.getLoc();
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      auto single = scf::ParallelOp::create(rewriter, loc, ValueRange{zero},
                                            ValueRange{one}, ValueRange{one});
      rewriter.moveOpBefore(forOp, single.getBody()->getTerminator());
    }

    SmallVector<scf::ParallelOp> roots;
    func.walk([&](scf::ParallelOp loop) {
      if (!loop->getParentOfType<scf::ParallelOp>() &&
          !loop->getParentOfType<gpu::LaunchOp>() &&
          !loop->hasAttr(gpu::getMappingAttrName()))
        roots.push_back(loop);
    });
    // One dimension per nest.
    SmallVector<scf::ParallelOp> collapsed;
    for (scf::ParallelOp loop : roots) {
      if (!loop.getInitVals().empty()) {
        loop.emitError("uniform-gpu-map-parallel-loops: parallel loops with "
                       "reductions are not supported");
        return signalPassFailure();
      }
      if (loop.getNumLoops() > 1) {
        // collapseParallelLoops replaces the loop: find its successor by
        // position.
        Operation *next = loop->getNextNode();
        std::vector<unsigned> all(loop.getNumLoops());
        std::iota(all.begin(), all.end(), 0u);
        rewriter.setInsertionPoint(loop);
        collapseParallelLoops(rewriter, loop, {all});
        loop = cast<scf::ParallelOp>(next->getPrevNode());
      }
      collapsed.push_back(loop);
    }
    // Fold the bound arithmetic that collapsing emits, so that static trip
    // counts are visible (no patterns: loops keep their structure).
    foldFunction(func);

    for (scf::ParallelOp loop : collapsed) {
      // Loops shorter than a block get a block of their own size.
      int64_t tileSize = blockSize;
      std::optional<int64_t> lb = getConstantIntValue(loop.getLowerBound()[0]);
      std::optional<int64_t> ub = getConstantIntValue(loop.getUpperBound()[0]);
      std::optional<int64_t> step = getConstantIntValue(loop.getStep()[0]);
      if (lb && ub && step && *step > 0 && *ub > *lb)
        tileSize = std::min<int64_t>(tileSize,
                                     llvm::divideCeilSigned(*ub - *lb, *step));
      auto [outer, inner] =
          scf::tileParallelLoop(loop, {tileSize}, /*noMinMaxBounds=*/true);
      AffineMap id = AffineMap::getMultiDimIdentityMap(1, ctx);
      auto mapping = [&](gpu::Processor processor) {
        return gpu::ParallelLoopDimMappingAttr::get(ctx, processor, id, id);
      };
      if (failed(gpu::setMappingAttr(outer, mapping(gpu::Processor::BlockX))) ||
          failed(gpu::setMappingAttr(inner, mapping(gpu::Processor::ThreadX))))
        return signalPassFailure();
    }
    foldFunction(func);
  }

  /// Folds constants and erases dead ops without any rewrite pattern.
  static void foldFunction(func::FuncOp func) {
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    // Not converging is harmless: the fold is only cosmetic for tiling.
    (void)applyPatternsGreedily(func, FrozenRewritePatternSet(), config);
  }
};

/// Whether an op other than `fill` may write `buffer` or a view of it: one
/// with a write effect on it or on unknown memory, or one without known
/// effects that is not a view or a return.
static bool mayBeWritten(Value buffer, Operation *fill) {
  SmallVector<Value> worklist = {buffer};
  while (!worklist.empty()) {
    Value value = worklist.pop_back_val();
    for (Operation *user : value.getUsers()) {
      if (user == fill || isa<func::ReturnOp>(user))
        continue;
      if (auto view = dyn_cast<ViewLikeOpInterface>(user);
          view && view.getViewSource() == value) {
        llvm::append_range(worklist, user->getResults());
        continue;
      }
      auto effects = dyn_cast<MemoryEffectOpInterface>(user);
      if (!effects)
        return true;
      SmallVector<MemoryEffects::EffectInstance> instances;
      effects.getEffects(instances);
      for (const MemoryEffects::EffectInstance &e : instances)
        if (isa<MemoryEffects::Write>(e.getEffect()) &&
            (!e.getValue() || e.getValue() == value))
          return true;
    }
  }
  return false;
}

/// A device buffer of `source`'s type, with `source` copied into it.
static gpu::MemcpyOp copyToNewDeviceBuffer(RewriterBase &rewriter, Location loc,
                                           Value source) {
  auto type = cast<MemRefType>(source.getType());
  auto device = gpu::AllocOp::create(rewriter, loc, type, /*asyncToken=*/Type(),
                                     ValueRange(), ValueRange(), ValueRange(),
                                     /*hostShared=*/false);
  return gpu::MemcpyOp::create(rewriter, loc, /*asyncToken=*/Type(),
                               ValueRange(), device.getMemref(), source);
}

/// Kernels cannot read host memory (a GPU without HMM, such as Orin's, faults
/// on it): gives the kernels a device copy of a constant `memref.global`,
/// made where the host reads the global and freed before each return of
/// `func`. No kernel writes that copy, which uniform-gpu-resident-constants
/// then keeps from call to call: where one may, it gets a copy of its own.
/// Mutable globals would need their writes copied back: refused.
static LogicalResult copyGlobalToDevice(RewriterBase &rewriter,
                                        memref::GetGlobalOp get,
                                        func::FuncOp func) {
  auto global = SymbolTable::lookupNearestSymbolFrom<memref::GlobalOp>(
      get, get.getNameAttr());
  MemRefType type = get.getType();
  if (!global || !global.getConstant() || !isContiguous(type))
    return get.emitError("uniform-gpu-device-memory: kernels can only use "
                         "constant, contiguous memref.globals (copied to "
                         "device memory)");
  Location loc = get.getLoc();
  rewriter.setInsertionPointAfter(get);
  SmallVector<Value> buffers;
  gpu::MemcpyOp copy = copyToNewDeviceBuffer(rewriter, loc, get);
  Value device = copy.getDst();
  buffers.push_back(device);
  rewriter.replaceUsesWithIf(
      get, device, [&](OpOperand &use) { return use.getOwner() != copy; });
  if (mayBeWritten(device, copy)) {
    gpu::MemcpyOp own = copyToNewDeviceBuffer(rewriter, loc, device);
    rewriter.replaceUsesWithIf(device, own.getDst(), [&](OpOperand &use) {
      return use.getOwner() != copy && use.getOwner() != own;
    });
    buffers.push_back(own.getDst());
  }
  for (Value buffer : buffers) {
    if (llvm::any_of(buffer.getUsers(), llvm::IsaPred<func::ReturnOp>))
      continue; // the caller owns it now
    func.walk([&](func::ReturnOp ret) {
      rewriter.setInsertionPoint(ret);
      gpu::DeallocOp::create(rewriter, loc, /*asyncToken=*/Type(), ValueRange(),
                             buffer);
    });
  }
  return success();
}

struct GpuRequireStaticShapesPass
    : public uniform::impl::GpuRequireStaticShapesBase<
          GpuRequireStaticShapesPass> {
  void runOnOperation() override {
    auto isDynamic = [](Type type) {
      auto shaped = dyn_cast<ShapedType>(type);
      return shaped && !shaped.hasStaticShape();
    };
    WalkResult result = getOperation().walk([&](func::FuncOp func) {
      if (func.isExternal())
        return WalkResult::advance();
      FunctionType type = func.getFunctionType();
      for (auto [what, types] : {std::make_pair("argument", type.getInputs()),
                                 std::make_pair("result", type.getResults())})
        for (auto [i, t] : llvm::enumerate(types)) {
          if (!isDynamic(t))
            continue;
          func.emitError("uniform-gpu-pipeline needs static shapes: ")
              << what << " #" << i << " of @" << func.getSymName()
              << " has type " << t
              << "; give the model's dynamic dimensions extents (an ONNX "
                 "model: import it with --onnx-input-shape=NAME=DxDx..., "
                 "which uniform-compile takes too)";
          return WalkResult::interrupt();
        }
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
      signalPassFailure();
  }
};

struct GpuDeviceMemoryPass
    : public uniform::impl::GpuDeviceMemoryBase<GpuDeviceMemoryPass> {
  void runOnOperation() override {
    func::FuncOp func = getOperation();
    IRRewriter rewriter(&getContext());
    SmallVector<Operation *> ops;
    func.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      ops.push_back(op);
      return WalkResult::advance();
    });
    for (Operation *op : ops) {
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        auto device = gpu::AllocOp::create(
            rewriter, loc, alloc.getType(), /*asyncToken=*/Type(),
            /*asyncDependencies=*/ValueRange(), alloc.getDynamicSizes(),
            alloc.getSymbolOperands(), /*hostShared=*/false);
        rewriter.replaceOp(alloc, device.getMemref());
        continue;
      }
      if (auto get = dyn_cast<memref::GetGlobalOp>(op)) {
        if (failed(copyGlobalToDevice(rewriter, get, func)))
          return signalPassFailure();
        continue;
      }
      if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        gpu::DeallocOp::create(rewriter, loc, /*asyncToken=*/Type(),
                               ValueRange(), dealloc.getMemref());
        rewriter.eraseOp(dealloc);
        continue;
      }
      if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        if (!isContiguous(cast<MemRefType>(copy.getSource().getType())) ||
            !isContiguous(cast<MemRefType>(copy.getTarget().getType()))) {
          copy.emitError("uniform-gpu-device-memory: a copy between "
                         "non-contiguous buffers must be mapped to threads "
                         "first (uniform-gpu-map-parallel-loops)");
          return signalPassFailure();
        }
        gpu::MemcpyOp::create(rewriter, loc, /*asyncToken=*/Type(),
                              ValueRange(), copy.getTarget(), copy.getSource());
        rewriter.eraseOp(copy);
        continue;
      }
      if (op->getNumRegions() == 0 && !isa<gpu::GPUDialect>(op->getDialect()) &&
          touchesBuffers(op)) {
        op->emitError("uniform-gpu-device-memory: '")
            << op->getName()
            << "' would access device memory from the host; only code "
               "inside gpu.launch may read or write buffers";
        return signalPassFailure();
      }
    }
  }
};
} // namespace
