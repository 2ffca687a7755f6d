//===- Rounding.cpp - rounding of real values to integers -----------------===//

#include "lowbit/Numerics/Rounding.h"

#include <cmath>

using namespace lowbit::numerics;

const char *lowbit::numerics::getRoundingModeName(RoundingMode mode) {
  switch (mode) {
  case RoundingMode::NearestEven:
    return "nearest_even";
  case RoundingMode::NearestAway:
    return "nearest_away";
  case RoundingMode::TowardZero:
    return "toward_zero";
  }
  return "unknown";
}

double lowbit::numerics::roundToIntegral(double value, RoundingMode mode) {
  if (!std::isfinite(value))
    return value;
  // Split into an integral part and an exact fraction: both are exact in
  // double, so the tie test below is exact.
  double whole = std::trunc(value);
  double fraction = std::fabs(value - whole);
  double away = whole + std::copysign(1.0, value);
  switch (mode) {
  case RoundingMode::TowardZero:
    return whole;
  case RoundingMode::NearestAway:
    return fraction >= 0.5 ? away : whole;
  case RoundingMode::NearestEven:
    if (fraction != 0.5)
      return fraction > 0.5 ? away : whole;
    return std::fmod(whole, 2.0) == 0.0 ? whole : away;
  }
  return whole;
}
