//===- Npy.h - NumPy .npy arrays --------------------------------*- C++ -*-===//
//
// Reads and writes NumPy's .npy format (versions 1.0 to 3.0, little-endian,
// C order) for the dtypes the runtime exchanges: float32, float16, int64.
//
//===----------------------------------------------------------------------===//

#ifndef UNIFORM_RUNTIME_NPY_H
#define UNIFORM_RUNTIME_NPY_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace uniform {

/// The element types .npy files can hold here.
enum class NpyDType { Float32, Float16, Int64 };

/// Returns "float32", "float16" or "int64".
llvm::StringRef getNpyDTypeName(NpyDType dtype);
/// Returns the size of one element in bytes.
int64_t getNpyDTypeSize(NpyDType dtype);

/// An n-dimensional array in C order.
struct NpyArray {
  NpyDType dtype = NpyDType::Float32;
  std::vector<int64_t> shape;
  /// The raw little-endian elements, `numElements() * elementSize` bytes.
  std::vector<char> data;

  int64_t numElements() const;
};

/// Parses the contents of a .npy file. `name` is used in error messages.
llvm::Expected<NpyArray> parseNpy(llvm::StringRef contents,
                                  llvm::StringRef name);

/// Reads a .npy file.
llvm::Expected<NpyArray> readNpyFile(llvm::StringRef path);

/// Serializes `array` as a version 1.0 .npy file.
std::string serializeNpy(const NpyArray &array);

/// Formats a shape as "[2, 3, 4]"; a negative (dynamic) extent prints as
/// "?".
std::string formatShape(llvm::ArrayRef<int64_t> shape);

} // namespace uniform

#endif // UNIFORM_RUNTIME_NPY_H
