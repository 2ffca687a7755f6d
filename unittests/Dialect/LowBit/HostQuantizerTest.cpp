//===- HostQuantizerTest.cpp - the host quantizer against the oracle ------===//
//
// lowbit-quantize's host quantizer (lowbit/Dialect/LowBit/Utils) and the
// test-only oracle (lowbit/Reference) are written separately; here they must
// agree bit for bit: grid cells, chosen parameters, codes and values, on
// seeded random data with zeros, ties, outliers, infinities and NaNs, for
// every format family and granularity.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/Utils/HostQuantizer.h"
#include "lowbit/Reference/Reference.h"

#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"
#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

using namespace mlir;
using namespace mlir::lowbit;

namespace {

class HostQuantizerTest : public ::testing::Test {
protected:
  HostQuantizerTest() { context.loadDialect<LowBitDialect>(); }

  Attribute parse(StringRef text) {
    Attribute attr = parseAttribute(text, &context);
    EXPECT_TRUE(attr) << "cannot parse " << text.str();
    return attr;
  }

  MLIRContext context;
};

/// Bitwise equality of floats (NaN equals NaN of the same bits).
bool sameBits(float a, float b) {
  uint32_t x, y;
  std::memcpy(&x, &a, 4);
  std::memcpy(&y, &b, 4);
  return x == y;
}

template <typename T>
T get(llvm::Expected<T> value, const std::string &what) {
  if (!value) {
    ADD_FAILURE() << what << ": " << llvm::toString(value.takeError());
    return T();
  }
  return std::move(*value);
}

/// Data with the cases that break sloppy code: exact zeros, rounding ties
/// (halves), large outliers and, where asked, infinities and NaNs.
std::vector<float> makeData(size_t n, unsigned seed, bool nonFinite) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> pick(0, 39);
  std::vector<float> data(n);
  for (float &v : data) {
    switch (pick(rng)) {
    case 0:
      v = 0.0f;
      break;
    case 1:
      v = std::round(normal(rng) * 8.0f) + 0.5f;
      break;
    case 2:
      v = normal(rng) * 1000.0f;
      break;
    case 3:
      v = nonFinite ? std::numeric_limits<float>::infinity() : 3.0f;
      break;
    case 4:
      v = nonFinite ? std::numeric_limits<float>::quiet_NaN() : -3.0f;
      break;
    default:
      v = normal(rng);
    }
  }
  return data;
}

TEST_F(HostQuantizerTest, GridCellsAreTheOraclesRowMajorGridOffsets) {
  SmallVector<int64_t> shape = {4, 3, 6};
  const char *granularities[] = {
      "#lowbit.per_tensor",
      "#lowbit.per_axis<1>",
      "#lowbit.per_group<axis = 2, size = 2>",
      "#lowbit.per_block<[2, 3, 3]>",
      "#lowbit.per_cluster<axis = 2, sizes = [4, 2], per_slice>",
      "#lowbit.per_group<axis = 2, size = 4>",
      "#lowbit.per_cluster<axis = 2, sizes = [1, 5]>"};
  for (const char *text : granularities) {
    auto g = cast<GranularityAttrInterface>(parse(text));
    llvm::Expected<quantizer::GridMap> map =
        quantizer::GridMap::create(g, shape);
    ASSERT_TRUE(!!map) << llvm::toString(map.takeError());
    SmallVector<int64_t> grid = get(reference::getGridShape(g, shape), text);
    EXPECT_EQ(SmallVector<int64_t>(map->getGridShape()), grid) << text;
    EXPECT_EQ(map->getNumElements(), 72);
    int64_t element = 0;
    for (int64_t i = 0; i < 4; ++i)
      for (int64_t j = 0; j < 3; ++j)
        for (int64_t k = 0; k < 6; ++k, ++element) {
          SmallVector<int64_t> gi = reference::getGridIndex(g, shape, {i, j, k});
          int64_t cell = (gi[0] * grid[1] + gi[1]) * grid[2] + gi[2];
          EXPECT_EQ(map->getCell(element), cell) << text;
        }
    // The row-wise walk visits every element in order with the same cells.
    int64_t visited = 0;
    map->forEachCell([&](int64_t e, int64_t cell) {
      EXPECT_EQ(e, visited++) << text;
      EXPECT_EQ(cell, map->getCell(e)) << text;
    });
    EXPECT_EQ(visited, 72) << text;
  }
}

TEST_F(HostQuantizerTest, AgreesWithTheOracleBitForBit) {
  struct Case {
    const char *scheme;
    SmallVector<int64_t> shape;
    bool nonFinite; // the format's parameter rules accept inf/NaN data
  };
  const Case cases[] = {
      {"i8, per_axis<0>", {8, 40}, true},
      {"i8, per_tensor, rounding = nearest_away", {5, 9}, true},
      {"i4, per_group<axis = 1, size = 32>", {6, 72}, true},
      {"ui4, per_group<axis = 1, size = 16>, asymmetric", {6, 40}, true},
      {"i3, per_axis<1>, narrow", {7, 12}, true},
      {"i4, per_cluster<axis = 1, sizes = [3, 9, 4], per_slice>", {5, 16}, true},
      {"ui8, per_cluster<axis = 1, sizes = [10, 6]>, asymmetric", {5, 16}, true},
      {"i8, per_block<[2, 4]>", {6, 16}, true},
      {"i4, per_axis<0>, clip = ratio(0.75), scale = bf16", {4, 33}, true},
      {"i8, per_axis<0>, rounding = toward_zero, scale = f16", {4, 33}, true},
      {"f8E4M3FN, per_axis<0>", {4, 50}, true},
      {"f8E5M2, per_tensor", {4, 50}, true},
      {"f6E2M3FN, per_group<axis = 1, size = 8>", {4, 48}, true},
      {"f6E3M2FN, per_axis<1>", {4, 48}, true},
      {"f4E2M1FN, per_group<axis = 1, size = 32>", {4, 64}, true},
      {"nf4, per_group<axis = 1, size = 64>, scale = f16", {4, 128}, true},
      {"binary, per_axis<0>", {4, 20}, true},
      {"mxfp4, axis = 1", {4, 96}, true},
      {"mxfp6_e2m3, axis = 1", {3, 64}, true},
      {"mxfp6_e3m2, axis = 0", {64, 3}, true},
      {"mxfp8_e4m3, axis = 1", {3, 64}, true},
      {"mxfp8_e5m2, axis = 1", {3, 64}, true},
      {"mxint8, axis = 1", {3, 64}, true},
      {"nvfp4, axis = 1", {4, 64}, false},
  };
  unsigned seed = 1;
  for (const Case &c : cases) {
    auto scheme = cast<SchemeAttr>(
        parse(("#lowbit.scheme<" + llvm::Twine(c.scheme) + ">").str()));
    int64_t n = 1;
    for (int64_t d : c.shape)
      n *= d;
    for (int round = 0; round < 3; ++round, ++seed) {
      std::string what =
          std::string(c.scheme) + " (seed " + std::to_string(seed) + ")";
      std::vector<float> data = makeData(n, seed, c.nonFinite);
      quantizer::Params q =
          get(quantizer::chooseParams(scheme, c.shape, data), what);
      reference::Params r =
          get(reference::chooseParams(scheme, c.shape, data), what);
      ASSERT_EQ(q.scale.size(), r.scale.size()) << what;
      for (size_t i = 0; i < q.scale.size(); ++i)
        ASSERT_TRUE(sameBits(q.scale[i], r.scale[i]))
            << what << ": scale " << i << ": " << q.scale[i] << " vs "
            << r.scale[i];
      ASSERT_EQ(q.scaleCodes, r.scaleCodes) << what;
      ASSERT_EQ(q.zeroPoint, r.zeroPoint) << what;
      ASSERT_EQ(q.globalScale.has_value(), r.globalScale.has_value()) << what;
      if (q.globalScale)
        ASSERT_TRUE(sameBits(*q.globalScale, *r.globalScale)) << what;

      std::vector<uint8_t> qCodes =
          get(quantizer::quantize(scheme, c.shape, data, q), what);
      std::vector<uint8_t> rCodes =
          get(reference::quantize(scheme, c.shape, data, r), what);
      ASSERT_EQ(qCodes, rCodes) << what;

      std::vector<float> qValues =
          get(quantizer::dequantize(scheme, c.shape, qCodes, q), what);
      std::vector<float> rValues =
          get(reference::dequantize(scheme, c.shape, rCodes, r), what);
      ASSERT_EQ(qValues.size(), rValues.size()) << what;
      for (size_t i = 0; i < qValues.size(); ++i)
        ASSERT_TRUE(sameBits(qValues[i], rValues[i]))
            << what << ": value " << i << ": " << qValues[i] << " vs "
            << rValues[i];
    }
  }
}

} // namespace
