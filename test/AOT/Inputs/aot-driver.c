/* Calls the entry point of a CPU library from uniform-compile through its
 * generated header, on inputs x[i] = sin(0.37 i + c) (c = argument index),
 * and writes the result as raw float32 to argv[1]. */
#include "libattn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static void fill(float *data, int64_t n, int c) {
  for (int64_t i = 0; i < n; ++i)
    data[i] = (float)sin(0.37 * (double)i + (double)c);
}

#define DESC(type, name, buf, ...)                                             \
  type name = {buf, buf, 0, __VA_ARGS__}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: aot-driver OUT.bin\n");
    return 2;
  }
  static float q[2 * 8 * 16], k[2 * 8 * 16], v[2 * 3 * 8 * 4], b[8 * 8];
  fill(q, 2 * 8 * 16, 0);
  fill(k, 2 * 8 * 16, 1);
  fill(v, 2 * 3 * 8 * 4, 2);
  fill(b, 8 * 8, 3);
  DESC(uniform_memref_float_3d, qd, q, {2, 8, 16}, {128, 16, 1});
  DESC(uniform_memref_float_3d, kd, k, {2, 8, 16}, {128, 16, 1});
  DESC(uniform_memref_float_4d, vd, v, {2, 3, 8, 4}, {96, 32, 4, 1});
  DESC(uniform_memref_float_2d, bd, b, {8, 8}, {8, 1});
  uniform_memref_float_4d result;
  _mlir_ciface_forward(&result, &qd, &kd, &vd, &bd);
  if (result.sizes[0] != 2 || result.sizes[1] != 3 || result.sizes[2] != 8 ||
      result.sizes[3] != 4) {
    fprintf(stderr, "aot-driver: unexpected result shape\n");
    return 1;
  }
  FILE *out = fopen(argv[1], "wb");
  if (!out || fwrite(result.aligned + result.offset, sizeof(float), 192, out) != 192) {
    fprintf(stderr, "aot-driver: cannot write %s\n", argv[1]);
    return 1;
  }
  fclose(out);
  free(result.allocated);
  printf("aot-driver: forward returned [2, 3, 8, 4]\n");
  return 0;
}
