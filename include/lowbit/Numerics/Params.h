//===- Params.h - choosing quantization parameters from ranges --*- C++ -*-===//
//
// Derives scales (and zero points) from an observed range [min, max] of one
// tensor, channel or block, for every scheme kind: integers (symmetric or
// asymmetric), float formats, lookup tables and binary.
//
// Every function validates its inputs and fails with a message instead of
// producing a zero, infinite or NaN scale: NaN or Inf bounds, min > max, a
// clip ratio outside (0, 1], or a scale that overflows f32 are errors.
// Degenerate but valid ranges are handled:
//  * all-zero range [0, 0]: scale 1.0 and zero point clamp(0, qmin, qmax),
//    so zeros decode exactly;
//  * constant non-zero range [c, c]: symmetric schemes use |c|; asymmetric
//    ones extend the range to include 0 first, so c and 0 are both reached;
//  * scales below the smallest normal f32 are raised to it (2^-126), so that
//    x / s never divides by zero or a subnormal.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_NUMERICS_PARAMS_H
#define LOWBIT_NUMERICS_PARAMS_H

#include "lowbit/Numerics/FloatFormats.h"
#include "lowbit/Numerics/IntegerQuant.h"
#include "lowbit/Numerics/LookupTable.h"
#include "lowbit/Numerics/Result.h"

#include <cstddef>
#include <cstdint>

namespace lowbit {
namespace numerics {

/// Parameters of one quantization group. `zeroPoint` is 0 for everything
/// but asymmetric integer schemes.
struct QuantParams {
  float scale = 1.0f;
  int32_t zeroPoint = 0;
};

/// An observed value range.
struct Range {
  float min = 0.0f;
  float max = 0.0f;
};

/// Returns [min, max] of `data` (size > 0); fails on NaN or Inf so that
/// non-finite data is reported where it is found.
Result<Range> computeRange(const float *data, size_t size);

/// Integer parameters, after multiplying both bounds by `clipRatio`:
///  * symmetric: scale = max(|min|, |max|) / qmax, zero point 0 (fails when
///    qmax <= 0, e.g. signed 1-bit);
///  * asymmetric: the range is extended to include 0, scale = (max - min) /
///    (qmax - qmin), zero point = clamp(round(qmin - min / scale), qmin,
///    qmax) with ties to even (fails when qmax == qmin).
/// Divisions are done in double and the scale rounded once to f32.
Result<QuantParams> chooseIntParams(Range range, IntFormat format,
                                    bool asymmetric, float clipRatio = 1.0f);

/// Float-format scale: max(|min|, |max|) * clipRatio / maxFinite(format).
/// E8M0 is a scale format, not an element format, and is rejected.
Result<float> chooseFloatScale(Range range, FloatFormat format,
                               float clipRatio = 1.0f);

/// Lookup-table scale: max(|min|, |max|) * clipRatio / max |entry| (the
/// absmax scaling of NF4).
Result<float> chooseLookupScale(Range range, const LookupTable &table,
                                float clipRatio = 1.0f);

/// Binary scale: max(|min|, |max|) * clipRatio, i.e. the lookup-table rule
/// for the table {-1, +1}.
Result<float> chooseBinaryScale(Range range, float clipRatio = 1.0f);

} // namespace numerics
} // namespace lowbit

#endif // LOWBIT_NUMERICS_PARAMS_H
