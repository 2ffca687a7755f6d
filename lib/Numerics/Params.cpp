//===- Params.cpp - choosing quantization parameters from ranges ----------===//

#include "lowbit/Numerics/Params.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <string>

using namespace lowbit::numerics;

Result<Range> lowbit::numerics::computeRange(const float *data, size_t size) {
  if (size == 0)
    return Failure{"cannot compute the range of no values"};
  Range range{data[0], data[0]};
  for (size_t i = 0; i < size; ++i) {
    if (!std::isfinite(data[i]))
      return Failure{"element " + std::to_string(i) + " is " +
                     (std::isnan(data[i]) ? "NaN" : "infinite")};
    range.min = std::min(range.min, data[i]);
    range.max = std::max(range.max, data[i]);
  }
  return range;
}

/// Returns why `range` and `clipRatio` cannot give parameters, or "".
static std::string checkRangeAndClip(Range range, float clipRatio) {
  for (float bound : {range.min, range.max}) {
    if (std::isnan(bound))
      return "range contains NaN";
    if (std::isinf(bound))
      return "range is not finite";
  }
  if (range.min > range.max)
    return "range min " + std::to_string(range.min) + " exceeds max " +
           std::to_string(range.max);
  if (!(clipRatio > 0.0f && clipRatio <= 1.0f))
    return "clip ratio must be in (0, 1], got " + std::to_string(clipRatio);
  return "";
}

/// max(|min|, |max|) * clipRatio, in double.
static double getClippedAbsMax(Range range, float clipRatio) {
  return std::max(std::fabs(double(range.min)), std::fabs(double(range.max))) *
         clipRatio;
}

/// Rounds a positive scale to f32 once: fails on overflow and raises
/// results below the smallest normal f32 to it, so that later divisions by
/// the scale are well defined.
static Result<float> toF32Scale(double scale) {
  auto rounded = static_cast<float>(scale);
  if (std::isinf(rounded))
    return Failure{"scale " + std::to_string(scale) + " overflows f32"};
  return std::max(rounded, FLT_MIN);
}

Result<QuantParams> lowbit::numerics::chooseIntParams(Range range,
                                                      IntFormat format,
                                                      bool asymmetric,
                                                      float clipRatio) {
  if (!format.isValid())
    return Failure{"integer width must be 1..8, got " +
                   std::to_string(format.bits)};
  std::string error = checkRangeAndClip(range, clipRatio);
  if (!error.empty())
    return Failure{error};
  int32_t qmin = format.getQMin(), qmax = format.getQMax();

  if (!asymmetric) {
    if (qmax <= 0)
      return Failure{"a symmetric scheme needs a positive code; signed " +
                     std::to_string(format.bits) + "-bit has none"};
    double absMax = getClippedAbsMax(range, clipRatio);
    if (absMax == 0.0)
      return QuantParams{1.0f, 0};
    Result<float> scale = toF32Scale(absMax / qmax);
    if (!scale)
      return Failure{scale.getError()};
    return QuantParams{*scale, 0};
  }

  if (qmin == qmax)
    return Failure{"an asymmetric scheme needs at least two codes"};
  // Extending the range to include 0 makes 0 exactly representable (it
  // decodes from the zero point) and handles constant ranges.
  double lo = std::min(double(range.min) * clipRatio, 0.0);
  double hi = std::max(double(range.max) * clipRatio, 0.0);
  if (hi == lo)
    return QuantParams{1.0f, std::clamp<int32_t>(0, qmin, qmax)};
  Result<float> scale = toF32Scale((hi - lo) / (qmax - qmin));
  if (!scale)
    return Failure{scale.getError()};
  double zeroPoint =
      roundToIntegral(qmin - lo / *scale, RoundingMode::NearestEven);
  return QuantParams{
      *scale, static_cast<int32_t>(std::clamp<double>(zeroPoint, qmin, qmax))};
}

/// Scale for formats without a zero point: absMax / `formatMax`, with the
/// all-zero range giving 1.0.
static Result<float> chooseAbsMaxScale(Range range, float clipRatio,
                                       double formatMax) {
  std::string error = checkRangeAndClip(range, clipRatio);
  if (!error.empty())
    return Failure{error};
  double absMax = getClippedAbsMax(range, clipRatio);
  if (absMax == 0.0)
    return 1.0f;
  return toF32Scale(absMax / formatMax);
}

Result<float> lowbit::numerics::chooseFloatScale(Range range,
                                                 FloatFormat format,
                                                 float clipRatio) {
  if (format == FloatFormat::E8M0FNU)
    return Failure{"f8E8M0FNU is a scale format, not an element format"};
  return chooseAbsMaxScale(range, clipRatio, getMaxFinite(format));
}

Result<float> lowbit::numerics::chooseLookupScale(Range range,
                                                  const LookupTable &table,
                                                  float clipRatio) {
  // A valid table has two distinct entries, so its max |entry| is positive.
  return chooseAbsMaxScale(range, clipRatio, table.getMaxAbs());
}

Result<float> lowbit::numerics::chooseBinaryScale(Range range,
                                                  float clipRatio) {
  return chooseAbsMaxScale(range, clipRatio, 1.0);
}
