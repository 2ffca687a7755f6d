//===- LowBitToLinalg.h - reference lowering of lowbit ----------*- C++ -*-===//

#ifndef LOWBIT_CONVERSION_LOWBITTOLINALG_LOWBITTOLINALG_H
#define LOWBIT_CONVERSION_LOWBITTOLINALG_LOWBITTOLINALG_H

#include "lowbit/Conversion/LowBitCodegen/PackedStorage.h"
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace arith {
class ArithDialect;
} // namespace arith
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace math {
class MathDialect;
} // namespace math
namespace scf {
class SCFDialect;
} // namespace scf
namespace tensor {
class TensorDialect;
} // namespace tensor
namespace lowbit {
class MatmulOp;

#define GEN_PASS_DECL_CONVERTLOWBITTOLINALG
#include "lowbit/Conversion/Passes.h.inc"

/// The storage of a quantized tensor: i8 codes, with sub-byte codes packed
/// along the innermost dimension (see docs/numerics.md).
inline RankedTensorType getPackedType(QTensorType type) {
  return type.getPackedType();
}

/// Adds the reference lowering of every lowbit op.
void populateLowBitToLinalgPatterns(const TypeConverter &typeConverter,
                                    RewritePatternSet &patterns);

} // namespace lowbit
} // namespace mlir

#endif // LOWBIT_CONVERSION_LOWBITTOLINALG_LOWBITTOLINALG_H
