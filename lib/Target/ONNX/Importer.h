//===- Importer.h - The ONNX importer's internal interface ------*- C++ -*-===//
//
// Shared by the files of the ONNX importer, not installed: the Importer
// class that walks a graph and emits TOSA, its errors, and the registry of
// op conversions. ImportONNX.cpp holds the entry points, the registry and
// the graph walk; ImportValues.cpp the helpers every family uses;
// ImportChecks.cpp and ImportOpsets.cpp what is checked and adapted before
// libonnx sees a model; each family of ops has its file (see OpRegistry);
// ImportShapes.cpp feeds import-time int64 data to the pure folds of
// ShapeFolding.h. The files are compiled with C++ exceptions: libonnx
// reports problems by throwing, and fail() throws ImportError, caught only
// in uniform::importONNX.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_LIB_TARGET_ONNX_IMPORTER_H
#define UNIFORM_LIB_TARGET_ONNX_IMPORTER_H

#include "ShapeFolding.h"
#include "uniform/Target/ONNX/ImportONNX.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
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

/// The reason an import failed; thrown inside the importer only. `node` and
/// `opType` name the node being converted, when there is one: the error is
/// reported at its location.
struct ImportError {
  std::string message;
  std::string node, opType;
};

/// The opsets the importer reads, and the newest that Debian's libonnx 1.12
/// checks; newer models are adapted to it (ImportOpsets.cpp).
inline constexpr int64_t kMinOpset = 13, kMaxOpset = 23, kLibOnnxOpset = 17;

/// The domain of ops newer than kLibOnnxOpset that the importer converts
/// itself (Gelu, RMSNormalization): libonnx passes them through unchecked.
inline constexpr llvm::StringLiteral kNewOpsDomain = "ai.onnx.uniform";

/// Initializers with more elements than this become dense_resource blobs.
inline constexpr int64_t kInlineElements = 256;

[[noreturn]] inline void fail(const llvm::Twine &message) {
  throw ImportError{message.str(), {}, {}};
}

/// The value of `v`, or fails with its error prefixed by `what`.
template <typename T> T check(llvm::Expected<T> v, const llvm::Twine &what) {
  if (!v)
    fail(what + ": " + llvm::toString(v.takeError()));
  return std::move(*v);
}

class Importer;

/// Converts one node; returns the value of its only output, or null when it
/// recorded its outputs itself (several outputs, or import-time int64 data).
using OpConverter = Value (Importer::*)(const onnx::NodeProto &node);

/// The op types the importer converts, each from an opset on: a node of
/// opset `v` is converted by the entry with the largest version <= v.
/// Filled by the register*Ops functions of the family files
/// (ImportElementwise.cpp, ImportMatMul.cpp, ImportConvPool.cpp,
/// ImportNormalization.cpp, ImportDataMovement.cpp, ImportAttention.cpp,
/// ImportLogic.cpp).
class OpRegistry {
public:
  /// Registers `converter` for `opType` of `domain` ("" for ONNX's) from
  /// version `sinceVersion` of that domain on.
  void add(StringRef opType, int64_t sinceVersion, OpConverter converter,
           StringRef domain = "");
  /// The converter of `opType` of `domain` at version `version`, or null.
  OpConverter lookup(StringRef domain, StringRef opType, int64_t version) const;
  /// Whether any op of `domain` is registered.
  bool hasDomain(StringRef domain) const { return domains.contains(domain); }
  /// The registry of every family, built once.
  static const OpRegistry &get();

private:
  /// Keyed by "domain:opType".
  llvm::StringMap<SmallVector<std::pair<int64_t, OpConverter>, 1>> table;
  llvm::StringSet<> domains;
};

/// ONNX Runtime's contrib ops (its transformer optimizer's fusions).
inline constexpr llvm::StringLiteral kMicrosoftDomain = "com.microsoft";

void registerElementwiseOps(OpRegistry &registry);
void registerMatMulOps(OpRegistry &registry);
void registerConvPoolOps(OpRegistry &registry);
void registerNormalizationOps(OpRegistry &registry);
void registerDataMovementOps(OpRegistry &registry);
void registerResizeOps(OpRegistry &registry);
void registerAttentionOps(OpRegistry &registry);
void registerLogicOps(OpRegistry &registry);

class Importer {
public:
  /// Imports `model`; ops are located at their node's name within
  /// `fileLoc`.
  Importer(Location fileLoc, const onnx::ModelProto &model, int64_t opset,
           const uniform::ImportONNXOptions &options)
      : ctx(fileLoc.getContext()), model(model), opset(opset), options(options),
        b(ctx), fileLoc(fileLoc), loc(fileLoc) {}

  OwningOpRef<ModuleOp> run();

  /// \name Op conversions, one family per file.
  /// @{
  // ImportElementwise.cpp
  Value importBinary(const onnx::NodeProto &node);
  Value importUnary(const onnx::NodeProto &node);
  Value importRelu(const onnx::NodeProto &node);
  Value importClip(const onnx::NodeProto &node);
  Value importHardActivation(const onnx::NodeProto &node);
  Value importPow(const onnx::NodeProto &node);
  Value importGelu(const onnx::NodeProto &node);
  Value importSoftActivation(const onnx::NodeProto &node);
  Value importRectifier(const onnx::NodeProto &node);
  Value importMaxMin(const onnx::NodeProto &node);
  // ImportMatMul.cpp
  Value importMatMul(const onnx::NodeProto &node);
  Value importGemm(const onnx::NodeProto &node);
  Value importEinsum(const onnx::NodeProto &node);
  // ImportConvPool.cpp
  std::tuple<Value, Value, Value> convOperands(const onnx::NodeProto &node);
  Value importConv(const onnx::NodeProto &node);
  Value importConvTranspose(const onnx::NodeProto &node);
  Value importPool(const onnx::NodeProto &node);
  /// A conv or pool window, 2-D: kernel, strides, dilations and pads
  /// [top, left, bottom, right].
  struct Window {
    SmallVector<int64_t> kernel, strides, dilations, pads;
  };
  /// `node`'s window over `spatial` (1 or 2) dimensions; a 1-D window is
  /// given as 2-D of height 1.
  Window window(const onnx::NodeProto &node, int64_t spatial);
  Value conv2d(const onnx::NodeProto &node, Value x, Value w, Value bias,
               const Window &window);
  Value pool2d(const onnx::NodeProto &node, Value x, const Window &window);
  Value dilateAxis(Value x, int64_t axis, int64_t factor);
  std::pair<SmallVector<int64_t>, SmallVector<double>>
  resizeTarget(const onnx::NodeProto &node, RankedTensorType t);
  Value interpolateAxis(Value x, int64_t axis, ArrayRef<float> weights,
                        int64_t out);
  Value convTranspose2d(const onnx::NodeProto &node, Value x, Value w,
                        Value bias, const Window &window,
                        ArrayRef<int64_t> outputPadding,
                        std::optional<SmallVector<int64_t>> outputShape);
  /// Convolutions in NHWC by group (ImportConvPool.cpp).
  struct ConvAttrs;
  static constexpr int64_t kMaxSlicedGroups = 4;
  Value denseConv(Value nhwc, Value w, Value bias, RankedTensorType outType,
                  const ConvAttrs &attrs);
  Value depthwiseConv(Value nhwc, Value w, Value bias, RankedTensorType outType,
                      const ConvAttrs &attrs);
  Value slicedGroupConv(Value nhwc, Value w, Value bias, int64_t group,
                        RankedTensorType outType, const ConvAttrs &attrs);
  Value summedGroupConv(Value nhwc, Value w, Value bias, int64_t group,
                        RankedTensorType outType, const ConvAttrs &attrs);
  // ImportNormalization.cpp
  Value importSoftmax(const onnx::NodeProto &node);
  Value importBatchNorm(const onnx::NodeProto &node);
  Value importLayerNorm(const onnx::NodeProto &node);
  Value importRMSNorm(const onnx::NodeProto &node);
  Value importReduce(const onnx::NodeProto &node);
  Value importArgMax(const onnx::NodeProto &node);
  // ImportAttention.cpp
  Value importAttention(const onnx::NodeProto &node);
  Value importPackedAttention(const onnx::NodeProto &node);
  Value importMultiHeadAttention(const onnx::NodeProto &node);
  Value importSkipLayerNorm(const onnx::NodeProto &node);
  Value importBiasGelu(const onnx::NodeProto &node);
  // ImportLogic.cpp
  std::pair<Value, Value> compareOperands(const onnx::NodeProto &node);
  Value importCompare(const onnx::NodeProto &node);
  Value importLogical(const onnx::NodeProto &node);
  Value importWhere(const onnx::NodeProto &node);
  Value importScatterND(const onnx::NodeProto &node);
  // ImportDataMovement.cpp
  Value importIdentity(const onnx::NodeProto &node);
  Value importDropout(const onnx::NodeProto &node);
  Value importCast(const onnx::NodeProto &node);
  /// `x` (float) rounded toward zero, as ONNX's Cast to integers does.
  Value truncate(Value x);
  Value importConstant(const onnx::NodeProto &node);
  Value importTranspose(const onnx::NodeProto &node);
  Value importReshape(const onnx::NodeProto &node);
  Value importFlatten(const onnx::NodeProto &node);
  Value importSqueeze(const onnx::NodeProto &node);
  Value importConcat(const onnx::NodeProto &node);
  Value importSlice(const onnx::NodeProto &node);
  Value importSplit(const onnx::NodeProto &node);
  Value importPad(const onnx::NodeProto &node);
  Value padAxis(const onnx::NodeProto &node, Value x, int64_t axis,
                int64_t before, int64_t after, StringRef mode);
  Value importExpand(const onnx::NodeProto &node);
  // ImportResize.cpp
  Value importResize(const onnx::NodeProto &node);
  Value importGather(const onnx::NodeProto &node);
  Value importGatherElements(const onnx::NodeProto &node);
  /// @}

private:
  /// The type of a graph input, output or value_info: its shape, with f32
  /// for the float types the importer computes in (FLOAT16 and BFLOAT16
  /// are widened, exactly), unless `declared` asks for the model's element
  /// type. INT64 and INT32 only where `allowInt`.
  RankedTensorType typeOf(const onnx::ValueInfoProto &info,
                          bool allowInt = false, bool declared = false);
  /// The MLIR element type of ONNX element type `type` (FLOAT16, BFLOAT16,
  /// INT64; f32 otherwise).
  Type declaredElementType(int type);
  /// `v` in f32 when it is f16 or bf16 (a tosa.cast), else `v`.
  Value widen(Value v);
  /// The values of a FLOAT, FLOAT16 or BFLOAT16 tensor of `n` elements, as
  /// f32.
  std::vector<float> floatData(const onnx::TensorProto &tensor, int64_t n);
  RankedTensorType typeOf(Value v) {
    return cast<RankedTensorType>(v.getType());
  }
  Value constant(const onnx::TensorProto &tensor);
  /// An f32 tosa.const of `shape` holding `data`: a dense_resource blob
  /// named after `name` when large, inline otherwise.
  Value floatConstant(ArrayRef<int64_t> shape, ArrayRef<float> data,
                      StringRef name);
  /// The elements of `v` when it is a non-splat f32 tosa.const.
  std::optional<ArrayRef<float>> constantFloats(Value v);
  /// The name of input `i` of `node`; an error when the node names none
  /// (libonnx does not check the ops of kNewOpsDomain and of ONNX
  /// Runtime's domain).
  static const std::string &inputName(const onnx::NodeProto &node, int i) {
    if (!hasInput(node, i))
      failAt(node, "input " + Twine(i) + " is missing (the node names " +
                       Twine(node.input_size()) + ")");
    return node.input(i);
  }
  /// Input `i` of `node`, a float tensor.
  Value input(const onnx::NodeProto &node, int i) {
    return lookup(inputName(node, i), node);
  }
  /// Whether `node` names an input `i` (optional inputs may be empty).
  static bool hasInput(const onnx::NodeProto &node, int i) {
    return node.input_size() > i && !node.input(i).empty();
  }
  Value lookup(const std::string &name, const onnx::NodeProto &node);
  /// The tensor `name` of any element type: float, integer or boolean,
  /// computed at run time or (integers) known at import time, as i64.
  Value anyValue(const std::string &name, const onnx::NodeProto &node);
  /// The graph output `output`, with its declared element type.
  Value graphOutput(const onnx::ValueInfoProto &output);
  /// Input `i` of `node` as a boolean (i1) tensor: a comparison's result,
  /// or import-time data as a constant.
  Value boolInput(const onnx::NodeProto &node, int i);
  void convert(const onnx::NodeProto &node);
  /// The model's version of op domain `domain` (1 when it imports none).
  int64_t domainVersion(StringRef domain) const;
  void opaque(const onnx::NodeProto &node);
  /// Fails with `message` about `node`, prefixed by its op type and name.
  [[noreturn]] static void failAt(const onnx::NodeProto &node,
                                  const Twine &message);
  /// The value of `v`, or fails with its error about `node`.
  template <typename T>
  static T check(const onnx::NodeProto &node, llvm::Expected<T> v) {
    return onnx_import::check(std::move(v),
                              node.op_type() + " node '" + node.name() + "'");
  }

  /// \name Attributes and shape helpers, checked against `node`.
  /// @{
  static int64_t intAttr(const onnx::NodeProto &node, StringRef name,
                         int64_t fallback);
  static float floatAttr(const onnx::NodeProto &node, StringRef name,
                         float fallback);
  static std::optional<SmallVector<int64_t>>
  intsAttr(const onnx::NodeProto &node, StringRef name);
  /// `node`'s int and int-list attributes, for the shape folds.
  static IntAttributes intAttributes(const onnx::NodeProto &node);
  int64_t normalizeAxis(const onnx::NodeProto &node, int64_t axis,
                        int64_t rank) {
    return check(node, onnx_import::normalizeAxis(axis, rank));
  }
  /// The attribute `name` of `node` (or `dflt`) as a normalized axis.
  int64_t axisAttr(const onnx::NodeProto &node, StringRef name, int64_t dflt,
                   int64_t rank) {
    return normalizeAxis(node, intAttr(node, name, dflt), rank);
  }
  /// Squeeze's or Unsqueeze's axes: input 1 (opset 13) or the attribute.
  SmallVector<int64_t> squeezeAxes(const onnx::NodeProto &node);
  SmallVector<SliceDim> sliceDims(const onnx::NodeProto &node,
                                  ArrayRef<int64_t> shape);
  /// @}

  // TOSA helpers.
  Value reshape(Value v, ArrayRef<int64_t> shape);
  std::pair<Value, Value> broadcastRanks(Value a, Value c);
  Value binary(StringRef op, Value a, Value c);
  Value matmul(Value a, Value c);
  Value scalarLike(float value, Value like);
  /// The mean of `v` over its dimensions from `axis` on, kept as units.
  Value meanFrom(Value v, int64_t axis);
  /// Softmax of `x` over `axis`, decomposed as attn-raise expects it.
  Value softmax(Value x, int64_t axis);
  /// Layer normalization of `x` over the axes >= `axis`; `bias` may be null.
  Value layerNorm(Value x, int64_t axis, float eps, Value scale, Value bias);
  /// Gelu of `x`: the erf form, or the tanh approximation.
  Value gelu(Value x, bool tanh);
  /// Scaled dot-product attention of q [B, H, N, D], k [B, Hk, M, D] and
  /// v [B, Hk, M, Dv] (Hk dividing H: grouped heads are repeated), with an
  /// additive `bias` broadcast to [B, H, N, M] (may be null), a causal mask
  /// and a softcap (0: none), as the MatMul/Softmax/MatMul that attn-raise
  /// recognizes. Returns [B, H, N, Dv].
  Value attention(const onnx::NodeProto &node, Value q, Value k, Value v,
                  Value bias, float scale, bool causal, float softcap);
  /// `x` [B, S, H * D] as [B, H, S, D], and back.
  Value splitHeads(Value x, int64_t heads);
  Value mergeHeads(Value x);
  Value clamp(Value v, float lo, float hi);
  static std::optional<float> splatOf(Value v);
  Value transpose(Value v, ArrayRef<int64_t> perm);
  RankedTensorType broadcastType(Value a, Value c);
  Value shapeValue(ArrayRef<int64_t> values);
  Value slice(Value x, ArrayRef<int64_t> start, ArrayRef<int64_t> size);
  /// `x` padded with `value` by `padding`, [before, after] per dimension
  /// (the caller has checked that the extents do not overflow).
  Value pad(Value x, ArrayRef<int64_t> padding, float value = 0.0f);
  /// The elements of axis `axis` of `x` that slice `d` (any step) takes.
  Value stridedAxis(Value x, int64_t axis, SliceDim d);
  Value runtimeGatherIndices(const onnx::NodeProto &node, Value indices,
                             int64_t extent);
  Value gatherConstant(ArrayRef<float> table, ArrayRef<int64_t> shape,
                       int64_t axis, ArrayRef<int64_t> idxShape,
                       ArrayRef<int32_t> indices, StringRef name);

  // Import-time int64 data (ImportShapes.cpp).
  IntTensor intFromProto(const onnx::TensorProto &t);
  const IntTensor &intInput(const onnx::NodeProto &node, int i);
  bool foldShapeArithmetic(const onnx::NodeProto &node);
  bool foldShapeOfTensor(const onnx::NodeProto &node);
  bool foldConstantOfShape(const onnx::NodeProto &node);

  int64_t numElements(ArrayRef<int64_t> shape, const Twine &what,
                      int64_t limit);
  /// The elements of a float tensor: also rejects empty dimensions, which
  /// TOSA does not have.
  int64_t numElements(ArrayRef<int64_t> shape, const Twine &what) {
    if (llvm::is_contained(shape, 0))
      fail(what + " has an empty dimension, which TOSA cannot represent");
    return numElements(shape, what, options.maxTensorElements);
  }

  MLIRContext *ctx;
  const onnx::ModelProto &model;
  int64_t opset;
  const uniform::ImportONNXOptions &options;
  OpBuilder b;
  /// The model file, and the location of the node being converted.
  Location fileLoc, loc;
  llvm::StringMap<Value> values;
  llvm::StringMap<RankedTensorType> inferred;
  llvm::StringMap<IntTensor> ints;
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

/// \name Checks of the model before it is decoded (ImportChecks.cpp).
/// @{
/// The nodes of the model's main graph, counted from the protobuf wire
/// format without decoding the model; nothing when the bytes are not
/// well-formed (the real parse then reports that).
std::optional<int64_t> countGraphNodes(llvm::StringRef bytes);
/// Fails on what Debian's libonnx 1.12 trusts and crashes on: tensor data
/// that does not match its shape, and conv/pool inputs that are not 2-D.
void validateGraph(const onnx::GraphProto &graph);
/// Gives the graph inputs named in `shapes` those static shapes (see
/// ImportONNXOptions::inputShapes).
void specializeInputs(
    onnx::GraphProto &graph,
    ArrayRef<std::pair<std::string, SmallVector<int64_t>>> shapes);
/// The extent that dynamic input dimension `symbol` (the dimensions of one
/// `dim_param` share one) takes in import `probe` (0 or 1) of a model with
/// dynamic dimensions, which generalizeImports merges. Small primes, a
/// different pair for each of the first 8 symbols: small, so that an
/// extent clamped against a constant (min(batch, 5)) differs between the
/// two imports too; distinct, so that the merge tells the symbols apart.
int64_t probeExtent(int probe, int symbol);
/// Gives every dynamic dimension of the graph's inputs (a `dim_param`, no
/// extent or a negative one) its extent in import `probe`; returns whether
/// there was one.
bool fixDynamicInputs(onnx::GraphProto &graph, int probe);
/// Rewrites a model of opset 18 to kMaxOpset (`opset`) into opset 17 for
/// libonnx (ImportOpsets.cpp).
void adaptToLibOnnxOpset(onnx::ModelProto &model, int64_t opset);
/// @}

/// Merges `b` into `a`, the two imports of one model with its dynamic input
/// dimensions at their probeExtent: the extents that differ become
/// dynamic, and so do the entries of shape operands where tosa.reshape
/// (one -1) and tosa.slice (to the end of the axis) can take that;
/// tosa.tile that broadcasts a unit dimension to a dynamic extent becomes a
/// broadcasting tosa.select, and a reshape with several dynamic extents a
/// tensor.reshape. Any other difference is an error at its node, asking
/// for static shapes. On success, the blobs of `b`'s weights are emptied
/// (`b` is then of no use but to be dropped).
LogicalResult generalizeImports(ModuleOp a, ModuleOp b);

/// Whether ONNX element type `type` is a float type the importer computes
/// in f32 (FLOAT, FLOAT16, BFLOAT16: exactly representable there).
bool isWidenedFloat(int type);

/// Whether tensors of ONNX element type `type` are read as import-time
/// int64 data (INT64, INT32, BOOL).
bool isImportTimeInt(int type);

/// The attribute `name` of `node`, or null.
const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     StringRef name);

} // namespace onnx_import
} // namespace uniform

#endif // UNIFORM_LIB_TARGET_ONNX_IMPORTER_H
