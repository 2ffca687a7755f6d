//===- QuantToLowBit.h - upstream quant to lowbit ---------------*- C++ -*-===//

#ifndef LOWBIT_CONVERSION_QUANTTOLOWBIT_QUANTTOLOWBIT_H
#define LOWBIT_CONVERSION_QUANTTOLOWBIT_QUANTTOLOWBIT_H

#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
class RewritePatternSet;
namespace arith {
class ArithDialect;
} // namespace arith
namespace lowbit {
class LowBitDialect;

#define GEN_PASS_DECL_CONVERTQUANTTOLOWBIT
#include "lowbit/Conversion/Passes.h.inc"

/// Returns the `!lowbit.qtensor` equivalent of `type`, a ranked tensor (rank
/// >= 1) of `!quant.uniform` elements (per-tensor, per-axis or sub-channel).
/// Returns a null type after reporting through `emitError` why `type` has no
/// equivalent.
QTensorType
convertQuantizedTensorType(Type type,
                           function_ref<InFlightDiagnostic()> emitError);

/// Converts ranked tensors of `!quant.uniform` to `!lowbit.qtensor` and keeps
/// every type without quant dialect types. Any other type that mentions a
/// quant type (scalars, vectors, `!quant.any`, ...) fails to convert.
class QuantToLowBitTypeConverter : public TypeConverter {
public:
  QuantToLowBitTypeConverter();
};

/// Adds patterns converting quant.qcast/quant.dcast to lowbit ops; tensors
/// of !quant.uniform types are converted with `typeConverter`.
void populateQuantToLowBitPatterns(const TypeConverter &typeConverter,
                                   RewritePatternSet &patterns);

} // namespace lowbit
} // namespace mlir

#endif // LOWBIT_CONVERSION_QUANTTOLOWBIT_QUANTTOLOWBIT_H
