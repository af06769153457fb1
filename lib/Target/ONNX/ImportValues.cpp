//===- ImportValues.cpp - The ONNX importer's values and helpers ----------===//
//
// The Importer's helpers that every family of ops uses: graph types and
// element types, constants (initializers, f16/bf16 widening, blobs), value
// lookup (float and boolean), node attributes, and the TOSA builders for
// reshapes, broadcasting arithmetic, transposes and clamps.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

bool isWidenedFloat(int type) {
  return type == onnx::TensorProto::FLOAT ||
         type == onnx::TensorProto::FLOAT16 ||
         type == onnx::TensorProto::BFLOAT16;
}

Type Importer::declaredElementType(int type) {
  switch (type) {
  case onnx::TensorProto::FLOAT16:
    return b.getF16Type();
  case onnx::TensorProto::BFLOAT16:
    return b.getBF16Type();
  case onnx::TensorProto::INT64:
    return b.getI64Type();
  case onnx::TensorProto::INT32:
    return b.getI32Type();
  default:
    return b.getF32Type();
  }
}

RankedTensorType Importer::typeOf(const onnx::ValueInfoProto &info,
                                  bool allowInt, bool declared) {
  if (!info.type().has_tensor_type())
    fail("'" + info.name() + "' is not a tensor");
  const auto &tt = info.type().tensor_type();
  bool isInt = tt.elem_type() == onnx::TensorProto::INT64 ||
               tt.elem_type() == onnx::TensorProto::INT32;
  if (!isWidenedFloat(tt.elem_type()) && !(isInt && allowInt))
    fail("'" + info.name() + "' has element type " +
         onnx::TensorProto::DataType_Name(
             static_cast<onnx::TensorProto::DataType>(tt.elem_type())) +
         "; only FLOAT, FLOAT16 and BFLOAT16 tensors" +
         (allowInt ? ", and INT64 and INT32 ones," : "") + " are supported");
  SmallVector<int64_t> shape;
  for (const auto &dim : tt.shape().dim()) {
    if (!dim.has_dim_value())
      fail("'" + info.name() + "' has a dynamic dimension" +
           (dim.has_dim_param() ? " '" + dim.dim_param() + "'" : "") +
           "; give it a static shape with --onnx-input-shape=" + info.name() +
           "=DxDx...");
    shape.push_back(dim.dim_value());
  }
  numElements(shape, "'" + info.name() + "'");
  Type element = isInt || declared ? declaredElementType(tt.elem_type())
                                   : Type(b.getF32Type());
  return RankedTensorType::get(shape, element);
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

std::vector<float> Importer::floatData(const onnx::TensorProto &tensor,
                                       int64_t n) {
  auto truncated = [&] {
    fail("initializer '" + tensor.name() + "' is truncated");
  };
  int type = tensor.data_type();
  std::vector<float> data(n);
  if (type == onnx::TensorProto::FLOAT) {
    if (tensor.has_raw_data()) {
      if (static_cast<int64_t>(tensor.raw_data().size()) != 4 * n)
        truncated();
      if (n)
        std::memcpy(data.data(), tensor.raw_data().data(), 4 * n);
    } else {
      if (tensor.float_data_size() != n)
        truncated();
      llvm::copy(tensor.float_data(), data.begin());
    }
    return data;
  }
  // FLOAT16 and BFLOAT16: 16-bit patterns, in raw_data or one per int32_data
  // entry.
  std::vector<uint16_t> bits(n);
  if (tensor.has_raw_data()) {
    if (static_cast<int64_t>(tensor.raw_data().size()) != 2 * n)
      truncated();
    if (n)
      std::memcpy(bits.data(), tensor.raw_data().data(), 2 * n);
  } else {
    if (tensor.int32_data_size() != n)
      truncated();
    for (int64_t i = 0; i < n; ++i)
      bits[i] = static_cast<uint16_t>(tensor.int32_data(i));
  }
  for (int64_t i = 0; i < n; ++i) {
    if (type == onnx::TensorProto::BFLOAT16) {
      uint32_t word = uint32_t(bits[i]) << 16;
      std::memcpy(&data[i], &word, 4);
    } else {
      data[i] =
          APFloat(APFloat::IEEEhalf(), APInt(16, bits[i])).convertToFloat();
    }
  }
  return data;
}

/// A FLOAT, FLOAT16 or BFLOAT16 initializer or Constant as an f32
/// tosa.const (integer and boolean ones are import-time data and go to `ints`
/// instead).
Value Importer::constant(const onnx::TensorProto &tensor) {
  if (!isWidenedFloat(tensor.data_type()))
    fail("initializer '" + tensor.name() + "' has data type " +
         onnx::TensorProto::DataType_Name(
             static_cast<onnx::TensorProto::DataType>(tensor.data_type())) +
         "; only FLOAT, FLOAT16, BFLOAT16, INT64, INT32 and BOOL initializers "
         "are "
         "supported");
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  int64_t n = numElements(shape, "initializer '" + tensor.name() + "'");
  if (tensor.data_location() == onnx::TensorProto::EXTERNAL)
    fail("initializer '" + tensor.name() + "' uses external data");
  return floatConstant(shape, floatData(tensor, n), tensor.name());
}

Value Importer::floatConstant(ArrayRef<int64_t> shape, ArrayRef<float> data,
                              StringRef name) {
  auto type = RankedTensorType::get(shape, b.getF32Type());
  // Weights go into the module's resource section (printed once, as a hex
  // blob, outside the IR); small constants such as scales stay inline,
  // where folders and attn-raise can read them.
  if (static_cast<int64_t>(data.size()) > kInlineElements) {
    std::string blobName = name.empty() ? "onnx_weight" : name.str();
    for (char &c : blobName)
      if (!llvm::isAlnum(c) && c != '_' && c != '.')
        c = '_';
    return tosa::ConstOp::create(
        b, loc, type,
        DenseResourceElementsAttr::get(
            type, blobName,
            HeapAsmResourceBlob::allocateAndCopyInferAlign(data)));
  }
  return tosa::ConstOp::create(b, loc, type,
                               DenseElementsAttr::get(type, data));
}

std::optional<ArrayRef<float>> Importer::constantFloats(Value v) {
  auto c = v.getDefiningOp<tosa::ConstOp>();
  if (!c || !typeOf(v).getElementType().isF32())
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(c.getValues())) {
    if (dense.isSplat())
      return std::nullopt;
    ArrayRef<char> raw = dense.getRawData();
    return ArrayRef<float>(reinterpret_cast<const float *>(raw.data()),
                           raw.size() / sizeof(float));
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(c.getValues()))
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob()) {
      ArrayRef<char> raw = blob->getData();
      return ArrayRef<float>(reinterpret_cast<const float *>(raw.data()),
                             raw.size() / sizeof(float));
    }
  return std::nullopt;
}

Value Importer::lookup(const std::string &name, const onnx::NodeProto &node) {
  auto it = values.find(name);
  if (it == values.end() || !it->second)
    fail("node '" + node.name() + "' (" + node.op_type() + ") uses '" + name +
         "', which is not a float tensor defined before it");
  Type element = typeOf(it->second).getElementType();
  if (element.isInteger(1))
    fail("node '" + node.name() + "' (" + node.op_type() + ") uses '" + name +
         "', a boolean tensor computed at run time; only Where, Not, And, "
         "Or, Xor and Cast to BOOL take those");
  if (!element.isF32())
    fail("node '" + node.name() + "' (" + node.op_type() + ") uses '" + name +
         "', an integer tensor known only at run time; only Gather's "
         "indices, Cast and graph outputs take those");
  return it->second;
}

Value Importer::anyValue(const std::string &name, const onnx::NodeProto &node) {
  if (auto it = ints.find(name); it != ints.end()) {
    // Known at import time: an i64 constant.
    auto type = RankedTensorType::get(it->second.shape, b.getI64Type());
    return tosa::ConstOp::create(
        b, loc, type,
        DenseElementsAttr::get(type, ArrayRef<int64_t>(it->second.data)));
  }
  auto it = values.find(name);
  if (it == values.end() || !it->second)
    fail("node '" + node.name() + "' (" + node.op_type() + ") uses '" + name +
         "', which is not defined before it");
  return it->second;
}

Value Importer::boolInput(const onnx::NodeProto &node, int i) {
  if (auto it = ints.find(inputName(node, i)); it != ints.end()) {
    // Known at import time: an i1 constant.
    const IntTensor &t = it->second;
    SmallVector<bool> bits;
    for (int64_t v : t.data)
      bits.push_back(v != 0);
    auto type = RankedTensorType::get(t.shape, b.getI1Type());
    return tosa::ConstOp::create(b, loc, type,
                                 DenseElementsAttr::get(type, bits));
  }
  auto it = values.find(node.input(i));
  if (it == values.end() || !it->second ||
      !typeOf(it->second).getElementType().isInteger(1))
    failAt(node, "input '" + node.input(i) +
                     "' must be a boolean tensor (a comparison's result or "
                     "a constant)");
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
      fail(llvm::formatv("shapes {0} and {1} do not broadcast", typeOf(a),
                         typeOf(c)));
    shape.push_back(x == 1 ? y : x);
  }
  return RankedTensorType::get(shape, typeOf(a).getElementType());
}

/// The value of a splat float tosa.const, if `v` is one.
std::optional<float> Importer::splatOf(Value v) {
  auto c = v ? v.getDefiningOp<tosa::ConstOp>() : nullptr;
  auto dense =
      c ? dyn_cast<DenseElementsAttr>(c.getValues()) : DenseElementsAttr();
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

const onnx::AttributeProto *findAttr(const onnx::NodeProto &node,
                                     StringRef name) {
  for (const auto &attr : node.attribute())
    if (attr.name() == name)
      return &attr;
  return nullptr;
}

int64_t Importer::domainVersion(StringRef domain) const {
  for (const auto &import : model.opset_import())
    if (import.domain() == domain)
      return import.version();
  return 1;
}

Value Importer::widen(Value v) {
  RankedTensorType t = typeOf(v);
  if (!isa<Float16Type, BFloat16Type>(t.getElementType()))
    return v;
  return tosa::CastOp::create(b, loc, t.clone(b.getF32Type()), v);
}

void Importer::failAt(const onnx::NodeProto &node, const Twine &message) {
  fail(node.op_type() + " node '" + node.name() + "': " + message);
}

int64_t Importer::intAttr(const onnx::NodeProto &node, StringRef name,
                          int64_t fallback) {
  const auto *attr = findAttr(node, name);
  return attr ? attr->i() : fallback;
}

float Importer::floatAttr(const onnx::NodeProto &node, StringRef name,
                          float fallback) {
  const auto *attr = findAttr(node, name);
  return attr ? attr->f() : fallback;
}

std::optional<SmallVector<int64_t>>
Importer::intsAttr(const onnx::NodeProto &node, StringRef name) {
  const auto *attr = findAttr(node, name);
  if (!attr)
    return std::nullopt;
  return SmallVector<int64_t>(attr->ints().begin(), attr->ints().end());
}

IntAttributes Importer::intAttributes(const onnx::NodeProto &node) {
  IntAttributes attrs;
  for (const onnx::AttributeProto &attr : node.attribute()) {
    if (attr.type() == onnx::AttributeProto::INT)
      attrs.set(attr.name(), attr.i());
    else if (attr.type() == onnx::AttributeProto::INTS)
      attrs.setList(attr.name(), SmallVector<int64_t>(attr.ints().begin(),
                                                      attr.ints().end()));
  }
  return attrs;
}

SmallVector<int64_t> Importer::squeezeAxes(const onnx::NodeProto &node) {
  if (hasInput(node, 1))
    return SmallVector<int64_t>(ArrayRef<int64_t>(intInput(node, 1).data));
  return intsAttr(node, "axes").value_or(SmallVector<int64_t>());
}

SmallVector<SliceDim> Importer::sliceDims(const onnx::NodeProto &node,
                                          ArrayRef<int64_t> shape) {
  auto optional = [&](int i) -> std::optional<ArrayRef<int64_t>> {
    if (!hasInput(node, i))
      return std::nullopt;
    return ArrayRef<int64_t>(intInput(node, i).data);
  };
  return check(node, onnx_import::sliceDims(shape, intInput(node, 1).data,
                                            intInput(node, 2).data, optional(3),
                                            optional(4)));
}

Value Importer::clamp(Value v, float lo, float hi) {
  return tosa::ClampOp::create(b, loc, typeOf(v), v, b.getF32FloatAttr(lo),
                               b.getF32FloatAttr(hi),
                               tosa::NanPropagationModeAttr::get(
                                   ctx, tosa::NanPropagationMode::PROPAGATE));
}

} // namespace onnx_import
} // namespace uniform
