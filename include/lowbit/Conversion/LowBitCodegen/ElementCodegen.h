//===- ElementCodegen.h - scalar IR for codes of a scheme -------*- C++ -*-===//
//
// Builders for the scalar arithmetic of quantized elements, shared by the
// lowerings: encoding a scaled f32 value into a code, decoding codes,
// affine integer quantization, sub-byte packing and the mapping from an
// element index to its parameter (grid) index. The reference lowering
// builds its linalg bodies from them and the CPU kernels their decode
// tables and constants, so every lowering decodes codes the same way.
//
// Everything here mirrors the numerics library bit for bit. Table formats
// (FP8/FP6/FP4, MX elements, lookup tables, binary) do not re-derive the
// rounding rules: their decision thresholds are computed at compile time by
// bisection with the library's own encoder, and the generated code counts
// thresholds below the input with a branch-free binary search. Decoding is
// a lookup in a table the library fills.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_CONVERSION_LOWBITCODEGEN_ELEMENTCODEGEN_H
#define LOWBIT_CONVERSION_LOWBITCODEGEN_ELEMENTCODEGEN_H

#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

#include <cstdint>
#include <functional>
#include <vector>

namespace mlir::lowbit::codegen {

/// How a scheme's codes map to values, derived from its storage format.
struct ElementFormat {
  enum class Kind {
    /// Affine integer (iN/uiN): arithmetic encode/decode with a zero point.
    Integer,
    /// Sign-magnitude minifloat: thresholds on |x|, sign bit copied.
    SignMagnitude,
    /// Any other monotone code table (lookup tables, binary, MXINT8):
    /// thresholds on the whole real line.
    Ordered,
  };
  Kind kind = Kind::Integer;
  unsigned bits = 8;
  // Integer formats.
  bool isSigned = true;
  int64_t qmin = 0, qmax = 0;
  // Table formats: value of each code before scaling.
  std::vector<float> decodeTable;
  // Table formats: sorted threshold keys (see `orderKey`) and the code at
  // each position (number of thresholds at or below the input).
  std::vector<uint32_t> thresholds;
  std::vector<uint8_t> codeAtPosition;
  // Codes of +NaN and -NaN inputs.
  uint8_t nanCode = 0, negNaNCode = 0;
};

/// Builds the element format of `scheme` (thresholds for its rounding mode).
ElementFormat getElementFormat(SchemeAttr scheme);

/// Monotone unsigned key of a non-NaN f32 bit pattern: a < b iff
/// orderKey(a) < orderKey(b) (with -0 just below +0).
uint32_t orderKey(uint32_t bits);

/// Emits the code (i32, in the low `bits` bits) of the f32 value `scaled`
/// (already divided by its scale) for a table format.
Value emitTableEncode(OpBuilder &b, Location loc, const ElementFormat &format,
                      Value scaled);

/// Emits table[code] as f32 for a table format; `code` is i32.
Value emitTableDecode(OpBuilder &b, Location loc, const ElementFormat &format,
                      Value code);

/// Emits clamp(round(x / scale) + zeroPoint, qmin, qmax) as i32, the zero
/// point (i32) may be null. NaN quotients give clamp(zeroPoint).
Value emitAffineEncode(OpBuilder &b, Location loc, const ElementFormat &format,
                       RoundingMode mode, Value x, Value scale,
                       Value zeroPoint);

/// Emits the signed (or unsigned) integer value (i32) of a code (i32).
Value emitIntegerFromCode(OpBuilder &b, Location loc,
                          const ElementFormat &format, Value code);

/// Emits the f32 value of a scale element of any scheme scale type.
Value emitScaleToF32(OpBuilder &b, Location loc, Value scale);

/// Emits the parameter-grid indices of the element at `indices` of a tensor
/// of `shape` quantized with `granularity`.
SmallVector<Value> emitGridIndices(OpBuilder &b, Location loc,
                                   GranularityAttrInterface granularity,
                                   ArrayRef<int64_t> shape,
                                   ArrayRef<Value> indices);

/// Computes one element of a tensor from its indices.
using BodyBuilder =
    function_ref<Value(OpBuilder &, Location, ArrayRef<Value> indices)>;

/// Builds a tensor of `sizes` x `elementType` whose element at each index is
/// what `body` computes (a linalg.generic without inputs).
Value buildTensor(OpBuilder &b, Location loc, ArrayRef<OpFoldResult> sizes,
                  Type elementType, BodyBuilder body);

/// Float conversions to and from f32 (exact widening, nearest-even
/// narrowing).
Value toF32(OpBuilder &b, Location loc, Value v);
Value fromF32(OpBuilder &b, Location loc, Value v, Type type);

/// Integer helpers: constants, sign-extension or truncation to i32, index
/// to i32.
Value i32Const(OpBuilder &b, Location loc, int64_t v);
Value indexConst(OpBuilder &b, Location loc, int64_t v);
Value toI32(OpBuilder &b, Location loc, Value v);
Value indexToI32(OpBuilder &b, Location loc, Value v);

/// Emits a constant 1-D tensor of i32 values.
Value emitI32Table(OpBuilder &b, Location loc, ArrayRef<int32_t> values);

} // namespace mlir::lowbit::codegen

#endif // LOWBIT_CONVERSION_LOWBITCODEGEN_ELEMENTCODEGEN_H
