//===- PtxSemantics.h - Warp-level PTX instructions, from the ISA -*- C++ -*-=//
//
// The CUDA emulator's definitions of the warp-collective PTX instructions
// that uniform's kernels use, written from the PTX ISA (8.x) and not from
// our kernel generator: `mma.sync` (m16n8k16 and m16n8k8, f16/bf16 inputs,
// f16/f32 accumulators, with the ISA's fragment tables), `ldmatrix`
// (m8n8, x1/x2/x4, with and without `.trans`) and `shfl.sync` (up, down,
// bfly, idx, with the segment mask and clamp of operand c). Each function
// takes the operands of all 32 lanes and gives every lane's result, so that
// the same code serves the emulator and the unit tests.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_CUDAEMULATOR_PTXSEMANTICS_H
#define UNIFORM_CUDAEMULATOR_PTXSEMANTICS_H

#include "llvm/ADT/StringRef.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>

namespace uniform::emu {

constexpr unsigned kWarpSize = 32;

/// IEEE binary16 and bfloat16 conversions (round to nearest even).
float halfToFloat(uint16_t bits);
uint16_t floatToHalf(float value);
float bfloatToFloat(uint16_t bits);
uint16_t floatToBfloat(float value);

/// An element type of an mma.sync operand.
enum class MmaType { F16, BF16, F32 };

/// One `mma.sync.aligned.m16n8kK.row.col` form.
struct MmaForm {
  unsigned k = 16;              // 8 or 16
  MmaType input = MmaType::F16; // A and B
  MmaType accumulator = MmaType::F32; // C and D

  /// 32-bit registers per lane of each operand.
  unsigned aRegisters() const { return k / 4; }
  unsigned bRegisters() const { return k / 8; }
  unsigned cRegisters() const { return accumulator == MmaType::F32 ? 4 : 2; }
};

/// Parses an LLVM NVVM intrinsic name such as
/// `llvm.nvvm.mma.m16n8k16.row.col.f32.f32` (f16 inputs, f32 accumulators)
/// or `llvm.nvvm.mma.m16n8k16.row.col.bf16` (bf16 inputs, f32 accumulators).
/// Returns std::nullopt for forms the emulator does not implement.
std::optional<MmaForm> parseMmaIntrinsic(llvm::StringRef name);

/// The registers of one lane for one mma.sync: A, B, C in, D out. Packed
/// 16-bit operands hold the lower-numbered element in the low half.
struct MmaLane {
  std::array<uint32_t, 4> a{}, b{}, c{}, d{};
};

/// Executes one warp-wide `mma.sync`: D = A * B + C with A 16 x K (row),
/// B K x 8 (col), C and D 16 x 8. Products are exact and summed in double,
/// then rounded once to the accumulator type.
void mmaSync(const MmaForm &form, std::array<MmaLane, kWarpSize> &lanes);

/// The matrix element (row, column) that element `i` of lane `lane`'s
/// A, B or C/D fragment holds, from the ISA's fragment tables.
struct MatrixIndex {
  unsigned row, col;
};
MatrixIndex mmaAElement(const MmaForm &form, unsigned lane, unsigned i);
MatrixIndex mmaBElement(const MmaForm &form, unsigned lane, unsigned i);
MatrixIndex mmaCElement(unsigned lane, unsigned i);

/// `ldmatrix.sync.aligned.m8n8.xNUM[.trans].b16`: lanes 8j..8j+7 give the
/// row addresses of matrix j; `rows[lane]` holds the 8 16-bit values at the
/// address lane `lane` gave (unused for lanes that give none). Lane l's
/// register j receives the pair at row l/4, columns 2(l%4) and 2(l%4)+1 of
/// matrix j (of its transpose with `.trans`).
void ldmatrix(unsigned num, bool trans,
              const std::array<std::array<uint16_t, 8>, kWarpSize> &rows,
              std::array<std::array<uint32_t, 4>, kWarpSize> &out);

enum class ShflMode { Up, Down, Bfly, Idx };

/// The source lane of `shfl.sync.MODE` for lane `lane` with operands b and
/// c, and whether it is in range (the predicate result). Out of range, the
/// lane reads its own value.
struct ShflSource {
  unsigned lane;
  bool inRange;
};
ShflSource shflSource(ShflMode mode, unsigned lane, uint32_t b, uint32_t c);

/// Parses `llvm.nvvm.shfl.sync.{up,down,bfly,idx}.{i32,f32}[p]`.
struct ShflForm {
  ShflMode mode;
  bool withPredicate;
};
std::optional<ShflForm> parseShflIntrinsic(llvm::StringRef name);

} // namespace uniform::emu

#endif // UNIFORM_CUDAEMULATOR_PTXSEMANTICS_H
