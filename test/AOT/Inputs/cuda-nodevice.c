/* Loads a CUDA library from uniform-compile (its constructor loads the
 * kernels) and asks the runtime linked into it for a device. */
#include "libattngpu.h"

#include <stdio.h>

int main(void) {
  char message[512];
  if (uniformCudaInit(message, sizeof(message))) {
    printf("device usable\n");
    return 0;
  }
  printf("no usable device: %s\n", message);
  return 0;
}
