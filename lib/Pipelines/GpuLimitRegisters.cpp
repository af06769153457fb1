//===- GpuLimitRegisters.cpp - A register cap on every kernel -------------===//
//
// `uniform-gpu-limit-registers`: `nvvm.maxnreg` on every outlined fused
// attention kernel, so that ptxas keeps each within the registers per
// thread that let an sm_87 multiprocessor hold several of its blocks (and a
// block of 512 threads launch at all). Other kernels are left alone: under
// `.maxntid` alone ptxas gives them few registers for occupancy (40 for
// most of UniForm-m0's SIMT kernels, 48 to 64 for its tensor-core
// contractions), and takes up to the cap once one is set (92 to 128, and
// some contraction kernels then spilled).
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"

#include "uniform/Conversion/AttnToNVGPU.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

namespace uniform {
#define GEN_PASS_DEF_GPULIMITREGISTERS
#include "uniform/Pipelines/Passes.h.inc"
} // namespace uniform

using namespace mlir;

/// Whether `func` is a fused attention kernel: it issues warp-level matrix
/// products (nvgpu.mma.sync) on the shared tiles convert-attn-to-nvgpu
/// names.
static bool isFusedAttentionKernel(gpu::GPUFuncOp func) {
  bool mma = false, tiles = false;
  func.walk([&](Operation *op) {
    mma |= isa<nvgpu::MmaSyncOp>(op);
    if (auto global = dyn_cast<memref::GetGlobalOp>(op))
      tiles |= global.getName().starts_with(uniform::kFusedAttentionTilePrefix);
  });
  return mma && tiles;
}

int64_t uniform::limitKernelRegisters(ModuleOp module, int64_t maxRegisters) {
  StringRef name = NVVM::NVVMDialect::getMaxnregAttrName();
  int64_t capped = 0;
  for (auto gpuModule : module.getOps<gpu::GPUModuleOp>())
    for (auto func : gpuModule.getOps<gpu::GPUFuncOp>()) {
      if (!func.isKernel() || !isFusedAttentionKernel(func))
        continue;
      if (auto cap = func->getAttrOfType<IntegerAttr>(name);
          cap && cap.getInt() <= maxRegisters)
        continue;
      func->setAttr(name,
                    IntegerAttr::get(IntegerType::get(module.getContext(), 32),
                                     maxRegisters));
      ++capped;
    }
  return capped;
}

namespace {
struct GpuLimitRegistersPass
    : public uniform::impl::GpuLimitRegistersBase<GpuLimitRegistersPass> {
  using Base::Base;
  void runOnOperation() override {
    if (maxRegisters < 16 || maxRegisters > 255) {
      getOperation().emitError("uniform-gpu-limit-registers: max-registers "
                               "must be in [16, 255], got ")
          << static_cast<int64_t>(maxRegisters);
      return signalPassFailure();
    }
    uniform::limitKernelRegisters(getOperation(), maxRegisters);
  }
};
} // namespace
