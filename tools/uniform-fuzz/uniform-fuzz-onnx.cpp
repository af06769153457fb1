//===- uniform-fuzz-onnx.cpp - libFuzzer target for the ONNX importer -----===//
//
// Feeds each input to `uniform::importONNX` as a serialized ONNX model. When
// the import succeeds, the module must verify (the importer may reject a
// model, never emit invalid IR), and then goes through what follows import
// in practice: `attn-raise`, `canonicalize` and `attn-reuse-heads`. Every
// step may fail with a diagnostic; none may crash, trip a sanitizer, or
// succeed with IR that does not verify.
//
// Random bytes rarely get past protobuf, so a custom mutator edits half of
// the inputs as models: it decodes the ModelProto, changes one thing a buggy
// or hostile exporter could get wrong (a dimension, an attribute, an op type,
// an edge, a node, initializer data, the opset) and encodes it again. The
// other half, and anything that does not decode, go to libFuzzer's own byte
// mutations.
//
// Run it with tools/fuzz.sh. Built without UNIFORM_FUZZ it replays files
// instead (ReplayMain.cpp), which is how lit runs test/Fuzz/onnx.
//
//===----------------------------------------------------------------------===//

#include "FuzzSupport.h"

#include "uniform/Conversion/Passes.h"
#include "uniform/Dialect/Attn/Transforms/Passes.h"
#include "uniform/Target/ONNX/ImportONNX.h"

#include "mlir/Transforms/Passes.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <string>
#include <vector>

using namespace mlir;
using uniform::fuzz::FuzzContext;
using uniform::fuzz::Random;

extern "C" size_t LLVMFuzzerMutate(uint8_t *data, size_t size,
                                   size_t maxSize);

//===----------------------------------------------------------------------===//
// The target
//===----------------------------------------------------------------------===//

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzContext context;
  // Tighter limits than the defaults: a 16 GiB tensor is a legitimate model
  // but not something to materialize under libFuzzer's RSS limit.
  uniform::ImportONNXOptions options;
  options.maxNodes = 10'000;
  options.maxTensorElements = int64_t(1) << 22;
  std::string error;
  FailureOr<OwningOpRef<ModuleOp>> module = uniform::importONNX(
      llvm::StringRef(reinterpret_cast<const char *>(data), size),
      context.get(), error, options);
  if (failed(module)) {
    if (uniform::fuzz::isVerbose())
      llvm::errs() << "import failed: " << error << "\n";
    return 0;
  }
  if (!*module)
    uniform::fuzz::reportBug("importONNX succeeded without a module",
                             context);
  if (failed(verify(**module)))
    uniform::fuzz::reportBug(
        "importONNX succeeded but its module does not verify", context,
        **module);
  uniform::fuzz::runPipeline(
      context, **module, "attn-raise,canonicalize,attn-reuse-heads",
      [](OpPassManager &pm) {
        pm.addPass(uniform::createAttnRaise());
        pm.addPass(createCanonicalizerPass());
        pm.addPass(uniform::attn::createAttnReuseHeads());
      });
  return 0;
}

//===----------------------------------------------------------------------===//
// The structured mutator
//===----------------------------------------------------------------------===//

namespace {

/// Op types to swap in: what the importer handles (so the swapped node gets
/// past the "unsupported op" check and meets inputs of the wrong arity,
/// rank or type), plus a few it does not.
constexpr const char *kOpTypes[] = {
    "Add", "Sub", "Mul", "Div", "MatMul", "Gemm", "Conv",
    "BatchNormalization", "LayerNormalization", "GlobalAveragePool",
    "ReduceMean", "MaxPool", "AveragePool", "Gather", "Transpose", "Reshape",
    "Flatten", "Unsqueeze", "Squeeze", "Concat", "Slice", "Split", "Pad",
    "Expand", "Identity", "Constant", "Softmax", "Relu", "Sigmoid", "Tanh",
    "Exp", "Erf", "Pow", "Sqrt", "Reciprocal", "Clip", "HardSigmoid",
    "HardSwish", "Shape", "Cast", "Equal", "Where", "Range",
    "ConstantOfShape", "Celu", "Einsum", "LSTM"};

/// Opset versions to try: the supported range, its neighbours and nonsense.
constexpr int64_t kOpsets[] = {-1, 0, 1, 7, 11, 12, 13, 14,
                               15, 16, 17, 18, 21, 1000};

/// Applies one random structural change to a decoded model.
class ModelMutator {
public:
  ModelMutator(onnx::ModelProto &model, Random &random)
      : model(model), graph(*model.mutable_graph()), random(random) {}

  /// Tries random kinds of mutation until one applies (some need a node,
  /// an initializer or an attribute the model may not have). Returns false
  /// when none did.
  bool mutate() {
    using Mutation = bool (ModelMutator::*)();
    static constexpr Mutation kMutations[] = {
        &ModelMutator::changeValueInfoDim,
        &ModelMutator::changeInitializerDim,
        &ModelMutator::changeIntAttribute,
        &ModelMutator::changeOpType,
        &ModelMutator::rewireInput,
        &ModelMutator::dropNode,
        &ModelMutator::duplicateNode,
        &ModelMutator::truncateInitializer,
        &ModelMutator::changeOpset,
        &ModelMutator::changeElementType,
    };
    for (int attempt = 0; attempt < 8; ++attempt)
      if ((this->*random.pick(llvm::ArrayRef(kMutations)))())
        return true;
    return false;
  }

private:
  /// A new value for a dimension: a special one, or dynamic (a symbol).
  void mutateDim(onnx::TensorShapeProto_Dimension &dim) {
    if (random.oneIn(6)) {
      dim.set_dim_param("fuzz_dim");
      return;
    }
    dim.set_dim_value(random.interestingInt(dim.dim_value()));
  }

  /// A dimension of a graph input, output or intermediate value_info.
  bool changeValueInfoDim() {
    google::protobuf::RepeatedPtrField<onnx::ValueInfoProto> *lists[] = {
        graph.mutable_input(), graph.mutable_output(),
        graph.mutable_value_info()};
    auto *list = lists[random.below(3)];
    if (list->empty())
      return false;
    onnx::ValueInfoProto &info = *list->Mutable(random.below(list->size()));
    if (!info.type().has_tensor_type() ||
        !info.type().tensor_type().has_shape())
      return false;
    onnx::TensorShapeProto &shape =
        *info.mutable_type()->mutable_tensor_type()->mutable_shape();
    if (shape.dim_size() == 0)
      return false;
    mutateDim(*shape.mutable_dim(random.below(shape.dim_size())));
    return true;
  }

  /// A dimension of an initializer, whose data is left as it was.
  bool changeInitializerDim() {
    if (graph.initializer_size() == 0)
      return false;
    onnx::TensorProto &tensor =
        *graph.mutable_initializer(random.below(graph.initializer_size()));
    if (tensor.dims_size() == 0 || random.oneIn(4)) {
      // Change the rank instead.
      if (tensor.dims_size() > 0 && random.oneIn(2))
        tensor.mutable_dims()->RemoveLast();
      else
        tensor.add_dims(random.interestingInt(1));
      return true;
    }
    int index = random.below(tensor.dims_size());
    tensor.set_dims(index, random.interestingInt(tensor.dims(index)));
    return true;
  }

  /// An integer (or integer list) attribute of a node, such as an axis, a
  /// perm, a stride or a group count.
  bool changeIntAttribute() {
    if (graph.node_size() == 0)
      return false;
    onnx::NodeProto &node =
        *graph.mutable_node(random.below(graph.node_size()));
    std::vector<onnx::AttributeProto *> candidates;
    for (onnx::AttributeProto &attr : *node.mutable_attribute())
      if (attr.type() == onnx::AttributeProto::INT ||
          (attr.type() == onnx::AttributeProto::INTS && attr.ints_size() > 0))
        candidates.push_back(&attr);
    if (candidates.empty())
      return false;
    onnx::AttributeProto &attr = *candidates[random.below(candidates.size())];
    if (attr.type() == onnx::AttributeProto::INT) {
      attr.set_i(random.interestingInt(attr.i()));
    } else if (random.oneIn(4)) {
      // A list of another length (e.g. a perm of the wrong rank).
      if (attr.ints_size() > 1 && random.oneIn(2))
        attr.mutable_ints()->RemoveLast();
      else
        attr.add_ints(random.interestingInt(attr.ints_size()));
    } else {
      int index = random.below(attr.ints_size());
      attr.set_ints(index, random.interestingInt(attr.ints(index)));
    }
    return true;
  }

  bool changeOpType() {
    if (graph.node_size() == 0)
      return false;
    graph.mutable_node(random.below(graph.node_size()))
        ->set_op_type(random.pick(llvm::ArrayRef(kOpTypes)));
    return true;
  }

  /// Points a node input at a name nothing defines, or at another value of
  /// the graph (of whatever shape and type it has).
  bool rewireInput() {
    if (graph.node_size() == 0)
      return false;
    onnx::NodeProto &node =
        *graph.mutable_node(random.below(graph.node_size()));
    if (node.input_size() == 0)
      return false;
    int index = random.below(node.input_size());
    if (random.oneIn(3)) {
      node.set_input(index, "fuzz_dangling");
      return true;
    }
    std::vector<std::string> names;
    for (const onnx::ValueInfoProto &input : graph.input())
      names.push_back(input.name());
    for (const onnx::TensorProto &init : graph.initializer())
      names.push_back(init.name());
    for (const onnx::NodeProto &other : graph.node())
      for (const std::string &output : other.output())
        names.push_back(output);
    node.set_input(index, names[random.below(names.size())]);
    return true;
  }

  bool dropNode() {
    if (graph.node_size() == 0)
      return false;
    graph.mutable_node()->DeleteSubrange(random.below(graph.node_size()), 1);
    return true;
  }

  /// Copies a node right after itself: with the same outputs (defined
  /// twice), or with renamed outputs (a dead duplicate).
  bool duplicateNode() {
    if (graph.node_size() == 0)
      return false;
    int index = random.below(graph.node_size());
    onnx::NodeProto copy = graph.node(index);
    if (random.oneIn(2))
      for (std::string &output : *copy.mutable_output())
        output += "_fuzz_dup";
    auto *nodes = graph.mutable_node();
    *nodes->Add() = std::move(copy);
    // Move the copy from the end to index + 1.
    for (int i = nodes->size() - 1; i > index + 1; --i)
      nodes->SwapElements(i, i - 1);
    return true;
  }

  /// Cuts an initializer's data short of what its dims promise.
  bool truncateInitializer() {
    if (graph.initializer_size() == 0)
      return false;
    onnx::TensorProto &tensor =
        *graph.mutable_initializer(random.below(graph.initializer_size()));
    if (!tensor.raw_data().empty()) {
      tensor.mutable_raw_data()->resize(random.below(tensor.raw_data().size()));
      return true;
    }
    if (tensor.float_data_size() > 0) {
      tensor.mutable_float_data()->Truncate(
          random.below(tensor.float_data_size()));
      return true;
    }
    if (tensor.int64_data_size() > 0) {
      tensor.mutable_int64_data()->Truncate(
          random.below(tensor.int64_data_size()));
      return true;
    }
    if (tensor.int32_data_size() > 0) {
      tensor.mutable_int32_data()->Truncate(
          random.below(tensor.int32_data_size()));
      return true;
    }
    return false;
  }

  bool changeOpset() {
    if (model.opset_import_size() == 0) {
      onnx::OperatorSetIdProto &opset = *model.add_opset_import();
      opset.set_version(random.pick(llvm::ArrayRef(kOpsets)));
      return true;
    }
    model.mutable_opset_import(random.below(model.opset_import_size()))
        ->set_version(random.pick(llvm::ArrayRef(kOpsets)));
    return true;
  }

  /// The element type of a graph input or an initializer (f16, int64, ...).
  bool changeElementType() {
    int32_t type = random.below(onnx::TensorProto::DataType_MAX + 2);
    if (random.oneIn(2) && graph.initializer_size() > 0) {
      graph.mutable_initializer(random.below(graph.initializer_size()))
          ->set_data_type(type);
      return true;
    }
    if (graph.input_size() == 0)
      return false;
    onnx::ValueInfoProto &input =
        *graph.mutable_input(random.below(graph.input_size()));
    if (!input.type().has_tensor_type())
      return false;
    input.mutable_type()->mutable_tensor_type()->set_elem_type(type);
    return true;
  }

  onnx::ModelProto &model;
  onnx::GraphProto &graph;
  Random &random;
};

} // namespace

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size,
                                          size_t maxSize, unsigned int seed) {
  Random random(seed);
  if (random.oneIn(2))
    return LLVMFuzzerMutate(data, size, maxSize);
  onnx::ModelProto model;
  if (size > static_cast<size_t>(INT32_MAX) ||
      !model.ParseFromArray(data, static_cast<int>(size)) ||
      !model.has_graph())
    return LLVMFuzzerMutate(data, size, maxSize);
  ModelMutator mutator(model, random);
  // One to three changes: some bugs need two (say, a dim and the data).
  uint64_t changes = 1 + random.below(3);
  bool changed = false;
  for (uint64_t i = 0; i < changes; ++i)
    changed |= mutator.mutate();
  std::string bytes;
  if (!changed || !model.SerializeToString(&bytes) || bytes.size() > maxSize)
    return LLVMFuzzerMutate(data, size, maxSize);
  std::memcpy(data, bytes.data(), bytes.size());
  return bytes.size();
}
