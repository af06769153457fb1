//===- ShapeFolding.h - ONNX int64 shape arithmetic, folded -----*- C++ -*-===//
//
// ONNX graphs compute shapes at run time with int64 tensors: Shape, Gather,
// Concat, Slice and arithmetic on them. The importer evaluates that
// arithmetic while importing, so that Reshape and its kin get static shapes.
//
// This is a pure module, free of protobuf and of MLIR operations, so that it
// can be tested on its own (test/Unit/Target/ShapeFoldingTest.cpp):
// foldShapeOp(op type, inputs, attributes) gives the result or an error
// message. Every input and result holds exactly as many elements as its
// shape says; foldShapeOp checks its results against that. The helpers that
// read axes, permutations, squeezes, slices and reshape targets are shared
// with the importer's conversion of float tensors, so that both check them
// the same way.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_TARGET_ONNX_SHAPEFOLDING_H
#define UNIFORM_LIB_TARGET_ONNX_SHAPEFOLDING_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace uniform {
namespace onnx_import {

/// int64 tensors are shape data, evaluated at import time; more elements
/// than this are an error.
inline constexpr int64_t kMaxIntElements = int64_t(1) << 24;

/// A small int64 tensor known at import time: shapes and their arithmetic.
/// Holds exactly product(shape) elements, row-major.
struct IntTensor {
  llvm::SmallVector<int64_t> shape;
  std::vector<int64_t> data;
};

/// The int and int-list attributes of a node, as the folds read them.
class IntAttributes {
public:
  void set(llvm::StringRef name, int64_t value) { values[name] = {value}; }
  void setList(llvm::StringRef name, llvm::ArrayRef<int64_t> list) {
    values[name] = llvm::SmallVector<int64_t>(list);
  }
  /// The int attribute `name`, or `fallback` when the node has none.
  int64_t getInt(llvm::StringRef name, int64_t fallback) const;
  /// The int-list attribute `name`, or nothing when the node has none.
  std::optional<llvm::ArrayRef<int64_t>> getList(llvm::StringRef name) const;

private:
  llvm::StringMap<llvm::SmallVector<int64_t>> values;
};

/// The number of elements of `shape`: an error for a negative dimension or
/// more than `limit` elements (overflow included).
llvm::Expected<int64_t> elementCount(llvm::ArrayRef<int64_t> shape,
                                     int64_t limit);

/// `axis` of a tensor of `rank`, negative values counted from the end.
llvm::Expected<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// Transpose's permutation of a tensor of `rank`: `perm`, or the axes
/// reversed when there is none; checked to be a permutation.
llvm::Expected<llvm::SmallVector<int64_t>>
permutationOf(std::optional<llvm::ArrayRef<int64_t>> perm, int64_t rank);

/// The shape that Squeeze (`unsqueeze` false) or Unsqueeze makes of `shape`
/// with `axes`. Squeeze without axes removes every unit dimension.
llvm::Expected<llvm::SmallVector<int64_t>>
squeezedShape(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> axes,
              bool unsqueeze);

/// One dimension of a Slice: the first index, the number of elements and
/// the step.
struct SliceDim {
  int64_t first, count, step;
};

/// Slice of a tensor of `shape` per dimension, from its starts and ends and
/// its optional axes and steps, clamped as ONNX specifies. Any int64 start,
/// end and step is handled without overflow.
llvm::Expected<llvm::SmallVector<SliceDim>>
sliceDims(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> starts,
          llvm::ArrayRef<int64_t> ends,
          std::optional<llvm::ArrayRef<int64_t>> axes,
          std::optional<llvm::ArrayRef<int64_t>> steps);

/// The shape Reshape gives a tensor of `shape` from its `target` data: a 0
/// copies the input's extent (unless `allowZero`), one -1 takes the rest.
/// Other negative extents, a product that overflows or does not hold the
/// input's elements are errors.
llvm::Expected<llvm::SmallVector<int64_t>>
reshapeTarget(llvm::ArrayRef<int64_t> shape, llvm::ArrayRef<int64_t> target,
              bool allowZero);

/// Row-major strides of `shape`.
llvm::SmallVector<int64_t> stridesOf(llvm::ArrayRef<int64_t> shape);

/// NumPy's broadcast of `shapes`.
llvm::Expected<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<llvm::ArrayRef<int64_t>> shapes);

/// Whether op type `opType` has an int64 fold. A node folds when it has
/// one and every input it names is known at import time.
bool hasShapeFold(llvm::StringRef opType);

/// Folds `opType` on `inputs`, one per input the node names: null for an
/// optional input left out.
/// Folded: Range, Identity, Cast (to an integer type), Reshape, Transpose,
/// Slice, Squeeze, Unsqueeze, Concat, Gather, Expand, and elementwise
/// Add/Sub/Mul/Div/Mod/Neg/Abs, comparisons, Max/Min, Where, Not/And/Or with
/// broadcasting. Arithmetic that overflows int64, a division by zero,
/// results larger than kMaxIntElements and inconsistent inputs are errors.
llvm::Expected<IntTensor> foldShapeOp(llvm::StringRef opType,
                                      llvm::ArrayRef<const IntTensor *> inputs,
                                      const IntAttributes &attributes);

} // namespace onnx_import
} // namespace uniform

#endif // UNIFORM_LIB_TARGET_ONNX_SHAPEFOLDING_H
