//===- IntegerQuant.cpp - affine integer quantization ---------------------===//

#include "lowbit/Numerics/IntegerQuant.h"

#include <algorithm>
#include <cassert>
#include <cmath>

using namespace lowbit::numerics;

int32_t IntFormat::getQMin() const {
  assert(isValid() && "unsupported integer width");
  if (!isSigned)
    return narrow ? 1 : 0;
  int32_t lowest = -(int32_t(1) << (bits - 1));
  return narrow ? lowest + 1 : lowest;
}

int32_t IntFormat::getQMax() const {
  assert(isValid() && "unsupported integer width");
  return isSigned ? (int32_t(1) << (bits - 1)) - 1 : (int32_t(1) << bits) - 1;
}

int32_t lowbit::numerics::quantizeAffine(float x, float scale,
                                         int32_t zeroPoint, IntFormat format,
                                         RoundingMode mode) {
  double qmin = format.getQMin(), qmax = format.getQMax();
  float quotient = x / scale;
  if (std::isnan(quotient))
    return static_cast<int32_t>(std::clamp<double>(zeroPoint, qmin, qmax));
  // Rounding and the zero-point addition are exact in double (the rounded
  // quotient is an integer-valued f32); clamping before the conversion keeps
  // huge quotients and infinities well defined.
  double q = roundToIntegral(quotient, mode) + zeroPoint;
  return static_cast<int32_t>(std::clamp(q, qmin, qmax));
}

float lowbit::numerics::dequantizeAffine(int32_t q, float scale,
                                         int32_t zeroPoint) {
  return scale * static_cast<float>(q - zeroPoint);
}

uint8_t lowbit::numerics::toStorageCode(int32_t q, IntFormat format) {
  assert(q >= format.getQMin() && q <= format.getQMax() &&
         "value outside the format's range");
  return static_cast<uint8_t>(static_cast<uint32_t>(q) &
                              ((1u << format.bits) - 1));
}

int32_t lowbit::numerics::fromStorageCode(uint8_t code, IntFormat format) {
  assert(format.isValid() && "unsupported integer width");
  uint32_t value = code & ((1u << format.bits) - 1);
  if (format.isSigned && (value >> (format.bits - 1)))
    return static_cast<int32_t>(value) - (int32_t(1) << format.bits);
  return static_cast<int32_t>(value);
}
