//===- AttnOps.cpp - Attention operations ---------------------------------===//
//
// Verifiers, builders and interfaces of `attn.mha` and `attn.reuse`.
//
//===----------------------------------------------------------------------===//

#include "uniform/Dialect/Attn/IR/AttnOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/OpImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace uniform;
using namespace uniform::attn;

//===----------------------------------------------------------------------===//
// Shape helpers
//===----------------------------------------------------------------------===//

bool attn::isSupportedAttentionElementType(Type type) {
  return type.isF16() || type.isBF16() || type.isF32();
}

namespace {
/// The operands of an attention op in a fixed order; indices into it name an
/// operand in the dimension tables below.
enum OperandIdx : unsigned { kQuery = 0, kKey, kValue, kResult };

/// One occurrence of a named dimension: which operand and which position.
struct DimUse {
  OperandIdx operand;
  unsigned pos;
};

/// A named attention dimension and every place it occurs.
struct DimSpec {
  StringLiteral name;
  StringLiteral symbol;
  SmallVector<DimUse, 4> uses;
};
} // namespace

static StringRef operandName(OperandIdx idx) {
  switch (idx) {
  case kQuery:
    return "query";
  case kKey:
    return "key";
  case kValue:
    return "value";
  case kResult:
    return "result";
  }
  llvm_unreachable("unknown attention operand");
}

/// Returns the six attention dimensions with the operand positions where each
/// occurs. The order is B, H, N, M, Dk, Dv, matching `AttentionDims`.
static SmallVector<DimSpec, 6> getDimSpecs(bool isReuse) {
  if (isReuse) {
    // query [B,N,Dk], key [B,M,Dk], value [B,H,M,Dv], result [B,H,N,Dv].
    return {
        {"batch size", "B",
         {{kQuery, 0}, {kKey, 0}, {kValue, 0}, {kResult, 0}}},
        {"head count", "H", {{kValue, 1}, {kResult, 1}}},
        {"query length", "N", {{kQuery, 1}, {kResult, 2}}},
        {"key length", "M", {{kKey, 1}, {kValue, 2}}},
        {"key depth", "Dk", {{kQuery, 2}, {kKey, 2}}},
        {"value depth", "Dv", {{kValue, 3}, {kResult, 3}}},
    };
  }
  // query [B,H,N,Dk], key [B,H,M,Dk], value [B,H,M,Dv], result [B,H,N,Dv].
  return {
      {"batch size", "B", {{kQuery, 0}, {kKey, 0}, {kValue, 0}, {kResult, 0}}},
      {"head count", "H", {{kQuery, 1}, {kKey, 1}, {kValue, 1}, {kResult, 1}}},
      {"query length", "N", {{kQuery, 2}, {kResult, 2}}},
      {"key length", "M", {{kKey, 2}, {kValue, 2}}},
      {"key depth", "Dk", {{kQuery, 3}, {kKey, 3}}},
      {"value depth", "Dv", {{kValue, 3}, {kResult, 3}}},
  };
}

static unsigned expectedRank(bool isReuse, OperandIdx idx) {
  if (!isReuse || idx == kValue || idx == kResult)
    return 4;
  return 3;
}

static StringRef layoutString(bool isReuse, OperandIdx idx) {
  switch (idx) {
  case kQuery:
    return isReuse ? "[B, N, Dk]" : "[B, H, N, Dk]";
  case kKey:
    return isReuse ? "[B, M, Dk]" : "[B, H, M, Dk]";
  case kValue:
    return "[B, H, M, Dv]";
  case kResult:
    return "[B, H, N, Dv]";
  }
  llvm_unreachable("unknown attention operand");
}

AttentionDims attn::inferAttentionDims(bool isReuse, RankedTensorType query,
                                       RankedTensorType key,
                                       RankedTensorType value) {
  RankedTensorType types[] = {query, key, value};
  SmallVector<int64_t, 6> dims;
  for (const DimSpec &spec : getDimSpecs(isReuse)) {
    int64_t dim = ShapedType::kDynamic;
    for (const DimUse &use : spec.uses) {
      if (use.operand == kResult)
        continue;
      int64_t size = types[use.operand].getDimSize(use.pos);
      if (!ShapedType::isDynamic(size)) {
        dim = size;
        break;
      }
    }
    dims.push_back(dim);
  }
  return AttentionDims{dims[0], dims[1], dims[2], dims[3], dims[4], dims[5]};
}

RankedTensorType attn::inferAttentionResultType(bool isReuse, Type query,
                                                Type key, Type value) {
  auto q = dyn_cast<RankedTensorType>(query);
  auto k = dyn_cast<RankedTensorType>(key);
  auto v = dyn_cast<RankedTensorType>(value);
  if (!q || !k || !v || q.getRank() != expectedRank(isReuse, kQuery) ||
      k.getRank() != expectedRank(isReuse, kKey) ||
      v.getRank() != expectedRank(isReuse, kValue))
    return {};
  AttentionDims d = inferAttentionDims(isReuse, q, k, v);
  return RankedTensorType::get({d.batch, d.heads, d.queryLen, d.valueDim},
                               q.getElementType());
}

//===----------------------------------------------------------------------===//
// Verifier
//===----------------------------------------------------------------------===//

static std::string formatDims(ArrayRef<int64_t> dims) {
  std::string str;
  llvm::raw_string_ostream os(str);
  os << "[";
  llvm::interleaveComma(dims, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << "?";
    else
      os << d;
  });
  os << "]";
  return str;
}

/// Verifies everything both attention ops share: element types, ranks, the
/// agreement of every named dimension, the bias broadcast and the scale.
static LogicalResult verifyAttentionOp(Operation *op, bool isReuse,
                                       Value query, Value key, Value value,
                                       Value bias, Value result,
                                       const APFloat &scale) {
  RankedTensorType types[] = {cast<RankedTensorType>(query.getType()),
                              cast<RankedTensorType>(key.getType()),
                              cast<RankedTensorType>(value.getType()),
                              cast<RankedTensorType>(result.getType())};

  // Element types: one supported type shared by every operand and the result.
  Type elementType = types[kQuery].getElementType();
  if (!isSupportedAttentionElementType(elementType))
    return op->emitOpError("query element type ")
           << elementType << " is not supported; expected f16, bf16 or f32";
  for (OperandIdx idx : {kKey, kValue, kResult}) {
    if (types[idx].getElementType() != elementType)
      return op->emitOpError()
             << operandName(idx) << " element type "
             << types[idx].getElementType()
             << " does not match query element type " << elementType << " ("
             << operandName(idx) << ": " << types[idx]
             << ", query: " << types[kQuery] << ")";
  }
  RankedTensorType biasType =
      bias ? cast<RankedTensorType>(bias.getType()) : RankedTensorType();
  if (biasType && biasType.getElementType() != elementType)
    return op->emitOpError()
           << "bias element type " << biasType.getElementType()
           << " does not match query element type " << elementType
           << " (bias: " << biasType << ", query: " << types[kQuery] << ")";

  // Ranks.
  for (OperandIdx idx : {kQuery, kKey, kValue, kResult}) {
    unsigned rank = expectedRank(isReuse, idx);
    if (types[idx].getRank() != rank)
      return op->emitOpError()
             << operandName(idx) << " must have rank " << rank << " "
             << layoutString(isReuse, idx) << ", but has type " << types[idx];
  }

  // Every named dimension must agree wherever it is static.
  for (const DimSpec &spec : getDimSpecs(isReuse)) {
    std::optional<DimUse> ref;
    for (const DimUse &use : spec.uses) {
      int64_t size = types[use.operand].getDimSize(use.pos);
      if (ShapedType::isDynamic(size))
        continue;
      if (!ref) {
        ref = use;
        continue;
      }
      int64_t refSize = types[ref->operand].getDimSize(ref->pos);
      if (size != refSize)
        return op->emitOpError()
               << operandName(use.operand) << " " << spec.name << " ("
               << spec.symbol << ") " << size << " does not match "
               << operandName(ref->operand) << " " << spec.name << " "
               << refSize << " (" << operandName(use.operand) << ": "
               << types[use.operand] << ", " << operandName(ref->operand)
               << ": " << types[ref->operand] << ")";
    }
  }

  // The bias broadcasts to the scores by NumPy's rules.
  if (biasType) {
    AttentionDims d = inferAttentionDims(isReuse, types[kQuery], types[kKey],
                                         types[kValue]);
    SmallVector<int64_t, 4> scoreShape;
    SmallVector<StringRef, 4> scoreSymbols;
    if (isReuse) {
      scoreShape = {d.batch, d.queryLen, d.keyLen};
      scoreSymbols = {"B", "N", "M"};
    } else {
      scoreShape = {d.batch, d.heads, d.queryLen, d.keyLen};
      scoreSymbols = {"B", "H", "N", "M"};
    }
    std::string scoreDesc = "[" + llvm::join(scoreSymbols, ", ") +
                            "] = " + formatDims(scoreShape);
    int64_t biasRank = biasType.getRank();
    int64_t scoreRank = scoreShape.size();
    if (biasRank > scoreRank)
      return op->emitOpError()
             << "bias of type " << biasType << " has rank " << biasRank
             << ", more than the rank " << scoreRank << " of the scores "
             << scoreDesc;
    for (int64_t i = 0; i < biasRank; ++i) {
      int64_t scoreIdx = scoreRank - biasRank + i;
      int64_t biasDim = biasType.getDimSize(i);
      int64_t scoreDim = scoreShape[scoreIdx];
      if (ShapedType::isDynamic(biasDim) || ShapedType::isDynamic(scoreDim) ||
          biasDim == 1 || biasDim == scoreDim)
        continue;
      return op->emitOpError()
             << "bias of type " << biasType
             << " is not broadcastable to the scores " << scoreDesc
             << ": bias dimension " << i << " has extent " << biasDim
             << ", expected 1 or " << scoreDim << " ("
             << scoreSymbols[scoreIdx] << ")";
    }
  }

  // Scale.
  if (!scale.isFinite() || scale.isNegative() || scale.isZero()) {
    SmallString<16> str;
    scale.toString(str);
    return op->emitOpError() << "scale must be finite and positive, but is "
                             << str;
  }
  return success();
}

//===----------------------------------------------------------------------===//
// Shared interface implementations
//===----------------------------------------------------------------------===//

/// All shapes static means a well-formed op cannot fail at run time, so it may
/// be hoisted or executed speculatively; with dynamic dims, a shape mismatch
/// at run time would be undefined behaviour.
static Speculation::Speculatability getAttentionSpeculatability(Operation *op) {
  auto isStatic = [](Type t) {
    return cast<RankedTensorType>(t).hasStaticShape();
  };
  if (llvm::all_of(op->getOperandTypes(), isStatic) &&
      llvm::all_of(op->getResultTypes(), isStatic))
    return Speculation::Speculatable;
  return Speculation::NotSpeculatable;
}

/// Reifies the result shape `[B, H, N, Dv]`: a static extent where the result
/// type or any operand knows it, otherwise a `tensor.dim` of an operand.
static LogicalResult
reifyAttentionResultShape(OpBuilder &builder, bool isReuse, Location loc,
                          Value query, Value key, Value value, Value result,
                          ReifiedRankedShapedTypeDims &reified) {
  Value operands[] = {query, key, value, result};
  SmallVector<DimSpec, 6> specs = getDimSpecs(isReuse);
  // Result dims are B, H, N, Dv: specs 0, 1, 2 and 5.
  SmallVector<OpFoldResult> dims;
  for (unsigned specIdx : {0u, 1u, 2u, 5u}) {
    std::optional<OpFoldResult> dim;
    for (const DimUse &use : specs[specIdx].uses) {
      int64_t size =
          cast<RankedTensorType>(operands[use.operand].getType()).getDimSize(
              use.pos);
      if (!ShapedType::isDynamic(size)) {
        dim = builder.getIndexAttr(size);
        break;
      }
    }
    if (!dim) {
      // Use the first operand (not the result) that carries the dimension.
      for (const DimUse &use : specs[specIdx].uses) {
        if (use.operand == kResult)
          continue;
        dim = tensor::DimOp::create(builder, loc, operands[use.operand],
                                    use.pos)
                  .getResult();
        break;
      }
    }
    dims.push_back(*dim);
  }
  reified.push_back(std::move(dims));
  return success();
}

static RankedTensorType buildResultType(bool isReuse, Value query, Value key,
                                        Value value) {
  if (RankedTensorType type = inferAttentionResultType(
          isReuse, query.getType(), key.getType(), value.getType()))
    return type;
  // Ranks are wrong: build an unconstrained result and let the verifier name
  // the problem.
  Type elementType = Float32Type::get(query.getContext());
  if (auto shaped = dyn_cast<ShapedType>(query.getType()))
    elementType = shaped.getElementType();
  SmallVector<int64_t> shape(4, ShapedType::kDynamic);
  return RankedTensorType::get(shape, elementType);
}

//===----------------------------------------------------------------------===//
// MultiHeadAttentionOp
//===----------------------------------------------------------------------===//

void MultiHeadAttentionOp::build(OpBuilder &builder, OperationState &state,
                                 Value query, Value key, Value value,
                                 Value bias, float scale) {
  build(builder, state, buildResultType(/*isReuse=*/false, query, key, value),
        query, key, value, bias, builder.getF32FloatAttr(scale));
}

LogicalResult MultiHeadAttentionOp::verify() {
  return verifyAttentionOp(*this, /*isReuse=*/false, getQuery(), getKey(),
                           getValue(), getBias(), getResult(), getScale());
}

Speculation::Speculatability MultiHeadAttentionOp::getSpeculatability() {
  return getAttentionSpeculatability(*this);
}

LogicalResult MultiHeadAttentionOp::reifyResultShapes(
    OpBuilder &builder, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  return reifyAttentionResultShape(builder, /*isReuse=*/false, getLoc(),
                                   getQuery(), getKey(), getValue(),
                                   getResult(), reifiedReturnShapes);
}

//===----------------------------------------------------------------------===//
// ReuseAttentionOp
//===----------------------------------------------------------------------===//

void ReuseAttentionOp::build(OpBuilder &builder, OperationState &state,
                             Value query, Value key, Value value, Value bias,
                             float scale) {
  build(builder, state, buildResultType(/*isReuse=*/true, query, key, value),
        query, key, value, bias, builder.getF32FloatAttr(scale));
}

LogicalResult ReuseAttentionOp::verify() {
  return verifyAttentionOp(*this, /*isReuse=*/true, getQuery(), getKey(),
                           getValue(), getBias(), getResult(), getScale());
}

Speculation::Speculatability ReuseAttentionOp::getSpeculatability() {
  return getAttentionSpeculatability(*this);
}

LogicalResult ReuseAttentionOp::reifyResultShapes(
    OpBuilder &builder, ReifiedRankedShapedTypeDims &reifiedReturnShapes) {
  return reifyAttentionResultShape(builder, /*isReuse=*/true, getLoc(),
                                   getQuery(), getKey(), getValue(),
                                   getResult(), reifiedReturnShapes);
}

#define GET_OP_CLASSES
#include "uniform/Dialect/Attn/IR/AttnOps.cpp.inc"
