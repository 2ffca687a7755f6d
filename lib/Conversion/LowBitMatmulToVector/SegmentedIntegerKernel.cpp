//===- SegmentedIntegerKernel.cpp - integer matmul over K segments --------===//
//
// For every register tile and every K segment (a run of K with constant
// parameters, e.g. an RPTQ cluster):
//
//   for c in segment step 64:            64 codes of each row, masked to the
//     acc[i][j] += a[i] . w[j]           segment, exact in i32 lanes
//   out[i][j] += float(sum(acc[i][j])) * (sa[i] * sw[j])
//
// which is the reference lowering's arithmetic step for step, so results are
// bit-identical. The activations are unpacked to bytes once per matmul. With
// VNNI, vpdpbusd multiplies unsigned by signed bytes: weights are read
// biased (w + 8 for 4-bit, w + 128 for 8-bit) and the bias times each
// row's activation sum over the segment (a table computed once) is
// subtracted from the sum. Activation zero points za: a part zin is
// subtracted while unpacking (exact in a byte): for 4-bit codes zin =
// clamp(za, -112, 120), for 8-bit codes the constant that centres them (128
// for ui8, 0 for i8). A remainder zout = za - zin != 0 (for 4-bit codes
// never with a zero point that a quantizer chooses; for 8-bit codes almost
// always) costs sum (a - zout) w = sum a w - zout * sum w, with the weight
// rows' segment sums in a table computed once per call (exact mod 2^32, as
// the reference's wrapping i32). Weight zero points zw: the codes go in as
// read and sum a (w - zw) = sum a w - zw * sum a, with the activation rows'
// segment sums; with both, the cross term zout * zw * (segment length) is
// added back.
//
//===----------------------------------------------------------------------===//

#include "SegmentedIntegerKernel.h"

#include "KernelCommon.h"

#include "lowbit/Conversion/LowBitCodegen/ElementCodegen.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::tiled;

/// Codes per step of the K loop: one 64-byte vpdpbusd operand.
constexpr int64_t kChunk = 64;
/// Activation zero points za of 4-bit codes split as zin + zout, zin =
/// clamp(za, kZinMin, kZinMax): the codes (-8..15) minus zin always fit a
/// signed byte, so zin is subtracted while unpacking; only zout (0 for any
/// zero point a quantizer chooses) needs the weight segment sums.
constexpr int64_t kZinMin = -112, kZinMax = 120;

namespace {

struct SegmentedIntegerKernel {
  const SegmentedIntegerPlan &plan;
  bool vnni;
  Value a;              // signed values [M, padded K] i8 (unpackActivations)
  Value w;              // packed codes [N, K or K/2] i8
  Value aScale, wScale; // scale grids
  Value aZero;          // activation zero points (scale grid, i32) or null
  Value wZero;          // weight zero points (scale grid, i32) or null
  Value bounds;         // i32 [S + 1]: plan.bounds
  Value lhsColumns, rhsColumns; // i32 [S]
  /// With VNNI: i32 [M, S], the weight bias times the sum of the
  /// activations of each row over each segment (activationSums); null for
  /// unsigned weight codes.
  Value activationBias;
  /// With activation zero points: i32 [N, S], the sum of each weight row's
  /// values over each segment (weightSums).
  Value weightSum;
  /// With zero points: i8 [1 or M, padded K + 64], the clamped zero point zin
  /// of every activation (expandZeroPoints).
  Value zinTable;
  /// With weight zero points: the i32 [M, S] table of each activation row's
  /// sum over each segment (activationSums).
  Value activationSum;
  /// The tiles sum their weight rows per segment themselves instead of
  /// reading the weightSums table (small static M with 8-bit activation
  /// zero points, whose correction is always needed: the table would be a
  /// second pass over the weights that costs as much as the matmul).
  bool tileWeightSums = false;

  VectorType bytes(OpBuilder &b, int64_t n) const {
    return VectorType::get({n}, b.getI8Type());
  }

  /// vpdpbusd accumulates in i32 lanes; the portable code in 64 i32 lanes.
  VectorType accType(OpBuilder &b) const {
    return VectorType::get({vnni ? kChunk / 4 : kChunk}, b.getI32Type());
  }

  Value byteSplat(OpBuilder &b, Location loc, int64_t n, int8_t value) const {
    return splat(b, loc, bytes(b, n), b.getI8IntegerAttr(value));
  }

  /// The raw codes [c, c + 64) of `row` (nibbles 0..15 for 4-bit, c even),
  /// one per byte lane in order; past the end of the row, zeros.
  Value loadCodes(OpBuilder &b, Location loc, Value codes, unsigned bits,
                  Value row, Value c, bool inBounds = false) const {
    if (bits == 8)
      return read(b, loc, bytes(b, kChunk), codes, {row, c}, inBounds);
    Value byte = arith::DivUIOp::create(b, loc, c, idx(b, loc, 2));
    Value v = read(b, loc, bytes(b, kChunk / 2), codes, {row, byte}, inBounds);
    Value low = arith::AndIOp::create(b, loc, v, byteSplat(b, loc, 32, 15));
    Value high = arith::ShRUIOp::create(b, loc, v, byteSplat(b, loc, 32, 4));
    SmallVector<int64_t> interleave;
    for (int64_t i = 0; i < kChunk / 2; ++i)
      interleave.append({i, i + kChunk / 2});
    return vector::ShuffleOp::create(b, loc, low, high, interleave);
  }

  /// Two's-complement nibbles as i8 values: (n ^ 8) - 8.
  Value signedNibbles(OpBuilder &b, Location loc, Value n) const {
    Value biased = arith::XOrIOp::create(b, loc, n, byteSplat(b, loc, 64, 8));
    return arith::SubIOp::create(b, loc, biased, byteSplat(b, loc, 64, 8));
  }

  /// What signed weights are biased by for vpdpbusd: 8 or 128 (as a
  /// byte); unsigned codes need no bias.
  int8_t weightBias() const {
    if (!plan.rhs.isSigned)
      return 0;
    return plan.rhs.bits == 4 ? 8 : -128;
  }

  /// Weight values: signed, or biased to unsigned for vpdpbusd
  /// (n ^ 8 = w + 8 for a nibble, w ^ 0x80 = w + 128 for a byte); unsigned
  /// codes as read (the zero point is subtracted from the sums).
  Value weights(OpBuilder &b, Location loc, Value codes) const {
    if (vnni)
      return weightBias()
                 ? arith::XOrIOp::create(b, loc, codes,
                                         byteSplat(b, loc, 64, weightBias()))
                       .getResult()
                 : codes;
    return plan.rhs.bits == 4 && plan.rhs.isSigned
               ? signedNibbles(b, loc, codes)
               : codes;
  }

  /// Lanes [lo, hi) of 64 (0 <= lo < hi <= 64) as a mask, built from the
  /// 64-bit integer (~0 >> (64 - hi)) & (~0 << lo).
  static Value laneRange(OpBuilder &b, Location loc, Value lo, Value hi) {
    auto i64 = b.getI64Type();
    auto cast = [&](Value v) {
      return arith::IndexCastOp::create(b, loc, i64, v).getResult();
    };
    Value ones = arith::ConstantIntOp::create(b, loc, i64, -1);
    Value below = arith::ShRUIOp::create(
        b, loc, ones,
        cast(arith::SubIOp::create(b, loc, idx(b, loc, kChunk), hi)));
    Value bits = arith::AndIOp::create(
        b, loc, below, arith::ShLIOp::create(b, loc, ones, cast(lo)));
    Value word =
        vector::BroadcastOp::create(b, loc, VectorType::get({1}, i64), bits);
    return vector::BitCastOp::create(
        b, loc, VectorType::get({kChunk}, b.getI1Type()), word);
  }

  /// The activations `packed` as signed bytes [M, K rounded up to 64, + 64],
  /// zero from K on, so that 64 of them can be read at any c < K without a
  /// bounds check. Done once per matmul; the tiles read them N / NR times.
  Value unpackActivations(OpBuilder &b, Location loc, Value packed) const {
    int64_t end = llvm::alignTo(plan.k, kChunk);
    SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, packed, 0),
                                    b.getIndexAttr(end + kChunk)};
    Value init = tensor::EmptyOp::create(b, loc, sizes, b.getI8Type());
    Value m = tensor::DimOp::create(b, loc, packed, 0);
    return loop(
        b, loc, idx(b, loc, 0), m, idx(b, loc, 1), init,
        [&](OpBuilder &b, Location loc, Value row, ValueRange args) {
          Value padded =
              vector::TransferWriteOp::create(
                  b, loc, byteSplat(b, loc, 64, 0), args[0],
                  ValueRange{row, idx(b, loc, end)}, ArrayRef<bool>{true})
                  .getResult();
          return loop(
              b, loc, idx(b, loc, 0), idx(b, loc, end), idx(b, loc, kChunk),
              padded,
              [&](OpBuilder &b, Location loc, Value c, ValueRange args) {
                Value v = loadCodes(b, loc, packed, plan.lhs.bits, row, c);
                if (plan.lhs.bits == 4 && plan.lhs.isSigned)
                  v = signedNibbles(b, loc, v);
                // ui8 codes minus 128 (its zin): the top bit flipped.
                if (plan.lhs.bits == 8 && !plan.lhs.isSigned)
                  v = arith::XOrIOp::create(b, loc, v,
                                            byteSplat(b, loc, 64, -128));
                if (zinTable)
                  v = arith::SubIOp::create(
                      b, loc, v,
                      read(b, loc, bytes(b, kChunk), zinTable,
                           {plan.lhs.rowScale ? row : idx(b, loc, 0), c},
                           true));
                // An odd K leaves a padding nibble in the last byte.
                if (plan.k % kChunk != 0) {
                  Value valid = laneRange(
                      b, loc, idx(b, loc, 0),
                      arith::MinSIOp::create(
                          b, loc,
                          arith::SubIOp::create(b, loc, idx(b, loc, plan.k), c),
                          idx(b, loc, kChunk)));
                  v = arith::SelectOp::create(b, loc, valid, v,
                                              byteSplat(b, loc, 64, 0));
                }
                return SmallVector<Value>{
                    vector::TransferWriteOp::create(b, loc, v, args[0],
                                                    ValueRange{row, c},
                                                    ArrayRef<bool>{true})
                        .getResult()};
              });
        })[0];
  }

  /// The i32 [M, S] table of `factor` times the sum of the unpacked
  /// activations of each row over each segment, exact in wrapping i32: with
  /// VNNI and the weight bias as factor, what the tiles subtract from their
  /// biased dot products; with factor 1, what weight zero points multiply.
  Value activationSums(OpBuilder &b, Location loc, int8_t factor) const {
    auto i32s = VectorType::get({kChunk}, b.getI32Type());
    return segmentTable(
        b, loc, tensor::getMixedSize(b, loc, a, 0),
        [&](OpBuilder &b, Location loc, Value row, Value k0, Value k1) {
          Value sum = loop(
              b, loc, k0, k1, idx(b, loc, kChunk),
              ValueRange{zeros(b, loc, accType(b))},
              [&](OpBuilder &b, Location loc, Value c, ValueRange acc) {
                Value hi = arith::MinSIOp::create(
                    b, loc, arith::SubIOp::create(b, loc, k1, c),
                    idx(b, loc, kChunk));
                Value v = arith::SelectOp::create(
                    b, loc, laneRange(b, loc, idx(b, loc, 0), hi),
                    read(b, loc, bytes(b, kChunk), a, {row, c}, true),
                    byteSplat(b, loc, 64, 0));
                if (vnni)
                  return SmallVector<Value>{
                      dpbusd(b, loc, acc[0], byteSplat(b, loc, 64, factor), v)};
                Value wide = arith::ExtSIOp::create(b, loc, i32s, v);
                if (factor != 1)
                  wide = arith::MulIOp::create(
                      b, loc, wide,
                      splat(b, loc, i32s, b.getI32IntegerAttr(factor)));
                return SmallVector<Value>{
                    arith::AddIOp::create(b, loc, acc[0], wide)};
              })[0];
          return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                             sum);
        });
  }

  /// The i32 [rows, S] table of `segmentValue(row, k0, k1)` for every row
  /// and K segment [k0, k1).
  Value segmentTable(
      OpBuilder &b, Location loc, OpFoldResult rows,
      function_ref<Value(OpBuilder &, Location, Value row, Value k0, Value k1)>
          segmentValue) const {
    int64_t segments = plan.bounds.size() - 1;
    SmallVector<OpFoldResult> sizes{rows, b.getIndexAttr(segments)};
    Value init = tensor::EmptyOp::create(b, loc, sizes, b.getI32Type());
    return loop(
        b, loc, idx(b, loc, 0), getValueOrCreateConstantIndexOp(b, loc, rows),
        idx(b, loc, 1), init,
        [&](OpBuilder &b, Location loc, Value row, ValueRange args) {
          return loop(
              b, loc, idx(b, loc, 0), idx(b, loc, segments), idx(b, loc, 1),
              args,
              [&](OpBuilder &b, Location loc, Value seg, ValueRange args) {
                Value k0 = tableAt(b, loc, bounds, seg);
                Value k1 = tableAt(b, loc, bounds, add(b, loc, seg, 1));
                return SmallVector<Value>{tensor::InsertOp::create(
                    b, loc, segmentValue(b, loc, row, k0, k1), args[0],
                    ValueRange{row, seg})};
              });
        })[0];
  }

  /// The part zin of i32 zero point `za` that unpacking subtracts: for
  /// 4-bit codes clamp(za, kZinMin, kZinMax), for 8-bit codes 128 (ui8)
  /// or 0 (i8), whatever za is.
  Value clampZin(OpBuilder &b, Location loc, Value za) const {
    auto i32 = [&](int64_t v) {
      return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
    };
    if (plan.lhs.bits == 8)
      return i32(plan.lhs.isSigned ? 0 : 128);
    return arith::MinSIOp::create(
        b, loc, arith::MaxSIOp::create(b, loc, za, i32(kZinMin)), i32(kZinMax));
  }

  /// The i8 [1 or M, padded K + 64] table of each activation's zin (0 past
  /// K), rows as the zero point grid's. Once per call.
  Value expandZeroPoints(OpBuilder &b, Location loc, Value packed) const {
    int64_t end = llvm::alignTo(plan.k, kChunk) + kChunk;
    SmallVector<int32_t> column(end, 0);
    for (size_t s = 0; s + 1 < plan.bounds.size(); ++s)
      for (int64_t k = plan.bounds[s]; k < plan.bounds[s + 1]; ++k)
        column[k] = plan.lhs.columns[s];
    Value columns = codegen::emitI32Table(b, loc, column);
    SmallVector<OpFoldResult> sizes{
        plan.lhs.rowScale ? tensor::getMixedSize(b, loc, packed, 0)
                          : OpFoldResult(b.getIndexAttr(1)),
        b.getIndexAttr(end)};
    return codegen::buildTensor(
        b, loc, sizes, b.getI8Type(),
        [&](OpBuilder &b, Location loc, ArrayRef<Value> index) -> Value {
          Value col = arith::IndexCastOp::create(
              b, loc, b.getIndexType(),
              tensor::ExtractOp::create(b, loc, columns, index[1]));
          Value zin = arith::TruncIOp::create(
              b, loc, b.getI8Type(),
              clampZin(b, loc,
                       tensor::ExtractOp::create(b, loc, aZero,
                                                 ValueRange{index[0], col})));
          Value inside = arith::CmpIOp::create(
              b, loc, arith::CmpIPredicate::ult, index[1], idx(b, loc, plan.k));
          return arith::SelectOp::create(
              b, loc, inside, zin,
              arith::ConstantIntOp::create(b, loc, b.getI8Type(), 0));
        });
  }

  /// Whether any activation zero point has a zout (za != clampZin(za)).
  Value anyZout(OpBuilder &b, Location loc) const {
    Value rows = tensor::DimOp::create(b, loc, aZero, 0);
    Value cols = tensor::DimOp::create(b, loc, aZero, 1);
    Value none = arith::ConstantIntOp::create(b, loc, b.getI1Type(), 0);
    return loop(
        b, loc, idx(b, loc, 0), rows, idx(b, loc, 1), ValueRange{none},
        [&](OpBuilder &b, Location loc, Value r, ValueRange acc) {
          return loop(
              b, loc, idx(b, loc, 0), cols, idx(b, loc, 1), acc,
              [&](OpBuilder &b, Location loc, Value c, ValueRange acc) {
                Value za =
                    tensor::ExtractOp::create(b, loc, aZero, ValueRange{r, c});
                Value out = arith::CmpIOp::create(
                    b, loc, arith::CmpIPredicate::ne, za, clampZin(b, loc, za));
                return SmallVector<Value>{
                    arith::OrIOp::create(b, loc, acc[0], out)};
              });
        })[0];
  }

  /// The weight segment sums (weightSums) when some zero point has a zout,
  /// else zeros: in-range zero points were subtracted while unpacking.
  Value weightSumsIfNeeded(OpBuilder &b, Location loc) const {
    auto type = RankedTensorType::get({plan.n, int64_t(plan.bounds.size() - 1)},
                                      b.getI32Type());
    // (Result types come from the yields.)
    auto ifOp = scf::IfOp::create(
        b, loc, anyZout(b, loc),
        [&](OpBuilder &b, Location loc) {
          scf::YieldOp::create(b, loc, weightSums(b, loc));
        },
        [&](OpBuilder &b, Location loc) {
          Value empty =
              tensor::EmptyOp::create(b, loc, type.getShape(), b.getI32Type());
          Value zero = arith::ConstantIntOp::create(b, loc, b.getI32Type(), 0);
          scf::YieldOp::create(
              b, loc, linalg::FillOp::create(b, loc, zero, empty).getResult(0));
        });
    return ifOp.getResult(0);
  }

  /// For activation zero points: the i32 [N, S] table of the sum of the
  /// weight codes of each row over each segment (signed values, or
  /// unsigned ones for asymmetric ui4/ui8 weights; wrapping, as the tiles'
  /// sums). Once per call.
  Value weightSums(OpBuilder &b, Location loc) const {
    auto i32s = VectorType::get({kChunk}, b.getI32Type());
    return segmentTable(
        b, loc, b.getIndexAttr(plan.n),
        [&](OpBuilder &b, Location loc, Value row, Value k0, Value k1) {
          // With VNNI, 64 weights summed by one vpdpbusd against ones; else
          // extended to i32 lanes and added.
          auto step = [&](OpBuilder &b, Location loc, Value c, ValueRange acc,
                          bool inBounds) -> SmallVector<Value> {
            Value codes = loadCodes(b, loc, w, plan.rhs.bits, row, c, inBounds);
            bool isSigned = plan.rhs.isSigned;
            if (plan.rhs.bits == 4 && isSigned)
              codes = signedNibbles(b, loc, codes);
            Value inSegment = segmentLanes(b, loc, k0, k1, c);
            if (vnni) {
              // Signed codes as vpdpbusd's signed operand, unsigned ones as
              // its unsigned operand, against ones.
              Value ones = byteSplat(b, loc, 64, 1);
              Value masked = arith::SelectOp::create(b, loc, inSegment, codes,
                                                     byteSplat(b, loc, 64, 0));
              return SmallVector<Value>{
                  isSigned ? dpbusd(b, loc, acc[0], ones, masked)
                           : dpbusd(b, loc, acc[0], masked, ones)};
            }
            Value wide =
                isSigned
                    ? arith::ExtSIOp::create(b, loc, i32s, codes).getResult()
                    : arith::ExtUIOp::create(b, loc, i32s, codes).getResult();
            Value v = arith::SelectOp::create(b, loc, inSegment, wide,
                                              zeros(b, loc, i32s));
            return SmallVector<Value>{arith::AddIOp::create(b, loc, acc[0], v)};
          };
          SmallVector<Value> sum =
              weightSteps(b, loc, k0, k1, {zeros(b, loc, accType(b))}, step);
          return vector::ReductionOp::create(b, loc, vector::CombiningKind::ADD,
                                             sum[0]);
        });
  }

  /// Tiles of 16 outputs (4 x 4, or 1 x 16 for a GEMV) with VNNI keep their
  /// results in one f32 vector.
  bool packed(TileShape s) const { return vnni && s.mr * s.nr == kLanes; }

  /// The lane sums of `vectors` (16 x vector<16xi32>) as one vector, lane o
  /// holding the sum of vectors[o]: four levels of pairwise shuffles and
  /// adds (30 shuffles, 15 adds) instead of 16 separate reductions. Vector p
  /// of a level holds 16 / width sources, each in `width` lanes; the halves
  /// of every source are added.
  static Value transposeReduce(OpBuilder &b, Location loc,
                               ArrayRef<Value> vectors) {
    SmallVector<Value> level(vectors);
    for (int64_t width = kLanes; level.size() > 1; width /= 2) {
      SmallVector<Value> next;
      for (size_t p = 0; p < level.size(); p += 2) {
        SmallVector<int64_t> low, high;
        for (int64_t source = 0; source < 2; ++source)
          for (int64_t block = 0; block < kLanes / width; ++block)
            for (int64_t l = 0; l < width / 2; ++l) {
              low.push_back(source * kLanes + block * width + l);
              high.push_back(source * kLanes + block * width + width / 2 + l);
            }
        next.push_back(arith::AddIOp::create(
            b, loc,
            vector::ShuffleOp::create(b, loc, level[p], level[p + 1], low),
            vector::ShuffleOp::create(b, loc, level[p], level[p + 1], high)));
      }
      level = std::move(next);
    }
    return level[0];
  }

  Value tableAt(OpBuilder &b, Location loc, Value table, Value i) const {
    return arith::IndexCastOp::create(
        b, loc, b.getIndexType(), tensor::ExtractOp::create(b, loc, table, i));
  }

  /// The lanes of the 64 codes at `c` that lie in the segment [k0, k1).
  static Value segmentLanes(OpBuilder &b, Location loc, Value k0, Value k1,
                            Value c) {
    Value lo = arith::MaxSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, k0, c), idx(b, loc, 0));
    Value hi = arith::MinSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, k1, c), idx(b, loc, kChunk));
    return laneRange(b, loc, lo, hi);
  }

  using StepFn = function_ref<SmallVector<Value>(
      OpBuilder &, Location, Value c, ValueRange acc, bool inBounds)>;

  /// Runs `step` over the segment [k0, k1) at c = start, start + 64, ...
  /// below k1 (start = k0, rounded down to even for packed nibbles, which
  /// pair codes 2j and 2j+1), threading `init`: the steps whose 64 weight
  /// codes end inside the row without bounds checks, then the rest (at most
  /// one) with them. Steps mask their lanes with segmentLanes.
  SmallVector<Value> weightSteps(OpBuilder &b, Location loc, Value k0, Value k1,
                                 ValueRange init, StepFn step) const {
    Value start = plan.rhs.bits == 4
                      ? arith::AndIOp::create(b, loc, k0, idx(b, loc, -2))
                      : k0;
    int64_t rowCodes = plan.rhs.bits == 4 ? llvm::alignTo(plan.k, 2) : plan.k;
    Value limit = arith::MinSIOp::create(
        b, loc, k1, idx(b, loc, std::max<int64_t>(rowCodes - 63, 0)));
    Value steps = arith::CeilDivSIOp::create(
        b, loc,
        arith::MaxSIOp::create(b, loc,
                               arith::SubIOp::create(b, loc, limit, start),
                               idx(b, loc, 0)),
        idx(b, loc, kChunk));
    Value safe = arith::AddIOp::create(
        b, loc, start,
        arith::MulIOp::create(b, loc, steps, idx(b, loc, kChunk)));
    SmallVector<Value> acc =
        loop(b, loc, start, safe, idx(b, loc, kChunk), init,
             [&](OpBuilder &b, Location loc, Value c, ValueRange args) {
               return step(b, loc, c, args, true);
             });
    return loop(b, loc, safe, k1, idx(b, loc, kChunk), acc,
                [&](OpBuilder &b, Location loc, Value c, ValueRange args) {
                  return step(b, loc, c, args, false);
                });
  }

  /// The integer dot products of one segment [k0, k1) for the tile at
  /// (m0, n0): MR x NR i32 vector accumulators (reduced later), then, with
  /// tileWeightSums, NR more: the weight rows' sums over the segment.
  SmallVector<Value> segmentDots(OpBuilder &b, Location loc, TileShape s,
                                 Value m0, Value n0, Value k0, Value k1) const {
    int64_t outputs = s.mr * s.nr;
    auto i32s = VectorType::get({kChunk}, b.getI32Type());
    SmallVector<Value> acc(outputs + (tileWeightSums ? s.nr : 0),
                           zeros(b, loc, accType(b)));
    // A step reads 64 codes of each weight row (weightSteps).
    auto step = [&](OpBuilder &b, Location loc, Value c, ValueRange accArgs,
                    bool inBounds) -> SmallVector<Value> {
      SmallVector<Value> next(accArgs);
      Value inSegment = segmentLanes(b, loc, k0, k1, c);
      Value zeroBytes = byteSplat(b, loc, 64, 0);
      SmallVector<Value> rows;
      for (int64_t i = 0; i < s.mr; ++i) {
        Value v =
            read(b, loc, bytes(b, kChunk), a, {add(b, loc, m0, i), c}, true);
        v = arith::SelectOp::create(b, loc, inSegment, v, zeroBytes);
        rows.push_back(
            vnni ? v : arith::ExtSIOp::create(b, loc, i32s, v).getResult());
      }
      for (int64_t j = 0; j < s.nr; ++j) {
        Value v = weights(b, loc,
                          loadCodes(b, loc, w, plan.rhs.bits,
                                    weightRow(b, loc, s, n0, j), c, inBounds));
        // (Unsigned 8-bit codes widen as such; nibbles are 0..15.)
        if (!vnni)
          v = plan.rhs.isSigned
                  ? arith::ExtSIOp::create(b, loc, i32s, v).getResult()
                  : arith::ExtUIOp::create(b, loc, i32s, v).getResult();
        for (int64_t i = 0; i < s.mr; ++i) {
          Value &sum = next[i * s.nr + j];
          sum =
              vnni ? dpbusd(b, loc, sum, v, rows[i])
                   : arith::AddIOp::create(
                         b, loc, sum, arith::MulIOp::create(b, loc, rows[i], v))
                         .getResult();
        }
        if (tileWeightSums) {
          // The row's (biased, with VNNI) weights in the segment.
          Value &sum = next[outputs + j];
          sum = vnni ? dpbusd(b, loc, sum,
                              arith::SelectOp::create(b, loc, inSegment, v,
                                                      zeroBytes),
                              byteSplat(b, loc, 64, 1))
                     : arith::AddIOp::create(
                           b, loc, sum,
                           arith::SelectOp::create(b, loc, inSegment, v,
                                                   zeros(b, loc, i32s)))
                           .getResult();
        }
      }
      return next;
    };
    return weightSteps(b, loc, k0, k1, acc, step);
  }

  /// What turns one segment's integer sums into f32 terms: per tile row
  /// (i) and column (j) the scales, and the zero-point corrections
  /// sum - bias - as zw - zout ws + zout zw (k1 - k0).
  struct SegmentTerms {
    SmallVector<Value> sa, sw;   // activation / weight scales
    SmallVector<Value> rowBias;  // VNNI weight bias x activation sums
    SmallVector<Value> as, zw;   // weight zero points
    SmallVector<Value> zout, ws; // activation zero points
    Value length;                // k1 - k0 in i32, where needed
    bool cross = false;          // zero points on both operands
  };

  SegmentTerms segmentTerms(OpBuilder &b, Location loc, TileShape s, Value m0,
                            Value n0, Value seg, Value k0, Value k1,
                            ArrayRef<Value> tileSums) const {
    SegmentTerms t;
    Value c0 = idx(b, loc, 0);
    // out += float(sum) * (sa * sw), as the reference scales a segment.
    Value lhsColumn = tableAt(b, loc, lhsColumns, seg);
    Value rhsColumn = tableAt(b, loc, rhsColumns, seg);
    for (int64_t i = 0; i < s.mr; ++i)
      t.sa.push_back(tensor::ExtractOp::create(
          b, loc, aScale,
          ValueRange{plan.lhs.rowScale ? add(b, loc, m0, i) : c0, lhsColumn}));
    for (int64_t j = 0; j < s.nr; ++j)
      t.sw.push_back(tensor::ExtractOp::create(
          b, loc, wScale,
          ValueRange{plan.rhs.rowScale ? weightRow(b, loc, s, n0, j) : c0,
                     rhsColumn}));
    // With VNNI, the weight bias times each row's activation sum.
    if (activationBias)
      for (int64_t i = 0; i < s.mr; ++i)
        t.rowBias.push_back(tensor::ExtractOp::create(
            b, loc, activationBias, ValueRange{add(b, loc, m0, i), seg}));
    // With weight zero points, zw x activation sum per output.
    if (plan.rhs.zeroPoint) {
      for (int64_t i = 0; i < s.mr; ++i)
        t.as.push_back(tensor::ExtractOp::create(
            b, loc, activationSum, ValueRange{add(b, loc, m0, i), seg}));
      for (int64_t j = 0; j < s.nr; ++j)
        t.zw.push_back(tensor::ExtractOp::create(
            b, loc, wZero,
            ValueRange{plan.rhs.rowScale ? weightRow(b, loc, s, n0, j) : c0,
                       rhsColumn}));
    }
    // The segment length k1 - k0 in i32 (bias and cross terms), made once,
    // where it is first needed.
    auto segmentLength = [&] {
      if (!t.length)
        t.length = arith::IndexCastOp::create(
            b, loc, b.getI32Type(), arith::SubIOp::create(b, loc, k1, k0));
      return t.length;
    };
    // With activation zero points, zout x weight sum per output.
    if (plan.lhs.zeroPoint) {
      for (int64_t i = 0; i < s.mr; ++i) {
        // zout = za - zin: zin was subtracted while unpacking.
        Value whole = tensor::ExtractOp::create(
            b, loc, aZero,
            ValueRange{plan.lhs.rowScale ? add(b, loc, m0, i) : c0, lhsColumn});
        t.zout.push_back(
            arith::SubIOp::create(b, loc, whole, clampZin(b, loc, whole)));
      }
      for (int64_t j = 0; j < s.nr; ++j) {
        if (!tileWeightSums) {
          t.ws.push_back(tensor::ExtractOp::create(
              b, loc, weightSum, ValueRange{weightRow(b, loc, s, n0, j), seg}));
          continue;
        }
        // Biased sums lose the bias times the segment length.
        Value sum = vector::ReductionOp::create(
            b, loc, vector::CombiningKind::ADD, tileSums[j]);
        if (vnni && weightBias())
          sum = arith::SubIOp::create(
              b, loc, sum,
              arith::MulIOp::create(
                  b, loc, segmentLength(),
                  arith::ConstantIntOp::create(b, loc, b.getI32Type(),
                                               uint8_t(weightBias()))));
        t.ws.push_back(sum);
      }
    }
    // With zero points on both operands, the cross term of
    // (a - zout)(w - zw) = a w - zw a - zout w + zout zw (a, w as the tiles
    // multiply them), summed over the segment: zout zw (k1 - k0).
    t.cross = plan.lhs.zeroPoint && plan.rhs.zeroPoint;
    if (t.cross)
      segmentLength();
    return t;
  }

  /// out (one f32 vector, lane o being output (o / NR, o % NR)) += the
  /// segment's terms, computed on all 16 outputs at once.
  Value accumulatePacked(OpBuilder &b, Location loc, TileShape s,
                         ArrayRef<Value> acc, const SegmentTerms &t,
                         Value out) const {
    auto f32s = VectorType::get({kLanes}, b.getF32Type());
    auto spread = [&](ArrayRef<Value> scalars, bool byRow) {
      Value v = vector::FromElementsOp::create(
          b, loc,
          VectorType::get({int64_t(scalars.size())}, scalars[0].getType()),
          scalars);
      SmallVector<int64_t> mask;
      for (int64_t o = 0; o < kLanes; ++o)
        mask.push_back(byRow ? o / s.nr : o % s.nr);
      return vector::ShuffleOp::create(b, loc, v, v, mask);
    };
    Value sums = transposeReduce(b, loc, acc);
    if (activationBias)
      sums = arith::SubIOp::create(b, loc, sums, spread(t.rowBias, true));
    if (plan.rhs.zeroPoint)
      sums = arith::SubIOp::create(b, loc, sums,
                                   arith::MulIOp::create(b, loc,
                                                         spread(t.as, true),
                                                         spread(t.zw, false)));
    if (plan.lhs.zeroPoint)
      sums = arith::SubIOp::create(b, loc, sums,
                                   arith::MulIOp::create(b, loc,
                                                         spread(t.zout, true),
                                                         spread(t.ws, false)));
    if (t.cross) {
      auto lanes = VectorType::get({kLanes}, b.getI32Type());
      sums = arith::AddIOp::create(
          b, loc, sums,
          arith::MulIOp::create(
              b, loc,
              arith::MulIOp::create(b, loc, spread(t.zout, true),
                                    spread(t.zw, false)),
              vector::BroadcastOp::create(b, loc, lanes, t.length)));
    }
    Value scale =
        arith::MulFOp::create(b, loc, spread(t.sa, true), spread(t.sw, false));
    Value term = arith::MulFOp::create(
        b, loc, arith::SIToFPOp::create(b, loc, f32s, sums), scale);
    return arith::AddFOp::create(b, loc, out, term);
  }

  /// out[i * NR + j] (f32 scalars) += the segment's term of output (i, j).
  SmallVector<Value> accumulateScalars(OpBuilder &b, Location loc, TileShape s,
                                       ArrayRef<Value> acc,
                                       const SegmentTerms &t,
                                       ValueRange out) const {
    SmallVector<Value> next(out);
    for (int64_t i = 0; i < s.mr; ++i) {
      for (int64_t j = 0; j < s.nr; ++j) {
        Value sum = vector::ReductionOp::create(
            b, loc, vector::CombiningKind::ADD, acc[i * s.nr + j]);
        if (activationBias)
          sum = arith::SubIOp::create(b, loc, sum, t.rowBias[i]);
        if (plan.rhs.zeroPoint)
          sum = arith::SubIOp::create(
              b, loc, sum, arith::MulIOp::create(b, loc, t.as[i], t.zw[j]));
        if (plan.lhs.zeroPoint)
          sum = arith::SubIOp::create(
              b, loc, sum, arith::MulIOp::create(b, loc, t.zout[i], t.ws[j]));
        if (t.cross)
          sum = arith::AddIOp::create(
              b, loc, sum,
              arith::MulIOp::create(
                  b, loc, arith::MulIOp::create(b, loc, t.zout[i], t.zw[j]),
                  t.length));
        Value term = arith::MulFOp::create(
            b, loc, arith::SIToFPOp::create(b, loc, b.getF32Type(), sum),
            arith::MulFOp::create(b, loc, t.sa[i], t.sw[j]));
        next[i * s.nr + j] =
            arith::AddFOp::create(b, loc, next[i * s.nr + j], term);
      }
    }
    return next;
  }

  /// The MR x NR outputs at (m0, n0): per segment the integer dot products,
  /// then their scaled (and zero-point corrected) terms added in f32.
  Value tile(OpBuilder &b, Location loc, TileShape s, Value m0, Value n0,
             Value result) const {
    int64_t outputs = s.mr * s.nr;
    Value f32Zero =
        arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(0.0f));
    SmallVector<Value> out(outputs, f32Zero);
    if (packed(s))
      out = {zeros(b, loc, VectorType::get({kLanes}, b.getF32Type()))};
    out = loop(b, loc, idx(b, loc, 0), idx(b, loc, plan.bounds.size() - 1),
               idx(b, loc, 1), out,
               [&](OpBuilder &b, Location loc, Value seg, ValueRange outArgs) {
                 Value k0 = tableAt(b, loc, bounds, seg);
                 Value k1 = tableAt(b, loc, bounds, add(b, loc, seg, 1));
                 SmallVector<Value> acc =
                     segmentDots(b, loc, s, m0, n0, k0, k1);
                 SmallVector<Value> tileSums(acc.begin() + outputs, acc.end());
                 acc.resize(outputs);
                 SegmentTerms terms =
                     segmentTerms(b, loc, s, m0, n0, seg, k0, k1, tileSums);
                 if (packed(s))
                   return SmallVector<Value>{
                       accumulatePacked(b, loc, s, acc, terms, outArgs[0])};
                 return accumulateScalars(b, loc, s, acc, terms, outArgs);
               });
    if (packed(s))
      out = llvm::to_vector(llvm::map_range(
          llvm::seq<int64_t>(0, outputs), [&](int64_t o) -> Value {
            return vector::ExtractOp::create(b, loc, out[0], o);
          }));
    for (int64_t i = 0; i < s.mr; ++i)
      for (int64_t j = 0; j < s.nr; ++j)
        result = tensor::InsertOp::create(
            b, loc, out[i * s.nr + j], result,
            ValueRange{add(b, loc, m0, i), resultColumn(b, loc, s, n0, j)});
    return result;
  }
};

} // namespace

static Value i32Table(OpBuilder &b, Location loc, ArrayRef<int64_t> values) {
  return codegen::emitI32Table(
      b, loc, SmallVector<int32_t>(values.begin(), values.end()));
}

Value tiled::lowerSegmentedInteger(OpBuilder &b, Location loc,
                                   const SegmentedIntegerPlan &plan, bool vnni,
                                   unsigned chunks,
                                   std::optional<int64_t> staticM, Value a,
                                   Value aScale, Value aZero, Value w,
                                   Value wScale, Value wZero) {
  SegmentedIntegerKernel kernel{plan,
                                vnni,
                                a,
                                w,
                                aScale,
                                wScale,
                                aZero,
                                wZero,
                                i32Table(b, loc, plan.bounds),
                                i32Table(b, loc, plan.lhs.columns),
                                i32Table(b, loc, plan.rhs.columns),
                                Value(),
                                Value(),
                                Value(),
                                Value()};
  // 8-bit codes have a constant zin (unpackActivations).
  if (plan.lhs.zeroPoint && plan.lhs.bits == 4)
    kernel.zinTable = kernel.expandZeroPoints(b, loc, a);
  kernel.a = kernel.unpackActivations(b, loc, a);
  if (vnni && kernel.weightBias())
    kernel.activationBias = kernel.activationSums(b, loc, kernel.weightBias());
  if (plan.rhs.zeroPoint)
    kernel.activationSum = kernel.activationSums(b, loc, 1);
  kernel.tileWeightSums =
      plan.lhs.zeroPoint && plan.lhs.bits == 8 && staticM && *staticM <= 8;
  if (plan.lhs.zeroPoint && !kernel.tileWeightSums)
    kernel.weightSum = kernel.weightSumsIfNeeded(b, loc);
  auto tile = [&](OpBuilder &b, Location l, TileShape s, Value m0, Value n0,
                  ArrayRef<Value>, Value result) {
    return kernel.tile(b, l, s, m0, n0, result);
  };
  // One activation row: 1 x 16 tiles, whose 16 outputs share the
  // activation loads and one reduction tree per segment; 1 x 8 when the
  // tiles also sum their weight rows (16 + 16 accumulators would not fit
  // the 32 vector registers and spill).
  if (staticM == 1) {
    Value m = tensor::DimOp::create(b, loc, a, 0);
    int64_t nr = kernel.tileWeightSums ? 8 : 16;
    return emitColumnChunks(
        b, loc, plan.n, chunks, emptyResult(b, loc, a, plan.n, b.getF32Type()),
        [&](OpBuilder &b, Location loc, RowRange rows, Value result) {
          return emitTiledLoops(b, loc, m, rows, staticM, /*main=*/{1, nr},
                                /*rowTail=*/{1, nr}, tile, nullptr, result);
        });
  }
  return emitMatmulLoops(b, loc, a, plan.n, staticM, /*main=*/{4, 4},
                         /*rowTail=*/{1, 4}, chunks, tile);
}
