//===- WeightOnlyKernel.cpp - weight-only lowbit.matmul kernels -----------===//
//
// See WeightOnlyKernel.h; the loop nests are KernelCommon's.
//
//===----------------------------------------------------------------------===//

#include "WeightOnlyKernel.h"

#include "CodeDecode.h"
#include "KernelCommon.h"

#include "lowbit/Conversion/LowBitMatmulToVector/LowBitMatmulToVector.h"
#include "lowbit/Conversion/LowBitCodegen/ElementCodegen.h"
#include "lowbit/Dialect/LowBitX86/IR/LowBitX86.h"
#include "lowbit/Numerics/FloatFormats.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"

#include <cmath>

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::tiled;

namespace {
/// How far ahead (in weight rows) weight-only GEMM tiles prefetch codes.
constexpr int64_t kPrefetchRows = 8;
/// How far ahead (in bytes along the stream of consecutive rows) each row
/// stream of a strided GEMV tile prefetches codes. A fixed byte distance
/// keeps the lines in flight (4 streams x 2 KiB) well inside L1 for any K,
/// where a distance in rows would grow with K past L1 (docs/cpu-codegen.md
/// has the measurements).
constexpr int64_t kStreamPrefetchBytes = 2048;
} // namespace

namespace {

//===----------------------------------------------------------------------===//
// Weight-only kernel
//===----------------------------------------------------------------------===//

/// Activations for 4-bit weights: [M, 2, K/2] holding even then odd columns.
/// Byte j of a packed row holds code 2j (low nibble) and 2j+1 (high nibble),
/// so a 16-byte load pairs with 16 even and 16 odd activations, no shuffles.
static Value deinterleave(OpBuilder &b, Location loc, Value a, int64_t k) {
  auto type = cast<RankedTensorType>(a.getType());
  int64_t m = type.getShape()[0];
  auto pairs = RankedTensorType::get({m, k / 2, 2}, type.getElementType());
  SmallVector<ReassociationIndices> groups{{0}, {1, 2}};
  SmallVector<OpFoldResult> pairSizes{tensor::getMixedSize(b, loc, a, 0),
                                      b.getIndexAttr(k / 2), b.getIndexAttr(2)};
  Value expanded =
      tensor::ExpandShapeOp::create(b, loc, pairs, a, groups, pairSizes);
  SmallVector<OpFoldResult> sizes{pairSizes[0], b.getIndexAttr(2),
                                  b.getIndexAttr(k / 2)};
  Value init = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  return linalg::TransposeOp::create(b, loc, expanded, init,
                                     ArrayRef<int64_t>{0, 2, 1})
      .getResult()[0];
}

static bool usePlanes(const WeightOnlyPlan &plan, bool avx512) {
  // (NVFP4's per-lane block scales follow the 16-byte kernel's lanes.)
  return avx512 && plan.bits == 4 && plan.group % kPlaneBlock == 0 &&
         !plan.nvfp4();
}

/// Row streams of the GEMV tiles. The bf16 nibble-plane kernel is bound by
/// memory, and the memory system serves it faster with three streams than
/// with four; the other kernels are bound by their instructions, where a
/// fourth row per tile amortizes the activation loads (docs/cpu-codegen.md
/// has the A/B measurements).
static int64_t gemvStreams(const WeightOnlyPlan &plan, bool avx512) {
  return plan.bf16 && usePlanes(plan, avx512) ? 3 : kGemvRows;
}

/// Activations for the nibble-plane kernels, with `lanes` elements per
/// 512-bit vector (16 f32 or 32 bf16) and P = 128 / lanes codes per lane:
/// [M, K/128, P, lanes], element (m, b, t, d) = a[m, 128 b + P d + t], the
/// activation of nibble t of lane d of a 64-byte code block. f32:
/// [M, K/128, 8, 16]; bf16: [M, K/128, 4, 32].
static Value deinterleavePlanes(OpBuilder &b, Location loc, Value a, int64_t k,
                                int64_t lanes) {
  auto type = cast<RankedTensorType>(a.getType());
  int64_t m = type.getShape()[0], blocks = k / kPlaneBlock;
  int64_t planes = kPlaneBlock / lanes;
  auto split =
      RankedTensorType::get({m, blocks, lanes, planes}, type.getElementType());
  SmallVector<ReassociationIndices> groups{{0}, {1, 2, 3}};
  OpFoldResult rows = tensor::getMixedSize(b, loc, a, 0);
  SmallVector<OpFoldResult> splitSizes{rows, b.getIndexAttr(blocks),
                                       b.getIndexAttr(lanes),
                                       b.getIndexAttr(planes)};
  Value expanded =
      tensor::ExpandShapeOp::create(b, loc, split, a, groups, splitSizes);
  SmallVector<OpFoldResult> sizes{rows, b.getIndexAttr(blocks),
                                  b.getIndexAttr(planes),
                                  b.getIndexAttr(lanes)};
  Value init = tensor::EmptyOp::create(b, loc, sizes, type.getElementType());
  return linalg::TransposeOp::create(b, loc, expanded, init,
                                     ArrayRef<int64_t>{0, 1, 3, 2})
      .getResult()[0];
}

/// `a` (bf16 [M, K]) as f32, exactly.
static Value widenToF32(OpBuilder &b, Location loc, Value a) {
  auto type = cast<RankedTensorType>(a.getType());
  Value init = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, a),
                                       b.getF32Type());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> parallel(type.getRank(),
                                            utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, init.getType(), ValueRange{a}, ValueRange{init},
             ArrayRef<AffineMap>{identity, identity}, parallel,
             [](OpBuilder &b, Location loc, ValueRange args) {
               linalg::YieldOp::create(b, loc,
                                       ValueRange{arith::ExtFOp::create(
                                           b, loc, b.getF32Type(), args[0])});
             })
      .getResult(0);
}

struct WeightOnlyKernel {
  const WeightOnlyPlan &plan;
  bool avx512;
  Value act;         // [M, K] f32, [M, 2, K/2] (4-bit) or the planes layout
  Value codes;       // [N, packed K] i8
  Value codesBuffer; // the same as a memref, for prefetches
  Value scales;      // [N, K / group] or [N, 1] f32
  Value zeroPoints;  // the same grid, i32, for asymmetric codes (else null)
  Value globalScale; // NVFP4's f32 global scale (else null)

  /// 4-bit codes with AVX-512 and groups of whole 64-byte blocks: one load
  /// of 64 bytes per row, read as 16 dwords of 8 nibbles each (nibble planes).
  bool planes() const { return usePlanes(plan, avx512); }

  /// Elements of K covered by one load of codes (16 or 64 bytes).
  int64_t chunk() const { return planes() ? kPlaneBlock : codesPerStep(plan); }

  /// Independent partial sums per output of a tile: GEMV tiles of the
  /// nibble-plane kernel have too few outputs to hide the FMA latency with
  /// one chain each, so even and odd planes get their own.
  int64_t partsPerOutput(TileShape s) const {
    return planes() && s.mr * s.nr < 8 ? 2 : 1;
  }

  /// The 64-byte code blocks at `byteOffset` of the tile's weight rows, read
  /// as lanes of `lanes` (i32: 8 nibbles per lane, i16: 4); plane t of row j
  /// is the block shifted right by 4t, so nibble t of every lane sits in its
  /// low bits (the bits above are left for the lookup to ignore).
  SmallVector<SmallVector<Value>> nibblePlanes(OpBuilder &b, Location loc,
                                               TileShape s, Value n0,
                                               Value byteOffset,
                                               VectorType lanes) const {
    auto bytes = VectorType::get({kPlaneBlock / 2}, b.getI8Type());
    unsigned width = lanes.getElementTypeBitWidth();
    SmallVector<SmallVector<Value>> planes(s.nr);
    for (int64_t j = 0; j < s.nr; ++j) {
      Value word = vector::BitCastOp::create(
          b, loc, lanes,
          read(b, loc, bytes, codes, {weightRow(b, loc, s, n0, j), byteOffset},
               true));
      planes[j].push_back(word);
      for (unsigned t = 1; t < width / 4; ++t)
        planes[j].push_back(arith::ShRUIOp::create(
            b, loc, word,
            splat(b, loc, lanes,
                  b.getIntegerAttr(lanes.getElementType(), 4 * t))));
    }
    return planes;
  }

  /// Plane t of the rearranged activations of the tile's MR rows in block
  /// `block` (see deinterleavePlanes).
  SmallVector<Value> activationPlane(OpBuilder &b, Location loc, TileShape s,
                                     Value m0, Value block, int64_t t,
                                     VectorType type) const {
    SmallVector<Value> rows;
    for (int64_t i = 0; i < s.mr; ++i)
      rows.push_back(read(
          b, loc, type, act,
          {add(b, loc, m0, i), block, idx(b, loc, t), idx(b, loc, 0)}, true));
    return rows;
  }

  /// The nibble-plane form of `accumulate` (a chunk is 128 codes, 64 bytes
  /// per weight row): dword d of the block holds codes 8d .. 8d+7, nibble t
  /// (bits 4t .. 4t+3) code 8d+t, which pairs with plane t of the activations
  /// ([M, K/128, 8, 16], see deinterleavePlanes). vpermps reads the low 4
  /// bits of each index, so plane t needs one shift by 4t and one lookup.
  /// Plane t goes to part t % parts of each output.
  void accumulatePlanes(OpBuilder &b, Location loc, TileShape s, Value m0,
                        Value n0, Value k, int64_t parts, ArrayRef<Value> zero,
                        SmallVectorImpl<Value> &acc) const {
    if (plan.bf16)
      return accumulateBf16Planes(b, loc, s, m0, n0, k, parts, acc);
    auto f32s = VectorType::get({kLanes}, b.getF32Type());
    auto i32s = VectorType::get({kLanes}, b.getI32Type());
    Value block = arith::DivUIOp::create(b, loc, k, idx(b, loc, kPlaneBlock));
    Value byteOffset = arith::DivUIOp::create(b, loc, k, idx(b, loc, 2));
    SmallVector<float> values;
    for (int c = 0; c < 16; ++c)
      values.push_back(plan.codeValue(c));
    Value table = arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(f32s, ArrayRef<float>(values)));
    SmallVector<SmallVector<Value>> index =
        nibblePlanes(b, loc, s, n0, byteOffset, i32s);
    for (int64_t t = 0; t < 8; ++t) {
      SmallVector<Value> a = activationPlane(b, loc, s, m0, block, t, f32s);
      for (int64_t j = 0; j < s.nr; ++j) {
        Value w =
            x86::PermpsOp::create(b, loc, table.getType(), table, index[j][t]).getResult();
        w = minusZero(b, loc, w, zero, j);
        for (int64_t i = 0; i < s.mr; ++i) {
          Value &c = acc[(i * s.nr + j) * parts + t % parts];
          c = vector::FMAOp::create(b, loc, a[i], w, c);
        }
      }
    }
  }

  /// The bf16 form of accumulatePlanes: the 64-byte block as 32 words of 4
  /// nibbles; plane t (bits 4t .. 4t+3 of each word) pairs with plane t of
  /// the activations ([M, K/128, 4, 32], see deinterleavePlanes). vpermw
  /// reads the low 5 bits of each index, so a 32-entry table holding each
  /// nibble's value twice needs one shift per plane and no mask; vdpbf16ps
  /// then adds two products per f32 lane.
  void accumulateBf16Planes(OpBuilder &b, Location loc, TileShape s, Value m0,
                            Value n0, Value k, int64_t parts,
                            SmallVectorImpl<Value> &acc) const {
    auto i16s = VectorType::get({2 * kLanes}, b.getI16Type());
    auto bf16s = VectorType::get({2 * kLanes}, b.getBF16Type());
    Value block = arith::DivUIOp::create(b, loc, k, idx(b, loc, kPlaneBlock));
    Value byteOffset = arith::DivUIOp::create(b, loc, k, idx(b, loc, 2));
    Value table = bf16Table(b, loc, 0);
    SmallVector<SmallVector<Value>> index =
        nibblePlanes(b, loc, s, n0, byteOffset, i16s);
    for (int64_t t = 0; t < 4; ++t) {
      SmallVector<Value> a = activationPlane(b, loc, s, m0, block, t, bf16s);
      for (int64_t j = 0; j < s.nr; ++j) {
        Value w = vector::BitCastOp::create(
            b, loc, bf16s,
            x86::PermwOp::create(b, loc, table.getType(), table, index[j][t]).getResult());
        for (int64_t i = 0; i < s.mr; ++i) {
          Value &c = acc[(i * s.nr + j) * parts + t % parts];
          c = x86vector::DotBF16Op::create(b, loc, c, a[i], w).getResult();
        }
      }
    }
  }

  /// The 32 codes at element `k` (a multiple of 32) of weight row `row`,
  /// `plan.bits` wide: code j is bits [bits j, bits j + bits) of the row's
  /// LSB-first bit stream from byte k bits / 8. One masked load (it reaches
  /// one byte past the 32 codes, and the row end is masked); each lane gets
  /// the bytes that hold its code by one byte shuffle (vpermb), then its own
  /// right shift (vpsrlvw / vpsrlvd); the bits above the code are left for
  /// the decode to mask. FP6 codes come in i16 lanes (one vector of 32, for
  /// the f16 decode), integer codes in i32 lanes (two vectors of 16, for the
  /// f32 decode: no widening shuffles); `wordLanes` asks for i16 lanes for
  /// any codes (the bf16 table lookup).
  SmallVector<Value> loadBitFields(OpBuilder &b, Location loc, Value row,
                                   Value k, bool wordLanes = false) const {
    unsigned bits = plan.bits;
    int64_t loadBytes = 4 * bits + 1 <= 16 ? 16 : 32;
    Value byte = arith::DivUIOp::create(
        b, loc, arith::MulIOp::create(b, loc, k, idx(b, loc, bits)),
        idx(b, loc, 8));
    Value raw = read(b, loc, VectorType::get({loadBytes}, b.getI8Type()), codes,
                     {row, byte}, /*inBounds=*/false);
    if (plan.fp6Mantissa() || wordLanes)
      return {bitFieldLanes(b, loc, raw, bits, 16, 0, 2 * kLanes)};
    return {bitFieldLanes(b, loc, raw, bits, 32, 0, kLanes),
            bitFieldLanes(b, loc, raw, bits, 32, kLanes, kLanes)};
  }

  /// The f32 values (two vectors of 16) of 32 codes from loadBitFields
  /// (CodeDecode.h).
  SmallVector<Value> decodeBitFields(OpBuilder &b, Location loc,
                                     ArrayRef<Value> fields) const {
    if (plan.fp6Mantissa())
      return fp6Decode(b, loc, fields[0], plan.fp6Mantissa());
    return integerFieldDecode(b, loc, fields, plan.bits, plan.isSigned);
  }

  /// The bf16 form of accumulateBitFields: the 32 codes' bf16 values are
  /// looked up (vpermw: a 32-entry table holding the 2^bits values
  /// repeated, so the bits above a code do not matter; vpermi2w: 64
  /// entries for 6-bit codes) and one vdpbf16ps multiplies them by the 32
  /// activations in their natural order (lane i adds the products of
  /// elements 2i and 2i + 1).
  void accumulateBf16BitFields(OpBuilder &b, Location loc, TileShape s,
                               Value m0, Value n0, Value k, bool inBounds,
                               SmallVectorImpl<Value> &acc) const {
    auto i16s = VectorType::get({2 * kLanes}, b.getI16Type());
    auto bf16s = VectorType::get({2 * kLanes}, b.getBF16Type());
    // Tables of 32 bf16 values: one for up to 5 bits, two for 6.
    SmallVector<Value> tables;
    int64_t count = std::max<int64_t>(1, plan.values.size() / 32);
    for (int64_t t = 0; t < count; ++t)
      tables.push_back(bf16Table(b, loc, 32 * t));
    SmallVector<Value> a;
    for (int64_t i = 0; i < s.mr; ++i)
      a.push_back(read(b, loc, bf16s, act, {add(b, loc, m0, i), k}, inBounds));
    for (int64_t j = 0; j < s.nr; ++j) {
      Value index = loadBitFields(b, loc, weightRow(b, loc, s, n0, j), k,
                                  /*wordLanes=*/true)[0];
      Value w = tables.size() == 1
                    ? x86::PermwOp::create(b, loc, tables[0].getType(), tables[0], index).getResult()
                    : x86::Permi2wOp::create(b, loc, tables[0].getType(), tables[0], index, tables[1]).getResult();
      w = vector::BitCastOp::create(b, loc, bf16s, w);
      for (int64_t i = 0; i < s.mr; ++i) {
        Value &c = acc[i * s.nr + j];
        c = x86vector::DotBF16Op::create(b, loc, c, a[i], w).getResult();
      }
    }
  }

  /// Accumulates 32 codes per weight row, decoded by `decodeRow(j)` into two
  /// f32 vectors (codes k .. k+15 and k+16 .. k+31), against the tile rows'
  /// two 16-lane vectors of activations; zero points subtracted first.
  void accumulateDecoded(
      OpBuilder &b, Location loc, TileShape s, Value m0, Value k, bool inBounds,
      ArrayRef<Value> zero, SmallVectorImpl<Value> &acc,
      function_ref<SmallVector<Value>(int64_t j)> decodeRow) const {
    auto f32s = VectorType::get({kLanes}, b.getF32Type());
    SmallVector<std::array<Value, 2>> a;
    for (int64_t i = 0; i < s.mr; ++i) {
      Value row = add(b, loc, m0, i);
      a.push_back(
          {read(b, loc, f32s, act, {row, k}, inBounds),
           read(b, loc, f32s, act, {row, add(b, loc, k, kLanes)}, inBounds)});
    }
    for (int64_t j = 0; j < s.nr; ++j) {
      SmallVector<Value> w = decodeRow(j);
      for (int64_t i = 0; i < s.mr; ++i)
        for (int64_t h = 0; h < 2; ++h) {
          Value &c = acc[i * s.nr + j];
          c = vector::FMAOp::create(b, loc, a[i][h],
                                    minusZero(b, loc, w[h], zero, j), c);
        }
    }
  }

  /// The bf16 bits of the 32 code values from code `first` on (plan.values
  /// repeated when it holds fewer), a vpermw / vpermi2w table; the plan
  /// checked that the values are exact in bf16.
  Value bf16Table(OpBuilder &b, Location loc, int64_t first) const {
    SmallVector<APInt> bits;
    for (int64_t e = 0; e < 2 * kLanes; ++e) {
      APFloat value(plan.codeValue((first + e) % plan.values.size()));
      bool lost;
      value.convert(APFloat::BFloat(), APFloat::rmNearestTiesToEven, &lost);
      bits.push_back(value.bitcastToAPInt());
    }
    return arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({2 * kLanes}, b.getI16Type()),
                               bits));
  }

  /// What the group's sums are multiplied by before the scale: the decode
  /// factors of FP8 and FP6 codes decoded through f16, MXINT8's code step
  /// 2^-6. Powers of two, exact; unlike folding them into the scale they
  /// cannot overflow where the reference does not (E8M0 scales reach
  /// 2^127). (The bf16 lookup kernels read exact values: no factor.)
  float decodeFactor() const {
    if (plan.mxInt8())
      return 1.0f / 64;
    if (plan.fp6Mantissa())
      return plan.bf16 ? 1.0f : fp6DecodeFactor(plan.fp6Mantissa());
    return fp8DecodeFactor(plan.fp8Mantissa());
  }

  /// The bit-field form of `accumulate` (bf16 activations: the lookup
  /// kernel).
  void accumulateBitFields(OpBuilder &b, Location loc, TileShape s, Value m0,
                           Value n0, Value k, bool inBounds,
                           ArrayRef<Value> zero,
                           SmallVectorImpl<Value> &acc) const {
    if (plan.bf16)
      return accumulateBf16BitFields(b, loc, s, m0, n0, k, inBounds, acc);
    accumulateDecoded(b, loc, s, m0, k, inBounds, zero, acc, [&](int64_t j) {
      return decodeBitFields(
          b, loc, loadBitFields(b, loc, weightRow(b, loc, s, n0, j), k));
    });
  }

  /// The FP8 form of `accumulate`: 32 codes (one 32-byte load) per row.
  void accumulateFp8(OpBuilder &b, Location loc, TileShape s, Value m0,
                     Value n0, Value k, bool inBounds,
                     SmallVectorImpl<Value> &acc) const {
    auto bytes = VectorType::get({2 * kLanes}, b.getI8Type());
    accumulateDecoded(b, loc, s, m0, k, inBounds, {}, acc, [&](int64_t j) {
      return fp8Decode(b, loc,
                       read(b, loc, bytes, codes,
                            {weightRow(b, loc, s, n0, j), k}, inBounds),
                       plan.fp8Mantissa());
    });
  }

  /// Accumulates one chunk at element offset `k` into `acc` (MR x NR).
  void accumulate(OpBuilder &b, Location loc, TileShape s, Value m0, Value n0,
                  Value k, bool inBounds, ArrayRef<Value> zero,
                  SmallVectorImpl<Value> &acc,
                  ArrayRef<Value> blockScales = {}) const {
    if (plan.fp8Mantissa())
      return accumulateFp8(b, loc, s, m0, n0, k, inBounds, acc);
    if (plan.bitFields())
      return accumulateBitFields(b, loc, s, m0, n0, k, inBounds, zero, acc);
    auto f32s = VectorType::get({kLanes}, b.getF32Type());
    auto i32s = VectorType::get({kLanes}, b.getI32Type());
    auto bytes = VectorType::get({kLanes}, b.getI8Type());
    bool four = plan.bits == 4;
    Value byteOffset =
        four ? arith::DivUIOp::create(b, loc, k, idx(b, loc, 2)).getResult()
             : k;
    // Activations of the MR rows: (even, odd) halves for 4-bit codes.
    SmallVector<std::pair<Value, Value>> a;
    for (int64_t i = 0; i < s.mr; ++i) {
      Value row = add(b, loc, m0, i);
      if (four)
        a.push_back({read(b, loc, f32s, act, {row, idx(b, loc, 0), byteOffset},
                          inBounds),
                     read(b, loc, f32s, act, {row, idx(b, loc, 1), byteOffset},
                          inBounds)});
      else
        a.push_back({read(b, loc, f32s, act, {row, k}, inBounds), Value()});
    }
    auto shift = [&](int64_t v) {
      return splat(b, loc, i32s, b.getI32IntegerAttr(v));
    };
    auto toFloat = [&](Value v) -> Value {
      if (plan.isSigned)
        return arith::SIToFPOp::create(b, loc, f32s, v);
      return arith::UIToFPOp::create(b, loc, f32s, v);
    };
    // With AVX-512, vpermps looks the value of each nibble up in a 16-entry
    // table; it reads only the low 4 bits of each index, so the low nibble
    // needs no masking and the high one a single shift.
    Value table;
    if (four && avx512) {
      SmallVector<float> values;
      for (int c = 0; c < 16; ++c)
        values.push_back(plan.codeValue(c));
      table = arith::ConstantOp::create(
          b, loc, DenseElementsAttr::get(f32s, ArrayRef<float>(values)));
    }
    auto lookUp = [&](Value indices) -> Value {
      return x86::PermpsOp::create(b, loc, table.getType(), table, indices).getResult();
    };
    for (int64_t j = 0; j < s.nr; ++j) {
      Value raw = read(b, loc, bytes, codes,
                       {weightRow(b, loc, s, n0, j), byteOffset}, inBounds);
      if (table) {
        Value word = arith::ExtUIOp::create(b, loc, i32s, raw);
        Value wLo = minusZero(b, loc, lookUp(word), zero, j);
        Value wHi = minusZero(
            b, loc, lookUp(arith::ShRUIOp::create(b, loc, word, shift(4))),
            zero, j);
        if (plan.nvfp4()) {
          Value laneScale =
              blockScales.empty()
                  ? nvfp4LaneScales(b, loc, weightRow(b, loc, s, n0, j), k)
                  : nvfp4GroupLaneScales(b, loc, blockScales[j], k);
          wLo = arith::MulFOp::create(b, loc, wLo, laneScale);
          wHi = arith::MulFOp::create(b, loc, wHi, laneScale);
        }
        for (int64_t i = 0; i < s.mr; ++i) {
          Value &c = acc[i * s.nr + j];
          c = vector::FMAOp::create(b, loc, a[i].first, wLo, c);
          c = vector::FMAOp::create(b, loc, a[i].second, wHi, c);
        }
        continue;
      }
      Value word = plan.isSigned
                       ? arith::ExtSIOp::create(b, loc, i32s, raw).getResult()
                       : arith::ExtUIOp::create(b, loc, i32s, raw).getResult();
      Value lo = word, hi;
      if (four && plan.isSigned) {
        // Sign-extended byte: an arithmetic shift gives the high nibble,
        // shifting the low nibble to the top first gives the low one.
        hi = arith::ShRSIOp::create(b, loc, word, shift(4));
        lo = arith::ShRSIOp::create(
            b, loc, arith::ShLIOp::create(b, loc, word, shift(28)), shift(28));
      } else if (four) {
        hi = arith::ShRUIOp::create(b, loc, word, shift(4));
        lo = arith::AndIOp::create(b, loc, word, shift(15));
      }
      Value wLo = minusZero(b, loc, toFloat(lo), zero, j);
      Value wHi = four ? minusZero(b, loc, toFloat(hi), zero, j) : Value();
      for (int64_t i = 0; i < s.mr; ++i) {
        Value &c = acc[i * s.nr + j];
        c = vector::FMAOp::create(b, loc, a[i].first, wLo, c);
        if (four)
          c = vector::FMAOp::create(b, loc, a[i].second, wHi, c);
      }
    }
  }

  /// The f32 values of the 256 codes of an 8-bit float scale type
  /// (f8E8M0FNU for MX, f8E4M3FN for NVFP4), from the numerics library as
  /// the reference decodes them.
  static Value scaleTable(OpBuilder &b, Location loc, Type scaleType) {
    auto format = isa<Float8E4M3FNType>(scaleType)
                      ? ::lowbit::numerics::FloatFormat::E4M3FN
                      : ::lowbit::numerics::FloatFormat::E8M0FNU;
    SmallVector<float> values;
    for (unsigned c = 0; c < 256; ++c)
      values.push_back(::lowbit::numerics::decodeFloat(format, c));
    auto type = RankedTensorType::get({256}, b.getF32Type());
    return arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(type, ArrayRef<float>(values)));
  }

  /// An f32 scale, or an 8-bit float one looked up in `table` (scaleTable).
  static Value scaleToF32(OpBuilder &b, Location loc, Value scale,
                          Value table) {
    if (scale.getType().isF32())
      return scale;
    Value code = arith::IndexCastUIOp::create(
        b, loc, b.getIndexType(),
        arith::BitcastOp::create(b, loc, b.getI8Type(), scale));
    return tensor::ExtractOp::create(b, loc, table, code);
  }

  /// NVFP4: the effective scales (f8E4M3FN block scale times the global
  /// scale, one f32 product as the reference) of the 32 codes at `k` of
  /// weight row `row`, laid out as the lanes of the decoded nibbles: lanes
  /// 0-7 hold codes of block k/16, lanes 8-15 of block k/16 + 1.
  Value nvfp4LaneScales(OpBuilder &b, Location loc, Value row, Value k) const {
    auto f32s = VectorType::get({kLanes}, b.getF32Type());
    auto globalType = cast<RankedTensorType>(globalScale.getType());
    SmallVector<Value> origin(globalType.getRank(), idx(b, loc, 0));
    Value global = tensor::ExtractOp::create(b, loc, globalScale, origin);
    Value table = scaleTable(
        b, loc, cast<RankedTensorType>(scales.getType()).getElementType());
    Value block = arith::DivUIOp::create(b, loc, k, idx(b, loc, 16));
    SmallVector<Value> halves;
    for (int64_t h = 0; h < 2; ++h) {
      Value code = tensor::ExtractOp::create(
          b, loc, scales, ValueRange{row, add(b, loc, block, h)});
      halves.push_back(vector::BroadcastOp::create(
          b, loc, f32s,
          arith::MulFOp::create(b, loc, scaleToF32(b, loc, code, table),
                                global)));
    }
    SmallVector<bool> low(kLanes, false);
    for (int64_t i = 0; i < kLanes / 2; ++i)
      low[i] = true;
    Value mask = arith::ConstantOp::create(
        b, loc,
        DenseElementsAttr::get(VectorType::get({kLanes}, b.getI1Type()),
                               ArrayRef<bool>(low)));
    return arith::SelectOp::create(b, loc, mask, halves[0], halves[1]);
  }

  /// NVFP4 with loop groups of 256 codes: the effective scales of the 16
  /// blocks of group `g` of weight row `row`, one vector: the 16 f8E4M3FN
  /// codes decoded as FP8 weights are (fp8Decode: the value times 2^-8),
  /// times 256 x the global scale (one f32 product of the scale and the
  /// global scale, as the reference: the powers of two do not round).
  Value nvfp4BlockScales(OpBuilder &b, Location loc, Value row, Value g) const {
    auto f32s = VectorType::get({kLanes}, b.getF32Type());
    auto scaleType = cast<RankedTensorType>(scales.getType());
    Value codes = vector::BitCastOp::create(
        b, loc, VectorType::get({kLanes}, b.getI8Type()),
        read(b, loc, VectorType::get({kLanes}, scaleType.getElementType()),
             scales,
             {row, arith::MulIOp::create(b, loc, g, idx(b, loc, kLanes))},
             true));
    auto globalType = cast<RankedTensorType>(globalScale.getType());
    SmallVector<Value> origin(globalType.getRank(), idx(b, loc, 0));
    Value global = arith::MulFOp::create(
        b, loc, tensor::ExtractOp::create(b, loc, globalScale, origin),
        arith::ConstantFloatOp::create(b, loc, b.getF32Type(),
                                       APFloat(fp8DecodeFactor(3))));
    return arith::MulFOp::create(
        b, loc, fp8Decode(b, loc, codes, /*mantissa=*/3)[0],
        vector::BroadcastOp::create(b, loc, f32s, global));
  }

  /// The lane scales of the 32 codes at `k` out of `blockScales` (the 16
  /// of their 256-code group): block 2c in lanes 0-7, 2c + 1 in lanes 8-15
  /// for the c-th 32 codes of the group, one vpermps.
  Value nvfp4GroupLaneScales(OpBuilder &b, Location loc, Value blockScales,
                             Value k) const {
    auto i32s = VectorType::get({kLanes}, b.getI32Type());
    Value pair = arith::IndexCastOp::create(
        b, loc, b.getI32Type(),
        arith::DivUIOp::create(
            b, loc, arith::RemUIOp::create(b, loc, k, idx(b, loc, 256)),
            idx(b, loc, 16)));
    SmallVector<int32_t> halves(kLanes, 0);
    for (int64_t i = kLanes / 2; i < kLanes; ++i)
      halves[i] = 1;
    Value index = arith::AddIOp::create(
        b, loc, vector::BroadcastOp::create(b, loc, i32s, pair),
        arith::ConstantOp::create(
            b, loc, DenseElementsAttr::get(i32s, ArrayRef<int32_t>(halves))));
    return x86::PermpsOp::create(b, loc, blockScales.getType(), blockScales, index).getResult();
  }

  /// `w - zero[j]` for asymmetric codes (exact: small integers in f32).
  static Value minusZero(OpBuilder &b, Location loc, Value w,
                         ArrayRef<Value> zero, int64_t j) {
    return zero.empty() ? w : arith::SubFOp::create(b, loc, w, zero[j]);
  }

  /// Touches codes ahead of this group's (kPrefetchRows rows ahead for
  /// adjacent rows, kStreamPrefetchBytes ahead in each strided row stream):
  /// the hardware prefetchers alone leave GEMV well short of the bandwidth.
  void prefetch(OpBuilder &b, Location loc, TileShape s, Value n0,
                Value start) const {
    // (Groups hold a multiple of 32 codes: whole bytes for any width.)
    int64_t bytesPerGroup = plan.group * plan.bits / 8;
    Value byte = arith::DivUIOp::create(
        b, loc, arith::MulIOp::create(b, loc, start, idx(b, loc, plan.bits)),
        idx(b, loc, 8));
    // Adjacent rows: the tile kPrefetchRows rows ahead; strided rows:
    // kStreamPrefetchBytes further along each stream (rows are contiguous).
    int64_t rowBytes = llvm::divideCeil(plan.k * plan.bits, 8);
    for (int64_t j = 0; j < s.nr; ++j) {
      Value row = weightRow(b, loc, s, n0, j), col = byte;
      if (s.nStride == 1) {
        row = add(b, loc, row, kPrefetchRows);
      } else {
        Value at = add(b, loc, byte, kStreamPrefetchBytes);
        row = arith::AddIOp::create(
            b, loc, row,
            arith::DivUIOp::create(b, loc, at, idx(b, loc, rowBytes)));
        col = arith::RemUIOp::create(b, loc, at, idx(b, loc, rowBytes));
      }
      row = arith::MinUIOp::create(b, loc, row, idx(b, loc, plan.n - 1));
      for (int64_t line = 0; line < bytesPerGroup; line += 64)
        memref::PrefetchOp::create(
            b, loc, codesBuffer, ValueRange{row, add(b, loc, col, line)},
            b.getBoolAttr(false), b.getI32IntegerAttr(3), b.getBoolAttr(true));
    }
  }

  Value tile(OpBuilder &b, Location loc, TileShape s, Value m0, Value n0,
             Value result) const {
    auto f32s = VectorType::get({kLanes}, b.getF32Type());
    int64_t count = s.mr * s.nr;
    int64_t parts = partsPerOutput(s);
    Value zero = zeros(b, loc, f32s);
    SmallVector<Value> init(count, zero), partInit(count * parts, zero);
    int64_t groups = plan.k / plan.group;
    int64_t fullChunks = plan.group / chunk();
    bool tail = plan.group % chunk() != 0; // only per-channel scales
    SmallVector<Value> acc = loop(
        b, loc, idx(b, loc, 0), idx(b, loc, groups), idx(b, loc, 1), init,
        [&](OpBuilder &b, Location l, Value g, ValueRange outer) {
          // Products of one group are summed in lanes, then scaled once.
          Value start = arith::MulIOp::create(b, l, g, idx(b, l, plan.group));
          if (plan.perGroup)
            prefetch(b, l, s, n0, start);
          Value column = plan.perGroup ? g : idx(b, l, 0);
          // Zero points of this group, one f32 splat per weight row.
          SmallVector<Value> zero;
          if (plan.asymmetric)
            for (int64_t j = 0; j < s.nr; ++j)
              zero.push_back(vector::BroadcastOp::create(
                  b, l, f32s,
                  arith::SIToFPOp::create(
                      b, l, b.getF32Type(),
                      tensor::ExtractOp::create(
                          b, l, zeroPoints,
                          ValueRange{weightRow(b, l, s, n0, j), column}))));
          SmallVector<Value> blockScales;
          if (plan.nvfp4() && plan.group == 256)
            for (int64_t j = 0; j < s.nr; ++j)
              blockScales.push_back(
                  nvfp4BlockScales(b, l, weightRow(b, l, s, n0, j), g));
          SmallVector<Value> part = loop(
              b, l, idx(b, l, 0), idx(b, l, fullChunks * chunk()),
              idx(b, l, chunk()), partInit,
              [&](OpBuilder &b, Location l, Value c, ValueRange args) {
                SmallVector<Value> next(args);
                Value k = arith::AddIOp::create(b, l, start, c);
                if (planes())
                  accumulatePlanes(b, l, s, m0, n0, k, parts, zero, next);
                else
                  accumulate(b, l, s, m0, n0, k, true, zero, next, blockScales);
                return next;
              });
          if (tail)
            accumulate(b, l, s, m0, n0, add(b, l, start, fullChunks * chunk()),
                       false, zero, part);
          SmallVector<Value> next(outer);
          auto scaleType = cast<RankedTensorType>(scales.getType());
          Value table = scaleType.getElementType().isF32()
                            ? Value()
                            : scaleTable(b, l, scaleType.getElementType());
          for (int64_t j = 0; j < s.nr && plan.nvfp4(); ++j)
            for (int64_t i = 0; i < s.mr; ++i) {
              // Scaled per lane in `accumulate`: add the group's sums.
              Value &c = next[i * s.nr + j];
              for (int64_t p = 0; p < parts; ++p)
                c = arith::AddFOp::create(b, l, c,
                                          part[(i * s.nr + j) * parts + p]);
            }
          float factor = decodeFactor();
          Value factorSplat =
              factor == 1 ? Value()
                          : splat(b, l, f32s, b.getF32FloatAttr(factor));
          for (int64_t j = 0; j < s.nr && !plan.nvfp4(); ++j) {
            Value scale =
                scaleToF32(b, l,
                           tensor::ExtractOp::create(
                               b, l, scales,
                               ValueRange{weightRow(b, l, s, n0, j), column}),
                           table);
            Value wide = vector::BroadcastOp::create(b, l, f32s, scale);
            for (int64_t i = 0; i < s.mr; ++i) {
              // Pairwise sum of the partial accumulators of this output.
              SmallVector<Value> sums(part.begin() + (i * s.nr + j) * parts,
                                      part.begin() +
                                          (i * s.nr + j + 1) * parts);
              while (sums.size() > 1) {
                SmallVector<Value> half;
                for (size_t p = 0; p + 1 < sums.size(); p += 2)
                  half.push_back(
                      arith::AddFOp::create(b, l, sums[p], sums[p + 1]));
                if (sums.size() % 2)
                  half.push_back(sums.back());
                sums = std::move(half);
              }
              if (factorSplat)
                sums[0] = arith::MulFOp::create(b, l, sums[0], factorSplat);
              next[i * s.nr + j] = vector::FMAOp::create(b, l, sums[0], wide,
                                                         next[i * s.nr + j]);
            }
          }
          return next;
        });
    for (int64_t i = 0; i < s.mr; ++i)
      for (int64_t j = 0; j < s.nr; ++j) {
        // Lanes are summed in any order (a tree, not 16 dependent adds):
        // the lane sums already reassociate the reference's K order.
        Value sum = vector::ReductionOp::create(
            b, loc, vector::CombiningKind::ADD, acc[i * s.nr + j],
            arith::FastMathFlags::reassoc);
        result = tensor::InsertOp::create(
            b, loc, sum, result,
            ValueRange{add(b, loc, m0, i), resultColumn(b, loc, s, n0, j)});
      }
    return result;
  }
};

} // namespace

Value tiled::lowerWeightOnly(OpBuilder &b, Location loc,
                             const WeightOnlyPlan &plan, bool avx512,
                             unsigned chunks, Value lhs, Value codes,
                             Value scales, Value zeroPoints,
                             Value globalScale) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  std::optional<int64_t> staticM;
  if (!lhsType.isDynamicDim(0))
    staticM = lhsType.getDimSize(0);
  if (plan.widenActivations)
    lhs = widenToF32(b, loc, lhs);
  Value act = plan.bf16 && !plan.bitFields()
                  ? deinterleavePlanes(b, loc, lhs, plan.k, 2 * kLanes)
              : usePlanes(plan, avx512)
                  ? deinterleavePlanes(b, loc, lhs, plan.k, kLanes)
              : plan.bits == 4 ? deinterleave(b, loc, lhs, plan.k)
                               : lhs;
  auto codesType = cast<RankedTensorType>(codes.getType());
  Value codesBuffer = bufferization::ToBufferOp::create(
      b, loc, MemRefType::get(codesType.getShape(), codesType.getElementType()),
      codes, b.getUnitAttr());
  WeightOnlyKernel kernel{plan,        avx512, act,        codes,
                          codesBuffer, scales, zeroPoints, globalScale};
  return emitMatmulLoops(
      b, loc, lhs, plan.n, staticM, /*main=*/{4, 2},
      /*rowTail=*/{1, 4}, chunks,
      [&](OpBuilder &b, Location l, TileShape s, Value m0, Value n0,
          ArrayRef<Value>,
          Value result) { return kernel.tile(b, l, s, m0, n0, result); },
      gemvStreams(plan, avx512));
}
