// The device that the fake libcuda.so.1 reports: one GPU whose compute
// capability is $FAKE_CUDA_CC (e.g. 87) under a driver of version
// $FAKE_CUDA_DRIVER (cuDriverGetVersion's form, e.g. 11040 for CUDA 11.4).
#include <cstdlib>

namespace {
int env(const char *name) {
  const char *value = std::getenv(name);
  return value ? std::atoi(value) : 0;
}
} // namespace

extern "C" {
int cuInit(unsigned) { return 0; }
int cuDriverGetVersion(int *version) {
  *version = env("FAKE_CUDA_DRIVER");
  return 0;
}
int cuDeviceGetCount(int *count) {
  *count = 1;
  return 0;
}
int cuDeviceGet(int *device, int) {
  *device = 0;
  return 0;
}
int cuDeviceGetAttribute(int *value, int attribute, int) {
  int cc = env("FAKE_CUDA_CC");
  *value = attribute == 75 ? cc / 10 : attribute == 76 ? cc % 10 : 0;
  return 0;
}
int cuGetErrorName(int, const char **name) {
  *name = "CUDA_ERROR_FAKE";
  return 0;
}
}
