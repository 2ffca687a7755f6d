//===- PackedStorage.cpp - what every lowering of lowbit agrees on --------===//

#include "lowbit/Conversion/LowBitCodegen/PackedStorage.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::lowbit;

PackedStorageTypeConverter::PackedStorageTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](QTensorType type) -> Type { return type.getPackedType(); });
  // Casts between a quantized type and its storage, for values that another
  // lowering already reads as storage; they cancel out in
  // reconcile-unrealized-casts.
  auto cast = [](OpBuilder &b, Type type, ValueRange inputs,
                 Location loc) -> Value {
    return UnrealizedConversionCastOp::create(b, loc, type, inputs).getResult(0);
  };
  addSourceMaterialization(cast);
  addTargetMaterialization(cast);
}

SmallVector<int64_t> mlir::lowbit::getIntegerMatmulSegments(MatmulOp op) {
  auto lhs = cast<QTensorType>(op.getLhs().getType());
  auto rhs = cast<QTensorType>(op.getRhs().getType());
  int64_t k = lhs.getShape()[1];
  SmallVector<int64_t> bounds =
      lhs.getScheme().getGranularity().getBlockStarts(1, k);
  llvm::append_range(bounds, rhs.getScheme().getGranularity().getBlockStarts(
                                 op.getTransposeRhs() ? 1 : 0, k));
  bounds.push_back(k);
  llvm::sort(bounds);
  bounds.erase(llvm::unique(bounds), bounds.end());
  return bounds;
}

namespace mlir::lowbit {

bool isPlainIntegerScheme(SchemeAttr scheme) {
  return scheme.isInteger() && scheme.getFamily() == Family::None &&
         !scheme.getAsymmetric() && scheme.getScaleType().isF32();
}

bool isPerRow(SchemeAttr scheme) {
  auto axis = dyn_cast<PerAxisAttr>(scheme.getGranularity());
  return axis && axis.getAxis() == 0;
}

bool hasBasicShape(MatmulOp op) {
  auto result = cast<RankedTensorType>(op.getType());
  auto rhs = dyn_cast<QTensorType>(op.getRhs().getType());
  ArrayRef<int64_t> lhs;
  if (auto q = dyn_cast<QTensorType>(op.getLhs().getType()))
    lhs = q.getShape();
  else
    lhs = cast<RankedTensorType>(op.getLhs().getType()).getShape();
  return op.getTransposeRhs() && rhs && rhs.getRank() == 2 && lhs.size() == 2 &&
         result.getElementType().isF32() &&
         !llvm::any_of(rhs.getShape(), ShapedType::isDynamic) &&
         !ShapedType::isDynamic(lhs[1]);
}

} // namespace mlir::lowbit
