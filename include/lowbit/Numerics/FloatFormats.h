//===- FloatFormats.h - encode/decode of <= 8-bit float formats -*- C++ -*-===//
//
// Bit-exact conversion between f32 and the small floating-point formats used
// as quantized storage (FP8/FP6/FP4) or as block scales (E8M0). Codes live in
// the low `bits` bits of a uint8_t; the remaining high bits are zero.
//
// Encoding rounds with a `RoundingMode` and saturates: a finite value beyond
// the largest finite value of the format becomes that value (with its sign)
// rather than Inf or NaN. The NaN/Inf policy of each format is documented on
// `encodeFloat` and in docs/numerics.md.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_NUMERICS_FLOATFORMATS_H
#define LOWBIT_NUMERICS_FLOATFORMATS_H

#include "lowbit/Numerics/Rounding.h"

#include <cstdint>

namespace lowbit {
namespace numerics {

enum class FloatFormat : uint8_t {
  E4M3FN,  ///< FP8, bias 7, max 448, no Inf, NaN = S.1111.111.
  E5M2,    ///< FP8, bias 15, max 57344, IEEE-style Inf and NaN.
  E2M3FN,  ///< FP6, bias 1, max 7.5, no Inf/NaN.
  E3M2FN,  ///< FP6, bias 3, max 28, no Inf/NaN.
  E2M1FN,  ///< FP4, bias 1, max 6, no Inf/NaN.
  E8M0FNU, ///< Scale format: 2^(e-127), no sign, no zero, 0xFF = NaN.
};

/// Every format, for iteration in clients and tests.
inline constexpr FloatFormat kAllFloatFormats[] = {
    FloatFormat::E4M3FN, FloatFormat::E5M2,   FloatFormat::E2M3FN,
    FloatFormat::E3M2FN, FloatFormat::E2M1FN, FloatFormat::E8M0FNU};

/// How a format spends its codes. The special codes are described by the
/// flags; everything else follows the IEEE layout sign | exponent | mantissa
/// with subnormals at exponent field 0 (except E8M0, which has neither sign,
/// mantissa nor subnormals).
struct FloatFormatInfo {
  /// MLIR type spelling, e.g. "f8E4M3FN".
  const char *name;
  unsigned bits;
  unsigned exponentBits;
  unsigned mantissaBits;
  int bias;
  bool hasSign;
  /// Exponent all-ones encodes Inf (mantissa 0) and NaN (otherwise).
  bool hasIEEEInfNaN;
  /// Only the all-ones magnitude code is NaN (E4M3FN, and 0xFF of E8M0).
  bool hasOnlyAllOnesNaN;
  /// Largest finite value and its code (sign bit clear).
  float maxFinite;
  uint8_t maxFiniteCode;
};

const FloatFormatInfo &getFloatFormatInfo(FloatFormat format);

/// Number of bits of one code (8, 6 or 4).
inline unsigned getBitWidth(FloatFormat format) {
  return getFloatFormatInfo(format).bits;
}

/// Largest finite value (448, 57344, 7.5, 28, 6, 2^127).
inline float getMaxFinite(FloatFormat format) {
  return getFloatFormatInfo(format).maxFinite;
}

/// Returns the value of `code` (its low `bits` bits; higher bits must be
/// zero). Exact: every value of these formats is an f32. Signed zeros keep
/// their sign; Inf codes of E5M2 decode to +-Inf and NaN codes to a quiet NaN
/// carrying the code's sign.
float decodeFloat(FloatFormat format, uint8_t code);

/// True if `code` is a NaN code of `format`.
bool isNaNCode(FloatFormat format, uint8_t code);

/// True if `code` is an infinity code of `format` (E5M2 0x7C/0xFC only).
bool isInfCode(FloatFormat format, uint8_t code);

/// Encodes `value`, rounding with `mode` and saturating finite overflow to
/// +-maxFinite. The sign of zero is kept. Non-finite inputs:
///   E4M3FN : +-Inf -> +-448 (0x7E/0xFE); NaN -> 0x7F | sign.
///   E5M2   : +-Inf -> +-57344 (0x7B/0xFB); NaN -> 0x7E | sign (quiet).
///   E2M3FN, E3M2FN, E2M1FN: +-Inf -> +-max; NaN -> +0 (code 0).
///   E8M0FNU: NaN and negative non-zero values -> 0xFF (NaN); +Inf and
///            values above 2^127 -> 0xFE; +-0 and values below 2^-127 ->
///            0x00 (the format has no zero, so the low end saturates too).
uint8_t encodeFloat(FloatFormat format, float value,
                    RoundingMode mode = RoundingMode::NearestEven);

/// Scaled float quantization: encodeFloat(format, x / scale, mode), the
/// division being one f32 operation as in the generated code. `scale` must
/// be positive and finite.
uint8_t quantizeFloat(FloatFormat format, float x, float scale,
                      RoundingMode mode = RoundingMode::NearestEven);

/// decodeFloat(format, code) * scale, one f32 multiplication.
float dequantizeFloat(FloatFormat format, uint8_t code, float scale);

} // namespace numerics
} // namespace lowbit

#endif // LOWBIT_NUMERICS_FLOATFORMATS_H
