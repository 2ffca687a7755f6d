//===- LowBitToQuant.cpp - lowbit to upstream quant -----------------------===//
//
// Rewrites lowbit.dequantize(lowbit.quantize(x, p), p) with constant
// parameters p into quant.dcast(quant.qcast(x)). A !lowbit.qtensor type has
// no parameters, so the conversion depends on the values of p and only
// applies to pairs: a quantized value that reaches any other op has no
// upstream equivalent. Everything that stays lowbit is reported.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/LowBitToQuant/LowBitToQuant.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/TypeUtilities.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/STLExtras.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_CONVERTLOWBITTOQUANT
#include "lowbit/Conversion/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;

namespace {
/// Drops the diagnostics of a probe, i.e. a check that only decides whether a
/// pattern applies, and leaves every other diagnostic alone.
class SilentProbe {
public:
  explicit SilentProbe(MLIRContext *ctx)
      : loc(NameLoc::get(
            StringAttr::get(ctx, "convert-lowbit-to-quant probe"))),
        handler(ctx, [this](Diagnostic &diag) {
          return success(diag.getLocation() == loc);
        }) {}

  InFlightDiagnostic emitError() const { return mlir::emitError(loc); }

private:
  Location loc;
  ScopedDiagnosticHandler handler;
};
} // namespace

//===----------------------------------------------------------------------===//
// Type construction
//===----------------------------------------------------------------------===//

/// Reports why the scheme of `type` has no !quant.uniform equivalent,
/// whatever its parameters.
static LogicalResult
verifySchemeExpressible(QTensorType type,
                        function_ref<InFlightDiagnostic()> emitError) {
  SchemeAttr scheme = type.getScheme();
  Type storage = scheme.getStorage();
  if (isa<LutType>(storage))
    return emitError() << "the lookup-table format " << storage
                       << " has no !quant.uniform equivalent (integer formats "
                          "only)";
  if (isa<BinaryType>(storage))
    return emitError() << "the binary format has no !quant.uniform equivalent "
                          "(integer formats only)";
  if (!scheme.isInteger())
    return emitError() << "the float format " << storage
                       << " has no !quant.uniform equivalent (integer formats "
                          "only)";
  if (isa<PerClusterAttr>(scheme.getGranularity()))
    return emitError() << "per_cluster granularity (clusters of varying size) "
                          "has no !quant.uniform equivalent";
  if (auto group = dyn_cast<PerGroupAttr>(scheme.getGranularity())) {
    int64_t dim = type.getShape()[group.getAxis()];
    if (!ShapedType::isDynamic(dim) && dim % group.getSize() != 0)
      return emitError() << "per_group size " << group.getSize()
                         << " does not divide axis " << group.getAxis()
                         << " of size " << dim
                         << ": upstream sub-channel types have no shorter "
                            "last block";
  }
  if (scheme.getDynamic())
    return emitError() << "the scheme is dynamic: its parameters are computed "
                          "at run time, but !quant.uniform fixes them in the "
                          "type";
  if (scheme.getRounding() != RoundingMode::NearestEven)
    return emitError() << "rounding = "
                       << stringifyRoundingMode(scheme.getRounding())
                       << " is not expressible: upstream casts carry no "
                          "rounding mode, only the default nearest_even "
                          "converts";
  return success();
}

/// The scale (as doubles within the range of `expressedType`, which
/// upstream checks when it parses them) and zero points of a scheme's
/// parameter tensors, checked against `type`'s parameter grid.
static LogicalResult
getParameterValues(QTensorType type, FloatType expressedType,
                   DenseElementsAttr scale, DenseElementsAttr zeroPoint,
                   function_ref<InFlightDiagnostic()> emitError,
                   SmallVectorImpl<double> &scales,
                   SmallVectorImpl<int64_t> &zeroPoints) {
  SchemeAttr scheme = type.getScheme();
  SmallVector<int64_t> grid = type.getParamShape();
  if (!scale || !isa<FloatType>(scale.getElementType()) ||
      failed(verifyCompatibleShape(scale.getType().getShape(), grid)) ||
      scale.getNumElements() == 0)
    return emitError() << "the scale must be a non-empty float tensor of the "
                          "parameter grid shape";
  if (scheme.hasZeroPoint() != static_cast<bool>(zeroPoint) ||
      (zeroPoint &&
       (!isa<IntegerType>(zeroPoint.getElementType()) ||
        zeroPoint.getType().getShape() != scale.getType().getShape())))
    return emitError() << (scheme.hasZeroPoint()
                               ? "an asymmetric scheme needs an integer zero "
                                 "point tensor shaped like the scale"
                               : "a symmetric scheme takes no zero point");

  const llvm::fltSemantics &semantics = expressedType.getFloatSemantics();
  auto toDouble = [](APFloat value) {
    bool losesInfo;
    (void)value.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                        &losesInfo);
    return value.convertToDouble();
  };
  double minScale = toDouble(APFloat::getSmallest(semantics));
  double maxScale = toDouble(APFloat::getLargest(semantics));
  for (const APFloat &value : scale.getValues<APFloat>()) {
    double s = toDouble(value);
    if (!(s > 0.0) || std::isinf(s))
      return emitError() << "scale " << s << " is not positive and finite";
    if (s < minScale || s > maxScale)
      return emitError() << "scale " << s << " is out of the range ["
                         << minScale << ", " << maxScale
                         << "] of the expressed type " << expressedType;
    scales.push_back(s);
  }
  zeroPoints.assign(scales.size(), 0);
  if (zeroPoint) {
    zeroPoints.clear();
    for (const APInt &value : zeroPoint.getValues<APInt>()) {
      if (value.getSignificantBits() > 64)
        return emitError() << "zero point " << llvm::toString(value, 10, true)
                           << " does not fit in 64 bits";
      zeroPoints.push_back(value.getSExtValue());
    }
  }
  return success();
}

/// The upstream sub-channel type of a per_group or per_block scheme (or the
/// per-tensor type when one block covers the tensor): scales held in the
/// expressed type and zero points in the storage type, both exactly.
static quant::QuantizedType
getSubChannelType(QTensorType type, FloatType expressedType,
                  ArrayRef<int64_t> paramShape, ArrayRef<double> scales,
                  ArrayRef<int64_t> zeroPoints,
                  function_ref<quant::QuantizedType()> getPerTensorType,
                  function_ref<InFlightDiagnostic()> emitError) {
  SchemeAttr scheme = type.getScheme();
  GranularityAttrInterface granularity = scheme.getGranularity();
  ArrayRef<int64_t> shape = type.getShape();
  SmallVector<int64_t> blocks(shape.size(), 1);
  if (auto perGroup = dyn_cast<PerGroupAttr>(granularity))
    blocks[perGroup.getAxis()] = perGroup.getSize();
  else
    blocks = llvm::to_vector(cast<PerBlockAttr>(granularity).getSizes());
  SmallVector<int32_t> dims;
  SmallVector<int64_t> blockSizes;
  for (auto [dim, extent, block] : llvm::enumerate(shape, blocks)) {
    if (extent == 0) {
      emitError() << "upstream sub-channel types do not allow the zero-sized "
                     "dimension "
                  << dim;
      return {};
    }
    // Upstream leaves out a dimension that is a single block.
    if (extent == block)
      continue;
    dims.push_back(dim);
    blockSizes.push_back(block);
  }
  // A single block covering the tensor is per-tensor quantization.
  if (dims.empty())
    return getPerTensorType();

  const llvm::fltSemantics &semantics = expressedType.getFloatSemantics();
  SmallVector<APFloat> scaleValues;
  for (double s : scales) {
    APFloat value(s);
    bool losesInfo;
    (void)value.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
    if (losesInfo) {
      emitError() << "scale " << s << " is not exactly representable in the "
                  << "expressed type " << expressedType
                  << ", which holds the scales of sub-channel types";
      return {};
    }
    scaleValues.push_back(value);
  }
  unsigned width = scheme.getBitWidth();
  bool isSigned = scheme.isSignedInteger();
  int64_t zpMin = isSigned ? llvm::minIntN(width) : 0;
  int64_t zpMax = isSigned ? llvm::maxIntN(width)
                           : static_cast<int64_t>(llvm::maxUIntN(width));
  SmallVector<APInt> zeroPointValues;
  for (int64_t zp : zeroPoints) {
    if (zp < zpMin || zp > zpMax) {
      emitError() << "zero point " << zp << " does not fit the " << width
                  << "-bit storage type, which holds the zero points of "
                     "sub-channel types";
      return {};
    }
    zeroPointValues.emplace_back(width, static_cast<uint64_t>(zp), isSigned);
  }
  MLIRContext *ctx = type.getContext();
  auto storageType = IntegerType::get(ctx, width);
  auto scalesAttr = DenseElementsAttr::get(
      RankedTensorType::get(paramShape, expressedType), scaleValues);
  auto zeroPointsAttr = DenseElementsAttr::get(
      RankedTensorType::get(paramShape, storageType), zeroPointValues);
  return quant::UniformQuantizedSubChannelType::getChecked(
      emitError, isSigned ? quant::QuantizationFlags::Signed : 0, storageType,
      expressedType, scalesAttr, zeroPointsAttr, dims, blockSizes,
      scheme.getQMin(), scheme.getQMax());
}

quant::QuantizedType lowbit::getUniformQuantizedType(
    QTensorType type, FloatType expressedType, DenseElementsAttr scale,
    DenseElementsAttr zeroPoint, function_ref<InFlightDiagnostic()> emitError) {
  if (failed(verifySchemeExpressible(type, emitError)))
    return {};
  SmallVector<double> scales;
  SmallVector<int64_t> zeroPoints;
  if (failed(getParameterValues(type, expressedType, scale, zeroPoint,
                                emitError, scales, zeroPoints)))
    return {};

  SchemeAttr scheme = type.getScheme();
  MLIRContext *ctx = type.getContext();
  auto storageType = IntegerType::get(ctx, scheme.getBitWidth());
  unsigned flags =
      scheme.isSignedInteger() ? quant::QuantizationFlags::Signed : 0;
  int64_t qmin = scheme.getQMin(), qmax = scheme.getQMax();
  auto getPerTensorType = [&]() -> quant::QuantizedType {
    return quant::UniformQuantizedType::getChecked(
        emitError, flags, storageType, expressedType, scales.front(),
        zeroPoints.front(), qmin, qmax);
  };
  GranularityAttrInterface granularity = scheme.getGranularity();
  if (isa<PerTensorAttr>(granularity))
    return getPerTensorType();
  if (auto perAxis = dyn_cast<PerAxisAttr>(granularity))
    return quant::UniformQuantizedPerAxisType::getChecked(
        emitError, flags, storageType, expressedType, scales, zeroPoints,
        perAxis.getAxis(), qmin, qmax);
  // per_group and per_block are sub-channel types.
  return getSubChannelType(type, expressedType, scale.getType().getShape(),
                           scales, zeroPoints, getPerTensorType, emitError);
}

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// Binds the constant parameters of a lowbit op, or reports which one is not
/// constant.
static LogicalResult
matchConstantParams(Value scale, Value zeroPoint, DenseElementsAttr &scaleAttr,
                    DenseElementsAttr &zeroPointAttr,
                    function_ref<InFlightDiagnostic()> emitError) {
  if (!matchPattern(scale, m_Constant(&scaleAttr)))
    return emitError() << "its scale is not a constant, but !quant.uniform "
                          "needs constant parameters";
  if (zeroPoint && !matchPattern(zeroPoint, m_Constant(&zeroPointAttr)))
    return emitError() << "its zero point is not a constant, but "
                          "!quant.uniform needs constant parameters";
  return success();
}

static bool haveSameParams(QuantizeOp quantize, DequantizeOp dequantize) {
  return quantize.getScale() == dequantize.getScale() &&
         quantize.getZeroPoint() == dequantize.getZeroPoint() &&
         quantize.getGlobalScale() == dequantize.getGlobalScale();
}

/// Returns the upstream element type for `op` if `op` and all its users form
/// quantize/dequantize pairs that upstream can express; otherwise reports why
/// not and returns null.
static quant::QuantizedType
matchQuantizePairs(QuantizeOp op,
                   function_ref<InFlightDiagnostic()> emitError) {
  QTensorType type = op.getResult().getType();
  if (failed(verifySchemeExpressible(type, emitError)))
    return {};
  DenseElementsAttr scale, zeroPoint;
  if (failed(matchConstantParams(op.getScale(), op.getZeroPoint(), scale,
                                 zeroPoint, emitError)))
    return {};
  RankedTensorType inputType = op.getInput().getType();
  quant::QuantizedType quantType =
      getUniformQuantizedType(type, cast<FloatType>(inputType.getElementType()),
                              scale, zeroPoint, emitError);
  if (!quantType)
    return {};

  for (Operation *user : op->getUsers()) {
    auto dequantize = dyn_cast<DequantizeOp>(user);
    if (!dequantize) {
      emitError() << "its quantized result is used by '" << user->getName()
                  << "', which upstream cannot express";
      return {};
    }
    if (!haveSameParams(op, dequantize)) {
      emitError() << "its quantized result is used by a 'lowbit.dequantize' "
                     "with other parameters, which upstream cannot express";
      return {};
    }
    // quant.qcast and quant.dcast keep the shape and the expressed type.
    if (dequantize.getType() != inputType) {
      emitError() << "its quantized result is dequantized to "
                  << dequantize.getType() << " instead of " << inputType
                  << ", which upstream casts cannot express";
      return {};
    }
  }
  return quantType;
}

namespace {
/// quantize + dequantize pairs with shared constant parameters ->
/// quant.qcast + quant.dcast. Rooted at the quantize so that one quant.qcast
/// serves all its dequantize users.
struct QuantizePairsToQuantCasts : public OpRewritePattern<QuantizeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(QuantizeOp op,
                                PatternRewriter &rewriter) const override {
    quant::QuantizedType quantType;
    {
      SilentProbe probe(op->getContext());
      quantType = matchQuantizePairs(op, [&] { return probe.emitError(); });
    }
    if (!quantType)
      return rewriter.notifyMatchFailure(
          op, "not a quantize/dequantize pair that upstream can express");

    auto castType =
        RankedTensorType::get(op.getInput().getType().getShape(), quantType);
    Value quantized = quant::QuantizeCastOp::create(rewriter, op.getLoc(),
                                                    castType, op.getInput());
    for (Operation *user : llvm::make_early_inc_range(op->getUsers())) {
      auto dequantize = cast<DequantizeOp>(user);
      rewriter.setInsertionPoint(dequantize);
      rewriter.replaceOpWithNewOp<quant::DequantizeCastOp>(
          dequantize, dequantize.getType(), quantized);
    }

    // The parameters now live in the type: drop constants nothing else uses.
    SmallVector<Operation *> paramOps;
    for (Value param : {op.getScale(), op.getZeroPoint()})
      if (Operation *def = param ? param.getDefiningOp() : nullptr)
        paramOps.push_back(def);
    rewriter.eraseOp(op);
    for (Operation *def : paramOps)
      if (isOpTriviallyDead(def))
        rewriter.eraseOp(def);
    return success();
  }
};
} // namespace

void lowbit::populateLowBitToQuantPatterns(RewritePatternSet &patterns) {
  patterns.add<QuantizePairsToQuantCasts>(patterns.getContext());
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

static constexpr StringLiteral kCannotConvert =
    "cannot be converted to upstream quant: ";

/// Reports why a dequantize that survived the patterns stays lowbit.
static void reportDequantize(DequantizeOp op) {
  auto emitError = [&]() -> InFlightDiagnostic {
    return op.emitOpError() << kCannotConvert;
  };
  if (failed(verifySchemeExpressible(op.getInput().getType(), emitError)))
    return;
  auto producer = op.getInput().getDefiningOp<QuantizeOp>();
  if (!producer) {
    emitError() << "its operand is not produced by 'lowbit.quantize', so "
                   "there is no quantize/dequantize pair to convert";
    return;
  }
  if (!haveSameParams(producer, op)) {
    emitError() << "its parameters are not the same SSA values as those of "
                   "the 'lowbit.quantize' that produces its operand";
    return;
  }
  DenseElementsAttr scale, zeroPoint;
  if (failed(matchConstantParams(op.getScale(), op.getZeroPoint(), scale,
                                 zeroPoint, emitError)))
    return;
  emitError() << "the 'lowbit.quantize' that produces its operand cannot be "
                 "converted";
}

namespace {
struct ConvertLowBitToQuantPass
    : public lowbit::impl::ConvertLowBitToQuantBase<ConvertLowBitToQuantPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> quantizeOps;
    module.walk([&](QuantizeOp op) { quantizeOps.push_back(op); });

    RewritePatternSet patterns(&getContext());
    populateLowBitToQuantPatterns(patterns);
    // Only rewrite the pairs: no folding, and leave the surrounding IR alone.
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::ExistingOps)
        .enableFolding(false)
        .enableConstantCSE(false);
    (void)applyOpPatternsGreedily(quantizeOps, std::move(patterns), config);

    bool ok = true;
    module.walk([&](Operation *op) {
      if (auto quantize = dyn_cast<QuantizeOp>(op)) {
        ok = false;
        auto emitError = [&]() -> InFlightDiagnostic {
          return quantize.emitOpError() << kCannotConvert;
        };
        if (matchQuantizePairs(quantize, emitError))
          quantize.emitOpError("was left unconverted");
      } else if (auto dequantize = dyn_cast<DequantizeOp>(op)) {
        ok = false;
        reportDequantize(dequantize);
      }
    });
    if (!ok)
      signalPassFailure();
  }
};
} // namespace
