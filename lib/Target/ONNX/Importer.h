//===- Importer.h - The ONNX importer's internal interface ------*- C++ -*-===//
//
// Shared by the files of the ONNX importer, not installed: the Importer
// class that walks a graph and emits TOSA, its errors, and the known-at-
// import-time int64 tensors that shape arithmetic folds. ImportONNX.cpp
// holds the entry points and the module-level work, ImportOps.cpp the
// conversion of each node (ImportBuilders.cpp the larger builders),
// ImportShapes.cpp the folding of shape arithmetic. The files are compiled with
// C++ exceptions: libonnx reports problems by throwing, and fail() throws
// ImportError, caught only in uniform::importONNX.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_TARGET_ONNX_IMPORTER_H
#define UNIFORM_LIB_TARGET_ONNX_IMPORTER_H

#include "uniform/Target/ONNX/ImportONNX.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Tools/mlir-translate/Translation.h"

#include "llvm/Support/SourceMgr.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <google/protobuf/io/coded_stream.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <optional>

namespace uniform {
namespace onnx_import {
using namespace mlir;

/// The reason an import failed; thrown inside the importer only.
struct ImportError {
  std::string message;
};

/// Initializers with more elements than this become dense_resource blobs.
inline constexpr int64_t kInlineElements = 256;

/// int64 tensors are shape data, evaluated at import time; more elements
/// than this are an error.
inline constexpr int64_t kMaxIntElements = int64_t(1) << 24;

[[noreturn]] inline void fail(const llvm::Twine &message) {
  throw ImportError{message.str()};
}

/// A small int64 tensor known at import time: shapes and their arithmetic.
struct IntTensor {
  SmallVector<int64_t> shape;
  std::vector<int64_t> data;
};

class Importer {
public:
  Importer(MLIRContext *ctx, const onnx::ModelProto &model, int64_t opset,
           const uniform::ImportONNXOptions &options)
      : ctx(ctx), model(model), opset(opset), options(options), b(ctx) {}

  OwningOpRef<ModuleOp> run();

private:
  RankedTensorType typeOf(const onnx::ValueInfoProto &info,
                          bool allowInt64 = false);
  RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }
  Value constant(const onnx::TensorProto &tensor);
  Value lookup(const std::string &name, const onnx::NodeProto &node);
  void convert(const onnx::NodeProto &node);
  void opaque(const onnx::NodeProto &node);
  /// `axis` of a tensor of `rank`, negative values counted from the end; out
  /// of range is an error naming `node`.
  int64_t normalizeAxis(const onnx::NodeProto &node, int64_t axis,
                        int64_t rank);
  /// The attribute `name` of `node` (or `dflt`) as a normalized axis.
  int64_t axisAttr(const onnx::NodeProto &node, StringRef name, int64_t dflt,
                   int64_t rank);
  /// Transpose `node`'s permutation of a tensor of `rank` (its perm, else
  /// the axes reversed), checked to be one.
  SmallVector<int64_t> permutation(const onnx::NodeProto &node, int64_t rank);
  /// The shape Squeeze or Unsqueeze `node` makes of `shape`, with its axes
  /// (input 1 from opset 13, else the attribute).
  SmallVector<int64_t> squeezedShape(const onnx::NodeProto &node,
                                     ArrayRef<int64_t> shape);
  /// One dimension of a Slice: the first index, the number of elements and
  /// the step.
  struct SliceDim {
    int64_t first, count, step;
  };
  /// Slice `node` of a tensor of `shape`, per dimension, from its starts,
  /// ends, axes and steps (import-time data), clamped as ONNX specifies.
  SmallVector<SliceDim> sliceDims(const onnx::NodeProto &node,
                                  ArrayRef<int64_t> shape);

  // TOSA helpers.
  Value reshape(Value v, ArrayRef<int64_t> shape);
  std::pair<Value, Value> broadcastRanks(Value a, Value c);
  Value binary(StringRef op, Value a, Value c);
  Value matmul(Value a, Value c);
  Value scalarLike(float value, Value like);
  static std::optional<float> splatOf(Value v);
  Value conv(const onnx::NodeProto &node, Value x, Value w, Value bias);
  Value gatherElements(const onnx::NodeProto &node, Value data);
  Value einsum(const onnx::NodeProto &node, ArrayRef<Value> operands);
  Value transpose(Value v, ArrayRef<int64_t> perm);
  RankedTensorType broadcastType(Value a, Value c);

  MLIRContext *ctx;
  const onnx::ModelProto &model;
  int64_t opset;
  const uniform::ImportONNXOptions &options;
  OpBuilder b;
  Location loc = UnknownLoc::get(ctx);
  llvm::StringMap<Value> values;
  llvm::StringMap<RankedTensorType> inferred;
  llvm::StringMap<IntTensor> ints;

  IntTensor intFromProto(const onnx::TensorProto &t);
  int64_t numElements(ArrayRef<int64_t> shape, const Twine &what,
                      int64_t limit);
  /// The elements of a float tensor: also rejects empty dimensions, which
  /// TOSA does not have.
  int64_t numElements(ArrayRef<int64_t> shape, const Twine &what) {
    if (llvm::is_contained(shape, 0))
      fail(what + " has an empty dimension, which TOSA cannot represent");
    return numElements(shape, what, options.maxTensorElements);
  }
  const IntTensor &intInput(const onnx::NodeProto &node, int i);
  bool foldShapeArithmetic(const onnx::NodeProto &node);
  static SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape);
  IntTensor gatherStrided(const IntTensor &x, ArrayRef<int64_t> shape,
                          ArrayRef<int64_t> strides, int64_t offset);
  IntTensor elementwiseInts(const onnx::NodeProto &node,
                            ArrayRef<const IntTensor *> args,
                            llvm::function_ref<int64_t(ArrayRef<int64_t>)> fn);
  Value shapeValue(ArrayRef<int64_t> values);
  Value slice(Value x, ArrayRef<int64_t> start, ArrayRef<int64_t> size);
};

/// ONNX floors the output extent of a window op (conv, pool); TOSA wants
/// the padded input to fit the strides exactly. Drops the rows (or columns)
/// that the last window never reaches: from the trailing padding `padEnd`
/// first, then from the input, whose last `cut` rows must be sliced off
/// (ResNet's 1x1 stride-2 downsampling of an even extent never reads its
/// last row). Returns the output extent, or nothing when the window is
/// larger than the padded input.
std::optional<int64_t> fitWindows(int64_t in, int64_t window, int64_t padBegin,
                                  int64_t &padEnd, int64_t stride,
                                  int64_t &cut);

/// The attribute `name` of `node`, or null.
const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     StringRef name);

} // namespace onnx_import
} // namespace uniform

#endif // UNIFORM_LIB_TARGET_ONNX_IMPORTER_H
