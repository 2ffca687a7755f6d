//===- ConstantData.cpp - read and write model weight constants -----------===//

#include "lowbit/Dialect/LowBit/Transforms/ConstantData.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <algorithm>

using namespace mlir;

std::optional<std::vector<float>> mlir::lowbit::getConstantData(Value value) {
  auto cst = value.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(cst.getType());
  if (!type || !type.getElementType().isF32() || !type.hasStaticShape())
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
    std::vector<float> data;
    data.reserve(type.getNumElements());
    for (APFloat v : dense.getValues<APFloat>())
      data.push_back(v.convertToFloat());
    return data;
  }
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(cst.getValue()))
    if (std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef())
      return std::vector<float>(data->begin(), data->end());
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
