//===- HostQuantizer.h - lowbit quantization on host buffers ----*- C++ -*-===//
//
// Computes what `lowbit.quantize`, `lowbit.dequantize` and
// `lowbit.choose_params` compute, on host buffers (row-major data plus its
// shape) for any `SchemeAttr`, with the numerics library: what
// lowbit-quantize uses to quantize weights at compile time (grid offsets by
// table, rows in parallel). Its results equal those of the lowerings bit for
// bit; the test-only oracle lowbit/Reference/Reference.h, written
// separately, checks that.
//
// Parameters on the host, one entry per grid cell in row-major grid order:
//  * scales as f32 values for f32/f16/bf16 scale types (values of f16/bf16
//    scale types are first rounded to that type, nearest-even, exactly as an
//    f16/bf16 tensor built from them would hold them), or as raw 8-bit codes
//    for the f8E8M0FNU and f8E4M3FN scale types;
//  * zero points as i32 (asymmetric schemes only);
//  * the f32 global scale (NVFP4 only).
//
// Data is f32; callers convert f16/bf16/f64 tensors to f32 first (exactly,
// resp. with round-to-nearest-even), which is what the lowering does with
// such inputs. Codes are unpacked, one per byte in its low bits.
//
// Every failure (shape or parameter size mismatch, unsupported clip policy,
// a parameter choice the numerics library rejects) is returned as an
// `llvm::Error`, never asserted.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_DIALECT_LOWBIT_UTILS_HOSTQUANTIZER_H
#define LOWBIT_DIALECT_LOWBIT_UTILS_HOSTQUANTIZER_H

#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace mlir::lowbit::quantizer {

//===----------------------------------------------------------------------===//
// Grid mapping
//===----------------------------------------------------------------------===//

/// Checks that `granularity` applies to data of the static `shape` (every
/// dimension >= 0) and returns the grid shape of its parameter tensors.
llvm::Expected<llvm::SmallVector<int64_t>>
getGridShape(GranularityAttrInterface granularity, llvm::ArrayRef<int64_t> shape);

/// The grid index of the element at `index` of data of `shape` (which must
/// have passed `getGridShape`):
///   per_tensor          : 0 everywhere;
///   per_axis<a>         : index[a] on a, 0 elsewhere;
///   per_group<a, G>     : index[a] / G on a, index[d] on every other d;
///   per_block<B>        : index[d] / B[d];
///   per_cluster<a, sizes>: the cluster holding index[a] on a; on the other
///                         dims index[d] with `per_slice`, else 0.
/// Returns an empty vector if the shape does not fit or `index` has another
/// rank.
llvm::SmallVector<int64_t> getGridIndex(GranularityAttrInterface granularity,
                                        llvm::ArrayRef<int64_t> shape,
                                        llvm::ArrayRef<int64_t> index);

/// Maps every element of data of one shape to the row-major offset of its
/// grid cell, without allocating per element.
class GridMap {
public:
  /// Fails as `getGridShape` does.
  static llvm::Expected<GridMap> create(GranularityAttrInterface granularity,
                                        llvm::ArrayRef<int64_t> shape);

  llvm::ArrayRef<int64_t> getShape() const { return shape; }
  llvm::ArrayRef<int64_t> getGridShape() const { return gridShape; }
  int64_t getNumElements() const { return numElements; }
  int64_t getNumCells() const { return numCells; }

  /// The grid index of the data index `index` (see `getGridIndex`).
  llvm::SmallVector<int64_t> getGridIndex(llvm::ArrayRef<int64_t> index) const;

  /// Row-major offset in the grid of the element at row-major offset
  /// `element` of the data.
  int64_t getCell(int64_t element) const;

  /// Elements per row (the innermost dimension; 1 for rank 0) and rows.
  int64_t getRowLength() const { return innerCell.size(); }
  int64_t getNumRows() const {
    return innerCell.empty() ? 0 : numElements / getRowLength();
  }

  /// Calls fn(element, cell) for each element of rows [rowBegin, rowEnd) in
  /// order: one getCell per row, then the row's cells by table lookup
  /// (getCell divides per dimension and element).
  template <typename Fn>
  void forEachCellInRows(int64_t rowBegin, int64_t rowEnd, Fn &&fn) const {
    int64_t length = getRowLength();
    for (int64_t row = rowBegin; row < rowEnd; ++row) {
      int64_t begin = row * length, base = getCell(begin);
      for (int64_t i = 0; i < length; ++i)
        fn(begin + i, base + innerCell[i]);
    }
  }
  template <typename Fn> void forEachCell(Fn &&fn) const {
    forEachCellInRows(0, getNumRows(), fn);
  }

private:
  GridMap() = default;

  /// How a data index along one dimension becomes a grid index.
  struct DimRule {
    enum Kind { Zero, Same, Divide, Cluster } kind = Zero;
    int64_t divisor = 1;
  };

  llvm::SmallVector<int64_t> shape, gridShape;
  llvm::SmallVector<DimRule> rules;
  /// Cluster number of every index of the cluster axis.
  std::vector<int64_t> clusterOf;
  /// Grid offset of each index of the innermost dimension (the grid's
  /// innermost stride is 1; index 0 is always offset 0).
  std::vector<int64_t> innerCell;
  int64_t numElements = 1, numCells = 1;
};

//===----------------------------------------------------------------------===//
// Evaluation
//===----------------------------------------------------------------------===//

/// The parameters of one quantized tensor on the host (grid row-major).
struct Params {
  /// Scale values, for f32/f16/bf16 scale types.
  std::vector<float> scale;
  /// Raw scale codes, for f8E8M0FNU/f8E4M3FN scale types.
  std::vector<uint8_t> scaleCodes;
  /// Zero points; asymmetric schemes only.
  std::vector<int32_t> zeroPoint;
  /// Global scale; NVFP4 only.
  std::optional<float> globalScale;
};

/// True when `scheme`'s scales are held as 8-bit codes (f8E8M0FNU or
/// f8E4M3FN scale type), false for f32/f16/bf16 values.
bool hasScaleCodes(SchemeAttr scheme);

/// Number of bits of one code of `scheme`.
unsigned getCodeBits(SchemeAttr scheme);

/// Returns the codes of `data` (shape `shape`, row-major) quantized with
/// `params`: one code per element, in its low bits.
llvm::Expected<std::vector<uint8_t>> quantize(SchemeAttr scheme,
                                              llvm::ArrayRef<int64_t> shape,
                                              llvm::ArrayRef<float> data,
                                              const Params &params);

/// Returns the f32 values of `codes` (unpacked, shape `shape`). A code with
/// bits above the scheme's width is an error.
llvm::Expected<std::vector<float>> dequantize(SchemeAttr scheme,
                                              llvm::ArrayRef<int64_t> shape,
                                              llvm::ArrayRef<uint8_t> codes,
                                              const Params &params);

/// Computes the parameters `lowbit.choose_params` gives `data` at run time:
/// per parameter block the range over its finite elements, then the numerics
/// library's rules (see docs/numerics.md and the lowering's description).
/// The result holds `scale` (f32/f16/bf16 scale types; f16/bf16 values are
/// the f32 scale rounded to nearest-even) or `scaleCodes` (MX, NVFP4), the
/// zero points of asymmetric schemes and the NVFP4 global scale.
llvm::Expected<Params> chooseParams(SchemeAttr scheme,
                                    llvm::ArrayRef<int64_t> shape,
                                    llvm::ArrayRef<float> data);

} // namespace mlir::lowbit::quantizer

#endif // LOWBIT_DIALECT_LOWBIT_UTILS_HOSTQUANTIZER_H
