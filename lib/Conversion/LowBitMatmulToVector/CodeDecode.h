//===- CodeDecode.h - weight codes to values in registers -------*- C++ -*-===//
//
// The in-register decoders of the weight-only kernels for codes without a
// lookup table: FP8 and FP6 through IEEE half precision, densely packed
// bit fields (2..7 bits) unpacked from their LSB-first bit stream, and
// integer bit fields through the f32 2^23 + code. Exact: the values (times
// the stated power of two) are the reference lowering's.
//
//===----------------------------------------------------------------------===//

#ifndef LIB_CONVERSION_LOWBITMATMULTOVECTOR_CODEDECODE_H
#define LIB_CONVERSION_LOWBITMATMULTOVECTOR_CODEDECODE_H

#include "mlir/IR/Builders.h"

namespace mlir::lowbit::tiled {

/// The f32 values (vectors of 16) of FP8 codes (a vector of bytes, a
/// multiple of 16) with `mantissa` bits (3: f8E4M3FN, 2: f8E5M2), times
/// fp8DecodeFactor(mantissa).
SmallVector<Value> fp8Decode(OpBuilder &b, Location loc, Value bytes,
                             unsigned mantissa);

/// What fp8Decode's values must be multiplied by: 256 for E4M3, 1 for E5M2.
float fp8DecodeFactor(unsigned mantissa);

/// `count` codes of `bits` bits from code `first` on of the LSB-first bit
/// stream `raw` (a vector of bytes starting at a code boundary that holds
/// one byte past the last code), one per lane of `laneBits` (16 or 32)
/// bits: one byte shuffle gives each lane the two bytes holding its code,
/// one per-lane right shift puts the code in the low bits. The bits above
/// the code are left for the decode to mask.
Value bitFieldLanes(OpBuilder &b, Location loc, Value raw, unsigned bits,
                    unsigned laneBits, int64_t first, int64_t count);

/// The f32 values (two vectors of 16) of 32 FP6 codes in i16 lanes
/// (bitFieldLanes) with `mantissa` bits (3: f6E2M3FN, 2: f6E3M2FN), times
/// fp6DecodeFactor(mantissa).
SmallVector<Value> fp6Decode(OpBuilder &b, Location loc, Value words,
                             unsigned mantissa);

/// What fp6Decode's values must be multiplied by: 2^14 for E2M3, 2^12 for
/// E3M2.
float fp6DecodeFactor(unsigned mantissa);

/// The f32 values of integer codes of `bits` bits in i32 lanes
/// (bitFieldLanes, vectors of 16), signed or not, exactly.
SmallVector<Value> integerFieldDecode(OpBuilder &b, Location loc,
                                      ArrayRef<Value> fields, unsigned bits,
                                      bool isSigned);

} // namespace mlir::lowbit::tiled

#endif // LIB_CONVERSION_LOWBITMATMULTOVECTOR_CODEDECODE_H
