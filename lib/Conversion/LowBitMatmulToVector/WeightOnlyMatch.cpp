//===- WeightOnlyMatch.cpp - which weight-only matmuls the kernels take ---===//
//
// The planning stage of the weight-only kernels: a lowbit.matmul with float
// activations and quantized weights, and the plan the kernels follow (see
// WeightOnlyKernel.h); the emission is in WeightOnlyKernel.cpp.
//
//===----------------------------------------------------------------------===//

#include "WeightOnlyKernel.h"

#include "KernelCommon.h"

#include "lowbit/Conversion/LowBitCodegen/ElementCodegen.h"
#include "lowbit/Conversion/LowBitMatmulToVector/LowBitMatmulToVector.h"

#include "mlir/IR/BuiltinTypes.h"

#include <optional>
#include <tuple>
#include <utility>

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::tiled;

//===----------------------------------------------------------------------===//
// Matching
//===----------------------------------------------------------------------===//

/// The values of the 16 codes of a 4-bit weight format with f32 scales, no
/// zero point and no block-scaled family: integers, lookup tables (NF4) and
/// FP4 E2M1, decoded by the numerics library as the reference does. `table`
/// is set for the formats only a table lookup can decode.
static std::optional<std::array<float, 16>> getNibbleValues(SchemeAttr scheme,
                                                            bool &table) {
  // MXFP4: E2M1 codes with one f8E8M0FNU scale per 32 elements; NVFP4:
  // E2M1 codes with one f8E4M3FN scale per 16 times a global f32 scale.
  bool blockScaled = (scheme.getFamily() == Family::MX ||
                      scheme.getFamily() == Family::NVFP4) &&
                     isa<Float4E2M1FNType>(scheme.getStorage());
  if (scheme.getBitWidth() != 4 ||
      (scheme.getFamily() != Family::None && !blockScaled) ||
      (scheme.getAsymmetric() && !scheme.isInteger()) ||
      !(scheme.getScaleType().isF32() || blockScaled))
    return std::nullopt;
  std::array<float, 16> values;
  table = !scheme.isInteger();
  if (!table) {
    for (int c = 0; c < 16; ++c)
      values[c] = scheme.isSignedInteger() && c >= 8 ? c - 16 : c;
    return values;
  }
  // The reference lowering's decode table (numerics library).
  codegen::ElementFormat format = codegen::getElementFormat(scheme);
  if (format.decodeTable.size() != values.size())
    return std::nullopt;
  llvm::copy(format.decodeTable, values.begin());
  return values;
}

int64_t tiled::codesPerStep(const WeightOnlyPlan &plan) {
  return plan.bits == 4 || plan.fp8Mantissa() || plan.bitFields() ? 2 * kLanes
                                                              : kLanes;
}

/// The kernel family of `scheme`'s weight codes and their mantissa bits
/// (FP8, FP6), if the weight-only kernels take them; `nibbles` says whether
/// getNibbleValues found 4-bit code values. The cases are exclusive: 4-bit
/// tables, 8-bit integers, FP8 and bit fields differ in width or type.
static std::optional<std::pair<WeightOnlyPlan::Decode, unsigned>>
getDecode(SchemeAttr scheme, bool nibbles) {
  using Decode = WeightOnlyPlan::Decode;
  unsigned bits = scheme.getBitWidth();
  Family family = scheme.getFamily();
  bool f32Scales = family == Family::None && scheme.getScaleType().isF32();
  if (nibbles)
    return std::make_pair(family == Family::NVFP4 ? Decode::NVFP4
                                                  : Decode::Nibbles,
                          0u);
  // MXINT8: i8 codes standing for code * 2^-6, an f8E8M0FNU scale per 32.
  if (bits == 8 && scheme.isSignedInteger() && family == Family::MX)
    return std::make_pair(Decode::MXInt8, 0u);
  if (bits == 8 && scheme.isInteger() && f32Scales)
    return std::make_pair(Decode::Int8, 0u);
  // FP8 weights with f32 scales, or MXFP8 (f8E8M0FNU scale per 32), decoded
  // by bit manipulation (fp8Decode); FP6 likewise.
  bool floatScales = f32Scales || family == Family::MX;
  Type storage = scheme.getStorage();
  if (floatScales && isa<Float8E4M3FNType>(storage))
    return std::make_pair(Decode::FP8, 3u);
  if (floatScales && isa<Float8E5M2Type>(storage))
    return std::make_pair(Decode::FP8, 2u);
  // Densely packed codes of other widths: integers with f32 scales (zero
  // points allowed), FP6 with f32 or MX scales.
  if (bits == 4 || bits <= 1 || bits >= 8)
    return std::nullopt;
  if (scheme.isInteger() && f32Scales)
    return std::make_pair(Decode::IntFields, 0u);
  if (floatScales && isa<Float6E2M3FNType>(storage))
    return std::make_pair(Decode::FP6Fields, 3u);
  if (floatScales && isa<Float6E3M2FNType>(storage))
    return std::make_pair(Decode::FP6Fields, 2u);
  return std::nullopt;
}

FailureOr<WeightOnlyPlan>
tiled::matchWeightOnly(MatmulOp op, const MatmulToVectorOptions &options) {
  if (!hasBasicShape(op) || !op.getAccType().isF32())
    return failure();
  auto lhs = dyn_cast<RankedTensorType>(op.getLhs().getType());
  if (!lhs || !(lhs.getElementType().isF32() || lhs.getElementType().isBF16()))
    return failure();
  auto rhs = cast<QTensorType>(op.getRhs().getType());
  SchemeAttr scheme = rhs.getScheme();
  unsigned bits = scheme.getBitWidth();
  bool table = false;
  std::optional<std::array<float, 16>> values = getNibbleValues(scheme, table);
  // Zero points of integer codes are subtracted after decoding (exact).
  bool asymmetric = scheme.getAsymmetric();
  std::optional<std::pair<WeightOnlyPlan::Decode, unsigned>> decode =
      getDecode(scheme, values.has_value());
  if (!decode)
    return failure();
  if (asymmetric && !op.getRhsZeroPoint())
    return failure();
  // Lookup-table formats need the AVX-512 table lookups.
  if (table && !options.avx512)
    return failure();
  WeightOnlyPlan plan{bits,
                      scheme.isSignedInteger(),
                      rhs.getShape()[0],
                      rhs.getShape()[1],
                      rhs.getShape()[1],
                      false};
  plan.asymmetric = asymmetric;
  std::tie(plan.decode, plan.mantissa) = *decode;
  if (values)
    plan.values.assign(values->begin(), values->end());
  // Bit fields: the reference's decode table (FP6), or the integers.
  if (plan.fp6Mantissa()) {
    std::vector<float> decoded = codegen::getElementFormat(scheme).decodeTable;
    plan.values.assign(decoded.begin(), decoded.end());
  } else if (plan.bitFields()) {
    for (int64_t c = 0, count = int64_t(1) << bits; c < count; ++c)
      plan.values.push_back(
          float(plan.isSigned && c >= count / 2 ? c - count : c));
  }
  int64_t chunk = codesPerStep(plan);
  if (plan.nvfp4() && (!op.getRhsGlobalScale() || !options.avx512))
    return failure();
  if (auto group = dyn_cast<PerGroupAttr>(scheme.getGranularity())) {
    // NVFP4's blocks of 16 are scaled per lane: loop groups of 256 codes
    // (the 16 block scales decoded as one vector, nvfp4BlockScales) when K
    // allows, else of 32 (two scalar block scales per step).
    int64_t size = !plan.nvfp4()         ? group.getSize()
                   : plan.k % 256 == 0 ? 256
                                       : 2 * group.getSize();
    // (A shorter last group, K % size != 0, takes the reference lowering.)
    if (group.getAxis() != 1 || size % chunk != 0 || plan.k % size != 0 ||
        (plan.nvfp4() && group.getSize() != 16))
      return failure();
    plan.group = size;
    plan.perGroup = true;
  } else if (!isPerRow(scheme)) {
    return failure();
  }
  // 4-bit rows are read as even/odd halves of the activations.
  if (bits == 4 && plan.k % 2 != 0)
    return failure();
  // bf16 activations take a vdpbf16ps kernel where one applies (the
  // nibble planes of 4-bit codes, bit fields of up to 6 bits: their tables
  // hold bf16 code values, so every value must be exact in bf16; NF4's are
  // not), else the f32 kernels on activations widened to f32 once per call
  // (exact).
  if (lhs.getElementType().isBF16()) {
    bool lookup =
        (bits == 4 && values && !plan.nvfp4() && plan.group % kPlaneBlock == 0) ||
        (plan.bitFields() && bits <= 6);
    plan.bf16 = options.avx512 && options.bf16 && lookup && !asymmetric;
    for (float v : plan.values) {
      APFloat value(v);
      bool lost;
      value.convert(APFloat::BFloat(), APFloat::rmNearestTiesToEven, &lost);
      plan.bf16 &= !lost;
    }
    plan.widenActivations = !plan.bf16;
  }
  return plan;
}

