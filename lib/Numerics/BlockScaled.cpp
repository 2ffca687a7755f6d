//===- BlockScaled.cpp - MX (OCP v1.0) and NVFP4 block formats ------------===//

#include "lowbit/Numerics/BlockScaled.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <string>

using namespace lowbit::numerics;

//===----------------------------------------------------------------------===//
// MX
//===----------------------------------------------------------------------===//

/// The float format of a floating-point MX element type.
static FloatFormat getElementFloatFormat(MXElementType type) {
  switch (type) {
  case MXElementType::FP8E4M3:
    return FloatFormat::E4M3FN;
  case MXElementType::FP8E5M2:
    return FloatFormat::E5M2;
  case MXElementType::FP6E3M2:
    return FloatFormat::E3M2FN;
  case MXElementType::FP6E2M3:
    return FloatFormat::E2M3FN;
  case MXElementType::FP4E2M1:
  case MXElementType::INT8: // Not a float format; never asked for.
    return FloatFormat::E2M1FN;
  }
  return FloatFormat::E2M1FN;
}

int lowbit::numerics::getMXElementEmax(MXElementType type) {
  switch (type) {
  case MXElementType::FP8E4M3:
    return 8;
  case MXElementType::FP8E5M2:
    return 15;
  case MXElementType::FP6E3M2:
    return 4;
  case MXElementType::FP6E2M3:
  case MXElementType::FP4E2M1:
    return 2;
  case MXElementType::INT8:
    return 0; // Largest magnitude 2 - 2^-6 < 2^1.
  }
  return 0;
}

unsigned lowbit::numerics::getMXElementBits(MXElementType type) {
  if (type == MXElementType::INT8)
    return 8;
  return getBitWidth(getElementFloatFormat(type));
}

float lowbit::numerics::getMXElementMax(MXElementType type) {
  if (type == MXElementType::INT8)
    return 127.0f / 64.0f;
  return getMaxFinite(getElementFloatFormat(type));
}

uint8_t lowbit::numerics::encodeMXElement(float scaled, MXElementType type,
                                          RoundingMode mode) {
  if (type != MXElementType::INT8)
    return encodeFloat(getElementFloatFormat(type), scaled, mode);
  if (std::isnan(scaled))
    return 0;
  // Code q stands for q * 2^-6; the product is exact in double.
  double q = roundToIntegral(static_cast<double>(scaled) * 64.0, mode);
  auto clamped = static_cast<int32_t>(std::clamp(q, -128.0, 127.0));
  return static_cast<uint8_t>(clamped & 0xFF);
}

float lowbit::numerics::decodeMXElement(uint8_t code, MXElementType type) {
  if (type != MXElementType::INT8)
    return decodeFloat(getElementFloatFormat(type), code);
  return static_cast<float>(static_cast<int8_t>(code)) / 64.0f;
}

uint8_t lowbit::numerics::computeMXScaleCode(const float *block, size_t size,
                                             MXElementType type) {
  float maxAbs = 0.0f;
  for (size_t i = 0; i < size; ++i) {
    if (!std::isfinite(block[i]))
      return kMXNaNScaleCode;
    maxAbs = std::max(maxAbs, std::fabs(block[i]));
  }
  // log2(0) = -inf clamps to the smallest scale.
  if (maxAbs == 0.0f)
    return 0x00;
  // ilogb is floor(log2(|x|)) exactly, subnormals included.
  int exponent = std::ilogb(maxAbs) - getMXElementEmax(type);
  return static_cast<uint8_t>(std::clamp(exponent + 127, 0, 254));
}

uint8_t lowbit::numerics::quantizeMXBlock(const float *block, size_t size,
                                          MXElementType type, uint8_t *codes,
                                          RoundingMode mode) {
  uint8_t scaleCode = computeMXScaleCode(block, size, type);
  if (scaleCode == kMXNaNScaleCode) {
    std::fill(codes, codes + size, uint8_t(0));
    return scaleCode;
  }
  // X is a power of two, so V / X is an exact exponent shift (for results
  // in the normal f32 range, which covers every value that can round to a
  // non-zero element).
  int exponent = static_cast<int>(scaleCode) - 127;
  for (size_t i = 0; i < size; ++i)
    codes[i] = encodeMXElement(std::ldexp(block[i], -exponent), type, mode);
  return scaleCode;
}

void lowbit::numerics::dequantizeMXBlock(const uint8_t *codes, size_t size,
                                         uint8_t scaleCode, MXElementType type,
                                         float *out) {
  if (scaleCode == kMXNaNScaleCode) {
    std::fill(out, out + size, std::numeric_limits<float>::quiet_NaN());
    return;
  }
  int exponent = static_cast<int>(scaleCode) - 127;
  for (size_t i = 0; i < size; ++i)
    out[i] = std::ldexp(decodeMXElement(codes[i], type), exponent);
}

//===----------------------------------------------------------------------===//
// NVFP4
//===----------------------------------------------------------------------===//

/// E4M3's maximum times E2M1's maximum: the largest representable magnitude
/// of a block relative to the global scale.
static constexpr float kNVFP4Range = 448.0f * 6.0f;

Result<float> lowbit::numerics::computeNVFP4GlobalScale(const float *data,
                                                        size_t size) {
  float maxAbs = 0.0f;
  for (size_t i = 0; i < size; ++i) {
    if (!std::isfinite(data[i]))
      return Failure{"NVFP4 global scale: element " + std::to_string(i) +
                     " is " + (std::isnan(data[i]) ? "NaN" : "infinite")};
    maxAbs = std::max(maxAbs, std::fabs(data[i]));
  }
  if (maxAbs == 0.0f)
    return 1.0f;
  return std::max(maxAbs / kNVFP4Range, FLT_MIN);
}

uint8_t lowbit::numerics::computeNVFP4BlockScaleCode(float blockAbsMax,
                                                     float globalScale) {
  return encodeFloat(FloatFormat::E4M3FN, blockAbsMax / 6.0f / globalScale);
}

uint8_t lowbit::numerics::quantizeNVFP4Block(const float *block, size_t size,
                                             float globalScale, uint8_t *codes,
                                             RoundingMode mode) {
  float blockAbsMax = 0.0f;
  for (size_t i = 0; i < size; ++i) {
    if (std::isnan(block[i])) {
      std::fill(codes, codes + size, uint8_t(0));
      return 0x7F; // E4M3 NaN.
    }
    blockAbsMax = std::max(blockAbsMax, std::fabs(block[i]));
  }
  uint8_t scaleCode = computeNVFP4BlockScaleCode(blockAbsMax, globalScale);
  float scale = decodeFloat(FloatFormat::E4M3FN, scaleCode) * globalScale;
  for (size_t i = 0; i < size; ++i)
    codes[i] = scale == 0.0f
                   ? 0
                   : encodeFloat(FloatFormat::E2M1FN, block[i] / scale, mode);
  return scaleCode;
}

void lowbit::numerics::dequantizeNVFP4Block(const uint8_t *codes, size_t size,
                                            uint8_t scaleCode,
                                            float globalScale, float *out) {
  float scale = decodeFloat(FloatFormat::E4M3FN, scaleCode) * globalScale;
  for (size_t i = 0; i < size; ++i)
    out[i] = decodeFloat(FloatFormat::E2M1FN, codes[i]) * scale;
}
