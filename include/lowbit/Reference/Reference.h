//===- Reference.h - the oracle for lowbit quantization ---------*- C++ -*-===//
//
// Evaluates `lowbit.quantize`, `lowbit.dequantize` and `lowbit.choose_params`
// on host buffers (row-major data plus its shape) for any `SchemeAttr`: the
// oracle that tests compare executed IR and the compiler's host quantizer
// (lowbit/Dialect/LowBit/Utils/HostQuantizer.h) with. It is test-only and
// written separately from both: it shares only the numerics library (element
// codecs and parameter rules). Each element's grid cell is computed from its
// index by the granularity's definition; nothing is tabulated or parallel.
//
// Parameters on the host, one entry per grid cell in row-major grid order:
//  * scales as f32 values for f32/f16/bf16 scale types (values of f16/bf16
//    scale types are first rounded to that type, nearest-even, exactly as an
//    f16/bf16 tensor built from them would hold them), or as raw 8-bit codes
//    for the f8E8M0FNU and f8E4M3FN scale types;
//  * zero points as i32 (asymmetric schemes only);
//  * the f32 global scale (NVFP4 only).
//
// Data is f32; codes are unpacked, one per byte in its low bits. Every
// failure is returned as an `llvm::Error`, never asserted.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_REFERENCE_REFERENCE_H
#define LOWBIT_REFERENCE_REFERENCE_H

#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <optional>
#include <vector>

namespace mlir::lowbit::reference {

/// Checks that `granularity` applies to data of the static `shape` and
/// returns the grid shape of its parameter tensors.
llvm::Expected<llvm::SmallVector<int64_t>>
getGridShape(GranularityAttrInterface granularity, llvm::ArrayRef<int64_t> shape);

/// The grid index of the element at `index` of data of `shape`:
///   per_tensor          : 0 everywhere;
///   per_axis<a>         : index[a] on a, 0 elsewhere;
///   per_group<a, G>     : index[a] / G on a, index[d] on every other d;
///   per_block<B>        : index[d] / B[d];
///   per_cluster<a, sizes>: the cluster holding index[a] on a; on the other
///                         dims index[d] with `per_slice`, else 0.
/// Empty if the shape does not fit or `index` has another rank.
llvm::SmallVector<int64_t> getGridIndex(GranularityAttrInterface granularity,
                                        llvm::ArrayRef<int64_t> shape,
                                        llvm::ArrayRef<int64_t> index);

/// The parameters of one quantized tensor (grid row-major).
struct Params {
  std::vector<float> scale;        // f32/f16/bf16 scale types
  std::vector<uint8_t> scaleCodes; // f8E8M0FNU/f8E4M3FN scale types
  std::vector<int32_t> zeroPoint;  // asymmetric schemes
  std::optional<float> globalScale; // nvfp4
};

/// True when `scheme`'s scales are 8-bit codes (f8E8M0FNU or f8E4M3FN).
bool hasScaleCodes(SchemeAttr scheme);

/// Number of bits of one code of `scheme` (0 for an unsupported format).
unsigned getCodeBits(SchemeAttr scheme);

/// The codes of `data` (shape `shape`, row-major) quantized with `params`.
llvm::Expected<std::vector<uint8_t>> quantize(SchemeAttr scheme,
                                              llvm::ArrayRef<int64_t> shape,
                                              llvm::ArrayRef<float> data,
                                              const Params &params);

/// The f32 values of `codes`. A code with bits above the width is an error.
llvm::Expected<std::vector<float>> dequantize(SchemeAttr scheme,
                                              llvm::ArrayRef<int64_t> shape,
                                              llvm::ArrayRef<uint8_t> codes,
                                              const Params &params);

/// The parameters `lowbit.choose_params` gives `data` at run time: per
/// parameter block the range of its finite elements, then the numerics
/// library's rules (MX: the block's scale rule; NVFP4: a global scale from
/// the whole tensor, then one E4M3 code per block).
llvm::Expected<Params> chooseParams(SchemeAttr scheme,
                                    llvm::ArrayRef<int64_t> shape,
                                    llvm::ArrayRef<float> data);

} // namespace mlir::lowbit::reference

#endif // LOWBIT_REFERENCE_REFERENCE_H
