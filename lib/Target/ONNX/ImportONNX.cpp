//===- ImportONNX.cpp - ONNX models to TOSA -------------------------------===//
//
// Parses a model with Debian's libonnx (protobuf, checker, shape inference
// with data propagation) and emits one func.func of TOSA (plus tensor ops)
// whose arguments and results are the graph's inputs and outputs. This file
// is compiled with C++ exceptions: libonnx reports problems by throwing.
//
// Supported today (f32): Add, Sub, Mul, Div, MatMul, Gemm, Conv (any group), BatchNormalization, GlobalAveragePool, ReduceMean, Gather
// (constant indices), Transpose,
// Reshape, Flatten, Unsqueeze, Squeeze, Concat, Softmax, Relu, Sigmoid,
// Tanh, Exp, Sqrt, Reciprocal, Clip, HardSigmoid, HardSwish, Identity,
// Constant, with NumPy broadcasting and static shapes. Anything else is an
// error naming the op type, the node and the opset.
//
//===----------------------------------------------------------------------===//

#include "uniform/Target/ONNX/ImportONNX.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tosa/IR/TosaOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Tools/mlir-translate/Translation.h"

#include "llvm/Support/SourceMgr.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MathExtras.h"

#include <google/protobuf/io/coded_stream.h>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>
#include <onnx/shape_inference/implementation.h>

#include <cmath>
#include <limits>
#include <optional>
#include <numeric>

using namespace mlir;

namespace {
/// The reason an import failed; thrown inside this file only.
struct ImportError {
  std::string message;
};

/// Initializers with more elements than this become dense_resource blobs.
constexpr int64_t kInlineElements = 256;

/// int64 tensors are shape data, evaluated at import time; more elements
/// than this are an error.
constexpr int64_t kMaxIntElements = int64_t(1) << 24;

[[noreturn]] void fail(const llvm::Twine &message) {
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
} // namespace

RankedTensorType Importer::typeOf(const onnx::ValueInfoProto &info,
                                  bool allowInt64) {
  if (!info.type().has_tensor_type())
    fail("'" + info.name() + "' is not a tensor");
  const auto &tt = info.type().tensor_type();
  bool isInt64 = tt.elem_type() == onnx::TensorProto::INT64;
  if (tt.elem_type() != onnx::TensorProto::FLOAT && !(isInt64 && allowInt64))
    fail("'" + info.name() + "' has element type " +
         onnx::TensorProto::DataType_Name(
             static_cast<onnx::TensorProto::DataType>(tt.elem_type())) +
         "; only FLOAT tensors are supported");
  SmallVector<int64_t> shape;
  for (const auto &dim : tt.shape().dim()) {
    if (!dim.has_dim_value())
      fail("'" + info.name() +
           "' has a dynamic dimension; give the model static input shapes");
    shape.push_back(dim.dim_value());
  }
  numElements(shape, "'" + info.name() + "'");
  return RankedTensorType::get(shape, isInt64 ? Type(b.getI64Type())
                                              : Type(b.getF32Type()));
}

/// The number of elements of a tensor of `shape`. Negative dimensions, and
/// more elements than `limit`, are errors naming `what`: a model that
/// declares absurd sizes is rejected here, before anything is allocated.
int64_t Importer::numElements(ArrayRef<int64_t> shape, const Twine &what,
                              int64_t limit) {
  int64_t n = 1;
  bool tooLarge = false;
  for (int64_t d : shape) {
    if (d < 0)
      fail(what + " has a negative dimension (" + Twine(d) + ")");
    tooLarge |= llvm::MulOverflow(n, d, n);
  }
  if (tooLarge || n > limit) {
    std::string dims;
    llvm::raw_string_ostream os(dims);
    llvm::interleave(shape, os, "x");
    fail(what + " has shape " + dims + ", more than " + Twine(limit) +
         " elements (the import limit; see --onnx-max-tensor-elements)");
  }
  return n;
}

/// A FLOAT initializer or Constant as tosa.const (INT64 ones are shape data
/// and go to `ints` instead).
Value Importer::constant(const onnx::TensorProto &tensor) {
  if (tensor.data_type() != onnx::TensorProto::FLOAT)
    fail("initializer '" + tensor.name() + "' has an unsupported data type");
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  int64_t n = numElements(shape, "initializer '" + tensor.name() + "'");
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    fail("initializer '" + tensor.name() + "' uses external data");
  {
    std::vector<float> data;
    if (tensor.has_raw_data()) {
      if (static_cast<int64_t>(tensor.raw_data().size()) != 4 * n)
        fail("initializer '" + tensor.name() + "' is truncated");
      data.resize(n);
      std::memcpy(data.data(), tensor.raw_data().data(), 4 * n);
    } else {
      if (tensor.float_data_size() != n)
        fail("initializer '" + tensor.name() + "' is truncated");
      data.assign(tensor.float_data().begin(), tensor.float_data().end());
    }
    auto type = RankedTensorType::get(shape, b.getF32Type());
    // Weights go into the module's resource section (printed once, as a hex
    // blob, outside the IR); small constants such as scales stay inline,
    // where folders and attn-raise can read them.
    if (n > kInlineElements) {
      std::string blobName = tensor.name().empty() ? "onnx_weight"
                                                   : tensor.name();
      for (char &c : blobName)
        if (!llvm::isAlnum(c) && c != '_' && c != '.')
          c = '_';
      return tosa::ConstOp::create(
          b, loc, type,
          DenseResourceElementsAttr::get(
              type, blobName,
              HeapAsmResourceBlob::allocateAndCopyInferAlign(
                  ArrayRef<float>(data))));
    }
    return tosa::ConstOp::create(b, loc, type,
                                 DenseElementsAttr::get(type, ArrayRef(data)));
  }
}

Value Importer::lookup(const std::string &name, const onnx::NodeProto &node) {
  auto it = values.find(name);
  if (it == values.end() || !it->second)
    fail("node '" + node.name() + "' (" + node.op_type() +
         ") uses '" + name + "', which is not a float tensor defined before it");
  if (!typeOf(it->second).getElementType().isF32())
    fail("node '" + node.name() + "' (" + node.op_type() + ") uses '" + name +
         "', an int64 tensor known only at run time; only Gather's indices "
         "may be");
  return it->second;
}

Value Importer::reshape(Value v, ArrayRef<int64_t> shape) {
  if (typeOf(v).getShape() == shape)
    return v;
  return tosa::ReshapeOp::create(
      b, loc, RankedTensorType::get(shape, typeOf(v).getElementType()), v,
      shapeValue(shape));
}

/// TOSA broadcasts only between equal ranks: prepend unit dimensions.
std::pair<Value, Value> Importer::broadcastRanks(Value a, Value c) {
  int64_t ra = typeOf(a).getRank(), rc = typeOf(c).getRank();
  auto lift = [&](Value v, int64_t rank) {
    SmallVector<int64_t> shape(rank - typeOf(v).getRank(), 1);
    llvm::append_range(shape, typeOf(v).getShape());
    return reshape(v, shape);
  };
  if (ra < rc)
    a = lift(a, rc);
  if (rc < ra)
    c = lift(c, ra);
  return {a, c};
}

RankedTensorType Importer::broadcastType(Value a, Value c) {
  SmallVector<int64_t> shape;
  for (auto [x, y] : llvm::zip(typeOf(a).getShape(), typeOf(c).getShape())) {
    if (x != y && x != 1 && y != 1)
      fail(llvm::formatv("shapes {0} and {1} do not broadcast",
                         typeOf(a), typeOf(c)));
    shape.push_back(x == 1 ? y : x);
  }
  return RankedTensorType::get(shape, typeOf(a).getElementType());
}

/// The value of a splat float tosa.const, if `v` is one.
std::optional<float> Importer::splatOf(Value v) {
  auto c = v ? v.getDefiningOp<tosa::ConstOp>() : nullptr;
  auto dense = c ? dyn_cast<DenseElementsAttr>(c.getValues())
                 : DenseElementsAttr();
  if (!dense || !dense.isSplat())
    return std::nullopt;
  return dense.getSplatValue<APFloat>().convertToFloat();
}

Value Importer::scalarLike(float value, Value like) {
  SmallVector<int64_t> ones(typeOf(like).getRank(), 1);
  auto type = RankedTensorType::get(ones, b.getF32Type());
  return tosa::ConstOp::create(b, loc, type,
                               DenseElementsAttr::get(type, value));
}

Value Importer::binary(StringRef op, Value a, Value c) {
  std::tie(a, c) = broadcastRanks(a, c);
  RankedTensorType type = broadcastType(a, c);
  if (op == "Add")
    return tosa::AddOp::create(b, loc, type, a, c);
  if (op == "Sub")
    return tosa::SubOp::create(b, loc, type, a, c);
  if (op == "Div")
    c = tosa::ReciprocalOp::create(b, loc, typeOf(c), c);
  auto shiftType = RankedTensorType::get({1}, b.getI8Type());
  Value shift = tosa::ConstOp::create(
      b, loc, shiftType,
      DenseElementsAttr::get(shiftType, b.getI8IntegerAttr(0).getValue()));
  return tosa::MulOp::create(b, loc, type, a, c, shift);
}

/// NumPy matmul on TOSA's [N, H, C] x [N, C, W]: batch dimensions are
/// folded into N, or into H when only the left operand has them.
Value Importer::matmul(Value a, Value c) {
  RankedTensorType ta = typeOf(a), tc = typeOf(c);
  if (ta.getRank() < 2 || tc.getRank() < 2)
    fail("MatMul of vectors is not supported");
  int64_t m = ta.getDimSize(ta.getRank() - 2), k = ta.getDimSize(ta.getRank() - 1);
  int64_t k2 = tc.getDimSize(tc.getRank() - 2), n = tc.getDimSize(tc.getRank() - 1);
  if (k != k2)
    fail(llvm::formatv("MatMul of {0} and {1}: inner dimensions differ", ta, tc));
  auto batchOf = [](RankedTensorType t) {
    return std::accumulate(t.getShape().begin(), t.getShape().end() - 2,
                           int64_t(1), std::multiplies<int64_t>());
  };
  int64_t ba = batchOf(ta), bc = batchOf(tc);
  SmallVector<int64_t> outShape;
  Value lhs, rhs;
  if (bc == 1) {
    // [..., M, K] x [K, N]: all rows of the left operand at once.
    outShape.assign(ta.getShape().begin(), ta.getShape().end() - 1);
    outShape.push_back(n);
    lhs = reshape(a, {1, ba * m, k});
    rhs = reshape(c, {1, k, n});
  } else if (ta.getShape().drop_back(2) == tc.getShape().drop_back(2)) {
    outShape.assign(ta.getShape().begin(), ta.getShape().end() - 1);
    outShape.push_back(n);
    lhs = reshape(a, {ba, m, k});
    rhs = reshape(c, {ba, k, n});
  } else {
    // NumPy's broadcast of the batch dimensions: each operand is tiled to
    // the common batch shape (attn-raise sees a probability matrix shared by
    // the heads through this tile).
    ArrayRef<int64_t> batchA = ta.getShape().drop_back(2);
    ArrayRef<int64_t> batchC = tc.getShape().drop_back(2);
    size_t rank = std::max(batchA.size(), batchC.size());
    SmallVector<int64_t> batch(rank);
    for (size_t i = 0; i < rank; ++i) {
      int64_t da = i < rank - batchA.size() ? 1 : batchA[i - (rank - batchA.size())];
      int64_t dc = i < rank - batchC.size() ? 1 : batchC[i - (rank - batchC.size())];
      if (da != dc && da != 1 && dc != 1)
        fail(llvm::formatv("MatMul of {0} and {1}: batch dimensions do not "
                           "broadcast",
                           ta, tc));
      batch[i] = da == 1 ? dc : da;
    }
    int64_t total = 1, elements;
    for (int64_t d : batch)
      if (llvm::MulOverflow(total, d, total) ||
          llvm::MulOverflow(total, std::max(m, n) * k, elements))
        fail(llvm::formatv("MatMul of {0} and {1}: the broadcast batch "
                           "is too large",
                           ta, tc));
    auto broadcastTo = [&](Value v, ArrayRef<int64_t> own) -> Value {
      RankedTensorType t = typeOf(v);
      SmallVector<int64_t> lifted(rank - own.size(), 1);
      llvm::append_range(lifted, t.getShape());
      v = reshape(v, lifted);
      SmallVector<int64_t> multiples, shape;
      for (size_t i = 0; i < rank + 2; ++i) {
        bool tiled = i < rank && lifted[i] == 1 && batch[i] != 1;
        multiples.push_back(tiled ? batch[i] : 1);
        shape.push_back(tiled ? batch[i] : lifted[i]);
      }
      if (llvm::all_of(multiples, [](int64_t m) { return m == 1; }))
        return v;
      return tosa::TileOp::create(
                 b, loc, RankedTensorType::get(shape, t.getElementType()), v,
                 shapeValue(multiples))
          .getResult();
    };
    a = broadcastTo(a, batchA);
    c = broadcastTo(c, batchC);
    outShape.assign(batch.begin(), batch.end());
    outShape.append({m, n});
    lhs = reshape(a, {total, m, k});
    rhs = reshape(c, {total, k, n});
  }
  auto zpType = RankedTensorType::get({1}, b.getF32Type());
  Value zp = tosa::ConstOp::create(b, loc, zpType,
                                   DenseElementsAttr::get(zpType, 0.0f));
  int64_t rows = typeOf(lhs).getDimSize(1), batch = typeOf(lhs).getDimSize(0);
  Value product = tosa::MatMulOp::create(
      b, loc, RankedTensorType::get({batch, rows, n}, b.getF32Type()), lhs,
      rhs, zp, zp);
  return reshape(product, outShape);
}

static const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                            StringRef name);

Value Importer::transpose(Value v, ArrayRef<int64_t> perm) {
  if (llvm::equal(perm, llvm::seq<int64_t>(0, perm.size())))
    return v;
  RankedTensorType t = typeOf(v);
  SmallVector<int64_t> shape;
  SmallVector<int32_t> perm32;
  for (int64_t p : perm) {
    shape.push_back(t.getDimSize(p));
    perm32.push_back(static_cast<int32_t>(p));
  }
  return tosa::TransposeOp::create(
      b, loc, RankedTensorType::get(shape, t.getElementType()), v,
      b.getDenseI32ArrayAttr(perm32));
}

/// ONNX GatherElements with constant indices: out[i] is data at i with the
/// `axis` coordinate replaced by indices[i]. One tosa.gather over the
/// flattened data with the flat positions computed at import.
Value Importer::gatherElements(const onnx::NodeProto &node, Value data) {
  RankedTensorType t = typeOf(data);
  int64_t rank = t.getRank();
  const onnx::AttributeProto *axisAttr = findAttr(node, "axis");
  int64_t axis = axisAttr ? axisAttr->i() : 0;
  if (axis < -rank || axis >= rank)
    fail("GatherElements node '" + node.name() + "': axis " + Twine(axis) +
         " is out of range");
  if (axis < 0)
    axis += rank;
  const IntTensor &idx = intInput(node, 1);
  if (static_cast<int64_t>(idx.shape.size()) != rank)
    fail("GatherElements node '" + node.name() + "': indices of rank " +
         Twine(idx.shape.size()) + " for data of rank " + Twine(rank));
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis && idx.shape[d] > t.getDimSize(d))
      fail("GatherElements node '" + node.name() + "': indices extent " +
           Twine(idx.shape[d]) + " exceeds the data's " +
           Twine(t.getDimSize(d)) + " in dimension " + Twine(d));
  int64_t total = t.getNumElements();
  if (total > std::numeric_limits<int32_t>::max())
    fail("GatherElements node '" + node.name() +
         "': the data has too many elements for 32-bit gather indices");
  SmallVector<int64_t> strides = stridesOf(t.getShape());
  SmallVector<int64_t> pos(rank, 0);
  SmallVector<int32_t> flat;
  flat.reserve(idx.data.size());
  int64_t k = t.getDimSize(axis);
  for (int64_t i : idx.data) {
    if (i < -k || i >= k)
      fail("GatherElements node '" + node.name() + "': index " + Twine(i) +
           " is out of range for a dimension of " + Twine(k));
    int64_t offset = 0;
    for (int64_t d = 0; d < rank; ++d)
      offset += (d == axis ? (i < 0 ? i + k : i) : pos[d]) * strides[d];
    flat.push_back(static_cast<int32_t>(offset));
    // The next position in row-major order.
    for (int64_t d = rank - 1; d >= 0 && ++pos[d] == idx.shape[d]; --d)
      pos[d] = 0;
  }
  int64_t w = flat.size();
  auto idxType = RankedTensorType::get({1, w}, b.getI32Type());
  Value indices = tosa::ConstOp::create(
      b, loc, idxType, DenseElementsAttr::get(idxType, ArrayRef(flat)));
  Value table = reshape(data, {1, total, 1});
  Value gathered = tosa::GatherOp::create(
      b, loc, RankedTensorType::get({1, w, 1}, t.getElementType()), table,
      indices);
  return reshape(gathered, idx.shape);
}

/// ONNX Einsum of two operands without repeated or broadcast indices (the
/// batched products attention is written with): indices in both operands
/// and the output are the batch, those in both operands only are
/// contracted, the rest are each operand's free indices. One tosa.matmul
/// between transposes and reshapes. One operand: a permutation.
Value Importer::einsum(const onnx::NodeProto &node,
                       ArrayRef<Value> operands) {
  const onnx::AttributeProto *attr = findAttr(node, "equation");
  std::string equation;
  for (char c : attr ? attr->s() : std::string())
    if (c != ' ')
      equation.push_back(c);
  auto unsupported = [&](const Twine &why) {
    fail("Einsum node '" + node.name() + "' ('" + equation + "'): " + why);
  };
  size_t arrow = equation.find("->");
  std::string lhs = equation.substr(0, arrow);
  SmallVector<std::string> terms;
  for (StringRef term : llvm::split(StringRef(lhs), ','))
    terms.push_back(term.str());
  if (terms.size() != operands.size() || terms.size() > 2)
    unsupported("only one or two operands are supported");
  llvm::DenseMap<char, int64_t> extent, uses;
  for (auto [term, operand] : llvm::zip(terms, operands)) {
    RankedTensorType t = typeOf(operand);
    if (static_cast<int64_t>(term.size()) != t.getRank())
      unsupported("a term does not match its operand's rank");
    for (auto [i, c] : llvm::enumerate(term)) {
      if (!llvm::isAlpha(c) || llvm::count(term, c) != 1)
        unsupported("only distinct letters per term are supported");
      auto [it, inserted] = extent.try_emplace(c, t.getDimSize(i));
      if (!inserted && it->second != t.getDimSize(i))
        unsupported("index '" + Twine(c) + "' has different extents");
      ++uses[c];
    }
  }
  std::string out;
  if (arrow != std::string::npos) {
    out = equation.substr(arrow + 2);
  } else {
    // Implicit output: the letters used once, in alphabetical order.
    for (char c = 'A'; c <= 'z'; ++c)
      if (uses.lookup(c) == 1)
        out.push_back(c);
  }
  for (char c : out)
    if (!extent.count(c) || llvm::count(out, c) != 1)
      unsupported("the output's indices are not distinct input indices");
  auto positions = [](const std::string &term, const std::string &letters) {
    SmallVector<int64_t> perm;
    for (char c : letters)
      perm.push_back(term.find(c));
    return perm;
  };
  auto product = [&](const std::string &letters) {
    int64_t p = 1;
    for (char c : letters)
      p *= extent[c];
    return p;
  };
  auto shapeOf = [&](const std::string &letters) {
    SmallVector<int64_t> shape;
    for (char c : letters)
      shape.push_back(extent[c]);
    return shape;
  };
  if (terms.size() == 1) {
    if (out.size() != terms[0].size())
      unsupported("summing over an index is not supported");
    return transpose(operands[0], positions(terms[0], out));
  }
  const std::string &ta = terms[0], &tb = terms[1];
  std::string batch, contract, freeA, freeB;
  for (char c : out) {
    bool inA = ta.find(c) != std::string::npos;
    bool inB = tb.find(c) != std::string::npos;
    (inA && inB ? batch : inA ? freeA : freeB).push_back(c);
  }
  for (char c : ta)
    if (out.find(c) == std::string::npos) {
      if (tb.find(c) == std::string::npos)
        unsupported("summing over an index of one operand is not supported");
      contract.push_back(c);
    }
  for (char c : tb)
    if (out.find(c) == std::string::npos &&
        ta.find(c) == std::string::npos)
      unsupported("summing over an index of one operand is not supported");
  Value a = reshape(transpose(operands[0], positions(ta, batch + freeA + contract)),
                    {product(batch), product(freeA), product(contract)});
  Value c = reshape(transpose(operands[1], positions(tb, batch + contract + freeB)),
                    {product(batch), product(contract), product(freeB)});
  std::string natural = batch + freeA + freeB;
  Value result = reshape(matmul(a, c), shapeOf(natural));
  return transpose(result, positions(natural, out));
}

/// ONNX floors the output extent of a window op (conv, pool); TOSA wants
/// the padded input to fit the strides exactly. Drops the rows (or columns)
/// that the last window never reaches: from the trailing padding `padEnd`
/// first, then from the input, whose last `cut` rows must be sliced off
/// (ResNet's 1x1 stride-2 downsampling of an even extent never reads its
/// last row). Returns the output extent, or nothing when the window is
/// larger than the padded input.
static std::optional<int64_t> fitWindows(int64_t in, int64_t window,
                                         int64_t padBegin, int64_t &padEnd,
                                         int64_t stride, int64_t &cut) {
  int64_t span = in + padBegin + padEnd - window;
  if (span < 0)
    return std::nullopt;
  int64_t extra = span % stride;
  cut = std::max<int64_t>(0, extra - padEnd);
  padEnd -= extra - cut;
  return (span - extra) / stride + 1;
}

/// ONNX Conv (NCHW, weights [O, I/group, KH, KW]) as tosa.conv2d (group 1),
/// tosa.depthwise_conv2d (group = input channels) or one tosa.conv2d per
/// group, in NHWC between two transposes that cancel against their
/// neighbours'.
Value Importer::conv(const onnx::NodeProto &node, Value x, Value w,
                     Value bias) {
  RankedTensorType xt = typeOf(x), wt = typeOf(w);
  if (xt.getRank() != 4)
    fail("Conv node '" + node.name() + "': only 2-D convolutions are supported");
  auto ints = [&](StringRef name, SmallVector<int64_t> fallback) {
    if (const auto *attr = findAttr(node, name))
      return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
    return fallback;
  };
  if (const auto *attr = findAttr(node, "auto_pad");
      attr && attr->s() != "NOTSET")
    fail("Conv node '" + node.name() + "': auto_pad is not supported");
  int64_t group = findAttr(node, "group") ? findAttr(node, "group")->i() : 1;
  SmallVector<int64_t> strides = ints("strides", {1, 1});
  SmallVector<int64_t> dil = ints("dilations", {1, 1});
  SmallVector<int64_t> pads = ints("pads", {0, 0, 0, 0}); // t, l, b, r
  // libonnx's checker lets some of these through (group 0, say).
  auto positive = [](ArrayRef<int64_t> v) {
    return llvm::all_of(v, [](int64_t x) { return x >= 1; });
  };
  if (wt.getRank() != 4 || group < 1 || strides.size() != 2 ||
      dil.size() != 2 || pads.size() != 4 || !positive(strides) ||
      !positive(dil) || llvm::any_of(pads, [](int64_t p) { return p < 0; }) ||
      wt.getDimSize(0) % group != 0 || xt.getDimSize(1) % group != 0 ||
      wt.getDimSize(1) * group != xt.getDimSize(1))
    fail("Conv node '" + node.name() +
         "': inconsistent weight shape, group, strides, dilations or pads");
  int64_t n = xt.getDimSize(0), c = xt.getDimSize(1), h = xt.getDimSize(2),
          wd = xt.getDimSize(3);
  int64_t o = wt.getDimSize(0), kh = wt.getDimSize(2), kw = wt.getDimSize(3);
  int64_t padH[2] = {pads[0], pads[2]}, padW[2] = {pads[1], pads[3]};
  int64_t cutH, cutW;
  std::optional<int64_t> oh = fitWindows(h, (kh - 1) * dil[0] + 1, padH[0],
                                         padH[1], strides[0], cutH);
  std::optional<int64_t> ow = fitWindows(wd, (kw - 1) * dil[1] + 1, padW[0],
                                         padW[1], strides[1], cutW);
  if (!oh || !ow)
    fail("Conv node '" + node.name() +
         "': the kernel is larger than the padded input");
  Value nhwc = tosa::TransposeOp::create(
      b, loc, RankedTensorType::get({n, h, wd, c}, b.getF32Type()), x,
      b.getDenseI32ArrayAttr({0, 2, 3, 1}));
  if (cutH || cutW) {
    h -= cutH;
    wd -= cutW;
    nhwc = slice(nhwc, {0, 0, 0, 0}, {n, h, wd, c});
  }
  if (!bias) {
    auto type = RankedTensorType::get({o}, b.getF32Type());
    bias = tosa::ConstOp::create(b, loc, type,
                                 DenseElementsAttr::get(type, 0.0f));
  }
  auto padAttr = b.getDenseI64ArrayAttr({padH[0], padH[1], padW[0], padW[1]});
  auto outType = RankedTensorType::get({n, *oh, *ow, o}, b.getF32Type());
  Value y;
  if (group == 1) {
    Value ohwi = tosa::TransposeOp::create(
        b, loc, RankedTensorType::get({o, kh, kw, c}, b.getF32Type()), w,
        b.getDenseI32ArrayAttr({0, 2, 3, 1}));
    y = tosa::Conv2DOp::create(b, loc, outType, nhwc, ohwi, bias, padAttr,
                               b.getDenseI64ArrayAttr(strides),
                               b.getDenseI64ArrayAttr(dil),
                               TypeAttr::get(b.getF32Type()));
  } else if (group == c && wt.getDimSize(1) == 1 && o % c == 0) {
    int64_t m = o / c;
    Value w4 = reshape(w, {c, m, kh, kw});
    Value hwcm = tosa::TransposeOp::create(
        b, loc, RankedTensorType::get({kh, kw, c, m}, b.getF32Type()), w4,
        b.getDenseI32ArrayAttr({2, 3, 0, 1}));
    y = tosa::DepthwiseConv2DOp::create(b, loc, outType, nhwc, hwcm, bias,
                                        padAttr,
                                        b.getDenseI64ArrayAttr(strides),
                                        b.getDenseI64ArrayAttr(dil),
                                        TypeAttr::get(b.getF32Type()));
  } else if (c % group == 0 && o % group == 0 &&
             wt.getDimSize(1) == c / group) {
    // Grouped: one convolution per group on its channel slices, outputs
    // concatenated along channels (NHWC: the last dimension).
    int64_t ci = c / group, co = o / group;
    SmallVector<Value> parts;
    for (int64_t g = 0; g < group; ++g) {
      Value xg = slice(nhwc, {0, 0, 0, g * ci}, {n, h, wd, ci});
      Value wg = slice(w, {g * co, 0, 0, 0}, {co, ci, kh, kw});
      Value bg = slice(bias, {g * co}, {co});
      Value ohwi = tosa::TransposeOp::create(
          b, loc, RankedTensorType::get({co, kh, kw, ci}, b.getF32Type()), wg,
          b.getDenseI32ArrayAttr({0, 2, 3, 1}));
      parts.push_back(tosa::Conv2DOp::create(
          b, loc, RankedTensorType::get({n, *oh, *ow, co}, b.getF32Type()), xg,
          ohwi, bg, padAttr, b.getDenseI64ArrayAttr(strides),
          b.getDenseI64ArrayAttr(dil), TypeAttr::get(b.getF32Type())));
    }
    y = tosa::ConcatOp::create(b, loc, outType, parts,
                               b.getI32IntegerAttr(3));
  } else {
    fail("Conv node '" + node.name() + "': group " + std::to_string(group) +
         " does not divide the channels");
  }
  return tosa::TransposeOp::create(
      b, loc, RankedTensorType::get({n, o, *oh, *ow}, b.getF32Type()), y,
      b.getDenseI32ArrayAttr({0, 3, 1, 2}));
}

static const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                            StringRef name) {
  for (const auto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

void Importer::convert(const onnx::NodeProto &node) {
  StringRef op = node.op_type();
  if (foldShapeArithmetic(node))
    return;
  auto in = [&](int i) { return lookup(node.input(i), node); };
  Value result;
  if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div") {
    result = binary(op, in(0), in(1));
  } else if (op == "MatMul") {
    result = matmul(in(0), in(1));
  } else if (op == "Gemm") {
    Value a = in(0), c = in(1);
    auto flag = [&](StringRef name) {
      const auto *attr = findAttr(node, name);
      return attr ? attr->i() : 0;
    };
    auto real = [&](StringRef name) {
      const auto *attr = findAttr(node, name);
      return attr ? attr->f() : 1.0f;
    };
    auto transpose2 = [&](Value v) {
      RankedTensorType t = typeOf(v);
      return tosa::TransposeOp::create(
          b, loc,
          RankedTensorType::get({t.getDimSize(1), t.getDimSize(0)},
                                t.getElementType()),
          v, b.getDenseI32ArrayAttr({1, 0}));
    };
    if (flag("transA"))
      a = transpose2(a);
    if (flag("transB"))
      c = transpose2(c);
    result = matmul(a, c);
    if (real("alpha") != 1.0f)
      result = binary("Mul", result, scalarLike(real("alpha"), result));
    if (node.input_size() > 2 && !node.input(2).empty()) {
      Value bias = in(2);
      if (real("beta") != 1.0f)
        bias = binary("Mul", bias, scalarLike(real("beta"), bias));
      result = binary("Add", result, bias);
    }
  } else if (op == "Transpose") {
    Value x = in(0);
    RankedTensorType t = typeOf(x);
    SmallVector<int64_t> perm64 = permutation(node, t.getRank());
    SmallVector<int32_t> perm(perm64.begin(), perm64.end());
    SmallVector<int64_t> shape;
    for (int32_t p : perm)
      shape.push_back(t.getDimSize(p));
    result = tosa::TransposeOp::create(
        b, loc, RankedTensorType::get(shape, t.getElementType()), x,
        b.getDenseI32ArrayAttr(perm));
  } else if (op == "Reshape") {
    std::vector<int64_t> shape = intInput(node, 1).data;
    // ONNX's 0 copies the input's extent and -1 takes the rest.
    Value x = in(0);
    RankedTensorType t = typeOf(x);
    int64_t known = 1, inferredAt = -1;
    for (size_t i = 0; i < shape.size(); ++i) {
      if (shape[i] == 0 && static_cast<int64_t>(i) < t.getRank())
        shape[i] = t.getDimSize(i);
      if (shape[i] == -1)
        inferredAt = i;
      else
        known *= shape[i];
    }
    if (inferredAt >= 0)
      shape[inferredAt] = t.getNumElements() / std::max<int64_t>(known, 1);
    int64_t total = std::accumulate(shape.begin(), shape.end(), int64_t(1),
                                    std::multiplies<int64_t>());
    if (total != t.getNumElements())
      fail("Reshape node '" + node.name() + "': the new shape does not hold " +
           std::to_string(t.getNumElements()) + " elements");
    result = reshape(x, SmallVector<int64_t>(shape.begin(), shape.end()));
  } else if (op == "Softmax") {
    // exp(x - max) / sum, over one axis (opset 13: default -1).
    Value x = in(0);
    RankedTensorType t = typeOf(x);
    int64_t axis = axisAttr(node, "axis", -1, t.getRank());
    SmallVector<int64_t> reduced(t.getShape());
    reduced[axis] = 1;
    auto rType = RankedTensorType::get(reduced, t.getElementType());
    Value max = tosa::ReduceMaxOp::create(b, loc, rType, x,
                                          b.getI32IntegerAttr(axis));
    Value e = tosa::ExpOp::create(b, loc, t,
                                  tosa::SubOp::create(b, loc, t, x, max));
    Value sum = tosa::ReduceSumOp::create(b, loc, rType, e,
                                          b.getI32IntegerAttr(axis));
    result = binary("Mul", e, tosa::ReciprocalOp::create(b, loc, rType, sum));
  } else if (op == "Relu") {
    Value x = in(0);
    result = tosa::ClampOp::create(
        b, loc, typeOf(x), x, b.getF32FloatAttr(0),
        b.getF32FloatAttr(std::numeric_limits<float>::max()),
        tosa::NanPropagationModeAttr::get(ctx,
                                          tosa::NanPropagationMode::PROPAGATE));
  } else if (op == "Sigmoid") {
    result = tosa::SigmoidOp::create(b, loc, typeOf(in(0)), in(0));
  } else if (op == "Tanh") {
    result = tosa::TanhOp::create(b, loc, typeOf(in(0)), in(0));
  } else if (op == "Exp") {
    result = tosa::ExpOp::create(b, loc, typeOf(in(0)), in(0));
  } else if (op == "Reciprocal") {
    result = tosa::ReciprocalOp::create(b, loc, typeOf(in(0)), in(0));
  } else if (op == "Sqrt") {
    Value x = in(0);
    result = tosa::ReciprocalOp::create(
        b, loc, typeOf(x), tosa::RsqrtOp::create(b, loc, typeOf(x), x));
  } else if (op == "Identity") {
    result = in(0);
  } else if (op == "Constant") {
    const auto *attr = findAttr(node, "value");
    if (!attr || !attr->has_t())
      fail("Constant node '" + node.name() + "' has no tensor value");
    onnx::TensorProto t = attr->t();
    t.set_name(node.output(0));
    if (t.data_type() == onnx::TensorProto::INT64) {
      ints[node.output(0)] = intFromProto(t);
      return;
    }
    result = constant(t);
  } else if (op == "Conv") {
    result = conv(node, in(0), in(1),
                  node.input_size() > 2 && !node.input(2).empty() ? in(2)
                                                                  : Value());
  } else if (op == "BatchNormalization") {
    // Inference form: (x - mean) / sqrt(var + eps) * scale + bias, per
    // channel (axis 1).
    Value x = in(0);
    RankedTensorType t = typeOf(x);
    float eps = 1e-5f;
    if (const auto *attr = findAttr(node, "epsilon"))
      eps = attr->f();
    SmallVector<int64_t> channel(t.getRank(), 1);
    channel[1] = t.getDimSize(1);
    auto perChannel = [&](Value v) { return reshape(v, channel); };
    Value scaleV = perChannel(in(1)), biasV = perChannel(in(2));
    Value mean = perChannel(in(3)), var = perChannel(in(4));
    Value inv = tosa::RsqrtOp::create(
        b, loc, typeOf(var), binary("Add", var, scalarLike(eps, var)));
    result = binary("Add",
                    binary("Mul", binary("Sub", x, mean),
                           binary("Mul", inv, scaleV)),
                    biasV);
  } else if (op == "GlobalAveragePool" || op == "ReduceMean" ||
             op == "ReduceSum" || op == "ReduceMax" || op == "ReduceMin") {
    Value x = in(0);
    RankedTensorType t = typeOf(x);
    int64_t rank = t.getRank();
    SmallVector<int64_t> axes;
    bool keep = true;
    if (op == "GlobalAveragePool") {
      for (int64_t i = 2; i < rank; ++i)
        axes.push_back(i);
    } else {
      // Axes: an attribute up to opset 17, except ReduceSum's, which is an
      // input from opset 13 (empty: all axes, or none with
      // noop_with_empty_axes).
      bool noopWhenEmpty = false;
      if (const auto *attr = findAttr(node, "axes"))
        axes.assign(attr->ints().begin(), attr->ints().end());
      else if (node.input_size() > 1 && !node.input(1).empty())
        llvm::append_range(axes, intInput(node, 1).data);
      if (const auto *attr = findAttr(node, "noop_with_empty_axes"))
        noopWhenEmpty = attr->i() != 0;
      if (axes.empty() && !noopWhenEmpty)
        for (int64_t i = 0; i < rank; ++i)
          axes.push_back(i);
      if (const auto *attr = findAttr(node, "keepdims"))
        keep = attr->i() != 0;
    }
    SmallVector<bool> reduced(rank, false);
    for (int64_t axis : axes) {
      if (axis < -rank || axis >= rank)
        fail(op + " node '" + node.name() + "': axis " + Twine(axis) +
             " is out of range for rank " + Twine(rank));
      int64_t a = axis < 0 ? axis + rank : axis;
      if (reduced[a])
        fail(op + " node '" + node.name() + "': axis " + Twine(axis) +
             " is repeated");
      reduced[a] = true;
    }
    int64_t count = 1;
    SmallVector<int64_t> shape(t.getShape());
    Value v = x;
    for (int64_t a = 0; a < rank; ++a) {
      if (!reduced[a])
        continue;
      count *= shape[a];
      shape[a] = 1;
      auto type = RankedTensorType::get(shape, t.getElementType());
      auto axisAttr = b.getI32IntegerAttr(a);
      if (op == "ReduceMax")
        v = tosa::ReduceMaxOp::create(b, loc, type, v, axisAttr);
      else if (op == "ReduceMin")
        v = tosa::ReduceMinOp::create(b, loc, type, v, axisAttr);
      else
        v = tosa::ReduceSumOp::create(b, loc, type, v, axisAttr);
    }
    if ((op == "ReduceMean" || op == "GlobalAveragePool") && count != 1)
      v = binary("Mul", v, scalarLike(1.0f / count, v));
    if (!keep) {
      SmallVector<int64_t> kept;
      for (int64_t a = 0; a < rank; ++a)
        if (!reduced[a])
          kept.push_back(t.getDimSize(a));
      v = reshape(v, kept);
    }
    result = v;
  } else if (op == "Flatten" || op == "Unsqueeze" || op == "Squeeze") {
    // Pure reshapes.
    Value x = in(0);
    ArrayRef<int64_t> shape = typeOf(x).getShape();
    int64_t rank = shape.size();
    SmallVector<int64_t> outShape;
    if (op == "Flatten") {
      const auto *attr = findAttr(node, "axis");
      int64_t axis = attr ? attr->i() : 1;
      axis = axis == rank ? rank : normalizeAxis(node, axis, rank);
      int64_t outer = 1, inner = 1;
      for (int64_t i = 0; i < rank; ++i)
        (i < axis ? outer : inner) *= shape[i];
      outShape = {outer, inner};
    } else {
      outShape = squeezedShape(node, shape);
    }
    result = reshape(x, outShape);
  } else if (op == "Concat") {
    SmallVector<Value> inputs;
    for (int i = 0; i < node.input_size(); ++i)
      inputs.push_back(in(i));
    RankedTensorType t = typeOf(inputs[0]);
    int64_t axis = axisAttr(node, "axis", 0, t.getRank());
    SmallVector<int64_t> shape(t.getShape());
    shape[axis] = 0;
    for (Value v : inputs) {
      if (typeOf(v).getRank() != t.getRank())
        fail("Concat node '" + node.name() + "': inputs differ in rank");
      shape[axis] += typeOf(v).getDimSize(axis);
    }
    result = tosa::ConcatOp::create(
        b, loc, RankedTensorType::get(shape, t.getElementType()), inputs,
        b.getI32IntegerAttr(axis));
  } else if (op == "Clip" || op == "HardSigmoid" || op == "HardSwish") {
    Value x = in(0);
    auto clamp = [&](Value v, float lo, float hi) {
      return tosa::ClampOp::create(
          b, loc, typeOf(v), v, b.getF32FloatAttr(lo), b.getF32FloatAttr(hi),
          tosa::NanPropagationModeAttr::get(
              ctx, tosa::NanPropagationMode::PROPAGATE));
    };
    if (op == "Clip") {
      auto bound = [&](int i, float fallback) {
        if (node.input_size() <= i || node.input(i).empty())
          return fallback;
        std::optional<float> v = splatOf(values.lookup(node.input(i)));
        if (!v)
          fail("Clip node '" + node.name() + "': min and max must be constants");
        return *v;
      };
      result = clamp(x, bound(1, std::numeric_limits<float>::lowest()),
                     bound(2, std::numeric_limits<float>::max()));
    } else {
      float alpha = 1.0f / 6, beta = 0.5f;
      if (op == "HardSigmoid") {
        alpha = findAttr(node, "alpha") ? findAttr(node, "alpha")->f() : 0.2f;
        beta = findAttr(node, "beta") ? findAttr(node, "beta")->f() : 0.5f;
      }
      Value hs = clamp(binary("Add", binary("Mul", x, scalarLike(alpha, x)),
                              scalarLike(beta, x)),
                       0.0f, 1.0f);
      result = op == "HardSwish" ? binary("Mul", x, hs) : hs;
    }
  } else if (op == "Gather") {
    // tosa.gather on [1, K, C] with the gathered axis moved to the front (a
    // constant table with constant indices is folded instead). Indices are
    // constants, import-time shape data, or an int64 tensor known only at
    // run time (a graph input).
    Value data = in(0);
    RankedTensorType t = typeOf(data);
    int64_t axis = findAttr(node, "axis") ? findAttr(node, "axis")->i() : 0;
    if (axis < -t.getRank() || axis >= t.getRank())
      fail("Gather node '" + node.name() + "': axis " + Twine(axis) +
           " is out of range");
    if (axis < 0)
      axis += t.getRank();
    int64_t k = t.getDimSize(axis);
    IntTensor idx;
    Value runtimeIndices;
    if (auto it = values.find(node.input(1));
        it != values.end() && it->second && !ints.count(node.input(1))) {
      runtimeIndices = it->second;
      idx.shape.assign(typeOf(runtimeIndices).getShape().begin(),
                       typeOf(runtimeIndices).getShape().end());
    } else {
      idx = intInput(node, 1);
    }
    SmallVector<int64_t> indices;
    for (int64_t i : idx.data) {
      if (i < -k || i >= k)
        fail("Gather node '" + node.name() + "': index " + std::to_string(i) +
             " is out of range");
      indices.push_back(i < 0 ? i + k : i);
    }
    SmallVector<int32_t> perm = {static_cast<int32_t>(axis)};
    SmallVector<int64_t> rest;
    for (int64_t i = 0; i < t.getRank(); ++i)
      if (i != axis) {
        perm.push_back(i);
        rest.push_back(t.getDimSize(i));
      }
    int64_t restSize = std::accumulate(rest.begin(), rest.end(), int64_t(1),
                                       std::multiplies<int64_t>());
    SmallVector<int64_t> movedShape = {k};
    llvm::append_range(movedShape, rest);
    Value moved = axis == 0 ? data
                            : tosa::TransposeOp::create(
                                  b, loc,
                                  RankedTensorType::get(movedShape,
                                                        t.getElementType()),
                                  data, b.getDenseI32ArrayAttr(perm));
    int64_t w = runtimeIndices ? typeOf(runtimeIndices).getNumElements()
                               : static_cast<int64_t>(indices.size());
    auto idxType = RankedTensorType::get({1, w}, b.getI32Type());
    Value idxV;
    if (runtimeIndices) {
      // i32 indices, negative ones counted from the end (i + K where i < 0),
      // then clamped into [0, K - 1]: an index out of range reads the
      // nearest row instead of memory outside the tensor.
      Value i32 = tosa::CastOp::create(
          b, loc, idxType,
          reshape(runtimeIndices, {1, w}));
      auto splat = [&](int32_t v) {
        return tosa::ConstOp::create(
            b, loc, RankedTensorType::get({1, 1}, b.getI32Type()),
            DenseElementsAttr::get(
                RankedTensorType::get({1, 1}, b.getI32Type()), v));
      };
      auto boolType = RankedTensorType::get({1, w}, b.getI1Type());
      Value negative =
          tosa::GreaterOp::create(b, loc, boolType, splat(0), i32);
      Value wrapped = tosa::AddOp::create(b, loc, idxType, i32,
                                          splat(static_cast<int32_t>(k)));
      Value fixed =
          tosa::SelectOp::create(b, loc, idxType, negative, wrapped, i32);
      idxV = tosa::ClampOp::create(
          b, loc, idxType, fixed, b.getI32IntegerAttr(0),
          b.getI32IntegerAttr(static_cast<int32_t>(k - 1)));
    } else {
      SmallVector<int32_t> idx32(indices.begin(), indices.end());
      idxV = tosa::ConstOp::create(
          b, loc, idxType, DenseElementsAttr::get(idxType, ArrayRef(idx32)));
    }
    Value gathered = tosa::GatherOp::create(
        b, loc, RankedTensorType::get({1, w, restSize}, t.getElementType()),
        reshape(moved, {1, k, restSize}), idxV);
    // [indices..., rest...], then the rest's dimensions back in place.
    SmallVector<int64_t> flatShape(idx.shape);
    llvm::append_range(flatShape, rest);
    Value r = reshape(gathered, flatShape);
    int64_t ir = idx.shape.size();
    if (axis != 0) {
      SmallVector<int32_t> back;
      SmallVector<int64_t> outShape;
      for (int64_t i = 0; i < axis; ++i)
        back.push_back(ir + i);
      for (int64_t i = 0; i < ir; ++i)
        back.push_back(i);
      for (int64_t i = axis; i < static_cast<int64_t>(rest.size()); ++i)
        back.push_back(ir + i);
      for (int32_t p : back)
        outShape.push_back(flatShape[p]);
      r = tosa::TransposeOp::create(
          b, loc, RankedTensorType::get(outShape, t.getElementType()), r,
          b.getDenseI32ArrayAttr(back));
    }
    result = r;
  } else if (op == "Pad") {
    // Constant mode with constant pads [begin..., end...] (as windowed
    // attention pads its feature map to whole windows).
    Value x = in(0);
    RankedTensorType t = typeOf(x);
    if (const auto *attr = findAttr(node, "mode");
        attr && attr->s() != "constant")
      fail("Pad node '" + node.name() + "': mode '" + attr->s() +
           "' is not supported (constant only)");
    std::vector<int64_t> pads = intInput(node, 1).data;
    if (node.input_size() > 3 && !node.input(3).empty())
      fail("Pad node '" + node.name() + "': the axes input is not supported");
    if (static_cast<int64_t>(pads.size()) != 2 * t.getRank())
      fail("Pad node '" + node.name() + "': expected " +
           std::to_string(2 * t.getRank()) + " pads");
    float value = 0.0f;
    if (node.input_size() > 2 && !node.input(2).empty()) {
      std::optional<float> v = splatOf(in(2));
      if (!v)
        fail("Pad node '" + node.name() + "': the pad value must be a constant");
      value = *v;
    }
    SmallVector<int64_t> padding, shape;
    for (int64_t i = 0; i < t.getRank(); ++i) {
      if (pads[i] < 0 || pads[i + t.getRank()] < 0)
        fail("Pad node '" + node.name() + "': negative pads are not supported");
      padding.append({pads[i], pads[i + t.getRank()]});
      shape.push_back(t.getDimSize(i) + pads[i] + pads[i + t.getRank()]);
    }
    auto cType = RankedTensorType::get({1}, b.getF32Type());
    Value padConst = tosa::ConstOp::create(
        b, loc, cType, DenseElementsAttr::get(cType, value));
    result = tosa::PadOp::create(
        b, loc, RankedTensorType::get(shape, t.getElementType()), x,
        shapeValue(padding), padConst);
  } else if (op == "Expand") {
    // Broadcast to a constant shape: tile the unit dimensions.
    Value x = in(0);
    std::vector<int64_t> target = intInput(node, 1).data;
    int64_t rank = std::max<int64_t>(typeOf(x).getRank(), target.size());
    SmallVector<int64_t> lifted(rank - typeOf(x).getRank(), 1);
    llvm::append_range(lifted, typeOf(x).getShape());
    x = reshape(x, lifted);
    SmallVector<int64_t> full(rank - target.size(), 1);
    full.append(target.begin(), target.end());
    SmallVector<int64_t> multiples, shape;
    for (int64_t i = 0; i < rank; ++i) {
      int64_t d = lifted[i], want = full[i];
      if (d != want && d != 1 && want != 1)
        fail("Expand node '" + node.name() + "': shapes do not broadcast");
      multiples.push_back(d == 1 ? want : 1);
      shape.push_back(std::max(d, want));
    }
    result = tosa::TileOp::create(
        b, loc, RankedTensorType::get(shape, typeOf(x).getElementType()), x,
        shapeValue(multiples));
  } else if (op == "LayerNormalization") {
    // (x - mean) / sqrt(var + eps) * scale + bias over the axes >= axis.
    Value x = in(0);
    RankedTensorType t = typeOf(x);
    int64_t axis = axisAttr(node, "axis", -1, t.getRank());
    float eps = findAttr(node, "epsilon") ? findAttr(node, "epsilon")->f()
                                          : 1e-5f;
    auto mean = [&](Value v) {
      SmallVector<int64_t> shape(t.getShape());
      int64_t count = 1;
      for (int64_t a = axis; a < t.getRank(); ++a) {
        count *= shape[a];
        shape[a] = 1;
        v = tosa::ReduceSumOp::create(
            b, loc, RankedTensorType::get(shape, t.getElementType()), v,
            b.getI32IntegerAttr(a));
      }
      return binary("Mul", v, scalarLike(1.0f / count, v));
    };
    Value centered = binary("Sub", x, mean(x));
    Value var = mean(binary("Mul", centered, centered));
    Value inv = tosa::RsqrtOp::create(
        b, loc, typeOf(var), binary("Add", var, scalarLike(eps, var)));
    result = binary("Mul", binary("Mul", centered, inv), in(1));
    if (node.input_size() > 2 && !node.input(2).empty())
      result = binary("Add", result, in(2));
    if (node.output_size() > 1)
      fail("LayerNormalization node '" + node.name() +
           "': the mean and inverse-deviation outputs are not supported");
  } else if (op == "Erf") {
    result = tosa::ErfOp::create(b, loc, typeOf(in(0)), in(0));
  } else if (op == "Pow") {
    Value x = in(0), e = in(1);
    std::optional<float> exponent = splatOf(e);
    if (exponent == 2.0f)
      result = binary("Mul", x, x);
    else if (exponent == 0.5f)
      result = tosa::ReciprocalOp::create(
          b, loc, typeOf(x), tosa::RsqrtOp::create(b, loc, typeOf(x), x));
    else {
      auto [bx, be] = broadcastRanks(x, e);
      result = tosa::PowOp::create(b, loc, broadcastType(bx, be), bx, be);
    }
  } else if (op == "Slice") {
    Value x = in(0);
    RankedTensorType t = typeOf(x);
    SmallVector<int64_t> start, size;
    for (const SliceDim &d : sliceDims(node, t.getShape())) {
      if (d.step != 1)
        fail("Slice node '" + node.name() + "': steps other than 1");
      start.push_back(d.first);
      size.push_back(d.count);
    }
    result = slice(x, start, size);
  } else if (op == "Split") {
    Value x = in(0);
    RankedTensorType t = typeOf(x);
    int64_t axis = axisAttr(node, "axis", 0, t.getRank());
    std::vector<int64_t> sizes;
    if (node.input_size() > 1 && !node.input(1).empty())
      sizes = intInput(node, 1).data;
    else
      sizes.assign(node.output_size(), t.getDimSize(axis) / node.output_size());
    if (static_cast<int64_t>(sizes.size()) != node.output_size() ||
        llvm::any_of(sizes, [](int64_t n) { return n < 0; }) ||
        std::accumulate(sizes.begin(), sizes.end(), int64_t(0)) !=
            t.getDimSize(axis))
      fail("Split node '" + node.name() + "': the split sizes do not add up "
           "to the dimension of " + Twine(t.getDimSize(axis)));
    int64_t offset = 0;
    for (int i = 0; i < node.output_size(); ++i) {
      SmallVector<int64_t> start(t.getRank(), 0), size(t.getShape());
      start[axis] = offset;
      size[axis] = sizes[i];
      offset += sizes[i];
      values[node.output(i)] = slice(x, start, size);
    }
    return;
  } else if (op == "MaxPool" || op == "AveragePool") {
    Value x = in(0);
    RankedTensorType t = typeOf(x);
    if (t.getRank() != 4)
      fail(node.op_type() + " node '" + node.name() + "': 2-D pooling only");
    auto ints2 = [&](StringRef name, SmallVector<int64_t> fallback) {
      if (const auto *attr = findAttr(node, name))
        return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
      return fallback;
    };
    SmallVector<int64_t> kernel = ints2("kernel_shape", {1, 1});
    SmallVector<int64_t> strides = ints2("strides", {1, 1});
    SmallVector<int64_t> pads = ints2("pads", {0, 0, 0, 0});
    if ((findAttr(node, "ceil_mode") && findAttr(node, "ceil_mode")->i()) ||
        (op == "AveragePool" && findAttr(node, "count_include_pad") &&
         findAttr(node, "count_include_pad")->i()))
      fail(node.op_type() + " node '" + node.name() +
           "': ceil_mode and count_include_pad are not supported");
    if (kernel.size() != 2 || strides.size() != 2 || pads.size() != 4 ||
        llvm::any_of(kernel, [](int64_t k) { return k < 1; }) ||
        llvm::any_of(strides, [](int64_t s) { return s < 1; }) ||
        llvm::any_of(pads, [](int64_t p) { return p < 0; }))
      fail(node.op_type() + " node '" + node.name() +
           "': bad kernel_shape, strides or pads");
    // TOSA's pools pad by less than the kernel on every side.
    if (pads[0] >= kernel[0] || pads[2] >= kernel[0] ||
        pads[1] >= kernel[1] || pads[3] >= kernel[1])
      fail(node.op_type() + " node '" + node.name() +
           "': padding as large as the kernel is not supported");
    int64_t n = t.getDimSize(0), c = t.getDimSize(1);
    // floor((in + pads - kernel) / stride) + 1 (ceil_mode is rejected).
    SmallVector<int64_t> outHW, inHW = {t.getDimSize(2), t.getDimSize(3)};
    int64_t cut[2];
    for (int i = 0; i < 2; ++i) {
      std::optional<int64_t> extent = fitWindows(
          inHW[i], kernel[i], pads[i], pads[2 + i], strides[i], cut[i]);
      if (!extent)
        fail(node.op_type() + " node '" + node.name() +
             "': the kernel is larger than the padded input");
      outHW.push_back(*extent);
    }
    auto outT = RankedTensorType::get({n, c, outHW[0], outHW[1]},
                                      b.getF32Type());
    Value nhwc = tosa::TransposeOp::create(
        b, loc, RankedTensorType::get({n, inHW[0], inHW[1], c}, b.getF32Type()),
        x, b.getDenseI32ArrayAttr({0, 2, 3, 1}));
    if (cut[0] || cut[1])
      nhwc = slice(nhwc, {0, 0, 0, 0},
                   {n, inHW[0] - cut[0], inHW[1] - cut[1], c});
    auto outType = RankedTensorType::get(
        {n, outT.getDimSize(2), outT.getDimSize(3), c}, b.getF32Type());
    auto pad = b.getDenseI64ArrayAttr({pads[0], pads[2], pads[1], pads[3]});
    Value y = op == "MaxPool"
                  ? tosa::MaxPool2dOp::create(
                        b, loc, outType, nhwc, b.getDenseI64ArrayAttr(kernel),
                        b.getDenseI64ArrayAttr(strides), pad)
                        .getResult()
                  : tosa::AvgPool2dOp::create(
                        b, loc, outType, nhwc, b.getDenseI64ArrayAttr(kernel),
                        b.getDenseI64ArrayAttr(strides), pad,
                        TypeAttr::get(b.getF32Type()))
                        .getResult();
    result = tosa::TransposeOp::create(b, loc, outT, y,
                                       b.getDenseI32ArrayAttr({0, 3, 1, 2}));
  } else if (op == "GatherElements") {
    result = gatherElements(node, in(0));
  } else if (op == "Einsum") {
    SmallVector<Value> operands;
    for (int i = 0, e = node.input_size(); i < e; ++i)
      operands.push_back(in(i));
    result = einsum(node, operands);
  } else if (options.allowUnregistered) {
    opaque(node);
    return;
  } else {
    fail("unsupported ONNX op '" + node.op_type() + "' (node '" +
         node.name() + "', opset " + std::to_string(opset) +
         "; --onnx-allow-unregistered imports it as an opaque op)");
  }
  if (!result)
    return;
  numElements(typeOf(result).getShape(),
              node.op_type() + " node '" + node.name() + "'");
  // The shape inference's type for the output must match what we built.
  auto expected = inferred.find(node.output(0));
  if (expected != inferred.end() && expected->second != typeOf(result))
    fail(llvm::formatv("node '{0}' ({1}): built {2}, but ONNX infers {3}",
                       node.name(), node.op_type(), typeOf(result),
                       expected->second));
  values[node.output(0)] = result;
}

int64_t Importer::normalizeAxis(const onnx::NodeProto &node, int64_t axis,
                                int64_t rank) {
  if (axis < -rank || axis >= rank)
    fail(node.op_type() + " node '" + node.name() + "': axis " + Twine(axis) +
         " is out of range for rank " + Twine(rank));
  return axis < 0 ? axis + rank : axis;
}

int64_t Importer::axisAttr(const onnx::NodeProto &node, StringRef name,
                           int64_t dflt, int64_t rank) {
  const auto *attr = findAttr(node, name);
  return normalizeAxis(node, attr ? attr->i() : dflt, rank);
}

SmallVector<int64_t> Importer::permutation(const onnx::NodeProto &node,
                                           int64_t rank) {
  SmallVector<int64_t> perm;
  if (const auto *attr = findAttr(node, "perm"))
    perm.assign(attr->ints().begin(), attr->ints().end());
  else
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  SmallVector<bool> seen(rank, false);
  for (int64_t &p : perm) {
    if (static_cast<int64_t>(perm.size()) != rank || p < -rank || p >= rank ||
        seen[p < 0 ? p + rank : p])
      fail("Transpose node '" + node.name() +
           "': perm is not a permutation of the input's axes");
    p = p < 0 ? p + rank : p;
    seen[p] = true;
  }
  return perm;
}

SmallVector<int64_t> Importer::squeezedShape(const onnx::NodeProto &node,
                                             ArrayRef<int64_t> shape) {
  SmallVector<int64_t> axes;
  if (node.input_size() > 1 && !node.input(1).empty())
    llvm::append_range(axes, intInput(node, 1).data);
  else if (const auto *attr = findAttr(node, "axes"))
    axes.assign(attr->ints().begin(), attr->ints().end());
  int64_t rank = shape.size();
  bool unsqueeze = node.op_type() == "Unsqueeze";
  int64_t outRank = unsqueeze ? rank + static_cast<int64_t>(axes.size()) : rank;
  // Unsqueeze: the new unit dimensions; Squeeze: the ones removed (all unit
  // dimensions when no axes are given).
  SmallVector<bool> marked(outRank, !unsqueeze && axes.empty());
  for (int64_t a : axes) {
    int64_t axis = normalizeAxis(node, a, outRank);
    if (marked[axis])
      fail(node.op_type() + " node '" + node.name() + "': axis " + Twine(a) +
           " is repeated");
    if (!unsqueeze && shape[axis] != 1)
      fail("Squeeze node '" + node.name() + "': dimension " + Twine(axis) +
           " is not 1");
    marked[axis] = true;
  }
  SmallVector<int64_t> result;
  for (int64_t i = 0, j = 0; i < outRank; ++i) {
    if (unsqueeze)
      result.push_back(marked[i] ? 1 : shape[j++]);
    else if (!marked[i] || shape[i] != 1)
      result.push_back(shape[i]);
  }
  return result;
}

SmallVector<Importer::SliceDim>
Importer::sliceDims(const onnx::NodeProto &node, ArrayRef<int64_t> shape) {
  int64_t rank = shape.size();
  auto optional = [&](int i) {
    return node.input_size() > i && !node.input(i).empty();
  };
  const std::vector<int64_t> &starts = intInput(node, 1).data,
                             &ends = intInput(node, 2).data;
  std::vector<int64_t> axes, steps(starts.size(), 1);
  if (optional(3))
    axes = intInput(node, 3).data;
  else
    for (size_t i = 0; i < starts.size(); ++i)
      axes.push_back(i);
  if (optional(4))
    steps = intInput(node, 4).data;
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    fail("Slice node '" + node.name() +
         "': starts, ends, axes and steps differ in length");
  SmallVector<SliceDim> dims;
  for (int64_t d : shape)
    dims.push_back({0, d, 1});
  SmallVector<bool> seen(rank, false);
  for (size_t i = 0; i < axes.size(); ++i) {
    int64_t axis = normalizeAxis(node, axes[i], rank), dim = shape[axis];
    int64_t step = steps[i];
    if (seen[axis])
      fail("Slice node '" + node.name() + "': axis " + Twine(axes[i]) +
           " is repeated");
    seen[axis] = true;
    if (step == 0 || step == std::numeric_limits<int64_t>::min())
      fail("Slice node '" + node.name() + "' has an invalid step");
    if (dim == 0) {
      dims[axis] = {0, 0, step};
      continue;
    }
    // Starts and ends may be anything from INT64_MIN to INT64_MAX; ONNX
    // clamps them to [0, dim] going forwards and [-1, dim - 1] backwards.
    int64_t lo = starts[i], hi = ends[i];
    lo = lo < 0 ? std::max<int64_t>(lo, -dim - 1) + dim : lo;
    hi = hi < 0 ? std::max<int64_t>(hi, -dim - 1) + dim : hi;
    lo = step > 0 ? std::clamp<int64_t>(lo, 0, dim)
                  : std::clamp<int64_t>(lo, 0, dim - 1);
    hi = step > 0 ? std::clamp<int64_t>(hi, 0, dim)
                  : std::clamp<int64_t>(hi, -1, dim - 1);
    // Written so that no step, however large, overflows.
    int64_t count = step > 0 ? (hi > lo ? 1 + (hi - lo - 1) / step : 0)
                             : (lo > hi ? 1 + (lo - hi - 1) / -step : 0);
    dims[axis] = {lo, count, step};
  }
  return dims;
}

/// An op the importer does not know, as an unregistered `onnx.<OpType>` op
/// for inspection: the node's float operands (import-time int64 data as
/// i64 constants), its attributes, and result types from ONNX's shape
/// inference. The module then needs --allow-unregistered-dialect to parse.
void Importer::opaque(const onnx::NodeProto &node) {
  std::string name = "onnx." + node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    name = "onnx." + node.domain() + "." + node.op_type();
  OperationState state(loc, name);
  for (const std::string &input : node.input()) {
    if (input.empty())
      continue;
    if (auto it = ints.find(input); it != ints.end()) {
      auto type = RankedTensorType::get(it->second.shape, b.getI64Type());
      state.operands.push_back(arith::ConstantOp::create(
          b, loc, type,
          DenseElementsAttr::get(type, ArrayRef<int64_t>(it->second.data))));
      continue;
    }
    auto it = values.find(input);
    if (it == values.end() || !it->second)
      fail("node '" + node.name() + "' (" + node.op_type() + ") uses '" +
           input + "', which is not defined before it");
    state.operands.push_back(it->second);
  }
  for (const std::string &output : node.output()) {
    auto it = inferred.find(output);
    if (it == inferred.end())
      fail("node '" + node.name() + "' (" + node.op_type() +
           "): the type of its output '" + output +
           "' is unknown after shape inference, so it cannot be imported "
           "even as an opaque op");
    state.types.push_back(it->second);
  }
  for (const onnx::AttributeProto &attr : node.attribute()) {
    Attribute value;
    switch (attr.type()) {
    case onnx::AttributeProto::INT:
      value = b.getI64IntegerAttr(attr.i());
      break;
    case onnx::AttributeProto::FLOAT:
      value = b.getF32FloatAttr(attr.f());
      break;
    case onnx::AttributeProto::STRING:
      value = b.getStringAttr(attr.s());
      break;
    case onnx::AttributeProto::INTS:
      value = b.getDenseI64ArrayAttr(
          SmallVector<int64_t>(attr.ints().begin(), attr.ints().end()));
      break;
    case onnx::AttributeProto::FLOATS:
      value = b.getDenseF32ArrayAttr(
          SmallVector<float>(attr.floats().begin(), attr.floats().end()));
      break;
    default:
      value = b.getStringAttr("<" +
                              onnx::AttributeProto::AttributeType_Name(
                                  attr.type()) +
                              " attribute>");
    }
    state.addAttribute(attr.name(), value);
  }
  Operation *op = b.create(state);
  for (auto [output, result] : llvm::zip(node.output(), op->getResults()))
    values[output] = result;
}

IntTensor Importer::intFromProto(const onnx::TensorProto &t) {
  IntTensor r;
  r.shape.assign(t.dims().begin(), t.dims().end());
  int64_t n = numElements(r.shape, "int64 tensor '" + t.name() + "'",
                          kMaxIntElements);
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    fail("int64 tensor '" + t.name() + "' uses external data");
  if (t.has_raw_data()) {
    if (static_cast<int64_t>(t.raw_data().size()) != 8 * n)
      fail("int64 tensor '" + t.name() + "' is truncated");
    r.data.resize(n);
    std::memcpy(r.data.data(), t.raw_data().data(), 8 * n);
  } else {
    if (t.int64_data_size() != n)
      fail("int64 tensor '" + t.name() + "' is truncated");
    r.data.assign(t.int64_data().begin(), t.int64_data().end());
  }
  return r;
}

const IntTensor &Importer::intInput(const onnx::NodeProto &node, int i) {
  auto it = ints.find(node.input(i));
  if (it == ints.end())
    fail(node.op_type() + " node '" + node.name() + "': input '" +
         node.input(i) +
         "' must be known at import time (a constant or shape arithmetic)");
  return it->second;
}

Value Importer::shapeValue(ArrayRef<int64_t> values) {
  return tosa::ConstShapeOp::create(
      b, loc, tosa::shapeType::get(ctx, values.size()),
      DenseIntElementsAttr::get(
          RankedTensorType::get({static_cast<int64_t>(values.size())},
                                b.getIndexType()),
          values));
}

Value Importer::slice(Value x, ArrayRef<int64_t> start,
                      ArrayRef<int64_t> size) {
  return tosa::SliceOp::create(
      b, loc, RankedTensorType::get(size, typeOf(x).getElementType()), x,
      shapeValue(start), shapeValue(size));
}

/// Evaluates the int64 shape arithmetic that exports of `x.chunk`, `flatten`,
/// `view` and window padding produce, so that the graph becomes static:
/// Shape and Size (of any tensor), Range, ConstantOfShape, elementwise
/// Add/Sub/Mul/Div/Mod/Neg/Abs, comparisons, Max/Min, Where, Not/And/Or (with
/// broadcasting), and Cast, Identity, Reshape, Transpose, Slice (any axes and
/// steps), Squeeze, Unsqueeze, Concat, Gather and Expand of known int64
/// tensors. Returns whether `node` was folded.
bool Importer::foldShapeArithmetic(const onnx::NodeProto &node) {
  StringRef op = node.op_type();
  auto known = [&](int i) {
    return i < node.input_size() && ints.count(node.input(i));
  };
  auto set = [&](IntTensor t) {
    ints[node.output(0)] = std::move(t);
    return true;
  };
  auto attrInt = [&](StringRef name, int64_t dflt) {
    const auto *attr = findAttr(node, name);
    return attr ? attr->i() : dflt;
  };
  if (op == "Shape" || op == "Size") {
    SmallVector<int64_t> shape;
    if (known(0)) {
      shape = ints[node.input(0)].shape;
    } else {
      auto it = values.find(node.input(0));
      if (it == values.end() || !it->second)
        return false;
      shape.assign(typeOf(it->second).getShape().begin(),
                   typeOf(it->second).getShape().end());
    }
    IntTensor r;
    if (op == "Size") {
      r.data = {std::accumulate(shape.begin(), shape.end(), int64_t(1),
                                std::multiplies<int64_t>())};
      return set(r);
    }
    int64_t rank = shape.size();
    int64_t start = attrInt("start", 0), end = attrInt("end", rank);
    if (start < 0)
      start += rank;
    if (end < 0)
      end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, start, rank);
    r.data.assign(shape.begin() + start, shape.begin() + end);
    r.shape = {static_cast<int64_t>(r.data.size())};
    return set(r);
  }
  if (op == "Range" && known(0) && known(1) && known(2)) {
    int64_t start = ints[node.input(0)].data.at(0);
    int64_t limit = ints[node.input(1)].data.at(0);
    int64_t delta = ints[node.input(2)].data.at(0);
    if (delta == 0)
      fail("Range node '" + node.name() + "' has a zero step");
    // ceil((limit - start) / delta) elements, computed without overflow.
    double count = std::ceil((static_cast<double>(limit) - start) / delta);
    if (count > kMaxIntElements)
      fail("Range node '" + node.name() + "' has more than " +
           Twine(kMaxIntElements) + " elements");
    IntTensor r;
    for (int64_t v = start; delta > 0 ? v < limit : v > limit; v += delta)
      r.data.push_back(v);
    r.shape = {static_cast<int64_t>(r.data.size())};
    return set(r);
  }
  if (op == "ConstantOfShape" && known(0)) {
    const IntTensor &shapeT = ints[node.input(0)];
    SmallVector<int64_t> shape(shapeT.data.begin(), shapeT.data.end());
    const auto *attr = findAttr(node, "value");
    int type = attr ? attr->t().data_type() : onnx::TensorProto::FLOAT;
    std::string what = "ConstantOfShape node '" + node.name() + "'";
    int64_t n = type == onnx::TensorProto::INT64
                    ? numElements(shape, what, kMaxIntElements)
                    : numElements(shape, what);
    if (type == onnx::TensorProto::INT64) {
      IntTensor r;
      r.shape = shape;
      r.data.assign(n, intFromProto(attr->t()).data.at(0));
      return set(r);
    }
    if (type != onnx::TensorProto::FLOAT)
      fail("ConstantOfShape node '" + node.name() +
           "': only float and int64 values are supported");
    float value = 0.0f;
    if (attr) {
      const onnx::TensorProto &t = attr->t();
      if (t.has_raw_data() && t.raw_data().size() == 4)
        std::memcpy(&value, t.raw_data().data(), 4);
      else if (t.float_data_size() == 1)
        value = t.float_data(0);
    }
    auto type2 = RankedTensorType::get(shape, b.getF32Type());
    values[node.output(0)] = tosa::ConstOp::create(
        b, loc, type2, DenseElementsAttr::get(type2, value));
    return true;
  }
  // Elementwise operations with NumPy broadcasting.
  static const llvm::StringSet<> elementwise = {
      "Add", "Sub", "Mul", "Div", "Mod", "Equal", "Less", "Greater",
      "LessOrEqual", "GreaterOrEqual", "Max", "Min", "Where", "Neg", "Abs",
      "Not", "And", "Or"};
  if (elementwise.contains(op)) {
    SmallVector<const IntTensor *> args;
    for (int i = 0; i < node.input_size(); ++i) {
      if (!known(i))
        return false;
      args.push_back(&ints[node.input(i)]);
    }
    bool cMod = attrInt("fmod", 0) != 0;
    return set(elementwiseInts(
        node, args, [&](ArrayRef<int64_t> v) -> int64_t {
          auto divisor = [&]() {
            if (v[1] == 0)
              fail(op + " node '" + node.name() +
                   "' divides shape data by zero");
            return v[1];
          };
          int64_t r;
          auto overflow = [&]() -> int64_t {
            fail(op + " node '" + node.name() + "' overflows int64");
          };
          if (op == "Add")
            return llvm::AddOverflow(v[0], v[1], r) ? overflow() : r;
          if (op == "Sub")
            return llvm::SubOverflow(v[0], v[1], r) ? overflow() : r;
          if (op == "Mul")
            return llvm::MulOverflow(v[0], v[1], r) ? overflow() : r;
          if ((op == "Div" || op == "Mod") && v[1] == -1)
            return op == "Mod" ? 0
                   : v[0] == std::numeric_limits<int64_t>::min()
                       ? overflow()
                       : -v[0];
          if (op == "Div")
            return v[0] / divisor();
          if (op == "Mod") {
            // fmod=0 (integers): the result has the sign of the divisor,
            // as in Python; fmod=1: the sign of the dividend, as in C.
            r = v[0] % divisor();
            if (!cMod && r != 0 && ((r < 0) != (v[1] < 0)))
              r += v[1];
            return r;
          }
          if (op == "Equal")
            return v[0] == v[1];
          if (op == "Less")
            return v[0] < v[1];
          if (op == "Greater")
            return v[0] > v[1];
          if (op == "LessOrEqual")
            return v[0] <= v[1];
          if (op == "GreaterOrEqual")
            return v[0] >= v[1];
          if (op == "Max")
            return *std::max_element(v.begin(), v.end());
          if (op == "Min")
            return *std::min_element(v.begin(), v.end());
          if (op == "Where")
            return v[0] ? v[1] : v[2];
          if (op == "Neg" || op == "Abs") {
            if (v[0] == std::numeric_limits<int64_t>::min())
              return overflow();
            return op == "Neg" ? -v[0] : std::abs(v[0]);
          }
          if (op == "Not")
            return !v[0];
          if (op == "And")
            return v[0] && v[1];
          return v[0] || v[1]; // Or
        }));
  }
  if (!known(0))
    return false;
  const IntTensor &x = ints[node.input(0)];
  int64_t rank = x.shape.size();
  if (op == "Cast") {
    int64_t to = attrInt("to", onnx::TensorProto::INT64);
    if (to == onnx::TensorProto::FLOAT) {
      // Shape data used as a float tensor (sizes in a normalisation, say).
      SmallVector<float> data(x.data.begin(), x.data.end());
      auto type = RankedTensorType::get(x.shape, b.getF32Type());
      values[node.output(0)] = tosa::ConstOp::create(
          b, loc, type, DenseElementsAttr::get(type, ArrayRef<float>(data)));
      return true;
    }
    return set(x);
  }
  if (op == "Identity")
    return set(x);
  if (op == "Reshape" && known(1)) {
    SmallVector<int64_t> shape(ints[node.input(1)].data.begin(),
                               ints[node.input(1)].data.end());
    int64_t inferred = -1, product = 1;
    for (auto [i, d] : llvm::enumerate(shape)) {
      if (d == 0 && attrInt("allowzero", 0) == 0)
        d = i < x.shape.size() ? x.shape[i] : 0;
      if (d == -1 && inferred == -1)
        inferred = i;
      else if (d < 0)
        fail("Reshape node '" + node.name() + "': bad shape data");
      else
        product *= d;
    }
    if (inferred >= 0)
      shape[inferred] = product ? x.data.size() / product : 0;
    IntTensor r = x;
    r.shape = shape;
    if (numElements(shape, "Reshape node '" + node.name() + "'",
                    kMaxIntElements) != static_cast<int64_t>(x.data.size()))
      fail("Reshape node '" + node.name() + "': the new shape does not hold " +
           Twine(x.data.size()) + " elements");
    return set(r);
  }
  if (op == "Transpose") {
    SmallVector<int64_t> outShape;
    SmallVector<int64_t> inStrides = stridesOf(x.shape), outStrides;
    for (int64_t p : permutation(node, rank)) {
      outShape.push_back(x.shape[p]);
      outStrides.push_back(inStrides[p]);
    }
    return set(gatherStrided(x, outShape, outStrides, 0));
  }
  if (op == "Slice" && known(1) && known(2)) {
    SmallVector<int64_t> strides = stridesOf(x.shape), outShape, outStrides;
    int64_t offset = 0;
    for (auto [d, stride] : llvm::zip(sliceDims(node, x.shape), strides)) {
      outShape.push_back(d.count);
      outStrides.push_back(stride * d.step);
      offset += d.first * stride;
    }
    return set(gatherStrided(x, outShape, outStrides, offset));
  }
  if (op == "Unsqueeze" || op == "Squeeze") {
    IntTensor r = x;
    r.shape = squeezedShape(node, x.shape);
    return set(r);
  }
  if (op == "Concat") {
    SmallVector<const IntTensor *> parts;
    for (int i = 0; i < node.input_size(); ++i) {
      if (!known(i))
        return false;
      parts.push_back(&ints[node.input(i)]);
    }
    int64_t axis = normalizeAxis(node, attrInt("axis", 0),
                                 std::max<int64_t>(rank, 1));
    IntTensor r;
    r.shape.assign(x.shape.begin(), x.shape.end());
    if (r.shape.empty())
      r.shape = {1};
    r.shape[axis] = 0;
    for (const IntTensor *part : parts) {
      if (part->shape.size() != x.shape.size())
        fail("Concat node '" + node.name() + "': inputs differ in rank");
      r.shape[axis] += part->shape.empty() ? 1 : part->shape[axis];
    }
    int64_t outer = 1;
    for (int64_t i = 0; i < axis; ++i)
      outer *= x.shape[i];
    for (int64_t o = 0; o < outer; ++o)
      for (const IntTensor *part : parts) {
        int64_t chunk = part->data.size() / std::max<int64_t>(outer, 1);
        r.data.insert(r.data.end(), part->data.begin() + o * chunk,
                      part->data.begin() + (o + 1) * chunk);
      }
    return set(r);
  }
  if (op == "Gather" && known(1)) {
    if (rank == 0)
      fail("Gather node '" + node.name() + "' gathers from a scalar");
    int64_t axis = normalizeAxis(node, attrInt("axis", 0), rank);
    const IntTensor &idx = ints[node.input(1)];
    IntTensor r;
    r.shape.assign(x.shape.begin(), x.shape.begin() + axis);
    r.shape.append(idx.shape.begin(), idx.shape.end());
    r.shape.append(x.shape.begin() + axis + 1, x.shape.end());
    numElements(r.shape, "Gather node '" + node.name() + "'", kMaxIntElements);
    int64_t outer = 1, inner = 1, dim = x.shape[axis];
    for (int64_t i = 0; i < axis; ++i)
      outer *= x.shape[i];
    for (int64_t i = axis + 1; i < rank; ++i)
      inner *= x.shape[i];
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i : idx.data) {
        if (i < -dim || i >= dim)
          fail("Gather node '" + node.name() + "': index " + Twine(i) +
               " is out of range for a dimension of " + Twine(dim));
        int64_t base = (o * dim + (i < 0 ? i + dim : i)) * inner;
        r.data.insert(r.data.end(), x.data.begin() + base,
                      x.data.begin() + base + inner);
      }
    return set(r);
  }
  if (op == "Expand" && known(1)) {
    IntTensor shape;
    shape.shape.assign(ints[node.input(1)].data.begin(),
                       ints[node.input(1)].data.end());
    shape.data.assign(
        numElements(shape.shape, "Expand node '" + node.name() + "'",
                    kMaxIntElements),
        0);
    return set(elementwiseInts(node, {&x, &shape},
                               [](ArrayRef<int64_t> v) { return v[0]; }));
  }
  return false;
}

/// Row-major strides of `shape`.
SmallVector<int64_t> Importer::stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t i = static_cast<int64_t>(shape.size()) - 2; i >= 0; --i)
    strides[i] = strides[i + 1] * shape[i + 1];
  return strides;
}

/// The elements of `x` at `offset + sum(index[d] * strides[d])` for every
/// index of `shape`: transposes and strided slices.
IntTensor Importer::gatherStrided(const IntTensor &x, ArrayRef<int64_t> shape,
                                  ArrayRef<int64_t> strides, int64_t offset) {
  IntTensor r;
  r.shape.assign(shape.begin(), shape.end());
  int64_t n = numElements(shape, "shape data", kMaxIntElements);
  SmallVector<int64_t> index(shape.size(), 0);
  for (int64_t e = 0; e < n; ++e) {
    int64_t at = offset;
    for (size_t d = 0; d < shape.size(); ++d)
      at += index[d] * strides[d];
    r.data.push_back(x.data.at(at));
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return r;
}

/// Applies `fn` elementwise to `args` broadcast together, NumPy style.
IntTensor Importer::elementwiseInts(
    const onnx::NodeProto &node, ArrayRef<const IntTensor *> args,
    llvm::function_ref<int64_t(ArrayRef<int64_t>)> fn) {
  size_t outRank = 0;
  for (const IntTensor *a : args)
    outRank = std::max(outRank, a->shape.size());
  SmallVector<int64_t> shape(outRank, 1);
  for (const IntTensor *a : args)
    for (size_t i = 0; i < a->shape.size(); ++i) {
      int64_t d = a->shape[i], &o = shape[outRank - a->shape.size() + i];
      if (d != o && d != 1 && o != 1)
        fail(node.op_type() + " node '" + node.name() +
             "': shapes do not broadcast");
      if (d != 1)
        o = d;
    }
  // Each operand's strides in the output's index space (0 where broadcast).
  SmallVector<SmallVector<int64_t>> strides;
  for (const IntTensor *a : args) {
    SmallVector<int64_t> own = stridesOf(a->shape), s(outRank, 0);
    for (size_t i = 0; i < a->shape.size(); ++i)
      if (a->shape[i] != 1)
        s[outRank - a->shape.size() + i] = own[i];
    strides.push_back(s);
  }
  IntTensor r;
  r.shape = shape;
  int64_t n = numElements(shape, node.op_type() + " node '" + node.name() + "'",
                          kMaxIntElements);
  SmallVector<int64_t> index(outRank, 0), operands(args.size());
  for (int64_t e = 0; e < n; ++e) {
    for (size_t k = 0; k < args.size(); ++k) {
      int64_t at = 0;
      for (size_t d = 0; d < outRank; ++d)
        at += index[d] * strides[k][d];
      operands[k] = args[k]->data.at(at);
    }
    r.data.push_back(fn(operands));
    for (int64_t d = static_cast<int64_t>(outRank) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  return r;
}

OwningOpRef<ModuleOp> Importer::run() {
  const onnx::GraphProto &graph = model.graph();
  // Inputs first: their problems (dynamic or non-float) are the ones users
  // can fix.
  llvm::StringSet<> initializerNames;
  for (const auto &init : graph.initializer())
    initializerNames.insert(init.name());
  SmallVector<Type> argTypes;
  SmallVector<const onnx::ValueInfoProto *> args;
  for (const auto &input : graph.input()) {
    if (initializerNames.contains(input.name()))
      continue;
    // int64 inputs are indices for Gather.
    argTypes.push_back(typeOf(input, /*allowInt64=*/true));
    args.push_back(&input);
  }
  for (const auto &info : graph.value_info())
    if (info.type().has_tensor_type() &&
        info.type().tensor_type().elem_type() == onnx::TensorProto::FLOAT) {
      bool isStatic = true;
      for (const auto &dim : info.type().tensor_type().shape().dim())
        isStatic &= dim.has_dim_value();
      if (isStatic && info.type().tensor_type().has_shape())
        inferred[info.name()] = typeOf(info);
    }
  // Declared output shapes are checked where they are static; exporters
  // leave symbolic dimensions where their own tracing lost the shape (after
  // int64 Mod, say), and the import computes those.
  for (const auto &info : graph.output()) {
    const auto &tt = info.type().tensor_type();
    if (info.type().has_tensor_type() &&
        llvm::all_of(tt.shape().dim(),
                     [](const auto &dim) { return dim.has_dim_value(); }))
      inferred[info.name()] = typeOf(info);
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  std::string name = graph.name().empty() ? "main" : graph.name();
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_')
      c = '_';
  // The result types are set once the graph is converted.
  auto func = func::FuncOp::create(b, loc, name,
                                   b.getFunctionType(argTypes, {}));
  // The graph's names, for tools that bind inputs and outputs by name.
  SmallVector<Attribute> inNames, outNames;
  for (const auto *arg : args)
    inNames.push_back(b.getStringAttr(arg->name()));
  for (const auto &output : graph.output())
    outNames.push_back(b.getStringAttr(output.name()));
  func->setAttr("onnx.input_names", b.getArrayAttr(inNames));
  func->setAttr("onnx.output_names", b.getArrayAttr(outNames));
  Block *body = func.addEntryBlock();
  b.setInsertionPointToStart(body);
  for (auto [arg, info] : llvm::zip(body->getArguments(), args))
    values[info->name()] = arg;
  for (const auto &init : graph.initializer()) {
    if (init.data_type() == onnx::TensorProto::INT64)
      ints[init.name()] = intFromProto(init);
    else
      values[init.name()] = constant(init);
  }
  for (const auto &node : graph.node()) {
    if (!node.domain().empty() && node.domain() != "ai.onnx" &&
        !options.allowUnregistered)
      fail("unsupported ONNX op '" + node.op_type() + "' from domain '" +
           node.domain() + "' (node '" + node.name() + "')");
    loc = NameLoc::get(b.getStringAttr(node.name().empty() ? node.op_type()
                                                           : node.name()));
    convert(node);
  }
  loc = UnknownLoc::get(ctx);
  SmallVector<Value> results;
  for (const auto &output : graph.output()) {
    if (!output.type().has_tensor_type() ||
        output.type().tensor_type().elem_type() != onnx::TensorProto::FLOAT)
      typeOf(output); // Reports the non-float output.
    onnx::NodeProto none;
    none.set_name("<graph output>");
    Value result = lookup(output.name(), none);
    auto expected = inferred.find(output.name());
    if (expected != inferred.end() && expected->second != typeOf(result))
      fail(llvm::formatv("graph output '{0}' is declared {1}, but computes {2}",
                         output.name(), expected->second, typeOf(result)));
    results.push_back(result);
  }
  func::ReturnOp::create(b, loc, results);
  func.setFunctionType(
      b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  return module;
}

/// Counts the nodes of the model's main graph straight from the protobuf wire
/// format, without decoding the model (which costs far more memory than the
/// file). Returns std::nullopt when the bytes are not well-formed; the real
/// parse then reports that.
static std::optional<int64_t> countGraphNodes(llvm::StringRef bytes) {
  using google::protobuf::io::CodedInputStream;
  // Field numbers and wire types of onnx.proto's ModelProto.graph and
  // GraphProto.node.
  constexpr uint32_t kModelGraph = 7, kGraphNode = 1;
  constexpr uint32_t kVarint = 0, kFixed64 = 1, kLengthDelimited = 2,
                     kFixed32 = 5;
  CodedInputStream in(reinterpret_cast<const uint8_t *>(bytes.data()),
                      static_cast<int>(bytes.size()));
  auto skip = [&](uint32_t tag) {
    uint64_t varint;
    uint32_t length;
    switch (tag & 7) {
    case kVarint:
      return in.ReadVarint64(&varint);
    case kFixed64:
      return in.Skip(8);
    case kLengthDelimited:
      return in.ReadVarint32(&length) && in.Skip(static_cast<int>(length));
    case kFixed32:
      return in.Skip(4);
    default: // Groups: not used by onnx.proto.
      return false;
    }
  };
  int64_t nodes = 0;
  while (uint32_t tag = in.ReadTag()) {
    if (tag != (kModelGraph << 3 | kLengthDelimited)) {
      if (!skip(tag))
        return std::nullopt;
      continue;
    }
    uint32_t length;
    if (!in.ReadVarint32(&length))
      return std::nullopt;
    CodedInputStream::Limit limit = in.PushLimit(static_cast<int>(length));
    while (uint32_t graphTag = in.ReadTag()) {
      if (graphTag == (kGraphNode << 3 | kLengthDelimited))
        ++nodes;
      if (!skip(graphTag))
        return std::nullopt;
    }
    if (!in.ConsumedEntireMessage())
      return std::nullopt;
    in.PopLimit(limit);
  }
  if (!in.ConsumedEntireMessage())
    return std::nullopt;
  return nodes;
}

/// Checks, before libonnx sees them, what Debian's libonnx 1.12 trusts and
/// crashes on (found by fuzzing): every tensor's data must match its shape
/// and type (onnx::ParseData sizes its buffer from the shape but copies all
/// of raw_data), and the convolutions and pools this importer supports must
/// be 2-D (convPoolShapeInference reads past the input's dimensions when the
/// weight has more).
static void validateTensor(const onnx::TensorProto &t) {
  int64_t n = 1;
  for (int64_t d : t.dims())
    if (d < 0 || llvm::MulOverflow(n, d, n))
      fail("tensor '" + t.name() + "' has an invalid shape");
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return;
  int64_t elementBytes = 0, values = -1;
  switch (t.data_type()) {
  case onnx::TensorProto::FLOAT:
    elementBytes = 4, values = t.float_data_size();
    break;
  case onnx::TensorProto::DOUBLE:
    elementBytes = 8, values = t.double_data_size();
    break;
  case onnx::TensorProto::INT64:
    elementBytes = 8, values = t.int64_data_size();
    break;
  case onnx::TensorProto::UINT32:
  case onnx::TensorProto::UINT64:
    elementBytes = t.data_type() == onnx::TensorProto::UINT32 ? 4 : 8;
    values = t.uint64_data_size();
    break;
  case onnx::TensorProto::INT32:
  case onnx::TensorProto::FLOAT16:
  case onnx::TensorProto::BFLOAT16:
  case onnx::TensorProto::INT16:
  case onnx::TensorProto::UINT16:
  case onnx::TensorProto::INT8:
  case onnx::TensorProto::UINT8:
  case onnx::TensorProto::BOOL:
    elementBytes = t.data_type() == onnx::TensorProto::INT32 ? 4
                   : t.data_type() == onnx::TensorProto::INT8 ||
                           t.data_type() == onnx::TensorProto::UINT8 ||
                           t.data_type() == onnx::TensorProto::BOOL
                       ? 1
                       : 2;
    values = t.int32_data_size();
    break;
  default: // Strings and complex numbers: never read as numbers here.
    return;
  }
  int64_t bytes;
  if (t.has_raw_data()) {
    if (llvm::MulOverflow(n, elementBytes, bytes) ||
        static_cast<int64_t>(t.raw_data().size()) != bytes)
      fail("tensor '" + t.name() + "' holds " + Twine(t.raw_data().size()) +
           " bytes of data, but its shape and type need " +
           Twine(n) + " elements of " + Twine(elementBytes) + " bytes");
  } else if (values != n) {
    fail("tensor '" + t.name() + "' holds " + Twine(values) +
         " values, but its shape needs " + Twine(n));
  }
}

static void validateGraph(const onnx::GraphProto &graph) {
  for (const onnx::TensorProto &t : graph.initializer())
    validateTensor(t);
  llvm::StringMap<int64_t> inputRanks;
  for (const onnx::ValueInfoProto &info : graph.input())
    if (info.type().tensor_type().has_shape())
      inputRanks[info.name()] = info.type().tensor_type().shape().dim_size();
  for (const onnx::TensorProto &t : graph.initializer())
    inputRanks[t.name()] = t.dims_size();
  for (const onnx::NodeProto &node : graph.node()) {
    for (const onnx::AttributeProto &attr : node.attribute()) {
      if (attr.has_t())
        validateTensor(attr.t());
      for (const onnx::TensorProto &t : attr.tensors())
        validateTensor(t);
      if (attr.has_g())
        validateGraph(attr.g());
      for (const onnx::GraphProto &g : attr.graphs())
        validateGraph(g);
    }
    StringRef op = node.op_type();
    if (op != "Conv" && op != "ConvTranspose" && op != "MaxPool" &&
        op != "AveragePool")
      continue;
    for (int i = 0; i < std::min(node.input_size(), 2); ++i) {
      auto it = inputRanks.find(node.input(i));
      if (it != inputRanks.end() && it->second != 4)
        fail(op + " node '" + node.name() + "': input '" + node.input(i) +
             "' has rank " + Twine(it->second) +
             "; only 2-D convolutions and pools (rank 4) are supported");
    }
    for (const onnx::AttributeProto &attr : node.attribute())
      if (attr.name() == "kernel_shape" && attr.ints_size() != 2)
        fail(op + " node '" + node.name() +
             "': only 2-D kernels are supported");
  }
}

FailureOr<OwningOpRef<ModuleOp>>
uniform::importONNX(llvm::StringRef bytes, MLIRContext *context,
                    std::string &error, const ImportONNXOptions &options) {
  context->loadDialect<arith::ArithDialect, func::FuncDialect,
                       tosa::TosaDialect>();
  if (options.allowUnregistered)
    context->allowUnregisteredDialects();
  try {
    // Protobuf cannot parse messages over 2 GiB; larger models keep their
    // weights in external data files, which are not supported.
    if (bytes.size() > static_cast<size_t>(std::numeric_limits<int>::max()))
      fail("the file is " + Twine(bytes.size()) +
           " bytes; ONNX models over 2 GiB (protobuf's limit) need external "
           "data, which is not supported");
    if (std::optional<int64_t> nodes = countGraphNodes(bytes);
        nodes && *nodes > options.maxNodes)
      fail("the graph has " + Twine(*nodes) + " nodes, more than " +
           Twine(options.maxNodes) +
           " (the import limit; see --onnx-max-nodes)");
    onnx::ModelProto model;
    if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      fail("not a valid ONNX model (the protobuf is malformed or truncated)");
    int64_t opset = -1;
    for (const auto &import : model.opset_import())
      if (import.domain().empty() || import.domain() == "ai.onnx")
        opset = import.version();
    if (opset < 13 || opset > 17)
      fail("unsupported opset " + std::to_string(opset) +
           " (opsets 13 to 17 are supported)");
    validateGraph(model.graph());
    onnx::checker::check_model(model);
    // Shape inference first without data propagation, which reports
    // inconsistent graphs; libonnx 1.12's data propagation dereferences null
    // on some of them instead.
    onnx::ShapeInferenceOptions inferenceOptions;
    inferenceOptions.check_type = true;
    inferenceOptions.error_mode = 1;
    inferenceOptions.enable_data_propagation = false;
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(), inferenceOptions);
    inferenceOptions.enable_data_propagation = true;
    onnx::shape_inference::InferShapes(
        model, onnx::OpSchemaRegistry::Instance(), inferenceOptions);
    Importer importer(context, model, opset, options);
    return importer.run();
  } catch (const ImportError &e) {
    error = e.message;
  } catch (const std::exception &e) {
    error = std::string("invalid ONNX model: ") + e.what();
  }
  return failure();
}

void uniform::registerImportONNXTranslation() {
  static llvm::cl::opt<bool> allowUnregistered(
      "onnx-allow-unregistered",
      llvm::cl::desc("Import ONNX ops the importer does not support as "
                     "opaque onnx.<OpType> ops, for inspection"),
      llvm::cl::init(false));
  static llvm::cl::opt<int64_t> maxNodes(
      "onnx-max-nodes",
      llvm::cl::desc("Reject ONNX graphs with more nodes than this"),
      llvm::cl::init(ImportONNXOptions().maxNodes));
  static llvm::cl::opt<int64_t> maxTensorElements(
      "onnx-max-tensor-elements",
      llvm::cl::desc("Reject ONNX models with a tensor of more elements "
                     "than this"),
      llvm::cl::init(ImportONNXOptions().maxTensorElements));
  TranslateToMLIRRegistration registration(
      "import-onnx", "Import an ONNX model (opsets 13 to 17) as TOSA",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        std::string error;
        ImportONNXOptions options;
        options.maxNodes = maxNodes;
        options.maxTensorElements = maxTensorElements;
        options.allowUnregistered = allowUnregistered;
        auto module =
            importONNX(buffer->getBuffer(), context, error, options);
        if (failed(module)) {
          emitError(FileLineColLoc::get(
                        context, buffer->getBufferIdentifier(), 0, 0))
              << "cannot import ONNX model: " << error;
          return nullptr;
        }
        return OwningOpRef<Operation *>(module->release());
      },
      [](DialectRegistry &registry) {
        registry.insert<arith::ArithDialect, func::FuncDialect,
                        tosa::TosaDialect>();
      });
}
