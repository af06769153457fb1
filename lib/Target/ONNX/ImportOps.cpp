//===- ImportOps.cpp - ONNX nodes to TOSA -----------------------------------===//
//
// Importer::convert: each ONNX node of a supported op type becomes TOSA
// (and tensor) ops, through the builders of ImportBuilders.cpp.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

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

} // namespace onnx_import
} // namespace uniform
