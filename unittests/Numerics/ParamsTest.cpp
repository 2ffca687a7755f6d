//===- ParamsTest.cpp - parameter choice from ranges ----------------------===//

#include "lowbit/Numerics/Params.h"

#include "Oracle.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

using namespace lowbit::numerics;
using namespace lowbit::numerics::oracle;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

std::vector<IntFormat> allIntFormats() {
  std::vector<IntFormat> formats;
  for (unsigned bits = 1; bits <= 8; ++bits)
    for (bool isSigned : {true, false})
      for (bool narrow : {false, true})
        formats.push_back(IntFormat{bits, isSigned, narrow});
  return formats;
}

/// Largest positive code and code count, from the format's definition.
double specQMax(IntFormat f) {
  return f.isSigned ? std::ldexp(1.0, int(f.bits) - 1) - 1
                    : std::ldexp(1.0, int(f.bits)) - 1;
}
double specQMin(IntFormat f) {
  double lowest = f.isSigned ? -std::ldexp(1.0, int(f.bits) - 1) : 0.0;
  return f.narrow ? lowest + 1 : lowest;
}

TEST(ParamsTest, SymmetricIntegerScale) {
  Random random(17);
  for (IntFormat format : allIntFormats()) {
    if (specQMax(format) <= 0)
      continue;
    for (int i = 0; i < 200; ++i) {
      Range range{random.nextUniform(-50, 0), random.nextUniform(0, 40)};
      float clip = i % 2 ? 1.0f : random.nextUniform(0.5f, 1.0f);
      Result<QuantParams> params = chooseIntParams(range, format, false, clip);
      ASSERT_TRUE(params.ok()) << params.getError();
      double absMax =
          std::max(std::fabs(double(range.min)), double(range.max)) * clip;
      EXPECT_EQ(params->scale, float(absMax / specQMax(format)));
      EXPECT_EQ(params->zeroPoint, 0);
      // +-absmax map to +-qmax (clamped for unsigned formats).
      EXPECT_EQ(quantizeAffine(float(absMax), params->scale, 0, format),
                specQMax(format));
      EXPECT_EQ(quantizeAffine(-float(absMax), params->scale, 0, format),
                std::max(-specQMax(format), specQMin(format)));
    }
  }
}

TEST(ParamsTest, AsymmetricIntegerParams) {
  Random random(23);
  for (IntFormat format : allIntFormats()) {
    double qmin = specQMin(format), qmax = specQMax(format);
    if (qmin == qmax)
      continue;
    for (int i = 0; i < 300; ++i) {
      // Ranges on both sides of 0 and entirely on one side.
      float a = random.nextUniform(-20, 20), b = random.nextUniform(-20, 20);
      Range range{std::min(a, b), std::max(a, b)};
      Result<QuantParams> params = chooseIntParams(range, format, true);
      ASSERT_TRUE(params.ok()) << params.getError();
      double lo = std::min(double(range.min), 0.0);
      double hi = std::max(double(range.max), 0.0);
      EXPECT_EQ(params->scale, float((hi - lo) / (qmax - qmin)));
      EXPECT_GE(params->zeroPoint, qmin);
      EXPECT_LE(params->zeroPoint, qmax);
      // 0 is exact.
      int32_t zero =
          quantizeAffine(0.0f, params->scale, params->zeroPoint, format);
      EXPECT_EQ(dequantizeAffine(zero, params->scale, params->zeroPoint), 0.0f);
      // The extended range ends map to within one code of qmin and qmax.
      EXPECT_LE(std::fabs(quantizeAffine(float(lo), params->scale,
                                         params->zeroPoint, format) -
                          qmin),
                1.0);
      EXPECT_LE(std::fabs(quantizeAffine(float(hi), params->scale,
                                         params->zeroPoint, format) -
                          qmax),
                1.0);
    }
  }
}

TEST(ParamsTest, AsymmetricZeroPointRounding) {
  // u8 on [-1, 254/255*...]: pick a range whose zero point is exactly
  // representable to check rounding: [-2, 253] with u8 gives s = 1, z = 2.
  IntFormat u8{8, false, false};
  Result<QuantParams> params = chooseIntParams({-2.0f, 253.0f}, u8, true);
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(params->scale, 1.0f);
  EXPECT_EQ(params->zeroPoint, 2);
  // [-2.5, 252.5]: z = 2.5 ties to even -> 2.
  params = chooseIntParams({-2.5f, 252.5f}, u8, true);
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(params->scale, 1.0f);
  EXPECT_EQ(params->zeroPoint, 2);
  // Signed: [-1, 3] with i4 (15 steps): z = round(-8 + 1 / (4/15)) = -4.
  IntFormat i4{4, true, false};
  params = chooseIntParams({-1.0f, 3.0f}, i4, true);
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(params->scale, 4.0f / 15.0f);
  EXPECT_EQ(params->zeroPoint, -4);
}

TEST(ParamsTest, ClipRatioShrinksTheRange) {
  IntFormat i8{8, true, false};
  Result<QuantParams> full = chooseIntParams({-4.0f, 2.0f}, i8, false);
  Result<QuantParams> clipped = chooseIntParams({-4.0f, 2.0f}, i8, false, 0.5f);
  ASSERT_TRUE(full.ok() && clipped.ok());
  EXPECT_EQ(full->scale, 4.0f / 127);
  EXPECT_EQ(clipped->scale, 2.0f / 127);
  Result<QuantParams> asym = chooseIntParams({-4.0f, 2.0f}, i8, true, 0.5f);
  ASSERT_TRUE(asym.ok());
  EXPECT_EQ(asym->scale, 3.0f / 255);
}

TEST(ParamsTest, AllZeroRangeDecodesExactZeros) {
  for (IntFormat format : allIntFormats()) {
    for (bool asymmetric : {false, true}) {
      Result<QuantParams> params =
          chooseIntParams({0.0f, 0.0f}, format, asymmetric);
      if (!params.ok())
        continue; // Formats that cannot do the scheme at all (below).
      EXPECT_EQ(params->scale, 1.0f);
      int32_t q =
          quantizeAffine(0.0f, params->scale, params->zeroPoint, format);
      // Symmetric uiN narrow has no code for 0 (code 0 is dropped).
      if (!asymmetric && !format.isSigned && format.narrow)
        continue;
      EXPECT_EQ(dequantizeAffine(q, params->scale, params->zeroPoint), 0.0f)
          << "bits " << format.bits << " asym " << asymmetric;
    }
  }
  for (FloatFormat format : {FloatFormat::E4M3FN, FloatFormat::E2M1FN})
    EXPECT_EQ(*chooseFloatScale({0.0f, 0.0f}, format), 1.0f);
  EXPECT_EQ(*chooseLookupScale({0.0f, 0.0f}, LookupTable::getNF4()), 1.0f);
  EXPECT_EQ(*chooseBinaryScale({-0.0f, 0.0f}), 1.0f);
}

TEST(ParamsTest, ConstantRange) {
  IntFormat i8{8, true, false}, u8{8, false, false};
  for (float c : {3.0f, -3.0f, 1e-20f, -7e5f}) {
    Result<QuantParams> sym = chooseIntParams({c, c}, i8, false);
    ASSERT_TRUE(sym.ok());
    float back =
        dequantizeAffine(quantizeAffine(c, sym->scale, 0, i8), sym->scale, 0);
    EXPECT_NEAR(back, c, std::fabs(c) * 1e-6);
    for (IntFormat format : {i8, u8}) {
      Result<QuantParams> asym = chooseIntParams({c, c}, format, true);
      ASSERT_TRUE(asym.ok());
      EXPECT_GT(asym->scale, 0.0f);
      float back = dequantizeAffine(
          quantizeAffine(c, asym->scale, asym->zeroPoint, format), asym->scale,
          asym->zeroPoint);
      EXPECT_NEAR(back, c, std::fabs(c) * 1e-5);
    }
  }
}

TEST(ParamsTest, NonFiniteAndInvalidInputsFail) {
  IntFormat i8{8, true, false};
  const Range bad[] = {
      {kNaN, 1.0f}, {0.0f, kNaN}, {-kInf, 1.0f}, {0.0f, kInf}, {2.0f, 1.0f}};
  for (Range range : bad) {
    for (bool asymmetric : {false, true}) {
      Result<QuantParams> params = chooseIntParams(range, i8, asymmetric);
      EXPECT_FALSE(params.ok());
      EXPECT_FALSE(params.getError().empty());
    }
    EXPECT_FALSE(chooseFloatScale(range, FloatFormat::E4M3FN).ok());
    EXPECT_FALSE(chooseLookupScale(range, LookupTable::getNF4()).ok());
    EXPECT_FALSE(chooseBinaryScale(range).ok());
  }
  EXPECT_NE(chooseIntParams({kNaN, 1.0f}, i8, false).getError().find("NaN"),
            std::string::npos);
  for (float clip : {0.0f, -0.5f, 1.5f, kNaN})
    EXPECT_FALSE(chooseIntParams({-1.0f, 1.0f}, i8, false, clip).ok());
  // Formats that cannot express the scheme.
  EXPECT_FALSE(chooseIntParams({-1.0f, 1.0f}, IntFormat{1, true, false}, false)
                   .ok()); // i1 has no positive code.
  EXPECT_FALSE(chooseIntParams({-1.0f, 1.0f}, IntFormat{1, true, true}, true)
                   .ok()); // Narrow i1 has one code.
  EXPECT_FALSE(chooseIntParams({-1.0f, 1.0f}, IntFormat{1, false, true}, true)
                   .ok()); // Narrow u1 has one code.
  EXPECT_FALSE(
      chooseIntParams({-1.0f, 1.0f}, IntFormat{9, true, false}, false).ok());
  EXPECT_FALSE(chooseFloatScale({-1.0f, 1.0f}, FloatFormat::E8M0FNU).ok());
}

TEST(ParamsTest, ExtremeButFiniteRanges) {
  IntFormat i8{8, true, false}, u8{8, false, false};
  // A tiny range gives the smallest normal scale, never 0.
  Result<QuantParams> tiny = chooseIntParams({-1e-44f, 1e-44f}, i8, false);
  ASSERT_TRUE(tiny.ok());
  EXPECT_EQ(tiny->scale, FLT_MIN);
  EXPECT_EQ(*chooseFloatScale({0.0f, 1e-44f}, FloatFormat::E5M2), FLT_MIN);
  // The widest f32 range: (max - min) overflows f32 but not the double
  // computation.
  Result<QuantParams> wide = chooseIntParams({-FLT_MAX, FLT_MAX}, u8, true);
  ASSERT_TRUE(wide.ok()) << wide.getError();
  EXPECT_TRUE(std::isfinite(wide->scale));
  EXPECT_EQ(wide->scale, float(2.0 * FLT_MAX / 255));
  // A table with small entries whose scale overflows f32.
  Result<LookupTable> small = LookupTable::create({-1e-3f, 1e-3f});
  ASSERT_TRUE(small.ok());
  Result<float> overflow = chooseLookupScale({-FLT_MAX, 0.0f}, *small);
  EXPECT_FALSE(overflow.ok());
  EXPECT_NE(overflow.getError().find("overflows"), std::string::npos);
}

TEST(ParamsTest, FloatLookupAndBinaryScales) {
  Range range{-3.0f, 1.5f};
  EXPECT_EQ(*chooseFloatScale(range, FloatFormat::E4M3FN), 3.0f / 448);
  EXPECT_EQ(*chooseFloatScale(range, FloatFormat::E5M2), 3.0f / 57344);
  EXPECT_EQ(*chooseFloatScale(range, FloatFormat::E2M3FN), 3.0f / 7.5f);
  EXPECT_EQ(*chooseFloatScale(range, FloatFormat::E3M2FN), 3.0f / 28);
  EXPECT_EQ(*chooseFloatScale(range, FloatFormat::E2M1FN), 0.5f);
  EXPECT_EQ(*chooseFloatScale(range, FloatFormat::E2M1FN, 0.5f), 0.25f);
  EXPECT_EQ(*chooseLookupScale(range, LookupTable::getNF4()), 3.0f);
  Result<LookupTable> table = LookupTable::create({-2, -1, 0, 4});
  EXPECT_EQ(*chooseLookupScale(range, *table), 0.75f);
  EXPECT_EQ(*chooseBinaryScale(range), 3.0f);
  EXPECT_EQ(*chooseBinaryScale(range, 0.25f), 0.75f);
}

TEST(ParamsTest, ComputeRange) {
  std::vector<float> data = {1.0f, -2.0f, 0.5f, 7.0f};
  Result<Range> range = computeRange(data.data(), data.size());
  ASSERT_TRUE(range.ok());
  EXPECT_EQ(range->min, -2.0f);
  EXPECT_EQ(range->max, 7.0f);
  EXPECT_FALSE(computeRange(data.data(), 0).ok());
  data[2] = kNaN;
  Result<Range> failed = computeRange(data.data(), data.size());
  EXPECT_FALSE(failed.ok());
  EXPECT_NE(failed.getError().find("element 2"), std::string::npos);
  data[2] = -kInf;
  EXPECT_FALSE(computeRange(data.data(), data.size()).ok());
}

} // namespace
