//===- AttnToNVGPUTest.cpp - The fused-kernel rewrite's C++ API -----------===//
//
// fuseAttentionOnTensorCores and populateAttnToNVGPUPatterns, as a pipeline
// that embeds them calls them: the op is replaced by one gpu.launch on
// tensors, or left alone (and the call fails) when the kernel does not take
// its shape; and FusedAttentionTiles, the tile shapes they take.
//
//===----------------------------------------------------------------------===//

#include "uniform/Conversion/AttnToNVGPU.h"
#include "uniform/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
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

/// Records the names of the ops a rewriter reports as inserted.
struct InsertionRecorder : public RewriterBase::Listener {
  void notifyOperationInserted(Operation *op,
                               OpBuilder::InsertPoint previous) override {
    inserted.push_back(op->getName().getStringRef().str());
  }
  std::vector<std::string> inserted;
};

TEST_F(AttnToNVGPUTest, CreatesEveryOpThroughTheRewriter) {
  // A driver that tracks new ops (a greedy rewrite, a pipeline's listener)
  // must see the shared-memory globals too, not only the kernel.
  ASSERT_TRUE(module);
  InsertionRecorder recorder;
  IRRewriter rewriter(&context, &recorder);
  ASSERT_TRUE(succeeded(uniform::fuseAttentionOnTensorCores(
      rewriter, find("fits", "attn.reuse"))));
  int64_t globals = 0;
  module->walk([&](memref::GlobalOp) { ++globals; });
  EXPECT_GT(globals, 0);
  EXPECT_EQ(llvm::count(recorder.inserted, "memref.global"), globals);
  EXPECT_EQ(llvm::count(recorder.inserted, "gpu.launch"), 1);
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

TEST_F(AttnToNVGPUTest, TilesChangeTheKernel) {
  ASSERT_TRUE(module);
  // One warp a block: 4 query blocks of 16 rows for N = 49, 32 threads.
  uniform::FusedAttentionTiles tiles;
  tiles.windowWarps = 1;
  IRRewriter rewriter(&context);
  ASSERT_TRUE(succeeded(uniform::fuseAttentionOnTensorCores(
      rewriter, find("fits", "attn.reuse"), tiles)));
  auto launch = cast<gpu::LaunchOp>(find("fits", "gpu.launch"));
  EXPECT_EQ(getConstantIntValue(launch.getGridSizeY()), 4);
  EXPECT_EQ(getConstantIntValue(launch.getBlockSizeX()), 32);
}

TEST(FusedAttentionTilesTest, ParsesWhatItPrints) {
  std::string error;
  auto report = [&](const llvm::Twine &message) { error = message.str(); };
  uniform::FusedAttentionTiles defaults;
  EXPECT_EQ(defaults.str(), "window-keys=64,window-warps=4,window-chunk=64,"
                            "stream-keys=32,stream-warps=2,stream-chunk=128,"
                            "stream-groups=16");
  FailureOr<uniform::FusedAttentionTiles> tiles =
      uniform::FusedAttentionTiles::parse(
          " stream-keys = 64,stream-chunk=128 ,stream-warps=3,stream-groups=1",
          report);
  ASSERT_TRUE(succeeded(tiles));
  EXPECT_EQ(tiles->streamKeys, 64);
  EXPECT_EQ(tiles->streamChunk, 128);
  EXPECT_EQ(tiles->streamWarps, 3);
  EXPECT_EQ(tiles->streamGroups, 1);
  EXPECT_EQ(tiles->windowWarps, defaults.windowWarps);
  EXPECT_EQ(tiles->windowKeys, defaults.windowKeys);
  FailureOr<uniform::FusedAttentionTiles> again =
      uniform::FusedAttentionTiles::parse(tiles->str(), report);
  ASSERT_TRUE(succeeded(again));
  EXPECT_EQ(again->str(), tiles->str());
  EXPECT_TRUE(succeeded(uniform::FusedAttentionTiles::parse("", report)));
  EXPECT_TRUE(error.empty());
}

TEST(FusedAttentionTilesTest, RejectsWhatTheKernelCannotTake) {
  for (const char *spec :
       {"window-warps=0", "stream-warps=9", "window-keys=40", "stream-keys=0",
        "stream-chunk=12", "window-chunk=264", "stream-keys", "tile=4",
        "stream-groups=0", "stream-groups=17"}) {
    std::string error;
    EXPECT_TRUE(failed(uniform::FusedAttentionTiles::parse(
        spec, [&](const llvm::Twine &message) { error = message.str(); })))
        << spec;
    EXPECT_FALSE(error.empty()) << spec;
  }
}

} // namespace
