//===- Passes.td - Conversion passes -----------------------*- tablegen -*-===//
//
// Conversions out of the `attn` dialect.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_CONVERSION_PASSES_TD
#define UNIFORM_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertAttnToLinalg : Pass<"convert-attn-to-linalg"> {
  let summary = "Lower attn.mha and attn.reuse to linalg on tensors";
  let description = [{
    `strategy=materialize` (default): the scores by one contraction, scale
    and bias by one elementwise op, `linalg.softmax` over the key axis, and
    the value product by one contraction. For `attn.reuse` there is exactly
    one score contraction [B, N, M] and one value contraction whose
    right-hand side is V seen as [B, M, H*Dv] (the heads are parallel
    dimensions of one product); the result is laid out [B, H, N, Dv].

    `strategy=online`: flash-style. An `scf.for` over key tiles of `tile-m`
    keys keeps a running row maximum, a running sum and a rescaled
    accumulator, so no tensor larger than N x tile-m of scores exists; the
    last step divides by the sum. Works for any M, including M not a multiple
    of the tile.

    f16 and bf16 inputs are extended in the contraction bodies, everything is
    accumulated in f32, and the result is truncated to the element type.
    Static and dynamic shapes are supported.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::scf::SCFDialect",
    "::mlir::tensor::TensorDialect",
  ];
  let options = [
    Option<"strategy", "strategy", "std::string", /*default=*/"\"materialize\"",
           "Lowering strategy: 'materialize' or 'online'">,
    Option<"tileM", "tile-m", "int64_t", /*default=*/"64",
           "Keys per tile of the online strategy">,
  ];
}

#endif // UNIFORM_CONVERSION_PASSES_TD
