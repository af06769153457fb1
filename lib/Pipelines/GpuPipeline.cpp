//===- GpuPipeline.cpp - uniform-gpu-pipeline -----------------------------===//
//
// Graph-level IR to host code plus a GPU binary for NVIDIA GPUs: reuse,
// attention and TOSA lowering, one-shot bufferization, every loop nest mapped
// onto blocks and threads, host buffers in device memory, and MLIR's NVVM
// lowering with serialization by ptxas.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"
#include "uniform/Pipelines/Pipelines.h"

#include "PipelineParts.h"

#include "uniform/Conversion/AttnToNVGPU.h"
#include "uniform/Conversion/Passes.h"
#include "uniform/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Utils.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace mlir;

/// The CUDA toolkit gives libdevice (math functions such as __nv_expf, also
/// for PTX output) and ptxas. An explicit `toolkit=` wins; then MLIR's own
/// search ($CUDA_ROOT, $CUDA_HOME, $CUDA_PATH); then the default install
/// location.
std::string uniform::findCudaToolkit(StringRef requested) {
  if (!requested.empty() || !NVVM::getCUDAToolkitPath().empty())
    return requested.str();
  const char *defaultPath = "/usr/local/cuda";
  if (llvm::sys::fs::exists(llvm::Twine(defaultPath) +
                            "/nvvm/libdevice/libdevice.10.bc"))
    return defaultPath;
  return "";
}

std::optional<std::string> uniform::cudaToolkitVersion(StringRef path) {
  llvm::SmallString<256> header(path.empty() ? NVVM::getCUDAToolkitPath()
                                             : path);
  llvm::sys::path::append(header, "include", "cuda.h");
  auto text = llvm::MemoryBuffer::getFile(header);
  if (!text)
    return std::nullopt;
  StringRef rest = (*text)->getBuffer();
  size_t at = rest.find("#define CUDA_VERSION ");
  if (at == StringRef::npos)
    return std::nullopt;
  unsigned version = 0;
  if (rest.drop_front(at + 21)
          .take_while(llvm::isDigit)
          .getAsInteger(10, version))
    return std::nullopt;
  return std::to_string(version / 1000) + "." +
         std::to_string(version % 1000 / 10);
}

/// 87 for "sm_87"; nothing for a chip name of another form.
static std::optional<unsigned> smVersion(StringRef chip) {
  unsigned version = 0;
  if (!chip.consume_front("sm_") ||
      chip.take_while(llvm::isDigit).getAsInteger(10, version))
    return std::nullopt;
  return version;
}

/// Whether attention gets the fused tensor-core kernels: precision=f16, or
/// precision=auto on sm_80 and newer.
static bool useTensorCores(const uniform::GpuPipelineOptions &options) {
  return options.precision == uniform::AttentionPrecision::F16 ||
         (options.precision == uniform::AttentionPrecision::Auto &&
          smVersion(options.chip).value_or(0) >= 80);
}

llvm::StringRef uniform::stringifyGpuBinaryFormat(GpuBinaryFormat format) {
  switch (format) {
  case GpuBinaryFormat::Llvm:
    return "llvm";
  case GpuBinaryFormat::Isa:
    return "isa";
  case GpuBinaryFormat::Bin:
    return "bin";
  case GpuBinaryFormat::Fatbin:
    return "fatbin";
  }
  llvm_unreachable("unknown GpuBinaryFormat");
}

llvm::StringRef
uniform::stringifyAttentionPrecision(AttentionPrecision precision) {
  switch (precision) {
  case AttentionPrecision::Auto:
    return "auto";
  case AttentionPrecision::F32:
    return "f32";
  case AttentionPrecision::F16:
    return "f16";
  }
  llvm_unreachable("unknown AttentionPrecision");
}

llvm::StringRef uniform::stringifyMatmulPrecision(MatmulPrecision precision) {
  switch (precision) {
  case MatmulPrecision::F32:
    return "f32";
  case MatmulPrecision::F16:
    return "f16";
  case MatmulPrecision::BF16:
    return "bf16";
  }
  llvm_unreachable("unknown MatmulPrecision");
}

LogicalResult uniform::verifyGpuPipelineOptions(
    const GpuPipelineOptions &options,
    llvm::function_ref<void(const llvm::Twine &)> emitError) {
  // format and precision are enums: the option parser rejects unknown
  // values.
  if (options.precision == AttentionPrecision::F16 &&
      smVersion(options.chip).value_or(0) < 80) {
    emitError("uniform-gpu-pipeline: precision=f16 needs the tensor cores of "
              "sm_80 or newer (chip=" +
              options.chip + "); use precision=f32");
    return failure();
  }
  if (options.matmulPrecision != MatmulPrecision::F32 &&
      smVersion(options.chip).value_or(0) < 80) {
    emitError("uniform-gpu-pipeline: matmul-precision=" +
              stringifyMatmulPrecision(options.matmulPrecision) +
              " needs the tensor cores of sm_80 or newer (chip=" +
              options.chip + "); use matmul-precision=f32");
    return failure();
  }
  if (failed(FusedAttentionTiles::parse(
          options.attentionTiles, [&](const llvm::Twine &message) {
            emitError("uniform-gpu-pipeline: " + message);
          })))
    return failure();
  if (options.blockSize < 1 || options.blockSize > 1024) {
    emitError("uniform-gpu-pipeline: block-size must be in [1, 1024], got " +
              llvm::Twine(static_cast<int64_t>(options.blockSize)));
    return failure();
  }
  if (options.maxRegisters != 0 &&
      (options.maxRegisters < 16 || options.maxRegisters > 255)) {
    emitError("uniform-gpu-pipeline: max-registers must be 0 or in [16, "
              "255], got " +
              llvm::Twine(static_cast<int64_t>(options.maxRegisters)));
    return failure();
  }
  return success();
}

void uniform::buildGpuPipeline(OpPassManager &pm,
                               const GpuPipelineOptions &options) {
  pm.addPass(createGpuRequireStaticShapes());
  // Graph level and bufferization, as on the CPU.
  std::optional<std::string> fusedAttentionTiles;
  if (useTensorCores(options))
    fusedAttentionTiles = options.attentionTiles;
  detail::addGraphToLinalgPasses(pm, options.reuseHeads, options.strategy,
                                 options.tileM, fusedAttentionTiles);
  // Constant filters and weights in the order a warp's threads read them.
  pm.nest<func::FuncOp>().addPass(createGpuCoalesceConstants());
  // Fewer loop nests, so fewer kernels and intermediate buffers.
  // No CSE from here to bufferization: it would merge the fills that
  // uniform-gpu-fuse-linalg gives each of their users.
  if (options.fuseKernels) {
    pm.nest<func::FuncOp>().addPass(createGpuFuseLinalg());
    pm.addPass(createCanonicalizerPass());
  }
  // Products on the tensor cores, with the elementwise ops fused around
  // them.
  if (options.matmulPrecision != MatmulPrecision::F32) {
    GpuTensorCoreContractionsOptions contractionOptions;
    contractionOptions.operands =
        stringifyMatmulPrecision(options.matmulPrecision).str();
    pm.addPass(createGpuTensorCoreContractions(contractionOptions));
  }
  if (options.fuseKernels)
    pm.addPass(bufferization::createEmptyTensorEliminationPass());
  detail::addBufferizationPasses(pm);
  // The tensor-core kernels store their results where bufferization would
  // copy them.
  pm.nest<func::FuncOp>().addPass(createGpuForwardKernelStores());

  // Every loop nest becomes a kernel; the host keeps allocation, copies and
  // launches, on device memory.
  OpPassManager &kernelPm = pm.nest<func::FuncOp>();
  kernelPm.addPass(createConvertLinalgToParallelLoopsPass());
  if (options.fuseKernels) {
    GpuFuseParallelLoopsOptions fuseOptions;
    fuseOptions.blockSize = options.blockSize;
    kernelPm.addPass(createGpuFuseParallelLoops(fuseOptions));
  }
  // Reductions accumulate in registers, not in their output buffer.
  kernelPm.addPass(createGpuRegisterAccumulators());
  // Several outputs of a window per thread, their shared loads made once.
  if (options.registerTileWindows)
    kernelPm.addPass(createGpuRegisterTileWindows());
  // Few outputs with long reductions: adjacent lanes share each sum (a
  // module pass: it adds transposed copies of constant globals).
  if (options.splitReductions)
    pm.addPass(createGpuSplitReductions());
  OpPassManager &mapPm = pm.nest<func::FuncOp>();
  GpuMapParallelLoopsOptions mapOptions;
  mapOptions.blockSize = options.blockSize;
  mapPm.addPass(createGpuMapParallelLoops(mapOptions));
  mapPm.addPass(createConvertParallelLoopToGpuPass());
  mapPm.addPass(createGpuDeviceMemory());
  // A call's intermediate buffers: one allocation, shared where their
  // lifetimes allow.
  if (options.planBuffers)
    mapPm.addPass(createGpuPlanBuffers());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Without the sink pass constants become kernel parameters; without
  // symbol-dce a host copy of a kernel's shared-memory global survives.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createSymbolDCEPass());
  // Repeated blocks make identical kernels: one module each.
  pm.addPass(createGpuDedupeKernels());
  // Kernels named apart, for profilers and kernel timings.
  pm.addPass(createGpuNameKernels());
  // ptxas may give the tensor-core kernels more registers than they need
  // (the fused attention kernels of 6 to 12 column groups took up to 158
  // where 128 suffice).
  if (options.maxRegisters != 0) {
    GpuLimitRegistersOptions limitOptions;
    limitOptions.maxRegisters = options.maxRegisters;
    pm.addPass(createGpuLimitRegisters(limitOptions));
  }
  // The host's allocations, copies and launches become asynchronous ops on
  // one stream: gpu-to-llvm lowers gpu.alloc/memcpy/dealloc only in that
  // form.
  pm.nest<func::FuncOp>().addPass(createGpuAsyncRegionPass());

  // MLIR's gpu-lower-to-nvvm-pipeline, step by step, so that the CUDA
  // toolkit (for ptxas) can be given.
  pm.addPass(createConvertNVGPUToNVVMPass());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createConvertNVVMToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  GpuNVVMAttachTargetOptions targetOptions;
  targetOptions.chip = options.chip;
  targetOptions.features = options.features;
  targetOptions.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(targetOptions));
  pm.addPass(createLowerAffinePass());
  pm.addPass(createArithToLLVMConversionPass());
  ConvertIndexToLLVMPassOptions indexOptions;
  indexOptions.indexBitwidth = 64;
  pm.addPass(createConvertIndexToLLVMPass(indexOptions));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());

  OpPassManager &gpuPm = pm.nest<gpu::GPUModuleOp>();
  ConvertGpuOpsToNVVMOpsOptions nvvmOptions;
  nvvmOptions.indexBitwidth = 64;
  gpuPm.addPass(createConvertGpuOpsToNVVMOps(nvvmOptions));
  gpuPm.addPass(createCanonicalizerPass());
  gpuPm.addPass(createCSEPass());
  gpuPm.addPass(createReconcileUnrealizedCastsPass());

  pm.addPass(createGpuToLLVMConversionPass());
  GpuModuleToBinaryPassOptions binaryOptions;
  binaryOptions.compilationTarget =
      stringifyGpuBinaryFormat(options.format).str();
  binaryOptions.toolkitPath = findCudaToolkit(options.toolkit);
  pm.addPass(createGpuModuleToBinaryPass(binaryOptions));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  // On the final host code: weights copied to the device at the first call
  // only.
  pm.addPass(createGpuResidentConstants());
}
