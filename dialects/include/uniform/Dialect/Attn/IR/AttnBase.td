//===- AttnBase.td - Attention dialect definition ----------*- tablegen -*-===//
//
// The `attn` dialect models scaled dot-product attention at graph level: the
// per-head form (`attn.mha`) and Reuse Attention (`attn.reuse`), where one
// attention matrix serves every head.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_DIALECT_ATTN_IR_ATTNBASE_TD
#define UNIFORM_DIALECT_ATTN_IR_ATTNBASE_TD

include "mlir/IR/OpBase.td"

def Attn_Dialect : Dialect {
  let name = "attn";
  let cppNamespace = "::uniform::attn";
  let summary = "Scaled dot-product attention and Reuse Attention";
  let description = [{
    The `attn` dialect represents attention as single operations so that
    passes can reason about it: find the heads that share one attention
    matrix, rewrite them into Reuse Attention, estimate cost, and lower to
    linalg (CPU) or to tensor-core GPU kernels.

    Both operations work on ranked tensors of `f16`, `bf16` or `f32`; all
    operands and the result share one element type. The `scale` attribute is
    an `f32` that multiplies the scores before the optional additive `bias`,
    and the softmax runs over the key axis `M`.

    | op | query | key | value | bias broadcastable to | result |
    |----|-------|-----|-------|-----------------------|--------|
    | `attn.mha` | [B,H,N,Dk] | [B,H,M,Dk] | [B,H,M,Dv] | [B,H,N,M] | [B,H,N,Dv] |
    | `attn.reuse` | [B,N,Dk] | [B,M,Dk] | [B,H,M,Dv] | [B,N,M] | [B,H,N,Dv] |

    The bias broadcasts by NumPy's rules: its dimensions are right-aligned
    with the score shape and each static extent is 1 or equal to the score
    extent. A dynamic bias extent is taken to equal the score extent; use a
    static 1 to broadcast.
  }];
  let dependentDialects = ["::mlir::tensor::TensorDialect"];
}

class Attn_Op<string mnemonic, list<Trait> traits = []>
    : Op<Attn_Dialect, mnemonic, traits>;

#endif // UNIFORM_DIALECT_ATTN_IR_ATTNBASE_TD
