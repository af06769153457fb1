//===- ImportMatMul.cpp - ONNX products to TOSA ---------------------------===//
//
// MatMul with NumPy's batch broadcasting, Gemm, and the Einsum equations
// that attention is written with, all as tosa.matmul.
//
//===----------------------------------------------------------------------===//

#include "Importer.h"

namespace uniform {
namespace onnx_import {

/// NumPy matmul on TOSA's [N, H, C] x [N, C, W]: batch dimensions are
/// folded into N, or into H when only the left operand has them.
Value Importer::matmul(Value a, Value c) {
  RankedTensorType ta = typeOf(a), tc = typeOf(c);
  if (ta.getRank() < 2 || tc.getRank() < 2)
    fail("MatMul of vectors is not supported");
  int64_t m = ta.getDimSize(ta.getRank() - 2),
          k = ta.getDimSize(ta.getRank() - 1);
  int64_t k2 = tc.getDimSize(tc.getRank() - 2),
          n = tc.getDimSize(tc.getRank() - 1);
  if (k != k2)
    fail(llvm::formatv("MatMul of {0} and {1}: inner dimensions differ", ta,
                       tc));
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
      int64_t da =
          i < rank - batchA.size() ? 1 : batchA[i - (rank - batchA.size())];
      int64_t dc =
          i < rank - batchC.size() ? 1 : batchC[i - (rank - batchC.size())];
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
      b, loc, RankedTensorType::get({batch, rows, n}, b.getF32Type()), lhs, rhs,
      zp, zp);
  return reshape(product, outShape);
}

Value Importer::importMatMul(const onnx::NodeProto &node) {
  return matmul(input(node, 0), input(node, 1));
}

/// alpha * A' * B' + beta * C, A' and B' transposed by transA and transB.
Value Importer::importGemm(const onnx::NodeProto &node) {
  Value a = input(node, 0), c = input(node, 1);
  if (intAttr(node, "transA", 0))
    a = transpose(a, {1, 0});
  if (intAttr(node, "transB", 0))
    c = transpose(c, {1, 0});
  Value result = matmul(a, c);
  if (float alpha = floatAttr(node, "alpha", 1.0f); alpha != 1.0f)
    result = binary("Mul", result, scalarLike(alpha, result));
  if (hasInput(node, 2)) {
    Value bias = input(node, 2);
    if (float beta = floatAttr(node, "beta", 1.0f); beta != 1.0f)
      bias = binary("Mul", bias, scalarLike(beta, bias));
    result = binary("Add", result, bias);
  }
  return result;
}

/// ONNX Einsum of two operands without repeated or broadcast indices (the
/// batched products attention is written with): indices in both operands
/// and the output are the batch, those in both operands only are
/// contracted, the rest are each operand's free indices. One tosa.matmul
/// between transposes and reshapes. One operand: a permutation.
Value Importer::importEinsum(const onnx::NodeProto &node) {
  SmallVector<Value> operands;
  for (int i = 0, e = node.input_size(); i < e; ++i)
    operands.push_back(input(node, i));
  const onnx::AttributeProto *attr = findAttr(node, "equation");
  std::string equation;
  for (char c : attr ? attr->s() : std::string())
    if (c != ' ')
      equation.push_back(c);
  auto unsupported = [&](const Twine &why) {
    fail("Einsum node '" + node.name() + "' ('" + equation + "'): " + why);
  };
  size_t arrow = equation.find("->");
  std::string lhs = equation.substr(0, arrow);
  SmallVector<std::string> terms;
  for (StringRef term : llvm::split(StringRef(lhs), ','))
    terms.push_back(term.str());
  if (terms.size() != operands.size() || terms.size() > 2)
    unsupported("only one or two operands are supported");
  llvm::DenseMap<char, int64_t> extent, uses;
  for (auto [term, operand] : llvm::zip(terms, operands)) {
    RankedTensorType t = typeOf(operand);
    if (static_cast<int64_t>(term.size()) != t.getRank())
      unsupported("a term does not match its operand's rank");
    for (auto [i, c] : llvm::enumerate(term)) {
      if (!llvm::isAlpha(c) || llvm::count(term, c) != 1)
        unsupported("only distinct letters per term are supported");
      auto [it, inserted] = extent.try_emplace(c, t.getDimSize(i));
      if (!inserted && it->second != t.getDimSize(i))
        unsupported("index '" + Twine(c) + "' has different extents");
      ++uses[c];
    }
  }
  std::string out;
  if (arrow != std::string::npos) {
    out = equation.substr(arrow + 2);
  } else {
    // Implicit output: the letters used once, in alphabetical order.
    for (char c = 'A'; c <= 'z'; ++c)
      if (uses.lookup(c) == 1)
        out.push_back(c);
  }
  for (char c : out)
    if (!extent.count(c) || llvm::count(out, c) != 1)
      unsupported("the output's indices are not distinct input indices");
  auto positions = [](const std::string &term, const std::string &letters) {
    SmallVector<int64_t> perm;
    for (char c : letters)
      perm.push_back(term.find(c));
    return perm;
  };
  auto product = [&](const std::string &letters) {
    int64_t p = 1;
    for (char c : letters)
      p *= extent[c];
    return p;
  };
  auto shapeOf = [&](const std::string &letters) {
    SmallVector<int64_t> shape;
    for (char c : letters)
      shape.push_back(extent[c]);
    return shape;
  };
  if (terms.size() == 1) {
    if (out.size() != terms[0].size())
      unsupported("summing over an index is not supported");
    return transpose(operands[0], positions(terms[0], out));
  }
  const std::string &ta = terms[0], &tb = terms[1];
  std::string batch, contract, freeA, freeB;
  for (char c : out) {
    bool inA = ta.find(c) != std::string::npos;
    bool inB = tb.find(c) != std::string::npos;
    (inA && inB ? batch : inA ? freeA : freeB).push_back(c);
  }
  for (char c : ta)
    if (out.find(c) == std::string::npos) {
      if (tb.find(c) == std::string::npos)
        unsupported("summing over an index of one operand is not supported");
      contract.push_back(c);
    }
  for (char c : tb)
    if (out.find(c) == std::string::npos && ta.find(c) == std::string::npos)
      unsupported("summing over an index of one operand is not supported");
  Value a =
      reshape(transpose(operands[0], positions(ta, batch + freeA + contract)),
              {product(batch), product(freeA), product(contract)});
  Value c =
      reshape(transpose(operands[1], positions(tb, batch + contract + freeB)),
              {product(batch), product(contract), product(freeB)});
  std::string natural = batch + freeA + freeB;
  Value result = reshape(matmul(a, c), shapeOf(natural));
  return transpose(result, positions(natural, out));
}

void registerMatMulOps(OpRegistry &registry) {
  registry.add("MatMul", 13, &Importer::importMatMul);
  registry.add("Gemm", 13, &Importer::importGemm);
  registry.add("Einsum", 13, &Importer::importEinsum);
}

} // namespace onnx_import
} // namespace uniform
