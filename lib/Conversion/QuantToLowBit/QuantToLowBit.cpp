//===- QuantToLowBit.cpp - upstream quant to lowbit -----------------------===//
//
// Converts quant.qcast/quant.dcast on tensors of !quant.uniform into
// lowbit.quantize/lowbit.dequantize. Upstream keeps the scales and zero points
// in the type; lowbit passes them as SSA tensors, so they become
// arith.constant tensors in the lowbit grid layout.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/QuantToLowBit/QuantToLowBit.h"
#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Quant/IR/QuantTypes.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/STLExtras.h"

#include <limits>

namespace mlir::lowbit {
#define GEN_PASS_DEF_CONVERTQUANTTOLOWBIT
#include "lowbit/Conversion/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;

namespace {
/// A tensor of !quant.uniform in lowbit terms: the quantized tensor type plus
/// the parameters that upstream keeps in the type, in the grid layout.
struct LowBitEquivalent {
  QTensorType type;
  /// f32 scales.
  DenseElementsAttr scale;
  /// i32 zero points; null for symmetric types (every zero point is 0).
  DenseElementsAttr zeroPoint;
};

/// Drops the diagnostics of a probe, i.e. a check that only decides whether a
/// conversion applies, and leaves every other diagnostic alone.
class SilentProbe {
public:
  explicit SilentProbe(MLIRContext *ctx)
      : loc(NameLoc::get(
            StringAttr::get(ctx, "convert-quant-to-lowbit probe"))),
        handler(ctx, [this](Diagnostic &diag) {
          return success(diag.getLocation() == loc);
        }) {}

  InFlightDiagnostic emitError() const { return mlir::emitError(loc); }

private:
  Location loc;
  ScopedDiagnosticHandler handler;
};
} // namespace

/// True if `type` is or contains a quant dialect type.
static bool containsQuantizedType(Type type) {
  return type
      .walk([](Type t) {
        return isa<quant::QuantizedType>(t) ? WalkResult::interrupt()
                                            : WalkResult::advance();
      })
      .wasInterrupted();
}

/// Derives the lowbit block sizes of a sub-channel type on data of `shape`.
/// Upstream leaves a dimension out of the block list when one block spans it.
static LogicalResult
getSubChannelGranularity(quant::UniformQuantizedSubChannelType type,
                         ArrayRef<int64_t> shape,
                         GranularityAttrInterface &granularity,
                         function_ref<InFlightDiagnostic()> emitError) {
  int64_t rank = shape.size();
  ArrayRef<int64_t> gridShape = type.getScales().getType().getShape();
  if (static_cast<int64_t>(gridShape.size()) != rank)
    return emitError() << "its scales have rank " << gridShape.size()
                       << " but the tensor has rank " << rank;
  // 0: the dimension is not listed, i.e. it is a single block.
  SmallVector<int64_t> listed(rank, 0);
  for (auto [dim, block] : type.getBlockSizeInfo()) {
    if (dim < 0 || dim >= rank)
      return emitError() << "quantized dimension " << dim
                         << " is out of range for a tensor of rank " << rank;
    listed[dim] = block;
  }

  SmallVector<int64_t> blocks(rank);
  for (int64_t d = 0; d < rank; ++d) {
    if (ShapedType::isDynamic(shape[d])) {
      if (listed[d] == 0)
        return emitError() << "dynamic dimension " << d
                           << " forms a single block of unknown extent, "
                              "which lowbit cannot express";
      blocks[d] = listed[d];
      continue;
    }
    if (shape[d] == 0)
      return emitError() << "sub-channel quantization of the zero-sized "
                            "dimension "
                         << d << " is not supported";
    int64_t block = listed[d] ? listed[d] : shape[d];
    if (shape[d] % block != 0)
      return emitError() << "block size " << block
                         << " does not divide dimension " << d << " of size "
                         << shape[d];
    if (gridShape[d] != shape[d] / block)
      return emitError() << "its scales have " << gridShape[d]
                         << " entries along dimension " << d << " but need "
                         << shape[d] / block << " (size " << shape[d]
                         << " in blocks of " << block << ")";
    blocks[d] = block;
  }

  // per_group shares nothing across the other dimensions, so it fits exactly
  // when a single dimension has blocks of more than one element.
  MLIRContext *ctx = type.getContext();
  auto split = [](int64_t block) { return block > 1; };
  if (llvm::count_if(blocks, split) == 1) {
    int64_t axis = llvm::find_if(blocks, split) - blocks.begin();
    granularity = PerGroupAttr::get(ctx, axis, blocks[axis]);
  } else {
    granularity = PerBlockAttr::get(ctx, blocks);
  }
  return success();
}

/// The integer storage of a quantized type as lowbit sees it.
struct StorageFormat {
  unsigned width;
  bool isSigned;
  /// The narrow range: no most negative code (signed) or code 0 (unsigned).
  bool narrow;
};

/// Checks that `quantType` stores at most 8-bit integers in the full or the
/// narrow range, the two ranges lowbit formats have.
static FailureOr<StorageFormat>
getStorageFormat(quant::QuantizedType quantType,
                 function_ref<InFlightDiagnostic()> emitError) {
  auto storageType = dyn_cast<IntegerType>(quantType.getStorageType());
  if (!storageType)
    return emitError() << "storage type " << quantType.getStorageType()
                       << " is not an integer type";
  unsigned width = storageType.getWidth();
  if (width > 8)
    return emitError() << "storage type is " << width
                       << " bits wide; lowbit integer formats have at most 8 "
                          "bits";
  bool isSigned = quantType.isSigned();
  int64_t qmin = quantType.getStorageTypeMin();
  int64_t qmax = quantType.getStorageTypeMax();
  int64_t fullMin =
      quant::QuantizedType::getDefaultMinimumForInteger(isSigned, width);
  int64_t fullMax =
      quant::QuantizedType::getDefaultMaximumForInteger(isSigned, width);
  int64_t narrowMin = isSigned ? -fullMax : 1;
  if (width >= 2 && qmin == narrowMin && qmax == fullMax)
    return StorageFormat{width, isSigned, /*narrow=*/true};
  if (qmin != fullMin || qmax != fullMax) {
    InFlightDiagnostic diag = emitError();
    diag << "storage range [" << qmin << ", " << qmax
         << "] is neither the full range [" << fullMin << ", " << fullMax
         << "]";
    if (width >= 2)
      diag << " nor the narrow range [" << narrowMin << ", " << fullMax << "]";
    return diag;
  }
  return StorageFormat{width, isSigned, /*narrow=*/false};
}

/// The parameters of a quantized type: its granularity, the grid shape of
/// its parameters and their values (row-major).
struct ParameterGrid {
  GranularityAttrInterface granularity;
  SmallVector<int64_t> grid;
  SmallVector<APFloat> scales;
  SmallVector<int64_t> zeroPoints;
};

static FailureOr<ParameterGrid>
getParameterGrid(quant::QuantizedType quantType, RankedTensorType tensorType,
                 bool isSigned, function_ref<InFlightDiagnostic()> emitError) {
  MLIRContext *ctx = quantType.getContext();
  ArrayRef<int64_t> shape = tensorType.getShape();
  int64_t rank = tensorType.getRank();
  ParameterGrid p;
  p.grid.assign(rank, 1);
  if (auto perTensor = dyn_cast<quant::UniformQuantizedType>(quantType)) {
    p.scales.emplace_back(perTensor.getScale());
    p.zeroPoints.push_back(perTensor.getZeroPoint());
    p.granularity = PerTensorAttr::get(ctx);
    return p;
  }
  if (auto perAxis = dyn_cast<quant::UniformQuantizedPerAxisType>(quantType)) {
    int64_t axis = perAxis.getQuantizedDimension();
    if (axis < 0 || axis >= rank)
      return emitError() << "quantized dimension " << axis
                         << " is out of range for a tensor of rank " << rank;
    int64_t count = perAxis.getScales().size();
    if (count == 0 ||
        (!ShapedType::isDynamic(shape[axis]) && shape[axis] != count))
      return emitError() << "quantized dimension " << axis << " has size "
                         << shape[axis] << " but the type has " << count
                         << " scales";
    for (double scale : perAxis.getScales())
      p.scales.emplace_back(scale);
    llvm::append_range(p.zeroPoints, perAxis.getZeroPoints());
    p.grid[axis] = count;
    p.granularity = PerAxisAttr::get(ctx, axis);
    return p;
  }
  auto subChannel = cast<quant::UniformQuantizedSubChannelType>(quantType);
  if (failed(getSubChannelGranularity(subChannel, shape, p.granularity,
                                      emitError)))
    return failure();
  p.grid = llvm::to_vector(subChannel.getScales().getType().getShape());
  llvm::append_range(p.scales, subChannel.getScales().getValues<APFloat>());
  // Sub-channel zero points are stored in the storage type: read them with
  // its signedness.
  for (APInt zp : subChannel.getZeroPoints().getValues<APInt>())
    p.zeroPoints.push_back(isSigned ? zp.getSExtValue()
                                    : static_cast<int64_t>(zp.getZExtValue()));
  return p;
}

/// Upstream scales are doubles; lowbit uses f32, rounded to nearest. Each
/// must stay a positive finite value.
static FailureOr<SmallVector<float>>
toF32Scales(ArrayRef<APFloat> scales,
            function_ref<InFlightDiagnostic()> emitError) {
  SmallVector<float> values;
  for (APFloat scale : scales) {
    APFloat asDouble = scale;
    bool losesInfo;
    (void)asDouble.convert(APFloat::IEEEdouble(), APFloat::rmNearestTiesToEven,
                           &losesInfo);
    (void)scale.convert(APFloat::IEEEsingle(), APFloat::rmNearestTiesToEven,
                        &losesInfo);
    if (!scale.isFiniteNonZero() || scale.isNegative())
      return emitError() << "scale " << asDouble.convertToDouble()
                         << " is not a positive finite f32 value";
    values.push_back(scale.convertToFloat());
  }
  return values;
}

/// Computes the lowbit equivalent of `type`, or reports why there is none.
static FailureOr<LowBitEquivalent>
getLowBitEquivalent(Type type, function_ref<InFlightDiagnostic()> emitError) {
  auto tensorType = dyn_cast<RankedTensorType>(type);
  auto quantType =
      tensorType ? dyn_cast<quant::QuantizedType>(tensorType.getElementType())
                 : quant::QuantizedType();
  if (!quantType || tensorType.getRank() == 0)
    return emitError() << "only ranked tensors (of rank >= 1) of "
                          "!quant.uniform have a !lowbit.qtensor equivalent";
  if (isa<quant::AnyQuantizedType>(quantType))
    return emitError() << "!quant.any has no scale or zero point";
  if (isa<quant::CalibratedQuantizedType>(quantType))
    return emitError() << "!quant.calibrated holds a calibration range, not a "
                          "scale and zero point";
  if (!isa<quant::UniformQuantizedType, quant::UniformQuantizedPerAxisType,
           quant::UniformQuantizedSubChannelType>(quantType))
    return emitError() << "unsupported quantized type " << quantType;

  FailureOr<StorageFormat> storage = getStorageFormat(quantType, emitError);
  if (failed(storage))
    return failure();
  FailureOr<ParameterGrid> params =
      getParameterGrid(quantType, tensorType, storage->isSigned, emitError);
  if (failed(params))
    return failure();
  FailureOr<SmallVector<float>> scaleValues =
      toF32Scales(params->scales, emitError);
  if (failed(scaleValues))
    return failure();

  bool asymmetric =
      llvm::any_of(params->zeroPoints, [](int64_t zp) { return zp; });
  SmallVector<int32_t> zeroPointValues;
  if (asymmetric) {
    for (int64_t zp : params->zeroPoints) {
      if (zp < std::numeric_limits<int32_t>::min() ||
          zp > std::numeric_limits<int32_t>::max())
        return emitError() << "zero point " << zp << " does not fit in i32";
      zeroPointValues.push_back(zp);
    }
  }

  MLIRContext *ctx = type.getContext();
  Type storageType =
      IntegerType::get(ctx, storage->width,
                       storage->isSigned ? IntegerType::Signless
                                         : IntegerType::Unsigned);
  Type f32 = Float32Type::get(ctx);
  auto scheme = SchemeAttr::getChecked(
      emitError, ctx, storageType, params->granularity, storage->narrow,
      asymmetric, /*dynamic=*/false, f32, RoundingMode::NearestEven,
      ClipKind::None, APFloat(0.0), Family::None);
  if (!scheme)
    return failure();
  auto qtensorType =
      QTensorType::getChecked(emitError, ctx, tensorType.getShape(), scheme);
  if (!qtensorType)
    return failure();

  LowBitEquivalent result;
  result.type = qtensorType;
  result.scale = DenseElementsAttr::get(
      RankedTensorType::get(params->grid, f32), ArrayRef(*scaleValues));
  if (asymmetric)
    result.zeroPoint = DenseElementsAttr::get(
        RankedTensorType::get(params->grid, IntegerType::get(ctx, 32)),
        ArrayRef(zeroPointValues));
  return result;
}

/// Like getLowBitEquivalent, for callers that only need to know whether there
/// is an equivalent.
static FailureOr<LowBitEquivalent> getLowBitEquivalent(Type type) {
  SilentProbe probe(type.getContext());
  return getLowBitEquivalent(type, [&] { return probe.emitError(); });
}

QTensorType lowbit::convertQuantizedTensorType(
    Type type, function_ref<InFlightDiagnostic()> emitError) {
  FailureOr<LowBitEquivalent> equivalent = getLowBitEquivalent(type, emitError);
  return succeeded(equivalent) ? equivalent->type : QTensorType();
}

QuantToLowBitTypeConverter::QuantToLowBitTypeConverter() {
  // Types without quant types are kept; any other type fails unless the
  // conversion below applies.
  addConversion([](Type type) -> std::optional<Type> {
    if (containsQuantizedType(type))
      return Type();
    return type;
  });
  addConversion([](RankedTensorType type) -> std::optional<Type> {
    if (!isa<quant::QuantizedType>(type.getElementType()))
      return std::nullopt;
    FailureOr<LowBitEquivalent> equivalent = getLowBitEquivalent(type);
    if (failed(equivalent))
      return Type();
    return equivalent->type;
  });
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// Materializes the parameters of `equivalent` as constants.
static std::pair<Value, Value>
createParamConstants(OpBuilder &builder, Location loc,
                     const LowBitEquivalent &equivalent) {
  Value scale = arith::ConstantOp::create(builder, loc,
                                          cast<TypedAttr>(equivalent.scale));
  Value zeroPoint;
  if (equivalent.zeroPoint)
    zeroPoint = arith::ConstantOp::create(
        builder, loc, cast<TypedAttr>(equivalent.zeroPoint));
  return {scale, zeroPoint};
}

/// True if `value` is produced by a constant op holding `attr`.
static bool isConstant(Value value, Attribute attr) {
  Attribute constant;
  return matchPattern(value, m_Constant(&constant)) && constant == attr;
}

namespace {
/// quant.qcast -> lowbit.quantize with the parameters of the result type.
struct QuantizeCastOpConversion
    : public OpConversionPattern<quant::QuantizeCastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(quant::QuantizeCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType =
        getTypeConverter()->convertType<QTensorType>(op.getType());
    FailureOr<LowBitEquivalent> equivalent = getLowBitEquivalent(op.getType());
    if (!resultType || failed(equivalent) || equivalent->type != resultType)
      return rewriter.notifyMatchFailure(
          op, "result type has no !lowbit.qtensor equivalent");
    auto [scale, zeroPoint] =
        createParamConstants(rewriter, op.getLoc(), *equivalent);
    rewriter.replaceOpWithNewOp<QuantizeOp>(op, resultType, adaptor.getInput(),
                                            scale, zeroPoint,
                                            /*global_scale=*/Value());
    return success();
  }
};

/// quant.dcast -> lowbit.dequantize with the parameters of the original
/// operand type.
struct DequantizeCastOpConversion
    : public OpConversionPattern<quant::DequantizeCastOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(quant::DequantizeCastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    FailureOr<LowBitEquivalent> equivalent =
        getLowBitEquivalent(op.getInput().getType());
    if (failed(equivalent) || input.getType() != equivalent->type)
      return rewriter.notifyMatchFailure(
          op, "operand type has no !lowbit.qtensor equivalent");

    // Reuse the constants of a converted quant.qcast so that the pair keeps
    // sharing its parameters (convert-lowbit-to-quant relies on that).
    Value scale, zeroPoint;
    if (auto producer = input.getDefiningOp<QuantizeOp>();
        producer && isConstant(producer.getScale(), equivalent->scale) &&
        (equivalent->zeroPoint
             ? isConstant(producer.getZeroPoint(), equivalent->zeroPoint)
             : !producer.getZeroPoint())) {
      scale = producer.getScale();
      zeroPoint = producer.getZeroPoint();
    } else {
      std::tie(scale, zeroPoint) =
          createParamConstants(rewriter, op.getLoc(), *equivalent);
    }
    rewriter.replaceOpWithNewOp<DequantizeOp>(op, op.getType(), input, scale,
                                              zeroPoint,
                                              /*global_scale=*/Value());
    return success();
  }
};
} // namespace

void lowbit::populateQuantToLowBitPatterns(const TypeConverter &typeConverter,
                                           RewritePatternSet &patterns) {
  patterns.add<QuantizeCastOpConversion, DequantizeCastOpConversion>(
      typeConverter, patterns.getContext());
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

/// Reports why `op` holds a quantized value that the conversion cannot
/// handle. Each unconvertible type is reported once, at the first op that
/// holds it; `reported` collects them.
static LogicalResult checkConvertible(Operation *op, DenseSet<Type> &reported) {
  if (isa<quant::StorageCastOp>(op))
    return op->emitOpError()
           << "has no lowbit equivalent: the codes of a !lowbit.qtensor are "
              "only accessible through lowbit ops";

  SmallVector<Type> types(op->getOperandTypes());
  llvm::append_range(types, op->getResultTypes());
  if (auto func = dyn_cast<func::FuncOp>(op)) {
    llvm::append_range(types, func.getArgumentTypes());
    llvm::append_range(types, func.getResultTypes());
  }
  for (Region &region : op->getRegions())
    for (Block &block : region)
      llvm::append_range(types, block.getArgumentTypes());

  auto quantized = llvm::find_if(types, containsQuantizedType);
  if (quantized == types.end())
    return success();
  if (!isa<quant::QuantizeCastOp, quant::DequantizeCastOp, func::FuncOp,
           func::ReturnOp, func::CallOp>(op))
    return op->emitOpError()
           << "uses " << *quantized
           << ", but only quant.qcast, quant.dcast, func.func, func.return "
              "and func.call convert to lowbit";
  for (Type type : types) {
    if (!containsQuantizedType(type) || reported.contains(type))
      continue;
    auto emitError = [&]() -> InFlightDiagnostic {
      return op->emitOpError()
             << "cannot convert " << type << " to !lowbit.qtensor: ";
    };
    if (failed(getLowBitEquivalent(type, emitError))) {
      reported.insert(type);
      return failure();
    }
  }
  return success();
}

namespace {
struct ConvertQuantToLowBitPass
    : public lowbit::impl::ConvertQuantToLowBitBase<ConvertQuantToLowBitPass> {
  void runOnOperation() override {
    // Check everything up front: this reports the reason at the op instead
    // of a generic "failed to legalize", and reports every problem at once.
    ModuleOp module = getOperation();
    DenseSet<Type> reported;
    bool convertible = true;
    module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (failed(checkConvertible(op, reported)))
        convertible = false;
    });
    if (!convertible)
      return signalPassFailure();

    MLIRContext *ctx = &getContext();
    QuantToLowBitTypeConverter typeConverter;
    RewritePatternSet patterns(ctx);
    populateQuantToLowBitPatterns(typeConverter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(
        patterns, typeConverter);
    populateReturnOpTypeConversionPattern(patterns, typeConverter);
    populateCallOpTypeConversionPattern(patterns, typeConverter);

    ConversionTarget target(*ctx);
    target.addLegalDialect<LowBitDialect, arith::ArithDialect>();
    target.addIllegalDialect<quant::QuantDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return typeConverter.isSignatureLegal(op.getFunctionType()) &&
             typeConverter.isLegal(&op.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return typeConverter.isLegal(op); });

    // quant.dcast folds dcast(qcast(x)) to x, which would drop the rounding
    // that lowbit makes explicit.
    ConversionConfig config;
    config.foldingMode = DialectConversionFoldingMode::Never;
    if (failed(applyPartialConversion(module, target, std::move(patterns),
                                      config)))
      signalPassFailure();
  }
};
} // namespace
