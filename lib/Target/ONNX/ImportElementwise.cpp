//===- ImportElementwise.cpp - ONNX elementwise ops to TOSA ---------------===//
//
// Arithmetic with NumPy broadcasting, unary math, activations (Gelu, Mish,
// Softplus, the rectifiers) and clamps.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

/// Add, Sub, Mul, Div.
Value Importer::importBinary(const onnx::NodeProto &node) {
  return binary(node.op_type(), input(node, 0), input(node, 1));
}

/// One-operand ops that map to TOSA ops of the same shape and type.
Value Importer::importUnary(const onnx::NodeProto &node) {
  using Builder = Value (*)(OpBuilder &, Location, RankedTensorType, Value);
  static const llvm::StringMap<Builder> builders = {
      {"Sigmoid",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::SigmoidOp::create(b, l, t, x);
       }},
      {"Tanh",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::TanhOp::create(b, l, t, x);
       }},
      {"Exp",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::ExpOp::create(b, l, t, x);
       }},
      {"Log",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::LogOp::create(b, l, t, x);
       }},
      {"Erf",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::ErfOp::create(b, l, t, x);
       }},
      {"Abs",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::AbsOp::create(b, l, t, x);
       }},
      {"Floor",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::FloorOp::create(b, l, t, x);
       }},
      {"Ceil",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::CeilOp::create(b, l, t, x);
       }},
      {"Sin",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::SinOp::create(b, l, t, x);
       }},
      {"Cos",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::CosOp::create(b, l, t, x);
       }},
      {"Reciprocal",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::ReciprocalOp::create(b, l, t, x);
       }},
      {"Sqrt",
       [](OpBuilder &b, Location l, RankedTensorType t, Value x) -> Value {
         return tosa::ReciprocalOp::create(b, l, t,
                                           tosa::RsqrtOp::create(b, l, t, x));
       }},
  };
  Value x = input(node, 0);
  return builders.lookup(node.op_type())(b, loc, typeOf(x), x);
}

/// Neg, Softplus (max(x, 0) + log(1 + exp(-|x|)), which does not overflow
/// for large x) and Mish (x tanh(softplus(x))).
Value Importer::importSoftActivation(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  RankedTensorType t = typeOf(x);
  StringRef op = node.op_type();
  if (op == "Neg")
    return binary("Mul", x, scalarLike(-1.0f, x));
  Value negAbs =
      binary("Mul", tosa::AbsOp::create(b, loc, t, x), scalarLike(-1.0f, x));
  Value log1p =
      tosa::LogOp::create(b, loc, t,
                          binary("Add", tosa::ExpOp::create(b, loc, t, negAbs),
                                 scalarLike(1.0f, x)));
  Value softplus =
      binary("Add", clamp(x, 0, std::numeric_limits<float>::max()), log1p);
  if (op == "Softplus")
    return softplus;
  return binary("Mul", x, tosa::TanhOp::create(b, loc, t, softplus));
}

/// LeakyRelu (x or alpha x), Elu (x or alpha (exp(x) - 1)) and PRelu (x or
/// slope x, the slope broadcast): the first where x >= 0 (Elu: x > 0).
Value Importer::importRectifier(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  RankedTensorType t = typeOf(x);
  StringRef op = node.op_type();
  Value negative;
  if (op == "PRelu") {
    negative = binary("Mul", x, input(node, 1));
  } else if (op == "LeakyRelu") {
    negative = binary("Mul", x, scalarLike(floatAttr(node, "alpha", 0.01f), x));
  } else {
    Value expm1 =
        binary("Sub", tosa::ExpOp::create(b, loc, t, x), scalarLike(1.0f, x));
    negative =
        binary("Mul", expm1, scalarLike(floatAttr(node, "alpha", 1.0f), x));
  }
  if (typeOf(negative) != t)
    failAt(node, "the slope does not broadcast to the input");
  Value zero = scalarLike(0.0f, x);
  auto boolType = t.clone(b.getI1Type());
  Value keep =
      op == "Elu"
          ? tosa::GreaterOp::create(b, loc, boolType, x, zero).getResult()
          : tosa::GreaterEqualOp::create(b, loc, boolType, x, zero).getResult();
  return tosa::SelectOp::create(b, loc, t, keep, x, negative);
}

/// Max and Min of any number of float tensors, broadcast.
Value Importer::importMaxMin(const onnx::NodeProto &node) {
  Value result = input(node, 0);
  for (int i = 1; i < node.input_size(); ++i) {
    auto [a, c] = broadcastRanks(result, input(node, i));
    RankedTensorType type = broadcastType(a, c);
    auto nan = tosa::NanPropagationModeAttr::get(
        ctx, tosa::NanPropagationMode::PROPAGATE);
    result = node.op_type() == "Max"
                 ? tosa::MaximumOp::create(b, loc, type, a, c, nan).getResult()
                 : tosa::MinimumOp::create(b, loc, type, a, c, nan).getResult();
  }
  return result;
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
  for (StringRef op : {"Sigmoid", "Tanh", "Exp", "Log", "Erf", "Abs", "Floor",
                       "Ceil", "Sin", "Cos", "Reciprocal", "Sqrt"})
    registry.add(op, 13, &Importer::importUnary);
  for (StringRef op : {"Neg", "Softplus"})
    registry.add(op, 13, &Importer::importSoftActivation);
  registry.add("Mish", 18, &Importer::importSoftActivation);
  for (StringRef op : {"LeakyRelu", "Elu", "PRelu"})
    registry.add(op, 13, &Importer::importRectifier);
  for (StringRef op : {"Max", "Min"})
    registry.add(op, 13, &Importer::importMaxMin);
  registry.add("Relu", 13, &Importer::importRelu);
  registry.add("Clip", 13, &Importer::importClip);
  registry.add("HardSigmoid", 13, &Importer::importHardActivation);
  registry.add("HardSwish", 13, &Importer::importHardActivation);
  registry.add("Pow", 13, &Importer::importPow);
}

} // namespace onnx_import
} // namespace uniform
