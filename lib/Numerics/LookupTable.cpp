//===- LookupTable.cpp - table (codebook) formats -------------------------===//

#include "lowbit/Numerics/LookupTable.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>
#include <string>

using namespace lowbit::numerics;

// The NF4 code values (quantiles of N(0, 1) normalized to [-1, 1], with an
// exact 0), as f32.
const std::array<float, 16> lowbit::numerics::kNF4Values = {
    -1.0f,
    -0.6961928009986877f,
    -0.5250730514526367f,
    -0.39491748809814453f,
    -0.28444138169288635f,
    -0.18477343022823334f,
    -0.09105003625154495f,
    0.0f,
    0.07958029955625534f,
    0.16093020141124725f,
    0.24611230194568634f,
    0.33791524171829224f,
    0.44070982933044434f,
    0.5626170039176941f,
    0.7229568362236023f,
    1.0f,
};

LookupTable::LookupTable(std::vector<float> tableValues)
    : values(std::move(tableValues)) {
  while ((size_t(1) << bitWidth) < values.size())
    ++bitWidth;
  midpoints.reserve(values.size() - 1);
  for (size_t i = 0; i + 1 < values.size(); ++i)
    midpoints.push_back((double(values[i]) + double(values[i + 1])) / 2.0);
  for (float value : values)
    maxAbs = std::max(maxAbs, std::fabs(value));
  nanCode = encode(0.0f);
}

Result<LookupTable> LookupTable::create(std::vector<float> values) {
  size_t size = values.size();
  if (size < 2 || size > 256 || (size & (size - 1)) != 0)
    return Failure{"a lookup table needs 2^k entries with k in 1..8, got " +
                   std::to_string(size)};
  for (size_t i = 0; i < size; ++i) {
    if (!std::isfinite(values[i]))
      return Failure{"lookup table entry " + std::to_string(i) +
                     " is not finite"};
    if (i > 0 && !(values[i - 1] < values[i]))
      return Failure{"lookup table entries must be strictly increasing "
                     "(entry " +
                     std::to_string(i) + ")"};
  }
  return LookupTable(std::move(values));
}

const LookupTable &LookupTable::getNF4() {
  static const LookupTable nf4(
      std::vector<float>(kNF4Values.begin(), kNF4Values.end()));
  return nf4;
}

uint8_t LookupTable::encode(float x, float scale) const {
  float quotient = x / scale;
  if (std::isnan(quotient))
    return nanCode;
  // The code is the number of midpoints strictly below the quotient, so a
  // quotient equal to a midpoint takes the lower code. Small tables (NF4)
  // count without branches: a binary search mispredicts on random data.
  double q = quotient;
  if (midpoints.size() < 16) {
    unsigned below = 0;
    for (double m : midpoints)
      below += m < q;
    return static_cast<uint8_t>(below);
  }
  auto it = std::lower_bound(midpoints.begin(), midpoints.end(), q);
  return static_cast<uint8_t>(it - midpoints.begin());
}

float LookupTable::decode(uint8_t code, float scale) const {
  assert(code < values.size() && "code outside the table");
  if (code >= values.size()) // Release builds: no out-of-bounds read.
    return std::numeric_limits<float>::quiet_NaN();
  return values[code] * scale;
}

uint8_t lowbit::numerics::encodeBinary(float x) { return x < 0.0f ? 0 : 1; }

float lowbit::numerics::decodeBinary(uint8_t code, float scale) {
  return (code & 1) ? scale : -scale;
}
