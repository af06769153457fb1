// A stand-in for libcuda.so.1, for testing a CUDA library's load-time
// checks on machines without a GPU: every driver function the runtime
// resolves (lib/CudaRuntime/CudaDriverFunctions.def) succeeds and does
// nothing. These definitions are weak; fake-libcuda.cpp overrides the ones
// that describe the device.
using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = struct CUctx_st *;
using CUmodule = struct CUmod_st *;
using CUfunction = struct CUfunc_st *;
using CUstream = struct CUstream_st *;
using CUevent = struct CUevent_st *;
#include <cstddef>

#define UNIFORM_CU_FN(name, symbol, ret, ...)                                  \
  extern "C" __attribute__((weak)) ret name(__VA_ARGS__) __asm__(symbol);      \
  ret name(__VA_ARGS__) { return 0; }
#include "CudaDriverFunctions.def"
