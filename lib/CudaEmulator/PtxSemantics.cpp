//===- PtxSemantics.cpp - Warp-level PTX instructions, from the ISA -------===//
//
// Fragment tables and operand rules are those of the PTX ISA (sections
// "Matrix Fragments for mma.m16n8k16 / mma.m16n8k8", "ldmatrix" and
// "shfl.sync"), with groupID = laneid >> 2 and threadID_in_group =
// laneid % 4.
//
//===----------------------------------------------------------------------===//

#include "uniform/CudaEmulator/PtxSemantics.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/StringSwitch.h"

#include <cstring>

using namespace uniform::emu;

float uniform::emu::halfToFloat(uint16_t bits) {
  return llvm::APFloat(llvm::APFloat::IEEEhalf(), llvm::APInt(16, bits))
      .convertToFloat();
}

uint16_t uniform::emu::floatToHalf(float value) {
  llvm::APFloat f(value);
  bool lost;
  f.convert(llvm::APFloat::IEEEhalf(), llvm::APFloat::rmNearestTiesToEven,
            &lost);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

float uniform::emu::bfloatToFloat(uint16_t bits) {
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &wide, 4);
  return f;
}

uint16_t uniform::emu::floatToBfloat(float value) {
  llvm::APFloat f(value);
  bool lost;
  f.convert(llvm::APFloat::BFloat(), llvm::APFloat::rmNearestTiesToEven,
            &lost);
  return static_cast<uint16_t>(f.bitcastToAPInt().getZExtValue());
}

std::optional<MmaForm> uniform::emu::parseMmaIntrinsic(llvm::StringRef name) {
  if (!name.consume_front("llvm.nvvm.mma."))
    return std::nullopt;
  MmaForm form;
  if (name.consume_front("m16n8k16.row.col."))
    form.k = 16;
  else if (name.consume_front("m16n8k8.row.col."))
    form.k = 8;
  else
    return std::nullopt;
  // f16 inputs are named by their D and C types; bf16 ones by the input
  // type (D and C are f32). Mixed D/C types are not implemented.
  if (name == "f32.f32")
    return form;
  if (name == "f16.f16") {
    form.accumulator = MmaType::F16;
    return form;
  }
  if (name == "bf16") {
    form.input = MmaType::BF16;
    return form;
  }
  return std::nullopt;
}

MatrixIndex uniform::emu::mmaAElement(const MmaForm &form, unsigned lane,
                                      unsigned i) {
  unsigned group = lane >> 2, inGroup = lane % 4;
  if (form.k == 8)
    return {group + (i >= 2 ? 8u : 0u), inGroup * 2 + (i & 1)};
  bool upperRow = !(i < 2 || (i >= 4 && i < 6));
  return {group + (upperRow ? 8u : 0u),
          inGroup * 2 + (i & 1) + (i >= 4 ? 8u : 0u)};
}

MatrixIndex uniform::emu::mmaBElement(const MmaForm &form, unsigned lane,
                                      unsigned i) {
  unsigned group = lane >> 2, inGroup = lane % 4;
  if (form.k == 8)
    return {inGroup * 2 + i, group};
  return {inGroup * 2 + (i & 1) + (i >= 2 ? 8u : 0u), group};
}

MatrixIndex uniform::emu::mmaCElement(unsigned lane, unsigned i) {
  unsigned group = lane >> 2, inGroup = lane % 4;
  return {group + (i >= 2 ? 8u : 0u), inGroup * 2 + (i & 1)};
}

/// Element `i` of a fragment whose registers pack two 16-bit values each
/// (or hold one f32 value each when `type` is F32).
static float fragmentElement(const std::array<uint32_t, 4> &regs, unsigned i,
                             MmaType type) {
  if (type == MmaType::F32) {
    float f;
    std::memcpy(&f, &regs[i], 4);
    return f;
  }
  uint16_t bits = static_cast<uint16_t>(regs[i / 2] >> (16 * (i % 2)));
  return type == MmaType::F16 ? halfToFloat(bits) : bfloatToFloat(bits);
}

static void setFragmentElement(std::array<uint32_t, 4> &regs, unsigned i,
                               double value, MmaType type) {
  if (type == MmaType::F32) {
    float f = static_cast<float>(value);
    std::memcpy(&regs[i], &f, 4);
    return;
  }
  uint16_t bits = type == MmaType::F16
                      ? floatToHalf(static_cast<float>(value))
                      : floatToBfloat(static_cast<float>(value));
  uint32_t &reg = regs[i / 2];
  unsigned shift = 16 * (i % 2);
  reg = (reg & ~(0xffffu << shift)) | (static_cast<uint32_t>(bits) << shift);
}

void uniform::emu::mmaSync(const MmaForm &form,
                           std::array<MmaLane, kWarpSize> &lanes) {
  // Gather the warp's A (16 x K), B (K x 8) and C (16 x 8).
  double a[16][16] = {}, b[16][8] = {}, c[16][8] = {};
  for (unsigned lane = 0; lane < kWarpSize; ++lane) {
    for (unsigned i = 0; i < 2 * form.aRegisters(); ++i) {
      MatrixIndex at = mmaAElement(form, lane, i);
      a[at.row][at.col] = fragmentElement(lanes[lane].a, i, form.input);
    }
    for (unsigned i = 0; i < 2 * form.bRegisters(); ++i) {
      MatrixIndex at = mmaBElement(form, lane, i);
      b[at.row][at.col] = fragmentElement(lanes[lane].b, i, form.input);
    }
    for (unsigned i = 0; i < 4; ++i) {
      MatrixIndex at = mmaCElement(lane, i);
      c[at.row][at.col] = fragmentElement(lanes[lane].c, i, form.accumulator);
    }
  }
  for (unsigned lane = 0; lane < kWarpSize; ++lane) {
    lanes[lane].d = {};
    for (unsigned i = 0; i < 4; ++i) {
      MatrixIndex at = mmaCElement(lane, i);
      double sum = c[at.row][at.col];
      for (unsigned k = 0; k < form.k; ++k)
        sum += a[at.row][k] * b[k][at.col];
      setFragmentElement(lanes[lane].d, i, sum, form.accumulator);
    }
  }
}

void uniform::emu::ldmatrix(
    unsigned num, bool trans,
    const std::array<std::array<uint16_t, 8>, kWarpSize> &rows,
    std::array<std::array<uint32_t, 4>, kWarpSize> &out) {
  for (unsigned lane = 0; lane < kWarpSize; ++lane) {
    unsigned group = lane >> 2, inGroup = lane % 4;
    for (unsigned j = 0; j < num; ++j) {
      // Matrix j's rows come from lanes 8j..8j+7.
      auto element = [&](unsigned row, unsigned col) -> uint32_t {
        return trans ? rows[8 * j + col][row] : rows[8 * j + row][col];
      };
      out[lane][j] = element(group, 2 * inGroup) |
                     (element(group, 2 * inGroup + 1) << 16);
    }
  }
}

ShflSource uniform::emu::shflSource(ShflMode mode, unsigned lane, uint32_t b,
                                    uint32_t c) {
  uint32_t bval = b & 0x1f, cval = c & 0x1f, segmask = (c >> 8) & 0x1f;
  uint32_t maxLane = (lane & segmask) | (cval & ~segmask);
  uint32_t minLane = lane & segmask;
  int64_t j = 0;
  bool inRange = false;
  switch (mode) {
  case ShflMode::Up:
    j = static_cast<int64_t>(lane) - bval;
    inRange = j >= static_cast<int64_t>(maxLane);
    break;
  case ShflMode::Down:
    j = lane + bval;
    inRange = j <= maxLane;
    break;
  case ShflMode::Bfly:
    j = lane ^ bval;
    inRange = j <= maxLane;
    break;
  case ShflMode::Idx:
    j = minLane | (bval & ~segmask);
    inRange = j <= maxLane;
    break;
  }
  if (!inRange)
    j = lane;
  return {static_cast<unsigned>(j), inRange};
}

std::optional<ShflForm> uniform::emu::parseShflIntrinsic(llvm::StringRef name) {
  if (!name.consume_front("llvm.nvvm.shfl.sync."))
    return std::nullopt;
  auto [modeName, type] = name.split('.');
  std::optional<ShflMode> mode =
      llvm::StringSwitch<std::optional<ShflMode>>(modeName)
          .Case("up", ShflMode::Up)
          .Case("down", ShflMode::Down)
          .Case("bfly", ShflMode::Bfly)
          .Case("idx", ShflMode::Idx)
          .Default(std::nullopt);
  if (!mode)
    return std::nullopt;
  if (type == "i32" || type == "f32")
    return ShflForm{*mode, false};
  if (type == "i32p" || type == "f32p")
    return ShflForm{*mode, true};
  return std::nullopt;
}
