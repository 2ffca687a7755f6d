//===- ConstantData.h - read and write model weight constants ---*- C++ -*-===//
//
// Model weights are `arith.constant` tensors, dense or `dense_resource`
// (docs/model-ir.md). Passes that rewrite weights read them as f32 host
// data and write new constants, keeping large data in resource blobs.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_DIALECT_LOWBIT_TRANSFORMS_CONSTANTDATA_H
#define LOWBIT_DIALECT_LOWBIT_TRANSFORMS_CONSTANTDATA_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Value.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::lowbit {

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

} // namespace mlir::lowbit

#endif // LOWBIT_DIALECT_LOWBIT_TRANSFORMS_CONSTANTDATA_H
