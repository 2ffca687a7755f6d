//===- SegmentPlan.cpp - scales of an integer matmul per K segment --------===//

#include "lowbit/Conversion/LowBitCodegen/SegmentPlan.h"

#include "lowbit/Conversion/LowBitCodegen/PackedStorage.h"

#include <functional>

using namespace mlir;
using namespace mlir::lowbit;

/// Where `type`'s scale for each segment of `bounds` is, if its granularity
/// is one the kernel reads.
static FailureOr<SegmentScales>
matchScales(QTensorType type, ArrayRef<int64_t> bounds, bool activations) {
  SchemeAttr scheme = type.getScheme();
  unsigned bits = scheme.getBitWidth();
  // Unsigned or asymmetric 4-bit activations: their codes (0..15 or
  // -8..7) are the bytes the kernel multiplies; zero points are corrected
  // per segment. Asymmetric 8-bit activations: ui8 codes are centred to
  // signed bytes (minus 128, folded into the zero point) while unpacking.
  // Asymmetric weights (4- or 8-bit, signed or not): their codes are
  // multiplied as read and the zero point times the activation sum over
  // the segment is subtracted.
  bool shifted = (scheme.getAsymmetric() || (activations && bits == 4)) &&
                 scheme.isInteger() && scheme.getFamily() == Family::None &&
                 scheme.getScaleType().isF32();
  if (!(isPlainIntegerScheme(scheme) && scheme.isSignedInteger()) && !shifted)
    return failure();
  if (bits != 4 && bits != 8)
    return failure();
  SegmentScales scales{bits, false, {}};
  scales.isSigned = scheme.isSignedInteger();
  scales.zeroPoint = scheme.getAsymmetric();
  // The grid column of the block along K that contains k.
  std::function<int64_t(int64_t)> column;
  Attribute granularity = scheme.getGranularity();
  if (isa<PerTensorAttr>(granularity)) {
    column = [](int64_t) { return 0; };
  } else if (isPerRow(scheme)) {
    scales.rowScale = true;
    column = [](int64_t) { return 0; };
  } else if (auto group = dyn_cast<PerGroupAttr>(granularity);
             group && group.getAxis() == 1) {
    scales.rowScale = true;
    column = [size = group.getSize()](int64_t k) { return k / size; };
  } else if (auto cluster = dyn_cast<PerClusterAttr>(granularity);
             cluster && cluster.getAxis() == 1) {
    scales.rowScale = cluster.getPerSlice();
    SmallVector<int64_t> starts = cluster.getBlockStarts(1, type.getShape()[1]);
    column = [starts](int64_t k) {
      return llvm::upper_bound(starts, k) - starts.begin() - 1;
    };
  } else {
    return failure();
  }
  for (int64_t start : bounds.drop_back())
    scales.columns.push_back(column(start));
  return scales;
}

FailureOr<SegmentedIntegerPlan> lowbit::matchSegmentedInteger(MatmulOp op) {
  auto lhs = dyn_cast<QTensorType>(op.getLhs().getType());
  if (!hasBasicShape(op) || !op.getAccType().isInteger(32) || !lhs)
    return failure();
  auto rhs = cast<QTensorType>(op.getRhs().getType());
  SegmentedIntegerPlan plan{rhs.getShape()[0],
                            rhs.getShape()[1],
                            getIntegerMatmulSegments(op),
                            {},
                            {}};
  FailureOr<SegmentScales> lhsScales = matchScales(lhs, plan.bounds, true);
  FailureOr<SegmentScales> rhsScales = matchScales(rhs, plan.bounds, false);
  if (failed(lhsScales) || failed(rhsScales) ||
      (lhsScales->zeroPoint && !op.getLhsZeroPoint()) ||
      (rhsScales->zeroPoint && !op.getRhsZeroPoint()))
    return failure();
  plan.lhs = std::move(*lhsScales);
  plan.rhs = std::move(*rhsScales);
  return plan;
}

