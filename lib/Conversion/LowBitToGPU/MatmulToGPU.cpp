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
#include "lowbit/Conversion/LowBitCodegen/SegmentPlan.h"
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
/// Rows of the activations one block takes (one accumulator per row and
/// lane); larger M is split over the grid's y dimension.
constexpr int64_t kMaxGemvRows = 8;

struct GemvPlan {
  /// M (ShapedType::kDynamic if dynamic), N, K.
  int64_t m, n, k;
  /// Elements per scale along K (K for per-channel scales).
  int64_t group;
  bool isSigned;
};

/// A weight-only matmul with `activation` elements times symmetric 4-bit
/// integer weights, per-channel or per_group along K, f32 scales,
/// `acc(f32)`, K and the group a multiple of `step`: (M, N, K, elements
/// per scale, signed codes).
FailureOr<GemvPlan> matchNibbleWeights(MatmulOp op, Type activation,
                                       int64_t step) {
  if (!hasBasicShape(op) || !op.getAccType().isF32())
    return failure();
  auto lhs = dyn_cast<RankedTensorType>(op.getLhs().getType());
  if (!lhs || lhs.getElementType() != activation)
    return failure();
  auto rhs = cast<QTensorType>(op.getRhs().getType());
  SchemeAttr scheme = rhs.getScheme();
  if (!isPlainIntegerScheme(scheme) || scheme.getBitWidth() != 4)
    return failure();
  GemvPlan plan{lhs.getDimSize(0), rhs.getShape()[0], rhs.getShape()[1],
                rhs.getShape()[1], scheme.isSignedInteger()};
  if (plan.k % step != 0)
    return failure();
  if (auto group = dyn_cast<PerGroupAttr>(scheme.getGranularity())) {
    if (group.getAxis() != 1 || group.getSize() % step != 0 ||
        plan.k % group.getSize() != 0)
      return failure();
    plan.group = group.getSize();
  } else if (!isPerRow(scheme)) {
    return failure();
  }
  return plan;
}

FailureOr<GemvPlan> matchGemv(MatmulOp op) {
  return matchNibbleWeights(op, Float32Type::get(op.getContext()),
                            kCodesPerLane);
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
  bool dynamicM = ShapedType::isDynamic(plan.m);
  Value m = memref::DimOp::create(b, a, 0);
  auto outType = MemRefType::get({plan.m, plan.n}, f32);
  Value out = memref::AllocOp::create(b, outType,
                                      dynamicM ? ValueRange{m} : ValueRange{});
  // Rows per block: all of a small static M, else blocks of kMaxGemvRows.
  int64_t rowsPerBlock =
      dynamicM ? kMaxGemvRows : std::min(plan.m, kMaxGemvRows);

  Value one = idx(1);
  Value blocks = idx((plan.n + kWarpsPerBlock - 1) / kWarpsPerBlock);
  Value rowBlocks =
      dynamicM ? arith::DivUIOp::create(
                     b, arith::AddIOp::create(b, m, idx(rowsPerBlock - 1)),
                     idx(rowsPerBlock))
                     .getResult()
               : idx((plan.m + rowsPerBlock - 1) / rowsPerBlock);
  auto launch = gpu::LaunchOp::create(
      b, blocks, rowBlocks, one, idx(kWarpsPerBlock * kWarpSize), one, one);
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
  // This block's rows; a row past M reads row M - 1 and is not written.
  Value m0 =
      arith::MulIOp::create(b, launch.getBlockIds().y, idx(rowsPerBlock));
  Value lastRow = arith::SubIOp::create(b, m, one);
  SmallVector<Value> rows, rowOk;
  for (int64_t r = 0; r < rowsPerBlock; ++r) {
    Value row = arith::AddIOp::create(b, m0, idx(r));
    rowOk.push_back(
        arith::CmpIOp::create(b, arith::CmpIPredicate::ult, row, m));
    rows.push_back(arith::MinUIOp::create(b, row, lastRow));
  }

  // Steps over K: each covers kWarpSize * kCodesPerLane codes of the row.
  int64_t perStep = kWarpSize * kCodesPerLane;
  int64_t steps = (plan.k + perStep - 1) / perStep;
  SmallVector<Value> init(rowsPerBlock, f32c(0.0));
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
    for (int64_t r = 0; r < rowsPerBlock; ++r) {
      Value sum = f32c(0.0);
      for (int64_t q = 0; q < kCodesPerLane / 4; ++q) {
        Value chunk = vector::LoadOp::create(
            b, act4, a,
            ValueRange{rows[r], arith::AddIOp::create(b, k0, idx(4 * q))},
            /*nontemporal=*/false, llvm::MaybeAlign(16));
        for (int64_t e = 0; e < 4; ++e)
          sum = math::FmaOp::create(b, vector::ExtractOp::create(b, chunk, e),
                                    values[4 * q + e], sum);
      }
      next.push_back(math::FmaOp::create(b, scale, sum, acc[r]));
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
  for (int64_t r = 0; r < rowsPerBlock; ++r) {
    OpBuilder::InsertionGuard g(b);
    if (dynamicM || plan.m % rowsPerBlock != 0) {
      auto ifRow = scf::IfOp::create(b, rowOk[r], /*withElseRegion=*/false);
      b.setInsertionPointToStart(ifRow.thenBlock());
    }
    memref::StoreOp::create(b, totals[r], out, ValueRange{rows[r], n});
  }

  b.setInsertionPointAfter(launch);
  return bufferization::ToTensorOp::create(
      b, RankedTensorType::get({plan.m, plan.n}, f32), out,
      /*restrict=*/true, /*writable=*/true);
}

//===----------------------------------------------------------------------===//
// Integer GEMM on tensor cores: W8A8, W4A8, W4A4, RPTQ segments
//===----------------------------------------------------------------------===//

/// Rows of one warp tile (the MMA's M) and columns (four MMAs of n = 8).
constexpr int64_t kMmaM = 16, kMmaN = 8, kMmaK = 32;
constexpr int64_t kMmaTilesPerWarp = 4;

/// The warp tiling of the tensor-core kernels: ceil(N / 128) x ceil(M / 16)
/// blocks of four warps; warp w of block (bx, by) computes the 16 x 32 tile
/// at rows 16 by.., columns n0 = 128 bx + 32 w.., as four MMAs of n = 8.
/// Lane = 4 group + t; its rows are group and group + 8, its weight rows
/// (B columns) n0 + 8j + group. Creating it emits the result buffer and the
/// launch, and leaves the builder in the launch body.
struct MmaWarpTile {
  Value out, m;
  gpu::LaunchOp launch;
  Value group, t, n0;
  Value rows[2], rowOk[2];
  SmallVector<Value> cols, colOk;
  int64_t n;
  RankedTensorType resultType;

  MmaWarpTile(ImplicitLocOpBuilder &b, Value a, RankedTensorType lhsType,
              int64_t n)
      : n(n) {
    Type f32 = b.getF32Type();
    m = memref::DimOp::create(b, a, 0);
    resultType = RankedTensorType::get({lhsType.getDimSize(0), n}, f32);
    out = memref::AllocOp::create(
        b, MemRefType::get(resultType.getShape(), f32),
        lhsType.isDynamicDim(0) ? ValueRange{m} : ValueRange{});
    int64_t blockCols = kWarpsPerBlock * kMmaTilesPerWarp * kMmaN;
    Value one = idx(b, 1);
    Value gridY = arith::DivUIOp::create(
        b, arith::AddIOp::create(b, m, idx(b, kMmaM - 1)), idx(b, kMmaM));
    launch = gpu::LaunchOp::create(
        b, idx(b, (n + blockCols - 1) / blockCols), gridY, one,
        idx(b, kWarpsPerBlock * kWarpSize), one, one);
    b.setInsertionPointToStart(&launch.getBody().front());
    gpu::TerminatorOp::create(b);
    b.setInsertionPointToStart(&launch.getBody().front());

    Value tid = launch.getThreadIds().x;
    Value warp = arith::DivUIOp::create(b, tid, idx(b, kWarpSize));
    Value lane = arith::RemUIOp::create(b, tid, idx(b, kWarpSize));
    group = arith::DivUIOp::create(b, lane, idx(b, 4));
    t = arith::RemUIOp::create(b, lane, idx(b, 4));
    Value m0 = arith::MulIOp::create(b, launch.getBlockIds().y, idx(b, kMmaM));
    n0 = arith::AddIOp::create(
        b, arith::MulIOp::create(b, launch.getBlockIds().x, idx(b, blockCols)),
        arith::MulIOp::create(b, warp, idx(b, kMmaTilesPerWarp * kMmaN)));
    rows[0] = arith::AddIOp::create(b, m0, group);
    rows[1] = arith::AddIOp::create(b, rows[0], idx(b, 8));
    for (int r = 0; r < 2; ++r)
      rowOk[r] = less(b, rows[r], m);
    for (int64_t j = 0; j < kMmaTilesPerWarp; ++j) {
      cols.push_back(arith::AddIOp::create(
          b, n0, arith::AddIOp::create(b, group, idx(b, j * kMmaN))));
      colOk.push_back(less(b, cols.back(), idx(b, n)));
    }
  }

  static Value idx(ImplicitLocOpBuilder &b, int64_t v) {
    return arith::ConstantIndexOp::create(b, v);
  }
  static Value less(ImplicitLocOpBuilder &b, Value x, Value bound) {
    return arith::CmpIOp::create(b, arith::CmpIPredicate::ult, x, bound);
  }

  /// t times `factor`: the first element a lane holds of a fragment row.
  Value tTimes(ImplicitLocOpBuilder &b, int64_t factor) const {
    return arith::MulIOp::create(b, t, idx(b, factor));
  }

  /// The output column of accumulator column c of tile j: n0 + 8j + 2t + c.
  Value outCol(ImplicitLocOpBuilder &b, int64_t j, int64_t c) const {
    return arith::AddIOp::create(
        b, n0, arith::AddIOp::create(b, tTimes(b, 2), idx(b, j * kMmaN + c)));
  }

  /// Writes accumulator (r, c) of tile j (`sums[j]`, vector<2x2xf32>) to row
  /// rows[r], column outCol(j, c), where both are in range; then leaves the
  /// launch and returns the result tensor.
  Value finish(ImplicitLocOpBuilder &b, ArrayRef<Value> sums) {
    for (int64_t j = 0; j < kMmaTilesPerWarp; ++j) {
      for (int64_t r = 0; r < 2; ++r) {
        for (int64_t c = 0; c < 2; ++c) {
          Value col = outCol(b, j, c);
          Value ok =
              arith::AndIOp::create(b, rowOk[r], less(b, col, idx(b, n)));
          auto ifOk = scf::IfOp::create(b, ok, /*withElseRegion=*/false);
          OpBuilder::InsertionGuard g(b);
          b.setInsertionPointToStart(ifOk.thenBlock());
          memref::StoreOp::create(
              b, vector::ExtractOp::create(b, sums[j], ArrayRef<int64_t>{r, c}),
              out, ValueRange{rows[r], col});
        }
      }
    }
    b.setInsertionPointAfter(launch);
    return bufferization::ToTensorOp::create(b, resultType, out,
                                             /*restrict=*/true,
                                             /*writable=*/true);
  }
};

/// Integer matmuls with signed, symmetric 4- or 8-bit codes on both sides
/// and scales per tensor, row, group or cluster (SegmentPlan.h), K a
/// multiple of the MMA's 32.
FailureOr<SegmentedIntegerPlan> matchIntegerMma(MatmulOp op) {
  FailureOr<SegmentedIntegerPlan> plan = matchSegmentedInteger(op);
  if (failed(plan) || plan->k % kMmaK != 0)
    return failure();
  for (const SegmentScales &scales : {plan->lhs, plan->rhs})
    if (!scales.isSigned || scales.zeroPoint)
      return failure();
  return plan;
}

/// One piece of the K loop: the step of 32 at `k0`, restricted to the codes
/// in [lo, hi) of segment `segment`; `flush` when the segment ends in it.
struct Piece {
  int64_t k0, lo, hi;
  bool flush;
  int64_t segment;
};

SmallVector<Piece> getPieces(const SegmentedIntegerPlan &plan) {
  SmallVector<Piece> pieces;
  ArrayRef<int64_t> bounds = plan.bounds;
  size_t seg = 0;
  for (int64_t k0 = 0; k0 < plan.k; k0 += kMmaK) {
    while (seg + 1 < bounds.size() && bounds[seg + 1] <= k0)
      ++seg;
    for (size_t s = seg; s + 1 < bounds.size() && bounds[s] < k0 + kMmaK; ++s)
      pieces.push_back({k0, std::max(bounds[s], k0),
                        std::min(bounds[s + 1], k0 + kMmaK),
                        bounds[s + 1] <= k0 + kMmaK, int64_t(s)});
  }
  return pieces;
}

/// out[m, n] = sum over the segments s of K, in increasing k, of
/// float(sum_{k in s} a[m, k] * w[n, k]) * (sa[m, s] * sw[n, s]), each
/// segment's sum exact in i32, starting from 0: the reference lowering's
/// arithmetic, so results are bit-identical to it.
///
/// Each warp computes a 16 x 32 tile with four `mma.sync.m16n8k32` (s8,
/// i32 accumulators) per step of 32 along K; a block's four warps take
/// neighbouring 32-column tiles of the same 16 rows. Fragments are loaded
/// straight from global memory in the PTX ISA's register layout for this
/// shape (thread `lane` = 4 * group + t): A rows group and group + 8, codes
/// 4t..4t+3 and 16 + 4t..; B column (weight row) group, the same codes;
/// accumulator rows group, group + 8, columns 2t, 2t + 1. 4-bit codes are
/// loaded as 2 bytes and unpacked to s8 in registers (sign-extended
/// nibbles), on every chip. Rows past M and columns past N read zeros and
/// are not written.
///
/// With one segment (per-token x per-channel scales) the K loop is a plain
/// loop of MMAs and the scaling one epilogue. With several (groups, RPTQ
/// clusters, of any sizes), the loop runs over a table of pieces: each
/// step of 32 once per segment it overlaps, with the A codes outside the
/// segment zeroed, and where a segment ends its i32 sums are scaled into
/// the f32 accumulators and cleared.
Value lowerIntegerMma(ImplicitLocOpBuilder &b, const SegmentedIntegerPlan &plan,
                      Value lhs, Value lhsScale, Value rhs, Value rhsScale) {
  Type f32 = b.getF32Type(), i8 = b.getI8Type(), i32 = b.getI32Type();
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, v);
  };
  auto i32c = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, i32, v);
  };
  SmallVector<Piece> pieces = getPieces(plan);
  bool segmented = plan.bounds.size() > 2;

  // The pieces as an i32 [P, 6] table (k0, lo, hi, flush, lhs scale
  // column, rhs scale column), a constant the kernel reads.
  Value table;
  if (segmented) {
    SmallVector<int32_t> rows;
    for (const Piece &p : pieces)
      rows.append({int32_t(p.k0), int32_t(p.lo), int32_t(p.hi),
                   int32_t(p.flush), int32_t(plan.lhs.columns[p.segment]),
                   int32_t(plan.rhs.columns[p.segment])});
    auto type = RankedTensorType::get({int64_t(pieces.size()), 6}, i32);
    table = toBuffer(b, arith::ConstantOp::create(
                            b, DenseElementsAttr::get(type, ArrayRef(rows))));
  }

  Value a = toBuffer(b, lhs), sa = toBuffer(b, lhsScale);
  Value w = toBuffer(b, rhs), sw = toBuffer(b, rhsScale);
  OpBuilder::InsertionGuard guard(b);
  MmaWarpTile tile(b, a, cast<RankedTensorType>(lhs.getType()), plan.n);
  Value one = idx(1);
  Value t4 = tile.tTimes(b, 4);
  auto less = [&](Value x, Value bound) {
    return MmaWarpTile::less(b, x, bound);
  };
  Value *rows = tile.rows, *rowOk = tile.rowOk;
  ArrayRef<Value> cols = tile.cols, colOk = tile.colOk;

  auto codes4 = VectorType::get({4}, i8);
  auto zeros = [&](VectorType type, Type elem) -> Value {
    return arith::ConstantOp::create(
        b, DenseElementsAttr::get(type, b.getIntegerAttr(elem, 0)));
  };
  // The four codes at (row, k .. k + 3) as s8, or zeros where `ok` is false.
  auto loadCodes = [&](Value mem, unsigned bits, Value row, Value k,
                       Value ok) -> Value {
    auto ifOk = scf::IfOp::create(b, TypeRange{codes4}, ok,
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOk.elseBlock());
    scf::YieldOp::create(b, ValueRange{zeros(codes4, i8)});
    b.setInsertionPointToStart(ifOk.thenBlock());
    Value codes;
    if (bits == 8) {
      codes =
          vector::LoadOp::create(b, codes4, mem, ValueRange{row, k},
                                 /*nontemporal=*/false, llvm::MaybeAlign(4));
    } else {
      // Two bytes, low nibble first: sign-extend each nibble to a byte.
      Value packed = vector::LoadOp::create(
          b, VectorType::get({2}, i8), mem,
          ValueRange{row, arith::DivUIOp::create(b, k, idx(2))},
          /*nontemporal=*/false, llvm::MaybeAlign(2));
      Value word = arith::ExtUIOp::create(
          b, i32,
          vector::ExtractOp::create(
              b,
              vector::BitCastOp::create(b, VectorType::get({1}, b.getI16Type()),
                                        packed),
              0));
      SmallVector<Value> bytes;
      for (int64_t i = 0; i < 4; ++i) {
        Value nibble = arith::AndIOp::create(
            b, i == 0 ? word : arith::ShRUIOp::create(b, word, i32c(4 * i)),
            i32c(0xF));
        Value value = arith::SubIOp::create(
            b, arith::XOrIOp::create(b, nibble, i32c(8)), i32c(8));
        bytes.push_back(arith::TruncIOp::create(b, i8, value));
      }
      codes = vector::FromElementsOp::create(b, codes4, bytes);
    }
    scf::YieldOp::create(b, ValueRange{codes});
    return ifOk.getResult(0);
  };
  // Zeroes the codes of `codes` (at k .. k + 3) outside [lo, hi).
  auto maskCodes = [&](Value codes, Value k, Value lo, Value hi) -> Value {
    for (int64_t i = 0; i < 4; ++i) {
      Value pos = arith::AddIOp::create(b, k, idx(i));
      Value in = arith::AndIOp::create(
          b, arith::CmpIOp::create(b, arith::CmpIPredicate::uge, pos, lo),
          less(pos, hi));
      Value code = vector::ExtractOp::create(b, codes, i);
      codes = vector::InsertOp::create(
          b,
          arith::SelectOp::create(b, in, code,
                                  arith::ConstantIntOp::create(b, i8, 0)),
          codes, i);
    }
    return codes;
  };

  auto accType = VectorType::get({2, 2}, i32);
  auto sumType = VectorType::get({2, 2}, f32);
  Value zeroAcc = zeros(accType, i32);
  Value zeroSum = arith::ConstantOp::create(
      b, DenseElementsAttr::get(sumType, b.getF32FloatAttr(0.0f)));
  Value c0 = idx(0);
  auto outCol = [&](int64_t j, int64_t c) { return tile.outCol(b, j, c); };
  // sums + float(acc) * (sa[row, colA] * sw[col, colW]) for every
  // accumulator of tile j; rows and columns past M and N read row 0.
  auto scaleInto = [&](int64_t j, Value acc, Value sums, Value colA,
                       Value colW) -> Value {
    for (int64_t r = 0; r < 2; ++r) {
      Value row =
          plan.lhs.rowScale
              ? arith::SelectOp::create(b, rowOk[r], rows[r], c0).getResult()
              : c0;
      Value scaleA = memref::LoadOp::create(b, sa, ValueRange{row, colA});
      for (int64_t c = 0; c < 2; ++c) {
        Value col = outCol(j, c);
        Value wRow =
            plan.rhs.rowScale
                ? arith::SelectOp::create(b, less(col, idx(plan.n)), col, c0)
                      .getResult()
                : c0;
        Value scale = arith::MulFOp::create(
            b, scaleA, memref::LoadOp::create(b, sw, ValueRange{wRow, colW}));
        Value sum = vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{r, c});
        Value term = arith::MulFOp::create(
            b, arith::SIToFPOp::create(b, f32, sum), scale);
        Value prev =
            vector::ExtractOp::create(b, sums, ArrayRef<int64_t>{r, c});
        sums = vector::InsertOp::create(b, arith::AddFOp::create(b, prev, term),
                                        sums, ArrayRef<int64_t>{r, c});
      }
    }
    return sums;
  };
  // The four MMAs of one step at k (codes outside [lo, hi) zeroed).
  auto mmaStep = [&](Value k, Value lo, Value hi,
                     ValueRange acc) -> SmallVector<Value> {
    Value kLo = arith::AddIOp::create(b, k, t4);
    Value kHi = arith::AddIOp::create(b, kLo, idx(16));
    Value aFrag = zeros(VectorType::get({4, 4}, i8), i8);
    Value ks[4] = {kLo, kLo, kHi, kHi};
    for (int64_t r = 0; r < 4; ++r) {
      Value codes =
          loadCodes(a, plan.lhs.bits, rows[r % 2], ks[r], rowOk[r % 2]);
      if (lo)
        codes = maskCodes(codes, ks[r], lo, hi);
      aFrag = vector::InsertOp::create(b, codes, aFrag, r);
    }
    SmallVector<Value> next;
    for (int64_t j = 0; j < kMmaTilesPerWarp; ++j) {
      Value bFrag = zeros(VectorType::get({2, 4}, i8), i8);
      bFrag = vector::InsertOp::create(
          b, loadCodes(w, plan.rhs.bits, cols[j], kLo, colOk[j]), bFrag, 0);
      bFrag = vector::InsertOp::create(
          b, loadCodes(w, plan.rhs.bits, cols[j], kHi, colOk[j]), bFrag, 1);
      next.push_back(nvgpu::MmaSyncOp::create(
          b, aFrag, bFrag, acc[j], b.getI64ArrayAttr({kMmaM, kMmaN, kMmaK})));
    }
    return next;
  };

  SmallVector<Value> sums(kMmaTilesPerWarp, zeroSum);
  if (!segmented) {
    SmallVector<Value> init(kMmaTilesPerWarp, zeroAcc);
    auto loop = scf::ForOp::create(b, idx(0), idx(plan.k), idx(kMmaK), init);
    {
      OpBuilder::InsertionGuard loopGuard(b);
      b.setInsertionPointToStart(loop.getBody());
      scf::YieldOp::create(b, mmaStep(loop.getInductionVar(), Value(), Value(),
                                      loop.getRegionIterArgs()));
    }
    Value col0 = idx(plan.lhs.columns[0]), colW = idx(plan.rhs.columns[0]);
    for (int64_t j = 0; j < kMmaTilesPerWarp; ++j)
      sums[j] = scaleInto(j, loop.getResult(j), sums[j], col0, colW);
  } else {
    SmallVector<Value> init(kMmaTilesPerWarp, zeroAcc);
    init.append(sums);
    auto loop = scf::ForOp::create(b, idx(0), idx(pieces.size()), one, init);
    {
      OpBuilder::InsertionGuard loopGuard(b);
      b.setInsertionPointToStart(loop.getBody());
      Value p = loop.getInductionVar();
      auto field = [&](int64_t f) -> Value {
        return arith::IndexCastOp::create(
            b, b.getIndexType(),
            memref::LoadOp::create(b, table, ValueRange{p, idx(f)}));
      };
      ValueRange args = loop.getRegionIterArgs();
      SmallVector<Value> acc = mmaStep(field(0), field(1), field(2),
                                       args.take_front(kMmaTilesPerWarp));
      Value flush =
          arith::CmpIOp::create(b, arith::CmpIPredicate::ne, field(3), idx(0));
      SmallVector<Type> types(2 * kMmaTilesPerWarp, accType);
      for (int64_t j = 0; j < kMmaTilesPerWarp; ++j)
        types[kMmaTilesPerWarp + j] = sumType;
      auto ifFlush = scf::IfOp::create(b, types, flush,
                                       /*withElseRegion=*/true);
      {
        OpBuilder::InsertionGuard g(b);
        b.setInsertionPointToStart(ifFlush.thenBlock());
        Value colA = field(4), colW = field(5);
        SmallVector<Value> yielded(kMmaTilesPerWarp, zeroAcc);
        for (int64_t j = 0; j < kMmaTilesPerWarp; ++j)
          yielded.push_back(
              scaleInto(j, acc[j], args[kMmaTilesPerWarp + j], colA, colW));
        scf::YieldOp::create(b, yielded);
        b.setInsertionPointToStart(ifFlush.elseBlock());
        SmallVector<Value> kept(acc);
        kept.append(args.begin() + kMmaTilesPerWarp, args.end());
        scf::YieldOp::create(b, kept);
      }
      scf::YieldOp::create(b, ifFlush.getResults());
    }
    for (int64_t j = 0; j < kMmaTilesPerWarp; ++j)
      sums[j] = loop.getResult(kMmaTilesPerWarp + j);
  }

  return tile.finish(b, sums);
}

//===----------------------------------------------------------------------===//
// W4A16 GEMM on tensor cores (f16 activations)
//===----------------------------------------------------------------------===//

constexpr int64_t kHalfMmaK = 16;

using HalfGemmPlan = GemvPlan;

/// f16 [M, K] activations (any M) times `transpose_rhs` i4/ui4 weights,
/// symmetric, per-channel or per_group along K (a multiple of 16), f32
/// scales, `acc(f32)`, K a multiple of 16.
FailureOr<HalfGemmPlan> matchHalfGemm(MatmulOp op) {
  return matchNibbleWeights(op, Float16Type::get(op.getContext()), kHalfMmaK);
}

/// out[m, n] = sum over the groups g of scale[n, g] * (sum_{k in g} a[m, k]
/// * code[n, k]): the reference's sum of a * (scale * code) reassociated,
/// within float rounding of it.
///
/// The warp tiling and the fragment loading of the integer GEMM, with
/// `mma.sync.m16n8k16` on f16 operands and f32 accumulators: A fragments
/// (rows group, group + 8; halves 2t, 2t + 1 and 8 + 2t, 9 + 2t) are 4-byte
/// loads of the activations; each B register holds the two codes of one
/// byte of the packed weights (codes 2t, 2t + 1 and 8 + 2t, 9 + 2t of the
/// step), decoded to f16 exactly. Each group's products are accumulated in
/// the MMA's f32 accumulators and scaled once per group.
Value lowerHalfGemm(ImplicitLocOpBuilder &b, const HalfGemmPlan &plan,
                    Value lhs, Value codes, Value scales) {
  Type f32 = b.getF32Type(), f16 = b.getF16Type(), i32 = b.getI32Type();
  auto idx = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, v);
  };
  auto i32c = [&](int64_t v) -> Value {
    return arith::ConstantIntOp::create(b, i32, v);
  };
  Value a = toBuffer(b, lhs), w = toBuffer(b, codes), s = toBuffer(b, scales);
  OpBuilder::InsertionGuard guard(b);
  MmaWarpTile tile(b, a, cast<RankedTensorType>(lhs.getType()), plan.n);
  Value one = idx(1);
  Value t2 = tile.tTimes(b, 2);
  auto less = [&](Value x, Value bound) {
    return MmaWarpTile::less(b, x, bound);
  };
  Value *rows = tile.rows, *rowOk = tile.rowOk;
  ArrayRef<Value> cols = tile.cols, colOk = tile.colOk;
  auto halves2 = VectorType::get({2}, f16);
  auto guarded = [&](Value ok, function_ref<Value()> load) -> Value {
    auto ifOk = scf::IfOp::create(b, TypeRange{halves2}, ok,
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(ifOk.elseBlock());
    scf::YieldOp::create(
        b, ValueRange{arith::ConstantOp::create(
               b, DenseElementsAttr::get(halves2, b.getF16FloatAttr(0.0f)))});
    b.setInsertionPointToStart(ifOk.thenBlock());
    scf::YieldOp::create(b, ValueRange{load()});
    return ifOk.getResult(0);
  };
  // Two activations at (row, k), (row, k + 1).
  auto loadA = [&](int r, Value k) {
    return guarded(rowOk[r], [&] {
      return vector::LoadOp::create(b, halves2, a, ValueRange{rows[r], k},
                                    /*nontemporal=*/false, llvm::MaybeAlign(4))
          .getResult();
    });
  };
  // The two codes of weight row `col` at k, k + 1 (one byte), as f16.
  auto loadB = [&](int64_t j, Value k) {
    return guarded(colOk[j], [&] {
      Value byte = memref::LoadOp::create(
          b, w, ValueRange{cols[j], arith::DivUIOp::create(b, k, idx(2))});
      Value word = arith::ExtUIOp::create(b, i32, byte);
      SmallVector<Value> values;
      for (int64_t i = 0; i < 2; ++i) {
        Value code = arith::AndIOp::create(
            b, i == 0 ? word : arith::ShRUIOp::create(b, word, i32c(4)),
            i32c(0xF));
        Value value =
            plan.isSigned
                ? arith::SIToFPOp::create(
                      b, f16,
                      arith::SubIOp::create(
                          b, arith::XOrIOp::create(b, code, i32c(8)), i32c(8)))
                      .getResult()
                : arith::UIToFPOp::create(b, f16, code).getResult();
        values.push_back(value);
      }
      return vector::FromElementsOp::create(b, halves2, values).getResult();
    });
  };

  auto accType = VectorType::get({2, 2}, f32);
  Value zeroAcc = arith::ConstantOp::create(
      b, DenseElementsAttr::get(accType, b.getF32FloatAttr(0.0f)));
  SmallVector<Value> init(2 * kMmaTilesPerWarp, zeroAcc);
  int64_t groups = plan.k / plan.group;
  auto groupLoop = scf::ForOp::create(b, idx(0), idx(groups), one, init);
  {
    OpBuilder::InsertionGuard g(b);
    b.setInsertionPointToStart(groupLoop.getBody());
    Value gIdx = groupLoop.getInductionVar();
    Value kStart = arith::MulIOp::create(b, gIdx, idx(plan.group));
    ValueRange outer = groupLoop.getRegionIterArgs();
    SmallVector<Value> zeros(kMmaTilesPerWarp, zeroAcc);
    auto stepLoop =
        scf::ForOp::create(b, idx(0), idx(plan.group), idx(kHalfMmaK), zeros);
    {
      OpBuilder::InsertionGuard g2(b);
      b.setInsertionPointToStart(stepLoop.getBody());
      Value k = arith::AddIOp::create(b, kStart, stepLoop.getInductionVar());
      Value kLo = arith::AddIOp::create(b, k, t2);
      Value kHi = arith::AddIOp::create(b, kLo, idx(8));
      Value aFrag = arith::ConstantOp::create(
          b, DenseElementsAttr::get(VectorType::get({4, 2}, f16),
                                    b.getF16FloatAttr(0.0f)));
      Value parts[4] = {loadA(0, kLo), loadA(1, kLo), loadA(0, kHi),
                        loadA(1, kHi)};
      for (int64_t r = 0; r < 4; ++r)
        aFrag = vector::InsertOp::create(b, parts[r], aFrag, r);
      SmallVector<Value> next;
      for (int64_t j = 0; j < kMmaTilesPerWarp; ++j) {
        Value bFrag = arith::ConstantOp::create(
            b, DenseElementsAttr::get(VectorType::get({2, 2}, f16),
                                      b.getF16FloatAttr(0.0f)));
        bFrag = vector::InsertOp::create(b, loadB(j, kLo), bFrag, 0);
        bFrag = vector::InsertOp::create(b, loadB(j, kHi), bFrag, 1);
        next.push_back(nvgpu::MmaSyncOp::create(
            b, aFrag, bFrag, stepLoop.getRegionIterArgs()[j],
            b.getI64ArrayAttr({kMmaM, kMmaN, kHalfMmaK})));
      }
      scf::YieldOp::create(b, next);
    }
    // sums += group sums * scale[n, g].
    SmallVector<Value> sums;
    Value c0 = idx(0);
    for (int64_t j = 0; j < kMmaTilesPerWarp; ++j) {
      Value acc = stepLoop.getResult(j), total = outer[j];
      for (int64_t c = 0; c < 2; ++c) {
        Value col = tile.outCol(b, j, c);
        Value sRow =
            arith::SelectOp::create(b, less(col, idx(plan.n)), col, c0);
        Value scale = memref::LoadOp::create(b, s, ValueRange{sRow, gIdx});
        for (int64_t r = 0; r < 2; ++r) {
          Value part =
              vector::ExtractOp::create(b, acc, ArrayRef<int64_t>{r, c});
          Value prev =
              vector::ExtractOp::create(b, total, ArrayRef<int64_t>{r, c});
          total = vector::InsertOp::create(
              b,
              arith::AddFOp::create(b, prev,
                                    arith::MulFOp::create(b, part, scale)),
              total, ArrayRef<int64_t>{r, c});
        }
      }
      sums.push_back(total);
    }
    sums.resize(2 * kMmaTilesPerWarp, zeroAcc);
    scf::YieldOp::create(b, sums);
  }

  SmallVector<Value> sums;
  for (int64_t j = 0; j < kMmaTilesPerWarp; ++j)
    sums.push_back(groupLoop.getResult(j));
  return tile.finish(b, sums);
}

bool isServedByGPUKernel(MatmulOp op) {
  return succeeded(matchGemv(op)) || succeeded(matchIntegerMma(op)) ||
         succeeded(matchHalfGemm(op));
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
    if (FailureOr<SegmentedIntegerPlan> plan = matchIntegerMma(op);
        succeeded(plan)) {
      rewriter.replaceOp(
          op, lowerIntegerMma(b, *plan, adaptor.getLhs(), adaptor.getLhsScale(),
                              adaptor.getRhs(), adaptor.getRhsScale()));
      return success();
    }
    if (FailureOr<HalfGemmPlan> plan = matchHalfGemm(op); succeeded(plan)) {
      rewriter.replaceOp(op, lowerHalfGemm(b, *plan, adaptor.getLhs(),
                                           adaptor.getRhs(),
                                           adaptor.getRhsScale()));
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
    if (!features.empty()) {
      StringRef feature = features;
      unsigned ptx = 0;
      // The PTX ISA versions of LLVM's NVPTX back end (llc -march=nvptx64
      // -mattr=help).
      static const unsigned known[] = {
          32, 40, 41, 42, 43, 50, 60, 61, 62, 63, 64, 65, 70, 71, 72, 73,
          74, 75, 76, 77, 78, 80, 81, 82, 83, 84, 85, 86, 87, 88, 90};
      if (!feature.consume_front("+ptx") || feature.getAsInteger(10, ptx) ||
          !llvm::is_contained(known, ptx)) {
        getOperation().emitError("unsupported PTX features '")
            << features.getValue()
            << "': expected +ptxNN with a PTX ISA version from 3.2 to 9.0";
        return signalPassFailure();
      }
      if (ptx < target->minPTXVersion) {
        getOperation().emitError("PTX ")
            << ptx / 10 << "." << ptx % 10 << " (features '"
            << features.getValue() << "') cannot target '" << chip.getValue()
            << "', which needs PTX " << target->minPTXVersion / 10 << "."
            << target->minPTXVersion % 10 << " or later";
        return signalPassFailure();
      }
    }
    if (!llvm::is_contained({"isa", "bin", "fatbin", "offload"},
                            StringRef(format))) {
      getOperation().emitError("unsupported binary format '")
          << format.getValue() << "': expected isa, bin, fatbin or offload";
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
