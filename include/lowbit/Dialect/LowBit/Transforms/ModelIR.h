//===- ModelIR.h - pieces of the model IR that passes match ----*- C++ -*-===//
//
// Model weights are `arith.constant` tensors, dense or `dense_resource`, and
// linear layers are `linalg.matmul` with fixed maps (docs/model-ir.md).
// Passes that rewrite weights read them as f32 host data and write new
// constants, keeping large data in resource blobs.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_DIALECT_LOWBIT_TRANSFORMS_MODELIR_H
#define LOWBIT_DIALECT_LOWBIT_TRANSFORMS_MODELIR_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::lowbit {

/// Whether `value` is a static-shaped f32 `arith.constant` tensor whose data
/// can be read (what `getConstantData` accepts), without copying it.
bool hasConstantData(Value value);

/// The f32 data of a static-shaped f32 `arith.constant` tensor (dense or
/// dense_resource), or nothing if `value` is not one.
std::optional<std::vector<float>> getConstantData(Value value);

/// The resource blob name of a `dense_resource` constant, "" otherwise.
std::string getConstantName(Value value);

/// An elements attribute of `type` holding `bytes` (the raw little-endian
/// element storage): a new resource blob `name` when `name` is not empty,
/// else a dense attribute.
ElementsAttr createElementsAttr(ShapedType type, ArrayRef<char> bytes,
                                StringRef name);

/// The weight layout of a linear layer `y[m, n] = sum_k x[m, k] w[., .]`:
/// true for `w[n, k]` (maps (m, k), (n, k) -> (m, n)), false for `w[k, n]`
/// (maps (m, k), (k, n) -> (m, n)); nothing when `matmul` has other maps.
std::optional<bool> isTransposedLinear(linalg::MatmulOp matmul);

} // namespace mlir::lowbit

#endif // LOWBIT_DIALECT_LOWBIT_TRANSFORMS_MODELIR_H
