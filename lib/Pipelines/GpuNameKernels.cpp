//===- GpuNameKernels.cpp - Each kernel named after its GPU module --------===//
//
// `uniform-gpu-name-kernels`: outlining names every kernel of a function
// alike (`@torch_jit_kernel_12::@torch_jit_kernel`), and only the modules
// apart. Profilers, CUDA-event kernel timings and `cuModuleGetFunction`
// see the kernel's name alone, so each kernel takes its module's name.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/SymbolTable.h"

namespace uniform {
#define GEN_PASS_DEF_GPUNAMEKERNELS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

/// The module's only kernel, if it has exactly one.
static gpu::GPUFuncOp onlyKernel(gpu::GPUModuleOp gpuModule) {
  gpu::GPUFuncOp kernel;
  for (auto func : gpuModule.getOps<gpu::GPUFuncOp>()) {
    if (!func.isKernel())
      continue;
    if (kernel)
      return {};
    kernel = func;
  }
  return kernel;
}

int64_t uniform::nameKernelsAfterModules(ModuleOp module) {
  int64_t renamed = 0;
  for (auto gpuModule : module.getOps<gpu::GPUModuleOp>()) {
    gpu::GPUFuncOp kernel = onlyKernel(gpuModule);
    StringAttr name = gpuModule.getSymNameAttr();
    if (!kernel || kernel.getNameAttr() == name ||
        SymbolTable::lookupSymbolIn(gpuModule, name))
      continue;
    if (failed(SymbolTable::replaceAllSymbolUses(kernel, name, module)))
      continue;
    SymbolTable::setSymbolName(kernel, name);
    ++renamed;
  }
  return renamed;
}

namespace {
struct GpuNameKernelsPass
    : public uniform::impl::GpuNameKernelsBase<GpuNameKernelsPass> {
  void runOnOperation() override {
    uniform::nameKernelsAfterModules(getOperation());
  }
};
} // namespace
