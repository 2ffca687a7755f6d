//===- Passes.h - LowBit model transforms -----------------------*- C++ -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PASSES_H
#define LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PASSES_H

#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"

#include "mlir/IR/BuiltinOps.h"
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

#define GEN_PASS_REGISTRATION
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"

} // namespace lowbit
} // namespace mlir

#endif // LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PASSES_H
