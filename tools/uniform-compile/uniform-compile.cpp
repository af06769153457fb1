//===- uniform-compile.cpp - Ahead-of-time shared libraries ---------------===//
//
//   uniform-compile model.{mlir,onnx} -o libNAME.so [--target=cpu|cuda]
//       [--chip=sm_87] [--precision=f16] [--host-triple=aarch64-linux-gnu]
//       [--host-cpu=CPU]
//
// Imports an ONNX model (or reads graph-level MLIR), lowers it with
// uniform-cpu-pipeline or uniform-gpu-pipeline, compiles the host code with
// LLVM for the host triple, and links a shared library with the system's
// (cross) C++ driver: for --target=cuda the kernels are embedded as a
// fatbin (cubin for --chip plus PTX) and our CUDA runtime is compiled in, so
// the library needs nothing beyond libc, libm, libstdc++, libgcc_s and, at
// run time, libcuda. `libNAME.h` beside it declares the entry points with
// their memref descriptors. Outputs appear only when everything succeeded.
//
// A thin tool over uniform/Compiler/CompileLibrary.h.
//
//===----------------------------------------------------------------------===//

#include "uniform/Compiler/CompileLibrary.h"
#include "uniform/Support/Diagnostics.h"
#include "uniform/Support/Version.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/Timing.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"

using namespace mlir;
namespace cl = llvm::cl;

/// The options --help lists: the tool's own (LLVM's backend flags are
/// hidden; --help-hidden shows them).
static cl::OptionCategory toolOptions("uniform-compile options");

static cl::opt<std::string> inputFilename(cl::cat(toolOptions), cl::Positional,
                                          cl::desc("<graph-level .mlir>"),
                                          cl::Required);
static cl::opt<std::string> outputFilename(cl::cat(toolOptions), "o",
                                           cl::desc("Output libNAME.so"),
                                           cl::value_desc("file"),
                                           cl::Required);
static cl::opt<std::string>
    targetKind(cl::cat(toolOptions), "target",
               cl::desc("Where the model runs: cpu or cuda"), cl::init("cpu"));
static cl::opt<std::string>
    chip(cl::cat(toolOptions), "chip",
         cl::desc("GPU for --target=cuda (sm_87: Jetson Orin)"),
         cl::init("sm_87"));
static cl::opt<std::string>
    hostTriple(cl::cat(toolOptions), "host-triple",
               cl::desc("Triple of the host code (default: this machine; "
                        "aarch64-linux-gnu for Jetson)"),
               cl::init(""));
static cl::opt<std::string>
    hostCpu(cl::cat(toolOptions), "host-cpu",
            cl::desc("CPU the host code is tuned for: an LLVM CPU name, or "
                     "native for this machine's (default: generic)"),
            cl::init("generic"));
static cl::opt<std::string>
    compilerDriver(cl::cat(toolOptions), "cxx",
                   cl::desc("C++ driver that links the library (default: "
                            "g++, or TRIPLE-g++ for another triple)"),
                   cl::init(""));
static cl::opt<uniform::AttentionPrecision>
    precision(cl::cat(toolOptions), "precision",
              cl::desc("Attention math for --target=cuda"),
              cl::init(uniform::AttentionPrecision::Auto),
              cl::values(clEnumValN(uniform::AttentionPrecision::Auto, "auto",
                                    "f16 on sm_80 and newer (default)"),
                         clEnumValN(uniform::AttentionPrecision::F16, "f16",
                                    "fused tensor-core kernels"),
                         clEnumValN(uniform::AttentionPrecision::F32, "f32",
                                    "SIMT kernels")));
static cl::opt<uniform::MatmulPrecision> matmulPrecision(
    cl::cat(toolOptions), "matmul-precision",
    cl::desc("For --target=cuda: matmul and 1x1 convolution math"),
    cl::init(uniform::MatmulPrecision::F32),
    cl::values(clEnumValN(uniform::MatmulPrecision::F32, "f32",
                          "SIMT kernels (default)"),
               clEnumValN(uniform::MatmulPrecision::F16, "f16",
                          "tensor-core kernels with the elementwise ops "
                          "around them (f16 inputs, f32 sums)"),
               clEnumValN(uniform::MatmulPrecision::BF16, "bf16",
                          "the same with bf16 inputs (f32's range)")));
static cl::opt<std::string> attentionTiles(
    cl::cat(toolOptions), "attention-tiles",
    cl::desc("For --target=cuda: tile shapes of the fused attention kernels, "
             "as uniform-gpu-pipeline's attention-tiles (bench/gpu/tune.py's "
             "choice for a shape, e.g. stream-groups=1,stream-keys=64)"),
    cl::value_desc("key=value,..."), cl::init(""));
static cl::opt<bool> splitReductions(
    cl::cat(toolOptions), "split-reductions",
    cl::desc("For --target=cuda: share each long reduction of a kernel with "
             "few outputs among adjacent lanes (uniform-gpu-pipeline's "
             "split-reductions; off by default until measured on a GPU)"),
    cl::init(false));
static cl::opt<bool> registerTileWindows(
    cl::cat(toolOptions), "register-tile-windows",
    cl::desc("For --target=cuda: give each thread of a convolution's or "
             "pooling's loops several outputs along a window dimension "
             "(uniform-gpu-pipeline's register-tile-windows; on by default, "
             "=false to compare on a GPU)"),
    cl::init(true));
static cl::opt<std::string> ptxIsa(
    cl::cat(toolOptions), "ptx-isa",
    cl::desc("For --target=cuda: the PTX ISA version of the embedded PTX "
             "(default 8.0). A driver JIT-compiles PTX only up to its own "
             "CUDA version's ISA"),
    cl::value_desc("X.Y"), cl::init(""));
static cl::opt<unsigned> jetpack(
    cl::cat(toolOptions), "jetpack",
    cl::desc("For --target=cuda: PTX that the drivers of JetPack 5 (CUDA "
             "11.4, PTX ISA 7.4) or JetPack 6 (CUDA 12.2, PTX ISA 8.2) can "
             "JIT-compile; the same as that --ptx-isa"),
    cl::value_desc("5|6"), cl::init(0));
static cl::opt<std::string>
    toolkit(cl::cat(toolOptions), "toolkit",
            cl::desc("CUDA toolkit for libdevice and ptxas (see "
                     "uniform-gpu-pipeline)"),
            cl::init(""));
static cl::list<std::string> onnxInputShapes(
    cl::cat(toolOptions), "onnx-input-shape",
    cl::desc("For an .onnx input: give a graph input a static shape, as "
             "NAME=DxDx... (repeatable; for dynamic-batch exports)"),
    cl::value_desc("NAME=DxDx..."));

static uniform::CompileOptions
getCompileOptions(uniform::CompileTarget target) {
  uniform::CompileOptions options;
  options.target = target;
  options.chip = chip;
  options.hostTriple = hostTriple;
  options.hostCpu = hostCpu;
  options.cxx = compilerDriver;
  options.precision = precision;
  options.attentionTiles = attentionTiles;
  options.splitReductions = splitReductions;
  options.registerTileWindows = registerTileWindows;
  options.matmulPrecision = matmulPrecision;
  options.ptxIsa = ptxIsa;
  options.jetpack = jetpack;
  options.toolkit = toolkit;
  options.onnxInputShapes.assign(onnxInputShapes.begin(),
                                 onnxInputShapes.end());
  options.configurePassManager = [](PassManager &pm) {
    return applyPassManagerCLOptions(pm);
  };
  return options;
}

int main(int argc, char **argv) {
  llvm::InitLLVM y(argc, argv);
  uniform::registerVersionPrinter("uniform-compile");
  // uniform-opt's pass-manager options (--mlir-pass-pipeline-crash-
  // reproducer, --mlir-timing, ...) apply to the lowering; --help lists
  // only the tool's own options.
  registerPassManagerCLOptions();
  registerMLIRContextCLOptions();
  registerDefaultTimingManagerCLOptions();
  cl::HideUnrelatedOptions(toolOptions);
  cl::ParseCommandLineOptions(
      argc, argv,
      "uniform-compile: graph-level MLIR to a self-contained shared library\n"
      "\nuniform-opt's pass-manager options apply to the lowering too, e.g.\n"
      "--mlir-pass-pipeline-crash-reproducer=FILE (a .mlir reproducer of a\n"
      "failing pass) and --mlir-timing.\n");

  std::optional<uniform::CompileTarget> target =
      uniform::symbolizeCompileTarget(targetKind);
  if (!target)
    return uniform::reportError(
        "uniform-compile",
        llvm::createStringError("unknown --target '" + targetKind +
                                "' (expected cpu or cuda)"));
  // --mlir-timing reports every phase: parsing or import, each pass of the
  // lowering, and LLVM's optimization, code generation and link.
  DefaultTimingManager timing;
  applyDefaultTimingManagerCLOptions(timing);
  TimingScope root = timing.getRootScope();
  if (llvm::Error err = uniform::compileLibrary(
          inputFilename, outputFilename, getCompileOptions(*target), &root))
    return uniform::reportError("uniform-compile", std::move(err));
  return 0;
}
