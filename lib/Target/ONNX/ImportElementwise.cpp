//===- ImportElementwise.cpp - ONNX elementwise ops to TOSA ---------------===//
//
// Arithmetic with NumPy broadcasting, activations (Gelu included) and
// clamps.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

/// Add, Sub, Mul, Div.
Value Importer::importBinary(const onnx::NodeProto &node) {
  return binary(node.op_type(), input(node, 0), input(node, 1));
}

/// One-operand ops that map to one TOSA op (Sqrt to two).
Value Importer::importUnary(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  RankedTensorType t = typeOf(x);
  StringRef op = node.op_type();
  if (op == "Sigmoid")
    return tosa::SigmoidOp::create(b, loc, t, x);
  if (op == "Tanh")
    return tosa::TanhOp::create(b, loc, t, x);
  if (op == "Exp")
    return tosa::ExpOp::create(b, loc, t, x);
  if (op == "Erf")
    return tosa::ErfOp::create(b, loc, t, x);
  if (op == "Reciprocal")
    return tosa::ReciprocalOp::create(b, loc, t, x);
  assert(op == "Sqrt" && "not a registered unary op");
  return tosa::ReciprocalOp::create(b, loc, t,
                                    tosa::RsqrtOp::create(b, loc, t, x));
}

Value Importer::importRelu(const onnx::NodeProto &node) {
  return clamp(input(node, 0), 0, std::numeric_limits<float>::max());
}

/// Clip with constant bounds (inputs from opset 11).
Value Importer::importClip(const onnx::NodeProto &node) {
  auto bound = [&](int i, float fallback) {
    if (!hasInput(node, i))
      return fallback;
    std::optional<float> v = splatOf(values.lookup(node.input(i)));
    if (!v)
      failAt(node, "min and max must be constants");
    return *v;
  };
  return clamp(input(node, 0), bound(1, std::numeric_limits<float>::lowest()),
               bound(2, std::numeric_limits<float>::max()));
}

/// HardSigmoid: clamp(alpha * x + beta, 0, 1); HardSwish: x times that with
/// alpha 1/6 and beta 1/2.
Value Importer::importHardActivation(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  bool swish = node.op_type() == "HardSwish";
  float alpha = swish ? 1.0f / 6 : floatAttr(node, "alpha", 0.2f);
  float beta = swish ? 0.5f : floatAttr(node, "beta", 0.5f);
  Value hs = clamp(binary("Add", binary("Mul", x, scalarLike(alpha, x)),
                          scalarLike(beta, x)),
                   0.0f, 1.0f);
  return swish ? binary("Mul", x, hs) : hs;
}

/// Pow; the squares and square roots that normalisations are written with
/// become a multiply and a reciprocal square root.
Value Importer::importPow(const onnx::NodeProto &node) {
  Value x = input(node, 0), e = input(node, 1);
  std::optional<float> exponent = splatOf(e);
  if (exponent == 2.0f)
    return binary("Mul", x, x);
  if (exponent == 0.5f)
    return tosa::ReciprocalOp::create(
        b, loc, typeOf(x), tosa::RsqrtOp::create(b, loc, typeOf(x), x));
  auto [bx, be] = broadcastRanks(x, e);
  return tosa::PowOp::create(b, loc, broadcastType(bx, be), bx, be);
}

Value Importer::gelu(Value x, bool tanh) {
  RankedTensorType t = typeOf(x);
  Value inner;
  if (!tanh) {
    inner = tosa::ErfOp::create(
        b, loc, t, binary("Mul", x, scalarLike(float(M_SQRT1_2), x)));
  } else {
    Value cube = binary("Mul", binary("Mul", x, x), x);
    Value arg = binary("Add", x, binary("Mul", cube, scalarLike(0.044715f, x)));
    inner = tosa::TanhOp::create(
        b, loc, t,
        binary("Mul", arg, scalarLike(float(M_2_SQRTPI * M_SQRT1_2), x)));
  }
  Value half = binary("Mul", x, scalarLike(0.5f, x));
  return binary("Mul", half, binary("Add", inner, scalarLike(1.0f, x)));
}

/// Gelu (opset 20): x/2 (1 + erf(x / sqrt 2)), or with approximate="tanh"
/// x/2 (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
Value Importer::importGelu(const onnx::NodeProto &node) {
  std::string approximate = "none";
  if (const auto *attr = findAttr(node, "approximate"))
    approximate = attr->s();
  if (approximate != "none" && approximate != "tanh")
    failAt(node, "approximate='" + approximate + "' is not supported");
  return gelu(input(node, 0), approximate == "tanh");
}

void registerElementwiseOps(OpRegistry &registry) {
  registry.add("Gelu", 20, &Importer::importGelu);
  for (StringRef op : {"Add", "Sub", "Mul", "Div"})
    registry.add(op, 13, &Importer::importBinary);
  for (StringRef op : {"Sigmoid", "Tanh", "Exp", "Erf", "Reciprocal", "Sqrt"})
    registry.add(op, 13, &Importer::importUnary);
  registry.add("Relu", 13, &Importer::importRelu);
  registry.add("Clip", 13, &Importer::importClip);
  registry.add("HardSigmoid", 13, &Importer::importHardActivation);
  registry.add("HardSwish", 13, &Importer::importHardActivation);
  registry.add("Pow", 13, &Importer::importPow);
}

} // namespace onnx_import
} // namespace uniform
