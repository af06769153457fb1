/*===- uniform-cuda-query.c - Is a CUDA device usable here? ---------------===*\
|*                                                                            *|
|* Prints the device that libUniformCudaRuntime.so would run kernels on      *|
|* (name and sm_XY) and exits 0, or prints why none is usable and exits 1.   *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include "uniform/Runtime/CudaRuntime.h"

#include <stdio.h>

int main(void) {
  char message[512];
  if (!uniformCudaInit(message, sizeof(message))) {
    fprintf(stderr, "uniform-cuda-query: no usable CUDA device: %s\n",
            message);
    return 1;
  }
  char name[256];
  int major = 0, minor = 0;
  if (!uniformCudaDeviceInfo(name, sizeof(name), &major, &minor)) {
    fprintf(stderr, "uniform-cuda-query: cannot query the device\n");
    return 1;
  }
  printf("%s sm_%d%d\n", name, major, minor);
  return 0;
}
