//===- AttnOpsTest.cpp - Unit tests of the attention ops' C++ API ---------===//
//
// What is better tested in C++ than in lit: the builders that infer the
// result type, the shape helpers, shape reification and speculatability.
//
//===----------------------------------------------------------------------===//

#include "uniform/Dialect/Attn/IR/AttnOps.h"
#include "uniform/InitAll.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "gtest/gtest.h"

using namespace mlir;
using namespace uniform;
using namespace uniform::attn;

namespace {

class AttnOpsTest : public ::testing::Test {
protected:
  AttnOpsTest() {
    DialectRegistry registry;
    registerAllDialects(registry);
    context.appendDialectRegistry(registry);
    context.loadAllAvailableDialects();
    // Verifier failures are expected in some tests; keep them quiet.
    context.getDiagEngine().registerHandler([](Diagnostic &) {});
  }

  /// Creates a function whose arguments have `types` and returns its entry
  /// block arguments, with the builder inside the function.
  SmallVector<Value> makeArgs(ArrayRef<Type> types) {
    module = ModuleOp::create(UnknownLoc::get(&context));
    OpBuilder b(&context);
    b.setInsertionPointToEnd(module->getBody());
    auto func = func::FuncOp::create(b, b.getUnknownLoc(), "f",
                                     b.getFunctionType(types, {}));
    Block *entry = func.addEntryBlock();
    builder.setInsertionPointToStart(entry);
    return SmallVector<Value>(entry->getArguments());
  }

  RankedTensorType tensor(ArrayRef<int64_t> shape, Type elt = nullptr) {
    return RankedTensorType::get(shape, elt ? elt : Float32Type::get(&context));
  }

  MLIRContext context;
  OpBuilder builder{&context};
  OwningOpRef<ModuleOp> module;
};

constexpr int64_t kDyn = ShapedType::kDynamic;

TEST_F(AttnOpsTest, ReuseBuilderInfersResultType) {
  auto args = makeArgs({tensor({2, 49, 16}), tensor({2, 49, 16}),
                        tensor({2, 4, 49, 32})});
  auto op = ReuseAttentionOp::create(builder, builder.getUnknownLoc(),
                                     args[0], args[1], args[2], Value(), 0.25f);
  EXPECT_EQ(op.getResultType(), tensor({2, 4, 49, 32}));
  EXPECT_FLOAT_EQ(op.getScaleValue(), 0.25f);
  EXPECT_FALSE(op.getBias());
  EXPECT_TRUE(succeeded(verify(op)));
}

TEST_F(AttnOpsTest, MhaBuilderTakesStaticDimsFromAnyOperand) {
  // N is only static in the query, M only in the value, B only in the key.
  auto args = makeArgs({tensor({kDyn, 8, 10, 64}), tensor({3, 8, kDyn, 64}),
                        tensor({kDyn, 8, 7, 32})});
  auto op = MultiHeadAttentionOp::create(builder, builder.getUnknownLoc(),
                                         args[0], args[1], args[2], Value(),
                                         0.125f);
  EXPECT_EQ(op.getResultType(), tensor({3, 8, 10, 32}));
  AttentionDims d = inferAttentionDims(false, op.getQueryType(),
                                       op.getKeyType(), op.getValueType());
  EXPECT_EQ(d.batch, 3);
  EXPECT_EQ(d.heads, 8);
  EXPECT_EQ(d.queryLen, 10);
  EXPECT_EQ(d.keyLen, 7);
  EXPECT_EQ(d.keyDim, 64);
  EXPECT_EQ(d.valueDim, 32);
  EXPECT_TRUE(succeeded(verify(op)));
}

TEST_F(AttnOpsTest, ResultTypeInferenceRejectsWrongRanks) {
  EXPECT_FALSE(inferAttentionResultType(/*isReuse=*/true, tensor({2, 4, 9, 8}),
                                        tensor({2, 9, 8}),
                                        tensor({2, 4, 9, 8})));
  EXPECT_FALSE(inferAttentionResultType(/*isReuse=*/false, tensor({9, 8}),
                                        tensor({1, 1, 9, 8}),
                                        tensor({1, 1, 9, 8})));
}

TEST_F(AttnOpsTest, BuilderWithWrongRanksFailsVerification) {
  auto args = makeArgs({tensor({2, 4, 49, 16}), tensor({2, 49, 16}),
                        tensor({2, 4, 49, 32})});
  auto op = ReuseAttentionOp::create(builder, builder.getUnknownLoc(),
                                     args[0], args[1], args[2], Value(), 1.0f);
  EXPECT_TRUE(failed(verify(op)));
}

TEST_F(AttnOpsTest, ElementTypes) {
  EXPECT_TRUE(isSupportedAttentionElementType(Float16Type::get(&context)));
  EXPECT_TRUE(isSupportedAttentionElementType(BFloat16Type::get(&context)));
  EXPECT_TRUE(isSupportedAttentionElementType(Float32Type::get(&context)));
  EXPECT_FALSE(isSupportedAttentionElementType(Float64Type::get(&context)));
  EXPECT_FALSE(
      isSupportedAttentionElementType(IntegerType::get(&context, 32)));
}

TEST_F(AttnOpsTest, ReifyStaticAndDynamicDims) {
  auto args = makeArgs({tensor({kDyn, kDyn, 16}), tensor({kDyn, 49, 16}),
                        tensor({kDyn, 4, kDyn, 32})});
  auto op = ReuseAttentionOp::create(builder, builder.getUnknownLoc(),
                                     args[0], args[1], args[2], Value(), 0.5f);
  ReifiedRankedShapedTypeDims dims;
  ASSERT_TRUE(succeeded(
      cast<ReifyRankedShapedTypeOpInterface>(op.getOperation())
          .reifyResultShapes(builder, dims)));
  ASSERT_EQ(dims.size(), 1u);
  ASSERT_EQ(dims[0].size(), 4u);
  // B and N are dynamic everywhere: a tensor.dim of the query.
  for (unsigned i : {0u, 2u}) {
    auto v = dyn_cast<Value>(dims[0][i]);
    ASSERT_TRUE(v) << "dim " << i;
    auto dim = v.getDefiningOp<tensor::DimOp>();
    ASSERT_TRUE(dim);
    EXPECT_EQ(dim.getSource(), args[0]);
    EXPECT_EQ(dim.getConstantIndex(), std::optional<int64_t>(i == 0 ? 0 : 1));
  }
  // H and Dv are static in the value.
  EXPECT_EQ(getConstantIntValue(dims[0][1]), std::optional<int64_t>(4));
  EXPECT_EQ(getConstantIntValue(dims[0][3]), std::optional<int64_t>(32));
}

TEST_F(AttnOpsTest, SpeculatableOnlyWithStaticShapes) {
  auto args = makeArgs({tensor({1, 2, 8, 4}), tensor({1, 2, 8, 4}),
                        tensor({1, 2, 8, 4}), tensor({kDyn, 2, 8, 4})});
  auto staticOp = MultiHeadAttentionOp::create(
      builder, builder.getUnknownLoc(), args[0], args[1], args[2], Value(),
      1.0f);
  auto dynamicOp = MultiHeadAttentionOp::create(
      builder, builder.getUnknownLoc(), args[3], args[1], args[2], Value(),
      1.0f);
  EXPECT_TRUE(isPure(staticOp));
  EXPECT_TRUE(isMemoryEffectFree(dynamicOp));
  EXPECT_FALSE(isPure(dynamicOp));
}

} // namespace
