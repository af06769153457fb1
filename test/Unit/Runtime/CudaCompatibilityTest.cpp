//===- CudaCompatibilityTest.cpp - Can this device run this library? ------===//
//
// The load-time check of CUDA libraries from uniform-compile, on the cases
// a Jetson user meets: JetPack 5's CUDA 11.4 driver, JetPack 6's 12.2, a
// desktop GPU of another chip.
//
//===----------------------------------------------------------------------===//

#include "uniform/Runtime/CudaCompatibility.h"

#include "gtest/gtest.h"

using namespace uniform;

namespace {

TEST(CudaCompatibility, DriverPtxIsa) {
  EXPECT_EQ(maxPtxIsaForDriver(11040), 74); // JetPack 5
  EXPECT_EQ(maxPtxIsaForDriver(12020), 82); // JetPack 6.0
  EXPECT_EQ(maxPtxIsaForDriver(12060), 85);
  EXPECT_EQ(maxPtxIsaForDriver(13000), 90);
  EXPECT_EQ(maxPtxIsaForDriver(99000), 90);
}

TEST(CudaCompatibility, Runs) {
  // Same toolkit major as the driver: the sm_87 cubin loads.
  EXPECT_EQ(cudaIncompatibility(87, 80, 13000, 87, 13000), "");
  // JetPack 5 with --jetpack=5: the cubin is too new, its PTX is not.
  EXPECT_EQ(cudaIncompatibility(87, 74, 13000, 87, 11040), "");
  // An sm_80 cubin runs on sm_87 (same major, higher minor).
  EXPECT_EQ(cudaIncompatibility(80, 80, 12020, 87, 12020), "");
  // A newer chip JIT-compiles the PTX.
  EXPECT_EQ(cudaIncompatibility(87, 80, 13000, 90, 12080), "");
  // An unknown toolkit (0) leaves only the chip to check.
  EXPECT_EQ(cudaIncompatibility(87, 80, 0, 87, 11040), "");
}

TEST(CudaCompatibility, JetPack5WithDefaultPtx) {
  EXPECT_EQ(cudaIncompatibility(87, 80, 13000, 87, 11040),
            "this library was built for sm_87 by CUDA 13.0 with PTX ISA 8.0, "
            "but the device's CUDA 11.4 driver is older than the toolkit that "
            "built the cubin and JIT-compiles PTX only up to ISA 7.4; rebuild "
            "with --ptx-isa=7.4 (--jetpack=5 for JetPack 5's CUDA 11.4)");
}

TEST(CudaCompatibility, OlderChip) {
  EXPECT_EQ(cudaIncompatibility(87, 80, 13000, 86, 13000),
            "this library was built for sm_87 by CUDA 13.0 with PTX ISA 8.0, "
            "but the device is sm_86, which runs neither its cubin nor its "
            "PTX; rebuild with --chip=sm_86");
}

} // namespace
