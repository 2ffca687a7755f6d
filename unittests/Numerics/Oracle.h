//===- Oracle.h - independent references for the numerics tests -*- C++ -*-===//
//
// llvm::APFloat is the independent oracle for the float formats: it is used
// only here, never by the library. Helpers also give deterministic random
// floats without relying on the standard library's distributions.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_UNITTESTS_NUMERICS_ORACLE_H
#define LOWBIT_UNITTESTS_NUMERICS_ORACLE_H

#include "lowbit/Numerics/FloatFormats.h"
#include "lowbit/Numerics/Rounding.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/APInt.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

namespace lowbit {
namespace numerics {
namespace oracle {

inline const llvm::fltSemantics &getSemantics(FloatFormat format) {
  switch (format) {
  case FloatFormat::E4M3FN:
    return llvm::APFloat::Float8E4M3FN();
  case FloatFormat::E5M2:
    return llvm::APFloat::Float8E5M2();
  case FloatFormat::E2M3FN:
    return llvm::APFloat::Float6E2M3FN();
  case FloatFormat::E3M2FN:
    return llvm::APFloat::Float6E3M2FN();
  case FloatFormat::E2M1FN:
    return llvm::APFloat::Float4E2M1FN();
  case FloatFormat::E8M0FNU:
    return llvm::APFloat::Float8E8M0FNU();
  }
  return llvm::APFloat::Float8E4M3FN();
}

inline llvm::RoundingMode toAPFloatMode(RoundingMode mode) {
  switch (mode) {
  case RoundingMode::NearestEven:
    return llvm::RoundingMode::NearestTiesToEven;
  case RoundingMode::NearestAway:
    return llvm::RoundingMode::NearestTiesToAway;
  case RoundingMode::TowardZero:
    return llvm::RoundingMode::TowardZero;
  }
  return llvm::RoundingMode::NearestTiesToEven;
}

/// APFloat's view of `code`.
inline llvm::APFloat apfloatFromCode(FloatFormat format, uint8_t code) {
  const llvm::fltSemantics &semantics = getSemantics(format);
  return llvm::APFloat(
      semantics, llvm::APInt(llvm::APFloat::getSizeInBits(semantics), code));
}

/// The result of APFloat converting `value` to `format`.
struct APFloatEncoding {
  uint8_t code;
  /// The result is NaN or Inf although `value` was finite: APFloat does not
  /// saturate E4M3FN/E5M2/E8M0 on overflow (the library does).
  bool overflowed;
};

inline APFloatEncoding apfloatEncode(FloatFormat format, float value,
                                     RoundingMode mode) {
  llvm::APFloat converted(value);
  bool losesInfo = false;
  converted.convert(getSemantics(format), toAPFloatMode(mode), &losesInfo);
  bool overflowed =
      std::isfinite(value) && (converted.isNaN() || converted.isInfinity());
  return {static_cast<uint8_t>(converted.bitcastToAPInt().getZExtValue()),
          overflowed};
}

inline uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  return bits;
}

inline float floatFromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, sizeof(value));
  return value;
}

/// Deterministic random values: std::mt19937's output sequence is fixed by
/// the standard, unlike the distributions'.
class Random {
public:
  explicit Random(uint32_t seed) : engine(seed) {}

  uint32_t next() { return engine(); }

  /// Uniform integer in [lo, hi].
  int nextInt(int lo, int hi) {
    return lo + static_cast<int>(next() % static_cast<uint32_t>(hi - lo + 1));
  }

  /// A float with a uniformly random exponent in [minExp, maxExp], random
  /// 23-bit mantissa and random sign: covers every binade evenly.
  float nextLogUniform(int minExp, int maxExp, bool allowNegative = true) {
    float significand = 1.0f + static_cast<float>(next() & 0x7FFFFF) * 0x1p-23f;
    float value = std::ldexp(significand, nextInt(minExp, maxExp));
    if (allowNegative && (next() & 1))
      value = -value;
    return value;
  }

  /// Uniform in [lo, hi).
  float nextUniform(float lo, float hi) {
    return lo + (hi - lo) * static_cast<float>(next() >> 8) * 0x1p-24f;
  }

private:
  std::mt19937 engine;
};

} // namespace oracle
} // namespace numerics
} // namespace lowbit

#endif // LOWBIT_UNITTESTS_NUMERICS_ORACLE_H
