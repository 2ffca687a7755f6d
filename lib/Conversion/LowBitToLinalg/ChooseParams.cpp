//===- ChooseParams.cpp - reference lowering of lowbit.choose_params ------===//
//
// Run-time parameter choice: per-block statistics of the input (min and max
// over finite elements, NaN/Inf flags), then the numerics library's rules
// for each scheme, computed in f64 exactly as the library does.
//
//===----------------------------------------------------------------------===//

#include "ChooseParams.h"

#include "lowbit/Conversion/LowBitCodegen/ElementCodegen.h"
#include "lowbit/Dialect/LowBit/IR/LowBitNumerics.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Numerics/BlockScaled.h"
#include "lowbit/Numerics/LookupTable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::codegen;

namespace {
/// How one data dimension splits into parameter blocks.
struct BlockSpec {
  enum Kind { Full, Unit, Uniform } kind;
  int64_t size = 1; // block extent for Uniform
};

/// Per-block statistics of a tensor: min and max over finite elements
/// (+inf/-inf where there are none) and whether a NaN / an Inf occurred.
struct BlockStats {
  Value min, max, hasNaN, hasInf; // f32, f32, i8, i8 tensors of grid shape
};
} // namespace

/// Reduces each block of `x` (blocks described per dimension by `spec`).
/// Loops: one grid loop and one in-block loop per dimension.
static BlockStats emitBlockStats(OpBuilder &b, Location loc, Value x,
                                 ArrayRef<BlockSpec> spec) {
  MLIRContext *ctx = b.getContext();
  unsigned rank = spec.size();
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  SmallVector<OpFoldResult> gridSizes, blockSizes;
  SmallVector<AffineExpr> inputExprs, gridExprs, blockExprs;
  for (unsigned d = 0; d < rank; ++d) {
    AffineExpr g = getAffineDimExpr(d, ctx), r = getAffineDimExpr(rank + d, ctx);
    gridExprs.push_back(g);
    blockExprs.push_back(r);
    switch (spec[d].kind) {
    case BlockSpec::Full:
      gridSizes.push_back(b.getIndexAttr(1));
      blockSizes.push_back(sizes[d]);
      inputExprs.push_back(r);
      break;
    case BlockSpec::Unit:
      gridSizes.push_back(sizes[d]);
      blockSizes.push_back(b.getIndexAttr(1));
      inputExprs.push_back(g);
      break;
    case BlockSpec::Uniform: {
      int64_t size = spec[d].size;
      std::optional<int64_t> dim = getConstantIntValue(sizes[d]);
      assert(dim && "uniform blocks need a static dimension");
      gridSizes.push_back(b.getIndexAttr(*dim / size));
      blockSizes.push_back(b.getIndexAttr(size));
      inputExprs.push_back(g * size + r);
      break;
    }
    }
  }
  auto map = [&](ArrayRef<AffineExpr> exprs) {
    return AffineMap::get(2 * rank, 0, exprs, ctx);
  };
  auto filled = [&](Type type, Attribute value) {
    Value empty = tensor::EmptyOp::create(b, loc, gridSizes, type);
    Value cst = arith::ConstantOp::create(b, loc, cast<TypedAttr>(value));
    return linalg::FillOp::create(b, loc, cst, empty).getResult(0);
  };
  Type f32 = b.getF32Type(), i8 = b.getI8Type();
  float inf = std::numeric_limits<float>::infinity();
  Value inits[] = {filled(f32, b.getF32FloatAttr(inf)),
                   filled(f32, b.getF32FloatAttr(-inf)),
                   filled(i8, b.getI8IntegerAttr(0)),
                   filled(i8, b.getI8IntegerAttr(0))};
  Value blockShape = tensor::EmptyOp::create(b, loc, blockSizes, i8);
  SmallVector<utils::IteratorType> iterators(rank,
                                             utils::IteratorType::parallel);
  iterators.append(rank, utils::IteratorType::reduction);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange(ValueRange(inits)), ValueRange{x, blockShape},
      ValueRange(inits),
      {map(inputExprs), map(blockExprs), map(gridExprs), map(gridExprs),
       map(gridExprs), map(gridExprs)},
      iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        Value v = toF32(nb, l, args[0]);
        Value abs = math::AbsFOp::create(nb, l, v);
        Value infC = arith::ConstantFloatOp::create(nb, l, nb.getF32Type(),
                                                    APFloat(inf));
        // ONE: ordered and not equal, so false for NaN and for +-Inf.
        Value finite = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::ONE,
                                             abs, infC);
        Value isNaN =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::UNO, v, v);
        Value isInf = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                            abs, infC);
        Value min = arith::SelectOp::create(
            nb, l, finite, arith::MinimumFOp::create(nb, l, args[2], v),
            args[2]);
        Value max = arith::SelectOp::create(
            nb, l, finite, arith::MaximumFOp::create(nb, l, args[3], v),
            args[3]);
        Value nanFlag = arith::OrIOp::create(
            nb, l, args[4],
            arith::ExtUIOp::create(nb, l, nb.getI8Type(), isNaN));
        Value infFlag = arith::OrIOp::create(
            nb, l, args[5],
            arith::ExtUIOp::create(nb, l, nb.getI8Type(), isInf));
        linalg::YieldOp::create(nb, l, ValueRange{min, max, nanFlag, infFlag});
      });
  return {generic.getResult(0), generic.getResult(1), generic.getResult(2),
          generic.getResult(3)};
}

/// The statistics of `parts` (consecutive slices along `axis`) as one grid.
static BlockStats concatStats(OpBuilder &b, Location loc, int64_t axis,
                              ArrayRef<BlockStats> parts) {
  if (parts.size() == 1)
    return parts.front();
  auto concat = [&](Value BlockStats::*field) {
    SmallVector<Value> values;
    for (const BlockStats &part : parts)
      values.push_back(part.*field);
    return tensor::ConcatOp::create(b, loc, axis, values).getResult();
  };
  return {concat(&BlockStats::min), concat(&BlockStats::max),
          concat(&BlockStats::hasNaN), concat(&BlockStats::hasInf)};
}

/// The slice [offset, offset + size) of `x` along `axis`.
static Value sliceAlong(OpBuilder &b, Location loc, Value x, int64_t axis,
                        int64_t offset, int64_t size) {
  unsigned rank = cast<RankedTensorType>(x.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, x);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  offsets[axis] = b.getIndexAttr(offset);
  sizes[axis] = b.getIndexAttr(size);
  return tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, strides);
}

/// Block statistics of clusters along one axis: a loop over the clusters
/// (their bounds in a table) that reduces one slice per iteration, so the IR
/// does not grow with the number of clusters.
static BlockStats emitClusterStats(OpBuilder &b, Location loc, Value x,
                                   PerClusterAttr cluster,
                                   ArrayRef<BlockSpec> spec) {
  int64_t axis = cluster.getAxis();
  ArrayRef<int64_t> sizes = cluster.getSizes();
  int64_t count = sizes.size();
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  // The grid: one cell per cluster along the axis, the other dimensions as
  // the spec says (whole, or one cell per index with per_slice).
  SmallVector<OpFoldResult> dims = tensor::getMixedSizes(b, loc, x);
  SmallVector<OpFoldResult> grid(rank, b.getIndexAttr(1));
  for (unsigned d = 0; d < rank; ++d)
    if (spec[d].kind == BlockSpec::Unit)
      grid[d] = dims[d];
  grid[axis] = b.getIndexAttr(count);
  auto filled = [&](Type elementType, Attribute value) {
    Value empty = tensor::EmptyOp::create(b, loc, grid, elementType);
    Value cst = arith::ConstantOp::create(b, loc, cast<TypedAttr>(value));
    return linalg::FillOp::create(b, loc, cst, empty).getResult(0);
  };
  float inf = std::numeric_limits<float>::infinity();
  SmallVector<Value> init = {filled(b.getF32Type(), b.getF32FloatAttr(inf)),
                             filled(b.getF32Type(), b.getF32FloatAttr(-inf)),
                             filled(b.getI8Type(), b.getI8IntegerAttr(0)),
                             filled(b.getI8Type(), b.getI8IntegerAttr(0))};
  // Cluster c covers [starts[c], starts[c + 1]) of the axis.
  SmallVector<int64_t> starts = {0};
  for (int64_t size : sizes)
    starts.push_back(starts.back() + size);
  Value table = arith::ConstantOp::create(
      b, loc,
      DenseElementsAttr::get(
          RankedTensorType::get({count + 1}, b.getIndexType()),
          ArrayRef(llvm::to_vector(llvm::map_range(starts, [&](int64_t v) {
            return APInt(64, v);
          })))));
  auto loop = scf::ForOp::create(
      b, loc, arith::ConstantIndexOp::create(b, loc, 0),
      arith::ConstantIndexOp::create(b, loc, count),
      arith::ConstantIndexOp::create(b, loc, 1), init,
      [&](OpBuilder &nb, Location l, Value c, ValueRange acc) {
        Value start = tensor::ExtractOp::create(nb, l, table, c);
        Value next = arith::AddIOp::create(
            nb, l, c, arith::ConstantIndexOp::create(nb, l, 1));
        Value end = tensor::ExtractOp::create(nb, l, table, next);
        SmallVector<OpFoldResult> offsets(rank, nb.getIndexAttr(0));
        SmallVector<OpFoldResult> extent = dims;
        SmallVector<OpFoldResult> strides(rank, nb.getIndexAttr(1));
        offsets[axis] = start;
        extent[axis] = arith::SubIOp::create(nb, l, end, start).getResult();
        Value slice = tensor::ExtractSliceOp::create(nb, l, x, offsets, extent,
                                                     strides);
        BlockStats part = emitBlockStats(nb, l, slice, spec);
        SmallVector<OpFoldResult> at(rank, nb.getIndexAttr(0));
        at[axis] = c;
        SmallVector<OpFoldResult> cell = grid;
        cell[axis] = nb.getIndexAttr(1);
        SmallVector<Value> values = {part.min, part.max, part.hasNaN,
                                     part.hasInf};
        SmallVector<Value> results;
        for (auto [value, into] : llvm::zip_equal(values, acc))
          results.push_back(tensor::InsertSliceOp::create(
              nb, l, value, into, at, cell, strides));
        scf::YieldOp::create(nb, l, results);
      });
  return {loop.getResult(0), loop.getResult(1), loop.getResult(2),
          loop.getResult(3)};
}

/// Block statistics for every granularity; clusters (blocks of varying size)
/// in a loop over a table of their bounds, and groups that do not divide their
/// axis the whole groups and the shorter last one apart.
static BlockStats emitGranularityStats(OpBuilder &b, Location loc, Value x,
                                       GranularityAttrInterface granularity) {
  auto type = cast<RankedTensorType>(x.getType());
  unsigned rank = type.getRank();
  SmallVector<BlockSpec> spec(rank, {BlockSpec::Full});
  if (auto axis = dyn_cast<PerAxisAttr>(granularity)) {
    spec[axis.getAxis()] = {BlockSpec::Unit};
  } else if (auto group = dyn_cast<PerGroupAttr>(granularity)) {
    spec.assign(rank, {BlockSpec::Unit});
    int64_t axis = group.getAxis(), size = group.getSize();
    spec[axis] = {BlockSpec::Uniform, size};
    int64_t dim = type.getDimSize(axis);
    if (!ShapedType::isDynamic(dim) && dim % size != 0) {
      SmallVector<BlockStats> parts;
      int64_t whole = dim - dim % size;
      if (whole > 0)
        parts.push_back(emitBlockStats(
            b, loc, sliceAlong(b, loc, x, axis, 0, whole), spec));
      spec[axis] = {BlockSpec::Full};
      parts.push_back(emitBlockStats(
          b, loc, sliceAlong(b, loc, x, axis, whole, dim - whole), spec));
      return concatStats(b, loc, axis, parts);
    }
  } else if (auto block = dyn_cast<PerBlockAttr>(granularity)) {
    for (unsigned d = 0; d < rank; ++d)
      spec[d] = block.getSizes()[d] == 1
                    ? BlockSpec{BlockSpec::Unit}
                    : BlockSpec{BlockSpec::Uniform, block.getSizes()[d]};
  } else if (auto cluster = dyn_cast<PerClusterAttr>(granularity)) {
    if (cluster.getPerSlice())
      spec.assign(rank, {BlockSpec::Unit});
    spec[cluster.getAxis()] = {BlockSpec::Full};
    return emitClusterStats(b, loc, x, cluster, spec);
  }
  return emitBlockStats(b, loc, x, spec);
}

/// max(|lo|, |hi|) of a block's finite range, 0 when the block had no
/// finite element (lo = +inf > hi = -inf).
static Value emitFiniteAbsMax(OpBuilder &b, Location loc, Value lo, Value hi) {
  Value amax = arith::MaximumFOp::create(b, loc, math::AbsFOp::create(b, loc, lo),
                                         math::AbsFOp::create(b, loc, hi));
  Value some =
      arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLE, lo, hi);
  Value zero =
      arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(0.0f));
  return arith::SelectOp::create(b, loc, some, amax, zero);
}

static Value f64Const(OpBuilder &b, Location loc, double v) {
  return arith::ConstantFloatOp::create(b, loc, b.getF64Type(), APFloat(v));
}

/// max(f32(v), FLT_MIN): the library rounds a positive scale to f32 once and
/// raises results below the smallest normal f32 to it.
static Value emitToF32Scale(OpBuilder &b, Location loc, Value v) {
  Value f = arith::TruncFOp::create(b, loc, b.getF32Type(), v);
  return arith::MaximumFOp::create(
      b, loc, f,
      arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(FLT_MIN)));
}

/// floor(log2(x)) of a positive finite f32, subnormals included (ilogb).
static Value emitILogB(OpBuilder &b, Location loc, Value x) {
  Value bits = arith::BitcastOp::create(b, loc, b.getI32Type(), x);
  Value exponent = arith::AndIOp::create(
      b, loc, arith::ShRUIOp::create(b, loc, bits, i32Const(b, loc, 23)),
      i32Const(b, loc, 0xFF));
  Value mantissa = arith::AndIOp::create(b, loc, bits, i32Const(b, loc, 0x7FFFFF));
  Value normal = arith::SubIOp::create(b, loc, exponent, i32Const(b, loc, 127));
  // Subnormal: mantissa * 2^-149, so floor(log2) = 31 - clz(mantissa) - 149.
  Value subnormal = arith::SubIOp::create(
      b, loc, i32Const(b, loc, 31 - 149),
      math::CountLeadingZerosOp::create(b, loc, mantissa));
  Value isSubnormal = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq,
                                            exponent, i32Const(b, loc, 0));
  return arith::SelectOp::create(b, loc, isSubnormal, subnormal, normal);
}

namespace num = ::lowbit::numerics;

/// The value that a symmetric scale maps the clipped absmax to (qmax for
/// integers, the largest value for float and table formats).
static double getSymmetricTarget(SchemeAttr scheme) {
  Type storage = scheme.getStorage();
  if (scheme.isInteger())
    return static_cast<double>(scheme.getQMax());
  if (auto lut = dyn_cast<LutType>(storage)) {
    std::vector<float> values(lut.getValues().begin(), lut.getValues().end());
    return num::LookupTable::create(values)->getMaxAbs();
  }
  if (isa<BinaryType>(storage))
    return 1.0;
  std::vector<float> table;
  ElementFormat format = getElementFormat(scheme);
  float max = 0.0f;
  for (float v : format.decodeTable)
    if (std::isfinite(v))
      max = std::max(max, std::fabs(v));
  return max;
}

/// Lowers choose_params; returns the results in op order.
namespace {
/// What every parameter rule reads: the per-block statistics of the input
/// and the parameter grid.
struct BlockParams {
  SchemeAttr scheme;
  BlockStats stats;
  SmallVector<OpFoldResult> grid;
  Type scaleType;
  unsigned rank;
};

Value extractAt(OpBuilder &nb, Location l, Value t, ArrayRef<Value> idx) {
  return tensor::ExtractOp::create(nb, l, t, idx).getResult();
}

/// The low byte of an i32 `code` as an 8-bit float (a scale code).
Value bitcastCode(OpBuilder &nb, Location l, Value code, Type to) {
  Value byte = arith::TruncIOp::create(nb, l, nb.getI8Type(), code);
  return arith::BitcastOp::create(nb, l, to, byte).getResult();
}

/// MX: per block the E8M0 code of 2^(floor(log2 amax) - emax), clamped; 0
/// for all-zero or empty blocks, the NaN code for blocks with inf/NaN.
SmallVector<Value> emitMXScales(OpBuilder &b, Location loc,
                                const BlockParams &c) {
  int emax = num::getMXElementEmax(getMXElementType(c.scheme.getStorage()));
  Value scale = buildTensor(
      b, loc, c.grid, c.scaleType,
      [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) -> Value {
        Value amax = arith::MaximumFOp::create(
            nb, l,
            math::AbsFOp::create(nb, l, extractAt(nb, l, c.stats.min, idx)),
            math::AbsFOp::create(nb, l, extractAt(nb, l, c.stats.max, idx)));
        Value nonFinite =
            arith::OrIOp::create(nb, l, extractAt(nb, l, c.stats.hasNaN, idx),
                                 extractAt(nb, l, c.stats.hasInf, idx));
        Value exponent = arith::AddIOp::create(nb, l, emitILogB(nb, l, amax),
                                               i32Const(nb, l, 127 - emax));
        exponent = arith::MaxSIOp::create(nb, l, exponent, i32Const(nb, l, 0));
        exponent =
            arith::MinSIOp::create(nb, l, exponent, i32Const(nb, l, 254));
        // No finite element (min = +inf) or all zeros: code 0.
        Value zero =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::UNE, amax,
                                  arith::ConstantFloatOp::create(
                                      nb, l, nb.getF32Type(), APFloat(0.0f)));
        Value finiteMax =
            arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLE,
                                  extractAt(nb, l, c.stats.min, idx),
                                  extractAt(nb, l, c.stats.max, idx));
        Value code = arith::SelectOp::create(
            nb, l, arith::AndIOp::create(nb, l, zero, finiteMax), exponent,
            i32Const(nb, l, 0));
        code = arith::SelectOp::create(
            nb, l,
            arith::CmpIOp::create(
                nb, l, arith::CmpIPredicate::ne, nonFinite,
                arith::ConstantIntOp::create(nb, l, nb.getI8Type(), 0)),
            i32Const(nb, l, num::kMXNaNScaleCode), code);
        return bitcastCode(nb, l, code, c.scaleType);
      });
  return SmallVector<Value>{scale};
}

/// NVFP4: a global f32 scale from the finite absmax of the whole tensor and
/// per block the E4M3 code of its absmax / 6 / global.
SmallVector<Value> emitNVFP4Scales(OpBuilder &b, Location loc,
                                   const BlockParams &c, Value x) {
  // Global: finite absmax of the whole tensor / (448 * 6) in f32.
  BlockStats all = emitBlockStats(
      b, loc, x, SmallVector<BlockSpec>(c.rank, {BlockSpec::Full}));
  Value global = buildTensor(
      b, loc, tensor::getMixedSizes(b, loc, all.min), b.getF32Type(),
      [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) -> Value {
        Value lo = extractAt(nb, l, all.min, idx),
              hi = extractAt(nb, l, all.max, idx);
        Value zeroF = arith::ConstantFloatOp::create(nb, l, nb.getF32Type(),
                                                     APFloat(0.0f));
        Value amax = emitFiniteAbsMax(nb, l, lo, hi);
        Value g = arith::DivFOp::create(
            nb, l, amax,
            arith::ConstantFloatOp::create(nb, l, nb.getF32Type(),
                                           APFloat(448.0f * 6.0f)));
        g = arith::MaximumFOp::create(
            nb, l, g,
            arith::ConstantFloatOp::create(nb, l, nb.getF32Type(),
                                           APFloat(FLT_MIN)));
        Value isZero = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                             amax, zeroF);
        return arith::SelectOp::create(
            nb, l, isZero,
            arith::ConstantFloatOp::create(nb, l, nb.getF32Type(),
                                           APFloat(1.0f)),
            g);
      });
  ElementFormat e4m3 =
      getElementFormat(SchemeAttr::get(Float8E4M3FNType::get(b.getContext()),
                                       PerTensorAttr::get(b.getContext())));
  Value scale = buildTensor(
      b, loc, c.grid, c.scaleType,
      [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) -> Value {
        Value lo = extractAt(nb, l, c.stats.min, idx),
              hi = extractAt(nb, l, c.stats.max, idx);
        Value amax = emitFiniteAbsMax(nb, l, lo, hi);
        Value zeroI8 = arith::ConstantIntOp::create(nb, l, nb.getI8Type(), 0);
        Value hasInf = arith::CmpIOp::create(
            nb, l, arith::CmpIPredicate::ne,
            extractAt(nb, l, c.stats.hasInf, idx), zeroI8);
        amax = arith::SelectOp::create(
            nb, l, hasInf,
            arith::ConstantFloatOp::create(
                nb, l, nb.getF32Type(),
                APFloat(std::numeric_limits<float>::infinity())),
            amax);
        SmallVector<Value> zeros(c.rank, indexConst(nb, l, 0));
        Value g = extractAt(nb, l, global, zeros);
        Value v = arith::DivFOp::create(
            nb, l,
            arith::DivFOp::create(nb, l, amax,
                                  arith::ConstantFloatOp::create(
                                      nb, l, nb.getF32Type(), APFloat(6.0f))),
            g);
        Value code = emitTableEncode(nb, l, e4m3, v);
        Value hasNaN = arith::CmpIOp::create(
            nb, l, arith::CmpIPredicate::ne,
            extractAt(nb, l, c.stats.hasNaN, idx), zeroI8);
        code =
            arith::SelectOp::create(nb, l, hasNaN, i32Const(nb, l, 0x7F), code);
        return bitcastCode(nb, l, code, c.scaleType);
      });
  return SmallVector<Value>{scale, global};
}

/// The finite range of block `idx` in f64 ([0, 0] when it has none).
std::pair<Value, Value> emitFiniteRange(OpBuilder &nb, Location l,
                                        const BlockParams &c,
                                        ArrayRef<Value> idx) {
  Value lo = extractAt(nb, l, c.stats.min, idx);
  Value hi = extractAt(nb, l, c.stats.max, idx);
  Value some = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OLE, lo, hi);
  Value zero =
      arith::ConstantFloatOp::create(nb, l, nb.getF32Type(), APFloat(0.0f));
  lo = arith::SelectOp::create(nb, l, some, lo, zero);
  hi = arith::SelectOp::create(nb, l, some, hi, zero);
  Type f64 = nb.getF64Type();
  return {arith::ExtFOp::create(nb, l, f64, lo).getResult(),
          arith::ExtFOp::create(nb, l, f64, hi).getResult()};
}

/// The clip ratio of the scheme (1 without clipping), as the f32 it is.
double getClipRatio(SchemeAttr scheme) {
  if (scheme.getClipKind() != ClipKind::Ratio)
    return 1.0;
  return static_cast<double>(
      static_cast<float>(scheme.getClipValue().convertToDouble()));
}

/// Symmetric: scale = clip * absmax / target (1 for an all-zero block).
SmallVector<Value> emitSymmetricScales(OpBuilder &b, Location loc,
                                       const BlockParams &c) {
  double clip = getClipRatio(c.scheme);
  double target = getSymmetricTarget(c.scheme);
  Value one =
      arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(1.0f));
  Value scale = buildTensor(
      b, loc, c.grid, c.scaleType,
      [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) -> Value {
        auto [lo, hi] = emitFiniteRange(nb, l, c, idx);
        Value absMax =
            arith::MaximumFOp::create(nb, l, math::AbsFOp::create(nb, l, lo),
                                      math::AbsFOp::create(nb, l, hi));
        absMax = arith::MulFOp::create(nb, l, absMax, f64Const(nb, l, clip));
        Value s = emitToF32Scale(
            nb, l,
            arith::DivFOp::create(nb, l, absMax, f64Const(nb, l, target)));
        Value isZero = arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ,
                                             absMax, f64Const(nb, l, 0.0));
        return fromF32(nb, l, arith::SelectOp::create(nb, l, isZero, one, s),
                       c.scaleType);
      });
  return SmallVector<Value>{scale};
}

/// Asymmetric integers: the clipped range extended to include 0, scale =
/// (hi - lo) / (qmax - qmin), zero point = round-even(qmin - lo / scale)
/// clamped (the code of 0 for a degenerate range), in `zpType`.
SmallVector<Value> emitAsymmetricParams(OpBuilder &b, Location loc,
                                        const BlockParams &c, Type zpType) {
  double clip = getClipRatio(c.scheme);
  int64_t qmin = c.scheme.getQMin(), qmax = c.scheme.getQMax();
  Value one =
      arith::ConstantFloatOp::create(b, loc, b.getF32Type(), APFloat(1.0f));
  auto bounds = [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) {
    auto [lo, hi] = emitFiniteRange(nb, l, c, idx);
    Value cl = f64Const(nb, l, clip), z = f64Const(nb, l, 0.0);
    lo = arith::MinimumFOp::create(nb, l, arith::MulFOp::create(nb, l, lo, cl),
                                   z);
    hi = arith::MaximumFOp::create(nb, l, arith::MulFOp::create(nb, l, hi, cl),
                                   z);
    return std::make_pair(lo, hi);
  };
  auto f32Scale = [&](OpBuilder &nb, Location l, Value lo, Value hi) {
    Value s = emitToF32Scale(
        nb, l,
        arith::DivFOp::create(nb, l, arith::SubFOp::create(nb, l, hi, lo),
                              f64Const(nb, l, double(qmax - qmin))));
    Value degenerate =
        arith::CmpFOp::create(nb, l, arith::CmpFPredicate::OEQ, hi, lo);
    return std::make_pair(
        arith::SelectOp::create(nb, l, degenerate, one, s).getResult(),
        degenerate);
  };
  Value scale = buildTensor(
      b, loc, c.grid, c.scaleType,
      [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) -> Value {
        auto [lo, hi] = bounds(nb, l, idx);
        return fromF32(nb, l, f32Scale(nb, l, lo, hi).first, c.scaleType);
      });
  Value zeroPoint = buildTensor(
      b, loc, c.grid, b.getI32Type(),
      [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) -> Value {
        auto [lo, hi] = bounds(nb, l, idx);
        auto [s, degenerate] = f32Scale(nb, l, lo, hi);
        Value sd = arith::ExtFOp::create(nb, l, nb.getF64Type(), s);
        Value zp = arith::SubFOp::create(nb, l, f64Const(nb, l, double(qmin)),
                                         arith::DivFOp::create(nb, l, lo, sd));
        zp = math::RoundEvenOp::create(nb, l, zp);
        zp =
            arith::MaximumFOp::create(nb, l, zp, f64Const(nb, l, double(qmin)));
        zp =
            arith::MinimumFOp::create(nb, l, zp, f64Const(nb, l, double(qmax)));
        Value z = arith::FPToSIOp::create(nb, l, nb.getI32Type(), zp);
        int64_t zeroCode = std::clamp<int64_t>(0, qmin, qmax);
        return arith::SelectOp::create(nb, l, degenerate,
                                       i32Const(nb, l, zeroCode), z);
      });
  if (zpType != b.getI32Type())
    zeroPoint = buildTensor(
        b, loc, c.grid, zpType,
        [&](OpBuilder &nb, Location l, ArrayRef<Value> idx) -> Value {
          Value v = extractAt(nb, l, zeroPoint, idx);
          return zpType.getIntOrFloatBitWidth() < 32
                     ? arith::TruncIOp::create(nb, l, zpType, v).getResult()
                     : arith::ExtSIOp::create(nb, l, zpType, v).getResult();
        });
  return SmallVector<Value>{scale, zeroPoint};
}
} // namespace

SmallVector<Value> codegen::emitChooseParams(OpBuilder &b, Location loc,
                                             ChooseParamsOp op, Value x) {
  SchemeAttr scheme = op.getScheme();
  auto type = cast<RankedTensorType>(x.getType());
  BlockParams c{scheme,
                emitGranularityStats(b, loc, x, scheme.getGranularity()),
                {},
                scheme.getScaleType(),
                static_cast<unsigned>(type.getRank())};
  c.grid = tensor::getMixedSizes(b, loc, c.stats.min);
  if (scheme.getFamily() == Family::MX)
    return emitMXScales(b, loc, c);
  if (scheme.getFamily() == Family::NVFP4)
    return emitNVFP4Scales(b, loc, c, x);
  if (!scheme.getAsymmetric())
    return emitSymmetricScales(b, loc, c);
  return emitAsymmetricParams(
      b, loc, c,
      cast<RankedTensorType>(op.getZeroPoint().getType()).getElementType());
}
