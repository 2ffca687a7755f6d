//===- NpyTest.cpp - .npy/.npz reader and writer --------------------------===//

#include "lowbit/Runner/Npy.h"

#include "gtest/gtest.h"

#include <zlib.h>

#include <cstring>
#include <string>
#include <vector>

using namespace mlir::lowbit::npy;

namespace {

std::vector<uint8_t> bytesOf(const std::string &s) {
  return std::vector<uint8_t>(s.begin(), s.end());
}

/// A .npy file with the given raw header text (padded with spaces and a
/// newline, as numpy does) and data.
std::vector<uint8_t> makeNpy(const std::string &dict, const std::string &data,
                             int major = 1) {
  std::string header = dict;
  size_t preamble = major == 1 ? 10 : 12;
  while ((preamble + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::string file = "\x93NUMPY";
  file += char(major);
  file += char(0);
  uint32_t len = header.size();
  file += char(len & 0xff);
  file += char((len >> 8) & 0xff);
  if (major != 1) {
    file += char((len >> 16) & 0xff);
    file += char((len >> 24) & 0xff);
  }
  return bytesOf(file + header + data);
}

std::string errorOf(llvm::Error err) { return llvm::toString(std::move(err)); }

template <typename T>
std::string errorOf(llvm::Expected<T> value) {
  if (value)
    return "<no error>";
  return llvm::toString(value.takeError());
}

//===----------------------------------------------------------------------===//
// DType
//===----------------------------------------------------------------------===//

TEST(NpyDType, ParsesNumpyDescrs) {
  struct Case {
    const char *descr;
    DType::Kind kind;
    unsigned size;
    const char *str;
  } cases[] = {
      {"<f4", DType::Float, 4, "<f4"}, {"<f2", DType::Float, 2, "<f2"},
      {"<f8", DType::Float, 8, "<f8"}, {"|b1", DType::Bool, 1, "|b1"},
      {"|i1", DType::Int, 1, "|i1"},   {"|u1", DType::UInt, 1, "|u1"},
      {"<i8", DType::Int, 8, "<i8"},   {"=i4", DType::Int, 4, "<i4"},
      {"<u2", DType::UInt, 2, "<u2"},  {"<V2", DType::Void, 2, "<V2"},
      {"|V2", DType::Void, 2, "<V2"},  {">i1", DType::Int, 1, "|i1"},
      {"f4", DType::Float, 4, "<f4"},
  };
  for (const Case &c : cases) {
    auto dtype = DType::parse(c.descr);
    ASSERT_TRUE(bool(dtype)) << c.descr << ": " << errorOf(dtype.takeError());
    EXPECT_EQ(dtype->kind, c.kind) << c.descr;
    EXPECT_EQ(dtype->size, c.size) << c.descr;
    EXPECT_EQ(dtype->str(), c.str) << c.descr;
  }
}

TEST(NpyDType, RejectsUnsupportedDescrs) {
  EXPECT_EQ(errorOf(DType::parse(">f4")),
            "unsupported dtype '>f4': big-endian data is not supported (use a "
            "little-endian array, e.g. arr.astype(arr.dtype.newbyteorder('<')))");
  EXPECT_EQ(errorOf(DType::parse("<c8")),
            "unsupported dtype '<c8': kind 'c' is not one of b, i, u, f, V");
  EXPECT_EQ(errorOf(DType::parse("<f3")),
            "unsupported dtype '<f3': floats must be 2, 4 or 8 bytes");
  EXPECT_EQ(errorOf(DType::parse("|b2")),
            "unsupported dtype '|b2': bool must be 1 byte");
  EXPECT_EQ(errorOf(DType::parse("<i3")),
            "unsupported dtype '<i3': integers must be 1, 2, 4 or 8 bytes");
  EXPECT_NE(errorOf(DType::parse("|O")), "<no error>");
  EXPECT_NE(errorOf(DType::parse("<U10x")), "<no error>");
  EXPECT_NE(errorOf(DType::parse("")), "<no error>");
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

TEST(Npy, WritesNumpysFormat) {
  Array array;
  array.dtype = {DType::Float, 4};
  array.shape = {2, 3};
  array.data.assign(24, 0);
  std::vector<uint8_t> bytes = serializeNpy(array);
  // numpy 1.24's np.save of np.zeros((2, 3), np.float32), byte for byte.
  std::vector<uint8_t> expected = makeNpy(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
      std::string(24, '\0'));
  EXPECT_EQ(bytes, expected);
  EXPECT_EQ((bytes.size() - 24) % 64, 0u);
}

TEST(Npy, ShapeStrings) {
  Array array;
  EXPECT_EQ(array.shapeStr(), "()");
  array.shape = {5};
  EXPECT_EQ(array.shapeStr(), "(5,)");
  array.shape = {2, 0, 3};
  EXPECT_EQ(array.shapeStr(), "(2, 0, 3)");
  EXPECT_EQ(array.numElements(), 0);
}

TEST(Npy, RoundTripsEveryDTypeAndRank) {
  const DType dtypes[] = {{DType::Float, 4}, {DType::Float, 2},
                          {DType::Float, 8}, {DType::Bool, 1},
                          {DType::Int, 1},   {DType::UInt, 1},
                          {DType::Int, 2},   {DType::UInt, 2},
                          {DType::Int, 4},   {DType::Int, 8},
                          {DType::Void, 2}};
  const std::vector<int64_t> shapes[] = {{}, {0}, {7}, {2, 3, 4}, {1, 0, 5}};
  for (const DType &dtype : dtypes) {
    for (const std::vector<int64_t> &shape : shapes) {
      Array array;
      array.dtype = dtype;
      array.shape = shape;
      array.data.resize(array.numElements() * dtype.size);
      for (size_t i = 0; i < array.data.size(); ++i)
        array.data[i] = dtype.kind == DType::Bool ? i % 2 : uint8_t(i * 37);
      auto parsed = parseNpy(serializeNpy(array), "t.npy");
      ASSERT_TRUE(bool(parsed)) << errorOf(parsed.takeError());
      EXPECT_EQ(parsed->dtype, dtype);
      EXPECT_EQ(parsed->shape, shape);
      EXPECT_EQ(parsed->data, array.data);
    }
  }
}

TEST(Npy, ReadsHeaderVariants) {
  // Version 2.0 (4-byte header length), double quotes, no trailing comma,
  // Python 2 long literals, keys in another order.
  auto v2 = parseNpy(makeNpy("{\"shape\": (3L,), \"fortran_order\": False, "
                             "\"descr\": \"<i2\"}",
                             std::string(6, '\1'), /*major=*/2),
                     "v2.npy");
  ASSERT_TRUE(bool(v2)) << errorOf(v2.takeError());
  EXPECT_EQ(v2->shape, std::vector<int64_t>{3});
  EXPECT_EQ(v2->dtype, (DType{DType::Int, 2}));

  // Version 3.0 reads like 2.0; a rank-0 array; Fortran order of a 1-D
  // array is the same layout as C order.
  auto scalar = parseNpy(makeNpy("{'descr': '<f8', 'fortran_order': True, "
                                 "'shape': (), }",
                                 std::string(8, '\0'), /*major=*/3),
                         "s.npy");
  ASSERT_TRUE(bool(scalar)) << errorOf(scalar.takeError());
  EXPECT_TRUE(scalar->shape.empty());
  EXPECT_EQ(scalar->data.size(), 8u);
}

TEST(Npy, NormalizesBools) {
  auto parsed =
      parseNpy(makeNpy("{'descr': '|b1', 'fortran_order': False, "
                       "'shape': (3,), }",
                       std::string("\0\1\7", 3)),
               "b.npy");
  ASSERT_TRUE(bool(parsed));
  EXPECT_EQ(parsed->data, (std::vector<uint8_t>{0, 1, 1}));
}

TEST(Npy, ReportsMalformedFiles) {
  const std::string dict =
      "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
  std::vector<uint8_t> good = makeNpy(dict, std::string(24, 'x'));

  std::vector<uint8_t> truncated(good.begin(), good.end() - 1);
  EXPECT_EQ(errorOf(parseNpy(truncated, "a.npy")),
            "a.npy: truncated .npy data: shape (2, 3) of '<f4' needs 24 "
            "bytes, the file has 23");
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  EXPECT_EQ(errorOf(parseNpy(longer, "a.npy")),
            "a.npy: malformed .npy file: 1 bytes after the data of shape "
            "(2, 3) of '<f4'");
  EXPECT_EQ(errorOf(parseNpy(std::vector<uint8_t>(good.begin(),
                                                  good.begin() + 20),
                             "a.npy")),
            "a.npy: truncated .npy header: it declares 118 bytes, the file "
            "has 10 after the preamble");
  EXPECT_EQ(errorOf(parseNpy(std::vector<uint8_t>(good.begin(),
                                                  good.begin() + 4),
                             "a.npy")),
            "a.npy: truncated .npy header (4 bytes)");
  EXPECT_EQ(errorOf(parseNpy({}, "a.npy")),
            "a.npy: truncated .npy header (0 bytes)");
  EXPECT_EQ(errorOf(parseNpy(bytesOf("hello, world"), "a.npy")),
            "a.npy: not a .npy file (bad magic string)");

  auto headerError = [](const std::string &dict) {
    return errorOf(parseNpy(makeNpy(dict, ""), "h.npy"));
  };
  EXPECT_EQ(headerError("{'descr': '<f4', 'fortran_order': True, "
                        "'shape': (2, 3), }"),
            "h.npy: Fortran-order arrays are not supported (save a C-order "
            "array, e.g. np.ascontiguousarray(a))");
  EXPECT_EQ(headerError("{'descr': '<f4', 'fortran_order': False}"),
            "h.npy: malformed .npy header: header has no 'shape'");
  EXPECT_EQ(headerError("{'descr': '<f4', 'shape': (0,)}"),
            "h.npy: malformed .npy header: header has no 'fortran_order'");
  EXPECT_EQ(headerError("{'fortran_order': False, 'shape': (0,)}"),
            "h.npy: malformed .npy header: header has no 'descr'");
  EXPECT_EQ(headerError("{'descr': [('a', '<f4')], 'fortran_order': False, "
                        "'shape': (0,)}"),
            "h.npy: malformed .npy header: structured dtypes (a list "
            "'descr') are not supported");
  EXPECT_EQ(headerError("{'descr': '<f4', 'fortran_order': 0, 'shape': ()}"),
            "h.npy: malformed .npy header: 'fortran_order' is not True or "
            "False");
  EXPECT_EQ(headerError("{'descr': '<f4', 'fortran_order': False, "
                        "'shape': [2]}"),
            "h.npy: malformed .npy header: 'shape' is not a tuple");
  EXPECT_EQ(headerError("{'descr': '<f4', 'fortran_order': False, "
                        "'shape': (2, x)}"),
            "h.npy: malformed .npy header: 'shape' must be a tuple of "
            "non-negative integers");
  EXPECT_EQ(headerError("{'descr': '<f4', 'fortran_order': False, "
                        "'shape': (99999999999999999999,)}"),
            "h.npy: malformed .npy header: 'shape' dimension "
            "99999999999999999999 is too large");
  EXPECT_EQ(headerError("{'descr': '<f4', 'fortran_order': False, "
                        "'shape': (4294967296, 4294967296)}"),
            "h.npy: shape (4294967296, 4294967296) is too large");
  EXPECT_EQ(headerError("{'descr': '<f4', 'fortran_order': False, "
                        "'shape': (), 'extra': 1}"),
            "h.npy: malformed .npy header: unexpected key 'extra' in the "
            "header");
  // Bytes from the file are escaped so that messages stay one printable line.
  EXPECT_EQ(headerError("{'sh\nape\x01': (), }"),
            "h.npy: malformed .npy header: unexpected key 'sh\\0Aape\\01' in "
            "the header");
  EXPECT_EQ(headerError("{'descr': '<\x7f" "4', 'fortran_order': False, "
                        "'shape': ()}"),
            "h.npy: unsupported dtype '<\\7F4': kind '\\7F' is not one of b, "
            "i, u, f, V");
  EXPECT_EQ(headerError("{'descr': '<f4' 'fortran_order': False}"),
            "h.npy: malformed .npy header: expected ',' or '}' in the header "
            "dict");
  EXPECT_EQ(headerError("{'descr': '<f4', 'fortran_order': False, "
                        "'shape': ()} trailing"),
            "h.npy: malformed .npy header: unexpected text after the header "
            "dict");
  EXPECT_EQ(headerError("{'descr': '<f4"),
            "h.npy: malformed .npy header: 'descr' is not a string");
  EXPECT_EQ(headerError("{'descr': '>f8', 'fortran_order': False, "
                        "'shape': ()}"),
            "h.npy: unsupported dtype '>f8': big-endian data is not "
            "supported (use a little-endian array, e.g. "
            "arr.astype(arr.dtype.newbyteorder('<')))");

  std::vector<uint8_t> noNewline = good;
  noNewline[good.size() - 25] = ' ';
  EXPECT_EQ(errorOf(parseNpy(noNewline, "a.npy")),
            "a.npy: malformed .npy header: it does not end in a newline");
  std::vector<uint8_t> version = good;
  version[6] = 4;
  EXPECT_EQ(errorOf(parseNpy(version, "a.npy")),
            "a.npy: unsupported .npy format version 4.0");
}

TEST(Npy, MissingFile) {
  std::string err = errorOf(readNpyFile("/nonexistent/x.npy"));
  EXPECT_EQ(err.rfind("/nonexistent/x.npy: cannot open file: ", 0), 0u)
      << err;
}

//===----------------------------------------------------------------------===//
// ZIP and .npz
//===----------------------------------------------------------------------===//

void put16(std::vector<uint8_t> &out, uint16_t v) {
  out.push_back(v & 0xff);
  out.push_back(v >> 8);
}
void put32(std::vector<uint8_t> &out, uint32_t v) {
  put16(out, v & 0xffff);
  put16(out, v >> 16);
}
void put64(std::vector<uint8_t> &out, uint64_t v) {
  put32(out, v & 0xffffffff);
  put32(out, v >> 32);
}

struct ZipMember {
  std::string name;
  std::vector<uint8_t> data;
  bool deflate = false;
  /// Write sizes as 0xffffffff with a ZIP64 extra field, as Python's zipfile
  /// does in local headers when numpy forces ZIP64.
  bool zip64 = false;
};

/// Builds a ZIP archive the way Python's zipfile lays it out.
std::vector<uint8_t> makeZip(const std::vector<ZipMember> &members) {
  std::vector<uint8_t> out, central;
  for (const ZipMember &m : members) {
    std::vector<uint8_t> payload = m.data;
    if (m.deflate) {
      z_stream strm;
      std::memset(&strm, 0, sizeof(strm));
      deflateInit2(&strm, 6, Z_DEFLATED, -MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
      payload.resize(deflateBound(&strm, m.data.size()));
      strm.next_in = const_cast<Bytef *>(m.data.data());
      strm.avail_in = m.data.size();
      strm.next_out = payload.data();
      strm.avail_out = payload.size();
      EXPECT_EQ(deflate(&strm, Z_FINISH), Z_STREAM_END);
      payload.resize(strm.total_out);
      deflateEnd(&strm);
    }
    uint32_t crc = crc32(0, m.data.data(), m.data.size());
    uint32_t offset = out.size();
    std::vector<uint8_t> extra;
    if (m.zip64) {
      put16(extra, 1);
      put16(extra, 16);
      put64(extra, m.data.size());
      put64(extra, payload.size());
    }
    // Local header.
    put32(out, 0x04034b50);
    put16(out, m.zip64 ? 45 : 20);
    put16(out, 0);
    put16(out, m.deflate ? 8 : 0);
    put32(out, 0);
    put32(out, crc);
    put32(out, m.zip64 ? 0xffffffff : payload.size());
    put32(out, m.zip64 ? 0xffffffff : m.data.size());
    put16(out, m.name.size());
    put16(out, extra.size());
    out.insert(out.end(), m.name.begin(), m.name.end());
    out.insert(out.end(), extra.begin(), extra.end());
    out.insert(out.end(), payload.begin(), payload.end());
    // Central directory entry (real sizes, or ZIP64 for the offset).
    std::vector<uint8_t> cextra;
    if (m.zip64) {
      put16(cextra, 1);
      put16(cextra, 24);
      put64(cextra, m.data.size());
      put64(cextra, payload.size());
      put64(cextra, offset);
    }
    put32(central, 0x02014b50);
    put16(central, 20);
    put16(central, 20);
    put16(central, 0);
    put16(central, m.deflate ? 8 : 0);
    put32(central, 0);
    put32(central, crc);
    put32(central, m.zip64 ? 0xffffffff : payload.size());
    put32(central, m.zip64 ? 0xffffffff : m.data.size());
    put16(central, m.name.size());
    put16(central, cextra.size());
    put16(central, 0);
    put16(central, 0);
    put16(central, 0);
    put32(central, 0);
    put32(central, m.zip64 ? 0xffffffff : offset);
    central.insert(central.end(), m.name.begin(), m.name.end());
    central.insert(central.end(), cextra.begin(), cextra.end());
  }
  uint32_t cdOffset = out.size();
  out.insert(out.end(), central.begin(), central.end());
  put32(out, 0x06054b50);
  put16(out, 0);
  put16(out, 0);
  put16(out, members.size());
  put16(out, members.size());
  put32(out, central.size());
  put32(out, cdOffset);
  put16(out, 0);
  return out;
}

Array iota(int64_t n) {
  Array array;
  array.dtype = {DType::Int, 4};
  array.shape = {n};
  for (int32_t i = 0; i < n; ++i)
    for (int b = 0; b < 4; ++b)
      array.data.push_back((i >> (8 * b)) & 0xff);
  return array;
}

TEST(Npz, ReadsStoredDeflatedAndZip64Members) {
  std::vector<uint8_t> zip = makeZip({
      {"x.npy", serializeNpy(iota(3)), /*deflate=*/false, /*zip64=*/false},
      {"y.npy", serializeNpy(iota(1000)), /*deflate=*/true, /*zip64=*/false},
      {"z.npy", serializeNpy(iota(5)), /*deflate=*/true, /*zip64=*/true},
  });
  auto members = parseNpz(zip, "a.npz");
  ASSERT_TRUE(bool(members)) << errorOf(members.takeError());
  ASSERT_EQ(members->size(), 3u);
  EXPECT_EQ((*members)[0].name, "x");
  EXPECT_EQ((*members)[0].array.data, iota(3).data);
  EXPECT_EQ((*members)[1].name, "y");
  EXPECT_EQ((*members)[1].array.shape, std::vector<int64_t>{1000});
  EXPECT_EQ((*members)[1].array.data, iota(1000).data);
  EXPECT_EQ((*members)[2].name, "z");
  EXPECT_EQ((*members)[2].array.data, iota(5).data);
}

TEST(Npz, EmptyArchive) {
  auto members = parseNpz(makeZip({}), "empty.npz");
  ASSERT_TRUE(bool(members));
  EXPECT_TRUE(members->empty());
}

TEST(Npz, ReportsMalformedArchives) {
  std::vector<uint8_t> zip =
      makeZip({{"x.npy", serializeNpy(iota(64)), /*deflate=*/true}});

  std::vector<uint8_t> truncated(zip.begin(), zip.end() - 10);
  EXPECT_EQ(errorOf(parseNpz(truncated, "a.npz")),
            "a.npz: not a zip archive (no end of central directory record; "
            "truncated?)");
  EXPECT_EQ(errorOf(parseNpz(bytesOf("PK"), "a.npz")),
            "a.npz: not a zip archive (too short)");

  // Flip a bit of the compressed payload (it starts after the 30-byte local
  // header and the 5-byte name).
  std::vector<uint8_t> corrupt = zip;
  corrupt[30 + 5 + 20] ^= 0x10;
  std::string err = errorOf(parseNpz(corrupt, "a.npz"));
  EXPECT_TRUE(err == "a.npz: corrupt deflate data in member 'x.npy'" ||
              err == "a.npz: CRC mismatch in member 'x.npy' (corrupt archive)")
      << err;

  std::vector<uint8_t> badCrc =
      makeZip({{"x.npy", serializeNpy(iota(4)), /*deflate=*/false}});
  badCrc[30 + 5 + 100] ^= 1;
  EXPECT_EQ(errorOf(parseNpz(badCrc, "a.npz")),
            "a.npz: CRC mismatch in member 'x.npy' (corrupt archive)");

  EXPECT_EQ(errorOf(parseNpz(makeZip({{"notes.txt", bytesOf("hi")}}),
                             "a.npz")),
            "a.npz: member 'notes.txt' is not a .npy file");
  EXPECT_EQ(errorOf(parseNpz(makeZip({{"x.npy", bytesOf("garbage")}}),
                             "a.npz")),
            "a.npz:x.npy: not a .npy file (bad magic string)");

  // Unsupported compression method (bzip2 = 12) in the central directory.
  std::vector<uint8_t> bzip = makeZip({{"x.npy", bytesOf("abc")}});
  size_t cd = bzip.size() - 22 - (46 + 5);
  bzip[cd + 10] = 12;
  EXPECT_EQ(errorOf(parseNpz(bzip, "a.npz")),
            "a.npz: member 'x.npy' uses unsupported compression method 12 "
            "(only stored and deflate)");

  // A central directory that points past the end of the file.
  std::vector<uint8_t> badOffset = makeZip({{"x.npy", bytesOf("abc")}});
  badOffset[badOffset.size() - 6] = 0xff;
  EXPECT_EQ(errorOf(parseNpz(badOffset, "a.npz")),
            "a.npz: malformed zip archive (central directory out of bounds; "
            "truncated?)");
}

//===----------------------------------------------------------------------===//
// Argument order
//===----------------------------------------------------------------------===//

std::vector<std::string> sortedNames(std::vector<std::string> names) {
  std::vector<NpzMember> members;
  for (std::string &name : names)
    members.push_back({name, Array()});
  sortNpzMembersAsArguments(members);
  std::vector<std::string> result;
  for (NpzMember &m : members)
    result.push_back(m.name);
  return result;
}

TEST(Npz, OrdersMembersAsArguments) {
  using V = std::vector<std::string>;
  EXPECT_EQ(sortedNames({"arg1", "arg0"}), (V{"arg0", "arg1"}));
  EXPECT_EQ(sortedNames({"arr_2", "arr_10", "arr_0", "arr_1", "arr_3",
                         "arr_4", "arr_5", "arr_6", "arr_7", "arr_8",
                         "arr_9"}),
            (V{"arr_0", "arr_1", "arr_2", "arr_3", "arr_4", "arr_5", "arr_6",
               "arr_7", "arr_8", "arr_9", "arr_10"}));
  // Anything else keeps the archive order.
  EXPECT_EQ(sortedNames({"w", "b"}), (V{"w", "b"}));
  EXPECT_EQ(sortedNames({"arg1", "arr_0"}), (V{"arg1", "arr_0"}));
  EXPECT_EQ(sortedNames({"arg2", "arg0"}), (V{"arg2", "arg0"}));
  EXPECT_EQ(sortedNames({"arg1", "arg1"}), (V{"arg1", "arg1"}));
  EXPECT_EQ(sortedNames({"arg01", "arg0"}), (V{"arg01", "arg0"}));
  EXPECT_EQ(sortedNames({"arg", "arg0"}), (V{"arg", "arg0"}));
  EXPECT_EQ(sortedNames({}), V{});
}

} // namespace
