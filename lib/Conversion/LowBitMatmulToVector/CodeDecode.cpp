//===- CodeDecode.cpp - weight codes to values in registers ---------------===//
//
// See CodeDecode.h.
//
//===----------------------------------------------------------------------===//

#include "CodeDecode.h"

#include "KernelCommon.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::tiled;

/// i16 `bits` (a vector of a multiple of 16) read as f16 and widened to f32
/// 16 at a time (`vcvtph2ps`: no assists for subnormal inputs).
static SmallVector<Value> widenHalves(OpBuilder &b, Location loc, Value bits) {
  int64_t count = cast<VectorType>(bits.getType()).getNumElements();
  auto f32s = VectorType::get({kLanes}, b.getF32Type());
  Value halves = arith::BitcastOp::create(
      b, loc, VectorType::get({count}, b.getF16Type()), bits);
  SmallVector<Value> values;
  for (int64_t h = 0; h < count / kLanes; ++h)
    values.push_back(arith::ExtFOp::create(
        b, loc, f32s,
        vector::ExtractStridedSliceOp::create(b, loc, halves, {h * kLanes},
                                              {kLanes}, {1}),
        arith::FastMathFlagsAttr()));
  return values;
}

/// An FP8 code is decoded exactly through IEEE half precision: an f8E5M2
/// code is the top byte of the f16 of the same value; an f8E4M3FN code
/// s.eeee.mmm put into the f16 fields (s.0eeee.mmm0000000) is its value
/// times 2^-8 (the exponent biases differ by 8, and E4M3 subnormals land on
/// f16 subnormals with the same scaling), cheaper than building f32
/// subnormals and scaling them. E4M3FN's NaN codes
/// (S.1111.111, a finite f16) are selected as an f16 NaN.
SmallVector<Value> tiled::fp8Decode(OpBuilder &b, Location loc, Value bytes,
                                    unsigned mantissa) {
  int64_t count = cast<VectorType>(bytes.getType()).getNumElements();
  auto i16s = VectorType::get({count}, b.getI16Type());
  auto c = [&](uint16_t v) {
    return splat(b, loc, i16s, b.getI16IntegerAttr(int16_t(v)));
  };
  Value word = arith::ExtUIOp::create(b, loc, i16s, bytes);
  Value bits;
  if (mantissa == 2) {
    bits = arith::ShLIOp::create(b, loc, word, c(8));
  } else {
    // (b & 0x7F) << 7 | (b & 0x80) << 8: one ternary logic op.
    Value fields = arith::AndIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, word, c(7)), c(0x3F80));
    Value sign = arith::AndIOp::create(
        b, loc, arith::ShLIOp::create(b, loc, word, c(8)), c(0x8000));
    bits = arith::OrIOp::create(b, loc, fields, sign);
    Value isNaN = arith::CmpIOp::create(
        b, loc, arith::CmpIPredicate::eq,
        arith::AndIOp::create(b, loc, word, c(0x7F)), c(0x7F));
    bits = arith::SelectOp::create(b, loc, isNaN, c(0x7E00), bits);
  }
  return widenHalves(b, loc, bits);
}

float tiled::fp8DecodeFactor(unsigned mantissa) {
  return mantissa == 3 ? 256.0f : 1.0f;
}

Value tiled::bitFieldLanes(OpBuilder &b, Location loc, Value raw,
                           unsigned bits, unsigned laneBits, int64_t first,
                           int64_t count) {
  SmallVector<int64_t> bytes;
  SmallVector<APInt> shifts;
  for (int64_t j = first; j < first + count; ++j) {
    int64_t at = bits * j / 8;
    bytes.append({at, at + 1});
    // (The upper bytes of an i32 lane repeat the pair; masked off.)
    if (laneBits == 32)
      bytes.append({at, at + 1});
    shifts.push_back(APInt(laneBits, bits * j % 8));
  }
  auto lanes = VectorType::get({count}, b.getIntegerType(laneBits));
  Value words = vector::BitCastOp::create(
      b, loc, lanes, vector::ShuffleOp::create(b, loc, raw, raw, bytes));
  return arith::ShRUIOp::create(
      b, loc, words,
      arith::ConstantOp::create(b, loc, DenseElementsAttr::get(lanes, shifts)));
}

/// FP6 codes s.e..e.m..m go into the f16 fields as E4M3 codes do
/// (s.0..0e..e.m..m0..0): their value times 2^-14 (E2M3) or 2^-12 (E3M2),
/// subnormals included; FP6 has no NaN or infinity.
SmallVector<Value> tiled::fp6Decode(OpBuilder &b, Location loc, Value words,
                                    unsigned mantissa) {
  auto i16s = cast<VectorType>(words.getType());
  auto c = [&](int64_t v) {
    return splat(b, loc, i16s, b.getI16IntegerAttr(int16_t(v)));
  };
  Value bits = arith::OrIOp::create(
      b, loc,
      arith::ShLIOp::create(b, loc,
                            arith::AndIOp::create(b, loc, words, c(0x1F)),
                            c(10 - mantissa)),
      arith::ShLIOp::create(b, loc,
                            arith::AndIOp::create(b, loc, words, c(0x20)),
                            c(10)));
  return widenHalves(b, loc, bits);
}

float tiled::fp6DecodeFactor(unsigned mantissa) {
  return mantissa == 3 ? 16384.0f : mantissa == 2 ? 4096.0f : 1.0f;
}

/// 2^23 + c (0 <= c < 2^bits) is the f32 with bits 0x4B000000 | c, so
/// (field & mask) ^ (0x4B000000 | s), one vpternlog (s = 2^(bits-1) moves
/// signed codes to code + s, s = 0 for unsigned ones), and one subtraction
/// of 2^23 + s decode them exactly, without conversion instructions.
SmallVector<Value> tiled::integerFieldDecode(OpBuilder &b, Location loc,
                                             ArrayRef<Value> fields,
                                             unsigned bits, bool isSigned) {
  auto f32s = VectorType::get({kLanes}, b.getF32Type());
  auto i32s = VectorType::get({kLanes}, b.getI32Type());
  int64_t sign = isSigned ? int64_t(1) << (bits - 1) : 0;
  Value mask = splat(b, loc, i32s, b.getI32IntegerAttr((1 << bits) - 1));
  Value magic = splat(b, loc, i32s, b.getI32IntegerAttr(0x4B000000 | sign));
  Value offset = splat(b, loc, f32s, b.getF32FloatAttr(float(8388608 + sign)));
  SmallVector<Value> values;
  for (Value v : fields) {
    Value f = arith::BitcastOp::create(
        b, loc, f32s,
        arith::XOrIOp::create(b, loc, arith::AndIOp::create(b, loc, v, mask),
                              magic));
    values.push_back(arith::SubFOp::create(b, loc, f, offset));
  }
  return values;
}
