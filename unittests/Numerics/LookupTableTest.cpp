//===- LookupTableTest.cpp - table formats and binary ---------------------===//

#include "lowbit/Numerics/LookupTable.h"

#include "Oracle.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>
#include <vector>

using namespace lowbit::numerics;
using namespace lowbit::numerics::oracle;

namespace {

/// NF4 as printed in formats.md (QLoRA / bitsandbytes).
const double kNF4FromSpec[16] = {-1,
                                 -0.6961928009986877,
                                 -0.5250730514526367,
                                 -0.39491748809814453,
                                 -0.28444138169288635,
                                 -0.18477343022823334,
                                 -0.09105003625154495,
                                 0,
                                 0.07958029955625534,
                                 0.16093020141124725,
                                 0.24611230194568634,
                                 0.33791524171829224,
                                 0.44070982933044434,
                                 0.5626170039176941,
                                 0.7229568362236023,
                                 1};

/// Brute force: the entry at the smallest distance, the lowest code among
/// equals. Distances are exact in double for the tables used here.
uint8_t nearestByScan(const std::vector<float> &table, float quotient) {
  size_t best = 0;
  for (size_t i = 1; i < table.size(); ++i)
    if (std::fabs(double(quotient) - table[i]) <
        std::fabs(double(quotient) - table[best]))
      best = i;
  return uint8_t(best);
}

TEST(LookupTableTest, NF4MatchesSpec) {
  const LookupTable &nf4 = LookupTable::getNF4();
  ASSERT_EQ(nf4.size(), 16u);
  EXPECT_EQ(nf4.getBitWidth(), 4u);
  EXPECT_EQ(nf4.getMaxAbs(), 1.0f);
  for (unsigned code = 0; code < 16; ++code) {
    EXPECT_EQ(nf4.decode(uint8_t(code)), float(kNF4FromSpec[code]));
    EXPECT_EQ(nf4.decode(uint8_t(code), 2.5f),
              float(kNF4FromSpec[code]) * 2.5f);
    EXPECT_EQ(nf4.encode(nf4.decode(uint8_t(code))), code);
    EXPECT_EQ(nf4.encode(nf4.decode(uint8_t(code), 0.375f), 0.375f), code);
  }
}

TEST(LookupTableTest, NF4NearestOnRandomValues) {
  const LookupTable &nf4 = LookupTable::getNF4();
  Random random(7);
  for (int i = 0; i < 200000; ++i) {
    float scale = random.nextLogUniform(-6, 6, /*allowNegative=*/false);
    float x = random.nextUniform(-1.25f, 1.25f) * scale;
    ASSERT_EQ(nf4.encode(x, scale), nearestByScan(nf4.getValues(), x / scale))
        << "x " << x << " scale " << scale;
  }
}

TEST(LookupTableTest, TiesGoToTheLowerCode) {
  // Entries whose midpoints are exact f32 values.
  Result<LookupTable> table =
      LookupTable::create({-3.0f, -1.0f, 0.0f, 0.5f, 2.0f, 2.25f, 4.0f, 8.0f});
  ASSERT_TRUE(table.ok()) << table.getError();
  const std::vector<float> &values = table->getValues();
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    float midpoint = (values[i] + values[i + 1]) / 2;
    ASSERT_EQ(double(midpoint), (double(values[i]) + values[i + 1]) / 2);
    EXPECT_EQ(table->encode(midpoint), i) << "midpoint " << midpoint;
    EXPECT_EQ(table->encode(std::nextafter(midpoint, -HUGE_VALF)), i);
    EXPECT_EQ(table->encode(std::nextafter(midpoint, HUGE_VALF)), i + 1);
    // The same with a scale: x / s is the midpoint exactly.
    EXPECT_EQ(table->encode(midpoint * 4.0f, 4.0f), i);
  }
  EXPECT_EQ(table->getBitWidth(), 3u);
  EXPECT_EQ(table->getMaxAbs(), 8.0f);
}

TEST(LookupTableTest, NF4DecisionBoundaries) {
  // Around each exact (double) midpoint, the f32 values on either side
  // pick the nearer entry, and a midpoint that is itself an f32 the lower.
  const LookupTable &nf4 = LookupTable::getNF4();
  const std::vector<float> &values = nf4.getValues();
  for (size_t i = 0; i + 1 < values.size(); ++i) {
    double midpoint = (double(values[i]) + values[i + 1]) / 2;
    float atOrBelow = float(midpoint);
    if (double(atOrBelow) > midpoint)
      atOrBelow = std::nextafter(atOrBelow, -HUGE_VALF);
    float above = std::nextafter(atOrBelow, HUGE_VALF);
    ASSERT_GT(double(above), midpoint);
    EXPECT_EQ(nf4.encode(atOrBelow), i) << "below midpoint " << midpoint;
    EXPECT_EQ(nf4.encode(std::nextafter(atOrBelow, -HUGE_VALF)), i);
    EXPECT_EQ(nf4.encode(above), i + 1) << "above midpoint " << midpoint;
  }
}

TEST(LookupTableTest, EndsAndNonFinite) {
  const LookupTable &nf4 = LookupTable::getNF4();
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(nf4.encode(5.0f), 15);
  EXPECT_EQ(nf4.encode(-5.0f), 0);
  EXPECT_EQ(nf4.encode(inf), 15);
  EXPECT_EQ(nf4.encode(-inf), 0);
  // NaN takes the code of 0.
  EXPECT_EQ(nf4.encode(std::numeric_limits<float>::quiet_NaN()), 7);
  EXPECT_EQ(nf4.encode(0.0f), 7);
  EXPECT_EQ(nf4.encode(-0.0f), 7);
}

TEST(LookupTableTest, CreateRejectsBadTables) {
  EXPECT_FALSE(LookupTable::create({}).ok());
  EXPECT_FALSE(LookupTable::create({1.0f}).ok());
  EXPECT_FALSE(LookupTable::create({1.0f, 2.0f, 3.0f}).ok());
  EXPECT_FALSE(LookupTable::create({2.0f, 1.0f}).ok());
  EXPECT_FALSE(LookupTable::create({1.0f, 1.0f}).ok());
  EXPECT_FALSE(
      LookupTable::create({0.0f, std::numeric_limits<float>::quiet_NaN()})
          .ok());
  EXPECT_FALSE(
      LookupTable::create({0.0f, std::numeric_limits<float>::infinity()}).ok());
  EXPECT_FALSE(LookupTable::create(std::vector<float>(512, 0.0f)).ok());
  Result<LookupTable> bad = LookupTable::create({3.0f, 2.0f, 1.0f, 0.0f});
  EXPECT_NE(bad.getError().find("increasing"), std::string::npos);

  // The largest table: 256 entries, 8 bits.
  std::vector<float> ramp;
  for (int i = 0; i < 256; ++i)
    ramp.push_back(float(i) - 128.0f);
  Result<LookupTable> table = LookupTable::create(ramp);
  ASSERT_TRUE(table.ok());
  EXPECT_EQ(table->getBitWidth(), 8u);
  Random random(3);
  for (int i = 0; i < 20000; ++i) {
    float x = random.nextUniform(-140.0f, 140.0f);
    ASSERT_EQ(table->encode(x), nearestByScan(ramp, x)) << x;
  }
}

TEST(LookupTableTest, Binary) {
  EXPECT_EQ(encodeBinary(0.0f), 1);
  EXPECT_EQ(encodeBinary(-0.0f), 1);
  EXPECT_EQ(encodeBinary(1e-30f), 1);
  EXPECT_EQ(encodeBinary(-1e-30f), 0);
  EXPECT_EQ(encodeBinary(-5.0f), 0);
  EXPECT_EQ(encodeBinary(std::numeric_limits<float>::infinity()), 1);
  EXPECT_EQ(encodeBinary(-std::numeric_limits<float>::infinity()), 0);
  EXPECT_EQ(encodeBinary(std::numeric_limits<float>::quiet_NaN()), 1);
  EXPECT_EQ(decodeBinary(0), -1.0f);
  EXPECT_EQ(decodeBinary(1), 1.0f);
  EXPECT_EQ(decodeBinary(0, 0.5f), -0.5f);
  EXPECT_EQ(decodeBinary(1, 0.5f), 0.5f);
}

} // namespace
