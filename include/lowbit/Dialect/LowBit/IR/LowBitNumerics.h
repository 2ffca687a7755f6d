//===- LowBitNumerics.h - dialect formats as numerics-library enums -*- C++ -*-===//
//
// Maps the dialect's rounding modes and builtin float formats to the enums of
// the MLIR-free numerics library, for the lowering and the reference
// evaluator that both call it.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_DIALECT_LOWBIT_IR_LOWBITNUMERICS_H
#define LOWBIT_DIALECT_LOWBIT_IR_LOWBITNUMERICS_H

#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"
#include "lowbit/Numerics/BlockScaled.h"
#include "lowbit/Numerics/FloatFormats.h"
#include "lowbit/Numerics/Rounding.h"

#include <optional>

namespace mlir::lowbit {

inline ::lowbit::numerics::RoundingMode toNumerics(RoundingMode mode) {
  switch (mode) {
  case RoundingMode::NearestEven:
    return ::lowbit::numerics::RoundingMode::NearestEven;
  case RoundingMode::NearestAway:
    return ::lowbit::numerics::RoundingMode::NearestAway;
  case RoundingMode::TowardZero:
    return ::lowbit::numerics::RoundingMode::TowardZero;
  }
  return ::lowbit::numerics::RoundingMode::NearestEven;
}

/// The numerics format of a builtin <= 8-bit float type, if it is one.
inline std::optional<::lowbit::numerics::FloatFormat>
getNumericsFloatFormat(Type type) {
  using ::lowbit::numerics::FloatFormat;
  if (isa<Float8E4M3FNType>(type))
    return FloatFormat::E4M3FN;
  if (isa<Float8E5M2Type>(type))
    return FloatFormat::E5M2;
  if (isa<Float6E2M3FNType>(type))
    return FloatFormat::E2M3FN;
  if (isa<Float6E3M2FNType>(type))
    return FloatFormat::E3M2FN;
  if (isa<Float4E2M1FNType>(type))
    return FloatFormat::E2M1FN;
  if (isa<Float8E8M0FNUType>(type))
    return FloatFormat::E8M0FNU;
  return std::nullopt;
}

/// The MX element type of an element format (MXINT8 for integers).
inline ::lowbit::numerics::MXElementType getMXElementType(Type storage) {
  using ::lowbit::numerics::MXElementType;
  if (isa<Float8E4M3FNType>(storage))
    return MXElementType::FP8E4M3;
  if (isa<Float8E5M2Type>(storage))
    return MXElementType::FP8E5M2;
  if (isa<Float6E3M2FNType>(storage))
    return MXElementType::FP6E3M2;
  if (isa<Float6E2M3FNType>(storage))
    return MXElementType::FP6E2M3;
  if (isa<Float4E2M1FNType>(storage))
    return MXElementType::FP4E2M1;
  return MXElementType::INT8;
}

} // namespace mlir::lowbit

#endif // LOWBIT_DIALECT_LOWBIT_IR_LOWBITNUMERICS_H
