//===- ImportONNX.cpp - ONNX models to TOSA -------------------------------===//
//
// Parses a model with Debian's libonnx (protobuf, checker, shape inference
// with data propagation) and emits one func.func of TOSA (plus tensor ops)
// whose arguments and results are the graph's inputs and outputs. This file
// holds the entry points, the op registry and the graph walk; the checks
// made before libonnx sees the model are in ImportChecks.cpp, the helpers
// every family uses in ImportValues.cpp. Each family of ops converts in its own
// file (see OpRegistry); int64 shape arithmetic is folded by ShapeFolding.cpp
// through ImportShapes.cpp. An op type that is neither is an error naming the
// op type, the node and the opset.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

using namespace mlir;

namespace uniform {
namespace onnx_import {

void OpRegistry::add(StringRef opType, int64_t sinceVersion,
                     OpConverter converter, StringRef domain) {
  auto &versions = table[(domain + ":" + opType).str()];
  versions.emplace_back(sinceVersion, converter);
  llvm::sort(versions, llvm::less_first());
  domains.insert(domain);
}

OpConverter OpRegistry::lookup(StringRef domain, StringRef opType,
                               int64_t version) const {
  auto it = table.find((domain + ":" + opType).str());
  if (it == table.end())
    return nullptr;
  OpConverter found = nullptr;
  for (const auto &[since, converter] : it->second)
    if (since <= version)
      found = converter;
  return found;
}

const OpRegistry &OpRegistry::get() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerElementwiseOps(r);
    registerMatMulOps(r);
    registerConvPoolOps(r);
    registerNormalizationOps(r);
    registerDataMovementOps(r);
    registerResizeOps(r);
    registerAttentionOps(r);
    registerLogicOps(r);
    return r;
  }();
  return registry;
}

/// Converts one node: import-time shape arithmetic is folded, anything else
/// goes to its converter in the registry; the result is checked against
/// the limits and against ONNX's shape inference.
void Importer::convert(const onnx::NodeProto &node) {
  // Ops newer than libonnx's opset come in kNewOpsDomain but are ONNX's.
  StringRef domain = node.domain();
  if (domain == "ai.onnx" || domain == kNewOpsDomain)
    domain = "";
  if (domain.empty() && foldShapeArithmetic(node))
    return;
  int64_t version = domain.empty() ? opset : domainVersion(domain);
  OpConverter converter =
      OpRegistry::get().lookup(domain, node.op_type(), version);
  if (!converter) {
    if (options.allowUnregistered)
      return opaque(node);
    fail("unsupported ONNX op '" + node.op_type() + "'" +
         (domain.empty() ? "" : " from domain '" + domain + "'") + " (node '" +
         node.name() + "', opset " + Twine(version) +
         "; --onnx-allow-unregistered imports it as an opaque op)");
  }
  Value result = (this->*converter)(node);
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

Value Importer::graphOutput(const onnx::ValueInfoProto &output) {
  // Outputs may declare symbolic dimensions (the import computes them);
  // their element type is checked and kept.
  int elementType = output.type().tensor_type().elem_type();
  bool integer = elementType == onnx::TensorProto::INT64 ||
                 elementType == onnx::TensorProto::INT32;
  if (!output.type().has_tensor_type() ||
      (!isWidenedFloat(elementType) && !integer))
    typeOf(output, /*allowInt=*/true); // Reports the unsupported output.
  onnx::NodeProto none;
  none.set_name("<graph output>");
  Value result =
      integer ? anyValue(output.name(), none) : lookup(output.name(), none);
  Type declared = declaredElementType(elementType);
  if (integer && !typeOf(result).getElementType().isInteger(64) &&
      !typeOf(result).getElementType().isInteger(32))
    fail(llvm::formatv(
        "graph output '{0}' is declared an integer tensor, but computes {1}",
        output.name(), typeOf(result)));
  auto expected = inferred.find(output.name());
  if (expected != inferred.end() &&
      expected->second.getShape() != typeOf(result).getShape())
    fail(llvm::formatv("graph output '{0}' is declared {1}, but computes {2}",
                       output.name(), expected->second, typeOf(result)));
  if (declared != typeOf(result).getElementType())
    result =
        tosa::CastOp::create(b, loc, typeOf(result).clone(declared), result);
  return result;
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
      value = b.getStringAttr(
          "<" + onnx::AttributeProto::AttributeType_Name(attr.type()) +
          " attribute>");
    }
    state.addAttribute(attr.name(), value);
  }
  Operation *op = b.create(state);
  for (auto [output, result] : llvm::zip(node.output(), op->getResults()))
    values[output] = result;
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
    // int64 inputs are indices for Gather; FLOAT16 and BFLOAT16 inputs keep
    // their type in the signature and are widened on entry.
    argTypes.push_back(typeOf(input, /*allowInt=*/true, /*declared=*/true));
    args.push_back(&input);
  }
  for (const auto &info : graph.value_info())
    if (info.type().has_tensor_type() &&
        isWidenedFloat(info.type().tensor_type().elem_type())) {
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
      inferred[info.name()] = typeOf(info, /*allowInt=*/true);
  }

  OwningOpRef<ModuleOp> module = ModuleOp::create(loc);
  b.setInsertionPointToEnd(module->getBody());
  std::string name = graph.name().empty() ? "main" : graph.name();
  for (char &c : name)
    if (!llvm::isAlnum(c) && c != '_')
      c = '_';
  // The result types are set once the graph is converted.
  auto func =
      func::FuncOp::create(b, loc, name, b.getFunctionType(argTypes, {}));
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
    values[info->name()] = widen(arg);
  for (const auto &init : graph.initializer()) {
    if (isImportTimeInt(init.data_type()))
      ints[init.name()] = intFromProto(init);
    else
      values[init.name()] = constant(init);
  }
  for (const auto &node : graph.node()) {
    loc = NameLoc::get(
        b.getStringAttr(node.name().empty() ? node.op_type() : node.name()),
        fileLoc);
    try {
      convert(node);
    } catch (ImportError &e) {
      // Reported at the node.
      if (e.node.empty()) {
        e.node = node.name();
        e.opType = node.op_type();
      }
      throw;
    }
  }
  loc = fileLoc;
  SmallVector<Value> results;
  for (const auto &output : graph.output())
    results.push_back(graphOutput(output));
  func::ReturnOp::create(b, loc, results);
  func.setFunctionType(
      b.getFunctionType(argTypes, ValueRange(results).getTypes()));
  return module;
}

} // namespace onnx_import
} // namespace uniform

using namespace uniform::onnx_import;

LogicalResult
uniform::parseONNXInputShape(llvm::StringRef spec, std::string &name,
                             llvm::SmallVectorImpl<int64_t> &shape,
                             std::string &error) {
  auto [namePart, dims] = spec.rsplit('=');
  if (namePart.empty() || namePart.size() == spec.size()) {
    error = "expected NAME=DxDx..., got '" + spec.str() + "'";
    return failure();
  }
  name = namePart.str();
  shape.clear();
  if (dims.empty())
    return success();
  for (StringRef dim : llvm::split(dims, 'x')) {
    int64_t d;
    if (dim.getAsInteger(10, d) || d < 1) {
      error = "'" + dim.str() + "' in '" + spec.str() +
              "' is not a positive extent";
      return failure();
    }
    shape.push_back(d);
  }
  return success();
}

namespace {
/// Imports `model`, whose inputs have static shapes: checks it, infers its
/// shapes and converts it. Throws ImportError.
OwningOpRef<ModuleOp> importStatic(onnx::ModelProto &model, int64_t opset,
                                   Location fileLoc,
                                   const uniform::ImportONNXOptions &options) {
  validateGraph(model.graph());
  onnx::checker::check_model(model);
  // Shape inference first without data propagation, which reports
  // inconsistent graphs; libonnx 1.12's data propagation dereferences null
  // on some of them instead.
  onnx::ShapeInferenceOptions inferenceOptions;
  inferenceOptions.check_type = true;
  inferenceOptions.error_mode = 1;
  inferenceOptions.enable_data_propagation = false;
  onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                     inferenceOptions);
  inferenceOptions.enable_data_propagation = true;
  onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(),
                                     inferenceOptions);
  Importer importer(fileLoc, model, opset, options);
  return importer.run();
}

/// Imports `model`, some of whose input dimensions are dynamic: once with
/// them at each of their two probeExtent, then merged (GeneralizeDims.cpp).
/// Throws ImportError, or returns failure() once the merge has reported
/// its error.
FailureOr<OwningOpRef<ModuleOp>>
importDynamic(const onnx::ModelProto &model, int64_t opset, Location fileLoc,
              const uniform::ImportONNXOptions &options) {
  OwningOpRef<ModuleOp> imports[2];
  for (int probe : {0, 1}) {
    onnx::ModelProto fixed = model;
    fixDynamicInputs(*fixed.mutable_graph(), probe);
    std::string note = " (importing the graph with its dynamic input "
                       "dimensions at small extents, the first at " +
                       std::to_string(probeExtent(probe, 0)) +
                       "; --onnx-input-shape gives them static extents)";
    try {
      imports[probe] = importStatic(fixed, opset, fileLoc, options);
    } catch (ImportError &e) {
      e.message += note;
      throw;
    } catch (const std::exception &e) {
      // libonnx's checks, as importONNX reports them.
      throw ImportError{
          "invalid ONNX model: " + StringRef(e.what()).rtrim().str() + note,
          {},
          {}};
    }
  }
  if (failed(generalizeImports(*imports[0], *imports[1])))
    return failure();
  return std::move(imports[0]);
}
} // namespace

FailureOr<OwningOpRef<ModuleOp>>
uniform::importONNX(llvm::StringRef bytes, Location fileLoc,
                    const ImportONNXOptions &options) {
  MLIRContext *context = fileLoc.getContext();
  context->loadDialect<arith::ArithDialect, func::FuncDialect,
                       tensor::TensorDialect, tosa::TosaDialect>();
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
    if (opset < kMinOpset || opset > kMaxOpset)
      fail("unsupported opset " + Twine(opset) + " (opsets " +
           Twine(kMinOpset) + " to " + Twine(kMaxOpset) + " are supported)");
    if (opset > kLibOnnxOpset)
      adaptToLibOnnxOpset(model, opset);
    specializeInputs(*model.mutable_graph(), options.inputShapes);
    onnx::ModelProto probe = model;
    if (!fixDynamicInputs(*probe.mutable_graph(), 0))
      return importStatic(model, opset, fileLoc, options);
    return importDynamic(model, opset, fileLoc, options);
  } catch (const ImportError &e) {
    // At the node when there is one: its name within the file.
    Location loc = fileLoc;
    if (!e.node.empty() || !e.opType.empty())
      loc = NameLoc::get(
          StringAttr::get(context, e.node.empty() ? e.opType : e.node),
          fileLoc);
    // Twine: a Diagnostic keeps a StringRef argument by reference, and
    // handlers may print it after `e` is gone.
    emitError(loc) << "cannot import ONNX model: " << Twine(e.message);
  } catch (const std::exception &e) {
    emitError(fileLoc) << "cannot import ONNX model: invalid ONNX model: "
                       << Twine(e.what());
  }
  return failure();
}

FailureOr<OwningOpRef<ModuleOp>>
uniform::importONNX(llvm::StringRef bytes, MLIRContext *context,
                    std::string &error, const ImportONNXOptions &options) {
  ScopedDiagnosticHandler handler(context, [&](Diagnostic &diag) {
    std::string message = diag.str();
    StringRef text(message);
    text.consume_front("cannot import ONNX model: ");
    error = text.str();
    return success();
  });
  return importONNX(bytes, FileLineColLoc::get(context, "<onnx>", 0, 0),
                    options);
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
  static llvm::cl::list<std::string> inputShapes(
      "onnx-input-shape",
      llvm::cl::desc("Give an ONNX graph input a static shape, as "
                     "NAME=DxDx... (repeatable; for dynamic-batch exports)"),
      llvm::cl::value_desc("NAME=DxDx..."));
  TranslateToMLIRRegistration registration(
      "import-onnx", "Import an ONNX model (opsets 13 to 23) as TOSA",
      [](llvm::SourceMgr &sourceMgr,
         MLIRContext *context) -> OwningOpRef<Operation *> {
        const llvm::MemoryBuffer *buffer =
            sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
        ImportONNXOptions options;
        options.maxNodes = maxNodes;
        options.maxTensorElements = maxTensorElements;
        options.allowUnregistered = allowUnregistered;
        Location fileLoc =
            FileLineColLoc::get(context, buffer->getBufferIdentifier(), 0, 0);
        for (const std::string &spec : inputShapes) {
          std::string error;
          auto &[name, shape] = options.inputShapes.emplace_back();
          if (failed(parseONNXInputShape(spec, name, shape, error))) {
            emitError(fileLoc) << "--onnx-input-shape: " << Twine(error);
            return nullptr;
          }
        }
        auto module = importONNX(buffer->getBuffer(), fileLoc, options);
        if (failed(module))
          return nullptr;
        return OwningOpRef<Operation *>(module->release());
      },
      [](DialectRegistry &registry) {
        registry.insert<arith::ArithDialect, func::FuncDialect,
                        tensor::TensorDialect, tosa::TosaDialect>();
      });
}
