//===- embed-reuse.cpp - Embedding the Reuse Attention rewrites -----------===//
//
// A user's own tool: it registers only what it needs, runs its own pass
// around `populateTosaToAttnPatterns` and `populateAttnReuseHeadsPatterns`
// (counting what the latter rewrote through
// the options' callback), cleans up with canonicalize and, with --lower,
// appends our CPU pipeline through `buildCpuPipeline`.
//
//   embed-reuse input.mlir [--lower]
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/TosaToAttn.h"
#include "uniform/Dialect/Attn/IR/AttnDialect.h"
#include "uniform/Dialect/Attn/Transforms/Transforms.h"
#include "uniform/InitAll.h"
#include "uniform/Pipelines/Pipelines.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace mlir;

namespace {
/// The user's pass: our reuse patterns in their own greedy rewrite.
struct ShareAttentionPass
    : public PassWrapper<ShareAttentionPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ShareAttentionPass)
  StringRef getArgument() const final { return "share-attention"; }
  // The ops the patterns create: attn (raising, reuse) and tensor reshapes.
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<uniform::attn::AttnDialect, tensor::TensorDialect>();
  }

  void runOnOperation() override {
    uniform::attn::ReuseHeadsOptions options;
    options.onRewrite = [&](uniform::attn::ReuseAttentionOp,
                            const uniform::attn::ReuseRewriteInfo &info) {
      ++rewrites;
      removed += info.matricesRemoved;
    };
    RewritePatternSet patterns(&getContext());
    // Raise attention written in TOSA, then share matrices between heads.
    uniform::populateTosaToAttnPatterns(patterns);
    uniform::attn::populateAttnReuseHeadsPatterns(patterns, options);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }

  int64_t rewrites = 0;
  int64_t removed = 0;
};
} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    llvm::errs() << "usage: embed-reuse input.mlir [--lower]\n";
    return 2;
  }
  bool lower = argc > 2 && std::string(argv[2]) == "--lower";

  DialectRegistry registry;
  uniform::registerAllDialects(registry);
  MLIRContext context(registry);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(argv[1], &context);
  if (!module)
    return 1;

  PassManager pm(&context);
  auto share = std::make_unique<ShareAttentionPass>();
  ShareAttentionPass *sharePtr = share.get();
  pm.addPass(std::move(share));
  pm.addPass(createCanonicalizerPass());
  if (lower) {
    uniform::CpuPipelineOptions cpu;
    cpu.strategy = uniform::AttentionLoweringStrategy::Online;
    uniform::buildCpuPipeline(pm, cpu);
  }
  if (failed(pm.run(*module)))
    return 1;

  module->print(llvm::outs());
  llvm::outs() << "\n";
  llvm::outs() << "embed-reuse: " << sharePtr->rewrites << " rewrites, "
               << sharePtr->removed
               << " attention matrices removed per batch item\n";
  return 0;
}
