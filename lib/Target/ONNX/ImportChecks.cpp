//===- ImportChecks.cpp - ONNX models checked before they are imported ----===//
//
// What the importer checks and changes in a model before libonnx's checker
// and shape inference see it: the node count from the wire format, tensor
// data against shapes, the conv and pool ranks libonnx 1.12 trusts, and the
// input shapes that --onnx-input-shape gives.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

// Decoding the model costs far more memory than the file: the limit on
// nodes is checked first.
std::optional<int64_t> countGraphNodes(llvm::StringRef bytes) {
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
           " bytes of data, but its shape and type need " + Twine(n) +
           " elements of " + Twine(elementBytes) + " bytes");
  } else if (values != n) {
    fail("tensor '" + t.name() + "' holds " + Twine(values) +
         " values, but its shape needs " + Twine(n));
  }
}

void validateGraph(const onnx::GraphProto &graph) {
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
    // Constant nodes' ranks are known too (graphs feed weights from them).
    if (op == "Constant" && node.output_size() == 1)
      for (const onnx::AttributeProto &attr : node.attribute()) {
        StringRef name = attr.name();
        if (name == "value")
          inputRanks[node.output(0)] = attr.t().dims_size();
        else if (name == "value_float" || name == "value_int")
          inputRanks[node.output(0)] = 0;
        else if (name == "value_floats" || name == "value_ints")
          inputRanks[node.output(0)] = 1;
      }
    if (op != "Conv" && op != "ConvTranspose" && op != "MaxPool" &&
        op != "AveragePool")
      continue;
    // Ranks 3 and 4 (1-D and 2-D), the same for the input and the weight
    // where both are known: libonnx reads past an input of fewer
    // dimensions than the weight.
    int64_t rank = 0;
    for (int i = 0; i < std::min(node.input_size(), 2); ++i) {
      auto it = inputRanks.find(node.input(i));
      if (it == inputRanks.end())
        continue;
      if ((it->second != 3 && it->second != 4) || (rank && it->second != rank))
        fail(op + " node '" + node.name() + "': input '" + node.input(i) +
             "' has rank " + Twine(it->second) +
             "; only 1-D and 2-D convolutions and pools (rank 3 or 4, the "
             "same for the input and the weight) are supported");
      rank = it->second;
    }
    // libonnx divides by strides and dilations, and sizes by kernels.
    for (const onnx::AttributeProto &attr : node.attribute())
      if ((attr.name() == "strides" || attr.name() == "dilations" ||
           attr.name() == "kernel_shape") &&
          llvm::any_of(attr.ints(), [](int64_t v) { return v < 1; }))
        fail(op + " node '" + node.name() + "': " + attr.name() +
             " must be positive");
    for (const onnx::AttributeProto &attr : node.attribute())
      if (attr.name() == "kernel_shape" &&
          ((attr.ints_size() != 1 && attr.ints_size() != 2) ||
           (rank && attr.ints_size() != rank - 2)))
        fail(op + " node '" + node.name() +
             "': only 1-D and 2-D kernels are supported");
  }
}

// Before shape inference: the usual way to import a dynamic-batch export.
void specializeInputs(
    onnx::GraphProto &graph,
    ArrayRef<std::pair<std::string, SmallVector<int64_t>>> shapes) {
  for (const auto &[name, shape] : shapes) {
    auto it = llvm::find_if(*graph.mutable_input(), [&](const auto &input) {
      return input.name() == name;
    });
    if (it == graph.mutable_input()->end()) {
      std::string names;
      for (const auto &input : graph.input())
        names += (names.empty() ? "" : ", ") + input.name();
      fail("--onnx-input-shape names '" + name +
           "', which is not an input of the graph (its inputs: " + names + ")");
    }
    if (!it->type().has_tensor_type())
      fail("--onnx-input-shape: input '" + name + "' is not a tensor");
    onnx::TensorShapeProto *dims =
        it->mutable_type()->mutable_tensor_type()->mutable_shape();
    if (dims->dim_size() != 0 &&
        dims->dim_size() != static_cast<int>(shape.size()))
      fail("--onnx-input-shape gives input '" + name + "' rank " +
           Twine(shape.size()) + ", but the model declares rank " +
           Twine(dims->dim_size()));
    for (auto [i, extent] : llvm::enumerate(shape)) {
      if (static_cast<int>(i) < dims->dim_size() &&
          dims->dim(i).has_dim_value() && dims->dim(i).dim_value() != extent)
        fail("--onnx-input-shape gives input '" + name + "' extent " +
             Twine(extent) + " in dimension " + Twine(i) +
             ", but the model fixes it to " + Twine(dims->dim(i).dim_value()));
    }
    dims->clear_dim();
    for (int64_t extent : shape)
      dims->add_dim()->set_dim_value(extent);
  }
}

int64_t probeExtent(int probe, int symbol) {
  static constexpr int64_t primes[] = {3,  5,  7,  11, 13, 17, 19, 23,
                                       29, 31, 37, 41, 43, 47, 53, 59};
  constexpr int symbols = std::size(primes) / 2;
  return primes[2 * (symbol % symbols) + probe];
}

bool fixDynamicInputs(onnx::GraphProto &graph, int probe) {
  llvm::StringSet<> initializers;
  for (const auto &init : graph.initializer())
    initializers.insert(init.name());
  // Symbols by dim_param, in order of appearance; "" for dimensions with
  // neither an extent nor a name.
  llvm::StringMap<int> symbols;
  bool found = false;
  for (auto &input : *graph.mutable_input()) {
    if (initializers.contains(input.name()) || !input.type().has_tensor_type())
      continue;
    for (auto &dim : *input.mutable_type()
                          ->mutable_tensor_type()
                          ->mutable_shape()
                          ->mutable_dim()) {
      if (dim.has_dim_value() && dim.dim_value() >= 0)
        continue;
      std::string name = dim.has_dim_param() ? dim.dim_param() : "";
      int symbol = symbols.try_emplace(name, symbols.size()).first->second;
      dim.set_dim_value(probeExtent(probe, symbol));
      found = true;
    }
  }
  return found;
}

} // namespace onnx_import
} // namespace uniform
