//===- KernelCommon.cpp - shared pieces of the lowbit.matmul kernels ------===//

#include "KernelCommon.h"

#include "lowbit/Dialect/LowBitX86/IR/LowBitX86.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;

namespace mlir::lowbit::tiled {

Value idx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value add(OpBuilder &b, Location loc, Value x, int64_t c) {
  return c == 0 ? x
                : arith::AddIOp::create(b, loc, x, idx(b, loc, c)).getResult();
}

/// Weight row `j` of the tile `s` at `n0`.
Value weightRow(OpBuilder &b, Location loc, TileShape s, Value n0, int64_t j) {
  return add(b, loc, n0, j * s.nStride);
}

Value resultColumn(OpBuilder &b, Location loc, TileShape s, Value n0,
                   int64_t j) {
  Value row = weightRow(b, loc, s, n0, j);
  return s.resultOffset
             ? arith::SubIOp::create(b, loc, row, s.resultOffset).getResult()
             : row;
}

Value splat(OpBuilder &b, Location loc, VectorType type, TypedAttr value) {
  return arith::ConstantOp::create(b, loc, DenseElementsAttr::get(type, value));
}

Value zeros(OpBuilder &b, Location loc, VectorType type) {
  return splat(b, loc, type, b.getZeroAttr(type.getElementType()));
}

/// A 1-D read along the innermost dimension. Reads that may run past the
/// end of a row (the K tail) are padded with zeros, which add nothing to a
/// dot product.
Value read(OpBuilder &b, Location loc, VectorType type, Value source,
           ValueRange indices, bool inBounds) {
  Value pad =
      arith::ConstantOp::create(b, loc, b.getZeroAttr(type.getElementType()));
  return vector::TransferReadOp::create(b, loc, type, source, indices, pad,
                                        ArrayRef<bool>{inBounds});
}

Value dpbusd(OpBuilder &b, Location loc, Value acc, Value unsignedBytes,
             Value signedBytes) {
  return x86::VpdpbusdOp::create(b, loc, acc.getType(), acc, unsignedBytes,
                                 signedBytes);
}

/// Runs `body` over [lb, ub) with `step`, threading `iterArgs`.
SmallVector<Value>
loop(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
     ValueRange iterArgs,
     function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)>
         body) {
  auto forOp = scf::ForOp::create(
      b, loc, lb, ub, step, iterArgs,
      [&](OpBuilder &nb, Location l, Value iv, ValueRange args) {
        scf::YieldOp::create(nb, l, body(nb, l, iv, args));
      });
  return SmallVector<Value>(forOp.getResults());
}

/// Weight row base + c of `rows` (a constant when the range starts at 0).
static Value rowAt(OpBuilder &b, Location loc, RowRange rows, int64_t c) {
  return rows.offset ? add(b, loc, rows.base, c) : idx(b, loc, c);
}

/// The nest of the LowBitMatmulToVector.cpp file comment around `tile`.
Value emitTiledLoops(OpBuilder &b, Location loc, Value m, RowRange rows,
                     std::optional<int64_t> staticM, TileShape main,
                     TileShape rowTail, TileFn tile, RowFn rowFn,
                     Value result) {
  main.resultOffset = rowTail.resultOffset = rows.offset;
  Value zero = idx(b, loc, 0), one = idx(b, loc, 1);
  Value end = rowAt(b, loc, rows, rows.n);
  Value mMain = arith::SubIOp::create(
      b, loc, m,
      arith::RemUIOp::create(b, loc, m, idx(b, loc, main.mr)).getResult());
  auto columns = [&](OpBuilder &b, Location loc, Value nb, Value nEnd,
                     TileShape shape, Value m0, Value acc) -> Value {
    SmallVector<Value> state =
        rowFn ? rowFn(b, loc, shape.mr, m0) : SmallVector<Value>();
    // [nb, nMain) in NR tiles, [nMain, nEnd) one weight row at a time.
    Value span = arith::SubIOp::create(b, loc, nEnd, nb);
    Value nMain = arith::AddIOp::create(
        b, loc, nb,
        arith::SubIOp::create(
            b, loc, span,
            arith::RemUIOp::create(b, loc, span, idx(b, loc, shape.nr))));
    acc = loop(b, loc, nb, nMain, idx(b, loc, shape.nr), acc,
               [&](OpBuilder &b, Location l, Value n0, ValueRange args) {
                 return SmallVector<Value>{
                     tile(b, l, shape, m0, n0, state, args[0])};
               })[0];
    TileShape column = shape;
    column.nr = 1;
    return loop(b, loc, nMain, nEnd, one, acc,
                [&](OpBuilder &b, Location l, Value n0, ValueRange args) {
                  return SmallVector<Value>{
                      tile(b, l, column, m0, n0, state, args[0])};
                })[0];
  };
  return loop(
      b, loc, rows.base, end, idx(b, loc, kNBlock), result,
      [&](OpBuilder &b, Location l, Value nb, ValueRange args) {
        Value nEnd = arith::MinUIOp::create(b, l, add(b, l, nb, kNBlock), end);
        Value acc = args[0];
        if (!staticM || *staticM >= main.mr)
          acc = loop(b, l, zero, mMain, idx(b, l, main.mr), acc,
                     [&](OpBuilder &b, Location l, Value m0, ValueRange args) {
                       return SmallVector<Value>{
                           columns(b, l, nb, nEnd, main, m0, args[0])};
                     })[0];
        if (!staticM || *staticM % main.mr != 0)
          acc = loop(b, l, mMain, m, one, acc,
                     [&](OpBuilder &b, Location l, Value m0, ValueRange args) {
                       return SmallVector<Value>{
                           columns(b, l, nb, nEnd, rowTail, m0, args[0])};
                     })[0];
        return SmallVector<Value>{acc};
      })[0];
}

/// The loops of a GEMV (M = 1): tile n0 takes weight rows n0 + j * N/R for
/// j < R (R = `streams`), so a tile reads R long sequential streams of
/// rows, one per R-th of the weight, not R adjacent rows of one stream;
/// the hardware prefetchers follow R streams, which is faster from DRAM than
/// adjacent rows. Rows past R * (N/R) get one-row tiles.
Value emitGemvLoops(OpBuilder &b, Location loc, RowRange rows, Value result,
                    function_ref<Value(OpBuilder &, Location, TileShape,
                                       Value n0, Value result)>
                        tile,
                    int64_t streams) {
  int64_t stride = rows.n / streams;
  Value one = idx(b, loc, 1);
  Value tailStart = rowAt(b, loc, rows, stride * streams);
  if (stride > 0)
    result = loop(b, loc, rows.base, rowAt(b, loc, rows, stride), one, result,
                  [&](OpBuilder &b, Location l, Value n0, ValueRange args) {
                    return SmallVector<Value>{tile(
                        b, l, {1, streams, stride, rows.offset}, n0, args[0])};
                  })[0];
  return loop(b, loc, tailStart, rowAt(b, loc, rows, rows.n), one, result,
              [&](OpBuilder &b, Location l, Value n0, ValueRange args) {
                return SmallVector<Value>{
                    tile(b, l, {1, 1, 1, rows.offset}, n0, args[0])};
              })[0];
}

Value emitColumnChunks(
    OpBuilder &b, Location loc, int64_t n, unsigned chunks, Value result,
    function_ref<Value(OpBuilder &, Location, RowRange, Value result)> body) {
  if (chunks <= 1 || n % chunks != 0)
    return body(b, loc, {idx(b, loc, 0), n}, result);
  int64_t size = n / chunks;
  auto forall = scf::ForallOp::create(
      b, loc, ArrayRef<OpFoldResult>{b.getIndexAttr(chunks)},
      ValueRange{result}, std::nullopt);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(forall.getBody());
  Value base = arith::MulIOp::create(b, loc, forall.getInductionVars()[0],
                                     idx(b, loc, size));
  Value out = forall.getRegionIterArgs()[0];
  SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), base},
      sizes{tensor::getMixedSize(b, loc, out, 0), b.getIndexAttr(size)},
      strides(2, b.getIndexAttr(1));
  Value chunk =
      tensor::ExtractSliceOp::create(b, loc, out, offsets, sizes, strides);
  chunk = body(b, loc, {base, size, base}, chunk);
  b.setInsertionPointToStart(forall.getTerminator().getBody());
  tensor::ParallelInsertSliceOp::create(b, loc, chunk, out, offsets, sizes,
                                        strides);
  return forall.getResult(0);
}

Value emptyResult(OpBuilder &b, Location loc, Value lhs, int64_t n,
                  Type elementType) {
  SmallVector<OpFoldResult> sizes{tensor::getMixedSize(b, loc, lhs, 0),
                                  b.getIndexAttr(n)};
  return tensor::EmptyOp::create(b, loc, sizes, elementType);
}

Value emitMatmulLoops(OpBuilder &b, Location loc, Value lhs, int64_t n,
                      std::optional<int64_t> staticM, TileShape main,
                      TileShape rowTail, unsigned chunks, TileFn tile,
                      int64_t gemvStreams) {
  return emitColumnChunks(
      b, loc, n, chunks, emptyResult(b, loc, lhs, n, b.getF32Type()),
      [&](OpBuilder &b, Location loc, RowRange rows, Value result) {
        if (staticM == 1)
          return emitGemvLoops(
              b, loc, rows, result,
              [&](OpBuilder &b, Location l, TileShape s, Value n0,
                  Value result) {
                return tile(b, l, s, idx(b, l, 0), n0, {}, result);
              },
              gemvStreams);
        Value m = tensor::DimOp::create(b, loc, lhs, 0);
        return emitTiledLoops(b, loc, m, rows, staticM, main, rowTail, tile,
                              nullptr, result);
      });
}

} // namespace mlir::lowbit::tiled
