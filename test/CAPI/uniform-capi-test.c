/*===- uniform-capi-test.c - Test of the C API ---------------------------===*\
|* Registers the dialect and passes through the C API, parses attention IR, *|
|* runs attn-reuse-heads through a textual pipeline and prints the result.  *|
\*===----------------------------------------------------------------------===*/

#include "uniform-c/Uniform.h"

#include "mlir-c/IR.h"
#include "mlir-c/Pass.h"
#include "mlir-c/Support.h"

#include <stdio.h>
#include <string.h>

static void printToStdout(MlirStringRef str, void *userData) {
  (void)userData;
  fwrite(str.data, 1, str.length, stdout);
}

static const char *kModule =
    "func.func @f(%q: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> "
    "tensor<1x2x8x4xf32> {\n"
    "  %e = tensor.empty() : tensor<1x2x8x4xf32>\n"
    "  %qb = linalg.broadcast ins(%q : tensor<1x8x4xf32>) outs(%e : "
    "tensor<1x2x8x4xf32>) dimensions = [1]\n"
    "  %0 = attn.mha %qb, %qb, %v scale(0.5) : tensor<1x2x8x4xf32>, "
    "tensor<1x2x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x2x8x4xf32>\n"
    "  return %0 : tensor<1x2x8x4xf32>\n"
    "}\n";

static const char *kInvalid =
    "func.func @g(%q: tensor<1x8x4xf32>, %v: tensor<1x2x8x4xf32>) -> "
    "tensor<1x3x8x4xf32> {\n"
    "  %0 = attn.reuse %q, %q, %v scale(0.5) : tensor<1x8x4xf32>, "
    "tensor<1x8x4xf32>, tensor<1x2x8x4xf32> -> tensor<1x3x8x4xf32>\n"
    "  return %0 : tensor<1x3x8x4xf32>\n"
    "}\n";

int main(void) {
  MlirStringRef ns = mlirDialectHandleGetNamespace(mlirGetDialectHandle__attn__());
  printf("dialect: %.*s\n", (int)ns.length, ns.data);

  MlirContext ctx = mlirContextCreate();
  MlirDialectRegistry registry = mlirDialectRegistryCreate();
  uniformRegisterAllDialects(registry);
  mlirContextAppendDialectRegistry(ctx, registry);
  mlirDialectRegistryDestroy(registry);
  uniformRegisterAllPasses();

  MlirModule module =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kModule));
  if (mlirModuleIsNull(module)) {
    fprintf(stderr, "parse failed\n");
    return 1;
  }
  MlirOperation op = mlirModuleGetOperation(module);
  printf("verified: %d\n", (int)mlirOperationVerify(op));

  MlirPassManager pm = mlirPassManagerCreate(ctx);
  MlirLogicalResult parsed = mlirParsePassPipeline(
      mlirPassManagerGetAsOpPassManager(pm),
      mlirStringRefCreateFromCString(
          "builtin.module(attn-reuse-heads,canonicalize)"),
      printToStdout, NULL);
  if (mlirLogicalResultIsFailure(parsed)) {
    fprintf(stderr, "pipeline parse failed\n");
    return 1;
  }
  if (mlirLogicalResultIsFailure(mlirPassManagerRunOnOp(pm, op))) {
    fprintf(stderr, "pipeline failed\n");
    return 1;
  }
  mlirOperationPrint(op, printToStdout, NULL);
  printf("\n");
  mlirPassManagerDestroy(pm);
  mlirModuleDestroy(module);

  /* The verifier rejects a wrong head count; parsing returns null. */
  MlirModule invalid =
      mlirModuleCreateParse(ctx, mlirStringRefCreateFromCString(kInvalid));
  printf("invalid module rejected: %d\n", (int)mlirModuleIsNull(invalid));

  mlirContextDestroy(ctx);
  return 0;
}
