//===- MatmulToGPU.cpp - fused quantized matmuls as GPU kernels -----------===//
//
// Lowers the lowbit.matmul ops a LowBit GPU kernel serves to gpu.launch ops
// written at the level of warps and lanes (docs/gpu.md), and checks the
// target chip. Operands are read in the packed storage of the reference
// lowering (PackedStorageTypeConverter), through bufferization.to_buffer.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/LowBitToGPU/LowBitToGPU.h"

#include "lowbit/Conversion/LowBitCodegen/PackedStorage.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_CONVERTLOWBITMATMULTOGPU
#include "lowbit/Conversion/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;

namespace {

//===----------------------------------------------------------------------===//
// W4A16 GEMV
//===----------------------------------------------------------------------===//

/// Codes each lane reads per step: 16 bytes.
constexpr int64_t kCodesPerLane = 32;
constexpr int64_t kWarpSize = 32;
/// Warps per block, one output column each.
constexpr int64_t kWarpsPerBlock = 4;
/// Largest M the GEMV kernel takes (one accumulator per row and lane).
constexpr int64_t kMaxGemvRows = 8;

struct GemvPlan {
  int64_t m, n, k;
  /// Elements per scale along K (K for per-channel scales).
  int64_t group;
  bool isSigned;
};

FailureOr<GemvPlan> matchGemv(MatmulOp op) {
  if (!hasBasicShape(op) || !op.getAccType().isF32())
    return failure();
  auto lhs = dyn_cast<RankedTensorType>(op.getLhs().getType());
  if (!lhs || !lhs.getElementType().isF32() || lhs.isDynamicDim(0) ||
      lhs.getDimSize(0) > kMaxGemvRows)
    return failure();
  auto rhs = cast<QTensorType>(op.getRhs().getType());
  SchemeAttr scheme = rhs.getScheme();
  if (!isPlainIntegerScheme(scheme) || scheme.getBitWidth() != 4)
    return failure();
  GemvPlan plan{lhs.getDimSize(0), rhs.getShape()[0], rhs.getShape()[1],
                rhs.getShape()[1], scheme.isSignedInteger()};
  if (plan.k % kCodesPerLane != 0)
    return failure();
  if (auto group = dyn_cast<PerGroupAttr>(scheme.getGranularity())) {
    if (group.getAxis() != 1 || group.getSize() % kCodesPerLane != 0 ||
        plan.k % group.getSize() != 0)
      return failure();
    plan.group = group.getSize();
  } else if (!isPerRow(scheme)) {
    return failure();
  }
  return plan;
}

Value toBuffer(ImplicitLocOpBuilder &b, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  return bufferization::ToBufferOp::create(
      b, MemRefType::get(type.getShape(), type.getElementType()), tensor,
      /*readOnly=*/b.getUnitAttr());
}

/// out[m, n] = sum_k a[m, k] * scale[n, k / group] * code[n, k].
///
/// One warp per output column n (kWarpsPerBlock per block). In each step a
/// lane loads 16 bytes of row n's codes (32 nibbles, low nibble first) and
/// the 32 matching activations of every row m, decodes the codes in
/// registers (2^23 + code as f32 bits, minus 2^23 and the zero offset: an
/// exact integer) and sums the 32 products; the sum is scaled once (the 32
/// codes share one group). The lanes' sums are added with a butterfly of
/// `gpu.shuffle xor`; lane 0 writes the M results.
Value lowerGemv(ImplicitLocOpBuilder &b, const GemvPlan &plan, Value lhs,
                Value codes, Value scales) {
  Type f32 = b.getF32Type(), i32 = b.getI32Type();
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, v);
  };
  auto i32c = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, i32, v);
  };
  auto f32c = [&](double v) -> Value {
    return arith::ConstantFloatOp::create(b, cast<FloatType>(f32),
                                          APFloat(float(v)));
  };

  Value a = toBuffer(b, lhs), w = toBuffer(b, codes), s = toBuffer(b, scales);
  auto outType = MemRefType::get({plan.m, plan.n}, f32);
  Value out = memref::AllocOp::create(b, outType);

  Value one = idx(1);
  Value blocks = idx((plan.n + kWarpsPerBlock - 1) / kWarpsPerBlock);
  auto launch = gpu::LaunchOp::create(
      b, blocks, one, one, idx(kWarpsPerBlock * kWarpSize), one, one);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  gpu::TerminatorOp::create(b);
  b.setInsertionPointToStart(&launch.getBody().front());

  Value tid = launch.getThreadIds().x, bid = launch.getBlockIds().x;
  Value warp = arith::DivUIOp::create(b, tid, idx(kWarpSize));
  Value lane = arith::RemUIOp::create(b, tid, idx(kWarpSize));
  Value n = arith::AddIOp::create(
      b, arith::MulIOp::create(b, bid, idx(kWarpsPerBlock)), warp);
  Value inRange =
      arith::CmpIOp::create(b, arith::CmpIPredicate::ult, n, idx(plan.n));
  auto ifColumn = scf::IfOp::create(b, inRange, /*withElseRegion=*/false);
  b.setInsertionPointToStart(ifColumn.thenBlock());

  // Steps over K: each covers kWarpSize * kCodesPerLane codes of the row.
  int64_t perStep = kWarpSize * kCodesPerLane;
  int64_t steps = (plan.k + perStep - 1) / perStep;
  SmallVector<Value> init(plan.m, f32c(0.0));
  auto loop = scf::ForOp::create(b, idx(0), idx(steps), one, init);
  {
    OpBuilder::InsertionGuard loopGuard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k0 = arith::AddIOp::create(
        b, arith::MulIOp::create(b, loop.getInductionVar(), idx(perStep)),
        arith::MulIOp::create(b, lane, idx(kCodesPerLane)));
    SmallVector<Value> acc(loop.getRegionIterArgs());
    Value inK =
        arith::CmpIOp::create(b, arith::CmpIPredicate::ult, k0, idx(plan.k));
    auto ifK = scf::IfOp::create(b, TypeRange(ValueRange(acc)), inK,
                                 /*withElseRegion=*/true);
    b.setInsertionPointToStart(ifK.elseBlock());
    scf::YieldOp::create(b, acc);
    b.setInsertionPointToStart(ifK.thenBlock());

    // 16 bytes of codes as 4 words; signed codes get their sign bits
    // flipped (code + 8, unsigned) so both decode the same way.
    Value bytes = vector::LoadOp::create(
        b, VectorType::get({16}, b.getI8Type()), w,
        ValueRange{n, arith::DivUIOp::create(b, k0, idx(2))},
        /*nontemporal=*/false, llvm::MaybeAlign(16));
    Value words =
        vector::BitCastOp::create(b, VectorType::get({4}, i32), bytes);
    double offset = 8388608.0 + (plan.isSigned ? 8.0 : 0.0);
    SmallVector<Value> values;
    for (int64_t word = 0; word < 4; ++word) {
      Value bits = vector::ExtractOp::create(b, words, word);
      if (plan.isSigned)
        bits = arith::XOrIOp::create(b, bits, i32c(0x88888888));
      for (int64_t j = 0; j < 8; ++j) {
        Value nibble =
            j == 0 ? bits : arith::ShRUIOp::create(b, bits, i32c(4 * j));
        nibble = arith::AndIOp::create(b, nibble, i32c(0xF));
        Value biased = arith::BitcastOp::create(
            b, f32, arith::OrIOp::create(b, nibble, i32c(0x4B000000)));
        values.push_back(arith::SubFOp::create(b, biased, f32c(offset)));
      }
    }
    Value scale = memref::LoadOp::create(
        b, s, ValueRange{n, arith::DivUIOp::create(b, k0, idx(plan.group))});
    SmallVector<Value> next;
    auto act4 = VectorType::get({4}, f32);
    for (int64_t m = 0; m < plan.m; ++m) {
      Value sum = f32c(0.0);
      for (int64_t q = 0; q < kCodesPerLane / 4; ++q) {
        Value chunk = vector::LoadOp::create(
            b, act4, a,
            ValueRange{idx(m), arith::AddIOp::create(b, k0, idx(4 * q))},
            /*nontemporal=*/false, llvm::MaybeAlign(16));
        for (int64_t e = 0; e < 4; ++e)
          sum = math::FmaOp::create(b, vector::ExtractOp::create(b, chunk, e),
                                    values[4 * q + e], sum);
      }
      next.push_back(math::FmaOp::create(b, scale, sum, acc[m]));
    }
    scf::YieldOp::create(b, next);
    b.setInsertionPointAfter(ifK);
    scf::YieldOp::create(b, ifK.getResults());
  }

  // Butterfly sum over the warp; lane 0 writes.
  SmallVector<Value> totals(loop.getResults());
  for (int64_t offset = kWarpSize / 2; offset >= 1; offset /= 2)
    for (Value &total : totals) {
      auto shuffle = gpu::ShuffleOp::create(b, total, offset, kWarpSize,
                                            gpu::ShuffleMode::XOR);
      total = arith::AddFOp::create(b, total, shuffle.getShuffleResult());
    }
  Value first =
      arith::CmpIOp::create(b, arith::CmpIPredicate::eq, lane, idx(0));
  auto ifFirst = scf::IfOp::create(b, first, /*withElseRegion=*/false);
  b.setInsertionPointToStart(ifFirst.thenBlock());
  for (int64_t m = 0; m < plan.m; ++m)
    memref::StoreOp::create(b, totals[m], out, ValueRange{idx(m), n});

  b.setInsertionPointAfter(launch);
  return bufferization::ToTensorOp::create(
      b, RankedTensorType::get({plan.m, plan.n}, f32), out,
      /*restrict=*/true, /*writable=*/true);
}

//===----------------------------------------------------------------------===//
// W8A8 GEMM on tensor cores
//===----------------------------------------------------------------------===//

/// Rows of one warp tile (the MMA's M) and columns (four MMAs of n = 8).
constexpr int64_t kMmaM = 16, kMmaN = 8, kMmaK = 32;
constexpr int64_t kMmaTilesPerWarp = 4;

struct Int8MmaPlan {
  int64_t n, k;
};

/// W8A8: i8 [M, K] per-token times i8 [N, K] per-channel, i32 accumulation,
/// K a multiple of the MMA's 32.
FailureOr<Int8MmaPlan> matchInt8Mma(MatmulOp op) {
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
  Int8MmaPlan plan{rhs.getShape()[0], rhs.getShape()[1]};
  if (plan.k % kMmaK != 0)
    return failure();
  return plan;
}

/// out[m, n] = 0 + float(sum_k a[m, k] * w[n, k]) * (sa[m] * sw[n]), the
/// sum exact in i32: the reference lowering's arithmetic, so results are
/// bit-identical to it.
///
/// Each warp computes a 16 x 32 tile with four `mma.sync.m16n8k32` (s8,
/// i32 accumulators) per step of 32 along K; a block's four warps take
/// neighbouring 32-column tiles of the same 16 rows. Fragments are loaded
/// straight from global memory in the PTX ISA's register layout for this
/// shape (thread `lane` = 4 * group + t): A rows group and group + 8,
/// bytes 4t..4t+3 and 16 + 4t..; B column (weight row) group, the same
/// bytes; accumulator rows group, group + 8, columns 2t, 2t + 1. Rows past
/// M and columns past N read zeros and are not written.
Value lowerInt8Mma(ImplicitLocOpBuilder &b, const Int8MmaPlan &plan, Value lhs,
                   Value lhsScale, Value rhs, Value rhsScale) {
  Type f32 = b.getF32Type(), i8 = b.getI8Type(), i32 = b.getI32Type();
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, v);
  };
  Value a = toBuffer(b, lhs), sa = toBuffer(b, lhsScale);
  Value w = toBuffer(b, rhs), sw = toBuffer(b, rhsScale);
  Value m = memref::DimOp::create(b, a, 0);
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto outType = MemRefType::get({lhsType.getDimSize(0), plan.n}, f32);
  Value out = memref::AllocOp::create(
      b, outType, lhsType.isDynamicDim(0) ? ValueRange{m} : ValueRange{});

  int64_t blockCols = kWarpsPerBlock * kMmaTilesPerWarp * kMmaN;
  Value one = idx(1);
  Value gridX = idx((plan.n + blockCols - 1) / blockCols);
  Value gridY = arith::DivUIOp::create(
      b, arith::AddIOp::create(b, m, idx(kMmaM - 1)), idx(kMmaM));
  auto launch = gpu::LaunchOp::create(
      b, gridX, gridY, one, idx(kWarpsPerBlock * kWarpSize), one, one);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(&launch.getBody().front());
  gpu::TerminatorOp::create(b);
  b.setInsertionPointToStart(&launch.getBody().front());

  Value tid = launch.getThreadIds().x;
  Value warp = arith::DivUIOp::create(b, tid, idx(kWarpSize));
  Value lane = arith::RemUIOp::create(b, tid, idx(kWarpSize));
  Value group = arith::DivUIOp::create(b, lane, idx(4));
  Value t4 =
      arith::MulIOp::create(b, arith::RemUIOp::create(b, lane, idx(4)), idx(4));
  Value m0 = arith::MulIOp::create(b, launch.getBlockIds().y, idx(kMmaM));
  Value n0 = arith::AddIOp::create(
      b, arith::MulIOp::create(b, launch.getBlockIds().x, idx(blockCols)),
      arith::MulIOp::create(b, warp, idx(kMmaTilesPerWarp * kMmaN)));
  Value row0 = arith::AddIOp::create(b, m0, group);
  Value row1 = arith::AddIOp::create(b, row0, idx(8));
  auto less = [&](Value x, Value bound) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, bound);
  };
  Value rowOk0 = less(row0, m), rowOk1 = less(row1, m);
  SmallVector<Value> cols, colOk;
  for (int64_t j = 0; j < kMmaTilesPerWarp; ++j) {
    cols.push_back(arith::AddIOp::create(
        b, n0, arith::AddIOp::create(b, group, idx(j * kMmaN))));
    colOk.push_back(less(cols.back(), idx(plan.n)));
  }

  auto bytes4 = VectorType::get({4}, i8);
  // Four bytes at (row, col), or zeros where `ok` is false.
  auto load4 = [&](Value mem, Value row, Value col, Value ok) -> Value {
    auto ifOk = scf::IfOp::create(b, TypeRange{bytes4}, ok,
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOk.thenBlock());
    scf::YieldOp::create(b, ValueRange{vector::LoadOp::create(
                                b, bytes4, mem, ValueRange{row, col},
                                /*nontemporal=*/false, llvm::MaybeAlign(4))});
    b.setInsertionPointToStart(ifOk.elseBlock());
    scf::YieldOp::create(
        b, ValueRange{arith::ConstantOp::create(
               b, DenseElementsAttr::get(bytes4, b.getI8IntegerAttr(0)))});
    return ifOk.getResult(0);
  };

  auto accType = VectorType::get({2, 2}, i32);
  Value zeroAcc = arith::ConstantOp::create(
      b, DenseElementsAttr::get(accType, b.getI32IntegerAttr(0)));
  SmallVector<Value> init(kMmaTilesPerWarp, zeroAcc);
  auto loop = scf::ForOp::create(b, idx(0), idx(plan.k), idx(kMmaK), init);
  {
    OpBuilder::InsertionGuard loopGuard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value k = loop.getInductionVar();
    Value kLo = arith::AddIOp::create(b, k, t4);
    Value kHi = arith::AddIOp::create(b, kLo, idx(16));
    auto aType = VectorType::get({4, 4}, i8);
    Value aFrag = arith::ConstantOp::create(
        b, DenseElementsAttr::get(aType, b.getI8IntegerAttr(0)));
    Value parts[4] = {load4(a, row0, kLo, rowOk0), load4(a, row1, kLo, rowOk1),
                      load4(a, row0, kHi, rowOk0), load4(a, row1, kHi, rowOk1)};
    for (int64_t r = 0; r < 4; ++r)
      aFrag = vector::InsertOp::create(b, parts[r], aFrag, r);
    SmallVector<Value> next;
    auto bType = VectorType::get({2, 4}, i8);
    for (int64_t j = 0; j < kMmaTilesPerWarp; ++j) {
      Value bFrag = arith::ConstantOp::create(
          b, DenseElementsAttr::get(bType, b.getI8IntegerAttr(0)));
      bFrag = vector::InsertOp::create(b, load4(w, cols[j], kLo, colOk[j]),
                                       bFrag, 0);
      bFrag = vector::InsertOp::create(b, load4(w, cols[j], kHi, colOk[j]),
                                       bFrag, 1);
      next.push_back(
          nvgpu::MmaSyncOp::create(b, aFrag, bFrag, loop.getRegionIterArgs()[j],
                                   b.getI64ArrayAttr({kMmaM, kMmaN, kMmaK})));
    }
    scf::YieldOp::create(b, next);
  }

  // Epilogue: accumulator (r, c) of tile j is row group + 8r, column
  // n0 + 8j + 2t + c.
  Value zero =
      arith::ConstantFloatOp::create(b, cast<FloatType>(f32), APFloat(0.0f));
  Value t2 = arith::DivUIOp::create(b, t4, idx(2));
  Value c0 = idx(0);
  for (int64_t j = 0; j < kMmaTilesPerWarp; ++j) {
    for (int64_t r = 0; r < 2; ++r) {
      Value row = r == 0 ? row0 : row1;
      for (int64_t c = 0; c < 2; ++c) {
        Value col = arith::AddIOp::create(
            b, n0, arith::AddIOp::create(b, t2, idx(j * kMmaN + c)));
        Value ok = arith::AndIOp::create(b, r == 0 ? rowOk0 : rowOk1,
                                         less(col, idx(plan.n)));
        auto ifOk = scf::IfOp::create(b, ok, /*withElseRegion=*/false);
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(ifOk.thenBlock());
        Value sum = vector::ExtractOp::create(b, loop.getResult(j),
                                              ArrayRef<int64_t>{r, c});
        Value scale = arith::MulFOp::create(
            b, memref::LoadOp::create(b, sa, ValueRange{row, c0}),
            memref::LoadOp::create(b, sw, ValueRange{col, c0}));
        Value term = arith::MulFOp::create(
            b, arith::SIToFPOp::create(b, f32, sum), scale);
        memref::StoreOp::create(b, arith::AddFOp::create(b, zero, term), out,
                                ValueRange{row, col});
      }
    }
  }

  b.setInsertionPointAfter(launch);
  return bufferization::ToTensorOp::create(
      b, RankedTensorType::get({lhsType.getDimSize(0), plan.n}, f32), out,
      /*restrict=*/true, /*writable=*/true);
}

bool isServedByGPUKernel(MatmulOp op) {
  return succeeded(matchGemv(op)) || succeeded(matchInt8Mma(op));
}

struct MatmulToGPU : public OpConversionPattern<MatmulOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult
  matchAndRewrite(MatmulOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    ImplicitLocOpBuilder b(op.getLoc(), rewriter);
    if (FailureOr<GemvPlan> plan = matchGemv(op); succeeded(plan)) {
      rewriter.replaceOp(op,
                         lowerGemv(b, *plan, adaptor.getLhs(), adaptor.getRhs(),
                                   adaptor.getRhsScale()));
      return success();
    }
    if (FailureOr<Int8MmaPlan> plan = matchInt8Mma(op); succeeded(plan)) {
      rewriter.replaceOp(
          op, lowerInt8Mma(b, *plan, adaptor.getLhs(), adaptor.getLhsScale(),
                           adaptor.getRhs(), adaptor.getRhsScale()));
      return success();
    }
    return rewriter.notifyMatchFailure(op, "no GPU kernel serves it");
  }
};

struct ConvertLowBitMatmulToGPUPass
    : public mlir::lowbit::impl::ConvertLowBitMatmulToGPUBase<
          ConvertLowBitMatmulToGPUPass> {
  using Base::Base;

  void runOnOperation() override {
    std::string reason;
    std::optional<GPUChip> target = parseGPUChip(chip, reason);
    if (!target) {
      getOperation().emitError("unsupported GPU chip '")
          << chip << "': " << reason;
      return signalPassFailure();
    }
    if (!fastKernels)
      return;
    if (target->smVersion < 80) {
      // The kernels use nothing newer than warp shuffles today, but they are
      // written and checked for sm_80 and later only.
      getOperation().emitError("the GPU kernels need sm_80 or later, got '")
          << chip << "' (use fast-kernels=false for the generic lowering)";
      return signalPassFailure();
    }
    MLIRContext *ctx = &getContext();
    PackedStorageTypeConverter typeConverter;
    ConversionTarget conversionTarget(*ctx);
    conversionTarget.markUnknownOpDynamicallyLegal(
        [](Operation *) { return true; });
    conversionTarget.addDynamicallyLegalOp<MatmulOp>(
        [](MatmulOp op) { return !isServedByGPUKernel(op); });
    RewritePatternSet patterns(ctx);
    patterns.add<MatmulToGPU>(typeConverter, ctx);
    if (failed(applyPartialConversion(getOperation(), conversionTarget,
                                      std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
