/*===- fake_cuda_driver.c - A CUDA driver that counts its calls -----------===*\
|*                                                                            *|
|* Built as libcuda.so.1 in its own directory, for tests of the host side of  *|
|* compiled GPU code on machines without a GPU: with LD_LIBRARY_PATH set to   *|
|* that directory, libUniformCudaRuntime.so loads it in place of NVIDIA's     *|
|* driver. It reports one device, sm_87 with memory pools, driver 13.0.       *|
|* Device memory is host memory (so copies and fills work), modules and       *|
|* functions are tokens, and launches run nothing: results are garbage, but  *|
|* every driver call the runtime makes is counted. At exit it prints the      *|
|* count of each function called, one "fake-cuda: at exit: NAME N" line per   *|
|* function in name order, to the file $FAKE_CUDA_LOG (or stderr).           *|
|* $FAKE_CUDA_MARK names a function (e.g. cuStreamDestroy_v2) at each call of *|
|* which the counts so far are appended too, as "fake-cuda: mark NAME" and    *|
|* "fake-cuda: so far: NAME N" lines, so that a test can tell calls apart.    *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int CUresult;
typedef unsigned long long CUdeviceptr;

enum { kMaxFunctions = 64 };
static const char *names[kMaxFunctions];
static unsigned long counts[kMaxFunctions];
static int functions;

static int slot(const char *name) {
  for (int i = 0; i < functions; ++i)
    if (strcmp(names[i], name) == 0)
      return i;
  names[functions] = name;
  return functions++;
}

static int byName(const void *a, const void *b) {
  return strcmp(names[*(const int *)a], names[*(const int *)b]);
}

static void report(FILE *out, const char *prefix) {
  int order[kMaxFunctions];
  for (int i = 0; i < functions; ++i)
    order[i] = i;
  qsort(order, functions, sizeof(int), byName);
  for (int i = 0; i < functions; ++i)
    fprintf(out, "%s%s %lu\n", prefix, names[order[i]], counts[order[i]]);
}

static FILE *logFile(void) {
  const char *path = getenv("FAKE_CUDA_LOG");
  FILE *out = path ? fopen(path, "a") : NULL;
  return out ? out : stderr;
}

static void finish(void) {
  FILE *out = logFile();
  report(out, "fake-cuda: at exit: ");
  if (out != stderr)
    fclose(out);
}

static void count(const char *name) {
  static int registered;
  if (!registered) {
    registered = 1;
    atexit(finish);
  }
  ++counts[slot(name)];
  const char *mark = getenv("FAKE_CUDA_MARK");
  if (mark && strcmp(mark, name) == 0) {
    FILE *out = logFile();
    fprintf(out, "fake-cuda: mark %s\n", name);
    report(out, "fake-cuda: so far: ");
    if (out != stderr)
      fclose(out);
  }
}

#define COUNT() count(__func__)

static char token;

CUresult cuInit(unsigned flags) {
  COUNT();
  return 0;
}
CUresult cuDriverGetVersion(int *v) {
  COUNT();
  *v = 13000;
  return 0;
}
CUresult cuGetErrorName(CUresult r, const char **s) {
  *s = "CUDA_ERROR_FAKE";
  return 0;
}
CUresult cuGetErrorString(CUresult r, const char **s) {
  *s = "fake";
  return 0;
}
CUresult cuDeviceGetCount(int *n) {
  COUNT();
  *n = 1;
  return 0;
}
CUresult cuDeviceGet(int *d, int ordinal) {
  COUNT();
  *d = 0;
  return 0;
}
CUresult cuDeviceGetName(char *name, int size, int d) {
  COUNT();
  snprintf(name, size, "fake sm_87 device");
  return 0;
}
CUresult cuDeviceGetAttribute(int *v, int attribute, int d) {
  COUNT();
  /* compute capability 8.7; memory pools supported */
  *v = attribute == 75 ? 8 : attribute == 76 ? 7 : 1;
  return 0;
}
CUresult cuDevicePrimaryCtxRetain(void **c, int d) {
  COUNT();
  *c = &token;
  return 0;
}
CUresult cuCtxSetCurrent(void *c) {
  return 0;
} /* every runtime call makes it */
CUresult cuModuleLoadData(void **m, const void *image) {
  COUNT();
  *m = &token;
  return 0;
}
CUresult cuModuleLoadDataEx(void **m, const void *image, unsigned n, int *o,
                            void **v) {
  COUNT();
  *m = &token;
  return 0;
}
CUresult cuModuleUnload(void *m) {
  COUNT();
  return 0;
}
CUresult cuModuleGetFunction(void **f, void *m, const char *name) {
  COUNT();
  *f = &token;
  return 0;
}
CUresult cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz,
                        unsigned bx, unsigned by, unsigned bz, unsigned smem,
                        void *stream, void **params, void **extra) {
  COUNT();
  return 0;
}
CUresult cuStreamCreate(void **s, unsigned flags) {
  COUNT();
  *s = &token;
  return 0;
}
CUresult cuStreamDestroy_v2(void *s) {
  COUNT();
  return 0;
}
CUresult cuStreamSynchronize(void *s) {
  COUNT();
  return 0;
}
CUresult cuStreamWaitEvent(void *s, void *e, unsigned flags) {
  COUNT();
  return 0;
}
CUresult cuEventCreate(void **e, unsigned flags) {
  COUNT();
  *e = &token;
  return 0;
}
CUresult cuEventDestroy_v2(void *e) {
  COUNT();
  return 0;
}
CUresult cuEventSynchronize(void *e) {
  COUNT();
  return 0;
}
CUresult cuEventRecord(void *e, void *s) {
  COUNT();
  return 0;
}
CUresult cuEventElapsedTime(float *ms, void *a, void *b) {
  COUNT();
  *ms = 0;
  return 0;
}

static CUresult allocate(CUdeviceptr *p, size_t bytes) {
  void *memory = NULL;
  if (posix_memalign(&memory, 256, bytes ? bytes : 1))
    return 2; /* CUDA_ERROR_OUT_OF_MEMORY */
  *p = (CUdeviceptr)(uintptr_t)memory;
  return 0;
}
CUresult cuMemAlloc_v2(CUdeviceptr *p, size_t bytes) {
  COUNT();
  return allocate(p, bytes);
}
CUresult cuMemAllocManaged(CUdeviceptr *p, size_t bytes, unsigned flags) {
  COUNT();
  return allocate(p, bytes);
}
CUresult cuMemAllocAsync(CUdeviceptr *p, size_t bytes, void *s) {
  COUNT();
  return allocate(p, bytes);
}
CUresult cuMemFree_v2(CUdeviceptr p) {
  COUNT();
  free((void *)(uintptr_t)p);
  return 0;
}
CUresult cuMemFreeAsync(CUdeviceptr p, void *s) {
  COUNT();
  free((void *)(uintptr_t)p);
  return 0;
}
CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src, size_t bytes,
                       void *s) {
  COUNT();
  memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, bytes);
  return 0;
}
CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void *src, size_t bytes) {
  COUNT();
  memcpy((void *)(uintptr_t)dst, src, bytes);
  return 0;
}
CUresult cuMemsetD32Async(CUdeviceptr dst, unsigned value, size_t n, void *s) {
  COUNT();
  uint32_t *p = (uint32_t *)(uintptr_t)dst;
  for (size_t i = 0; i < n; ++i)
    p[i] = value;
  return 0;
}
CUresult cuMemsetD16Async(CUdeviceptr dst, unsigned short value, size_t n,
                          void *s) {
  COUNT();
  uint16_t *p = (uint16_t *)(uintptr_t)dst;
  for (size_t i = 0; i < n; ++i)
    p[i] = value;
  return 0;
}
CUresult cuDeviceGetDefaultMemPool(void **pool, int d) {
  COUNT();
  *pool = &token;
  return 0;
}
CUresult cuMemPoolSetAttribute(void *pool, int attribute, void *value) {
  COUNT();
  return 0;
}
