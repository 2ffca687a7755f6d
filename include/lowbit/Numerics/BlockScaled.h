//===- BlockScaled.h - MX (OCP v1.0) and NVFP4 block formats ----*- C++ -*-===//
//
// Block formats where a small group of elements shares a scale:
//
//  * MX (OCP Microscaling v1.0): blocks of 32, one E8M0 scale
//    X = 2^(floor(log2(max |V|)) - emax_elem) per block, the exponent clamped
//    to E8M0's range [-127, 127]; elements P = encode(V / X) with rounding
//    and saturation. MXINT8 elements are int8 with an implied 2^-6 scale.
//  * NVFP4: blocks of 16 E2M1 elements with an E4M3 block scale, plus one
//    f32 global scale per tensor.
//
// Blocks are passed as pointer + length so that callers can quantize slices
// of larger buffers without copies; a last, partial block is allowed.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_NUMERICS_BLOCKSCALED_H
#define LOWBIT_NUMERICS_BLOCKSCALED_H

#include "lowbit/Numerics/FloatFormats.h"
#include "lowbit/Numerics/Result.h"
#include "lowbit/Numerics/Rounding.h"

#include <cstddef>
#include <cstdint>

namespace lowbit {
namespace numerics {

//===----------------------------------------------------------------------===//
// MX
//===----------------------------------------------------------------------===//

inline constexpr size_t kMXBlockSize = 32;

/// E8M0 code of the NaN scale: a block with it decodes to NaN throughout.
inline constexpr uint8_t kMXNaNScaleCode = 0xFF;

enum class MXElementType : uint8_t {
  FP8E4M3, ///< MXFP8 (E4M3), emax 8.
  FP8E5M2, ///< MXFP8 (E5M2), emax 15.
  FP6E3M2, ///< MXFP6 (E3M2), emax 4.
  FP6E2M3, ///< MXFP6 (E2M3), emax 2.
  FP4E2M1, ///< MXFP4 (E2M1), emax 2.
  INT8,    ///< MXINT8: int8 code q means q * 2^-6, emax 0.
};

/// Exponent of the largest power of two the element type can hold.
int getMXElementEmax(MXElementType type);
/// Bits of one element code (8, 6 or 4).
unsigned getMXElementBits(MXElementType type);
/// Largest element value (448, 57344, 28, 7.5, 6, 127/64).
float getMXElementMax(MXElementType type);

/// Encodes an already scaled value V / X into an element code, saturating at
/// the element maximum. Float elements follow `encodeFloat` (NaN/Inf policy
/// included). MXINT8: clamp(round(v * 64), -128, 127) as a two's-complement
/// byte; NaN -> 0.
uint8_t encodeMXElement(float scaled, MXElementType type,
                        RoundingMode mode = RoundingMode::NearestEven);
/// Value of an element code, before the block scale is applied.
float decodeMXElement(uint8_t code, MXElementType type);

/// Returns the block's E8M0 scale code:
///  * finite block with max |V| > 0: floor(log2(max |V|)) - emax + 127,
///    clamped to [0, 254];
///  * all-zero block (or empty): 0x00, i.e. X = 2^-127 -- the formula's limit
///    for log2(0) = -inf after clamping; every element then encodes to +-0;
///  * any NaN or Inf in the block: 0xFF (NaN scale).
uint8_t computeMXScaleCode(const float *block, size_t size, MXElementType type);

/// Quantizes one block: writes `size` element codes to `codes` and returns
/// the scale code from `computeMXScaleCode`. Elements are
/// encodeMXElement(V / X); with a NaN scale every element code is 0.
uint8_t quantizeMXBlock(const float *block, size_t size, MXElementType type,
                        uint8_t *codes,
                        RoundingMode mode = RoundingMode::NearestEven);

/// Writes decodeMXElement(code) * X for every element; all NaN if the scale
/// code is 0xFF.
void dequantizeMXBlock(const uint8_t *codes, size_t size, uint8_t scaleCode,
                       MXElementType type, float *out);

//===----------------------------------------------------------------------===//
// NVFP4
//===----------------------------------------------------------------------===//

inline constexpr size_t kNVFP4BlockSize = 16;

/// Per-tensor f32 global (decode) scale: absmax / (448 * 6), so that the
/// largest block scale lands at E4M3's maximum. All-zero (or empty) input:
/// 1.0. A result below the smallest normal f32 is raised to it (2^-126) so
/// the scale is never zero or subnormal. NaN or Inf in the data: failure.
Result<float> computeNVFP4GlobalScale(const float *data, size_t size);

/// E4M3 block scale code: encodeE4M3(blockAbsMax / 6 / globalScale), with
/// the two divisions in f32 and round-to-nearest-even.
uint8_t computeNVFP4BlockScaleCode(float blockAbsMax, float globalScale);

/// Quantizes one block with a positive finite `globalScale`: returns the E4M3
/// scale code and writes E2M1 codes encodeE2M1(V / (decodeE4M3(scale) *
/// globalScale)), the effective scale being one f32 product. A block scale
/// that decodes to 0 (all-zero or negligible block) gives +0 codes. A block
/// with a NaN gets the E4M3 NaN scale 0x7F and +0 codes (it decodes to NaN);
/// a block with an Inf gets the largest block scale and the Inf saturates to
/// +-6.
uint8_t quantizeNVFP4Block(const float *block, size_t size, float globalScale,
                           uint8_t *codes,
                           RoundingMode mode = RoundingMode::NearestEven);

/// Writes decodeE2M1(code) * (decodeE4M3(scaleCode) * globalScale).
void dequantizeNVFP4Block(const uint8_t *codes, size_t size, uint8_t scaleCode,
                          float globalScale, float *out);

} // namespace numerics
} // namespace lowbit

#endif // LOWBIT_NUMERICS_BLOCKSCALED_H
