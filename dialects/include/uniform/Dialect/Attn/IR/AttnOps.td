//===- AttnOps.td - Attention operations -------------------*- tablegen -*-===//
//
// `attn.mha` (per-head attention) and `attn.reuse` (Reuse Attention).
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_DIALECT_ATTN_IR_ATTNOPS_TD
#define UNIFORM_DIALECT_ATTN_IR_ATTNOPS_TD

include "uniform/Dialect/Attn/IR/AttnBase.td"
include "mlir/Interfaces/InferTypeOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/IR/OpAsmInterface.td"

// Shared structure of both attention ops. Element types, ranks and the
// agreement of every dimension are checked by the C++ verifier so that each
// failure names the operand and both shapes.
class Attn_AttentionOp<string mnemonic, list<Trait> traits = []>
    : Attn_Op<mnemonic, !listconcat(traits, [
        NoMemoryEffect,
        DeclareOpInterfaceMethods<ConditionallySpeculatable>,
        DeclareOpInterfaceMethods<ReifyRankedShapedTypeOpInterface,
                                  ["reifyResultShapes"]>])> {
  let arguments = (ins
    AnyRankedTensor:$query,
    AnyRankedTensor:$key,
    AnyRankedTensor:$value,
    Optional<AnyRankedTensor>:$bias,
    F32Attr:$scale
  );
  let results = (outs AnyRankedTensor:$result);

  let assemblyFormat = [{
    $query `,` $key `,` $value (`bias` `(` $bias^ `:` type($bias) `)`)?
    `scale` `(` $scale `)` attr-dict
    `:` type($query) `,` type($key) `,` type($value) `->` type($result)
  }];

  let hasVerifier = 1;

  let builders = [
    // Builds the op with its result type inferred from the operands.
    OpBuilder<(ins "::mlir::Value":$query, "::mlir::Value":$key,
                   "::mlir::Value":$value, "::mlir::Value":$bias,
                   "float":$scale)>
  ];

  code commonExtraClassDeclaration = [{
    /// Returns the attention's scale as a float.
    float getScaleValue() { return getScale().convertToFloat(); }

    /// Returns the bias operand type, or null when the op has no bias.
    ::mlir::RankedTensorType getBiasType() {
      return getBias() ? ::llvm::cast<::mlir::RankedTensorType>(
                             getBias().getType())
                       : ::mlir::RankedTensorType();
    }
    ::mlir::RankedTensorType getQueryType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getQuery().getType());
    }
    ::mlir::RankedTensorType getKeyType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getKey().getType());
    }
    ::mlir::RankedTensorType getValueType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getValue().getType());
    }
    ::mlir::RankedTensorType getResultType() {
      return ::llvm::cast<::mlir::RankedTensorType>(getResult().getType());
    }
  }];
}

def Attn_MultiHeadAttentionOp : Attn_AttentionOp<"mha"> {
  let summary = "Multi-head scaled dot-product attention";
  let description = [{
    Computes one attention matrix per batch item and head:

    ```
    out[b, h] = softmax(scale * query[b, h] * key[b, h]^T + bias[b, h]) * value[b, h]
    ```

    with `query: [B, H, N, Dk]`, `key: [B, H, M, Dk]`, `value: [B, H, M, Dv]`,
    an optional `bias` broadcastable to `[B, H, N, M]`, and the result
    `[B, H, N, Dv]`. The softmax runs over `M`.

    When query, key and bias are provably identical across the head axis,
    every head computes the same attention matrix; `attn-reuse-heads`
    rewrites such an op into `attn.reuse`.

    Example:

    ```mlir
    %0 = attn.mha %q, %k, %v scale(2.500000e-01)
        : tensor<2x4x49x16xf32>, tensor<2x4x49x16xf32>, tensor<2x4x49x32xf32>
        -> tensor<2x4x49x32xf32>
    %1 = attn.mha %q, %k, %v bias(%b : tensor<49x49xf16>) scale(1.250000e-01)
        : tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>, tensor<?x8x?x64xf16>
        -> tensor<?x8x?x64xf16>
    ```
  }];
  let extraClassDeclaration = commonExtraClassDeclaration;
}

def Attn_ReuseAttentionOp : Attn_AttentionOp<"reuse"> {
  let summary = "Reuse Attention: one attention matrix applied to every head";
  let description = [{
    Computes one attention matrix per batch item and applies it to the values
    of every head, as in the UniForm vision transformers:

    ```
    A[b]      = softmax(scale * query[b] * key[b]^T + bias[b])
    out[b, h] = A[b] * value[b, h]
    ```

    with `query: [B, N, Dk]`, `key: [B, M, Dk]`, `value: [B, H, M, Dv]`, an
    optional `bias` broadcastable to `[B, N, M]`, and the result
    `[B, H, N, Dv]`. Because `A * [V_1 ... V_H] = [A * V_1 ... A * V_H]`, the
    op needs one score product and one value product `H * Dv` wide.

    Example:

    ```mlir
    %0 = attn.reuse %q, %k, %v bias(%rel : tensor<49x49xf32>) scale(2.500000e-01)
        : tensor<64x49x16xf32>, tensor<64x49x16xf32>, tensor<64x4x49x48xf32>
        -> tensor<64x4x49x48xf32>
    ```
  }];
  let extraClassDeclaration = commonExtraClassDeclaration;
}

#endif // UNIFORM_DIALECT_ATTN_IR_ATTNOPS_TD
