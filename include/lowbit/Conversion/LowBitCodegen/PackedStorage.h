//===- PackedStorage.h - what every lowering of lowbit agrees on -*- C++ -*-===//
//
// The contracts the lowerings of lowbit ops share, so that values one
// lowering produces another reads: the packed storage type of a quantized
// tensor (with casts that cancel between lowerings) and the K segments an
// integer lowbit.matmul sums exactly before scaling. The reference lowering
// (convert-lowbit-to-linalg), the CPU kernels
// (convert-lowbit-matmul-to-vector) and any further target build on these.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_CONVERSION_LOWBITCODEGEN_PACKEDSTORAGE_H
#define LOWBIT_CONVERSION_LOWBITCODEGEN_PACKEDSTORAGE_H

#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"

#include "mlir/Transforms/DialectConversion.h"

namespace mlir::lowbit {

/// Converts !lowbit.qtensor to its packed storage type (i8 codes, sub-byte
/// codes packed along the innermost dimension, docs/numerics.md); other
/// types are legal as they are. Materializations are unrealized casts, which
/// cancel where one lowering reads what another already converted.
class PackedStorageTypeConverter : public TypeConverter {
public:
  PackedStorageTypeConverter();
};

/// The segments of K over which an integer-accumulating lowbit.matmul sums
/// exactly in i32 before scaling: the maximal runs of K on which both
/// operands' parameters are constant. Returns each segment's first index
/// followed by K. Every lowering sums segments in this order.
SmallVector<int64_t> getIntegerMatmulSegments(MatmulOp op);

/// Symmetric integer codes with f32 scales and no block-scaled family.
bool isPlainIntegerScheme(SchemeAttr scheme);

/// Per-row (axis 0) parameters.
bool isPerRow(SchemeAttr scheme);

/// The form every matmul kernel takes: transposed 2-D operands, static N and
/// K, f32 result.
bool hasBasicShape(MatmulOp op);

} // namespace mlir::lowbit

#endif // LOWBIT_CONVERSION_LOWBITCODEGEN_PACKEDSTORAGE_H
