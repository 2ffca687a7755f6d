//===- BitPacking.cpp - packing of sub-byte codes -------------------------===//

#include "lowbit/Numerics/BitPacking.h"

#include <string>

using namespace lowbit::numerics;

size_t lowbit::numerics::getPackedRowBytes(size_t rowLength, unsigned bits) {
  return (rowLength * bits + 7) / 8;
}

/// Fails unless `bits` and `rowLength` describe a layout.
static std::string checkLayout(size_t rowLength, unsigned bits) {
  if (bits < 1 || bits > 8)
    return "code width must be 1..8 bits, got " + std::to_string(bits);
  if (rowLength == 0)
    return "row length must be positive";
  return "";
}

Result<std::vector<uint8_t>>
lowbit::numerics::pack(const std::vector<uint8_t> &codes, size_t rowLength,
                       unsigned bits) {
  std::string error = checkLayout(rowLength, bits);
  if (!error.empty())
    return Failure{error};
  if (codes.size() % rowLength != 0)
    return Failure{std::to_string(codes.size()) +
                   " codes do not form rows of " + std::to_string(rowLength)};
  size_t numRows = codes.size() / rowLength;
  size_t rowBytes = getPackedRowBytes(rowLength, bits);
  std::vector<uint8_t> bytes(numRows * rowBytes, 0);
  for (size_t row = 0; row < numRows; ++row) {
    uint8_t *rowOut = bytes.data() + row * rowBytes;
    for (size_t i = 0; i < rowLength; ++i) {
      unsigned code = codes[row * rowLength + i];
      if (code >> bits)
        return Failure{"code " + std::to_string(code) + " at index " +
                       std::to_string(row * rowLength + i) +
                       " does not fit in " + std::to_string(bits) + " bits"};
      // A code spans at most two bytes: the low part goes to the current
      // byte at `shift`, the rest (if any) to the low bits of the next.
      size_t bit = i * bits;
      unsigned shift = bit % 8;
      unsigned shifted = code << shift;
      rowOut[bit / 8] |= static_cast<uint8_t>(shifted);
      if (shift + bits > 8)
        rowOut[bit / 8 + 1] |= static_cast<uint8_t>(shifted >> 8);
    }
  }
  return bytes;
}

Result<std::vector<uint8_t>>
lowbit::numerics::unpack(const std::vector<uint8_t> &bytes, size_t rowLength,
                         size_t numRows, unsigned bits) {
  std::string error = checkLayout(rowLength, bits);
  if (!error.empty())
    return Failure{error};
  size_t rowBytes = getPackedRowBytes(rowLength, bits);
  if (bytes.size() != numRows * rowBytes)
    return Failure{"expected " + std::to_string(numRows * rowBytes) +
                   " bytes for " + std::to_string(numRows) + " rows, got " +
                   std::to_string(bytes.size())};
  std::vector<uint8_t> codes(numRows * rowLength);
  unsigned mask = (1u << bits) - 1;
  for (size_t row = 0; row < numRows; ++row) {
    const uint8_t *rowIn = bytes.data() + row * rowBytes;
    for (size_t i = 0; i < rowLength; ++i) {
      size_t bit = i * bits;
      unsigned shift = bit % 8;
      unsigned window = rowIn[bit / 8];
      if (shift + bits > 8)
        window |= unsigned(rowIn[bit / 8 + 1]) << 8;
      codes[row * rowLength + i] =
          static_cast<uint8_t>((window >> shift) & mask);
    }
  }
  return codes;
}
