//===- FloatFormats.cpp - encode/decode of <= 8-bit float formats ---------===//

#include "lowbit/Numerics/FloatFormats.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <limits>

using namespace lowbit::numerics;

static const FloatFormatInfo kFormatInfos[] = {
    // name, bits, e, m, bias, sign, IEEE Inf/NaN, all-ones NaN, max, code
    {"f8E4M3FN", 8, 4, 3, 7, true, false, true, 448.0f, 0x7E},
    {"f8E5M2", 8, 5, 2, 15, true, true, false, 57344.0f, 0x7B},
    {"f6E2M3FN", 6, 2, 3, 1, true, false, false, 7.5f, 0x1F},
    {"f6E3M2FN", 6, 3, 2, 3, true, false, false, 28.0f, 0x1F},
    {"f4E2M1FN", 4, 2, 1, 1, true, false, false, 6.0f, 0x07},
    {"f8E8M0FNU", 8, 8, 0, 127, false, false, true, 0x1p127f, 0xFE},
};

const FloatFormatInfo &
lowbit::numerics::getFloatFormatInfo(FloatFormat format) {
  return kFormatInfos[static_cast<unsigned>(format)];
}

/// Mask of the magnitude bits (everything below the sign bit).
static unsigned getMagnitudeMask(const FloatFormatInfo &info) {
  unsigned magnitudeBits = info.hasSign ? info.bits - 1 : info.bits;
  return (1u << magnitudeBits) - 1;
}

bool lowbit::numerics::isNaNCode(FloatFormat format, uint8_t code) {
  const FloatFormatInfo &info = getFloatFormatInfo(format);
  unsigned magnitude = code & getMagnitudeMask(info);
  if (info.hasOnlyAllOnesNaN)
    return magnitude == getMagnitudeMask(info);
  if (info.hasIEEEInfNaN) {
    unsigned expAllOnes = (1u << info.exponentBits) - 1;
    unsigned mantissaMask = (1u << info.mantissaBits) - 1;
    return (magnitude >> info.mantissaBits) == expAllOnes &&
           (magnitude & mantissaMask) != 0;
  }
  return false;
}

bool lowbit::numerics::isInfCode(FloatFormat format, uint8_t code) {
  const FloatFormatInfo &info = getFloatFormatInfo(format);
  if (!info.hasIEEEInfNaN)
    return false;
  unsigned expAllOnes = (1u << info.exponentBits) - 1;
  return (code & getMagnitudeMask(info)) == expAllOnes << info.mantissaBits;
}

float lowbit::numerics::decodeFloat(FloatFormat format, uint8_t code) {
  const FloatFormatInfo &info = getFloatFormatInfo(format);
  assert(code >> info.bits == 0 && "code has bits above the format width");
  bool negative = info.hasSign && ((code >> (info.bits - 1)) & 1);
  float sign = negative ? -1.0f : 1.0f;
  if (isNaNCode(format, code))
    return std::copysign(std::numeric_limits<float>::quiet_NaN(), sign);
  if (isInfCode(format, code))
    return sign * std::numeric_limits<float>::infinity();

  unsigned magnitude = code & getMagnitudeMask(info);
  unsigned exponentField = magnitude >> info.mantissaBits;
  unsigned mantissa = magnitude & ((1u << info.mantissaBits) - 1);
  int mantissaBits = static_cast<int>(info.mantissaBits);
  // value = significand * 2^(exponent - mantissaBits), with the implicit
  // leading one only for normal numbers. E8M0 has no subnormals: its field 0
  // is the normal 2^-127.
  bool isSubnormal = exponentField == 0 && format != FloatFormat::E8M0FNU;
  unsigned significand =
      isSubnormal ? mantissa : (1u << info.mantissaBits) | mantissa;
  int exponent =
      isSubnormal ? 1 - info.bias : static_cast<int>(exponentField) - info.bias;
  return sign *
         std::ldexp(static_cast<float>(significand), exponent - mantissaBits);
}

/// Encodes a finite, non-negative magnitude of a format with subnormals
/// (every format but E8M0) and returns its magnitude code, saturated.
static unsigned encodeMagnitude(const FloatFormatInfo &info, double magnitude,
                                RoundingMode mode) {
  int minExponent = 1 - info.bias;
  int exponent = magnitude == 0.0
                     ? minExponent
                     : std::max(std::ilogb(magnitude), minExponent);
  // Count the magnitude in units of the last mantissa bit at `exponent`
  // (subnormals share the unit of the smallest normal binade). The scaling
  // is exact and the result is below 2^(mantissaBits + 1).
  int mantissaBits = static_cast<int>(info.mantissaBits);
  double units = std::ldexp(magnitude, mantissaBits - exponent);
  auto significand = static_cast<unsigned>(roundToIntegral(units, mode));
  unsigned implicitOne = 1u << info.mantissaBits;
  if (significand == 2 * implicitOne) {
    // Rounded up into the next binade.
    significand = implicitOne;
    ++exponent;
  }
  // Below the implicit one only at the smallest exponent: a subnormal (or
  // zero), whose exponent field is 0.
  unsigned code =
      significand < implicitOne
          ? significand
          : (static_cast<unsigned>(exponent + info.bias) << info.mantissaBits) |
                (significand - implicitOne);
  // Codes grow with magnitude, so saturation is a clamp on the code; it also
  // keeps rounding away from the Inf/NaN codes above the maximum.
  return std::min<unsigned>(code, info.maxFiniteCode);
}

/// E8M0 has no sign, zero or subnormals: only powers of two 2^-127..2^127.
static uint8_t encodeE8M0(float value, RoundingMode mode) {
  if (std::isnan(value) || (value < 0.0f))
    return 0xFF;
  if (value == 0.0f)
    return 0x00;
  if (std::isinf(value))
    return 0xFE;
  int exponent = std::ilogb(value);
  // The significand lies in [1, 2) and rounds to 1 or 2; a tie (1.5) goes
  // to 2 under nearest-even, as the even significand.
  double significand = std::ldexp(static_cast<double>(value), -exponent);
  if (roundToIntegral(significand, mode) == 2.0)
    ++exponent;
  return static_cast<uint8_t>(std::clamp(exponent + 127, 0, 254));
}

uint8_t lowbit::numerics::encodeFloat(FloatFormat format, float value,
                                      RoundingMode mode) {
  if (format == FloatFormat::E8M0FNU)
    return encodeE8M0(value, mode);

  const FloatFormatInfo &info = getFloatFormatInfo(format);
  unsigned signBit = std::signbit(value) ? 1u << (info.bits - 1) : 0u;
  if (std::isnan(value)) {
    switch (format) {
    case FloatFormat::E4M3FN:
      return static_cast<uint8_t>(signBit | 0x7F);
    case FloatFormat::E5M2:
      return static_cast<uint8_t>(signBit | 0x7E);
    default:
      return 0; // No NaN code: +0.
    }
  }
  if (std::isinf(value))
    return static_cast<uint8_t>(signBit | info.maxFiniteCode);
  return static_cast<uint8_t>(
      signBit |
      encodeMagnitude(info, std::fabs(static_cast<double>(value)), mode));
}

uint8_t lowbit::numerics::quantizeFloat(FloatFormat format, float x,
                                        float scale, RoundingMode mode) {
  return encodeFloat(format, x / scale, mode);
}

float lowbit::numerics::dequantizeFloat(FloatFormat format, uint8_t code,
                                        float scale) {
  return decodeFloat(format, code) * scale;
}
