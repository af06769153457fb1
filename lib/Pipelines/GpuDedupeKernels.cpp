//===- GpuDedupeKernels.cpp - One GPU module per distinct kernel ----------===//
//
// `uniform-gpu-dedupe-kernels`: outlining makes a gpu.module per launch, and
// a model that repeats a block (the stages of a UniForm or an EfficientNet)
// repeats identical kernels. Each set of structurally identical modules
// becomes one, and every launch refers to it.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/Hashing.h"

namespace uniform {
#define GEN_PASS_DEF_GPUDEDUPEKERNELS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

namespace {
/// Structural equality of two gpu.modules up to the names of the symbols
/// they define: ops, types, operands (as dataflow), attributes and
/// regions must match, and a reference to a symbol of one module must be a
/// reference to the symbol at the same position in the other.
class ModuleMatcher {
public:
  ModuleMatcher(gpu::GPUModuleOp lhs, gpu::GPUModuleOp rhs) {
    auto symbols = [](gpu::GPUModuleOp module) {
      SmallVector<StringAttr> names;
      for (Operation &op : module.getBody()->without_terminator())
        if (auto name =
                op.getAttrOfType<StringAttr>(SymbolTable::getSymbolAttrName()))
          names.push_back(name);
      return names;
    };
    SmallVector<StringAttr> lhsNames = symbols(lhs), rhsNames = symbols(rhs);
    if (lhsNames.size() != rhsNames.size()) {
      valid = false;
      return;
    }
    for (auto [l, r] : llvm::zip(lhsNames, rhsNames))
      symbolMap[l] = r;
  }

  bool match(gpu::GPUModuleOp lhs, gpu::GPUModuleOp rhs) {
    return valid && matchOp(*lhs, *rhs);
  }

  /// The symbol of the right-hand module that a left-hand one corresponds
  /// to (a kernel function may be named differently in each).
  StringAttr lookup(StringAttr lhsSymbol) const {
    return symbolMap.lookup(lhsSymbol);
  }

private:
  bool matchRegion(Region &lhs, Region &rhs) {
    if (lhs.getBlocks().size() != rhs.getBlocks().size())
      return false;
    for (auto [l, r] : llvm::zip(lhs, rhs)) {
      if (l.getNumArguments() != r.getNumArguments() ||
          l.getOperations().size() != r.getOperations().size())
        return false;
      for (auto [a, b] : llvm::zip(l.getArguments(), r.getArguments())) {
        if (a.getType() != b.getType())
          return false;
        values.map(a, b);
      }
      blocks.map(&l, &r);
    }
    for (auto [l, r] : llvm::zip(lhs, rhs))
      for (auto [a, b] : llvm::zip(l, r))
        if (!matchOp(a, b))
          return false;
    return true;
  }

  bool matchOp(Operation &lhs, Operation &rhs) {
    if (lhs.getName() != rhs.getName() ||
        lhs.getNumOperands() != rhs.getNumOperands() ||
        lhs.getNumSuccessors() != rhs.getNumSuccessors() ||
        lhs.getResultTypes() != rhs.getResultTypes() ||
        lhs.getNumRegions() != rhs.getNumRegions() ||
        !matchAttributes(lhs.getAttrDictionary(), rhs.getAttrDictionary()) ||
        !matchAttribute(lhs.getPropertiesAsAttribute(),
                        rhs.getPropertiesAsAttribute()))
      return false;
    for (auto [a, b] : llvm::zip(lhs.getOperands(), rhs.getOperands()))
      if (values.lookupOrNull(a) != b)
        return false;
    for (auto [a, b] : llvm::zip(lhs.getSuccessors(), rhs.getSuccessors()))
      if (blocks.lookupOrNull(a) != b)
        return false;
    for (auto [a, b] : llvm::zip(lhs.getResults(), rhs.getResults()))
      values.map(a, b);
    for (auto [a, b] : llvm::zip(lhs.getRegions(), rhs.getRegions()))
      if (!matchRegion(a, b))
        return false;
    return true;
  }

  bool matchAttributes(DictionaryAttr lhs, DictionaryAttr rhs) {
    if (lhs.size() != rhs.size())
      return false;
    for (auto [a, b] : llvm::zip(lhs, rhs))
      if (a.getName() != b.getName() ||
          (a.getName() != SymbolTable::getSymbolAttrName() &&
           !matchAttribute(a.getValue(), b.getValue())))
        return false;
    return true;
  }

  /// Equal attributes, or references to corresponding symbols; nested
  /// dictionaries (properties) and arrays are compared element-wise, a
  /// symbol's own name (`sym_name`) not at all.
  bool matchAttribute(Attribute lhs, Attribute rhs) {
    if (lhs == rhs)
      return true;
    if (!lhs || !rhs)
      return false;
    if (auto l = dyn_cast<FlatSymbolRefAttr>(lhs)) {
      auto r = dyn_cast<FlatSymbolRefAttr>(rhs);
      return r && symbolMap.lookup(l.getAttr()) == r.getAttr();
    }
    if (auto l = dyn_cast<DictionaryAttr>(lhs)) {
      auto r = dyn_cast<DictionaryAttr>(rhs);
      return r && matchAttributes(l, r);
    }
    if (auto l = dyn_cast<ArrayAttr>(lhs)) {
      auto r = dyn_cast<ArrayAttr>(rhs);
      return r && l.size() == r.size() &&
             llvm::all_of(llvm::zip(l, r), [&](auto pair) {
               return matchAttribute(std::get<0>(pair), std::get<1>(pair));
             });
    }
    return false;
  }

  bool valid = true;
  llvm::DenseMap<StringAttr, StringAttr> symbolMap;
  IRMapping values, blocks;
};
} // namespace

/// A hash that structurally identical modules share: op names and result
/// types, in order.
static llvm::hash_code hashModule(gpu::GPUModuleOp module) {
  llvm::hash_code hash = llvm::hash_value(0);
  module.walk([&](Operation *op) {
    hash = llvm::hash_combine(hash, op->getName().getAsOpaquePointer(),
                              op->getNumOperands(), op->getNumRegions());
    for (Type type : op->getResultTypes())
      hash = llvm::hash_combine(hash, type.getAsOpaquePointer());
  });
  return hash;
}

int64_t uniform::dedupeGpuKernels(ModuleOp module) {
  // The first module of each structure, and what each duplicate's kernels
  // become.
  llvm::DenseMap<llvm::hash_code, SmallVector<gpu::GPUModuleOp>> buckets;
  llvm::DenseMap<std::pair<StringAttr, StringAttr>, SymbolRefAttr> replacement;
  SmallVector<gpu::GPUModuleOp> duplicates;
  for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
    SmallVector<gpu::GPUModuleOp> &bucket = buckets[hashModule(gpuModule)];
    auto original = llvm::find_if(bucket, [&](gpu::GPUModuleOp candidate) {
      ModuleMatcher matcher(gpuModule, candidate);
      if (!matcher.match(gpuModule, candidate))
        return false;
      for (auto func : gpuModule.getOps<gpu::GPUFuncOp>()) {
        StringAttr name = func.getNameAttr();
        FlatSymbolRefAttr target = FlatSymbolRefAttr::get(matcher.lookup(name));
        replacement[std::make_pair(gpuModule.getSymNameAttr(), name)] =
            SymbolRefAttr::get(candidate.getSymNameAttr(), {target});
      }
      return true;
    });
    if (original == bucket.end())
      bucket.push_back(gpuModule);
    else
      duplicates.push_back(gpuModule);
  }
  module.walk([&](gpu::LaunchFuncOp launch) {
    if (SymbolRefAttr target = replacement.lookup(std::make_pair(
            launch.getKernelModuleName(), launch.getKernelName())))
      launch.setKernelAttr(target);
  });
  for (gpu::GPUModuleOp duplicate : duplicates)
    duplicate->erase();
  return duplicates.size();
}

namespace {
struct GpuDedupeKernelsPass
    : public uniform::impl::GpuDedupeKernelsBase<GpuDedupeKernelsPass> {
  void runOnOperation() override { uniform::dedupeGpuKernels(getOperation()); }
};
} // namespace
