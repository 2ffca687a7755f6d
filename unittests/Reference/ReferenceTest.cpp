//===- ReferenceTest.cpp - the oracle of lowbit quantization --------------===//
//
// Grid mapping against the dialect's grid shapes and hand-written indices,
// and quantize / dequantize / choose_params on small hand-computed cases.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Reference/Reference.h"

#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"
#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::reference;

namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

class ReferenceTest : public ::testing::Test {
protected:
  ReferenceTest() { context.loadDialect<LowBitDialect>(); }

  SchemeAttr scheme(StringRef body) {
    auto attr = dyn_cast_or_null<SchemeAttr>(
        parseAttribute(("#lowbit.scheme<" + body + ">").str(), &context));
    EXPECT_TRUE(attr) << "cannot parse scheme " << body.str();
    return attr;
  }

  GranularityAttrInterface granularity(StringRef text) {
    auto attr = dyn_cast_or_null<GranularityAttrInterface>(
        parseAttribute(text, &context));
    EXPECT_TRUE(attr) << "cannot parse granularity " << text.str();
    return attr;
  }

  /// Values of a successful result; fails the test otherwise.
  template <typename T> T get(llvm::Expected<T> value) {
    if (!value) {
      ADD_FAILURE() << llvm::toString(value.takeError());
      return T();
    }
    return std::move(*value);
  }

  /// Message of a failed result; fails the test on success.
  template <typename T> std::string error(llvm::Expected<T> value) {
    if (value) {
      ADD_FAILURE() << "expected an error";
      return "";
    }
    return llvm::toString(value.takeError());
  }

  static Params scales(std::vector<float> s) {
    Params p;
    p.scale = std::move(s);
    return p;
  }

  MLIRContext context;
};

using Index = SmallVector<int64_t>;

//===----------------------------------------------------------------------===//
// Grid mapping
//===----------------------------------------------------------------------===//

TEST_F(ReferenceTest, GridShapesMatchTheDialect) {
  const char *granularities[] = {
      "#lowbit.per_tensor",
      "#lowbit.per_axis<0>",
      "#lowbit.per_axis<2>",
      "#lowbit.per_group<axis = 2, size = 4>",
      "#lowbit.per_group<axis = 0, size = 3>",
      "#lowbit.per_block<[3, 1, 2]>",
      "#lowbit.per_cluster<axis = 2, sizes = [1, 3, 4]>",
      "#lowbit.per_cluster<axis = 1, sizes = [2, 3], per_slice>",
  };
  SmallVector<int64_t> shape = {6, 5, 8};
  for (const char *text : granularities) {
    GranularityAttrInterface g = granularity(text);
    EXPECT_EQ(get(getGridShape(g, shape)), g.getParamShape(shape)) << text;
  }
}

TEST_F(ReferenceTest, GridIndices) {
  SmallVector<int64_t> shape = {4, 6};
  auto at = [&](const char *g, Index index) {
    return getGridIndex(granularity(g), shape, index);
  };
  EXPECT_EQ(at("#lowbit.per_tensor", {3, 5}), Index({0, 0}));
  EXPECT_EQ(at("#lowbit.per_axis<0>", {3, 5}), Index({3, 0}));
  EXPECT_EQ(at("#lowbit.per_axis<1>", {3, 5}), Index({0, 5}));
  EXPECT_EQ(at("#lowbit.per_group<axis = 1, size = 3>", {2, 2}), Index({2, 0}));
  EXPECT_EQ(at("#lowbit.per_group<axis = 1, size = 3>", {2, 3}), Index({2, 1}));
  EXPECT_EQ(at("#lowbit.per_group<axis = 0, size = 2>", {3, 4}), Index({1, 4}));
  EXPECT_EQ(at("#lowbit.per_block<[2, 3]>", {1, 2}), Index({0, 0}));
  EXPECT_EQ(at("#lowbit.per_block<[2, 3]>", {3, 3}), Index({1, 1}));
  const char *clusters = "#lowbit.per_cluster<axis = 1, sizes = [1, 3, 2]>";
  EXPECT_EQ(at(clusters, {3, 0}), Index({0, 0}));
  EXPECT_EQ(at(clusters, {3, 1}), Index({0, 1}));
  EXPECT_EQ(at(clusters, {3, 3}), Index({0, 1}));
  EXPECT_EQ(at(clusters, {3, 4}), Index({0, 2}));
  const char *sliced =
      "#lowbit.per_cluster<axis = 1, sizes = [1, 3, 2], per_slice>";
  EXPECT_EQ(at(sliced, {3, 5}), Index({3, 2}));
  EXPECT_EQ(at(sliced, {2, 0}), Index({2, 0}));
}

TEST_F(ReferenceTest, ShapeErrors) {
  SmallVector<int64_t> shape = {4, 6};
  EXPECT_EQ(error(getGridShape(granularity("#lowbit.per_axis<2>"), shape)),
            "granularity axis 2 is out of range for data of rank 2");
  // Groups of 4 along 6 elements: 4 and a shorter 2, two grid columns.
  llvm::Expected<SmallVector<int64_t>> ragged =
      getGridShape(granularity("#lowbit.per_group<axis = 1, size = 4>"), shape);
  ASSERT_TRUE(bool(ragged));
  EXPECT_EQ(*ragged, SmallVector<int64_t>({4, 2}));
  EXPECT_EQ(getGridIndex(granularity("#lowbit.per_group<axis = 1, size = 4>"),
                         shape, {3, 5}),
            SmallVector<int64_t>({3, 1}));
  EXPECT_EQ(error(getGridShape(granularity("#lowbit.per_block<[2]>"), shape)),
            "block sizes [2] do not match data of rank 2");
  EXPECT_EQ(
      error(getGridShape(
          granularity("#lowbit.per_cluster<axis = 1, sizes = [2, 2]>"), shape)),
      "cluster sizes [2, 2] do not add up to axis 1 of data shape [4, 6]");
  EXPECT_EQ(error(getGridShape(granularity("#lowbit.per_tensor"),
                               {4, ShapedType::kDynamic})),
            "dimension 1 of data shape [4, -9223372036854775808] is not a "
            "static size");
  // Invalid shapes give no grid index rather than crashing.
  EXPECT_TRUE(getGridIndex(granularity("#lowbit.per_axis<2>"), shape, {0, 0})
                  .empty());
}

TEST_F(ReferenceTest, ParameterErrors) {
  SchemeAttr s = scheme("i8, per_axis<0>");
  std::vector<float> x = {1, 2, 3, 4};
  EXPECT_EQ(error(quantize(s, {2, 2}, x, scales({1.0f}))),
            "scale has 1 elements but the parameter grid [2, 1] has 2");
  EXPECT_EQ(error(quantize(s, {2, 3}, x, scales({1.0f, 1.0f}))),
            "data has 4 elements but shape [2, 3] has 6");
  Params withZeroPoint = scales({1.0f, 1.0f});
  withZeroPoint.zeroPoint = {0, 0};
  EXPECT_EQ(error(quantize(s, {2, 2}, x, withZeroPoint)),
            "a symmetric scheme takes no zero point");
  EXPECT_EQ(error(quantize(scheme("ui8, per_tensor, asymmetric"), {4}, x,
                           scales({1.0f}))),
            "zero point has 0 elements but the parameter grid [1] has 1");
  Params codes;
  codes.scaleCodes = {127};
  EXPECT_EQ(error(quantize(s, {2, 2}, x, codes)),
            "scale type f32 takes scale values, not 8-bit codes");
  SchemeAttr nvfp4 = scheme("nvfp4, axis = 0");
  std::vector<float> block(16, 1.0f);
  EXPECT_EQ(error(quantize(nvfp4, {16}, block, codes)),
            "the nvfp4 family needs a global scale");
  EXPECT_EQ(error(quantize(nvfp4, {16}, block, scales({1.0f}))),
            "scale type f8E4M3FN takes 8-bit scale codes, not scale values");
  Params global = scales({1.0f, 1.0f});
  global.globalScale = 1.0f;
  EXPECT_EQ(error(quantize(s, {2, 2}, x, global)),
            "only the nvfp4 family takes a global scale");
  // Codes wider than the format.
  EXPECT_EQ(error(dequantize(scheme("i4, per_tensor"), {2},
                             std::vector<uint8_t>{3, 16}, scales({1.0f}))),
            "code 16 of element 1 does not fit in 4 bits");
}

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

TEST_F(ReferenceTest, IntegerRoundingModesAndSaturation) {
  std::vector<float> x = {1.25f, -1.25f, 0.75f, 100.0f, -100.0f, kNaN, kInf};
  Params p = scales({0.5f});
  // Quotients 2.5, -2.5, 1.5, 200, -200, NaN, Inf.
  EXPECT_EQ(get(quantize(scheme("i8, per_tensor"), {7}, x, p)),
            std::vector<uint8_t>({2, 0xFE, 2, 127, 0x80, 0, 127}));
  EXPECT_EQ(
      get(quantize(scheme("i8, per_tensor, rounding = nearest_away"), {7}, x, p)),
      std::vector<uint8_t>({3, 0xFD, 2, 127, 0x80, 0, 127}));
  EXPECT_EQ(
      get(quantize(scheme("i8, per_tensor, rounding = toward_zero"), {7}, x, p)),
      std::vector<uint8_t>({2, 0xFE, 1, 127, 0x80, 0, 127}));
  // Narrow range: -127 is the smallest code. i4: 4-bit two's complement.
  EXPECT_EQ(get(quantize(scheme("i8, per_tensor, narrow"), {7}, x, p))[4],
            0x81);
  EXPECT_EQ(get(quantize(scheme("i4, per_tensor"), {7}, x, p)),
            std::vector<uint8_t>({2, 0xE, 2, 7, 0x8, 0, 7}));
}

TEST_F(ReferenceTest, AsymmetricIntegers) {
  SchemeAttr s = scheme("ui4, per_axis<0>, asymmetric");
  Params p = scales({0.5f, 2.0f});
  p.zeroPoint = {8, 0};
  std::vector<float> x = {-1.0f, 3.0f, 5.0f, -4.0f};
  // Row 0: -2 + 8 = 6, 6 + 8 = 14. Row 1: 2.5 -> 2, -2 clamps to 0.
  std::vector<uint8_t> codes = get(quantize(s, {2, 2}, x, p));
  EXPECT_EQ(codes, std::vector<uint8_t>({6, 14, 2, 0}));
  EXPECT_EQ(get(dequantize(s, {2, 2}, codes, p)),
            std::vector<float>({-1.0f, 3.0f, 4.0f, 0.0f}));
}

TEST_F(ReferenceTest, SignedCodesAreSignExtended) {
  SchemeAttr s = scheme("i4, per_tensor, asymmetric");
  Params p = scales({0.5f});
  p.zeroPoint = {-2};
  // 0xF = -1, 0x8 = -8, 0x7 = 7; minus the zero point, times 0.5.
  EXPECT_EQ(get(dequantize(s, {3}, std::vector<uint8_t>{0xF, 0x8, 0x7}, p)),
            std::vector<float>({0.5f, -3.0f, 4.5f}));
}

TEST_F(ReferenceTest, ClusterGranularityPicksTheClusterScale) {
  SchemeAttr s = scheme("i8, per_cluster<axis = 1, sizes = [2, 3]>");
  std::vector<float> x = {1, 2, 10, 20, 30, 3, 4, 40, 50, 60};
  EXPECT_EQ(get(quantize(s, {2, 5}, x, scales({1.0f, 10.0f}))),
            std::vector<uint8_t>({1, 2, 1, 2, 3, 3, 4, 4, 5, 6}));
}

TEST_F(ReferenceTest, FloatFormats) {
  SchemeAttr e4m3 = scheme("f8E4M3FN, per_tensor");
  std::vector<float> x = {1.0f, 448.0f, 500.0f, -0.0f, kNaN, 0.3f, -kInf};
  EXPECT_EQ(get(quantize(e4m3, {7}, x, scales({1.0f}))),
            std::vector<uint8_t>({0x38, 0x7E, 0x7E, 0x80, 0x7F, 0x2A, 0xFE}));
  // With scale 2 everything halves: 1.0 -> 0.5 (0x30).
  EXPECT_EQ(get(quantize(e4m3, {1}, std::vector<float>{1.0f}, scales({2.0f}))),
            std::vector<uint8_t>({0x30}));
  EXPECT_EQ(get(dequantize(e4m3, {2}, std::vector<uint8_t>{0x2A, 0xB8},
                           scales({4.0f}))),
            std::vector<float>({1.25f, -4.0f}));

  // E2M1: ties go to the even mantissa (2.5 -> 2, -5 -> -4) or away.
  std::vector<float> ties = {2.5f, -5.0f, 7.0f};
  EXPECT_EQ(get(quantize(scheme("f4E2M1FN, per_tensor"), {3}, ties,
                         scales({1.0f}))),
            std::vector<uint8_t>({0x4, 0xE, 0x7}));
  EXPECT_EQ(get(quantize(scheme("f4E2M1FN, per_tensor, rounding = nearest_away"),
                         {3}, ties, scales({1.0f}))),
            std::vector<uint8_t>({0x5, 0xF, 0x7}));
}

TEST_F(ReferenceTest, LookupTablesAndBinary) {
  SchemeAttr nf4 = scheme("nf4, per_tensor");
  EXPECT_EQ(get(quantize(nf4, {3}, std::vector<float>{0.0f, 8.0f, -8.0f},
                         scales({2.0f}))),
            std::vector<uint8_t>({7, 15, 0}));
  EXPECT_EQ(get(dequantize(nf4, {3}, std::vector<uint8_t>{0, 7, 15},
                           scales({2.0f}))),
            std::vector<float>({-2.0f, 0.0f, 2.0f}));

  SchemeAttr lut =
      scheme("!lowbit.lut<[-1.0, -0.25, 0.25, 1.0]>, per_tensor");
  // 0.625 is halfway between 0.25 and 1.0: the lower code wins.
  EXPECT_EQ(get(quantize(lut, {4}, std::vector<float>{1.25f, 0.0f, -3.0f, 2.5f},
                         scales({2.0f}))),
            std::vector<uint8_t>({2, 1, 0, 3}));

  SchemeAttr binary = scheme("binary, per_tensor");
  EXPECT_EQ(get(quantize(binary, {4}, std::vector<float>{-0.5f, -0.0f, 3.0f, kNaN},
                         scales({1.0f}))),
            std::vector<uint8_t>({0, 1, 1, 1}));
  EXPECT_EQ(get(dequantize(binary, {2}, std::vector<uint8_t>{0, 1},
                           scales({0.25f}))),
            std::vector<float>({-0.25f, 0.25f}));
}

TEST_F(ReferenceTest, MXBlocks) {
  SchemeAttr mxfp4 = scheme("mxfp4, axis = 0");
  std::vector<float> x(64, 0.0f);
  x[0] = 6.0f;
  x[1] = -1.5f;
  x[2] = 7.0f; // clips to 6 in a block scaled by 1
  x[40] = kInf;
  Params chosen = get(chooseParams(mxfp4, {64}, x));
  // Block 0: floor(log2(7)) - 2 = 0 -> 2^0 = code 127. Block 1: Inf -> NaN.
  EXPECT_EQ(chosen.scaleCodes, std::vector<uint8_t>({127, 0xFF}));
  EXPECT_TRUE(chosen.scale.empty());
  std::vector<uint8_t> codes = get(quantize(mxfp4, {64}, x, chosen));
  EXPECT_EQ(codes[0], 0x7);
  EXPECT_EQ(codes[1], 0xB);
  EXPECT_EQ(codes[2], 0x7);
  EXPECT_EQ(codes[40], 0); // NaN scale: code 0
  std::vector<float> values = get(dequantize(mxfp4, {64}, codes, chosen));
  EXPECT_EQ(values[1], -1.5f);
  EXPECT_TRUE(std::isnan(values[33]));

  // An all-zero block gets the smallest scale, 2^-127.
  EXPECT_EQ(get(chooseParams(mxfp4, {32}, std::vector<float>(32, 0.0f)))
                .scaleCodes,
            std::vector<uint8_t>({0}));

  // MXINT8: q * 2^-6 with the full int8 range.
  SchemeAttr mxint8 = scheme("mxint8, axis = 0");
  std::vector<float> y(32, 0.0f);
  y[0] = 1.0f;
  y[1] = -2.0f;
  y[2] = 0.5f;
  Params p = get(chooseParams(mxint8, {32}, y));
  // floor(log2(2)) - 0 = 1 -> code 128, X = 2.
  EXPECT_EQ(p.scaleCodes, std::vector<uint8_t>({128}));
  codes = get(quantize(mxint8, {32}, y, p));
  EXPECT_EQ(codes[0], 32);
  EXPECT_EQ(codes[1], 0xC0);
  EXPECT_EQ(codes[2], 16);
  values = get(dequantize(mxint8, {32}, codes, p));
  EXPECT_EQ(values[0], 1.0f);
  EXPECT_EQ(values[1], -2.0f);
}

TEST_F(ReferenceTest, NVFP4) {
  SchemeAttr s = scheme("nvfp4, axis = 0");
  std::vector<float> x(48, 0.0f);
  x[0] = 2688.0f; // global = 1
  x[1] = 1344.0f;
  x[16] = 6.0f; // block scale 1
  x[17] = -3.0f;
  x[32] = kNaN;
  x[33] = 1.0f;
  Params p = get(chooseParams(s, {48}, x));
  EXPECT_EQ(p.globalScale, 1.0f);
  // 2688 / 6 = 448 (0x7E), 6 / 6 = 1 (0x38), NaN block 0x7F.
  EXPECT_EQ(p.scaleCodes, std::vector<uint8_t>({0x7E, 0x38, 0x7F}));
  std::vector<uint8_t> codes = get(quantize(s, {48}, x, p));
  EXPECT_EQ(codes[0], 0x7); // 6
  EXPECT_EQ(codes[1], 0x5); // 3
  EXPECT_EQ(codes[16], 0x7);
  EXPECT_EQ(codes[17], 0xD); // -3
  EXPECT_EQ(codes[33], 0);   // NaN scale
  std::vector<float> values = get(dequantize(s, {48}, codes, p));
  EXPECT_EQ(values[1], 1344.0f);
  EXPECT_EQ(values[17], -3.0f);
  EXPECT_TRUE(std::isnan(values[40]));

  // Zero data: global 1, block scales 0 and codes 0. The global scale comes
  // from the finite elements; an Inf saturates its block scale.
  std::vector<float> z(32, 0.0f);
  z[20] = kInf;
  z[3] = 26.88f;
  p = get(chooseParams(s, {32}, z));
  EXPECT_EQ(p.globalScale, 26.88f / 2688.0f);
  EXPECT_EQ(p.scaleCodes[1], 0x7E);
  p = get(chooseParams(s, {16}, std::vector<float>(16, 0.0f)));
  EXPECT_EQ(p.globalScale, 1.0f);
  EXPECT_EQ(p.scaleCodes, std::vector<uint8_t>({0}));
  EXPECT_EQ(get(quantize(s, {16}, std::vector<float>(16, 1.0f), p)),
            std::vector<uint8_t>(16, 0));
}

//===----------------------------------------------------------------------===//
// choose_params
//===----------------------------------------------------------------------===//

TEST_F(ReferenceTest, ChooseIntegerParams) {
  std::vector<float> x = {1.0f, -3.0f, 0.0f, 0.0f, 7.0f, 2.0f, -0.5f, 0.25f};
  Params p = get(chooseParams(scheme("i4, per_group<axis = 1, size = 2>"),
                              {2, 4}, x));
  EXPECT_EQ(p.scale, std::vector<float>({float(3.0 / 7), 1.0f, 1.0f,
                                         float(0.5 / 7)}));
  EXPECT_TRUE(p.zeroPoint.empty());

  // Asymmetric: [-1, 3] -> scale 4 / 255, zero point round(63.75) = 64.
  p = get(chooseParams(scheme("ui8, per_tensor, asymmetric"), {3},
                       std::vector<float>{-1.0f, 3.0f, 0.5f}));
  EXPECT_EQ(p.scale, std::vector<float>({float(4.0 / 255)}));
  EXPECT_EQ(p.zeroPoint, std::vector<int32_t>({64}));

  // Non-finite elements are ignored; none at all is the range [0, 0].
  p = get(chooseParams(scheme("i8, per_axis<0>"), {2, 3},
                       std::vector<float>{kNaN, -2.0f, kInf, kNaN, -kInf, kNaN}));
  EXPECT_EQ(p.scale, std::vector<float>({float(2.0 / 127), 1.0f}));

  // Clip ratio.
  p = get(chooseParams(scheme("i8, per_tensor, clip = ratio(0.5)"), {2},
                       std::vector<float>{4.0f, -1.0f}));
  EXPECT_EQ(p.scale, std::vector<float>({float(2.0 / 127)}));
}

TEST_F(ReferenceTest, ChooseOtherFormats) {
  std::vector<float> x = {-3.0f, 1.5f};
  EXPECT_EQ(get(chooseParams(scheme("f8E4M3FN, per_tensor"), {2}, x)).scale,
            std::vector<float>({float(3.0 / 448)}));
  EXPECT_EQ(get(chooseParams(scheme("nf4, per_tensor"), {2}, x)).scale,
            std::vector<float>({3.0f}));
  EXPECT_EQ(get(chooseParams(scheme("binary, per_tensor"), {2}, x)).scale,
            std::vector<float>({3.0f}));
  EXPECT_EQ(get(chooseParams(scheme("!lowbit.lut<[-0.5, 0.0, 0.25, 0.5]>, "
                                    "per_tensor"),
                             {2}, x))
                .scale,
            std::vector<float>({6.0f}));
}

TEST_F(ReferenceTest, HalfPrecisionScales) {
  // 1/127 in f32 rounds to 2^-7 * (1 + 8/1024) in f16 and to
  // 2^-7 * (1 + 1/128) in bf16 -- the same value.
  std::vector<float> x = {1.0f, -0.5f};
  EXPECT_EQ(get(chooseParams(scheme("i8, per_tensor, scale = f16"), {2}, x))
                .scale,
            std::vector<float>({0.00787353515625f}));
  EXPECT_EQ(get(chooseParams(scheme("i8, per_tensor, scale = bf16"), {2}, x))
                .scale,
            std::vector<float>({0.00787353515625f}));
  // Scale values of f16 schemes are read as f16: 1/3 rounds to 0x3555.
  EXPECT_EQ(get(dequantize(scheme("i8, per_tensor, scale = f16"), {1},
                           std::vector<uint8_t>{3}, scales({1.0f / 3}))),
            std::vector<float>({3 * 0.333251953125f}));
}

TEST_F(ReferenceTest, ChooseParamsErrors) {
  std::vector<float> x = {1.0f, 2.0f};
  EXPECT_EQ(error(chooseParams(scheme("i8, per_tensor, clip = percentile(99.9)"),
                               {2}, x)),
            "clip = percentile needs calibration data; run-time parameter "
            "choice supports none and ratio");
  EXPECT_EQ(error(chooseParams(scheme("i8, per_tensor, clip = mse"), {2}, x)),
            "clip = mse needs calibration data; run-time parameter choice "
            "supports none and ratio");
  EXPECT_EQ(error(chooseParams(scheme("i8, per_tensor, scale = f8E8M0FNU"),
                               {2}, x)),
            "cannot choose f8E8M0FNU scales at run time outside the mx and "
            "nvfp4 families");
  EXPECT_EQ(error(chooseParams(scheme("i1, per_axis<0>"), {2}, x)),
            "parameter block [0]: a symmetric scheme needs a positive code; "
            "signed 1-bit has none");
  EXPECT_EQ(error(chooseParams(scheme("i8, per_axis<1>"), {2}, x)),
            "granularity axis 1 is out of range for data of rank 1");
}

} // namespace
