//===- ChooseParams.h - reference lowering of choose_params -----*- C++ -*-===//

#ifndef LIB_CONVERSION_LOWBITTOLINALG_CHOOSEPARAMS_H
#define LIB_CONVERSION_LOWBITTOLINALG_CHOOSEPARAMS_H

#include "mlir/IR/Builders.h"

namespace mlir::lowbit {
class ChooseParamsOp;
namespace codegen {

/// Emits the results of `op` (scale; zero point if asymmetric; global scale
/// for NVFP4) for the input `x`, as tensors of the grid shape. The op must
/// have passed the lowering's checks (supported scale type and clip).
SmallVector<Value> emitChooseParams(OpBuilder &b, Location loc,
                                    ChooseParamsOp op, Value x);

} // namespace codegen
} // namespace mlir::lowbit

#endif // LIB_CONVERSION_LOWBITTOLINALG_CHOOSEPARAMS_H
