/*===- uniform-runtime-capi-test.c - The runtime C API from C -------------===*\
|*                                                                            *|
|* uniform-runtime-capi-test INPUT.mlir WORKDIR: compiles INPUT into         *|
|* WORKDIR/libreuse.so through the C API, loads it, lists its entry points,  *|
|* runs `forward` on fixed inputs and prints what it returns, benchmarks     *|
|* it, and prints the errors of bad calls.                                    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "uniform-c/Runtime.h"

#include <stdio.h>
#include <string.h>

static void printArray(const char *what, UniformArray a) {
  printf("%s: dtype %d rank %ld shape", what, (int)a.dtype, (long)a.rank);
  for (intptr_t d = 0; d < a.rank; ++d)
    printf(" %lld", (long long)a.shape[d]);
  printf("\n");
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s INPUT.mlir WORKDIR\n", argv[0]);
    return 2;
  }
  printf("version: %s\n", uniformGetVersion());
  char library[4096];
  snprintf(library, sizeof(library), "%s/libreuse.so", argv[2]);
  const char *options[] = {"--target=cpu", "host-cpu=generic"};
  if (!uniformCompileLibrary(argv[1], library, 2, options)) {
    printf("compile failed: %s\n", uniformGetLastError());
    return 1;
  }
  UniformExecutable exe = uniformExecutableLoad(library, "cpu");
  if (uniformExecutableIsNull(exe)) {
    printf("load failed: %s\n", uniformGetLastError());
    return 1;
  }
  for (intptr_t e = 0; e < uniformExecutableGetNumEntryPoints(exe); ++e) {
    printf("entry %s: %s\n", uniformExecutableGetEntryPointName(exe, e),
           uniformExecutableGetEntryPointSignature(exe, e));
    UniformArray type;
    if (uniformExecutableGetInputType(exe, e, 0, &type))
      printArray("  input #0", type);
  }

  /* forward(q, k, v) with q = k = 0: uniform attention, so every output row
     is the mean of v's rows over the keys. v[b, h, m, d] = m. */
  static float q[2 * 5 * 3], k[2 * 7 * 3], v[2 * 4 * 7 * 6];
  for (int i = 0; i < 2 * 4 * 7 * 6; ++i)
    v[i] = (float)((i / 6) % 7);
  int64_t qShape[] = {2, 5, 3}, kShape[] = {2, 7, 3}, vShape[] = {2, 4, 7, 6};
  UniformArray inputs[] = {{UniformDTypeFloat32, 3, qShape, q},
                           {UniformDTypeFloat32, 3, kShape, k},
                           {UniformDTypeFloat32, 4, vShape, v}};
  UniformResults results = uniformExecutableRun(exe, "forward", 3, inputs);
  if (!results.ptr) {
    printf("run failed: %s\n", uniformGetLastError());
    return 1;
  }
  UniformArray out = uniformResultsGet(results, 0);
  printArray("result #0", out);
  const float *o = (const float *)out.data;
  float lo = o[0], hi = o[0];
  for (int i = 0; i < 2 * 4 * 5 * 6; ++i) {
    lo = o[i] < lo ? o[i] : lo;
    hi = o[i] > hi ? o[i] : hi;
  }
  printf("result #0: min %g max %g\n", lo, hi);
  uniformResultsDestroy(results);

  UniformBenchmarkStats stats;
  if (!uniformExecutableBenchmark(exe, "forward", 3, inputs, 5, 1, &stats)) {
    printf("benchmark failed: %s\n", uniformGetLastError());
    return 1;
  }
  printf("benchmark: %lld runs, min <= median <= max: %d\n",
         (long long)stats.runs,
         stats.minMs <= stats.medianMs && stats.medianMs <= stats.maxMs);

  /* Bad calls: each fails with a message and no result. */
  results = uniformExecutableRun(exe, "forward", 2, inputs);
  printf("too few inputs: %d: %s\n", results.ptr == NULL,
         uniformGetLastError());
  int64_t badShape[] = {2, 5, 4};
  UniformArray bad[] = {
      inputs[0], {UniformDTypeFloat32, 3, badShape, k}, inputs[2]};
  results = uniformExecutableRun(exe, "forward", 3, bad);
  printf("bad shape: %d: %s\n", results.ptr == NULL, uniformGetLastError());
  results = uniformExecutableRun(exe, NULL, 3, inputs);
  printf("no entry: %d: %s\n", results.ptr == NULL, uniformGetLastError());
  /* (The call first: uniformGetLastError's text changes with each call.) */
  bool failed = uniformExecutableIsNull(uniformExecutableLoad(library, "tpu"));
  printf("unknown device: %d: %s\n", failed, uniformGetLastError());
  const char *badOption[] = {"--bogus=1"};
  failed = !uniformCompileLibrary(argv[1], library, 1, badOption);
  printf("unknown option: %d: %s\n", failed, uniformGetLastError());
  const char *badPrecision[] = {"--matmul-precision=f8"};
  failed = !uniformCompileLibrary(argv[1], library, 1, badPrecision);
  printf("bad value: %d: %s\n", failed, uniformGetLastError());
  uniformExecutableDestroy(exe);
  return 0;
}
