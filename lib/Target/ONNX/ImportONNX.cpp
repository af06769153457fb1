//===- ImportONNX.cpp - ONNX models to TOSA ---------------------------------===//
//
// Parses a model with Debian's libonnx (protobuf, checker, shape inference
// with data propagation) and emits one func.func of TOSA (plus tensor ops)
// whose arguments and results are the graph's inputs and outputs. This file
// holds the entry points, the checks of the model before it is decoded, and
// the Importer's value and type helpers and graph walk; each node's
// conversion is in ImportOps.cpp, the folding of shape arithmetic in
// ImportShapes.cpp. The supported op types are those Importer::convert and
// Importer::foldShapeArithmetic handle; anything else is an error naming
// the op type, the node and the opset.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

using namespace mlir;

namespace uniform {
namespace onnx_import {

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

const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     StringRef name) {
  for (const auto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
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

} // namespace onnx_import
} // namespace uniform

using uniform::onnx_import::fail;
using uniform::onnx_import::ImportError;
using uniform::onnx_import::Importer;
using uniform::onnx_import::kMaxIntElements;

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
