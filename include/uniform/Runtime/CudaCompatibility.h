//===- CudaCompatibility.h - Can this device run this library? --*- C++ -*-===//
//
// A library from `uniform-compile --target=cuda` embeds a cubin for one chip
// and PTX of one ISA. At load, its runtime compares them with the device and
// the driver, so that a mismatch is a sentence naming both, not
// CUDA_ERROR_INVALID_IMAGE or CUDA_ERROR_NO_BINARY_FOR_GPU from the first
// kernel. Header-only and free of LLVM: the runtime is compiled into each
// library with the target's own compiler (test/Unit/Runtime has its tests).
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_RUNTIME_CUDACOMPATIBILITY_H
#define UNIFORM_RUNTIME_CUDACOMPATIBILITY_H

#include <string>

namespace uniform {

/// The newest PTX ISA (10 * major + minor) that a CUDA driver of version
/// `driverVersion` (cuDriverGetVersion's 1000 * major + 10 * minor) can
/// JIT-compile. Drivers newer than this table are assumed to take ISA 9.0.
inline int maxPtxIsaForDriver(int driverVersion) {
  static const int table[][2] = {
      {10000, 63}, {10010, 64}, {10020, 65}, {11000, 70}, {11010, 71},
      {11020, 72}, {11030, 73}, {11040, 74}, {11050, 75}, {11060, 76},
      {11070, 77}, {11080, 78}, {12000, 80}, {12010, 81}, {12020, 82},
      {12030, 83}, {12040, 84}, {12050, 85}, {12060, 85}, {12080, 87},
      {12090, 88}, {13000, 90}};
  int isa = 0;
  for (const auto &row : table)
    if (driverVersion >= row[0])
      isa = row[1];
  return isa;
}

/// Why a library with a cubin for compute capability `chip` (87 for sm_87)
/// built by CUDA toolkit `toolkitVersion` (1000 * major + 10 * minor; 0 if
/// unknown), and PTX of ISA `ptxIsa` (74 for 7.4), cannot run on a device
/// of compute capability `device` under a driver of `driverVersion`; empty
/// when it can.
/// - The cubin runs on the same major capability with the same or a higher
///   minor one, under a driver of the toolkit's major CUDA version or newer
///   (CUDA's minor-version compatibility).
/// - Otherwise the driver must JIT-compile the PTX, which needs a device at
///   least as new as `chip` and a driver that knows the ISA.
inline std::string cudaIncompatibility(int chip, int ptxIsa, int toolkitVersion,
                                       int device, int driverVersion) {
  bool sameFamily = device / 10 == chip / 10 && device % 10 >= chip % 10;
  bool cubin = sameFamily && driverVersion / 1000 >= toolkitVersion / 1000;
  int driverIsa = maxPtxIsaForDriver(driverVersion);
  if (cubin || (device >= chip && driverIsa >= ptxIsa))
    return "";
  auto version = [](int v) {
    return std::to_string(v / 10) + "." + std::to_string(v % 10);
  };
  auto cuda = [](int v) {
    return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10);
  };
  std::string built = "this library was built for sm_" + std::to_string(chip) +
                      " by CUDA " + cuda(toolkitVersion) + " with PTX ISA " +
                      version(ptxIsa) + ", but ";
  if (device < chip || !sameFamily)
    return built + "the device is sm_" + std::to_string(device) +
           ", which runs neither its cubin nor its PTX; rebuild with "
           "--chip=sm_" +
           std::to_string(device);
  return built + "the device's CUDA " + cuda(driverVersion) +
         " driver is older than the toolkit that built the cubin and "
         "JIT-compiles PTX only up to ISA " +
         version(driverIsa) + "; rebuild with --ptx-isa=" + version(driverIsa) +
         " (--jetpack=5 for JetPack 5's CUDA 11.4)";
}

} // namespace uniform

#endif // UNIFORM_RUNTIME_CUDACOMPATIBILITY_H
