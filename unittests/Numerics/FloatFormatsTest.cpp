//===- FloatFormatsTest.cpp - <= 8-bit float formats ----------------------===//
//
// Every code of every format is decoded and compared with an independent
// computation from the format's fields and with llvm::APFloat; encoding is
// compared with APFloat on every rounding boundary and on random values, and
// the saturation and NaN/Inf policies are checked on their own.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Numerics/FloatFormats.h"

#include "Oracle.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

using namespace lowbit::numerics;
using namespace lowbit::numerics::oracle;

namespace {

constexpr RoundingMode kAllModes[] = {RoundingMode::NearestEven,
                                      RoundingMode::NearestAway,
                                      RoundingMode::TowardZero};

/// Format facts written down from the specifications (formats.md), not
/// taken from the library.
struct SpecFacts {
  FloatFormat format;
  unsigned bits, exponentBits, mantissaBits;
  int bias;
  double max, minNormal, minPositive;
  unsigned numNaNCodes, numInfCodes;
};

const SpecFacts kSpecs[] = {
    {FloatFormat::E4M3FN, 8, 4, 3, 7, 448.0, 0x1p-6, 0x1p-9, 2, 0},
    {FloatFormat::E5M2, 8, 5, 2, 15, 57344.0, 0x1p-14, 0x1p-16, 6, 2},
    {FloatFormat::E2M3FN, 6, 2, 3, 1, 7.5, 1.0, 0.125, 0, 0},
    {FloatFormat::E3M2FN, 6, 3, 2, 3, 28.0, 0.25, 0.0625, 0, 0},
    {FloatFormat::E2M1FN, 4, 2, 1, 1, 6.0, 1.0, 0.5, 0, 0},
    // E8M0: no zero and no subnormals; the smallest value is 2^-127.
    {FloatFormat::E8M0FNU, 8, 8, 0, 127, 0x1p127, 0x1p-127, 0x1p-127, 1, 0},
};

bool isSigned(const SpecFacts &spec) {
  return spec.format != FloatFormat::E8M0FNU;
}

unsigned signBitOf(const SpecFacts &spec) {
  return isSigned(spec) ? 1u << (spec.bits - 1) : 0u;
}

/// Decodes from the fields with the textbook formula in double. NaN/Inf
/// codes are recognised from the spec's description of each format.
double specDecode(const SpecFacts &spec, unsigned code) {
  if (spec.format == FloatFormat::E8M0FNU)
    return code == 0xFF ? std::nan("") : std::pow(2.0, int(code) - 127);
  unsigned signBit = code >> (spec.bits - 1);
  unsigned exponent =
      (code >> spec.mantissaBits) & ((1u << spec.exponentBits) - 1);
  unsigned mantissa = code & ((1u << spec.mantissaBits) - 1);
  double sign = signBit ? -1.0 : 1.0;
  unsigned allOnes = (1u << spec.exponentBits) - 1;
  if (spec.format == FloatFormat::E4M3FN && exponent == allOnes &&
      mantissa == 7)
    return std::copysign(std::nan(""), sign);
  if (spec.format == FloatFormat::E5M2 && exponent == allOnes)
    return mantissa == 0 ? sign * HUGE_VAL : std::copysign(std::nan(""), sign);
  double fraction = mantissa / std::pow(2.0, spec.mantissaBits);
  if (exponent == 0)
    return sign * std::pow(2.0, 1 - spec.bias) * fraction;
  return sign * std::pow(2.0, int(exponent) - spec.bias) * (1.0 + fraction);
}

/// The code the library must produce for a value beyond the finite range.
uint8_t saturatedCode(const SpecFacts &spec, bool negative) {
  // Found by searching the spec decoding once per format.
  static int maxCodes[std::size(kSpecs)] = {};
  int &maxCode = maxCodes[static_cast<unsigned>(spec.format)];
  for (unsigned code = 0; maxCode == 0 && code < (1u << spec.bits); ++code)
    if (specDecode(spec, code) == spec.max)
      maxCode = static_cast<int>(code);
  return static_cast<uint8_t>(unsigned(maxCode) |
                              (negative ? signBitOf(spec) : 0u));
}

/// Checks encodeFloat(value, mode) against APFloat; where APFloat overflows
/// to NaN/Inf, the library must saturate instead.
void expectEncodeMatchesAPFloat(const SpecFacts &spec, float value,
                                RoundingMode mode, bool *overflowed = nullptr) {
  APFloatEncoding expected = apfloatEncode(spec.format, value, mode);
  if (overflowed)
    *overflowed = expected.overflowed;
  uint8_t actual = encodeFloat(spec.format, value, mode);
  if (expected.overflowed) {
    ASSERT_GT(std::fabs(double(value)), spec.max)
        << "APFloat overflowed inside the range for " << value;
    ASSERT_EQ(actual, saturatedCode(spec, std::signbit(value)))
        << "value " << value << " mode " << getRoundingModeName(mode);
    return;
  }
  ASSERT_EQ(actual, expected.code)
      << getFloatFormatInfo(spec.format).name << " value " << value
      << " (bits 0x" << std::hex << bitsOf(value) << std::dec << ") mode "
      << getRoundingModeName(mode);
}

/// Distinct finite non-negative values of the format, ascending.
std::vector<double> finiteMagnitudes(const SpecFacts &spec) {
  std::vector<double> values;
  for (unsigned code = 0; code < (1u << spec.bits); ++code) {
    double value = specDecode(spec, code);
    if (std::isfinite(value) && !std::signbit(value))
      values.push_back(value);
  }
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  return values;
}

/// Names the format in gtest messages instead of dumping the struct bytes.
void PrintTo(const SpecFacts &spec, std::ostream *os) {
  *os << getFloatFormatInfo(spec.format).name;
}

class FloatFormatTest : public ::testing::TestWithParam<SpecFacts> {};

TEST_P(FloatFormatTest, InfoMatchesSpec) {
  const SpecFacts &spec = GetParam();
  const FloatFormatInfo &info = getFloatFormatInfo(spec.format);
  EXPECT_EQ(info.bits, spec.bits);
  EXPECT_EQ(info.exponentBits, spec.exponentBits);
  EXPECT_EQ(info.mantissaBits, spec.mantissaBits);
  EXPECT_EQ(info.bias, spec.bias);
  EXPECT_EQ(double(getMaxFinite(spec.format)), spec.max);
  EXPECT_EQ(decodeFloat(spec.format, info.maxFiniteCode), spec.max);
}

TEST_P(FloatFormatTest, EveryCodeDecodesToSpecValue) {
  const SpecFacts &spec = GetParam();
  unsigned numNaN = 0, numInf = 0;
  double max = 0, minNormal = HUGE_VAL, minPositive = HUGE_VAL;
  for (unsigned code = 0; code < (1u << spec.bits); ++code) {
    double expected = specDecode(spec, code);
    float actual = decodeFloat(spec.format, uint8_t(code));
    EXPECT_EQ(std::isnan(actual), std::isnan(expected)) << "code " << code;
    EXPECT_EQ(isNaNCode(spec.format, uint8_t(code)), std::isnan(expected));
    EXPECT_EQ(isInfCode(spec.format, uint8_t(code)), std::isinf(expected));
    EXPECT_EQ(std::signbit(actual), std::signbit(expected)) << "code " << code;
    if (std::isnan(expected)) {
      ++numNaN;
      continue;
    }
    EXPECT_EQ(double(actual), expected) << "code " << code;
    if (std::isinf(expected)) {
      ++numInf;
      continue;
    }
    double magnitude = std::fabs(expected);
    max = std::max(max, magnitude);
    if (magnitude > 0)
      minPositive = std::min(minPositive, magnitude);
    unsigned exponentField =
        (code >> spec.mantissaBits) & ((1u << spec.exponentBits) - 1);
    if (exponentField != 0 || spec.format == FloatFormat::E8M0FNU)
      minNormal = std::min(minNormal, magnitude);
  }
  EXPECT_EQ(numNaN, spec.numNaNCodes);
  EXPECT_EQ(numInf, spec.numInfCodes);
  EXPECT_EQ(max, spec.max);
  EXPECT_EQ(minNormal, spec.minNormal);
  EXPECT_EQ(minPositive, spec.minPositive);
}

TEST_P(FloatFormatTest, EveryCodeDecodesLikeAPFloat) {
  const SpecFacts &spec = GetParam();
  for (unsigned code = 0; code < (1u << spec.bits); ++code) {
    llvm::APFloat reference = apfloatFromCode(spec.format, uint8_t(code));
    float actual = decodeFloat(spec.format, uint8_t(code));
    ASSERT_EQ(std::isnan(actual), reference.isNaN()) << "code " << code;
    if (reference.isNaN())
      continue;
    bool losesInfo = false;
    reference.convert(llvm::APFloat::IEEEsingle(),
                      llvm::APFloat::rmNearestTiesToEven, &losesInfo);
    EXPECT_FALSE(losesInfo);
    EXPECT_EQ(bitsOf(actual), bitsOf(reference.convertToFloat()))
        << "code " << code;
  }
}

TEST_P(FloatFormatTest, EncodeInvertsDecode) {
  const SpecFacts &spec = GetParam();
  for (unsigned code = 0; code < (1u << spec.bits); ++code) {
    float value = decodeFloat(spec.format, uint8_t(code));
    if (std::isnan(value))
      continue;
    // Inf codes saturate by policy (E5M2 only).
    uint8_t expected = std::isinf(value)
                           ? saturatedCode(spec, std::signbit(value))
                           : uint8_t(code);
    for (RoundingMode mode : kAllModes)
      EXPECT_EQ(encodeFloat(spec.format, value, mode), expected)
          << "code " << code << " mode " << getRoundingModeName(mode);
  }
}

TEST_P(FloatFormatTest, EncodeMatchesAPFloatOnRoundingBoundaries) {
  const SpecFacts &spec = GetParam();
  std::vector<double> magnitudes = finiteMagnitudes(spec);
  std::vector<float> candidates;
  auto addWithNeighbours = [&](float value) {
    candidates.push_back(value);
    candidates.push_back(std::nextafter(value, 0.0f));
    candidates.push_back(std::nextafter(value, HUGE_VALF));
  };
  for (size_t i = 0; i + 1 < magnitudes.size(); ++i) {
    double midpoint = (magnitudes[i] + magnitudes[i + 1]) / 2;
    ASSERT_EQ(double(float(midpoint)), midpoint) << "midpoint not an f32";
    addWithNeighbours(float(midpoint));
    addWithNeighbours(float(magnitudes[i]));
  }
  addWithNeighbours(float(magnitudes.back()));
  // Below the smallest value, down to the smallest f32 subnormal.
  float smallest = float(magnitudes[magnitudes[0] == 0 ? 1 : 0]);
  for (float tiny : {smallest / 2, smallest / 4, smallest / 3, 0x1p-140f,
                     std::numeric_limits<float>::denorm_min(), 0.0f})
    addWithNeighbours(tiny);

  for (float magnitude : candidates) {
    for (RoundingMode mode : kAllModes) {
      expectEncodeMatchesAPFloat(spec, magnitude, mode);
      if (isSigned(spec))
        expectEncodeMatchesAPFloat(spec, -magnitude, mode);
    }
  }
}

/// Random floats spread evenly over the binades from below the smallest
/// subnormal to beyond the maximum, plus raw random bit patterns (1 in 16).
/// Runs until `inRangeCount` values with |value| <= max were compared; the
/// others check rounding just above max and saturation.
void checkRandomValues(const SpecFacts &spec, RoundingMode mode,
                       unsigned inRangeCount, uint32_t seed) {
  Random random(seed);
  int minExp = std::ilogb(spec.minPositive) - 3;
  int maxExp = std::min(std::ilogb(spec.max) + 2, 127);
  unsigned inRange = 0;
  for (unsigned i = 0; inRange < inRangeCount; ++i) {
    float value;
    if (i % 16 == 0) {
      value = floatFromBits(random.next());
      if (!std::isfinite(value))
        continue;
    } else {
      value = random.nextLogUniform(minExp, maxExp);
    }
    // APFloat's E8M0 ignores the sign; the library's negative policy is
    // tested separately.
    if (!isSigned(spec))
      value = std::fabs(value);
    uint8_t code = encodeFloat(spec.format, value, mode);
    ASSERT_EQ(code >> spec.bits, 0) << "bits above the format width";
    bool overflowed = false;
    expectEncodeMatchesAPFloat(spec, value, mode, &overflowed);
    if (::testing::Test::HasFatalFailure())
      return; // Report the first mismatch only.
    if (!overflowed && std::fabs(double(value)) <= spec.max)
      ++inRange;
  }
}

TEST_P(FloatFormatTest, EncodeMatchesAPFloatOnRandomValues) {
  const SpecFacts &spec = GetParam();
  uint32_t seed = 1234 + static_cast<uint32_t>(spec.format);
  checkRandomValues(spec, RoundingMode::NearestEven, 1000000, seed);
  checkRandomValues(spec, RoundingMode::NearestAway, 200000, seed + 100);
  checkRandomValues(spec, RoundingMode::TowardZero, 200000, seed + 200);
}

TEST_P(FloatFormatTest, SaturatesBeyondMax) {
  const SpecFacts &spec = GetParam();
  auto max = float(spec.max);
  std::vector<float> beyond = {std::nextafter(max, HUGE_VALF),
                               max * 1.0625f,
                               max * 1.5f,
                               max * 4,
                               1e30f,
                               std::numeric_limits<float>::max(),
                               HUGE_VALF};
  for (float value : beyond) {
    if (!(value > max))
      continue; // E8M0's max * 4 overflows f32 to Inf, still beyond.
    for (RoundingMode mode : kAllModes) {
      EXPECT_EQ(encodeFloat(spec.format, value, mode),
                saturatedCode(spec, false))
          << "value " << value;
      if (isSigned(spec))
        EXPECT_EQ(encodeFloat(spec.format, -value, mode),
                  saturatedCode(spec, true))
            << "value " << -value;
    }
  }
}

TEST_P(FloatFormatTest, KeepsSignOfZero) {
  const SpecFacts &spec = GetParam();
  if (!isSigned(spec))
    return;
  EXPECT_EQ(encodeFloat(spec.format, 0.0f), 0);
  EXPECT_EQ(encodeFloat(spec.format, -0.0f), signBitOf(spec));
  // A negative value that rounds to zero keeps its sign, like IEEE.
  float tiny = float(spec.minPositive) / 4;
  EXPECT_EQ(encodeFloat(spec.format, -tiny), signBitOf(spec));
}

INSTANTIATE_TEST_SUITE_P(AllFormats, FloatFormatTest,
                         ::testing::ValuesIn(kSpecs),
                         [](const ::testing::TestParamInfo<SpecFacts> &info) {
                           return std::string(
                               getFloatFormatInfo(info.param.format).name);
                         });

//===----------------------------------------------------------------------===//
// NaN and Inf policies, per format
//===----------------------------------------------------------------------===//

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

TEST(FloatFormatPolicyTest, E4M3FN) {
  EXPECT_EQ(encodeFloat(FloatFormat::E4M3FN, kNaN), 0x7F);
  EXPECT_EQ(encodeFloat(FloatFormat::E4M3FN, -kNaN), 0xFF);
  EXPECT_EQ(encodeFloat(FloatFormat::E4M3FN, kInf), 0x7E);
  EXPECT_EQ(encodeFloat(FloatFormat::E4M3FN, -kInf), 0xFE);
  // 464 is the midpoint between 448 and the (NaN) code above it: ties to
  // even stay at 448; larger values saturate instead of becoming NaN.
  EXPECT_EQ(decodeFloat(FloatFormat::E4M3FN,
                        encodeFloat(FloatFormat::E4M3FN, 464.0f)),
            448.0f);
  EXPECT_EQ(encodeFloat(FloatFormat::E4M3FN, 470.0f), 0x7E);
  EXPECT_EQ(encodeFloat(FloatFormat::E4M3FN, 464.0f, RoundingMode::NearestAway),
            0x7E);
}

TEST(FloatFormatPolicyTest, E5M2) {
  EXPECT_EQ(encodeFloat(FloatFormat::E5M2, kNaN), 0x7E);
  EXPECT_EQ(encodeFloat(FloatFormat::E5M2, -kNaN), 0xFE);
  EXPECT_TRUE(std::isnan(decodeFloat(FloatFormat::E5M2, 0x7E)));
  EXPECT_EQ(encodeFloat(FloatFormat::E5M2, kInf), 0x7B);
  EXPECT_EQ(encodeFloat(FloatFormat::E5M2, -kInf), 0xFB);
  EXPECT_EQ(decodeFloat(FloatFormat::E5M2, 0x7C), kInf);
  EXPECT_EQ(decodeFloat(FloatFormat::E5M2, 0xFC), -kInf);
  // 61440 would round to Inf in IEEE arithmetic.
  EXPECT_EQ(encodeFloat(FloatFormat::E5M2, 61440.0f), 0x7B);
}

TEST(FloatFormatPolicyTest, FormatsWithoutSpecials) {
  for (FloatFormat format :
       {FloatFormat::E2M3FN, FloatFormat::E3M2FN, FloatFormat::E2M1FN}) {
    unsigned signBit = 1u << (getBitWidth(format) - 1);
    EXPECT_EQ(encodeFloat(format, kNaN), 0);
    EXPECT_EQ(encodeFloat(format, -kNaN), 0);
    EXPECT_EQ(decodeFloat(format, encodeFloat(format, kInf)),
              getMaxFinite(format));
    EXPECT_EQ(encodeFloat(format, -kInf), encodeFloat(format, kInf) | signBit);
  }
}

TEST(FloatFormatPolicyTest, E8M0) {
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, kNaN), 0xFF);
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, -2.0f), 0xFF);
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, -kInf), 0xFF);
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, kInf), 0xFE);
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, 0.0f), 0x00);
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, -0.0f), 0x00);
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, 0x1p-140f), 0x00);
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, 1.0f), 127);
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, 0.5f), 126);
  // 1.5 is the linear midpoint of 1 and 2; the even significand is 2.
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, 1.5f), 128);
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, 1.5f, RoundingMode::TowardZero),
            127);
  EXPECT_EQ(encodeFloat(FloatFormat::E8M0FNU, 1.4f), 127);
  EXPECT_TRUE(std::isnan(decodeFloat(FloatFormat::E8M0FNU, 0xFF)));
  EXPECT_EQ(decodeFloat(FloatFormat::E8M0FNU, 0), 0x1p-127f);
  EXPECT_EQ(decodeFloat(FloatFormat::E8M0FNU, 254), 0x1p127f);
}

TEST(FloatFormatPolicyTest, E2M1ValueSet) {
  // formats.md: FP4 E2M1 values are +-{0, 0.5, 1, 1.5, 2, 3, 4, 6}.
  const float expected[] = {0, 0.5, 1, 1.5, 2, 3, 4, 6};
  for (unsigned code = 0; code < 8; ++code) {
    EXPECT_EQ(decodeFloat(FloatFormat::E2M1FN, uint8_t(code)), expected[code]);
    EXPECT_EQ(decodeFloat(FloatFormat::E2M1FN, uint8_t(code | 8)),
              -expected[code]);
  }
}

TEST(FloatQuantizeTest, ScaledValuesMatchAPFloat) {
  Random random(77);
  for (FloatFormat format : kAllFloatFormats) {
    if (format == FloatFormat::E8M0FNU)
      continue;
    float max = getMaxFinite(format);
    for (int i = 0; i < 20000; ++i) {
      float scale = random.nextLogUniform(-20, 20, /*allowNegative=*/false);
      float x = random.nextUniform(-max, max) * scale;
      APFloatEncoding expected =
          apfloatEncode(format, x / scale, RoundingMode::NearestEven);
      if (expected.overflowed)
        continue; // x / scale rounded just above max.
      uint8_t code = quantizeFloat(format, x, scale);
      ASSERT_EQ(code, expected.code) << "x " << x << " scale " << scale;
      EXPECT_EQ(dequantizeFloat(format, code, scale),
                decodeFloat(format, code) * scale);
    }
  }
}

TEST(RoundingTest, Modes) {
  struct Case {
    double value, even, away, zero;
  };
  const Case cases[] = {{0.5, 0, 1, 0},      {1.5, 2, 2, 1},
                        {2.5, 2, 3, 2},      {-0.5, -0.0, -1, -0.0},
                        {-2.5, -2, -3, -2},  {2.4999, 2, 2, 2},
                        {-3.75, -4, -4, -3}, {7.0, 7, 7, 7}};
  for (const Case &c : cases) {
    EXPECT_EQ(roundToIntegral(c.value, RoundingMode::NearestEven), c.even);
    EXPECT_EQ(roundToIntegral(c.value, RoundingMode::NearestAway), c.away);
    EXPECT_EQ(roundToIntegral(c.value, RoundingMode::TowardZero), c.zero);
  }
  EXPECT_TRUE(std::isnan(roundToIntegral(NAN, RoundingMode::NearestEven)));
  EXPECT_EQ(roundToIntegral(HUGE_VAL, RoundingMode::TowardZero), HUGE_VAL);
}

} // namespace
