//===- ModelIR.cpp - pieces of the model IR that passes match ------------===//

#include "lowbit/Dialect/LowBit/Transforms/ModelIR.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <algorithm>

using namespace mlir;

/// The f32 elements attribute behind `value`, if readable on the host.
static Attribute getF32Constant(Value value) {
  auto cst = value.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return {};
  auto type = dyn_cast<RankedTensorType>(cst.getType());
  if (!type || !type.getElementType().isF32() || !type.hasStaticShape())
    return {};
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue()))
    return dense;
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(cst.getValue()))
    if (resource.tryGetAsArrayRef())
      return resource;
  return {};
}

bool mlir::lowbit::hasConstantData(Value value) {
  return static_cast<bool>(getF32Constant(value));
}

std::optional<std::vector<float>> mlir::lowbit::getConstantData(Value value) {
  Attribute attr = getF32Constant(value);
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(attr)) {
    std::vector<float> data;
    data.reserve(dense.getNumElements());
    for (APFloat v : dense.getValues<APFloat>())
      data.push_back(v.convertToFloat());
    return data;
  }
  if (auto resource = dyn_cast_or_null<DenseF32ResourceElementsAttr>(attr)) {
    ArrayRef<float> data = *resource.tryGetAsArrayRef();
    return std::vector<float>(data.begin(), data.end());
  }
  return std::nullopt;
}

std::string mlir::lowbit::getConstantName(Value value) {
  if (auto cst = value.getDefiningOp<arith::ConstantOp>())
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(cst.getValue()))
      return resource.getRawHandle().getKey().str();
  return "";
}

ElementsAttr mlir::lowbit::createElementsAttr(ShapedType type,
                                              ArrayRef<char> bytes,
                                              StringRef name) {
  if (!name.empty()) {
    size_t align =
        std::max<size_t>(1, type.getElementType().getIntOrFloatBitWidth() / 8);
    return DenseResourceElementsAttr::get(
        type, name,
        HeapAsmResourceBlob::allocateAndCopyWithAlign(bytes, align));
  }
  return DenseElementsAttr::getFromRawBuffer(type, bytes);
}

std::optional<bool> mlir::lowbit::isTransposedLinear(linalg::MatmulOp matmul) {
  SmallVector<AffineMap> maps = matmul.getIndexingMapsArray();
  MLIRContext *ctx = matmul.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  auto map = [&](ArrayRef<AffineExpr> e) {
    return AffineMap::get(3, 0, e, ctx);
  };
  if (maps[0] != map({m, k}) || maps[2] != map({m, n}))
    return std::nullopt;
  if (maps[1] == map({n, k}))
    return true;
  if (maps[1] == map({k, n}))
    return false;
  return std::nullopt;
}
