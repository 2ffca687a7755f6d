//===- Rounding.h - rounding of real values to integers ---------*- C++ -*-===//
//
// The rounding modes of `#lowbit.scheme<..., rounding = ...>`, usable without
// MLIR. Every encoder of the numerics library rounds through
// `roundToIntegral`, so all formats share one definition of each mode.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_NUMERICS_ROUNDING_H
#define LOWBIT_NUMERICS_ROUNDING_H

#include <cstdint>

namespace lowbit {
namespace numerics {

/// Mirrors `mlir::lowbit::RoundingMode` (same order and meaning).
enum class RoundingMode : uint8_t {
  /// Round to nearest, ties to the even neighbour (IEEE default).
  NearestEven,
  /// Round to nearest, ties away from zero (`std::round`).
  NearestAway,
  /// Truncate toward zero.
  TowardZero,
};

/// Returns the mode's spelling in the scheme syntax (`nearest_even`, ...).
const char *getRoundingModeName(RoundingMode mode);

/// Rounds `value` to an integral value with `mode`. Independent of the
/// floating-point environment (unlike `std::nearbyint`). NaN and infinities
/// are returned unchanged.
double roundToIntegral(double value, RoundingMode mode);

} // namespace numerics
} // namespace lowbit

#endif // LOWBIT_NUMERICS_ROUNDING_H
