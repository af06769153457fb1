//===- PtxSemanticsTest.cpp - The emulator's warp-level PTX instructions --===//
//
// Expectations are taken from the PTX ISA's tables and examples, written out
// element by element, not derived from the functions under test.
//
//===----------------------------------------------------------------------===//

#include "uniform/CudaEmulator/PtxSemantics.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace uniform::emu;

namespace {
MmaForm f16ToF32(unsigned k) {
  MmaForm form;
  form.k = k;
  return form;
}

bool same(MatrixIndex a, unsigned row, unsigned col) {
  return a.row == row && a.col == col;
}

uint32_t packHalves(float lo, float hi) {
  return floatToHalf(lo) | static_cast<uint32_t>(floatToHalf(hi)) << 16;
}

uint32_t floatBits(float f) {
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  return bits;
}

float bitsFloat(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
} // namespace

// "Matrix Fragments for mma.m16n8k16 with floating point type": lane 5 is
// groupID 1, threadID_in_group 1.
TEST(PtxSemantics, M16N8K16FragmentTables) {
  MmaForm form = f16ToF32(16);
  EXPECT_TRUE(same(mmaAElement(form, 5, 0), 1, 2));
  EXPECT_TRUE(same(mmaAElement(form, 5, 1), 1, 3));
  EXPECT_TRUE(same(mmaAElement(form, 5, 2), 9, 2));
  EXPECT_TRUE(same(mmaAElement(form, 5, 3), 9, 3));
  EXPECT_TRUE(same(mmaAElement(form, 5, 4), 1, 10));
  EXPECT_TRUE(same(mmaAElement(form, 5, 7), 9, 11));
  EXPECT_TRUE(same(mmaBElement(form, 5, 0), 2, 1));
  EXPECT_TRUE(same(mmaBElement(form, 5, 3), 11, 1));
  EXPECT_TRUE(same(mmaCElement(31, 0), 7, 6));
  EXPECT_TRUE(same(mmaCElement(31, 3), 15, 7));
}

TEST(PtxSemantics, M16N8K8FragmentTables) {
  MmaForm form = f16ToF32(8);
  EXPECT_EQ(form.aRegisters(), 2u);
  EXPECT_EQ(form.bRegisters(), 1u);
  EXPECT_TRUE(same(mmaAElement(form, 6, 1), 1, 5));
  EXPECT_TRUE(same(mmaAElement(form, 6, 2), 9, 4));
  EXPECT_TRUE(same(mmaBElement(form, 6, 1), 5, 1));
}

TEST(PtxSemantics, ParsesTheIntrinsicsLLVMNames) {
  std::optional<MmaForm> f32 =
      parseMmaIntrinsic("llvm.nvvm.mma.m16n8k16.row.col.f32.f32");
  ASSERT_TRUE(f32);
  EXPECT_EQ(f32->input, MmaType::F16);
  EXPECT_EQ(f32->accumulator, MmaType::F32);
  std::optional<MmaForm> bf16 =
      parseMmaIntrinsic("llvm.nvvm.mma.m16n8k8.row.col.bf16");
  ASSERT_TRUE(bf16);
  EXPECT_EQ(bf16->k, 8u);
  EXPECT_EQ(bf16->input, MmaType::BF16);
  EXPECT_FALSE(parseMmaIntrinsic("llvm.nvvm.mma.m16n8k16.row.col.f32.f16"));
  EXPECT_FALSE(parseMmaIntrinsic("llvm.nvvm.mma.m8n8k4.row.col.f32.f32"));
  ASSERT_TRUE(parseShflIntrinsic("llvm.nvvm.shfl.sync.bfly.f32"));
  EXPECT_TRUE(parseShflIntrinsic("llvm.nvvm.shfl.sync.idx.i32p")->withPredicate);
  EXPECT_FALSE(parseShflIntrinsic("llvm.nvvm.shfl.sync.rot.i32"));
}

// D = A * B + C for one warp, with small integers (exact in f16). Each
// lane packs its registers as the ISA describes them register by register:
// A's register r holds row g + 8 (r % 2), columns 2t + 8 (r / 2) and the
// next; B's register r rows 2t + 8r and the next, column g; C/D's element
// i row g + 8 (i / 2), column 2t + i % 2.
TEST(PtxSemantics, MmaSyncComputesABPlusC) {
  float a[16][16], b[16][8], c[16][8];
  for (int i = 0; i < 16; ++i)
    for (int k = 0; k < 16; ++k)
      a[i][k] = static_cast<float>((i * 3 + k) % 7 - 3);
  for (int k = 0; k < 16; ++k)
    for (int j = 0; j < 8; ++j)
      b[k][j] = static_cast<float>((k + 5 * j) % 5 - 2);
  for (int i = 0; i < 16; ++i)
    for (int j = 0; j < 8; ++j)
      c[i][j] = static_cast<float>(i - j);

  std::array<MmaLane, kWarpSize> lanes;
  for (unsigned lane = 0; lane < kWarpSize; ++lane) {
    unsigned g = lane / 4, t = lane % 4;
    for (unsigned r = 0; r < 4; ++r) {
      unsigned row = g + 8 * (r % 2), col = 2 * t + 8 * (r / 2);
      lanes[lane].a[r] = packHalves(a[row][col], a[row][col + 1]);
    }
    for (unsigned r = 0; r < 2; ++r)
      lanes[lane].b[r] = packHalves(b[2 * t + 8 * r][g], b[2 * t + 8 * r + 1][g]);
    for (unsigned i = 0; i < 4; ++i)
      lanes[lane].c[i] = floatBits(c[g + 8 * (i / 2)][2 * t + i % 2]);
  }
  mmaSync(f16ToF32(16), lanes);
  for (unsigned lane = 0; lane < kWarpSize; ++lane) {
    unsigned g = lane / 4, t = lane % 4;
    for (unsigned i = 0; i < 4; ++i) {
      unsigned row = g + 8 * (i / 2), col = 2 * t + i % 2;
      float want = c[row][col];
      for (int k = 0; k < 16; ++k)
        want += a[row][k] * b[k][col];
      EXPECT_EQ(bitsFloat(lanes[lane].d[i]), want)
          << "lane " << lane << " element " << i;
    }
  }
}

// f16 accumulators: D rounds to f16 once (2049 is not an f16; 2048 is).
TEST(PtxSemantics, MmaSyncF16AccumulatorRoundsOnce) {
  MmaForm form = f16ToF32(16);
  form.accumulator = MmaType::F16;
  std::array<MmaLane, kWarpSize> lanes{};
  // A = 0 and B = 0 except A(0, 0) = B(0, 0) = 1: D(0, 0) = 1 + C(0, 0).
  lanes[0].a[0] = packHalves(1, 0);
  lanes[0].b[0] = packHalves(1, 0);
  lanes[0].c[0] = packHalves(2048, 0);
  mmaSync(form, lanes);
  EXPECT_EQ(halfToFloat(lanes[0].d[0] & 0xffff), 2048.0f);
}

// bf16 inputs (packed like f16, bfloat16 bits), f32 accumulators:
// D(0, 0) = 1.5 * 2.5 + 0.25, and D(15, 7) = C(15, 7) = -1 (lane 31, c3).
TEST(PtxSemantics, MmaSyncBf16) {
  std::optional<MmaForm> form =
      parseMmaIntrinsic("llvm.nvvm.mma.m16n8k16.row.col.bf16");
  ASSERT_TRUE(form);
  std::array<MmaLane, kWarpSize> lanes{};
  lanes[0].a[0] = floatToBfloat(1.5f);
  lanes[0].b[0] = floatToBfloat(2.5f);
  lanes[0].c[0] = floatBits(0.25f);
  lanes[31].c[3] = floatBits(-1.0f);
  mmaSync(*form, lanes);
  EXPECT_EQ(bitsFloat(lanes[0].d[0]), 4.0f);
  EXPECT_EQ(bitsFloat(lanes[31].d[3]), -1.0f);
  EXPECT_EQ(bitsFloat(lanes[0].d[1]), 0.0f);
}

// ldmatrix m8n8.x1: lane l gives row l's address; lane 5 (row 1, columns 2
// and 3) receives elements 10 and 11, and with .trans (the transpose: rows
// 2 and 3 of column 1) elements 17 and 25.
TEST(PtxSemantics, LdmatrixAndTranspose) {
  std::array<std::array<uint16_t, 8>, kWarpSize> rows{};
  for (unsigned r = 0; r < 8; ++r)
    for (unsigned c = 0; c < 8; ++c)
      rows[r][c] = static_cast<uint16_t>(8 * r + c);
  std::array<std::array<uint32_t, 4>, kWarpSize> out;
  ldmatrix(1, false, rows, out);
  EXPECT_EQ(out[5][0], 10u | 11u << 16);
  ldmatrix(1, true, rows, out);
  EXPECT_EQ(out[5][0], 17u | 25u << 16);
  // x4: matrix 3's rows come from lanes 24..31.
  for (unsigned r = 0; r < 8; ++r)
    rows[24 + r][0] = static_cast<uint16_t>(100 + r);
  ldmatrix(4, false, rows, out);
  EXPECT_EQ(out[8][3] & 0xffff, 102u); // lane 8: row 2, column 0
}

// shfl.sync: c = 31 (clamp, no segments) and c = 0x181f (segments of 8
// lanes, as __shfl_sync(mask, v, lane, 8) passes).
TEST(PtxSemantics, ShuffleSourceLanes) {
  EXPECT_EQ(shflSource(ShflMode::Bfly, 5, 1, 31).lane, 4u);
  EXPECT_EQ(shflSource(ShflMode::Bfly, 5, 2, 31).lane, 7u);
  ShflSource down = shflSource(ShflMode::Down, 31, 1, 31);
  EXPECT_FALSE(down.inRange);
  EXPECT_EQ(down.lane, 31u);
  ShflSource up = shflSource(ShflMode::Up, 0, 1, 0);
  EXPECT_FALSE(up.inRange);
  EXPECT_EQ(shflSource(ShflMode::Up, 9, 1, 0).lane, 8u);
  EXPECT_EQ(shflSource(ShflMode::Idx, 13, 2, 0x181f).lane, 10u);
  EXPECT_EQ(shflSource(ShflMode::Down, 14, 2, 0x181f).lane, 14u); // past 15
  EXPECT_EQ(shflSource(ShflMode::Down, 13, 2, 0x181f).lane, 15u);
}

TEST(PtxSemantics, HalfAndBfloatRoundToNearestEven) {
  EXPECT_EQ(floatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(halfToFloat(0x7bff), 65504.0f);
  EXPECT_EQ(floatToHalf(65520.0f), 0x7c00); // rounds to infinity
  EXPECT_EQ(floatToBfloat(1.0f), 0x3f80);
  EXPECT_EQ(floatToBfloat(bitsFloat(0x3f808000)), 0x3f80); // tie to even
  EXPECT_EQ(floatToBfloat(bitsFloat(0x3f818000)), 0x3f82);
  EXPECT_EQ(bfloatToFloat(0x4049), bitsFloat(0x40490000));
}
