//===- ImportAttention.cpp - ONNX attention ops and ORT's fusions ---------===//
//
// Attention as one op: ONNX's Attention (opset 23) and the fusions that ONNX
// Runtime's transformer optimizer writes in the com.microsoft domain
// (Attention with packed QKV weights, MultiHeadAttention, SkipLayer-
// Normalization, FastGelu, BiasGelu, Gelu), so that graphs already
// optimised by ORT import too. Attention becomes the MatMul/Softmax/MatMul
// form that attn-raise turns into attn.mha (or attn.reuse).
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

Value Importer::splitHeads(Value x, int64_t heads) {
  RankedTensorType t = typeOf(x);
  int64_t batch = t.getDimSize(0), seq = t.getDimSize(1),
          hidden = t.getDimSize(2);
  if (heads < 1 || hidden % heads != 0)
    fail(llvm::formatv("{0} heads do not divide a hidden size of {1}", heads,
                       hidden));
  return transpose(reshape(x, {batch, seq, heads, hidden / heads}),
                   {0, 2, 1, 3});
}

Value Importer::mergeHeads(Value x) {
  RankedTensorType t = typeOf(x);
  int64_t batch = t.getDimSize(0), heads = t.getDimSize(1),
          seq = t.getDimSize(2), width = t.getDimSize(3);
  return reshape(transpose(x, {0, 2, 1, 3}), {batch, seq, heads * width});
}

Value Importer::attention(const onnx::NodeProto &node, Value q, Value k,
                          Value v, Value bias, float scale, bool causal,
                          float softcap) {
  RankedTensorType qt = typeOf(q), kt = typeOf(k), vt = typeOf(v);
  if (qt.getRank() != 4 || kt.getRank() != 4 || vt.getRank() != 4)
    failAt(node, "Q, K and V must be [batch, heads, sequence, size]");
  int64_t heads = qt.getDimSize(1), kvHeads = kt.getDimSize(1);
  if (kvHeads < 1 || heads % kvHeads != 0 || vt.getDimSize(1) != kvHeads)
    failAt(node, llvm::formatv("{0} query heads cannot share {1} key and {2} "
                               "value heads",
                               heads, kvHeads, vt.getDimSize(1)));
  if (kt.getDimSize(2) != vt.getDimSize(2) ||
      kt.getDimSize(3) != qt.getDimSize(3))
    failAt(node, "the shapes of Q, K and V do not agree");
  if (heads != kvHeads) {
    // Grouped-query attention: each key and value head serves
    // heads / kvHeads consecutive query heads.
    auto repeat = [&](Value x) {
      RankedTensorType t = typeOf(x);
      int64_t group = heads / kvHeads;
      SmallVector<int64_t> shape = {t.getDimSize(0), kvHeads, 1,
                                    t.getDimSize(2), t.getDimSize(3)};
      Value x5 = reshape(x, shape);
      shape[2] = group;
      Value tiled = tosa::TileOp::create(
          b, loc, RankedTensorType::get(shape, t.getElementType()), x5,
          shapeValue({1, 1, group, 1, 1}));
      return reshape(
          tiled, {t.getDimSize(0), heads, t.getDimSize(2), t.getDimSize(3)});
    };
    k = repeat(k);
    v = repeat(v);
  }
  Value scores = matmul(q, transpose(k, {0, 1, 3, 2}));
  scores = binary("Mul", scores, scalarLike(scale, scores));
  if (softcap > 0) {
    Value capped = tosa::TanhOp::create(
        b, loc, typeOf(scores),
        binary("Mul", scores, scalarLike(1.0f / softcap, scores)));
    scores = binary("Mul", capped, scalarLike(softcap, scores));
  }
  if (bias)
    scores = binary("Add", scores, bias);
  if (causal) {
    // Query i sees keys j <= i (+ the keys' extra length, aligned at the
    // end as ONNX specifies for is_causal).
    int64_t n = typeOf(scores).getDimSize(2), m = typeOf(scores).getDimSize(3);
    SmallVector<float> mask(n * m, 0.0f);
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < m; ++j)
        if (j > i + (m - n))
          mask[i * m + j] = -std::numeric_limits<float>::infinity();
    auto type = RankedTensorType::get({1, 1, n, m}, b.getF32Type());
    scores = binary(
        "Add", scores,
        tosa::ConstOp::create(
            b, loc, type, DenseElementsAttr::get(type, ArrayRef<float>(mask))));
  }
  return matmul(softmax(scores, 3), v);
}

Value Importer::importAttention(const onnx::NodeProto &node) {
  for (int i = 4; i < node.input_size(); ++i)
    if (hasInput(node, i))
      failAt(node, "past_key and past_value are not supported");
  for (int i = 1; i < node.output_size(); ++i)
    if (!node.output(i).empty())
      failAt(node, "only the first output (Y) is supported");
  Value q = input(node, 0), k = input(node, 1), v = input(node, 2);
  bool threeD = typeOf(q).getRank() == 3;
  if (threeD) {
    int64_t qHeads = intAttr(node, "q_num_heads", 0);
    int64_t kvHeads = intAttr(node, "kv_num_heads", 0);
    if (qHeads < 1 || kvHeads < 1)
      failAt(node, "3-D inputs need q_num_heads and kv_num_heads");
    if (typeOf(k).getRank() != 3 || typeOf(v).getRank() != 3)
      failAt(node, "Q, K and V must all be 3-D or all 4-D");
    q = splitHeads(q, qHeads);
    k = splitHeads(k, kvHeads);
    v = splitHeads(v, kvHeads);
  }
  Value mask;
  if (hasInput(node, 3)) {
    if (auto it = ints.find(node.input(3)); it != ints.end()) {
      // A boolean mask known at import time: true attends.
      const IntTensor &m = it->second;
      SmallVector<float> additive;
      for (int64_t x : m.data)
        additive.push_back(x ? 0.0f : -std::numeric_limits<float>::infinity());
      auto type = RankedTensorType::get(m.shape, b.getF32Type());
      mask = tosa::ConstOp::create(
          b, loc, type,
          DenseElementsAttr::get(type, ArrayRef<float>(additive)));
    } else {
      mask = input(node, 3);
    }
  }
  int64_t headSize = typeOf(q).getDimSize(3);
  float scale = floatAttr(node, "scale", 1.0f / std::sqrt(float(headSize)));
  Value y =
      attention(node, q, k, v, mask, scale, intAttr(node, "is_causal", 0) != 0,
                floatAttr(node, "softcap", 0.0f));
  return threeD ? mergeHeads(y) : y;
}

/// com.microsoft Attention: input [B, S, C] times packed weights [C, 3 x
/// hidden] plus bias, split into Q, K and V (qkv_hidden_sizes, or equal
/// thirds), num_heads heads.
Value Importer::importPackedAttention(const onnx::NodeProto &node) {
  for (int i = 3; i < node.input_size(); ++i)
    if (hasInput(node, i) && i != 5)
      failAt(node, "mask_index and past are not supported");
  if (node.output_size() > 1 && !node.output(1).empty())
    failAt(node, "the present output is not supported");
  int64_t heads = intAttr(node, "num_heads", 0);
  RankedTensorType xt = typeOf(input(node, 0)), wt = typeOf(input(node, 1));
  if (xt.getRank() != 3 || wt.getRank() != 2 ||
      wt.getDimSize(0) != xt.getDimSize(2))
    failAt(node, "the input must be [batch, sequence, C] and the weights "
                 "[C, packed hidden]");
  Value qkv = matmul(input(node, 0), input(node, 1));
  if (hasInput(node, 2)) {
    RankedTensorType bt = typeOf(input(node, 2));
    if (bt.getRank() != 1 || bt.getDimSize(0) != wt.getDimSize(1))
      failAt(node, "the bias must be one vector of the packed hidden size");
    qkv = binary("Add", qkv, input(node, 2));
  }
  RankedTensorType t = typeOf(qkv);
  int64_t total = t.getDimSize(2);
  SmallVector<int64_t> sizes =
      intsAttr(node, "qkv_hidden_sizes")
          .value_or(SmallVector<int64_t>(3, total / 3));
  if (sizes.size() != 3 || sizes[0] != sizes[1] ||
      sizes[0] + sizes[1] + sizes[2] != total)
    failAt(node, "qkv_hidden_sizes do not split the packed projection");
  Value parts[3];
  for (int i = 0, offset = 0; i < 3; offset += sizes[i++])
    parts[i] = splitHeads(slice(qkv, {0, 0, offset},
                                {t.getDimSize(0), t.getDimSize(1), sizes[i]}),
                          heads);
  float scale =
      floatAttr(node, "scale", 1.0f / std::sqrt(float(sizes[0] / heads)));
  Value bias = hasInput(node, 5) ? input(node, 5) : Value();
  return mergeHeads(attention(node, parts[0], parts[1], parts[2], bias, scale,
                              intAttr(node, "unidirectional", 0) != 0, 0));
}

/// com.microsoft MultiHeadAttention with separate query, key and value
/// [B, S, hidden], an optional packed bias [3 x hidden] and an optional
/// attention_bias.
Value Importer::importMultiHeadAttention(const onnx::NodeProto &node) {
  if (hasInput(node, 4) || hasInput(node, 6) || hasInput(node, 7))
    failAt(node, "key_padding_mask and past are not supported");
  for (int i = 1; i < node.output_size(); ++i)
    if (!node.output(i).empty())
      failAt(node, "only the first output is supported");
  if (!hasInput(node, 1) || !hasInput(node, 2))
    failAt(node, "packed query, key and value are not supported");
  int64_t heads = intAttr(node, "num_heads", 0);
  Value qkv[3] = {input(node, 0), input(node, 1), input(node, 2)};
  for (Value &x : qkv)
    if (typeOf(x).getRank() != 3)
      failAt(node, "query, key and value must be [batch, sequence, hidden]");
  if (hasInput(node, 3)) {
    Value bias = input(node, 3);
    int64_t total = 0;
    for (Value x : qkv)
      total += typeOf(x).getDimSize(2);
    if (typeOf(bias).getRank() != 1 || typeOf(bias).getDimSize(0) != total)
      failAt(node, "the bias must be one vector of the three hidden sizes");
    int64_t offset = 0;
    for (Value &x : qkv) {
      int64_t width = typeOf(x).getDimSize(2);
      x = binary("Add", x, slice(bias, {offset}, {width}));
      offset += width;
    }
  }
  for (Value &x : qkv)
    x = splitHeads(x, heads);
  float scale = floatAttr(
      node, "scale", 1.0f / std::sqrt(float(typeOf(qkv[0]).getDimSize(3))));
  Value bias = hasInput(node, 5) ? input(node, 5) : Value();
  return mergeHeads(attention(node, qkv[0], qkv[1], qkv[2], bias, scale,
                              intAttr(node, "unidirectional", 0) != 0, 0));
}

/// com.microsoft SkipLayerNormalization: LayerNorm(input + skip (+ bias))
/// over the last axis; output 3 is the sum itself.
Value Importer::importSkipLayerNorm(const onnx::NodeProto &node) {
  if ((node.output_size() > 1 && !node.output(1).empty()) ||
      (node.output_size() > 2 && !node.output(2).empty()))
    failAt(node, "the mean and inverse-deviation outputs are not supported");
  Value sum = binary("Add", input(node, 0), input(node, 1));
  if (hasInput(node, 4))
    sum = binary("Add", sum, input(node, 4));
  if (node.output_size() > 3 && !node.output(3).empty())
    values[node.output(3)] = sum;
  Value y = layerNorm(sum, typeOf(sum).getRank() - 1,
                      floatAttr(node, "epsilon", 1e-12f), input(node, 2),
                      hasInput(node, 3) ? input(node, 3) : Value());
  values[node.output(0)] = y;
  return {};
}

/// com.microsoft BiasGelu (erf) and FastGelu (tanh): Gelu(A + B), B
/// optional for FastGelu; com.microsoft Gelu is the erf form.
Value Importer::importBiasGelu(const onnx::NodeProto &node) {
  Value x = input(node, 0);
  if (hasInput(node, 1))
    x = binary("Add", x, input(node, 1));
  return gelu(x, node.op_type() == "FastGelu");
}

void registerAttentionOps(OpRegistry &registry) {
  registry.add("Attention", 23, &Importer::importAttention);
  registry.add("Attention", 1, &Importer::importPackedAttention,
               kMicrosoftDomain);
  registry.add("MultiHeadAttention", 1, &Importer::importMultiHeadAttention,
               kMicrosoftDomain);
  registry.add("SkipLayerNormalization", 1, &Importer::importSkipLayerNorm,
               kMicrosoftDomain);
  for (StringRef op : {"BiasGelu", "FastGelu", "Gelu"})
    registry.add(op, 1, &Importer::importBiasGelu, kMicrosoftDomain);
}

} // namespace onnx_import
} // namespace uniform
