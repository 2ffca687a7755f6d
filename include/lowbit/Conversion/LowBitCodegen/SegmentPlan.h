//===- SegmentPlan.h - scales of an integer matmul per K segment -*- C++ -*-===//
//
// The plan of an integer-accumulating lowbit.matmul whose scales change along
// K (RPTQ clusters, groups, per-token x per-channel): its segments of K
// (getIntegerMatmulSegments) and, for each operand, where each segment's
// scale is on its grid. Target-independent: the CPU kernels
// (convert-lowbit-matmul-to-vector) and the GPU kernels
// (convert-lowbit-matmul-to-gpu) both plan with it.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_CONVERSION_LOWBITCODEGEN_SEGMENTPLAN_H
#define LOWBIT_CONVERSION_LOWBITCODEGEN_SEGMENTPLAN_H

#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

namespace mlir::lowbit {

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

} // namespace mlir::lowbit

#endif // LOWBIT_CONVERSION_LOWBITCODEGEN_SEGMENTPLAN_H
