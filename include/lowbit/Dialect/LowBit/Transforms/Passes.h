//===- Passes.h - LowBit model transforms -----------------------*- C++ -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PASSES_H
#define LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PASSES_H

#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

namespace mlir {
namespace arith {
class ArithDialect;
} // namespace arith
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace tensor {
class TensorDialect;
} // namespace tensor
namespace lowbit {

#define GEN_PASS_DECL
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"

/// Rewrites dequantize -> linalg.matmul (from a zero fill) into
/// lowbit.matmul; `integerAccumulation` picks i32 sums when both operands
/// are integer codes.
void populateFuseDequantPatterns(RewritePatternSet &patterns,
                                 bool integerAccumulation = true);

#define GEN_PASS_REGISTRATION
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"

} // namespace lowbit
} // namespace mlir

#endif // LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PASSES_H
