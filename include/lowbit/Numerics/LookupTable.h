//===- LookupTable.h - table (codebook) formats -----------------*- C++ -*-===//
//
// Formats whose codes index a table of 2^k increasing values (NF4 and custom
// codebooks), and the binary {-1, +1} format. Encoding picks the table entry
// nearest to x / s; decoding is table[code] * s.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_NUMERICS_LOOKUPTABLE_H
#define LOWBIT_NUMERICS_LOOKUPTABLE_H

#include "lowbit/Numerics/Result.h"

#include <array>
#include <cstdint>
#include <vector>

namespace lowbit {
namespace numerics {

/// The 16 NF4 values of QLoRA/bitsandbytes, in code order.
extern const std::array<float, 16> kNF4Values;

class LookupTable {
public:
  /// Builds a table from 2^k (k = 1..8) finite, strictly increasing values;
  /// reports why otherwise.
  static Result<LookupTable> create(std::vector<float> values);

  /// The built-in NF4 table.
  static const LookupTable &getNF4();

  unsigned getBitWidth() const { return bitWidth; }
  size_t size() const { return values.size(); }
  const std::vector<float> &getValues() const { return values; }
  /// max |entry|; the symmetric scale divides by it.
  float getMaxAbs() const { return maxAbs; }

  /// Returns the code of the entry nearest to `x / scale` (an f32 division;
  /// `scale` must be positive and finite). Tie rule: a quotient exactly
  /// halfway between two neighbouring entries takes the lower code (the
  /// smaller entry), as bitsandbytes' threshold comparisons do. Quotients
  /// beyond the ends take the end codes (Inf included); NaN takes the code
  /// that 0 takes.
  uint8_t encode(float x, float scale = 1.0f) const;

  /// Returns table[code] * scale (one f32 multiplication). `code` must be
  /// below `size()` (asserted; NaN in builds without assertions).
  float decode(uint8_t code, float scale = 1.0f) const;

private:
  LookupTable(std::vector<float> values);

  std::vector<float> values;
  /// midpoints[i] = (values[i] + values[i+1]) / 2 in double, which is exact
  /// for any two f32 values closer than 2^29 in ratio (and for 0 and
  /// anything); no f32 quotient can fall strictly between the exact and the
  /// rounded midpoint otherwise.
  std::vector<double> midpoints;
  unsigned bitWidth = 0;
  float maxAbs = 0.0f;
  uint8_t nanCode = 0;
};

/// Binary format {-1, +1}: code 0 is -1 and code 1 is +1. `x >= 0`
/// (including -0) and NaN encode to 1; negative values to 0. The scale does
/// not change the sign, so it is not needed to encode.
uint8_t encodeBinary(float x);

/// Returns -scale for code 0 and +scale for code 1 (only bit 0 is read).
float decodeBinary(uint8_t code, float scale = 1.0f);

} // namespace numerics
} // namespace lowbit

#endif // LOWBIT_NUMERICS_LOOKUPTABLE_H
