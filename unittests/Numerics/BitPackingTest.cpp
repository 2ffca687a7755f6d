//===- BitPackingTest.cpp - sub-byte code packing -------------------------===//

#include "lowbit/Numerics/BitPacking.h"

#include "Oracle.h"

#include "gtest/gtest.h"

#include <vector>

using namespace lowbit::numerics;
using namespace lowbit::numerics::oracle;

namespace {

/// The documented layout spelled out bit by bit: bit j of code i of a row is
/// stream bit i * bits + j, stream bit k is bit k % 8 of the row's byte k / 8.
std::vector<uint8_t> packBitByBit(const std::vector<uint8_t> &codes,
                                  size_t rowLength, unsigned bits) {
  size_t rowBytes = (rowLength * bits + 7) / 8;
  size_t numRows = codes.size() / rowLength;
  std::vector<uint8_t> bytes(numRows * rowBytes, 0);
  for (size_t row = 0; row < numRows; ++row)
    for (size_t i = 0; i < rowLength; ++i)
      for (unsigned j = 0; j < bits; ++j)
        if ((codes[row * rowLength + i] >> j) & 1) {
          size_t k = i * bits + j;
          bytes[row * rowBytes + k / 8] |= uint8_t(1u << (k % 8));
        }
  return bytes;
}

TEST(BitPackingTest, WorkedExamples) {
  // From docs/numerics.md. 4-bit: two codes per byte, first code low.
  Result<std::vector<uint8_t>> four = pack({0x1, 0x2, 0x3}, 3, 4);
  ASSERT_TRUE(four.ok());
  EXPECT_EQ(*four, (std::vector<uint8_t>{0x21, 0x03}));
  // 3-bit: 5 (101), 3 (011), 7 (111) -> stream 101 110 111 (LSB first)
  // -> byte 0 = 0b11011101, byte 1 = 0b00000001.
  Result<std::vector<uint8_t>> three = pack({5, 3, 7}, 3, 3);
  ASSERT_TRUE(three.ok());
  EXPECT_EQ(*three, (std::vector<uint8_t>{0xDD, 0x01}));
  // Rows start on byte boundaries: two rows of three 3-bit codes.
  Result<std::vector<uint8_t>> rows = pack({5, 3, 7, 5, 3, 7}, 3, 3);
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, (std::vector<uint8_t>{0xDD, 0x01, 0xDD, 0x01}));
  // 1-bit: eight codes per byte, first code in bit 0.
  Result<std::vector<uint8_t>> one = pack({1, 0, 0, 0, 0, 0, 0, 1, 1}, 9, 1);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, (std::vector<uint8_t>{0x81, 0x01}));
}

TEST(BitPackingTest, RoundTripsForEveryWidthAndOddRows) {
  Random random(31);
  for (unsigned bits = 1; bits <= 8; ++bits) {
    for (size_t rowLength : {1, 2, 3, 5, 7, 8, 9, 13, 31, 33, 64, 127}) {
      for (size_t numRows : {1, 2, 5}) {
        std::vector<uint8_t> codes(rowLength * numRows);
        for (uint8_t &code : codes)
          code = uint8_t(random.next() & ((1u << bits) - 1));
        Result<std::vector<uint8_t>> packed = pack(codes, rowLength, bits);
        ASSERT_TRUE(packed.ok()) << packed.getError();
        EXPECT_EQ(packed->size(), numRows * getPackedRowBytes(rowLength, bits));
        EXPECT_EQ(getPackedRowBytes(rowLength, bits),
                  (rowLength * bits + 7) / 8);
        ASSERT_EQ(*packed, packBitByBit(codes, rowLength, bits))
            << "bits " << bits << " row " << rowLength;
        Result<std::vector<uint8_t>> unpacked =
            unpack(*packed, rowLength, numRows, bits);
        ASSERT_TRUE(unpacked.ok()) << unpacked.getError();
        ASSERT_EQ(*unpacked, codes) << "bits " << bits << " row " << rowLength;
      }
    }
  }
}

TEST(BitPackingTest, TailBitsAreZeroAndIgnored) {
  for (unsigned bits = 1; bits <= 7; ++bits) {
    size_t rowLength = 5;
    std::vector<uint8_t> codes(rowLength * 2, uint8_t((1u << bits) - 1));
    std::vector<uint8_t> packed = *pack(codes, rowLength, bits);
    size_t rowBytes = getPackedRowBytes(rowLength, bits);
    unsigned usedBits = (rowLength * bits) % 8;
    if (usedBits == 0)
      continue;
    for (size_t row = 0; row < 2; ++row) {
      uint8_t &last = packed[row * rowBytes + rowBytes - 1];
      EXPECT_EQ(last >> usedBits, 0) << "bits " << bits;
      last |= uint8_t(0xFF << usedBits); // Garbage in the padding.
    }
    EXPECT_EQ(*unpack(packed, rowLength, 2, bits), codes);
  }
}

TEST(BitPackingTest, RejectsBadArguments) {
  EXPECT_FALSE(pack({1, 2}, 2, 0).ok());
  EXPECT_FALSE(pack({1, 2}, 2, 9).ok());
  EXPECT_FALSE(pack({1, 2}, 0, 4).ok());
  EXPECT_FALSE(pack({1, 2, 3}, 2, 4).ok());
  Result<std::vector<uint8_t>> tooWide = pack({1, 16}, 2, 4);
  EXPECT_FALSE(tooWide.ok());
  EXPECT_NE(tooWide.getError().find("index 1"), std::string::npos);
  EXPECT_FALSE(unpack({0x21}, 3, 1, 4).ok());
  EXPECT_FALSE(unpack({0x21, 0x03, 0x00}, 3, 1, 4).ok());
  EXPECT_FALSE(unpack({0x21, 0x03}, 3, 1, 0).ok());
  EXPECT_TRUE(pack({}, 4, 4).ok());
}

} // namespace
