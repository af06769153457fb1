//===- AttnToNVGPUTest.cpp - The fused-kernel rewrite's C++ API -----------===//
//
// fuseAttentionOnTensorCores and populateAttnToNVGPUPatterns, as a pipeline
// that embeds them calls them: the op is replaced by one gpu.launch on
// tensors, or left alone (and the call fails) when the kernel does not take
// its shape.
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/AttnToNVGPU.h"
#include "uniform/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include "gtest/gtest.h"

using namespace mlir;

namespace {

constexpr const char *kModule = R"mlir(
func.func @fits(%q: tensor<2x49x32xf32>, %k: tensor<2x49x32xf32>,
                %v: tensor<2x4x49x32xf32>) -> tensor<2x4x49x32xf32> {
  %0 = attn.reuse %q, %k, %v scale(0.17)
      : tensor<2x49x32xf32>, tensor<2x49x32xf32>, tensor<2x4x49x32xf32> -> tensor<2x4x49x32xf32>
  return %0 : tensor<2x4x49x32xf32>
}
func.func @narrow_values(%q: tensor<2x49x32xf32>, %k: tensor<2x49x32xf32>,
                         %v: tensor<2x4x49x4xf32>) -> tensor<2x4x49x4xf32> {
  %0 = attn.reuse %q, %k, %v scale(0.17)
      : tensor<2x49x32xf32>, tensor<2x49x32xf32>, tensor<2x4x49x4xf32> -> tensor<2x4x49x4xf32>
  return %0 : tensor<2x4x49x4xf32>
}
)mlir";

class AttnToNVGPUTest : public ::testing::Test {
protected:
  AttnToNVGPUTest() {
    DialectRegistry registry;
    uniform::registerAllDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    module = parseSourceString<ModuleOp>(kModule, &context);
  }

  /// The only op of `func` named `name`, or null.
  Operation *find(StringRef func, StringRef name) {
    Operation *found = nullptr;
    module->lookupSymbol<func::FuncOp>(func).walk([&](Operation *op) {
      if (op->getName().getStringRef() == name)
        found = op;
    });
    return found;
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
};

TEST_F(AttnToNVGPUTest, ReplacesAnOpTheKernelTakes) {
  ASSERT_TRUE(module);
  Operation *op = find("fits", "attn.reuse");
  ASSERT_TRUE(op);
  IRRewriter rewriter(&context);
  FailureOr<Value> result = uniform::fuseAttentionOnTensorCores(rewriter, op);
  ASSERT_TRUE(succeeded(result));
  EXPECT_TRUE(result->getType() ==
              module->lookupSymbol<func::FuncOp>("fits").getResultTypes()[0]);
  EXPECT_EQ(find("fits", "attn.reuse"), nullptr);
  EXPECT_NE(find("fits", "gpu.launch"), nullptr);
  EXPECT_TRUE(succeeded(verify(*module)));
}

TEST_F(AttnToNVGPUTest, LeavesAnOpOutsideTheKernel) {
  ASSERT_TRUE(module);
  Operation *op = find("narrow_values", "attn.reuse"); // Dv 4, not 8k
  ASSERT_TRUE(op);
  IRRewriter rewriter(&context);
  EXPECT_TRUE(failed(uniform::fuseAttentionOnTensorCores(rewriter, op)));
  EXPECT_EQ(find("narrow_values", "attn.reuse"), op);
  EXPECT_EQ(find("narrow_values", "gpu.launch"), nullptr);
}

TEST_F(AttnToNVGPUTest, PatternsRewriteWhatFits) {
  ASSERT_TRUE(module);
  RewritePatternSet patterns(&context);
  uniform::populateAttnToNVGPUPatterns(patterns);
  ASSERT_TRUE(succeeded(applyPatternsGreedily(*module, std::move(patterns))));
  EXPECT_NE(find("fits", "gpu.launch"), nullptr);
  EXPECT_NE(find("narrow_values", "attn.reuse"), nullptr);
}

} // namespace
