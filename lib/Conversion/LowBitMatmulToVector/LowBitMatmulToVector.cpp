//===- LowBitMatmulToVector.cpp - fast CPU lowering of lowbit.matmul ------===//
//
// Lowers the fused matmuls of quantized LLM inference to register-tiled loops
// of 1-D vector ops on tensors (bufferized later with everything else):
//
//   for nb in N step kNBlock            (a block of weight rows stays in L2)
//     for m0 in M step MR               (rows of the activations)
//       [per-row state, e.g. VNNI compensation]
//       for n0 in nb..nb+kNBlock step NR
//         MR x NR tile: vector accumulators over the whole K loop, one
//         horizontal reduction per output element at the end
//
// Remainders of M and N are covered by 1 x NR and MR x 1 tiles. Weight codes
// are loaded as bytes and unpacked, converted and multiplied in registers.
// The layouts are documented in docs/cpu-codegen.md.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/LowBitMatmulToVector/LowBitMatmulToVector.h"

#include "KernelCommon.h"
#include "SegmentedIntegerKernel.h"
#include "WeightOnlyKernel.h"

#include "lowbit/Conversion/LowBitCodegen/PackedStorage.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Dialect/LowBitX86/IR/LowBitX86.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_CONVERTLOWBITMATMULTOVECTOR
#include "lowbit/Conversion/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::tiled;

namespace {

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// W8A8: i8 [M, K] per-token times i8 [N, K] per-channel, i32 accumulation.
struct Int8Plan {
  int64_t n, k;
};

static FailureOr<Int8Plan> matchInt8(MatmulOp op) {
  if (!hasBasicShape(op) || !op.getAccType().isInteger(32))
    return failure();
  auto lhs = dyn_cast<QTensorType>(op.getLhs().getType());
  auto rhs = cast<QTensorType>(op.getRhs().getType());
  if (!lhs)
    return failure();
  for (SchemeAttr scheme : {lhs.getScheme(), rhs.getScheme()})
    if (!isPlainIntegerScheme(scheme) || scheme.getBitWidth() != 8 ||
        !scheme.isSignedInteger() || !isPerRow(scheme))
      return failure();
  return Int8Plan{rhs.getShape()[0], rhs.getShape()[1]};
}

//===----------------------------------------------------------------------===//
// W8A8 kernel
//===----------------------------------------------------------------------===//

struct Int8Kernel {
  const Int8Plan &plan;
  bool vnni;
  Value a, w;           // [M, K], [N, K] i8
  Value aScale, wScale; // [M, 1], [N, 1] f32

  int64_t chunk() const { return vnni ? 4 * kLanes : kLanes; }

  VectorType chunkType(OpBuilder &b) const {
    return VectorType::get({chunk()}, b.getI8Type());
  }

  /// Visits the chunks of K: full ones in a loop, then a zero-padded tail.
  void forEachChunk(OpBuilder &b, Location loc, SmallVectorImpl<Value> &acc,
                    function_ref<void(OpBuilder &, Location, Value, bool,
                                      SmallVectorImpl<Value> &)>
                        body) const {
    int64_t full = plan.k / chunk() * chunk();
    SmallVector<Value> out =
        loop(b, loc, idx(b, loc, 0), idx(b, loc, full), idx(b, loc, chunk()),
             acc, [&](OpBuilder &b, Location l, Value k, ValueRange args) {
               SmallVector<Value> next(args);
               body(b, l, k, true, next);
               return next;
             });
    acc.assign(out.begin(), out.end());
    if (full != plan.k)
      body(b, loc, idx(b, loc, full), false, acc);
  }

  /// With VNNI, weights are read as u8 (w + 128); the extra 128 * sum_k a
  /// of each activation row is subtracted at the end (exact in i32).
  SmallVector<Value> rowState(OpBuilder &b, Location loc, int64_t mr,
                              Value m0) const {
    if (!vnni)
      return {};
    auto i32s = VectorType::get({kLanes}, b.getI32Type());
    SmallVector<Value> acc(mr, zeros(b, loc, i32s));
    Value bias = splat(b, loc, chunkType(b), b.getI8IntegerAttr(-128));
    forEachChunk(b, loc, acc,
                 [&](OpBuilder &b, Location l, Value k, bool inBounds,
                     SmallVectorImpl<Value> &acc) {
                   for (int64_t i = 0; i < mr; ++i)
                     acc[i] = dpbusd(b, l, acc[i], bias,
                                     read(b, l, chunkType(b), a,
                                          {add(b, l, m0, i), k}, inBounds));
                 });
    SmallVector<Value> sums;
    for (Value v : acc)
      sums.push_back(
          vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD, v));
    return sums;
  }

  Value tile(OpBuilder &b, Location loc, TileShape s, Value m0, Value n0,
             ArrayRef<Value> bias, Value result) const {
    auto i32s = VectorType::get({kLanes}, b.getI32Type());
    SmallVector<Value> acc(s.mr * s.nr, zeros(b, loc, i32s));
    forEachChunk(
        b, loc, acc,
        [&](OpBuilder &b, Location l, Value k, bool inBounds,
            SmallVectorImpl<Value> &acc) {
          SmallVector<Value> rows;
          for (int64_t i = 0; i < s.mr; ++i) {
            Value v =
                read(b, l, chunkType(b), a, {add(b, l, m0, i), k}, inBounds);
            rows.push_back(
                vnni ? v : arith::ExtSIOp::create(b, l, i32s, v).getResult());
          }
          Value flip = vnni
                           ? splat(b, l, chunkType(b), b.getI8IntegerAttr(-128))
                           : Value();
          for (int64_t j = 0; j < s.nr; ++j) {
            Value v =
                read(b, l, chunkType(b), w, {add(b, l, n0, j), k}, inBounds);
            // x ^ 0x80 is x + 128 as an unsigned byte.
            v = vnni ? arith::XOrIOp::create(b, l, v, flip).getResult()
                     : arith::ExtSIOp::create(b, l, i32s, v).getResult();
            for (int64_t i = 0; i < s.mr; ++i) {
              Value &c = acc[i * s.nr + j];
              c = vnni ? dpbusd(b, l, c, v, rows[i])
                       : arith::AddIOp::create(
                             b, l, c, arith::MulIOp::create(b, l, rows[i], v))
                             .getResult();
            }
          }
        });
    // float(sum) * (sa * sw) added to +0.0: the reference's single segment.
    Value zero =
        arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(0.0f));
    Value c0 = idx(b, loc, 0);
    for (int64_t i = 0; i < s.mr; ++i) {
      Value row = add(b, loc, m0, i);
      Value sa = tensor::ExtractOp::create(b, loc, aScale, ValueRange{row, c0});
      for (int64_t j = 0; j < s.nr; ++j) {
        Value col = add(b, loc, n0, j);
        Value sum = vector::ReductionOp::create(
            b, loc, vector::CombiningKind::ADD, acc[i * s.nr + j]);
        if (vnni)
          sum = arith::SubIOp::create(b, loc, sum, bias[i]);
        Value sw =
            tensor::ExtractOp::create(b, loc, wScale, ValueRange{col, c0});
        Value term = arith::MulFOp::create(
            b, loc, arith::SIToFPOp::create(b, loc, b.getF32Type(), sum),
            arith::MulFOp::create(b, loc, sa, sw));
        result = tensor::InsertOp::create(
            b, loc, arith::AddFOp::create(b, loc, zero, term), result,
            ValueRange{row, resultColumn(b, loc, s, n0, j)});
      }
    }
    return result;
  }
};

static Value lowerInt8(OpBuilder &b, Location loc, const Int8Plan &plan,
                       bool vnni, unsigned chunks, QTensorType lhsType, Value a,
                       Value aScale, Value w, Value wScale) {
  std::optional<int64_t> staticM;
  if (!ShapedType::isDynamic(lhsType.getShape()[0]))
    staticM = lhsType.getShape()[0];
  Int8Kernel kernel{plan, vnni, a, w, aScale, wScale};
  Value m = tensor::DimOp::create(b, loc, a, 0);
  return emitColumnChunks(
      b, loc, plan.n, chunks, emptyResult(b, loc, a, plan.n, b.getF32Type()),
      [&](OpBuilder &b, Location loc, RowRange rows, Value result) {
        return emitTiledLoops(
            b, loc, m, rows, staticM, /*main=*/{4, 4}, /*rowTail=*/{1, 4},
            [&](OpBuilder &b, Location l, TileShape s, Value m0, Value n0,
                ArrayRef<Value> state, Value result) {
              return kernel.tile(b, l, s, m0, n0, state, result);
            },
            [&](OpBuilder &b, Location l, int64_t mr, Value m0) {
              return kernel.rowState(b, l, mr, m0);
            },
            result);
      });
}

//===----------------------------------------------------------------------===//
// Pattern
//===----------------------------------------------------------------------===//

struct MatmulToVector : public OpConversionPattern<MatmulOp> {
  MatmulToVector(const TypeConverter &typeConverter, MLIRContext *context,
                 const MatmulToVectorOptions &options)
      : OpConversionPattern(typeConverter, context, /*benefit=*/2),
        options(options) {}

  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (FailureOr<WeightOnlyPlan> plan = matchWeightOnly(op, options);
        succeeded(plan)) {
      rewriter.replaceOp(
          op, lowerWeightOnly(
                  rewriter, loc, *plan, options.avx512, options.parallelChunks,
                  adaptor.getLhs(), adaptor.getRhs(), adaptor.getRhsScale(),
                  adaptor.getRhsZeroPoint(), adaptor.getRhsGlobalScale()));
      return success();
    }
    if (FailureOr<Int8Plan> plan = matchInt8(op); succeeded(plan)) {
      rewriter.replaceOp(op,
                         lowerInt8(rewriter, loc, *plan, options.vnni,
                                   options.parallelChunks,
                                   cast<QTensorType>(op.getLhs().getType()),
                                   adaptor.getLhs(), adaptor.getLhsScale(),
                                   adaptor.getRhs(), adaptor.getRhsScale()));
      return success();
    }
    if (FailureOr<SegmentedIntegerPlan> plan = matchSegmentedInteger(op);
        succeeded(plan)) {
      auto lhsType = cast<QTensorType>(op.getLhs().getType());
      std::optional<int64_t> staticM;
      if (!ShapedType::isDynamic(lhsType.getShape()[0]))
        staticM = lhsType.getShape()[0];
      rewriter.replaceOp(
          op, lowerSegmentedInteger(
                  rewriter, loc, *plan, options.vnni, options.parallelChunks,
                  staticM, adaptor.getLhs(), adaptor.getLhsScale(),
                  adaptor.getLhsZeroPoint(), adaptor.getRhs(),
                  adaptor.getRhsScale(), adaptor.getRhsZeroPoint()));
      return success();
    }
    return rewriter.notifyMatchFailure(op, "not a vectorizable matmul");
  }

  MatmulToVectorOptions options;
};

} // namespace

bool mlir::lowbit::isVectorizableMatmul(MatmulOp op,
                                        const MatmulToVectorOptions &options) {
  return succeeded(matchWeightOnly(op, options)) || succeeded(matchInt8(op)) ||
         succeeded(matchSegmentedInteger(op));
}

void mlir::lowbit::populateLowBitMatmulToVectorPatterns(
    const TypeConverter &typeConverter, RewritePatternSet &patterns,
    const MatmulToVectorOptions &options) {
  patterns.add<MatmulToVector>(typeConverter, patterns.getContext(), options);
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct ConvertLowBitMatmulToVectorPass
    : public mlir::lowbit::impl::ConvertLowBitMatmulToVectorBase<
          ConvertLowBitMatmulToVectorPass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // Quantized operands are read in the reference lowering's storage; the
    // casts between the two types vanish once that lowering has run.
    PackedStorageTypeConverter typeConverter;
    ConversionTarget target(*ctx);
    target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
    MatmulToVectorOptions options{avx512, vnni, bf16, parallelChunks};
    target.addDynamicallyLegalOp<MatmulOp>(
        [&](MatmulOp op) { return !isVectorizableMatmul(op, options); });
    RewritePatternSet patterns(ctx);
    populateLowBitMatmulToVectorPatterns(typeConverter, patterns, options);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace
