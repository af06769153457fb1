//===- Npy.cpp - NumPy .npy arrays ----------------------------------------===//
//
// A small, strict reader and writer of NumPy's .npy format.
//
//===----------------------------------------------------------------------===//

#include "uniform/Runtime/Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>
#include <limits>

using namespace llvm;
using namespace uniform;

StringRef uniform::getNpyDTypeName(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::Float32:
    return "float32";
  case NpyDType::Float16:
    return "float16";
  case NpyDType::Int64:
    return "int64";
  }
  llvm_unreachable("unknown dtype");
}

int64_t uniform::getNpyDTypeSize(NpyDType dtype) {
  switch (dtype) {
  case NpyDType::Float32:
    return 4;
  case NpyDType::Float16:
    return 2;
  case NpyDType::Int64:
    return 8;
  }
  llvm_unreachable("unknown dtype");
}

int64_t NpyArray::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string uniform::formatShape(ArrayRef<int64_t> shape) {
  std::string str;
  raw_string_ostream os(str);
  os << "[";
  interleaveComma(shape, os, [&](int64_t d) {
    if (d < 0)
      os << "?";
    else
      os << d;
  });
  os << "]";
  return str;
}

static Error npyError(StringRef name, const Twine &message) {
  return createStringError(inconvertibleErrorCode(),
                           name + ": " + message);
}

/// Returns the text after `'key':` in the header dictionary.
static std::optional<StringRef> findKey(StringRef header, StringRef key) {
  for (char quote : {'\'', '"'}) {
    std::string pattern = (Twine(quote) + key + Twine(quote)).str();
    size_t pos = header.find(pattern);
    if (pos == StringRef::npos)
      continue;
    StringRef rest = header.drop_front(pos + pattern.size()).ltrim();
    if (!rest.consume_front(":"))
      return std::nullopt;
    return rest.ltrim();
  }
  return std::nullopt;
}

Expected<NpyArray> uniform::parseNpy(StringRef contents, StringRef name) {
  static constexpr char kMagic[] = "\x93NUMPY";
  if (contents.size() < 10 || !contents.starts_with(StringRef(kMagic, 6)))
    return npyError(name, "not a .npy file (bad magic)");
  uint8_t major = contents[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = uint8_t(contents[8]) | (uint8_t(contents[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (contents.size() < 12)
      return npyError(name, "truncated .npy header");
    headerLen = uint32_t(uint8_t(contents[8])) |
                (uint32_t(uint8_t(contents[9])) << 8) |
                (uint32_t(uint8_t(contents[10])) << 16) |
                (uint32_t(uint8_t(contents[11])) << 24);
    headerStart = 12;
  } else {
    return npyError(name, "unsupported .npy version " + Twine(int(major)));
  }
  if (headerStart + headerLen > contents.size())
    return npyError(name, "truncated .npy header");
  StringRef header = contents.substr(headerStart, headerLen);

  NpyArray array;
  std::optional<StringRef> descr = findKey(header, "descr");
  if (!descr || descr->size() < 2)
    return npyError(name, "the .npy header has no 'descr'");
  char quote = descr->front();
  StringRef dtype = descr->drop_front().take_until(
      [&](char c) { return c == quote; });
  if (dtype == "<f4" || dtype == "=f4")
    array.dtype = NpyDType::Float32;
  else if (dtype == "<f2" || dtype == "=f2")
    array.dtype = NpyDType::Float16;
  else if (dtype == "<i8" || dtype == "=i8")
    array.dtype = NpyDType::Int64;
  else
    return npyError(name, "unsupported dtype '" + dtype +
                              "'; expected float32 ('<f4'), float16 "
                              "('<f2') or int64 ('<i8')");

  std::optional<StringRef> fortran = findKey(header, "fortran_order");
  if (!fortran)
    return npyError(name, "the .npy header has no 'fortran_order'");
  if (fortran->starts_with("True"))
    return npyError(name, "Fortran-order arrays are not supported; save a "
                          "C-contiguous array");
  if (!fortran->starts_with("False"))
    return npyError(name, "malformed 'fortran_order' in the .npy header");

  std::optional<StringRef> shapeText = findKey(header, "shape");
  if (!shapeText || !shapeText->starts_with("("))
    return npyError(name, "the .npy header has no 'shape'");
  StringRef tuple = shapeText->drop_front().take_until(
      [](char c) { return c == ')'; });
  if (tuple.size() == shapeText->size() - 1)
    return npyError(name, "malformed 'shape' in the .npy header");
  SmallVector<StringRef> parts;
  tuple.split(parts, ',', -1, /*KeepEmpty=*/false);
  int64_t numElements = 1;
  for (StringRef part : parts) {
    part = part.trim();
    if (part.empty())
      continue;
    int64_t dim;
    if (part.getAsInteger(10, dim) || dim < 0)
      return npyError(name, "malformed dimension '" + part +
                                "' in the .npy shape");
    if (dim != 0 &&
        numElements > std::numeric_limits<int64_t>::max() / 16 / dim)
      return npyError(name, "the .npy shape is too large");
    numElements *= dim;
    array.shape.push_back(dim);
  }

  size_t dataStart = headerStart + headerLen;
  uint64_t bytes = uint64_t(numElements) * getNpyDTypeSize(array.dtype);
  if (contents.size() - dataStart != bytes)
    return npyError(name, "expected " + Twine(bytes) + " bytes of data for "
                              "shape " + formatShape(array.shape) + ", found " +
                              Twine(contents.size() - dataStart));
  array.data.assign(contents.begin() + dataStart, contents.end());
  return array;
}

Expected<NpyArray> uniform::readNpyFile(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> buffer =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (std::error_code ec = buffer.getError())
    return npyError(path, "cannot read: " + ec.message());
  return parseNpy((*buffer)->getBuffer(), path);
}

std::string uniform::serializeNpy(const NpyArray &array) {
  std::string header;
  raw_string_ostream os(header);
  StringRef descr = array.dtype == NpyDType::Float32   ? "<f4"
                    : array.dtype == NpyDType::Float16 ? "<f2"
                                                       : "<i8";
  os << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (int64_t d : array.shape)
    os << d << ", ";
  if (!array.shape.empty()) {
    header.pop_back();
    header.pop_back();
    if (array.shape.size() == 1)
      header += ",";
  }
  header += "), }";
  // Pad with spaces so that the data starts on a 64-byte boundary.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += "\n";
  std::string out("\x93NUMPY\x01\x00", 8);
  out.push_back(char(header.size() & 0xff));
  out.push_back(char((header.size() >> 8) & 0xff));
  out += header;
  out.append(array.data.begin(), array.data.end());
  return out;
}
