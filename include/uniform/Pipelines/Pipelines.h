//===- Pipelines.h - The project's pass pipelines ---------------*- C++ -*-===//
//
// `uniform-cpu-pipeline`: graph-level IR (attn, TOSA, linalg on tensors) to
// the LLVM dialect with C-interface entry points, for `uniform-run` and any
// host that links the result.
// `uniform-gpu-pipeline`: the same input to host code in the LLVM dialect
// plus a `gpu.binary` for NVIDIA GPUs (sm_87, Jetson AGX Orin, by default).
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_PIPELINES_PIPELINES_H
#define UNIFORM_PIPELINES_PIPELINES_H

#include "uniform/Conversion/AttnToLinalg.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

#include <string>

namespace uniform {

/// The kernel binary `uniform-gpu-pipeline` emits.
enum class GpuBinaryFormat {
  /// The kernels' NVVM LLVM IR (for the CUDA emulator).
  Llvm,
  /// PTX text.
  Isa,
  /// A cubin (runs ptxas).
  Bin,
  /// A cubin and its PTX (runs ptxas).
  Fatbin,
};

/// gpu-module-to-binary's name for `format`: llvm, isa, bin or fatbin.
llvm::StringRef stringifyGpuBinaryFormat(GpuBinaryFormat format);

/// The arithmetic of attention in `uniform-gpu-pipeline`.
enum class AttentionPrecision {
  /// f16 on sm_80 and newer, else f32.
  Auto,
  /// SIMT kernels in f32.
  F32,
  /// Fused tensor-core kernels where the shapes allow: f16 inputs, f32
  /// accumulation and softmax (sm_80 and newer).
  F16,
};

/// The option spelling of `precision`: auto, f32 or f16.
llvm::StringRef stringifyAttentionPrecision(AttentionPrecision precision);

/// The arithmetic of matmuls and 1x1 convolutions in `uniform-gpu-pipeline`.
enum class MatmulPrecision {
  /// SIMT loops in f32 (the default).
  F32,
  /// Tensor-core kernels where the shapes allow
  /// (uniform-gpu-tensor-core-contractions): f16 inputs, f32 accumulation
  /// (sm_80 and newer).
  F16,
  /// The same with bf16 inputs: f32's range, 8 significant bits.
  BF16,
};

/// The option spelling of `matmul-precision`: f32, f16 or bf16.
llvm::StringRef stringifyMatmulPrecision(MatmulPrecision precision);

/// The graph-level options both pipelines share.
template <typename Derived>
struct AttentionLoweringOptions : public mlir::PassPipelineOptions<Derived> {
  template <typename T>
  using Option =
      typename mlir::PassPipelineOptions<Derived>::template Option<T>;
  Option<bool> reuseHeads{
      *this, "reuse-heads",
      llvm::cl::desc("Run attn-reuse-heads (exact) before lowering"),
      llvm::cl::init(true)};
  Option<AttentionLoweringStrategy> strategy{
      *this, "strategy", llvm::cl::desc("Attention lowering"),
      llvm::cl::init(AttentionLoweringStrategy::Materialize),
      llvm::cl::values(
          clEnumValN(AttentionLoweringStrategy::Materialize, "materialize",
                     "scores, softmax and value product as whole tensors "
                     "(default)"),
          clEnumValN(AttentionLoweringStrategy::Online, "online",
                     "flash-style loop over key tiles with an online "
                     "softmax"))};
  Option<int64_t> tileM{*this, "tile-m",
                        llvm::cl::desc("Keys per tile of the online strategy"),
                        llvm::cl::init(64)};
};

/// Options of `uniform-cpu-pipeline`.
struct CpuPipelineOptions
    : public AttentionLoweringOptions<CpuPipelineOptions> {
  Option<bool> approximateExp{
      *this, "approximate-exp",
      llvm::cl::desc("Vectorizable polynomial exp instead of libm's expf "
                     "(uniform-cpu-fast-math)"),
      llvm::cl::init(true)};
  Option<bool> approximateErf{
      *this, "approximate-erf",
      llvm::cl::desc("Vectorizable polynomial erf (GELU) instead of libm's "
                     "erff (uniform-cpu-fast-math)"),
      llvm::cl::init(true)};
  Option<bool> reassociateReductions{
      *this, "reassociate-reductions",
      llvm::cl::desc("Let float sum/max reductions be vectorized "
                     "(uniform-cpu-fast-math)"),
      llvm::cl::init(true)};
  Option<bool> vectorizeContractions{
      *this, "vectorize-contractions",
      llvm::cl::desc("Register-tile and vectorize matmuls and other "
                     "contractions (uniform-cpu-vectorize-contractions)"),
      llvm::cl::init(true)};
  Option<bool> vectorizeDepthwiseConvs{
      *this, "vectorize-depthwise-convs",
      llvm::cl::desc("Register-tile and vectorize depthwise convolutions "
                     "(uniform-cpu-vectorize-depthwise-convs)"),
      llvm::cl::init(true)};
  Option<bool> vectorizeTransposes{
      *this, "vectorize-transposes",
      llvm::cl::desc("Tile and vectorize linalg.transpose "
                     "(uniform-cpu-vectorize-transposes)"),
      llvm::cl::init(true)};
  Option<bool> vectorizeElementwise{
      *this, "vectorize-elementwise",
      llvm::cl::desc("Tile and vectorize elementwise linalg.generic ops "
                     "(uniform-cpu-vectorize-elementwise)"),
      llvm::cl::init(true)};
  Option<bool> outlineLoopNests{
      *this, "outline-loop-nests",
      llvm::cl::desc("One function per loop nest, identical ones merged, so "
                     "that LLVM compiles small functions "
                     "(uniform-cpu-outline-loop-nests)"),
      llvm::cl::init(true)};
};

/// Options of `uniform-gpu-pipeline`.
struct GpuPipelineOptions
    : public AttentionLoweringOptions<GpuPipelineOptions> {
  Option<std::string> chip{*this, "chip",
                           llvm::cl::desc("Target GPU (sm_87: Jetson Orin)"),
                           llvm::cl::init("sm_87")};
  Option<std::string> features{*this, "features",
                               llvm::cl::desc("PTX features (PTX ISA version)"),
                               llvm::cl::init("+ptx80")};
  Option<GpuBinaryFormat> format{
      *this, "format", llvm::cl::desc("Kernel binary"),
      llvm::cl::init(GpuBinaryFormat::Fatbin),
      llvm::cl::values(
          clEnumValN(GpuBinaryFormat::Llvm, "llvm",
                     "the kernels' NVVM LLVM IR, for the CUDA emulator"),
          clEnumValN(GpuBinaryFormat::Isa, "isa", "PTX text"),
          clEnumValN(GpuBinaryFormat::Bin, "bin", "cubin (runs ptxas)"),
          clEnumValN(GpuBinaryFormat::Fatbin, "fatbin",
                     "cubin and PTX (runs ptxas; default)"))};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit: libdevice for math functions and "
                     "bin/ptxas (default: $CUDA_ROOT, $CUDA_HOME, "
                     "$CUDA_PATH, then /usr/local/cuda; ptxas also from "
                     "$PATH)"),
      llvm::cl::init("")};
  Option<int> optLevel{*this, "opt-level",
                       llvm::cl::desc("LLVM optimization level for kernels"),
                       llvm::cl::init(3)};
  Option<AttentionPrecision> precision{
      *this, "precision", llvm::cl::desc("Attention math"),
      llvm::cl::init(AttentionPrecision::Auto),
      llvm::cl::values(
          clEnumValN(AttentionPrecision::Auto, "auto",
                     "f16 on sm_80 and newer, else f32 (default)"),
          clEnumValN(AttentionPrecision::F32, "f32", "SIMT kernels"),
          clEnumValN(AttentionPrecision::F16, "f16",
                     "fused tensor-core kernels where the shapes allow: f16 "
                     "inputs, f32 accumulation and softmax; sm_80 and "
                     "newer"))};
  Option<MatmulPrecision> matmulPrecision{
      *this, "matmul-precision",
      llvm::cl::desc("Matmul and 1x1 convolution math"),
      llvm::cl::init(MatmulPrecision::F32),
      llvm::cl::values(
          clEnumValN(MatmulPrecision::F32, "f32", "SIMT kernels (default)"),
          clEnumValN(MatmulPrecision::F16, "f16",
                     "tensor-core kernels where the shapes allow, with the "
                     "elementwise ops around them: f16 inputs, f32 "
                     "accumulation; sm_80 and newer"),
          clEnumValN(MatmulPrecision::BF16, "bf16",
                     "the same with bf16 inputs (f32's range, 8 "
                     "significant bits)"))};
  Option<std::string> attentionTiles{
      *this, "attention-tiles",
      llvm::cl::desc("Tile shapes of the fused attention kernels per shape "
                     "class, 'key=value,...' (window-keys, window-warps, "
                     "window-chunk, stream-keys, stream-warps, "
                     "stream-chunk, stream-groups); unnamed "
                     "ones keep their defaults (bench/gpu/tune.py)"),
      llvm::cl::init("")};
  Option<int64_t> blockSize{
      *this, "block-size",
      llvm::cl::desc("Threads per block of the loop-nest kernels"),
      llvm::cl::init(256)};
  Option<int64_t> maxRegisters{
      *this, "max-registers",
      llvm::cl::desc("Registers per thread of the tensor-core kernels, at "
                     "most (uniform-gpu-limit-registers; 16 to 255, 0: "
                     "ptxas's choice)"),
      llvm::cl::init(128)};
  Option<bool> fuseKernels{
      *this, "fuse-kernels",
      llvm::cl::desc("Fuse loop nests before mapping them to kernels "
                     "(uniform-gpu-fuse-linalg and "
                     "uniform-gpu-fuse-parallel-loops); false gives one "
                     "kernel per linalg op"),
      llvm::cl::init(true)};
  Option<bool> splitReductions{
      *this, "split-reductions",
      llvm::cl::desc("Share each long reduction of a kernel with few outputs "
                     "among adjacent lanes of a warp "
                     "(uniform-gpu-split-reductions); off until measured on "
                     "a GPU"),
      llvm::cl::init(false)};
  Option<bool> planBuffers{
      *this, "plan-buffers",
      llvm::cl::desc("Place each host function's intermediate device "
                     "buffers in one allocation per call, sharing memory "
                     "between buffers that are not live at once "
                     "(uniform-gpu-plan-buffers); false gives each its own "
                     "allocation, which the CUDA emulator bounds-checks "
                     "apart"),
      llvm::cl::init(true)};
  Option<bool> registerTileWindows{
      *this, "register-tile-windows",
      llvm::cl::desc("Give each thread of a convolution's or pooling's "
                     "loops several outputs along a window dimension, "
                     "their shared loads made once "
                     "(uniform-gpu-register-tile-windows)"),
      llvm::cl::init(true)};
};

/// Appends the CPU pipeline to `pm` (which must be anchored on a module).
void buildCpuPipeline(mlir::OpPassManager &pm,
                      const CpuPipelineOptions &options);

/// Checks the options of the GPU pipeline (format, block-size,
/// max-registers, ...), reporting the first problem through `emitError`.
mlir::LogicalResult verifyGpuPipelineOptions(
    const GpuPipelineOptions &options,
    llvm::function_ref<void(const llvm::Twine &)> emitError);

/// The CUDA toolkit the GPU pipeline uses for libdevice and ptxas: the
/// requested one (the `toolkit` option), else MLIR's search ($CUDA_ROOT,
/// $CUDA_HOME, $CUDA_PATH), else /usr/local/cuda where it has libdevice.
/// Empty when MLIR's search decides or nothing is found.
std::string findCudaToolkit(llvm::StringRef requested);

/// The CUDA version of the toolkit at `path` ("13.0", from its cuda.h), or
/// std::nullopt.
std::optional<std::string> cudaToolkitVersion(llvm::StringRef path);

/// Appends the GPU pipeline to `pm` (which must be anchored on a module).
/// The options must pass verifyGpuPipelineOptions.
void buildGpuPipeline(mlir::OpPassManager &pm,
                      const GpuPipelineOptions &options);

/// Registers `uniform-cpu-pipeline`, `uniform-gpu-pipeline` and the helper
/// passes it is built from.
void registerPipelines();

} // namespace uniform

#endif // UNIFORM_PIPELINES_PIPELINES_H
