//===- IntegerQuantTest.cpp - affine integer quantization -----------------===//
//
// Exhaustive over widths 1..8, signedness, narrow range, rounding modes and
// every code. The expected values come from an enumeration of the bit
// patterns and from the C library's rounding functions, not from the
// library's own rounding.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Numerics/IntegerQuant.h"

#include "Oracle.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cfenv>
#include <cmath>
#include <limits>
#include <vector>

using namespace lowbit::numerics;
using namespace lowbit::numerics::oracle;

namespace {

constexpr RoundingMode kAllModes[] = {RoundingMode::NearestEven,
                                      RoundingMode::NearestAway,
                                      RoundingMode::TowardZero};

/// Every supported integer format.
std::vector<IntFormat> allIntFormats() {
  std::vector<IntFormat> formats;
  for (unsigned bits = 1; bits <= 8; ++bits)
    for (bool isSigned : {true, false})
      for (bool narrow : {false, true})
        formats.push_back(IntFormat{bits, isSigned, narrow});
  return formats;
}

/// The value a `bits`-wide pattern has as two's complement or unsigned.
int32_t interpret(unsigned pattern, IntFormat format) {
  if (format.isSigned && pattern >= (1u << (format.bits - 1)))
    return int32_t(pattern) - int32_t(1u << format.bits);
  return int32_t(pattern);
}

/// [qmin, qmax] found by enumerating the bit patterns and dropping the most
/// negative (signed) or zero (unsigned) code when narrow.
std::pair<int32_t, int32_t> enumerateRange(IntFormat format) {
  std::vector<int32_t> values;
  for (unsigned pattern = 0; pattern < (1u << format.bits); ++pattern)
    values.push_back(interpret(pattern, format));
  std::sort(values.begin(), values.end());
  if (format.narrow)
    values.erase(values.begin());
  return {values.front(), values.back()};
}

/// Rounding by the C library: nearbyint under the default round-to-nearest
/// environment (ties to even), round (ties away) and trunc.
double referenceRound(double value, RoundingMode mode) {
  switch (mode) {
  case RoundingMode::NearestEven:
    return std::nearbyint(value);
  case RoundingMode::NearestAway:
    return std::round(value);
  case RoundingMode::TowardZero:
    return std::trunc(value);
  }
  return value;
}

int32_t referenceQuantize(float x, float scale, int32_t zeroPoint,
                          IntFormat format, RoundingMode mode) {
  auto [qmin, qmax] = enumerateRange(format);
  float quotient = x / scale;
  if (std::isnan(quotient))
    return std::clamp(zeroPoint, qmin, qmax);
  double q = referenceRound(quotient, mode) + zeroPoint;
  return int32_t(std::clamp<double>(q, qmin, qmax));
}

TEST(IntegerQuantTest, RangesMatchBitPatterns) {
  ASSERT_EQ(std::fegetround(), FE_TONEAREST);
  for (IntFormat format : allIntFormats()) {
    auto [qmin, qmax] = enumerateRange(format);
    EXPECT_EQ(format.getQMin(), qmin) << format.bits << format.isSigned;
    EXPECT_EQ(format.getQMax(), qmax) << format.bits << format.isSigned;
  }
  // Spot checks from the dialect's definition of narrow.
  EXPECT_EQ((IntFormat{8, true, true}.getQMin()), -127);
  EXPECT_EQ((IntFormat{4, true, false}.getQMin()), -8);
  EXPECT_EQ((IntFormat{4, false, true}.getQMin()), 1);
  EXPECT_EQ((IntFormat{4, false, true}.getQMax()), 15);
}

TEST(IntegerQuantTest, StorageCodesAreTwosComplement) {
  for (IntFormat format : allIntFormats()) {
    for (unsigned pattern = 0; pattern < (1u << format.bits); ++pattern) {
      int32_t value = interpret(pattern, format);
      EXPECT_EQ(fromStorageCode(uint8_t(pattern), format), value);
      if (value < format.getQMin())
        continue; // Dropped by narrow.
      EXPECT_EQ(toStorageCode(value, format), pattern);
    }
    // Bits above the width are ignored when decoding.
    EXPECT_EQ(fromStorageCode(uint8_t(0xFF), format),
              interpret((1u << format.bits) - 1, format));
  }
}

TEST(IntegerQuantTest, EveryCodeRoundTrips) {
  for (IntFormat format : allIntFormats()) {
    int32_t qmin = format.getQMin(), qmax = format.getQMax();
    for (float scale : {0.25f, 0.1f, 3.7f, 1e-3f, 1e3f}) {
      for (int32_t zeroPoint :
           {qmin, std::clamp(0, qmin, qmax), (qmin + qmax) / 2, qmax}) {
        for (int32_t q = qmin; q <= qmax; ++q) {
          float x = dequantizeAffine(q, scale, zeroPoint);
          EXPECT_EQ(x, scale * float(q - zeroPoint));
          for (RoundingMode mode : kAllModes) {
            // Truncation needs the exact value: x / s may land just below
            // an integer when s is not a power of two.
            if (mode == RoundingMode::TowardZero && scale != 0.25f)
              continue;
            ASSERT_EQ(quantizeAffine(x, scale, zeroPoint, format, mode), q)
                << "bits " << format.bits << " signed " << format.isSigned
                << " narrow " << format.narrow << " scale " << scale << " zp "
                << zeroPoint << " mode " << getRoundingModeName(mode);
          }
        }
      }
    }
  }
}

TEST(IntegerQuantTest, TiesNeighboursAndClampsMatchReference) {
  // A power-of-two scale makes k + 0.5 and its f32 neighbours exact
  // quotients, so the tie rule of each mode is exercised directly.
  const float scale = 0.25f;
  for (IntFormat format : allIntFormats()) {
    int32_t qmin = format.getQMin(), qmax = format.getQMax();
    for (int32_t zeroPoint : {qmin, std::clamp(0, qmin, qmax), qmax}) {
      for (int32_t k = qmin - zeroPoint - 3; k <= qmax - zeroPoint + 3; ++k) {
        for (float offset : {0.0f, 0.5f, -0.5f, 0.25f, 0.75f}) {
          float centre = float(k) + offset;
          for (float quotient : {centre, std::nextafter(centre, -HUGE_VALF),
                                 std::nextafter(centre, HUGE_VALF)}) {
            float x = quotient * scale;
            for (RoundingMode mode : kAllModes)
              ASSERT_EQ(quantizeAffine(x, scale, zeroPoint, format, mode),
                        referenceQuantize(x, scale, zeroPoint, format, mode))
                  << "x " << x << " bits " << format.bits << " signed "
                  << format.isSigned << " narrow " << format.narrow << " zp "
                  << zeroPoint << " mode " << getRoundingModeName(mode);
          }
        }
      }
    }
  }
}

TEST(IntegerQuantTest, NearTiesWithInexactScales) {
  // With a scale that is not a power of two, x / s is rounded; f32 values
  // around s * (k + 0.5) check that the quotient is one f32 division (as in
  // the generated code), not, say, a multiplication by 1 / s.
  IntFormat i8{8, true, false};
  for (float scale : {0.1f, 0.3f, 3.7f, 0.0123f, 7e-5f}) {
    for (int32_t k = -130; k <= 130; ++k) {
      float x = scale * (float(k) + 0.5f);
      for (int step = 0; step < 4; ++step)
        x = std::nextafter(x, -HUGE_VALF);
      for (int step = 0; step < 9; ++step, x = std::nextafter(x, HUGE_VALF))
        for (RoundingMode mode : kAllModes)
          ASSERT_EQ(quantizeAffine(x, scale, 0, i8, mode),
                    referenceQuantize(x, scale, 0, i8, mode))
              << "x " << x << " scale " << scale;
    }
  }
}

TEST(IntegerQuantTest, RandomValuesMatchReference) {
  Random random(42);
  for (IntFormat format : allIntFormats()) {
    for (int i = 0; i < 2000; ++i) {
      float scale = random.nextLogUniform(-10, 10, /*allowNegative=*/false);
      int32_t zeroPoint = random.nextInt(format.getQMin(), format.getQMax());
      float x = random.nextUniform(-300.0f, 300.0f) * scale;
      for (RoundingMode mode : kAllModes)
        ASSERT_EQ(quantizeAffine(x, scale, zeroPoint, format, mode),
                  referenceQuantize(x, scale, zeroPoint, format, mode))
            << "x " << x << " scale " << scale;
    }
  }
}

TEST(IntegerQuantTest, NonFiniteInputs) {
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  IntFormat i8{8, true, false}, u4Narrow{4, false, true};
  EXPECT_EQ(quantizeAffine(inf, 0.5f, 3, i8), 127);
  EXPECT_EQ(quantizeAffine(-inf, 0.5f, 3, i8), -128);
  EXPECT_EQ(quantizeAffine(nan, 0.5f, 3, i8), 3);
  // A zero point outside the range is clamped for NaN too.
  EXPECT_EQ(quantizeAffine(nan, 0.5f, 0, u4Narrow), 1);
  // A quotient that overflows f32 saturates.
  EXPECT_EQ(quantizeAffine(3e38f, 1e-10f, 0, i8), 127);
  EXPECT_EQ(quantizeAffine(-3e38f, 1e-10f, 0, i8), -128);
}

} // namespace
