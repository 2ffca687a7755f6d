//===- WeightOnlyKernel.h - weight-only lowbit.matmul kernels ---*- C++ -*-===//
//
// Float activations (f32, or bf16 with AVX512-BF16) times quantized weights
// decoded in registers: 4-bit integers and tables (NF4, FP4, MXFP4, NVFP4),
// 8-bit integers (MXINT8 too), FP8 (E4M3, E5M2, MXFP8), and codes packed
// densely in 2, 3, 5, 6 or 7 bits (integers, FP6 E2M3/E3M2, MXFP6), with
// scales per group along K or per row. Products of one group are summed in
// vector lanes and scaled once per group (NVFP4: per lane), so results agree
// with the reference lowering within float reassociation. Layouts:
// docs/cpu-codegen.md.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_LOWBITMATMULTOVECTOR_WEIGHTONLYKERNEL_H
#define LIB_CONVERSION_LOWBITMATMULTOVECTOR_WEIGHTONLYKERNEL_H

#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

#include "mlir/IR/Builders.h"

#include <array>

namespace mlir::lowbit {
struct MatmulToVectorOptions;
} // namespace mlir::lowbit

namespace mlir::lowbit::tiled {

/// Weight-only matmul: f32 or bf16 activations [M, K] times codes [N, K].
struct WeightOnlyPlan {
  unsigned bits;
  bool isSigned;
  int64_t n, k;
  /// Elements sharing one scale along K (K for per-channel scales).
  int64_t group;
  bool perGroup;
  /// bf16 activations taken as such (the vdpbf16ps kernels: 4-bit nibble
  /// planes, bit fields of up to 6 bits); f32 otherwise.
  bool bf16 = false;
  /// bf16 activations that the bf16 kernel does not take (NF4, FP8,
  /// NVFP4, zero points, ...): widened to f32 once per call, then the f32
  /// kernels.
  bool widenActivations = false;
  /// 4-bit and bit-field codes: the value of each code (2^bits of them)
  /// before scaling, as the reference decodes it; the lookup tables hold
  /// them.
  SmallVector<float> values{};

  /// Integer codes with zero points ([N, K / group] i32): weights are
  /// scale * (code - zero point).
  bool asymmetric = false;
  /// How the kernels decode a weight code, decided once from the scheme
  /// (matchWeightOnly); it picks the kernel family.
  enum class Decode {
    /// 4-bit codes: integers or a 16-entry table (NF4, FP4, MXFP4), looked
    /// up in registers (`values`).
    Nibbles,
    /// NVFP4: 4-bit E2M1 codes with an E4M3 scale per 16, applied to each
    /// lane of the decoded weights (times the global scale); the loop groups
    /// hold 256 or 32 codes.
    NVFP4,
    /// 8-bit integer codes with f32 scales.
    Int8,
    /// MXINT8: 8-bit integer codes of step 2^-6 with f8E8M0FNU block scales.
    MXInt8,
    /// FP8 codes (f8E4M3FN, f8E5M2) decoded through f16 (fp8Decode).
    FP8,
    /// Codes of 2, 3, 5, 6 or 7 bits packed densely (LSB-first bit stream per
    /// row), 32 unpacked in registers at a time (loadBitFields): integers
    /// with f32 scales ...
    IntFields,
    /// ... or FP6 (E2M3, E3M2) with f32 or MX scales.
    FP6Fields,
  };
  Decode decode = Decode::Nibbles;
  /// Mantissa bits of FP8 (3: E4M3, 2: E5M2) and FP6 (3: E2M3, 2: E3M2).
  unsigned mantissa = 0;

  /// The FP8 mantissa bits, 0 for other codes.
  unsigned fp8Mantissa() const { return decode == Decode::FP8 ? mantissa : 0; }
  /// The FP6 mantissa bits, 0 for other codes.
  unsigned fp6Mantissa() const {
    return decode == Decode::FP6Fields ? mantissa : 0;
  }
  bool mxInt8() const { return decode == Decode::MXInt8; }
  bool nvfp4() const { return decode == Decode::NVFP4; }
  /// Densely packed codes (integers or FP6).
  bool bitFields() const {
    return decode == Decode::IntFields || decode == Decode::FP6Fields;
  }

  /// The value of code `c` (0 .. 2^bits - 1), for the lookup tables.
  float codeValue(int c) const { return values[c]; }
};

/// Codes per nibble-plane block: 64 bytes of 4-bit codes.
constexpr int64_t kPlaneBlock = 128;

/// Codes per step of the 16-byte and 32-code kernels: 32 4-bit codes (one
/// 16-byte load), 32 FP8 or bit-field codes (decoded 32 at a time in i16
/// lanes), or 16 8-bit integer codes.
int64_t codesPerStep(const WeightOnlyPlan &plan);

/// The plan for `op` if the weight-only kernels handle it with `options`.
FailureOr<WeightOnlyPlan> matchWeightOnly(MatmulOp op,
                                          const MatmulToVectorOptions &options);

/// The result [M, N] f32 of the plan on the activations `lhs` and the packed
/// codes with their scale grid (zero points for asymmetric codes, NVFP4's
/// global scale), in `chunks` column chunks (emitColumnChunks).
Value lowerWeightOnly(OpBuilder &b, Location loc, const WeightOnlyPlan &plan,
                      bool avx512, unsigned chunks, Value lhs, Value codes,
                      Value scales, Value zeroPoints, Value globalScale);

} // namespace mlir::lowbit::tiled

#endif // LIB_CONVERSION_LOWBITMATMULTOVECTOR_WEIGHTONLYKERNEL_H
