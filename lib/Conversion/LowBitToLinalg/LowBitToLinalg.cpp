//===- LowBitToLinalg.cpp - reference lowering of lowbit ------------------===//
//
// Lowers every lowbit op to linalg/tensor/arith/math on decomposed buffers:
// a !lowbit.qtensor becomes its packed codes (tensor of i8, sub-byte codes
// packed along the innermost dimension as docs/numerics.md describes);
// parameters already are tensors. The generated code mirrors the numerics
// library bit for bit; speed is not a goal here.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/LowBitToLinalg/LowBitToLinalg.h"

#include "ChooseParams.h"

#include "lowbit/Conversion/LowBitCodegen/ElementCodegen.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Numerics/BitPacking.h"
#include "lowbit/Numerics/BlockScaled.h"
#include "lowbit/Numerics/FloatFormats.h"
#include "lowbit/Numerics/LookupTable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/TypeSwitch.h"

#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>

namespace mlir::lowbit {
#define GEN_PASS_DEF_CONVERTLOWBITTOLINALG
#include "lowbit/Conversion/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::codegen;

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// The parameters of one quantized tensor, after conversion.
struct QuantOperand {
  QTensorType type;
  Value codes; // packed i8 tensor
  Value scale;
  Value zeroPoint;   // may be null
  Value globalScale; // may be null
};

/// Emits the effective f32 scale of the element at `indices`: the scale at
/// its grid position, times the global scale for NVFP4 (one f32 product, as
/// the numerics library does).
static Value emitElementScale(OpBuilder &b, Location loc,
                              const QuantOperand &q, ArrayRef<Value> indices) {
  SchemeAttr scheme = q.type.getScheme();
  SmallVector<Value> grid = emitGridIndices(b, loc, scheme.getGranularity(),
                                            q.type.getShape(), indices);
  Value scale = emitScaleToF32(
      b, loc, tensor::ExtractOp::create(b, loc, q.scale, grid));
  if (q.globalScale) {
    SmallVector<Value> zeros(indices.size(), indexConst(b, loc, 0));
    Value global = tensor::ExtractOp::create(b, loc, q.globalScale, zeros);
    scale = arith::MulFOp::create(b, loc, scale, global);
  }
  return scale;
}

static Value emitElementZeroPoint(OpBuilder &b, Location loc,
                                  const QuantOperand &q,
                                  ArrayRef<Value> indices) {
  if (!q.zeroPoint)
    return Value();
  SmallVector<Value> grid =
      emitGridIndices(b, loc, q.type.getScheme().getGranularity(),
                      q.type.getShape(), indices);
  return toI32(b, loc, tensor::ExtractOp::create(b, loc, q.zeroPoint, grid));
}

/// Reads code `indices` (i32, zero-extended) out of the packed `codes`:
/// bits [k*b, k*b + b) of the row's little-endian bit stream.
static Value emitUnpack(OpBuilder &b, Location loc, Value codes, unsigned bits,
                        ArrayRef<Value> indices) {
  SmallVector<Value> at(indices);
  auto zext = [&](Value v) {
    return arith::ExtUIOp::create(b, loc, b.getI32Type(), v);
  };
  if (bits == 8)
    return zext(tensor::ExtractOp::create(b, loc, codes, at));
  unsigned last = indices.size() - 1;
  Value bitOffset = arith::MulIOp::create(b, loc, indices[last],
                                          indexConst(b, loc, bits));
  Value byte = arith::DivUIOp::create(b, loc, bitOffset, indexConst(b, loc, 8));
  Value shift = indexToI32(
      b, loc, arith::RemUIOp::create(b, loc, bitOffset, indexConst(b, loc, 8)));
  at[last] = byte;
  Value word = zext(tensor::ExtractOp::create(b, loc, codes, at));
  if (8 % bits != 0) {
    // The code may continue in the next byte; read it only when it exists.
    Value rowBytes = tensor::DimOp::create(b, loc, codes, last);
    Value next = arith::AddIOp::create(b, loc, byte, indexConst(b, loc, 1));
    Value hasNext =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, next, rowBytes);
    at[last] = arith::SelectOp::create(b, loc, hasNext, next, byte);
    Value high = zext(tensor::ExtractOp::create(b, loc, codes, at));
    high = arith::SelectOp::create(b, loc, hasNext, high, i32Const(b, loc, 0));
    word = arith::OrIOp::create(
        b, loc, word, arith::ShLIOp::create(b, loc, high, i32Const(b, loc, 8)));
  }
  Value code = arith::ShRUIOp::create(b, loc, word, shift);
  return arith::AndIOp::create(b, loc, code, i32Const(b, loc, (1 << bits) - 1));
}

/// Packs `codes` (one code per i8, innermost row length `rowLength`) into the
/// bit-stream layout: byte j of a row holds stream bits [8j, 8j + 8).
static Value emitPack(OpBuilder &b, Location loc, Value codes, unsigned bits) {
  if (bits == 8)
    return codes;
  auto type = cast<RankedTensorType>(codes.getType());
  unsigned last = type.getRank() - 1;
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, codes);
  Value rowLength = tensor::DimOp::create(b, loc, codes, last);
  // ceil(rowLength * bits / 8)
  Value rowBits =
      arith::MulIOp::create(b, loc, rowLength, indexConst(b, loc, bits));
  if (type.isDynamicDim(last))
    sizes[last] =
        arith::CeilDivUIOp::create(b, loc, rowBits, indexConst(b, loc, 8))
            .getResult();
  else
    sizes[last] = b.getIndexAttr(
        ::lowbit::numerics::getPackedRowBytes(type.getDimSize(last), bits));
  return buildTensor(
      b, loc, sizes, b.getI8Type(),
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> indices) -> Value {
        Value firstBit = arith::MulIOp::create(nb, nloc, indices[last],
                                               indexConst(nb, nloc, 8));
        Value firstCode = arith::DivUIOp::create(nb, nloc, firstBit,
                                                 indexConst(nb, nloc, bits));
        // Bits of the first code that lie in earlier bytes.
        Value skipped = indexToI32(
            nb, nloc,
            arith::RemUIOp::create(nb, nloc, firstBit,
                                   indexConst(nb, nloc, bits)));
        Value endBit =
            arith::AddIOp::create(nb, nloc, firstBit, indexConst(nb, nloc, 8));
        Value lastValid = arith::SubIOp::create(nb, nloc, rowLength,
                                                indexConst(nb, nloc, 1));
        Value byte = i32Const(nb, nloc, 0);
        SmallVector<Value> at(indices);
        for (unsigned t = 0; t < 8 / bits + 2; ++t) {
          Value k = arith::AddIOp::create(nb, nloc, firstCode,
                                          indexConst(nb, nloc, t));
          Value kBit = arith::MulIOp::create(nb, nloc, k,
                                             indexConst(nb, nloc, bits));
          Value valid = arith::AndIOp::create(
              nb, nloc,
              arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ult, k,
                                    rowLength),
              arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::ult, kBit,
                                    endBit));
          at[last] = arith::MinUIOp::create(nb, nloc, k, lastValid);
          Value code = arith::ExtUIOp::create(
              nb, nloc, nb.getI32Type(),
              tensor::ExtractOp::create(nb, nloc, codes, at));
          // Position of the code's bit 0 relative to the byte's bit 0.
          Value shift = arith::SubIOp::create(
              nb, nloc, i32Const(nb, nloc, t * bits), skipped);
          Value negative = arith::CmpIOp::create(
              nb, nloc, arith::CmpIPredicate::slt, shift, i32Const(nb, nloc, 0));
          Value left = arith::ShLIOp::create(nb, nloc, code, shift);
          Value right = arith::ShRUIOp::create(
              nb, nloc, code,
              arith::SubIOp::create(nb, nloc, i32Const(nb, nloc, 0), shift));
          Value part = arith::SelectOp::create(nb, nloc, negative, right, left);
          part = arith::SelectOp::create(nb, nloc, valid, part,
                                         i32Const(nb, nloc, 0));
          byte = arith::OrIOp::create(nb, nloc, byte, part);
        }
        return arith::TruncIOp::create(nb, nloc, nb.getI8Type(), byte);
      });
}

/// Sizes of the logical (unpacked) tensor behind `q`; the innermost size
/// comes from the type (dynamic innermost sizes are rejected earlier for
/// sub-byte formats).
static SmallVector<OpFoldResult> getLogicalSizes(OpBuilder &b, Location loc,
                                                 const QuantOperand &q) {
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, q.codes);
  int64_t last = q.type.getShape().back();
  if (!ShapedType::isDynamic(last))
    sizes.back() = b.getIndexAttr(last);
  return sizes;
}

/// True for the block formats whose library quantizers give code 0 when the
/// effective scale is zero or NaN.
static bool zeroCodeOnDegenerateScale(SchemeAttr scheme) {
  return scheme.getFamily() != Family::None;
}

/// Emits the codes of `input` quantized with `q`'s parameters, packed.
static Value emitQuantize(OpBuilder &b, Location loc, Value input,
                          const QuantOperand &q) {
  SchemeAttr scheme = q.type.getScheme();
  ElementFormat format = getElementFormat(scheme);
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, input);
  Value codes = buildTensor(
      b, loc, sizes, b.getI8Type(),
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> indices) -> Value {
        Value x = toF32(nb, nloc,
                        tensor::ExtractOp::create(nb, nloc, input, indices));
        Value scale = emitElementScale(nb, nloc, q, indices);
        Value code;
        if (format.kind == ElementFormat::Kind::Integer) {
          Value zp = emitElementZeroPoint(nb, nloc, q, indices);
          code = emitAffineEncode(nb, nloc, format, scheme.getRounding(), x,
                                  scale, zp);
        } else {
          Value scaled = arith::DivFOp::create(nb, nloc, x, scale);
          code = emitTableEncode(nb, nloc, format, scaled);
          if (zeroCodeOnDegenerateScale(scheme)) {
            Value zero = arith::ConstantFloatOp::create(
                nb, nloc, nb.getF32Type(), APFloat(0.0f));
            Value degenerate = arith::CmpFOp::create(
                nb, nloc, arith::CmpFPredicate::UEQ, scale, zero);
            code = arith::SelectOp::create(nb, nloc, degenerate,
                                           i32Const(nb, nloc, 0), code);
          }
        }
        code = arith::AndIOp::create(nb, nloc, code,
                                     i32Const(nb, nloc, (1 << format.bits) - 1));
        return arith::TruncIOp::create(nb, nloc, nb.getI8Type(), code);
      });
  return emitPack(b, loc, codes, format.bits);
}

/// Emits the integer value (q - z) of every element of `q` as i32.
static Value emitIntegerValues(OpBuilder &b, Location loc,
                               const QuantOperand &q) {
  ElementFormat format = getElementFormat(q.type.getScheme());
  return buildTensor(
      b, loc, getLogicalSizes(b, loc, q), b.getI32Type(),
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> indices) -> Value {
        Value code = emitUnpack(nb, nloc, q.codes, format.bits, indices);
        Value value = format.kind == ElementFormat::Kind::Integer
                          ? emitIntegerFromCode(nb, nloc, format, code)
                          // MXINT8: two's-complement byte.
                          : arith::ShRSIOp::create(
                                nb, nloc,
                                arith::ShLIOp::create(nb, nloc, code,
                                                      i32Const(nb, nloc, 24)),
                                i32Const(nb, nloc, 24));
        if (Value zp = emitElementZeroPoint(nb, nloc, q, indices))
          value = arith::SubIOp::create(nb, nloc, value, zp);
        return value;
      });
}

/// Emits the dequantized values of `q` with element type `elementType`.
static Value emitDequantize(OpBuilder &b, Location loc, const QuantOperand &q,
                            Type elementType) {
  ElementFormat format = getElementFormat(q.type.getScheme());
  return buildTensor(
      b, loc, getLogicalSizes(b, loc, q), elementType,
      [&](OpBuilder &nb, Location nloc, ArrayRef<Value> indices) -> Value {
        Value code = emitUnpack(nb, nloc, q.codes, format.bits, indices);
        Value scale = emitElementScale(nb, nloc, q, indices);
        Value value;
        if (format.kind == ElementFormat::Kind::Integer) {
          Value integer = emitIntegerFromCode(nb, nloc, format, code);
          if (Value zp = emitElementZeroPoint(nb, nloc, q, indices))
            integer = arith::SubIOp::create(nb, nloc, integer, zp);
          value = arith::MulFOp::create(
              nb, nloc, scale,
              arith::SIToFPOp::create(nb, nloc, nb.getF32Type(), integer));
        } else {
          value = arith::MulFOp::create(
              nb, nloc, emitTableDecode(nb, nloc, format, code), scale);
        }
        return fromF32(nb, nloc, value, elementType);
      });
}

/// Checks what the reference lowering cannot handle; reports it at the op.
static LogicalResult checkLowerable(Operation *op, QTensorType type) {
  if (type.getScheme().getBitWidth() < 8 &&
      ShapedType::isDynamic(type.getShape().back()))
    return op->emitOpError()
           << "cannot lower a sub-byte quantized tensor with a dynamic "
              "innermost dimension: its packed size does not determine it";
  return success();
}

static LogicalResult checkLowerable(ChooseParamsOp op) {
  SchemeAttr scheme = op.getScheme();
  if (scheme.getFamily() != Family::None)
    return success();
  Type scaleType = scheme.getScaleType();
  if (!isa<Float32Type, Float16Type, BFloat16Type>(scaleType))
    return op.emitOpError()
           << "cannot choose " << scaleType
           << " scales at run time outside the mx and nvfp4 families";
  if (scheme.getClipKind() != ClipKind::None &&
      scheme.getClipKind() != ClipKind::Ratio)
    return op.emitOpError()
           << "clip = " << stringifyClipKind(scheme.getClipKind())
           << " needs calibration data; run-time parameter choice supports "
              "none and ratio";
  if (scheme.isInteger() && !scheme.getAsymmetric() && scheme.getQMax() <= 0)
    return op.emitOpError("a symmetric scheme needs a positive code");
  return success();
}

/// Reports every op of `root` that the lowering cannot handle.
static LogicalResult checkLowerable(Operation *root) {
  WalkResult result = root->walk([](Operation *op) {
    if (auto choose = dyn_cast<ChooseParamsOp>(op))
      return failed(checkLowerable(choose)) ? WalkResult::interrupt()
                                            : WalkResult::advance();
    if (auto matmul = dyn_cast<MatmulOp>(op))
      if (isa<IntegerType>(matmul.getAccType()) &&
          ShapedType::isDynamic(
              cast<QTensorType>(matmul.getLhs().getType()).getShape()[1])) {
        matmul.emitOpError("integer accumulation needs a static reduction size");
        return WalkResult::interrupt();
      }
    if (!isa<QuantizeOp, DequantizeOp, MatmulOp>(op))
      return WalkResult::advance();
    for (Type type : llvm::concat<Type>(op->getOperandTypes(),
                                        op->getResultTypes()))
      if (auto qtype = dyn_cast<QTensorType>(type))
        if (failed(checkLowerable(op, qtype)))
          return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

//===----------------------------------------------------------------------===//
// Patterns
//===----------------------------------------------------------------------===//

/// The segments of K of an integer matmul: the maximal runs of K on which
/// the parameters of both operands are constant (the union of their block
/// boundaries), as the start of each segment followed by K.
namespace {

struct ConstantOpLowering : public OpConversionPattern<ConstantOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ConstantOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // The codes are already in their lowered (packed) layout.
    rewriter.replaceOpWithNewOp<arith::ConstantOp>(op, op.getCodesAttr());
    return success();
  }
};

struct ObserveOpLowering : public OpConversionPattern<ObserveOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ObserveOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    // A probe is the identity at run time.
    rewriter.replaceOp(op, adaptor.getInput());
    return success();
  }
};

struct ReorderOpLowering : public OpConversionPattern<ReorderOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ReorderOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    auto type = cast<RankedTensorType>(input.getType());
    std::vector<int32_t> perm(op.getPermutation().begin(),
                              op.getPermutation().end());
    int64_t axis = op.getAxis();
    Value result = buildTensor(
        rewriter, loc, tensor::getMixedSizes(rewriter, loc, input),
        type.getElementType(),
        [&](OpBuilder &b, Location l, ArrayRef<Value> indices) -> Value {
          SmallVector<Value> from(indices);
          Value source = tensor::ExtractOp::create(
              b, l, emitI32Table(b, l, perm), indices[axis]);
          from[axis] =
              arith::IndexCastOp::create(b, l, b.getIndexType(), source);
          return tensor::ExtractOp::create(b, l, input, from);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct QuantizeOpLowering : public OpConversionPattern<QuantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    QTensorType type = op.getResult().getType();
    QuantOperand q{type, Value(), adaptor.getScale(), adaptor.getZeroPoint(),
                   adaptor.getGlobalScale()};
    rewriter.replaceOp(
        op, emitQuantize(rewriter, op.getLoc(), adaptor.getInput(), q));
    return success();
  }
};

struct DequantizeOpLowering : public OpConversionPattern<DequantizeOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(DequantizeOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    QTensorType type = op.getInput().getType();
    QuantOperand q{type, adaptor.getInput(), adaptor.getScale(),
                   adaptor.getZeroPoint(), adaptor.getGlobalScale()};
    rewriter.replaceOp(op, emitDequantize(rewriter, op.getLoc(), q,
                                          op.getType().getElementType()));
    return success();
  }
};

struct ChooseParamsOpLowering : public OpConversionPattern<ChooseParamsOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(ChooseParamsOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    SmallVector<Value> results =
        emitChooseParams(rewriter, op.getLoc(), op, adaptor.getInput());
    // Static result types: cast the computed (possibly dynamic) shapes.
    SmallVector<Value> casted;
    for (auto [value, result] : llvm::zip_equal(results, op.getResults()))
      casted.push_back(value.getType() == result.getType()
                           ? value
                           : tensor::CastOp::create(rewriter, op.getLoc(),
                                                    result.getType(), value)
                                 .getResult());
    rewriter.replaceOp(op, casted);
    return success();
  }
};

struct MatmulOpLowering : public OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto lhsQ = dyn_cast<QTensorType>(op.getLhs().getType());
    auto rhsQ = dyn_cast<QTensorType>(op.getRhs().getType());
    QuantOperand lhs{lhsQ, adaptor.getLhs(), adaptor.getLhsScale(),
                     adaptor.getLhsZeroPoint(), adaptor.getLhsGlobalScale()};
    QuantOperand rhs{rhsQ, adaptor.getRhs(), adaptor.getRhsScale(),
                     adaptor.getRhsZeroPoint(), adaptor.getRhsGlobalScale()};
    bool transposed = op.getTransposeRhs();
    Type resultType = op.getType().getElementType();
    Value result = isa<IntegerType>(op.getAccType())
                       ? lowerInteger(rewriter, loc, op, lhs, rhs)
                       : lowerFloat(rewriter, loc, lhs, adaptor.getLhs(), rhs,
                                    adaptor.getRhs(), transposed,
                                    cast<FloatType>(op.getAccType()));
    // Round the accumulator to the result type once, at the end.
    auto accType = cast<RankedTensorType>(result.getType()).getElementType();
    if (accType != resultType)
      result = buildTensor(
          rewriter, loc, tensor::getMixedSizes(rewriter, loc, result),
          resultType, [&](OpBuilder &b, Location l, ArrayRef<Value> idx) {
            Value v = tensor::ExtractOp::create(b, l, result, idx);
            return fromF32(b, l, toF32(b, l, v), resultType);
          });
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Maps of the reduction over (m, n, k).
  static SmallVector<AffineMap> matmulMaps(OpBuilder &b, bool transposed) {
    AffineExpr m, n, k;
    bindDims(b.getContext(), m, n, k);
    auto map = [&](ArrayRef<AffineExpr> exprs) {
      return AffineMap::get(3, 0, exprs, b.getContext());
    };
    return {map({m, k}), transposed ? map({n, k}) : map({k, n}), map({m, n})};
  }

  /// Float accumulation: dequantize (or convert) both operands to the
  /// accumulation type, then sum products in increasing k.
  Value lowerFloat(OpBuilder &b, Location loc, const QuantOperand &lhs,
                   Value lhsValue, const QuantOperand &rhs, Value rhsValue,
                   bool transposed, FloatType accType) const {
    auto operand = [&](const QuantOperand &q, Value value) -> Value {
      if (q.type)
        return emitDequantize(b, loc, q, accType);
      auto type = cast<RankedTensorType>(value.getType());
      if (type.getElementType() == accType)
        return value;
      return buildTensor(b, loc, tensor::getMixedSizes(b, loc, value), accType,
                         [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) {
                           Value v = tensor::ExtractOp::create(nb, l, value, idx);
                           return fromF32(nb, l, toF32(nb, l, v), accType);
                         });
    };
    Value a = operand(lhs, lhsValue), w = operand(rhs, rhsValue);
    OpFoldResult m = tensor::getMixedSize(b, loc, a, 0);
    OpFoldResult n = tensor::getMixedSize(b, loc, w, transposed ? 0 : 1);
    Value init = tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{m, n},
                                         accType);
    Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(accType, 0.0));
    init = linalg::FillOp::create(b, loc, zero, init).getResult(0);
    auto generic = linalg::GenericOp::create(
        b, loc, init.getType(), ValueRange{a, w}, ValueRange{init},
        matmulMaps(b, transposed),
        {utils::IteratorType::parallel, utils::IteratorType::parallel,
         utils::IteratorType::reduction},
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value prod = arith::MulFOp::create(nb, l, args[0], args[1]);
          linalg::YieldOp::create(nb, l,
                                  arith::AddFOp::create(nb, l, args[2], prod)
                                      .getResult());
        });
    return generic.getResult(0);
  }

  /// Integer accumulation: exact i32 dot products over the K segments of
  /// getIntegerMatmulSegments, then
  /// acc += float(segment sum) * (lhs scale * rhs scale) in f32, segments in
  /// increasing k.
  Value lowerInteger(OpBuilder &b, Location loc, MatmulOp op,
                     const QuantOperand &lhs, const QuantOperand &rhs) const {
    bool transposed = op.getTransposeRhs();
    SmallVector<int64_t> bounds = getIntegerMatmulSegments(op);
    Value a = emitIntegerValues(b, loc, lhs);
    Value w = emitIntegerValues(b, loc, rhs);
    OpFoldResult m = tensor::getMixedSize(b, loc, a, 0);
    OpFoldResult n = tensor::getMixedSize(b, loc, w, transposed ? 0 : 1);
    Value init = tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{m, n},
                                         b.getF32Type());
    Value zero =
        arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(0.0f));
    init = linalg::FillOp::create(b, loc, zero, init).getResult(0);

    // Segments of one length: one reduction over (m, n, segment, j).
    int64_t length = bounds[1] - bounds[0];
    bool uniform =
        llvm::all_of(llvm::seq<size_t>(1, bounds.size()), [&](size_t i) {
          return bounds[i] - bounds[i - 1] == length;
        });
    if (uniform)
      return scaleSegments(b, loc, lhs, rhs, transposed, length,
                           uniformPartials(b, loc, a, w, m, n, transposed,
                                           length, bounds.size() - 1),
                           init);

    // Otherwise a loop over the segments (starts from a table), each one
    // i32 matmul of the K slices and one scaling step: one loop nest
    // whatever the number of segments (compile time stays flat).
    Value table = emitI32Table(
        b, loc, SmallVector<int32_t>(bounds.begin(), bounds.end()));
    auto loop = scf::ForOp::create(
        b, loc, indexConst(b, loc, 0), indexConst(b, loc, bounds.size() - 1),
        indexConst(b, loc, 1), ValueRange{init},
        [&](OpBuilder &b, Location loc, Value s, ValueRange args) {
          auto bound = [&](Value i) -> Value {
            return arith::IndexCastOp::create(
                b, loc, b.getIndexType(),
                tensor::ExtractOp::create(b, loc, table, i));
          };
          Value k0 = bound(s);
          Value length = arith::SubIOp::create(
              b, loc,
              bound(arith::AddIOp::create(b, loc, s, indexConst(b, loc, 1))),
              k0);
          auto slice = [&](Value v, unsigned kDim) {
            SmallVector<OpFoldResult> offsets(2, b.getIndexAttr(0));
            SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, v);
            offsets[kDim] = k0;
            sizes[kDim] = length;
            return tensor::ExtractSliceOp::create(
                       b, loc, v, offsets, sizes,
                       SmallVector<OpFoldResult>(2, b.getIndexAttr(1)))
                .getResult();
          };
          Value partial =
              segmentPartial(b, loc, slice(a, 1), slice(w, transposed ? 1 : 0),
                             m, n, transposed);
          scf::YieldOp::create(
              b, loc,
              scaleSegment(b, loc, lhs, rhs, transposed, partial, args[0], k0));
        });
    return loop.getResult(0);
  }

  /// partial[m, n] = sum_k a[m, k] * w[k, n] in i32 over one K slice.
  static Value segmentPartial(OpBuilder &b, Location loc, Value a, Value w,
                              OpFoldResult m, OpFoldResult n, bool transposed) {
    Value init = tensor::EmptyOp::create(b, loc, ArrayRef<OpFoldResult>{m, n},
                                         b.getI32Type());
    init =
        linalg::FillOp::create(b, loc, i32Const(b, loc, 0), init).getResult(0);
    return linalg::GenericOp::create(
               b, loc, init.getType(), ValueRange{a, w}, ValueRange{init},
               matmulMaps(b, transposed),
               {utils::IteratorType::parallel, utils::IteratorType::parallel,
                utils::IteratorType::reduction},
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Value prod = arith::MulIOp::create(nb, l, args[0], args[1]);
                 linalg::YieldOp::create(
                     nb, l,
                     arith::AddIOp::create(nb, l, args[2], prod).getResult());
               })
        .getResult(0);
  }

  /// acc[m, n] + float(partial[m, n]) * (sa * sw) for the segment at `k0`.
  static Value scaleSegment(OpBuilder &b, Location loc, const QuantOperand &lhs,
                            const QuantOperand &rhs, bool transposed,
                            Value partial, Value acc, Value k0) {
    MLIRContext *ctx = b.getContext();
    AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
    return linalg::GenericOp::create(
               b, loc, acc.getType(), ValueRange{partial}, ValueRange{acc},
               {identity, identity},
               {utils::IteratorType::parallel, utils::IteratorType::parallel},
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 linalg::YieldOp::create(nb, l,
                                         addScaledSum(nb, l, lhs, rhs,
                                                      transposed, k0, args[0],
                                                      args[1]));
               })
        .getResult(0);
  }

  /// In a body over (m, n, ...): acc + float(sum) * (sa * sw) with the
  /// scales of both operands at (m, k0) and (n, k0), the one scaling step of
  /// a segment that starts at k0.
  static Value addScaledSum(OpBuilder &b, Location loc, const QuantOperand &lhs,
                            const QuantOperand &rhs, bool transposed, Value k0,
                            Value sum, Value acc) {
    Value m = linalg::IndexOp::create(b, loc, 0);
    Value n = linalg::IndexOp::create(b, loc, 1);
    Value sa = integerScale(b, loc, lhs, {m, k0});
    Value sw = integerScale(b, loc, rhs,
                            transposed ? SmallVector<Value>{n, k0}
                                       : SmallVector<Value>{k0, n});
    Value term = arith::MulFOp::create(
        b, loc, arith::SIToFPOp::create(b, loc, b.getF32Type(), sum),
        arith::MulFOp::create(b, loc, sa, sw));
    return arith::AddFOp::create(b, loc, acc, term);
  }

  /// partial[m, n, s] = sum_j a[m, s*L + j] * w[s*L + j, n] in i32 for
  /// `count` segments of length L.
  static Value uniformPartials(OpBuilder &b, Location loc, Value a, Value w,
                               OpFoldResult m, OpFoldResult n, bool transposed,
                               int64_t length, int64_t count) {
    MLIRContext *ctx = b.getContext();
    AffineExpr dm, dn, ds, dj;
    bindDims(ctx, dm, dn, ds, dj);
    AffineExpr kk = ds * length + dj;
    auto map4 = [&](ArrayRef<AffineExpr> e) {
      return AffineMap::get(4, 0, e, ctx);
    };
    Value partialInit = tensor::EmptyOp::create(
        b, loc, ArrayRef<OpFoldResult>{m, n, b.getIndexAttr(count)},
        b.getI32Type());
    partialInit = linalg::FillOp::create(b, loc, i32Const(b, loc, 0),
                                         partialInit)
                      .getResult(0);
    // Gives the j loop its extent.
    Value segmentShape = tensor::EmptyOp::create(
        b, loc, ArrayRef<int64_t>{length}, b.getI8Type());
    auto partial = linalg::GenericOp::create(
        b, loc, partialInit.getType(), ValueRange{a, w, segmentShape},
        ValueRange{partialInit},
        {map4({dm, kk}), transposed ? map4({dn, kk}) : map4({kk, dn}),
         map4({dj}), map4({dm, dn, ds})},
        {utils::IteratorType::parallel, utils::IteratorType::parallel,
         utils::IteratorType::parallel, utils::IteratorType::reduction},
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value prod = arith::MulIOp::create(nb, l, args[0], args[1]);
          linalg::YieldOp::create(
              nb, l, arith::AddIOp::create(nb, l, args[3], prod).getResult());
        });
    return partial.getResult(0);
  }

  /// acc[m, n] += float(partial[m, n, s]) * (sa * sw), s increasing, where
  /// segment s of length L starts at k = s * L.
  static Value scaleSegments(OpBuilder &b, Location loc,
                             const QuantOperand &lhs, const QuantOperand &rhs,
                             bool transposed, int64_t length, Value partial,
                             Value acc) {
    MLIRContext *ctx = b.getContext();
    AffineExpr em, en, es;
    bindDims(ctx, em, en, es);
    auto map3 = [&](ArrayRef<AffineExpr> e) {
      return AffineMap::get(3, 0, e, ctx);
    };
    auto scaled = linalg::GenericOp::create(
        b, loc, acc.getType(), ValueRange{partial}, ValueRange{acc},
        {map3({em, en, es}), map3({em, en})},
        {utils::IteratorType::parallel, utils::IteratorType::parallel,
         utils::IteratorType::reduction},
        [&](OpBuilder &nb, Location l, ValueRange args) {
          Value k0 =
              arith::MulIOp::create(nb, l, linalg::IndexOp::create(nb, l, 2),
                                    indexConst(nb, l, length));
          linalg::YieldOp::create(
              nb, l,
              addScaledSum(nb, l, lhs, rhs, transposed, k0, args[0], args[1]));
        });
    return scaled.getResult(0);
  }

  /// The scale that turns (q - z) into a value: the grid scale, times the
  /// implied 2^-6 of MXINT8.
  static Value integerScale(OpBuilder &b, Location loc, const QuantOperand &q,
                            ArrayRef<Value> indices) {
    Value scale = emitElementScale(b, loc, q, indices);
    if (q.type.getScheme().getFamily() == Family::MX)
      scale = arith::MulFOp::create(
          b, loc, scale,
          arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                         APFloat(0.015625f)));
    return scale;
  }
};

} // namespace

void mlir::lowbit::populateLowBitToLinalgPatterns(const TypeConverter &typeConverter,
                                            RewritePatternSet &patterns) {
  patterns.add<ChooseParamsOpLowering, ConstantOpLowering, ObserveOpLowering, ReorderOpLowering,
               QuantizeOpLowering,
               DequantizeOpLowering, MatmulOpLowering>(typeConverter,
                                                       patterns.getContext());
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct ConvertLowBitToLinalgPass
    : public mlir::lowbit::impl::ConvertLowBitToLinalgBase<ConvertLowBitToLinalgPass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    if (failed(checkLowerable(getOperation())))
      return signalPassFailure();
    PackedStorageTypeConverter typeConverter;
    ConversionTarget target(*ctx);
    target.addIllegalDialect<LowBitDialect>();
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect,
                           math::MathDialect, scf::SCFDialect,
                           tensor::TensorDialect>();
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp op) {
      return typeConverter.isSignatureLegal(op.getFunctionType()) &&
             typeConverter.isLegal(&op.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return typeConverter.isLegal(op); });

    RewritePatternSet patterns(ctx);
    populateLowBitToLinalgPatterns(typeConverter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(
        patterns, typeConverter);
    populateReturnOpTypeConversionPattern(patterns, typeConverter);
    populateCallOpTypeConversionPattern(patterns, typeConverter);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
