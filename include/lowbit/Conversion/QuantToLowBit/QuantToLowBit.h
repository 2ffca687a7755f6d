//===- QuantToLowBit.h - upstream quant to lowbit ---------------*- C++ -*-===//

#ifndef LOWBIT_CONVERSION_QUANTTOLOWBIT_QUANTTOLOWBIT_H
#define LOWBIT_CONVERSION_QUANTTOLOWBIT_QUANTTOLOWBIT_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
class TypeConverter;
namespace arith {
class ArithDialect;
} // namespace arith
namespace lowbit {
class LowBitDialect;

#define GEN_PASS_DECL_CONVERTQUANTTOLOWBIT
#include "lowbit/Conversion/Passes.h.inc"

/// Adds patterns converting quant.qcast/quant.dcast to lowbit ops; tensors
/// of !quant.uniform types are converted with `typeConverter`.
void populateQuantToLowBitPatterns(const TypeConverter &typeConverter,
                                   RewritePatternSet &patterns);

} // namespace lowbit
} // namespace mlir

#endif // LOWBIT_CONVERSION_QUANTTOLOWBIT_QUANTTOLOWBIT_H
