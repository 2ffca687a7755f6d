//===- SegmentedIntegerKernel.h - integer matmul over K segments  -*- C++
//-*-===//
//
// The integer-accumulating lowbit.matmul whose scales change along K: RPTQ
// clusters (W4A4 with per-cluster activation scales and per output row x
// input cluster weight scales), groups (W4A8 g128), and plain per-token x
// per-channel W4A4/W4A8. Exact i32 dot products per K segment with VNNI,
// scaled and summed per segment exactly as the reference lowering does.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_LOWBITMATMULTOVECTOR_SEGMENTEDINTEGERKERNEL_H
#define LIB_CONVERSION_LOWBITMATMULTOVECTOR_SEGMENTEDINTEGERKERNEL_H

#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::lowbit::tiled {

/// Where one operand's scale for a K segment is: its grid row is the tile
/// row (m or n) when `rowScale`, else 0; its grid column is `columns[s]`.
struct SegmentScales {
  unsigned bits; // 4 or 8
  bool rowScale;
  SmallVector<int64_t> columns;
  /// Unsigned codes (activations: 4-bit, or with zero points; weights: with
  /// zero points), and i32 zero points on the scale grid (asymmetric).
  bool isSigned = true;
  bool zeroPoint = false;
};

/// acc(i32) matmul of 4- or 8-bit activations [M, K] and 4- or 8-bit
/// weights [N, K] (transposed) whose scales are per tensor, per row, per
/// group along K or per cluster along K. Activations may be unsigned
/// (4-bit) and asymmetric (4- or 8-bit): a part of each zero point (within
/// [-112, 120] for 4-bit codes, 128 or 0 for ui8 or i8) is subtracted from
/// the codes while unpacking; for the rest of a zero point, each segment's
/// dot product loses it x the segment's weight sum. Weights may be
/// asymmetric (signed or unsigned codes): each segment's dot product of
/// the codes loses the weight zero point x the segment's activation sum;
/// with both operands asymmetric, the product of the two zero points
/// (the activation's remainder) x the segment length comes back. All
/// exact in wrapping i32, as the reference's sum of (code - zero point) x
/// (code - zero point).
struct SegmentedIntegerPlan {
  int64_t n, k;
  /// Segment starts followed by K (getIntegerMatmulSegments).
  SmallVector<int64_t> bounds;
  SegmentScales lhs, rhs;
};

FailureOr<SegmentedIntegerPlan> matchSegmentedInteger(MatmulOp op);

/// The result [M, N] f32 of the plan on the packed operands and their scale
/// grids, in `chunks` column chunks (emitColumnChunks); `vnni` uses
/// vpdpbusd, otherwise i8 -> i32 extends.
Value lowerSegmentedInteger(OpBuilder &b, Location loc,
                            const SegmentedIntegerPlan &plan, bool vnni,
                            unsigned chunks, std::optional<int64_t> staticM,
                            Value a, Value aScale, Value aZero, Value w,
                            Value wScale, Value wZero);

} // namespace mlir::lowbit::tiled

#endif // LIB_CONVERSION_LOWBITMATMULTOVECTOR_SEGMENTEDINTEGERKERNEL_H
