//===- BlockScaledTest.cpp - MX and NVFP4 ---------------------------------===//
//
// MX shared scales are checked against the OCP formula evaluated with
// log2/floor in double, elements against APFloat conversions of V / X, and
// NVFP4 against NVIDIA's recipe evaluated with APFloat.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Numerics/BlockScaled.h"

#include "Oracle.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

using namespace lowbit::numerics;
using namespace lowbit::numerics::oracle;

namespace {

const float kNaN = std::numeric_limits<float>::quiet_NaN();
const float kInf = std::numeric_limits<float>::infinity();

/// emax per element type, as listed in the OCP MX v1.0 spec.
struct MXSpec {
  MXElementType type;
  int emax;
  const char *name;
};

const MXSpec kMXSpecs[] = {
    {MXElementType::FP8E4M3, 8, "MXFP8_E4M3"},
    {MXElementType::FP8E5M2, 15, "MXFP8_E5M2"},
    {MXElementType::FP6E3M2, 4, "MXFP6_E3M2"},
    {MXElementType::FP6E2M3, 2, "MXFP6_E2M3"},
    {MXElementType::FP4E2M1, 2, "MXFP4"},
    {MXElementType::INT8, 0, "MXINT8"},
};

void PrintTo(const MXSpec &spec, std::ostream *os) { *os << spec.name; }

FloatFormat elementFormat(MXElementType type) {
  switch (type) {
  case MXElementType::FP8E4M3:
    return FloatFormat::E4M3FN;
  case MXElementType::FP8E5M2:
    return FloatFormat::E5M2;
  case MXElementType::FP6E3M2:
    return FloatFormat::E3M2FN;
  case MXElementType::FP6E2M3:
    return FloatFormat::E2M3FN;
  default:
    return FloatFormat::E2M1FN;
  }
}

/// X's exponent by the spec formula: floor(log2(max |V|)) - emax, clamped to
/// E8M0's [-127, 127]; -127 for an all-zero block (log2(0) = -inf).
int specScaleExponent(const std::vector<float> &block, int emax) {
  double maxAbs = 0;
  for (float v : block)
    maxAbs = std::max(maxAbs, std::fabs(double(v)));
  if (maxAbs == 0)
    return -127;
  int exponent = int(std::floor(std::log2(maxAbs))) - emax;
  return std::clamp(exponent, -127, 127);
}

/// The element code for a scaled value: APFloat's round-to-nearest-even,
/// saturated where APFloat overflows; MXINT8 by nearbyint and clamp.
uint8_t specElementCode(double scaled, MXElementType type) {
  if (type == MXElementType::INT8) {
    double q = std::clamp(std::nearbyint(scaled * 64), -128.0, 127.0);
    return uint8_t(int8_t(q));
  }
  FloatFormat format = elementFormat(type);
  auto value = float(scaled);
  EXPECT_EQ(double(value), scaled) << "V / X is not exact";
  APFloatEncoding encoding =
      apfloatEncode(format, value, RoundingMode::NearestEven);
  if (!encoding.overflowed)
    return encoding.code;
  const FloatFormatInfo &info = getFloatFormatInfo(format);
  return uint8_t(info.maxFiniteCode |
                 (std::signbit(value) ? 1u << (info.bits - 1) : 0u));
}

/// Checks scale and element codes of one block against the spec.
void checkMXBlock(const MXSpec &spec, const std::vector<float> &block) {
  std::vector<uint8_t> codes(block.size(), 0xAA);
  uint8_t scaleCode =
      quantizeMXBlock(block.data(), block.size(), spec.type, codes.data());
  int exponent = specScaleExponent(block, spec.emax);
  ASSERT_EQ(scaleCode, exponent + 127);
  EXPECT_EQ(computeMXScaleCode(block.data(), block.size(), spec.type),
            scaleCode);
  std::vector<float> decoded(block.size());
  dequantizeMXBlock(codes.data(), codes.size(), scaleCode, spec.type,
                    decoded.data());
  for (size_t i = 0; i < block.size(); ++i) {
    double scaled = std::ldexp(double(block[i]), -exponent);
    ASSERT_EQ(codes[i], specElementCode(scaled, spec.type))
        << "element " << i << " value " << block[i];
    // Decoding multiplies the element value by X = 2^exponent.
    double elementValue = spec.type == MXElementType::INT8
                              ? int8_t(codes[i]) / 64.0
                              : decodeFloat(elementFormat(spec.type), codes[i]);
    ASSERT_EQ(double(decoded[i]),
              double(float(std::ldexp(elementValue, exponent))));
  }
}

class MXTest : public ::testing::TestWithParam<MXSpec> {};

TEST_P(MXTest, ElementTypeFacts) {
  const MXSpec &spec = GetParam();
  EXPECT_EQ(getMXElementEmax(spec.type), spec.emax);
  float max = getMXElementMax(spec.type);
  // emax is the exponent of the largest element value.
  EXPECT_EQ(std::ilogb(max), spec.emax);
  EXPECT_EQ(decodeMXElement(encodeMXElement(max, spec.type), spec.type), max);
  EXPECT_EQ(decodeMXElement(encodeMXElement(max * 2, spec.type), spec.type),
            max);
}

TEST_P(MXTest, RandomBlocksMatchSpec) {
  const MXSpec &spec = GetParam();
  Random random(99 + unsigned(spec.type));
  for (int blockIndex = 0; blockIndex < 3000; ++blockIndex) {
    // Blocks at every magnitude, including ones whose scale clamps.
    int top = random.nextInt(-150, 126);
    int spread = random.nextInt(0, 24);
    size_t size =
        blockIndex % 7 == 0 ? size_t(random.nextInt(1, 32)) : kMXBlockSize;
    std::vector<float> block(size);
    for (float &v : block)
      v = (random.next() % 8 == 0) ? 0.0f
                                   : random.nextLogUniform(top - spread, top);
    checkMXBlock(spec, block);
    if (HasFatalFailure())
      return;
  }
}

TEST_P(MXTest, AllZeroBlock) {
  const MXSpec &spec = GetParam();
  std::vector<float> block(kMXBlockSize, 0.0f);
  block[3] = -0.0f;
  std::vector<uint8_t> codes(kMXBlockSize, 0xAA);
  EXPECT_EQ(
      quantizeMXBlock(block.data(), block.size(), spec.type, codes.data()),
      0x00);
  std::vector<float> decoded(kMXBlockSize, 1.0f);
  dequantizeMXBlock(codes.data(), codes.size(), 0x00, spec.type,
                    decoded.data());
  for (float v : decoded)
    EXPECT_EQ(v, 0.0f);
}

TEST_P(MXTest, PowerOfTwoMaxEncodesExactly) {
  const MXSpec &spec = GetParam();
  for (int k : {-100, -3, 0, 1, 7, 100}) {
    std::vector<float> block(kMXBlockSize, std::ldexp(1.0f, k - 5));
    block[17] = -std::ldexp(1.0f, k);
    std::vector<uint8_t> codes(kMXBlockSize);
    uint8_t scaleCode =
        quantizeMXBlock(block.data(), block.size(), spec.type, codes.data());
    EXPECT_EQ(int(scaleCode) - 127, k - spec.emax);
    // The max lands on 2^emax, which every element type holds exactly.
    EXPECT_EQ(decodeMXElement(codes[17], spec.type),
              -std::ldexp(1.0f, spec.emax));
    std::vector<float> decoded(kMXBlockSize);
    dequantizeMXBlock(codes.data(), codes.size(), scaleCode, spec.type,
                      decoded.data());
    EXPECT_EQ(decoded[17], block[17]);
    checkMXBlock(spec, block);
  }
}

TEST_P(MXTest, ScaleExponentClamps) {
  const MXSpec &spec = GetParam();
  // Far below 2^-127 * 2^emax: the exponent clamps to -127.
  std::vector<float> tiny(kMXBlockSize, 0x1p-145f);
  EXPECT_EQ(computeMXScaleCode(tiny.data(), tiny.size(), spec.type), 0x00);
  checkMXBlock(spec, tiny);
  std::vector<float> huge(kMXBlockSize, FLT_MAX);
  EXPECT_EQ(computeMXScaleCode(huge.data(), huge.size(), spec.type),
            127 - spec.emax + 127);
  checkMXBlock(spec, huge);
}

TEST_P(MXTest, NonFiniteGivesNaNScale) {
  const MXSpec &spec = GetParam();
  for (float bad : {kNaN, kInf, -kInf}) {
    std::vector<float> block(kMXBlockSize, 1.0f);
    block[5] = bad;
    std::vector<uint8_t> codes(kMXBlockSize, 0xAA);
    EXPECT_EQ(
        quantizeMXBlock(block.data(), block.size(), spec.type, codes.data()),
        kMXNaNScaleCode);
    for (uint8_t code : codes)
      EXPECT_EQ(code, 0);
    std::vector<float> decoded(kMXBlockSize);
    dequantizeMXBlock(codes.data(), codes.size(), kMXNaNScaleCode, spec.type,
                      decoded.data());
    for (float v : decoded)
      EXPECT_TRUE(std::isnan(v));
  }
}

INSTANTIATE_TEST_SUITE_P(AllElementTypes, MXTest, ::testing::ValuesIn(kMXSpecs),
                         [](const ::testing::TestParamInfo<MXSpec> &info) {
                           return std::string(info.param.name);
                         });

TEST(MXFP4Test, ValuesBetweenSixAndEightClipToSix) {
  // Block max in (6, 8): floor(log2) = 2 = emax, so X = 1 and the max
  // itself saturates to 6.
  for (float max : {6.0001f, 6.5f, 7.0f, 7.5f, 7.999f}) {
    std::vector<float> block(kMXBlockSize, 0.5f);
    block[0] = max;
    block[1] = -max;
    std::vector<uint8_t> codes(kMXBlockSize);
    EXPECT_EQ(quantizeMXBlock(block.data(), block.size(),
                              MXElementType::FP4E2M1, codes.data()),
              127);
    EXPECT_EQ(decodeMXElement(codes[0], MXElementType::FP4E2M1), 6.0f);
    EXPECT_EQ(decodeMXElement(codes[1], MXElementType::FP4E2M1), -6.0f);
    EXPECT_EQ(decodeMXElement(codes[2], MXElementType::FP4E2M1), 0.5f);
  }
  // At 8 the scale doubles instead.
  std::vector<float> block(kMXBlockSize, 8.0f);
  std::vector<uint8_t> codes(kMXBlockSize);
  EXPECT_EQ(quantizeMXBlock(block.data(), block.size(), MXElementType::FP4E2M1,
                            codes.data()),
            128);
  EXPECT_EQ(decodeMXElement(codes[0], MXElementType::FP4E2M1), 4.0f);
}

TEST(MXINT8Test, ImpliedScaleAndRange) {
  EXPECT_EQ(decodeMXElement(0x40, MXElementType::INT8), 1.0f);
  EXPECT_EQ(decodeMXElement(0x7F, MXElementType::INT8), 127.0f / 64);
  EXPECT_EQ(decodeMXElement(0x80, MXElementType::INT8), -2.0f);
  EXPECT_EQ(decodeMXElement(0xFF, MXElementType::INT8), -1.0f / 64);
  EXPECT_EQ(encodeMXElement(1.99f, MXElementType::INT8), 0x7F);
  EXPECT_EQ(encodeMXElement(-1.99f, MXElementType::INT8), 0x81);
  // -127.5 / 64 is a tie between -127 and -128: even wins.
  EXPECT_EQ(encodeMXElement(-127.5f / 64, MXElementType::INT8), 0x80);
  EXPECT_EQ(encodeMXElement(-127.5f / 64, MXElementType::INT8,
                            RoundingMode::TowardZero),
            0x81);
  EXPECT_EQ(encodeMXElement(kNaN, MXElementType::INT8), 0);
  EXPECT_EQ(encodeMXElement(kInf, MXElementType::INT8), 0x7F);
  EXPECT_EQ(encodeMXElement(-kInf, MXElementType::INT8), 0x80);
}

TEST(MXRoundingTest, ModeReachesElements) {
  // 0.75 * X is a tie between E2M1's 0.5 and 1.
  std::vector<float> block = {4.0f, 0.75f, -0.75f, 2.5f};
  std::vector<uint8_t> codes(block.size());
  quantizeMXBlock(block.data(), block.size(), MXElementType::FP4E2M1,
                  codes.data(), RoundingMode::NearestEven);
  EXPECT_EQ(decodeMXElement(codes[1], MXElementType::FP4E2M1), 1.0f);
  EXPECT_EQ(decodeMXElement(codes[3], MXElementType::FP4E2M1), 2.0f);
  quantizeMXBlock(block.data(), block.size(), MXElementType::FP4E2M1,
                  codes.data(), RoundingMode::TowardZero);
  EXPECT_EQ(decodeMXElement(codes[1], MXElementType::FP4E2M1), 0.5f);
  EXPECT_EQ(decodeMXElement(codes[2], MXElementType::FP4E2M1), -0.5f);
  quantizeMXBlock(block.data(), block.size(), MXElementType::FP4E2M1,
                  codes.data(), RoundingMode::NearestAway);
  EXPECT_EQ(decodeMXElement(codes[3], MXElementType::FP4E2M1), 3.0f);
}

//===----------------------------------------------------------------------===//
// NVFP4
//===----------------------------------------------------------------------===//

/// APFloat's E4M3 decoding, independent of the library.
float apfloatDecodeE4M3(uint8_t code) {
  llvm::APFloat value = apfloatFromCode(FloatFormat::E4M3FN, code);
  bool losesInfo = false;
  value.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven,
                &losesInfo);
  return value.convertToFloat();
}

TEST(NVFP4Test, GlobalScale) {
  Random random(5);
  std::vector<float> data(1024);
  for (float &v : data)
    v = random.nextUniform(-3.0f, 3.0f);
  data[100] = -17.0f;
  Result<float> global = computeNVFP4GlobalScale(data.data(), data.size());
  ASSERT_TRUE(global.ok());
  EXPECT_EQ(*global, 17.0f / 2688.0f);

  std::vector<float> zeros(64, 0.0f);
  EXPECT_EQ(*computeNVFP4GlobalScale(zeros.data(), zeros.size()), 1.0f);
  std::vector<float> tiny(64, 1e-40f);
  EXPECT_EQ(*computeNVFP4GlobalScale(tiny.data(), tiny.size()), FLT_MIN);

  for (float bad : {kNaN, kInf}) {
    data[7] = bad;
    Result<float> failed = computeNVFP4GlobalScale(data.data(), data.size());
    EXPECT_FALSE(failed.ok());
    EXPECT_NE(failed.getError().find("element 7"), std::string::npos)
        << failed.getError();
  }
}

TEST(NVFP4Test, RandomTensorsMatchRecipe) {
  Random random(11);
  for (int tensor = 0; tensor < 200; ++tensor) {
    int top = random.nextInt(-20, 20);
    std::vector<float> data(kNVFP4BlockSize * 32);
    for (size_t i = 0; i < data.size(); ++i) {
      // Blocks of different magnitudes within one tensor.
      int blockTop = top - int(i / kNVFP4BlockSize) % 12;
      data[i] = random.next() % 10 == 0
                    ? 0.0f
                    : random.nextLogUniform(blockTop - 6, blockTop);
    }
    float global = *computeNVFP4GlobalScale(data.data(), data.size());
    for (size_t start = 0; start < data.size(); start += kNVFP4BlockSize) {
      const float *block = data.data() + start;
      float blockAbsMax = 0;
      for (size_t i = 0; i < kNVFP4BlockSize; ++i)
        blockAbsMax = std::max(blockAbsMax, std::fabs(block[i]));
      uint8_t codes[kNVFP4BlockSize];
      uint8_t scaleCode =
          quantizeNVFP4Block(block, kNVFP4BlockSize, global, codes);
      EXPECT_EQ(computeNVFP4BlockScaleCode(blockAbsMax, global), scaleCode);

      APFloatEncoding expectedScale =
          apfloatEncode(FloatFormat::E4M3FN, blockAbsMax / 6.0f / global,
                        RoundingMode::NearestEven);
      ASSERT_FALSE(expectedScale.overflowed);
      ASSERT_EQ(scaleCode, expectedScale.code);

      float scale = apfloatDecodeE4M3(scaleCode) * global;
      float decoded[kNVFP4BlockSize];
      dequantizeNVFP4Block(codes, kNVFP4BlockSize, scaleCode, global, decoded);
      for (size_t i = 0; i < kNVFP4BlockSize; ++i) {
        uint8_t expected =
            scale == 0 ? 0
                       : apfloatEncode(FloatFormat::E2M1FN, block[i] / scale,
                                       RoundingMode::NearestEven)
                             .code;
        ASSERT_EQ(codes[i], expected) << "value " << block[i];
        llvm::APFloat element = apfloatFromCode(FloatFormat::E2M1FN, codes[i]);
        ASSERT_EQ(decoded[i], float(element.convertToDouble()) * scale);
      }
    }
  }
}

TEST(NVFP4Test, TensorMaxUsesFullRange) {
  // The block holding the tensor's absmax gets scale 448 and its max
  // element decodes back exactly to 6 * 448 * global.
  std::vector<float> block(kNVFP4BlockSize, 1.0f);
  block[9] = -300.0f;
  float global = *computeNVFP4GlobalScale(block.data(), block.size());
  uint8_t codes[kNVFP4BlockSize];
  uint8_t scaleCode =
      quantizeNVFP4Block(block.data(), block.size(), global, codes);
  EXPECT_EQ(decodeFloat(FloatFormat::E4M3FN, scaleCode), 448.0f);
  float decoded[kNVFP4BlockSize];
  dequantizeNVFP4Block(codes, kNVFP4BlockSize, scaleCode, global, decoded);
  EXPECT_NEAR(decoded[9], -300.0f, 300.0f * 1e-6);
}

TEST(NVFP4Test, ZeroNegligibleAndNaNBlocks) {
  float global = 1.0f;
  uint8_t codes[kNVFP4BlockSize];
  float decoded[kNVFP4BlockSize];

  std::vector<float> zeros(kNVFP4BlockSize, 0.0f);
  EXPECT_EQ(quantizeNVFP4Block(zeros.data(), zeros.size(), global, codes), 0);
  dequantizeNVFP4Block(codes, kNVFP4BlockSize, 0, global, decoded);
  for (size_t i = 0; i < kNVFP4BlockSize; ++i) {
    EXPECT_EQ(codes[i], 0);
    EXPECT_EQ(decoded[i], 0.0f);
  }

  // blockAbsMax / 6 far below E4M3's smallest subnormal: the block scale
  // rounds to 0 and the block to zeros.
  std::vector<float> negligible(kNVFP4BlockSize, 1e-5f);
  EXPECT_EQ(
      quantizeNVFP4Block(negligible.data(), negligible.size(), global, codes),
      0);
  for (uint8_t code : codes)
    EXPECT_EQ(code, 0);

  std::vector<float> withNaN(kNVFP4BlockSize, 1.0f);
  withNaN[4] = kNaN;
  uint8_t scaleCode =
      quantizeNVFP4Block(withNaN.data(), withNaN.size(), global, codes);
  EXPECT_TRUE(isNaNCode(FloatFormat::E4M3FN, scaleCode));
  dequantizeNVFP4Block(codes, kNVFP4BlockSize, scaleCode, global, decoded);
  for (size_t i = 0; i < kNVFP4BlockSize; ++i) {
    EXPECT_EQ(codes[i], 0);
    EXPECT_TRUE(std::isnan(decoded[i]));
  }
}

} // namespace
