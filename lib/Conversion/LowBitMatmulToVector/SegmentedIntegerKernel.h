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

#include "lowbit/Conversion/LowBitCodegen/SegmentPlan.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

#include "mlir/IR/Builders.h"

namespace mlir::lowbit::tiled {

using lowbit::matchSegmentedInteger;
using lowbit::SegmentedIntegerPlan;
using lowbit::SegmentScales;

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
