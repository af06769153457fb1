//===- CpuPipeline.cpp - uniform-cpu-pipeline -----------------------------===//
//
// Graph-level IR to the LLVM dialect: reuse, attention and TOSA lowering,
// one-shot bufferization, loops, and the LLVM conversions.
//
//===----------------------------------------------------------------------===//

#include "uniform/Pipelines/Passes.h"
#include "uniform/Pipelines/Pipelines.h"

#include "PipelineParts.h"

#include "uniform/Conversion/Passes.h"
#include "uniform/Dialect/Attn/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/TosaToLinalg/TosaToLinalg.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/Tosa/Transforms/Passes.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void uniform::detail::addGraphToLinalgPasses(
    OpPassManager &pm, bool reuseHeads, AttentionLoweringStrategy strategy,
    int64_t tileM, std::optional<std::string> fusedAttentionTiles) {
  pm.addPass(createPrepareEntryPoints());

  // Graph level: share attention matrices, then lower attention and TOSA to
  // linalg on tensors.
  // Attention in imported TOSA graphs becomes attn ops first.
  pm.addPass(createAttnRaise());
  pm.addPass(createCanonicalizerPass());
  // Heads raised one by one share their (re-created) Q and K transposes.
  pm.addPass(createCSEPass());
  if (reuseHeads)
    pm.addPass(attn::createAttnReuseHeads());
  // Weight layouts and constant gathers (relative position biases) folded
  // into the constants, and activation transposes that cancel across
  // elementwise ops (the NCHW <-> NHWC pairs that the ONNX import leaves
  // around every convolution) removed.
  // ConvTranspose as convolutions, before the folds take in their weights.
  pm.nest<func::FuncOp>().addPass(createTosaDecomposeTransposeConv());
  pm.nest<func::FuncOp>().addPass(tosa::createTosaLayerwiseConstantFoldPass());
  pm.nest<func::FuncOp>().addPass(createTosaFoldConstants());
  pm.nest<func::FuncOp>().addPass(tosa::createTosaReduceTransposes());
  // What is left of the chains at attention's inputs (NHWC result to NCHW,
  // to [B, C, N], to [B, N, C]) is often only a reshape.
  pm.nest<func::FuncOp>().addPass(attn::createAttnFoldRelayoutChains());
  if (fusedAttentionTiles) {
    ConvertAttnToNVGPUOptions fusedOptions;
    fusedOptions.tiles = *fusedAttentionTiles;
    pm.addPass(createConvertAttnToNVGPU(fusedOptions));
  }
  ConvertAttnToLinalgOptions attnOptions;
  attnOptions.strategy = strategy;
  attnOptions.tileM = tileM;
  pm.addPass(createConvertAttnToLinalg(attnOptions));
  OpPassManager &funcPm = pm.nest<func::FuncOp>();
  funcPm.addPass(tosa::createTosaToLinalgNamed());
  funcPm.addPass(tosa::createTosaToLinalg());
  funcPm.addPass(createTosaToArithPass());
  funcPm.addPass(createTosaToTensorPass());
  funcPm.addPass(createDecomposeAggregatedOps());
  // Elementwise fusion that computes nothing twice (upstream's also fuses
  // through broadcasts, into contractions).
  pm.addPass(createFuseElementwiseOps());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void uniform::detail::addBufferizationPasses(OpPassManager &pm) {
  bufferization::OneShotBufferizePassOptions bufferizeOptions;
  bufferizeOptions.bufferizeFunctionBoundaries = true;
  bufferizeOptions.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferizeOptions));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void uniform::buildCpuPipeline(OpPassManager &pm,
                               const CpuPipelineOptions &options) {
  detail::addGraphToLinalgPasses(pm, options.reuseHeads, options.strategy,
                                 options.tileM);
  // Vectorizable exp and reductions (softmax), before loops exist.
  CpuFastMathOptions fastMathOptions;
  fastMathOptions.approximateExp = options.approximateExp;
  fastMathOptions.approximateErf = options.approximateErf;
  fastMathOptions.reassociateReductions = options.reassociateReductions;
  pm.nest<func::FuncOp>().addPass(createCpuFastMath(fastMathOptions));
  // A dynamic batch as loops around static tiles, which the vectorizers
  // take as they take a static model's.
  pm.nest<func::FuncOp>().addPass(createCpuTileDynamicLoops());
  // Matmuls and the contractions of attention and fully connected layers
  // as register tiles of vector.contract.
  if (options.vectorizeContractions)
    pm.nest<func::FuncOp>().addPass(createCpuVectorizeContractions());
  if (options.vectorizeDepthwiseConvs)
    pm.nest<func::FuncOp>().addPass(createCpuVectorizeDepthwiseConvs());
  if (options.vectorizeTransposes)
    pm.nest<func::FuncOp>().addPass(createCpuVectorizeTransposes());
  if (options.vectorizeElementwise)
    pm.nest<func::FuncOp>().addPass(createCpuVectorizeElementwise());
  pm.addPass(createCanonicalizerPass());
  // Producers (a product's loops) write into the tensor that an
  // insert_slice puts their result in (a pad's interior), not into a buffer
  // of their own that is then copied.
  pm.addPass(bufferization::createEmptyTensorEliminationPass());
  detail::addBufferizationPasses(pm);
  // No memrefCopy calls: libraries must not need the runner utilities.
  pm.nest<func::FuncOp>().addPass(createCpuCopiesToLoops());
  // Accumulators hoisted out of the reduction loops; contractions as FMAs.
  pm.nest<func::FuncOp>().addPass(createCpuLowerVectors());

  // Loops and the LLVM dialect.
  pm.nest<func::FuncOp>().addPass(createConvertLinalgToLoopsPass());
  VectorTransferToSCFOptions transferOptions;
  transferOptions.enableFullUnroll();
  pm.nest<func::FuncOp>().addPass(
      createConvertVectorToSCFPass(transferOptions));
  // LLVM's optimizer and code generator are superlinear in function size:
  // one function per loop nest, each nest of a repeated block once.
  if (options.outlineLoopNests)
    pm.addPass(createCpuOutlineLoopNests());
  // expand-strided-metadata emits affine.apply: lower affine once, after it.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  // Before the arith conversion: lowering vectors creates arith ops.
  ConvertVectorToLLVMPassOptions vectorOptions;
  vectorOptions.vectorContractLowering =
      vector::VectorContractLowering::OuterProduct;
  pm.addPass(createConvertVectorToLLVMPass(vectorOptions));
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  // aligned_alloc instead of malloc plus pointer arithmetic: the aligned
  // pointer keeps the allocation's provenance, so LLVM's alias analysis
  // knows that buffers do not overlap and keeps accumulators in registers
  // (1.8x on UniForm-sized attention).
  FinalizeMemRefToLLVMConversionPassOptions memrefOptions;
  memrefOptions.useAlignedAlloc = true;
  pm.addPass(createFinalizeMemRefToLLVMConversionPass(memrefOptions));
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  if (options.outlineLoopNests)
    pm.addPass(createApplyNoAliasPointers());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void uniform::registerPipelines() {
  registerUniformPipelinePasses();
  PassPipelineRegistration<CpuPipelineOptions>(
      "uniform-cpu-pipeline",
      "Lower graph-level IR (attn, TOSA, linalg on tensors) to the LLVM "
      "dialect for the CPU",
      buildCpuPipeline);
  // Registered by hand rather than with PassPipelineRegistration so that
  // invalid combinations of options (precision=f16 on a chip without
  // tensor cores, attention tiles, block sizes) are an error before any
  // pass runs, as unknown enum values are when the options are parsed.
  registerPassPipeline(
      "uniform-gpu-pipeline",
      "Lower graph-level IR (attn, TOSA, linalg on tensors) to host code and "
      "a GPU binary for NVIDIA GPUs (default sm_87)",
      [](OpPassManager &pm, StringRef optionsStr,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        GpuPipelineOptions options;
        if (failed(options.parseFromString(optionsStr)))
          return failure();
        LogicalResult valid = success();
        if (failed(verifyGpuPipelineOptions(
                options, [&](const Twine &msg) { valid = errorHandler(msg); })))
          return failure();
        buildGpuPipeline(pm, options);
        return valid;
      },
      [](function_ref<void(const mlir::detail::PassOptions &)> optHandler) {
        optHandler(GpuPipelineOptions());
      });
}
