//===- LowBitToLinalg.h - reference lowering of lowbit ----------*- C++ -*-===//

#ifndef LOWBIT_CONVERSION_LOWBITTOLINALG_LOWBITTOLINALG_H
#define LOWBIT_CONVERSION_LOWBITTOLINALG_LOWBITTOLINALG_H

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

/// Converts !lowbit.qtensor to its packed storage type; other types are
/// legal as they are.
class LowBitToLinalgTypeConverter : public TypeConverter {
public:
  LowBitToLinalgTypeConverter();
};

/// Adds the reference lowering of every lowbit op.
void populateLowBitToLinalgPatterns(const TypeConverter &typeConverter,
                                    RewritePatternSet &patterns);

/// The segments of K over which an integer-accumulating lowbit.matmul sums
/// exactly in i32 before scaling: the maximal runs of K on which both
/// operands' parameters are constant. Returns each segment's first index
/// followed by K. Both lowerings sum segments in this order.
SmallVector<int64_t> getIntegerMatmulSegments(MatmulOp op);

} // namespace lowbit
} // namespace mlir

#endif // LOWBIT_CONVERSION_LOWBITTOLINALG_LOWBITTOLINALG_H
