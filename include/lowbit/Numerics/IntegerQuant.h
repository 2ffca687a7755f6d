//===- IntegerQuant.h - affine integer quantization -------------*- C++ -*-===//
//
// q = clamp(round(x / s) + z, qmin, qmax) and x^ = s * (q - z) for 1..8-bit
// signed (two's complement) or unsigned integers, optionally narrow.
//
// The arithmetic is the one the compiler emits: the division x / s and the
// product s * (q - z) are single f32 operations, the rounding is exact and
// the clamp happens before the conversion to an integer, so results agree
// bit for bit with the generated code.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_NUMERICS_INTEGERQUANT_H
#define LOWBIT_NUMERICS_INTEGERQUANT_H

#include "lowbit/Numerics/Rounding.h"

#include <cstdint>

namespace lowbit {
namespace numerics {

/// An integer storage format: iN (signed, two's complement) or uiN.
/// `narrow` drops the most negative code of a signed format (symmetric
/// range [-(2^(N-1)-1), 2^(N-1)-1]) and code 0 of an unsigned one ([1,
/// 2^N-1]), as in the dialect.
struct IntFormat {
  unsigned bits = 8;
  bool isSigned = true;
  bool narrow = false;

  /// Widths 1..8 are supported (the codes fit a uint8_t).
  bool isValid() const { return bits >= 1 && bits <= 8; }
  int32_t getQMin() const;
  int32_t getQMax() const;
};

/// Quantizes `x` with a positive finite `scale`. NaN maps to the zero point
/// (clamped to the code range), +-Inf and overflowing quotients saturate to
/// qmax/qmin.
int32_t quantizeAffine(float x, float scale, int32_t zeroPoint,
                       IntFormat format,
                       RoundingMode mode = RoundingMode::NearestEven);

/// Returns scale * (q - zeroPoint), computed as one f32 multiplication.
float dequantizeAffine(int32_t q, float scale, int32_t zeroPoint);

/// The storage code of `q`: its low `format.bits` bits (two's complement for
/// signed formats). `q` must lie in [qmin, qmax].
uint8_t toStorageCode(int32_t q, IntFormat format);

/// Inverse of `toStorageCode`: sign-extends signed formats. Only the low
/// `format.bits` bits of `code` are read.
int32_t fromStorageCode(uint8_t code, IntFormat format);

} // namespace numerics
} // namespace lowbit

#endif // LOWBIT_NUMERICS_INTEGERQUANT_H
