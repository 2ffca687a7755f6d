//===- LowBitOps.cpp - LowBit operations ----------------------------------===//

#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace mlir::lowbit;

#define GET_OP_CLASSES
#include "lowbit/Dialect/LowBit/IR/LowBitOps.cpp.inc"

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::verify() {
  auto type = cast<QTensorType>(getResult().getType());
  if (llvm::any_of(type.getShape(), ShapedType::isDynamic))
    return emitOpError() << "result must have a static shape, got " << type;
  RankedTensorType packed = type.getPackedType();
  if (getCodes().getType() != packed)
    return emitOpError() << "codes must have the packed type " << packed
                         << " of the result, got " << getCodes().getType();
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getCodesAttr(); }

//===----------------------------------------------------------------------===//
// Shared verification of quantization parameters
//===----------------------------------------------------------------------===//

/// Prints a shape as [a, b, ?].
static std::string shapeStr(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(shape, os, [&](int64_t d) {
    if (ShapedType::isDynamic(d))
      os << "?";
    else
      os << d;
  });
  os << "]";
  return s;
}

/// Checks one parameter tensor against the grid shape and element type.
static LogicalResult verifyParamTensor(Operation *op, StringRef prefix,
                                       StringRef name, Value param,
                                       ArrayRef<int64_t> grid, Type elemType) {
  auto type = cast<RankedTensorType>(param.getType());
  if (elemType && type.getElementType() != elemType)
    return op->emitOpError() << prefix << name << " element type must be "
                             << elemType << " (from the scheme), got "
                             << type.getElementType();
  if (failed(verifyCompatibleShape(type.getShape(), grid)))
    return op->emitOpError() << prefix << name << " shape "
                             << shapeStr(type.getShape())
                             << " does not match the parameter grid "
                             << shapeStr(grid) << " of the scheme";
  return success();
}

/// Verifies the parameters that accompany data of `shape` quantized with
/// `scheme`. `prefix` names the operand side in messages ("lhs ", "").
static LogicalResult verifyParams(Operation *op, StringRef prefix,
                                  ArrayRef<int64_t> shape, SchemeAttr scheme,
                                  Value scale, Value zeroPoint,
                                  Value globalScale) {
  SmallVector<int64_t> grid = scheme.getGranularity().getParamShape(shape);
  if (!scale)
    return op->emitOpError() << prefix << "needs a scale";
  if (failed(verifyParamTensor(op, prefix, "scale", scale, grid,
                               scheme.getScaleType())))
    return failure();
  if (scheme.hasZeroPoint() && !zeroPoint)
    return op->emitOpError() << prefix
                             << "asymmetric scheme needs a zero_point";
  if (!scheme.hasZeroPoint() && zeroPoint)
    return op->emitOpError() << prefix
                             << "symmetric scheme takes no zero_point";
  if (zeroPoint && failed(verifyParamTensor(op, prefix, "zero_point",
                                            zeroPoint, grid, Type())))
    return failure();
  if (scheme.hasGlobalScale() && !globalScale)
    return op->emitOpError() << prefix
                             << "nvfp4 scheme needs a per-tensor global_scale";
  if (!scheme.hasGlobalScale() && globalScale)
    return op->emitOpError() << prefix
                             << "only nvfp4 schemes take a global_scale";
  if (globalScale &&
      failed(verifyParamTensor(op, prefix, "global_scale", globalScale,
                               SmallVector<int64_t>(shape.size(), 1), Type())))
    return failure();
  return success();
}

static LogicalResult verifyParams(Operation *op, StringRef prefix,
                                  QTensorType type, Value scale,
                                  Value zeroPoint, Value globalScale) {
  return verifyParams(op, prefix, type.getShape(), type.getScheme(), scale,
                      zeroPoint, globalScale);
}

/// Checks that a float tensor and a quantized tensor have the same shape.
static LogicalResult verifySameShape(Operation *op, ArrayRef<int64_t> floatShape,
                                     QTensorType qtype) {
  if (failed(verifyCompatibleShape(floatShape, qtype.getShape())))
    return op->emitOpError() << "float shape " << shapeStr(floatShape)
                             << " does not match quantized shape "
                             << shapeStr(qtype.getShape());
  return success();
}

//===----------------------------------------------------------------------===//
// ObserveOp
//===----------------------------------------------------------------------===//

int64_t ObserveOp::getChannelAxis() {
  if (std::optional<int64_t> axis = getAxis())
    return *axis;
  return getInput().getType().getRank() - 1;
}

LogicalResult ObserveOp::verify() {
  if (getId().empty())
    return emitOpError("needs a non-empty id");
  int64_t rank = getInput().getType().getRank();
  if (rank == 0)
    return emitOpError("needs a tensor of rank >= 1");
  int64_t axis = getChannelAxis();
  if (axis < 0 || axis >= rank)
    return emitOpError() << "axis " << axis
                         << " is out of range for a tensor of rank " << rank;
  int64_t channels = getInput().getType().getDimSize(axis);
  if (std::optional<int64_t> heads = getHeads()) {
    if (*heads < 1 || (!ShapedType::isDynamic(channels) && channels % *heads))
      return emitOpError() << "heads = " << *heads << " does not divide the "
                           << channels << " channels";
  }
  if (getMin().has_value() != getMax().has_value())
    return emitOpError("needs both min and max statistics, or neither");
  if (std::optional<ArrayRef<float>> min = getMin()) {
    ArrayRef<float> max = *getMax();
    if (min->size() != max.size() ||
        (!ShapedType::isDynamic(channels) &&
         static_cast<int64_t>(min->size()) != channels))
      return emitOpError() << "statistics have " << min->size() << " and "
                           << max.size() << " entries for " << channels
                           << " channels";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// ChooseParamsOp
//===----------------------------------------------------------------------===//

void ChooseParamsOp::build(OpBuilder &builder, OperationState &state,
                           Value input, SchemeAttr scheme) {
  auto inputType = cast<RankedTensorType>(input.getType());
  SmallVector<int64_t> grid =
      scheme.getGranularity().getParamShape(inputType.getShape());
  SmallVector<Type> types = {
      RankedTensorType::get(grid, scheme.getScaleType())};
  if (scheme.hasZeroPoint())
    types.push_back(RankedTensorType::get(grid, builder.getI32Type()));
  if (scheme.hasGlobalScale())
    types.push_back(RankedTensorType::get(
        SmallVector<int64_t>(grid.size(), 1), builder.getF32Type()));
  build(builder, state, types, input, scheme);
}

Value ChooseParamsOp::getZeroPoint() {
  return getScheme().hasZeroPoint() ? getParams()[1] : Value();
}

Value ChooseParamsOp::getGlobalScale() {
  return getScheme().hasGlobalScale() ? getParams().back() : Value();
}

LogicalResult ChooseParamsOp::verify() {
  SchemeAttr scheme = getScheme();
  ArrayRef<int64_t> shape = getInput().getType().getShape();
  if (failed(scheme.getGranularity().verifyShape(
          shape, [&] { return emitOpError(); })))
    return failure();
  size_t expected = 1 + scheme.hasZeroPoint() + scheme.hasGlobalScale();
  if (getParams().size() != expected)
    return emitOpError() << "scheme needs " << expected
                         << " results (scale"
                         << (scheme.hasZeroPoint() ? ", zero_point" : "")
                         << (scheme.hasGlobalScale() ? ", global_scale" : "")
                         << "), got " << getParams().size();
  if (Value zp = getZeroPoint()) {
    auto elem = cast<RankedTensorType>(zp.getType()).getElementType();
    if (!elem.isSignlessInteger())
      return emitOpError() << "zero_point must have signless integer elements, got "
                           << elem;
  }
  if (Value gs = getGlobalScale())
    if (!cast<RankedTensorType>(gs.getType()).getElementType().isF32())
      return emitOpError() << "global_scale must have f32 elements";
  return verifyParams(*this, "", shape, scheme, getScale(), getZeroPoint(),
                      getGlobalScale());
}

//===----------------------------------------------------------------------===//
// QuantizeOp / DequantizeOp
//===----------------------------------------------------------------------===//

LogicalResult QuantizeOp::verify() {
  QTensorType type = getResult().getType();
  if (failed(verifySameShape(*this, getInput().getType().getShape(), type)))
    return failure();
  return verifyParams(*this, "", type, getScale(), getZeroPoint(),
                      getGlobalScale());
}

OpFoldResult QuantizeOp::fold(FoldAdaptor) {
  // quantize(dequantize(q, p), p) == q when the round trip through the float
  // type is exact. Decoding produces at most 24 significant bits (an 8-bit
  // code times an f32 scale), so it is exact in f32/f64; narrower float types
  // can round and must not fold.
  auto dequant = getInput().getDefiningOp<DequantizeOp>();
  if (!dequant || dequant.getInput().getType() != getResult().getType())
    return {};
  if (dequant.getScale() != getScale() ||
      dequant.getZeroPoint() != getZeroPoint() ||
      dequant.getGlobalScale() != getGlobalScale())
    return {};
  Type floatType = getInput().getType().getElementType();
  if (!floatType.isF32() && !floatType.isF64())
    return {};
  return dequant.getInput();
}

LogicalResult DequantizeOp::verify() {
  QTensorType type = getInput().getType();
  if (failed(verifySameShape(*this, getResult().getType().getShape(), type)))
    return failure();
  return verifyParams(*this, "", type, getScale(), getZeroPoint(),
                      getGlobalScale());
}

//===----------------------------------------------------------------------===//
// ReorderOp
//===----------------------------------------------------------------------===//

LogicalResult ReorderOp::verify() {
  auto type = cast<RankedTensorType>(getInput().getType());
  int64_t axis = getAxis();
  if (axis < 0 || axis >= type.getRank())
    return emitOpError() << "axis " << axis
                         << " is out of range for a tensor of rank "
                         << type.getRank();
  int64_t dim = type.getDimSize(axis);
  if (ShapedType::isDynamic(dim))
    return emitOpError() << "cannot permute dynamic axis " << axis;
  ArrayRef<int64_t> perm = getPermutation();
  if (static_cast<int64_t>(perm.size()) != dim)
    return emitOpError() << "permutation has " << perm.size()
                         << " entries but axis " << axis << " has " << dim;
  SmallVector<bool> seen(dim, false);
  for (auto [i, p] : llvm::enumerate(perm)) {
    if (p < 0 || p >= dim)
      return emitOpError() << "permutation entry " << i << " (" << p
                           << ") is out of range [0, " << dim << ")";
    if (seen[p])
      return emitOpError() << "permutation is not a bijection: " << p
                           << " appears twice";
    seen[p] = true;
  }
  if (std::optional<ArrayRef<int64_t>> clusters = getClusterSizes()) {
    int64_t sum = 0;
    for (int64_t size : *clusters) {
      if (size < 1)
        return emitOpError() << "cluster sizes must be positive, got " << size;
      sum += size;
    }
    if (sum != dim)
      return emitOpError() << "cluster sizes sum to " << sum << " but axis "
                           << axis << " has " << dim;
  }
  return success();
}

OpFoldResult ReorderOp::fold(FoldAdaptor) {
  for (auto [i, p] : llvm::enumerate(getPermutation()))
    if (static_cast<int64_t>(i) != p)
      return {};
  return getInput();
}

namespace {
/// reorder(reorder(x, p1), p2) along one axis -> reorder(x, p1 . p2), where
/// (p1 . p2)[i] = p1[p2[i]] (the outer op gathers from the inner result).
struct ComposeReorders : public OpRewritePattern<ReorderOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(ReorderOp op,
                                PatternRewriter &rewriter) const override {
    auto inner = op.getInput().getDefiningOp<ReorderOp>();
    if (!inner || inner.getAxis() != op.getAxis())
      return failure();
    ArrayRef<int64_t> p1 = inner.getPermutation();
    SmallVector<int64_t> composed;
    for (int64_t p : op.getPermutation())
      composed.push_back(p1[p]);
    rewriter.replaceOpWithNewOp<ReorderOp>(op, op.getType(), inner.getInput(),
                                           op.getAxis(), composed,
                                           op.getClusterSizesAttr());
    return success();
  }
};
} // namespace

void ReorderOp::getCanonicalizationPatterns(RewritePatternSet &results,
                                            MLIRContext *context) {
  results.add<ComposeReorders>(context);
}

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

static ArrayRef<int64_t> getOperandShape(Value value) {
  if (auto q = dyn_cast<QTensorType>(value.getType()))
    return q.getShape();
  return cast<RankedTensorType>(value.getType()).getShape();
}

/// Verifies one matmul operand and its (absent or present) parameters.
static LogicalResult verifyMatmulOperand(Operation *op, StringRef side,
                                         Value operand, Value scale,
                                         Value zeroPoint, Value globalScale) {
  std::string prefix = (side + " ").str();
  if (getOperandShape(operand).size() != 2)
    return op->emitOpError() << side << " must have rank 2, got rank "
                             << getOperandShape(operand).size();
  auto qtype = dyn_cast<QTensorType>(operand.getType());
  if (!qtype) {
    if (scale || zeroPoint || globalScale)
      return op->emitOpError() << "float " << side
                               << " takes no quantization parameters";
    return success();
  }
  return verifyParams(op, prefix, qtype, scale, zeroPoint, globalScale);
}

static bool isIntegerQuantized(Value value) {
  auto q = dyn_cast<QTensorType>(value.getType());
  return q && q.getScheme().isInteger();
}

LogicalResult MatmulOp::verify() {
  if (failed(verifyMatmulOperand(*this, "lhs", getLhs(), getLhsScale(),
                                 getLhsZeroPoint(), getLhsGlobalScale())) ||
      failed(verifyMatmulOperand(*this, "rhs", getRhs(), getRhsScale(),
                                 getRhsZeroPoint(), getRhsGlobalScale())))
    return failure();
  ArrayRef<int64_t> lhs = getOperandShape(getLhs());
  ArrayRef<int64_t> rhs = getOperandShape(getRhs());
  ArrayRef<int64_t> res = getResult().getType().getShape();
  if (res.size() != 2)
    return emitOpError() << "result must have rank 2, got rank " << res.size();
  int64_t rhsK = getTransposeRhs() ? rhs[1] : rhs[0];
  int64_t rhsN = getTransposeRhs() ? rhs[0] : rhs[1];
  auto mismatch = [](int64_t a, int64_t b) {
    return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
  };
  if (mismatch(lhs[1], rhsK))
    return emitOpError() << "reduction dimensions differ: lhs has K = "
                         << lhs[1] << ", rhs has K = " << rhsK;
  if (mismatch(res[0], lhs[0]) || mismatch(res[1], rhsN))
    return emitOpError() << "result shape " << shapeStr(res)
                         << " does not match [M, N] = "
                         << shapeStr({lhs[0], rhsN});
  Type acc = getAccType();
  if (isa<IntegerType>(acc)) {
    if (!isIntegerQuantized(getLhs()) || !isIntegerQuantized(getRhs()))
      return emitOpError() << "integer accumulation (" << acc
                           << ") needs both operands quantized with integer "
                              "formats";
  } else if (!isa<FloatType>(acc)) {
    return emitOpError() << "accumulation type must be an integer or float "
                            "type, got "
                         << acc;
  }
  return success();
}
