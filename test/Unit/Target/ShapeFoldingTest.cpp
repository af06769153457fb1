//===- ShapeFoldingTest.cpp - The ONNX importer's int64 folds -------------===//
//
// foldShapeOp and its helpers on their own: results, ONNX's edge cases, and
// the errors that inputs an exporter (or a fuzzer) can write must give
// instead of wrong data.
//
//===----------------------------------------------------------------------===//

#include "ShapeFolding.h"

#include "gtest/gtest.h"

#include <limits>

using namespace uniform::onnx_import;

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

IntTensor tensor(llvm::ArrayRef<int64_t> shape, std::vector<int64_t> data) {
  return IntTensor{llvm::SmallVector<int64_t>(shape), std::move(data)};
}
IntTensor scalar(int64_t v) { return tensor({}, {v}); }
IntTensor vec(std::vector<int64_t> data) {
  return tensor({static_cast<int64_t>(data.size())}, data);
}

/// Folds and expects success.
IntTensor fold(llvm::StringRef op, std::vector<IntTensor> inputs,
               const IntAttributes &attrs = IntAttributes()) {
  std::vector<const IntTensor *> ptrs;
  for (const IntTensor &t : inputs)
    ptrs.push_back(&t);
  llvm::Expected<IntTensor> r = foldShapeOp(op, ptrs, attrs);
  if (!r) {
    ADD_FAILURE() << op.str() << ": " << llvm::toString(r.takeError());
    return {};
  }
  return *r;
}

/// Folds and returns the error's message ("" on success).
std::string foldError(llvm::StringRef op, std::vector<IntTensor> inputs,
                      const IntAttributes &attrs = IntAttributes()) {
  std::vector<const IntTensor *> ptrs;
  for (const IntTensor &t : inputs)
    ptrs.push_back(&t);
  llvm::Expected<IntTensor> r = foldShapeOp(op, ptrs, attrs);
  if (r)
    return "";
  return llvm::toString(r.takeError());
}

TEST(ShapeFolding, RangeCountsWithoutOverflow) {
  // A step whose running sum overflows int64: two elements, not a loop
  // that wraps around and exhausts memory.
  IntTensor r = fold("Range", {scalar(0), scalar(kMax), scalar(kMax / 2 + 1)});
  EXPECT_EQ(r.data, (std::vector<int64_t>{0, kMax / 2 + 1}));
  r = fold("Range", {scalar(kMax), scalar(kMin), scalar(kMin)});
  EXPECT_EQ(r.data, (std::vector<int64_t>{kMax, -1}));
  r = fold("Range", {scalar(10), scalar(3), scalar(-3)});
  EXPECT_EQ(r.data, (std::vector<int64_t>{10, 7, 4}));
  EXPECT_EQ(r.shape, (llvm::SmallVector<int64_t>{3}));
  r = fold("Range", {scalar(3), scalar(3), scalar(1)});
  EXPECT_TRUE(r.data.empty());
  EXPECT_NE(foldError("Range", {scalar(kMin), scalar(kMax), scalar(1)}), "");
  EXPECT_NE(foldError("Range", {scalar(0), scalar(4), scalar(0)}), "");
  EXPECT_NE(foldError("Range", {vec({0, 1}), scalar(4), scalar(1)}), "");
}

TEST(ShapeFolding, ConcatChecksOffAxisExtents) {
  IntTensor r = fold("Concat", {vec({1, 2}), vec({3})});
  EXPECT_EQ(r.data, (std::vector<int64_t>{1, 2, 3}));
  IntAttributes axis1;
  axis1.set("axis", 1);
  r = fold("Concat", {tensor({2, 1}, {1, 2}), tensor({2, 2}, {3, 4, 5, 6})},
           axis1);
  EXPECT_EQ(r.data, (std::vector<int64_t>{1, 3, 4, 2, 5, 6}));
  // Different extents off the axis would read past the smaller input.
  EXPECT_NE(
      foldError("Concat", {tensor({2, 1}, {1, 2}), tensor({1, 1}, {3})}, axis1),
      "");
  EXPECT_NE(foldError("Concat", {scalar(1), scalar(2)}), "");
  EXPECT_NE(foldError("Concat", {vec({1}), tensor({1, 1}, {2})}), "");
}

TEST(ShapeFolding, ReshapeTargets) {
  using Shape = llvm::SmallVector<int64_t>;
  auto target = [](Shape in, Shape t, bool allowZero = false) {
    return reshapeTarget(in, t, allowZero);
  };
  EXPECT_EQ(*target({2, 3, 4}, {0, -1}), (Shape{2, 12}));
  EXPECT_EQ(*target({2, 3, 4}, {-1}), (Shape{24}));
  EXPECT_EQ(*target({2, 0}, {0, 5}, /*allowZero=*/true), (Shape{0, 5}));
  auto fails = [](llvm::Expected<Shape> s) {
    if (s)
      return false;
    llvm::consumeError(s.takeError());
    return true;
  };
  EXPECT_TRUE(fails(target({2, 3}, {-1, -1})));
  EXPECT_TRUE(fails(target({2, 3}, {-2, -3})));
  EXPECT_TRUE(fails(target({2, 3}, {5})));
  EXPECT_TRUE(fails(target({2, 3}, {4, -1})));
  EXPECT_TRUE(fails(target({6}, {kMax, kMax, 0})));
  EXPECT_TRUE(fails(target({6}, {1, 0})));        // No dimension 1 to copy.
  EXPECT_TRUE(fails(target({0}, {0, -1}, true))); // -1 with an extent 0.
  IntAttributes attrs;
  IntTensor r = fold("Reshape", {vec({1, 2, 3, 4}), vec({2, -1})}, attrs);
  EXPECT_EQ(r.shape, (Shape{2, 2}));
  EXPECT_EQ(r.data, (std::vector<int64_t>{1, 2, 3, 4}));
}

TEST(ShapeFolding, GatherSliceTranspose) {
  IntTensor r = fold("Gather", {vec({10, 20, 30}), vec({-1, 0})});
  EXPECT_EQ(r.data, (std::vector<int64_t>{30, 10}));
  EXPECT_NE(foldError("Gather", {vec({10, 20, 30}), vec({3})}), "");
  EXPECT_NE(foldError("Gather", {scalar(1), vec({0})}), "");
  // Slice backwards with a step of -2, ends clamped.
  r = fold("Slice", {vec({0, 1, 2, 3, 4}), vec({kMax}), vec({kMin}), vec({0}),
                     vec({-2})});
  EXPECT_EQ(r.data, (std::vector<int64_t>{4, 2, 0}));
  r = fold("Transpose", {tensor({2, 3}, {1, 2, 3, 4, 5, 6})});
  EXPECT_EQ(r.shape, (llvm::SmallVector<int64_t>{3, 2}));
  EXPECT_EQ(r.data, (std::vector<int64_t>{1, 4, 2, 5, 3, 6}));
  IntAttributes badPerm;
  badPerm.setList("perm", {0, 0});
  EXPECT_NE(
      foldError("Transpose", {tensor({2, 3}, {1, 2, 3, 4, 5, 6})}, badPerm),
      "");
}

TEST(ShapeFolding, ArithmeticIsChecked) {
  EXPECT_EQ(fold("Add", {vec({1, 2}), scalar(3)}).data,
            (std::vector<int64_t>{4, 5}));
  EXPECT_NE(foldError("Add", {scalar(kMax), scalar(1)}), "");
  EXPECT_NE(foldError("Mul", {scalar(kMax), scalar(2)}), "");
  EXPECT_NE(foldError("Neg", {scalar(kMin)}), "");
  EXPECT_NE(foldError("Div", {scalar(kMin), scalar(-1)}), "");
  EXPECT_NE(foldError("Div", {scalar(1), scalar(0)}), "");
  // Mod: Python's sign by default, C's with fmod=1.
  EXPECT_EQ(fold("Mod", {scalar(-7), scalar(3)}).data,
            (std::vector<int64_t>{2}));
  IntAttributes fmod;
  fmod.set("fmod", 1);
  EXPECT_EQ(fold("Mod", {scalar(-7), scalar(3)}, fmod).data,
            (std::vector<int64_t>{-1}));
  EXPECT_NE(foldError("Add", {vec({1, 2}), vec({1, 2, 3})}), "");
  EXPECT_EQ(fold("Where", {vec({1, 0}), vec({5, 6}), scalar(9)}).data,
            (std::vector<int64_t>{5, 9}));
}

TEST(ShapeFolding, ExpandSqueezeCast) {
  IntTensor r = fold("Expand", {vec({7}), vec({2, 3})});
  EXPECT_EQ(r.shape, (llvm::SmallVector<int64_t>{2, 3}));
  EXPECT_EQ(r.data, std::vector<int64_t>(6, 7));
  EXPECT_NE(foldError("Expand", {vec({1, 2}), vec({3})}), "");
  EXPECT_NE(foldError("Expand", {vec({1}), vec({-2})}), "");
  r = fold("Unsqueeze", {vec({4, 5}), vec({0, -1})});
  EXPECT_EQ(r.shape, (llvm::SmallVector<int64_t>{1, 2, 1}));
  EXPECT_NE(foldError("Squeeze", {vec({4, 5}), vec({0})}), "");
  IntAttributes toBool;
  toBool.set("to", 9);
  EXPECT_EQ(fold("Cast", {vec({0, 5, -1})}, toBool).data,
            (std::vector<int64_t>{0, 1, 1}));
}

TEST(ShapeFolding, InputsMustHoldTheirShape) {
  // Data that disagrees with its shape is refused, not read past.
  EXPECT_NE(foldError("Identity", {tensor({3}, {1, 2})}), "");
  EXPECT_NE(foldError("Nope", {vec({1})}), "");
  EXPECT_NE(foldError("Range", {scalar(0), scalar(1)}), "");
}

} // namespace
