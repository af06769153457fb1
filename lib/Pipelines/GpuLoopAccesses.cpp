//===- GpuLoopAccesses.cpp - What loop nests and kernels access -----------===//
//
// The dependence test of uniform-gpu-fuse-parallel-loops: the buffers a
// bufferized loop nest, or a kernel built before the loops, reads and
// writes, and when two of them may alias (GpuLoopFusionUtils.h).
//
//===----------------------------------------------------------------------===//

#include "GpuLoopFusionUtils.h"

#include "mlir/Analysis/AliasAnalysis.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;
using namespace uniform::detail;

Value uniform::detail::getBufferRoot(Value memref) {
  while (auto view = memref.getDefiningOp<ViewLikeOpInterface>()) {
    if (view.getViewSource() == memref)
      break;
    memref = view.getViewSource();
  }
  return memref;
}

/// The subview that `memref` is, or reshapes; null if there is none.
static memref::SubViewOp getReshapedSubview(Value memref) {
  while (Operation *def = memref.getDefiningOp()) {
    if (auto subview = dyn_cast<memref::SubViewOp>(def))
      return subview;
    if (!isa<memref::ExpandShapeOp, memref::CollapseShapeOp>(def))
      return nullptr;
    memref = def->getOperand(0);
  }
  return nullptr;
}

/// Whether `a` and `b` view disjoint static boxes of one buffer (two heads'
/// slices of a concatenation).
static bool areDisjointSlices(Value a, Value b) {
  memref::SubViewOp sliceA = getReshapedSubview(a);
  memref::SubViewOp sliceB = getReshapedSubview(b);
  if (!sliceA || !sliceB || sliceA.getSource() != sliceB.getSource() ||
      sliceA.getSourceType().getRank() != sliceB.getSourceType().getRank() ||
      !sliceA.hasUnitStride() || !sliceB.hasUnitStride())
    return false;
  for (int64_t dim = 0, e = sliceA.getSourceType().getRank(); dim < e; ++dim) {
    std::optional<int64_t> offsetA =
        getConstantIntValue(sliceA.getMixedOffsets()[dim]);
    std::optional<int64_t> offsetB =
        getConstantIntValue(sliceB.getMixedOffsets()[dim]);
    std::optional<int64_t> sizeA =
        getConstantIntValue(sliceA.getMixedSizes()[dim]);
    std::optional<int64_t> sizeB =
        getConstantIntValue(sliceB.getMixedSizes()[dim]);
    if (offsetA && offsetB && sizeA && sizeB &&
        (*offsetA + *sizeA <= *offsetB || *offsetB + *sizeB <= *offsetA))
      return true;
  }
  return false;
}

bool uniform::detail::mayAlias(AliasAnalysis &aliasAnalysis, Value a, Value b) {
  Value rootA = getBufferRoot(a), rootB = getBufferRoot(b);
  if (rootA == rootB)
    return !areDisjointSlices(a, b);
  auto isFresh = [](Value root) {
    return root.getDefiningOp<memref::AllocOp>() != nullptr;
  };
  auto isNamed = [](Value root) {
    return isa<BlockArgument>(root) ||
           root.getDefiningOp<memref::GetGlobalOp>() != nullptr;
  };
  if ((isFresh(rootA) && (isFresh(rootB) || isNamed(rootB))) ||
      (isFresh(rootB) && isNamed(rootA)))
    return false;
  auto globalA = rootA.getDefiningOp<memref::GetGlobalOp>();
  auto globalB = rootB.getDefiningOp<memref::GetGlobalOp>();
  if (globalA && globalB && globalA.getName() != globalB.getName())
    return false;
  return !aliasAnalysis.alias(a, b).isNo();
}

/// Workgroup or private memory.
static bool isKernelLocal(Value memref) {
  auto type = dyn_cast<MemRefType>(memref.getType());
  Attribute space = type ? type.getMemorySpace() : Attribute();
  if (gpu::GPUDialect::isWorkgroupMemoryAddressSpace(space))
    return true;
  auto gpuSpace = dyn_cast_or_null<gpu::AddressSpaceAttr>(space);
  return gpuSpace && gpuSpace.getValue() == gpu::AddressSpace::Private;
}

LoopAccesses::LoopAccesses(Operation *root) {
  bool kernel = isa<gpu::LaunchOp>(root);
  root->walk([&](Operation *op) {
    if (auto load = dyn_cast<memref::LoadOp>(op)) {
      if (!kernel || !isKernelLocal(load.getMemRef()))
        loads.push_back({load.getMemRef(), load.getIndices()});
    } else if (auto store = dyn_cast<memref::StoreOp>(op)) {
      if (!kernel || !isKernelLocal(store.getMemRef()))
        stores.push_back({store.getMemRef(), store.getIndices()});
    } else if (kernel)
      addKernelEffects(op);
    else if (!isMemoryEffectFree(op) &&
             !op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      unknown = true;
  });
}

void LoopAccesses::addKernelEffects(Operation *op) {
  if (isa<gpu::BarrierOp>(op) || isMemoryEffectFree(op) ||
      op->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
    return;
  auto interface = dyn_cast<MemoryEffectOpInterface>(op);
  if (!interface) {
    unknown = true;
    return;
  }
  SmallVector<MemoryEffects::EffectInstance> effects;
  interface.getEffects(effects);
  // A read that names no buffer (nvgpu.ldmatrix's) is of the op's memref
  // operands.
  auto memrefOperands = llvm::make_filter_range(
      op->getOperands(), [](Value v) { return isa<MemRefType>(v.getType()); });
  for (const MemoryEffects::EffectInstance &effect : effects) {
    Value memref = effect.getValue();
    if (!memref && isa<MemoryEffects::Read>(effect.getEffect()) &&
        !memrefOperands.empty() && llvm::all_of(memrefOperands, isKernelLocal))
      continue;
    if (!memref || !isa<MemRefType>(memref.getType()) ||
        isa<MemoryEffects::Allocate, MemoryEffects::Free>(effect.getEffect())) {
      unknown = true;
      continue;
    }
    if (isKernelLocal(memref))
      continue;
    if (isa<MemoryEffects::Read>(effect.getEffect()))
      loads.push_back({memref, ValueRange()});
    else
      stores.push_back({memref, ValueRange()});
  }
}

bool uniform::detail::haveConflict(AliasAnalysis &aliasAnalysis,
                                   Operation *earlier, Operation *later) {
  LoopAccesses first(earlier), second(later);
  if (first.unknown || second.unknown)
    return true;
  auto anyAlias = [&](ArrayRef<Access> lhs, ArrayRef<Access> rhs) {
    return llvm::any_of(lhs, [&](const Access &a) {
      return llvm::any_of(rhs, [&](const Access &b) {
        return mayAlias(aliasAnalysis, a.memref, b.memref);
      });
    });
  };
  return anyAlias(second.stores, first.stores) ||
         anyAlias(second.stores, first.loads) ||
         anyAlias(second.loads, first.stores);
}
