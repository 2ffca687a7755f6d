//===- KernelCommon.h - shared pieces of lowbit.matmul kernels -*- C++ -*-===//
//
// Shared by the vector kernels of convert-lowbit-matmul-to-vector: matching
// predicates, the loop nests over register tiles (see
// LowBitMatmulToVector.cpp) and small builders for index arithmetic, reads
// and loops on tensors.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_LOWBITMATMULTOVECTOR_KERNELCOMMON_H
#define LIB_CONVERSION_LOWBITMATMULTOVECTOR_KERNELCOMMON_H

#include "lowbit/Conversion/LowBitCodegen/PackedStorage.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

#include <optional>

namespace mlir::lowbit::tiled {

/// f32/i32 lanes of one 512-bit register.
constexpr int64_t kLanes = 16;
/// Weight rows per outer N block: 64 rows of 4096 i8 codes are 256 KiB.
constexpr int64_t kNBlock = 64;
/// Weight rows of a GEMV tile, each from its own quarter of N (the
/// default of emitGemvLoops).
constexpr int64_t kGemvRows = 4;

/// A register tile of MR activation rows x NR weight rows; weight row j of
/// the tile at n0 is n0 + j * nStride. Its outputs go to result column
/// weight row - resultOffset (the result is a chunk of the columns when set).
struct TileShape {
  int64_t mr, nr;
  int64_t nStride = 1;
  Value resultOffset = {};
};

using lowbit::hasBasicShape;
using lowbit::isPerRow;
using lowbit::isPlainIntegerScheme;

Value idx(OpBuilder &b, Location loc, int64_t v);

/// x + c (x itself for c = 0).
Value add(OpBuilder &b, Location loc, Value x, int64_t c);

/// Weight row `j` of the tile `s` at `n0`.
Value weightRow(OpBuilder &b, Location loc, TileShape s, Value n0, int64_t j);

/// The result column of weight row `j` of the tile `s` at `n0`.
Value resultColumn(OpBuilder &b, Location loc, TileShape s, Value n0,
                   int64_t j);

Value splat(OpBuilder &b, Location loc, VectorType type, TypedAttr value);

Value zeros(OpBuilder &b, Location loc, VectorType type);

/// A 1-D read along the innermost dimension. Reads that may run past the
/// end of a row (the K tail) are padded with zeros, which add nothing to a
/// dot product.
Value read(OpBuilder &b, Location loc, VectorType type, Value source,
           ValueRange indices, bool inBounds);

/// acc + the sum of 4 adjacent u8 x s8 products per i32 lane: vpdpbusd
/// (`llvm.x86.avx512.vpdpbusd.512`, byte operands typed <64 x i8>).
Value dpbusd(OpBuilder &b, Location loc, Value acc, Value unsignedBytes,
             Value signedBytes);

/// Runs `body` over [lb, ub) with `step`, threading `iterArgs`.
SmallVector<Value>
loop(OpBuilder &b, Location loc, Value lb, Value ub, Value step,
     ValueRange iterArgs,
     function_ref<SmallVector<Value>(OpBuilder &, Location, Value, ValueRange)>
         body);

/// Computes one MR x NR tile at (m0, n0) into `result` (rowState comes from
/// the per-row hook of the same MR rows) and returns the updated tensor.
using TileFn =
    function_ref<Value(OpBuilder &, Location, TileShape, Value m0, Value n0,
                       ArrayRef<Value> rowState, Value result)>;
/// Work done once per MR rows of activations and N block, before its tiles.
using RowFn = function_ref<SmallVector<Value>(OpBuilder &, Location, int64_t mr,
                                              Value m0)>;

/// The weight rows [base, base + n) of a matmul: with `offset` set, `result`
/// holds only their columns (offset = base).
struct RowRange {
  Value base;
  int64_t n;
  Value offset = {};
};

/// Computes `result` (f32 [M, n]) as `chunks` column chunks, each a
/// RowRange given to `body`: with chunks > 1 (and dividing n), the
/// iterations of one scf.forall, each writing its own slice of the result;
/// otherwise one call on all of [0, n).
Value emitColumnChunks(
    OpBuilder &b, Location loc, int64_t n, unsigned chunks, Value result,
    function_ref<Value(OpBuilder &, Location, RowRange, Value result)> body);

/// The GEMM loop nest over `rows`: N blocks of kNBlock weight rows, MR
/// activation rows, then `main` tiles, with 1 x NR (`rowTail`) and MR x 1
/// remainder tiles.
Value emitTiledLoops(OpBuilder &b, Location loc, Value m, RowRange rows,
                     std::optional<int64_t> staticM, TileShape main,
                     TileShape rowTail, TileFn tile, RowFn rowFn, Value result);

/// The GEMV (M = 1) loop over `rows`: 1 x R tiles of rows strided by
/// n / R (R = `streams`: one sequential row stream per tile row), then
/// one-row tiles for the rest.
Value emitGemvLoops(OpBuilder &b, Location loc, RowRange rows, Value result,
                    function_ref<Value(OpBuilder &, Location, TileShape,
                                       Value n0, Value result)>
                        tile,
                    int64_t streams = kGemvRows);

/// The f32 [M, n] result of `tile` over all tiles, in `chunks` column chunks
/// (emitColumnChunks): the GEMV loop when M is statically 1 (m0 = 0), else
/// the GEMM nest with `main` and `rowTail` tiles and no per-row state.
/// `gemvStreams`: the row streams of the GEMV tiles (emitGemvLoops).
Value emitMatmulLoops(OpBuilder &b, Location loc, Value lhs, int64_t n,
                      std::optional<int64_t> staticM, TileShape main,
                      TileShape rowTail, unsigned chunks, TileFn tile,
                      int64_t gemvStreams = kGemvRows);

/// An uninitialized [M, n] result with the rows of `lhs`.
Value emptyResult(OpBuilder &b, Location loc, Value lhs, int64_t n,
                  Type elementType);

} // namespace mlir::lowbit::tiled

#endif // LIB_CONVERSION_LOWBITMATMULTOVECTOR_KERNELCOMMON_H
