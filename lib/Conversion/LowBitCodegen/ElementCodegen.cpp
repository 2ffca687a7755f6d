//===- ElementCodegen.cpp - scalar IR for codes of a scheme ---------------===//

#include "lowbit/Conversion/LowBitCodegen/ElementCodegen.h"

#include "lowbit/Dialect/LowBit/IR/LowBitNumerics.h"
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"
#include "lowbit/Numerics/BlockScaled.h"
#include "lowbit/Numerics/FloatFormats.h"
#include "lowbit/Numerics/LookupTable.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/ADT/bit.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::codegen;
namespace num = ::lowbit::numerics;

//===----------------------------------------------------------------------===//
// Compile-time tables
//===----------------------------------------------------------------------===//

uint32_t codegen::orderKey(uint32_t bits) {
  return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
}

/// Inverse of orderKey.
static float fromOrderKey(uint32_t key) {
  uint32_t bits = (key & 0x80000000u) ? (key & 0x7FFFFFFFu) : ~key;
  return llvm::bit_cast<float>(bits);
}

/// Fills `format.thresholds`: for each position p >= 1, the smallest key in
/// [lo, hi] whose value the encoder places at position >= p. Encoders are
/// monotone in the value, so bisection finds each boundary exactly.
static void computeThresholds(ElementFormat &format, uint32_t lo, uint32_t hi,
                              const std::function<uint8_t(float)> &encode) {
  std::vector<int> positionOf(256, -1);
  for (auto [pos, code] : llvm::enumerate(format.codeAtPosition))
    positionOf[code] = pos;
  auto positionAt = [&](uint32_t key) {
    int pos = positionOf[encode(fromOrderKey(key))];
    assert(pos >= 0 && "encoder produced a code outside the ordered table");
    return pos;
  };
  for (size_t p = 1; p < format.codeAtPosition.size(); ++p) {
    uint64_t left = lo, right = uint64_t(hi) + 1;
    while (left < right) {
      uint64_t mid = (left + right) / 2;
      if (positionAt(static_cast<uint32_t>(mid)) >= static_cast<int>(p))
        right = mid;
      else
        left = mid + 1;
    }
    format.thresholds.push_back(
        left > hi ? std::numeric_limits<uint32_t>::max()
                  : static_cast<uint32_t>(left));
  }
}

ElementFormat codegen::getElementFormat(SchemeAttr scheme) {
  ElementFormat format;
  format.bits = scheme.getBitWidth();
  Type storage = scheme.getStorage();
  num::RoundingMode mode = toNumerics(scheme.getRounding());
  float nan = std::numeric_limits<float>::quiet_NaN();
  const uint32_t kNegInf = orderKey(0xFF800000u), kPosInf =
                                                      orderKey(0x7F800000u);

  bool mxInt8 = scheme.getFamily() == Family::MX && scheme.isInteger();
  if (scheme.isInteger() && !mxInt8) {
    format.kind = ElementFormat::Kind::Integer;
    format.isSigned = scheme.isSignedInteger();
    format.qmin = scheme.getQMin();
    format.qmax = scheme.getQMax();
    return format;
  }

  std::function<uint8_t(float)> encode;
  if (mxInt8) {
    format.kind = ElementFormat::Kind::Ordered;
    for (int v = -128; v < 128; ++v)
      format.codeAtPosition.push_back(static_cast<uint8_t>(v));
    for (unsigned c = 0; c < 256; ++c)
      format.decodeTable.push_back(
          num::decodeMXElement(c, num::MXElementType::INT8));
    encode = [mode](float v) {
      return num::encodeMXElement(v, num::MXElementType::INT8, mode);
    };
  } else if (auto lut = dyn_cast<LutType>(storage)) {
    format.kind = ElementFormat::Kind::Ordered;
    std::vector<float> values(lut.getValues().begin(), lut.getValues().end());
    // The verifier already checked the table, so creation cannot fail.
    auto table = std::make_shared<num::LookupTable>(
        *num::LookupTable::create(values));
    for (unsigned c = 0; c < values.size(); ++c) {
      format.codeAtPosition.push_back(c);
      format.decodeTable.push_back(table->decode(c));
    }
    encode = [table](float v) { return table->encode(v); };
  } else if (isa<BinaryType>(storage)) {
    format.kind = ElementFormat::Kind::Ordered;
    format.codeAtPosition = {0, 1};
    format.decodeTable = {num::decodeBinary(0), num::decodeBinary(1)};
    encode = [](float v) { return num::encodeBinary(v); };
  } else {
    format.kind = ElementFormat::Kind::SignMagnitude;
    num::FloatFormat ff = *getNumericsFloatFormat(storage);
    for (unsigned c = 0; c < (1u << format.bits); ++c)
      format.decodeTable.push_back(num::decodeFloat(ff, c));
    // Non-negative codes in magnitude order, then whatever +Inf encodes to
    // if it is not already among them.
    const num::FloatFormatInfo &info = num::getFloatFormatInfo(ff);
    for (unsigned c = 0; c <= info.maxFiniteCode; ++c)
      format.codeAtPosition.push_back(c);
    encode = [ff, mode](float v) { return num::encodeFloat(ff, v, mode); };
    uint8_t infCode = encode(std::numeric_limits<float>::infinity());
    if (infCode > info.maxFiniteCode)
      format.codeAtPosition.push_back(infCode);
    format.nanCode = encode(nan);
    format.negNaNCode = encode(-nan);
    computeThresholds(format, orderKey(0), kPosInf, encode);
    return format;
  }
  format.nanCode = encode(nan);
  format.negNaNCode = encode(-nan);
  computeThresholds(format, kNegInf, kPosInf, encode);
  return format;
}

//===----------------------------------------------------------------------===//
// Emitters
//===----------------------------------------------------------------------===//

/// Builds a tensor of `sizes` x `elementType` whose element at each index is
/// what `body` computes (a linalg.generic without inputs).
Value codegen::buildTensor(OpBuilder &b, Location loc,
                         ArrayRef<OpFoldResult> sizes, Type elementType,
                         BodyBuilder body) {
  Value empty = tensor::EmptyOp::create(b, loc, sizes, elementType);
  unsigned rank = sizes.size();
  auto generic = linalg::GenericOp::create(
      b, loc, empty.getType(), ValueRange{}, ValueRange{empty},
      ArrayRef<AffineMap>{b.getMultiDimIdentityMap(rank)},
      SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
      [&](OpBuilder &nb, Location nloc, ValueRange) {
        SmallVector<Value> indices;
        for (unsigned d = 0; d < rank; ++d)
          indices.push_back(linalg::IndexOp::create(nb, nloc, d));
        linalg::YieldOp::create(nb, nloc, body(nb, nloc, indices));
      });
  return generic.getResult(0);
}

Value codegen::toF32(OpBuilder &b, Location loc, Value v) {
  Type type = v.getType();
  if (type.isF32())
    return v;
  if (type.getIntOrFloatBitWidth() < 32)
    return arith::ExtFOp::create(b, loc, b.getF32Type(), v);
  return arith::TruncFOp::create(b, loc, b.getF32Type(), v);
}

Value codegen::fromF32(OpBuilder &b, Location loc, Value v, Type type) {
  if (type.isF32())
    return v;
  if (type.getIntOrFloatBitWidth() < 32)
    return arith::TruncFOp::create(b, loc, type, v);
  return arith::ExtFOp::create(b, loc, type, v);
}

Value codegen::i32Const(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIntOp::create(b, loc, b.getI32Type(), v);
}

Value codegen::indexConst(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value codegen::toI32(OpBuilder &b, Location loc, Value v) {
  unsigned width = v.getType().getIntOrFloatBitWidth();
  if (width == 32)
    return v;
  if (width < 32)
    return arith::ExtSIOp::create(b, loc, b.getI32Type(), v);
  return arith::TruncIOp::create(b, loc, b.getI32Type(), v);
}

Value codegen::indexToI32(OpBuilder &b, Location loc, Value v) {
  return arith::IndexCastOp::create(b, loc, b.getI32Type(), v);
}

Value codegen::emitI32Table(OpBuilder &b, Location loc,
                            ArrayRef<int32_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getI32Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseIntElementsAttr::get(type, values));
}

static Value f32Table(OpBuilder &b, Location loc, ArrayRef<float> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())},
                                    b.getF32Type());
  return arith::ConstantOp::create(b, loc,
                                   DenseFPElementsAttr::get(type, values));
}

/// Emits table[index] for an i32 `index`.
static Value lookup(OpBuilder &b, Location loc, Value table, Value index) {
  Value idx = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  return tensor::ExtractOp::create(b, loc, table, ValueRange{idx});
}

/// Number of thresholds at or below `key` (unsigned compare), by binary
/// lifting over the sorted table: at most log2(#thresholds) + 1 steps.
static Value emitCountBelow(OpBuilder &b, Location loc,
                            ArrayRef<uint32_t> thresholds, Value key) {
  int64_t n = thresholds.size();
  std::vector<int32_t> asI32(thresholds.begin(), thresholds.end());
  Value table = emitI32Table(b, loc, asI32);
  Value pos = i32Const(b, loc, 0);
  int64_t step = 1;
  while (step * 2 <= n)
    step *= 2;
  for (; step >= 1; step /= 2) {
    Value cand = arith::AddIOp::create(b, loc, pos, i32Const(b, loc, step));
    // Index cand - 1, clamped so the extract stays in bounds.
    Value idx = arith::MinSIOp::create(
        b, loc, arith::SubIOp::create(b, loc, cand, i32Const(b, loc, 1)),
        i32Const(b, loc, n - 1));
    Value threshold = lookup(b, loc, table, idx);
    Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sle,
                                          cand, i32Const(b, loc, n));
    Value below = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ule,
                                        threshold, key);
    Value take = arith::AndIOp::create(b, loc, inRange, below);
    pos = arith::SelectOp::create(b, loc, take, cand, pos);
  }
  return pos;
}

Value codegen::emitTableEncode(OpBuilder &b, Location loc,
                               const ElementFormat &format, Value scaled) {
  assert(format.kind != ElementFormat::Kind::Integer && "table format expected");
  Value bits = arith::BitcastOp::create(b, loc, b.getI32Type(), scaled);
  Value signBit = i32Const(b, loc, 0x80000000u);
  Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt,
                                         bits, i32Const(b, loc, 0));
  Value key;
  if (format.kind == ElementFormat::Kind::SignMagnitude) {
    // Key of |x|: clear the sign, set the key's top bit.
    key = arith::OrIOp::create(b, loc, bits, signBit);
  } else {
    Value flipped = arith::XOrIOp::create(b, loc, bits, i32Const(b, loc, -1));
    Value positive = arith::OrIOp::create(b, loc, bits, signBit);
    key = arith::SelectOp::create(b, loc, negative, flipped, positive);
  }
  Value pos = emitCountBelow(b, loc, format.thresholds, key);
  std::vector<int32_t> codes(format.codeAtPosition.begin(),
                             format.codeAtPosition.end());
  Value code = lookup(b, loc, emitI32Table(b, loc, codes), pos);
  if (format.kind == ElementFormat::Kind::SignMagnitude) {
    Value sign = arith::SelectOp::create(
        b, loc, negative, i32Const(b, loc, 1 << (format.bits - 1)),
        i32Const(b, loc, 0));
    code = arith::OrIOp::create(b, loc, code, sign);
  }
  Value isNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO,
                                      scaled, scaled);
  Value nanCode = arith::SelectOp::create(
      b, loc, negative, i32Const(b, loc, format.negNaNCode),
      i32Const(b, loc, format.nanCode));
  return arith::SelectOp::create(b, loc, isNaN, nanCode, code);
}

Value codegen::emitTableDecode(OpBuilder &b, Location loc,
                               const ElementFormat &format, Value code) {
  return lookup(b, loc, f32Table(b, loc, format.decodeTable), code);
}

Value codegen::emitAffineEncode(OpBuilder &b, Location loc,
                                const ElementFormat &format, RoundingMode mode,
                                Value x, Value scale, Value zeroPoint) {
  Value quotient = arith::DivFOp::create(b, loc, x, scale);
  Value rounded;
  switch (mode) {
  case RoundingMode::NearestEven:
    rounded = math::RoundEvenOp::create(b, loc, quotient);
    break;
  case RoundingMode::NearestAway:
    rounded = math::RoundOp::create(b, loc, quotient);
    break;
  case RoundingMode::TowardZero:
    rounded = math::TruncOp::create(b, loc, quotient);
    break;
  }
  // The zero point is added and the result clamped in f64, where both are
  // exact, so huge quotients and infinities clamp instead of overflowing.
  Type f64 = b.getF64Type();
  Value sum = arith::ExtFOp::create(b, loc, f64, rounded);
  Value zp = zeroPoint ? zeroPoint : i32Const(b, loc, 0);
  sum = arith::AddFOp::create(b, loc, sum,
                              arith::SIToFPOp::create(b, loc, f64, zp));
  auto f64Const = [&](int64_t v) {
    return arith::ConstantFloatOp::create(b, loc, b.getF64Type(),
                                          APFloat(static_cast<double>(v)));
  };
  sum = arith::MaximumFOp::create(b, loc, sum, f64Const(format.qmin));
  sum = arith::MinimumFOp::create(b, loc, sum, f64Const(format.qmax));
  Value q = arith::FPToSIOp::create(b, loc, b.getI32Type(), sum);
  Value zpClamped = arith::MaxSIOp::create(b, loc, zp,
                                           i32Const(b, loc, format.qmin));
  zpClamped = arith::MinSIOp::create(b, loc, zpClamped,
                                     i32Const(b, loc, format.qmax));
  Value isNaN = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO,
                                      quotient, quotient);
  return arith::SelectOp::create(b, loc, isNaN, zpClamped, q);
}

Value codegen::emitIntegerFromCode(OpBuilder &b, Location loc,
                                   const ElementFormat &format, Value code) {
  if (!format.isSigned)
    return code;
  Value shift = i32Const(b, loc, 32 - format.bits);
  return arith::ShRSIOp::create(b, loc,
                                arith::ShLIOp::create(b, loc, code, shift),
                                shift);
}

Value codegen::emitScaleToF32(OpBuilder &b, Location loc, Value scale) {
  Type type = scale.getType();
  if (type.isF32())
    return scale;
  if (isa<Float16Type, BFloat16Type>(type))
    return arith::ExtFOp::create(b, loc, b.getF32Type(), scale);
  // 8-bit scale formats: decode through the library's table, since LLVM has
  // no such float types.
  num::FloatFormat ff = *getNumericsFloatFormat(type);
  std::vector<float> table;
  for (unsigned c = 0; c < 256; ++c)
    table.push_back(num::decodeFloat(ff, c));
  Value bits = arith::BitcastOp::create(b, loc, b.getI8Type(), scale);
  Value code = arith::ExtUIOp::create(b, loc, b.getI32Type(), bits);
  return lookup(b, loc, f32Table(b, loc, table), code);
}

SmallVector<Value> codegen::emitGridIndices(OpBuilder &b, Location loc,
                                            GranularityAttrInterface granularity,
                                            ArrayRef<int64_t> shape,
                                            ArrayRef<Value> indices) {
  SmallVector<Value> grid;
  Value zero = indexConst(b, loc, 0);
  auto divide = [&](Value index, int64_t by) -> Value {
    if (by == 1)
      return index;
    return arith::DivUIOp::create(b, loc, index, indexConst(b, loc, by));
  };
  for (int64_t dim = 0, e = indices.size(); dim < e; ++dim) {
    Value index = indices[dim];
    Value g =
        llvm::TypeSwitch<Attribute, Value>(granularity)
            .Case([&](PerTensorAttr) { return zero; })
            .Case([&](PerAxisAttr a) { return a.getAxis() == dim ? index : zero; })
            .Case([&](PerGroupAttr a) {
              return a.getAxis() == dim ? divide(index, a.getSize()) : index;
            })
            .Case([&](PerBlockAttr a) { return divide(index, a.getSizes()[dim]); })
            .Case([&](PerClusterAttr a) -> Value {
              if (a.getAxis() != dim)
                return a.getPerSlice() ? index : zero;
              std::vector<int32_t> clusterOf;
              for (auto [c, size] : llvm::enumerate(a.getSizes()))
                clusterOf.insert(clusterOf.end(), size, c);
              Value table = emitI32Table(b, loc, clusterOf);
              Value c = tensor::ExtractOp::create(b, loc, table, index);
              return arith::IndexCastOp::create(b, loc, b.getIndexType(), c);
            })
            .Default([&](Attribute) -> Value {
              llvm_unreachable("unknown granularity");
            });
    grid.push_back(g);
  }
  return grid;
}
