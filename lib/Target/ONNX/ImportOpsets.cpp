//===- ImportOpsets.cpp - ONNX opsets 18 to 23 for libonnx 1.12 -----------===//
//
// Debian's libonnx 1.12 knows the op schemas up to opset 17, and its checker
// and shape inference refuse newer models. For the float ops the importer
// converts, opsets 18 to 23 changed little: a few attributes became inputs
// (the Reduce* axes), Split gained num_outputs, Cast gained saturate (for
// float8), AveragePool dilations; Mish (18), Gelu (20), Attention and
// RMSNormalization (23) are new. adaptToLibOnnxOpset rewrites such a model
// into opset 17 before libonnx sees it; the new ops move to a private domain
// that libonnx passes through and the op registry converts. Anything else
// that changed is an error naming the op and the model's opset.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

/// The import-time int64 data of `name` in `graph` (an initializer or a
/// Constant's value), or nothing.
static std::optional<std::vector<int64_t>>
constantInts(const onnx::GraphProto &graph, const std::string &name) {
  auto read = [](const onnx::TensorProto &t) -> std::vector<int64_t> {
    if (t.has_raw_data()) {
      // Whole elements only: the data is checked against the shape later.
      std::vector<int64_t> data(t.raw_data().size() / 8);
      if (!data.empty())
        std::memcpy(data.data(), t.raw_data().data(), data.size() * 8);
      return data;
    }
    return {t.int64_data().begin(), t.int64_data().end()};
  };
  for (const onnx::TensorProto &t : graph.initializer())
    if (t.name() == name && t.data_type() == onnx::TensorProto::INT64)
      return read(t);
  for (const onnx::NodeProto &node : graph.node())
    if (node.op_type() == "Constant" && node.output_size() == 1 &&
        node.output(0) == name)
      if (const auto *attr = findAttr(node, "value");
          attr && attr->t().data_type() == onnx::TensorProto::INT64)
        return read(attr->t());
  return std::nullopt;
}

static void removeAttr(onnx::NodeProto &node, StringRef name) {
  auto *attrs = node.mutable_attribute();
  for (int i = 0; i < attrs->size(); ++i)
    if (attrs->Get(i).name() == name) {
      attrs->DeleteSubrange(i, 1);
      return;
    }
}

static void dropInputsAfterFirst(onnx::NodeProto &node) {
  if (node.input_size() > 1)
    node.mutable_input()->DeleteSubrange(1, node.input_size() - 1);
}

[[noreturn]] static void unsupported(const onnx::NodeProto &node, int64_t opset,
                                     const Twine &what) {
  fail(node.op_type() + " node '" + node.name() + "': " + what + " (opset " +
       Twine(opset) + ") is not supported");
}

/// Reduce* from opset 18 take their axes as input 1; opset 17's as an
/// attribute (except ReduceSum, an input since 13).
static void adaptReduce(const onnx::GraphProto &graph, onnx::NodeProto &node,
                        int64_t opset) {
  bool noop = false;
  if (const auto *attr = findAttr(node, "noop_with_empty_axes"))
    noop = attr->i() != 0;
  removeAttr(node, "noop_with_empty_axes");
  bool hasAxes = node.input_size() > 1 && !node.input(1).empty();
  if (!hasAxes) {
    if (noop) {
      // No axes and noop_with_empty_axes: the identity.
      node.set_op_type("Identity");
      node.clear_attribute();
    }
    dropInputsAfterFirst(node);
    return;
  }
  std::optional<std::vector<int64_t>> axes = constantInts(graph, node.input(1));
  if (!axes)
    unsupported(node, opset, "axes known only at run time");
  dropInputsAfterFirst(node);
  if (axes->empty() && noop) {
    node.set_op_type("Identity");
    node.clear_attribute();
    return;
  }
  if (!axes->empty()) {
    onnx::AttributeProto *attr = node.add_attribute();
    attr->set_name("axes");
    attr->set_type(onnx::AttributeProto::INTS);
    for (int64_t a : *axes)
      attr->add_ints(a);
  }
}

/// Rewrites the nodes of `model` (opset `opset`, 18 to 23) into opset 17.
void adaptToLibOnnxOpset(onnx::ModelProto &model, int64_t opset) {
  static const llvm::StringSet<> reduceWithAxesInput = {
      "ReduceMean",   "ReduceMax",       "ReduceMin",
      "ReduceProd",   "ReduceL1",        "ReduceL2",
      "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"};
  // Ops newer than opset 17 that the registry converts.
  static const llvm::StringSet<> newOps = {"Gelu", "Mish", "RMSNormalization",
                                           "Attention"};
  onnx::GraphProto &graph = *model.mutable_graph();
  bool usesNewOps = false;
  for (onnx::NodeProto &node : *graph.mutable_node()) {
    if (!node.domain().empty() && node.domain() != "ai.onnx")
      continue;
    StringRef op = node.op_type();
    if (reduceWithAxesInput.contains(op)) {
      adaptReduce(graph, node, opset);
    } else if (op == "Split") {
      // num_outputs (18) splits into that many equal parts, the last
      // smaller; opset 17 splits into equal parts without it.
      if (const auto *attr = findAttr(node, "num_outputs")) {
        if (attr->i() != node.output_size())
          unsupported(node, opset, "num_outputs other than the outputs");
        removeAttr(node, "num_outputs");
      }
    } else if (op == "Pad") {
      if (node.input_size() > 3 && !node.input(3).empty())
        unsupported(node, opset, "the axes input");
    } else if (op == "Resize") {
      // antialias, axes and keep_aspect_ratio_policy (18) at their defaults
      // are what opset 17 does.
      if (const auto *attr = findAttr(node, "antialias"); attr && attr->i())
        unsupported(node, opset, "antialias");
      if (findAttr(node, "axes"))
        unsupported(node, opset, "axes");
      if (const auto *attr = findAttr(node, "keep_aspect_ratio_policy");
          attr && attr->s() != "stretch")
        unsupported(node, opset, "keep_aspect_ratio_policy");
      for (StringRef name : {"antialias", "keep_aspect_ratio_policy"})
        removeAttr(node, name);
    } else if (op == "Cast" || op == "CastLike") {
      removeAttr(node, "saturate"); // Only for float8 targets.
    } else if (op == "AveragePool" || op == "MaxPool") {
      if (const auto *attr = findAttr(node, "dilations")) {
        if (llvm::any_of(attr->ints(), [](int64_t d) { return d != 1; }))
          unsupported(node, opset, "dilations other than 1");
        if (op == "AveragePool")
          removeAttr(node, "dilations");
      }
    } else if (newOps.contains(op)) {
      node.set_domain(kNewOpsDomain.str());
      usesNewOps = true;
    } else if (!onnx::OpSchemaRegistry::Schema(node.op_type(), 17, "")) {
      fail("unsupported ONNX op '" + node.op_type() + "' (node '" +
           node.name() + "', opset " + Twine(opset) + ")");
    }
  }
  for (auto &import : *model.mutable_opset_import())
    if (import.domain().empty() || import.domain() == "ai.onnx")
      import.set_version(17);
  if (usesNewOps) {
    auto *import = model.add_opset_import();
    import->set_domain(kNewOpsDomain.str());
    import->set_version(1);
  }
}

} // namespace onnx_import
} // namespace uniform
