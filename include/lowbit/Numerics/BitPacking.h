//===- BitPacking.h - packing of sub-byte codes -----------------*- C++ -*-===//
//
// The one storage layout of codes narrower than a byte. Codes of `bits`
// (1..8) bits are packed LSB-first into a little-endian bit stream per row
// (the innermost dimension): bit j of code i of a row is bit (i * bits + j)
// of the row's stream, and stream bit k is bit (k % 8) of byte k / 8. Every
// row starts on a byte boundary, so a row takes ceil(rowLength * bits / 8)
// bytes, and the unused high bits of its last byte are zero. 8-bit codes are
// stored unchanged. See docs/numerics.md for worked examples.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_NUMERICS_BITPACKING_H
#define LOWBIT_NUMERICS_BITPACKING_H

#include "lowbit/Numerics/Result.h"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace lowbit {
namespace numerics {

/// Bytes that one packed row of `rowLength` codes of `bits` bits takes.
size_t getPackedRowBytes(size_t rowLength, unsigned bits);

/// Packs `codes` (rows of `rowLength` codes, innermost dimension last).
/// Fails if `bits` is outside 1..8, `rowLength` is 0 or does not divide
/// codes.size(), or a code does not fit in `bits` bits.
Result<std::vector<uint8_t>> pack(const std::vector<uint8_t> &codes,
                                  size_t rowLength, unsigned bits);

/// Unpacks `numRows` rows of `rowLength` codes from `bytes`, which must hold
/// exactly numRows * getPackedRowBytes(rowLength, bits) bytes. Padding bits
/// are ignored.
Result<std::vector<uint8_t>> unpack(const std::vector<uint8_t> &bytes,
                                    size_t rowLength, size_t numRows,
                                    unsigned bits);

} // namespace numerics
} // namespace lowbit

#endif // LOWBIT_NUMERICS_BITPACKING_H
