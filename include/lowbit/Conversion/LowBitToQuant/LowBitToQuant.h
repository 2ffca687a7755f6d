//===- LowBitToQuant.h - lowbit to upstream quant ---------------*- C++ -*-===//

#ifndef LOWBIT_CONVERSION_LOWBITTOQUANT_LOWBITTOQUANT_H
#define LOWBIT_CONVERSION_LOWBITTOQUANT_LOWBITTOQUANT_H

#include "mlir/Pass/Pass.h"

namespace mlir {
class RewritePatternSet;
namespace quant {
class QuantDialect;
} // namespace quant
namespace lowbit {

#define GEN_PASS_DECL_CONVERTLOWBITTOQUANT
#include "lowbit/Conversion/Passes.h.inc"

/// Adds patterns that rewrite dequantize(quantize(x, p), p) with constant
/// parameters into quant.dcast(quant.qcast(x)).
void populateLowBitToQuantPatterns(RewritePatternSet &patterns);

} // namespace lowbit
} // namespace mlir

#endif // LOWBIT_CONVERSION_LOWBITTOQUANT_LOWBITTOQUANT_H
