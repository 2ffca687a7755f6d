//===- LowBitToQuant.h - lowbit to upstream quant ---------------*- C++ -*-===//

#ifndef LOWBIT_CONVERSION_LOWBITTOQUANT_LOWBITTOQUANT_H
#define LOWBIT_CONVERSION_LOWBITTOQUANT_LOWBITTOQUANT_H

#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace quant {
class QuantDialect;
} // namespace quant
namespace lowbit {

#define GEN_PASS_DECL_CONVERTLOWBITTOQUANT
#include "lowbit/Conversion/Passes.h.inc"

/// Returns the upstream element type (`!quant.uniform`, per-tensor, per-axis
/// or sub-channel) of data of type `type` expressed in `expressedType`, with
/// the constant parameters `scale` and `zeroPoint` (null for symmetric
/// schemes) in the grid layout. Returns a null type after reporting through
/// `emitError` why upstream cannot express it.
quant::QuantizedType
getUniformQuantizedType(QTensorType type, FloatType expressedType,
                        DenseElementsAttr scale, DenseElementsAttr zeroPoint,
                        function_ref<InFlightDiagnostic()> emitError);

/// Adds patterns that rewrite dequantize(quantize(x, p), p) with constant
/// parameters into quant.dcast(quant.qcast(x)).
void populateLowBitToQuantPatterns(RewritePatternSet &patterns);

} // namespace lowbit
} // namespace mlir

#endif // LOWBIT_CONVERSION_LOWBITTOQUANT_LOWBITTOQUANT_H
