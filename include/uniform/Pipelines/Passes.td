//===- Passes.td - Passes the pipelines are built from -----*- tablegen -*-===//
//
// Small passes that the project's pipelines need and upstream lacks.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_PIPELINES_PASSES_TD
#define UNIFORM_PIPELINES_PASSES_TD

include "mlir/Pass/PassBase.td"

def DecomposeAggregatedOps : Pass<"uniform-decompose-aggregated-ops"> {
  let summary = "Decompose aggregated linalg ops such as linalg.softmax";
  let description = [{
    Rewrites every op implementing `linalg::AggregatedOpInterface` (today
    `linalg.softmax`) into the linalg ops it stands for. The loop and LLVM
    lowerings skip such ops silently, so the CPU and GPU pipelines run this
    before bufferization.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

def PrepareEntryPoints : Pass<"uniform-prepare-entry-points", "::mlir::ModuleOp"> {
  let summary = "Mark public functions as entry points for the runtime";
  let description = [{
    Gives every public `func.func` with a body the `llvm.emit_c_interface`
    attribute (so C callers get `_mlir_ciface_NAME`), and records its
    tensor-level signature in `uniform.signature` (a `FunctionType`), which
    survives lowering to the LLVM dialect. `uniform-run` reads it to check
    the element type and shape of every input and to interpret the results.
  }];
}

#endif // UNIFORM_PIPELINES_PASSES_TD
