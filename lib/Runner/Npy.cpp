//===- Npy.cpp - NumPy .npy/.npz reading and writing ----------------------===//

#include "lowbit/Runner/Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

using namespace mlir::lowbit::npy;
using llvm::ArrayRef;
using llvm::Error;
using llvm::Expected;
using llvm::StringRef;

namespace {

template <typename... Ts>
Error makeError(StringRef name, const char *fmt, Ts &&...vals) {
  std::string msg;
  llvm::raw_string_ostream os(msg);
  os << name << ": " << llvm::formatv(fmt, std::forward<Ts>(vals)...);
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// `text` with non-printable bytes, quotes and backslashes escaped (\XX), so
/// that messages quoting file contents stay one printable line.
std::string escaped(StringRef text) {
  std::string out;
  llvm::raw_string_ostream os(out);
  llvm::printEscapedString(text, os);
  return out;
}

uint16_t readU16(const uint8_t *p) { return uint16_t(p[0] | (p[1] << 8)); }
uint32_t readU32(const uint8_t *p) {
  return uint32_t(p[0]) | (uint32_t(p[1]) << 8) | (uint32_t(p[2]) << 16) |
         (uint32_t(p[3]) << 24);
}
uint64_t readU64(const uint8_t *p) {
  return uint64_t(readU32(p)) | (uint64_t(readU32(p + 4)) << 32);
}

Expected<std::vector<uint8_t>> readWholeFile(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError(path, "cannot open file: {0}",
                     buffer.getError().message());
  StringRef contents = (*buffer)->getBuffer();
  return std::vector<uint8_t>(contents.begin(), contents.end());
}

//===----------------------------------------------------------------------===//
// The .npy header: a Python dict literal.
//===----------------------------------------------------------------------===//

/// A tiny tokenizer/parser for the subset of Python literals that numpy
/// writes in .npy headers.
class HeaderParser {
public:
  HeaderParser(StringRef text) : text(text) {}

  /// Parses the dict; fills descr/fortran/shape. Returns an error message
  /// (without the file name) or an empty string.
  std::string parse(std::string &descr, bool &fortran,
                    std::vector<int64_t> &shape) {
    bool haveDescr = false, haveFortran = false, haveShape = false;
    skipSpace();
    if (!consume('{'))
      return "header is not a Python dict";
    while (true) {
      skipSpace();
      if (consume('}'))
        break;
      std::string key;
      if (!parseString(key))
        return "expected a quoted key in the header dict";
      skipSpace();
      if (!consume(':'))
        return "expected ':' after key '" + escaped(key) + "' in the header";
      skipSpace();
      if (key == "descr") {
        if (peek() == '[')
          return "structured dtypes (a list 'descr') are not supported";
        if (!parseString(descr))
          return "'descr' is not a string";
        haveDescr = true;
      } else if (key == "fortran_order") {
        if (consumeWord("True"))
          fortran = true;
        else if (consumeWord("False"))
          fortran = false;
        else
          return "'fortran_order' is not True or False";
        haveFortran = true;
      } else if (key == "shape") {
        if (std::string err = parseShape(shape); !err.empty())
          return err;
        haveShape = true;
      } else {
        return "unexpected key '" + escaped(key) + "' in the header";
      }
      skipSpace();
      if (consume(','))
        continue;
      skipSpace();
      if (consume('}'))
        break;
      return "expected ',' or '}' in the header dict";
    }
    skipSpace();
    if (pos != text.size())
      return "unexpected text after the header dict";
    if (!haveDescr)
      return "header has no 'descr'";
    if (!haveFortran)
      return "header has no 'fortran_order'";
    if (!haveShape)
      return "header has no 'shape'";
    return "";
  }

private:
  char peek() const { return pos < text.size() ? text[pos] : '\0'; }
  bool consume(char c) {
    if (peek() != c)
      return false;
    ++pos;
    return true;
  }
  bool consumeWord(StringRef word) {
    if (!text.substr(pos).starts_with(word))
      return false;
    size_t end = pos + word.size();
    if (end < text.size() && (llvm::isAlnum(text[end]) || text[end] == '_'))
      return false;
    pos = end;
    return true;
  }
  void skipSpace() {
    while (pos < text.size() &&
           (text[pos] == ' ' || text[pos] == '\t' || text[pos] == '\n' ||
            text[pos] == '\r'))
      ++pos;
  }
  bool parseString(std::string &out) {
    char quote = peek();
    if (quote != '\'' && quote != '"')
      return false;
    size_t end = text.find(quote, pos + 1);
    if (end == StringRef::npos)
      return false;
    out = text.substr(pos + 1, end - pos - 1).str();
    if (out.find('\\') != std::string::npos)
      return false;
    pos = end + 1;
    return true;
  }
  std::string parseShape(std::vector<int64_t> &shape) {
    shape.clear();
    if (!consume('('))
      return "'shape' is not a tuple";
    skipSpace();
    if (consume(')'))
      return "";
    while (true) {
      skipSpace();
      size_t start = pos;
      while (pos < text.size() && llvm::isDigit(text[pos]))
        ++pos;
      StringRef digits = text.slice(start, pos);
      if (digits.empty())
        return "'shape' must be a tuple of non-negative integers";
      int64_t dim;
      if (digits.getAsInteger(10, dim))
        return "'shape' dimension " + digits.str() + " is too large";
      consume('L'); // Python 2 long literals.
      shape.push_back(dim);
      skipSpace();
      if (consume(')'))
        return "";
      if (!consume(','))
        return "'shape' must be a tuple of non-negative integers";
      skipSpace();
      if (consume(')'))
        return "";
    }
  }

  StringRef text;
  size_t pos = 0;
};

constexpr uint8_t kMagic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

} // namespace

//===----------------------------------------------------------------------===//
// DType and Array
//===----------------------------------------------------------------------===//

std::string DType::str() const {
  std::string s;
  s += size == 1 ? '|' : '<';
  s += char(kind);
  s += std::to_string(size);
  return s;
}

Expected<DType> DType::parse(StringRef descr) {
  auto fail = [&](const llvm::Twine &why) -> Error {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "unsupported dtype '" + escaped(descr) +
                                       "': " + why);
  };
  StringRef rest = descr;
  char order = '=';
  if (!rest.empty() && StringRef("<>|=").contains(rest.front())) {
    order = rest.front();
    rest = rest.drop_front();
  }
  if (rest.empty())
    return fail("empty type");
  char kind = rest.front();
  rest = rest.drop_front();
  unsigned size;
  if (rest.getAsInteger(10, size) || size == 0)
    return fail("expected a kind letter followed by a size in bytes");
  DType dtype;
  switch (kind) {
  case 'b':
    if (size != 1)
      return fail("bool must be 1 byte");
    dtype.kind = Bool;
    break;
  case 'i':
  case 'u':
    if (size != 1 && size != 2 && size != 4 && size != 8)
      return fail("integers must be 1, 2, 4 or 8 bytes");
    dtype.kind = kind == 'i' ? Int : UInt;
    break;
  case 'f':
    if (size != 2 && size != 4 && size != 8)
      return fail("floats must be 2, 4 or 8 bytes");
    dtype.kind = Float;
    break;
  case 'V':
    dtype.kind = Void;
    break;
  default:
    return fail("kind '" + escaped(StringRef(&kind, 1)) +
                "' is not one of b, i, u, f, V");
  }
  dtype.size = size;
  // Byte order matters for multi-byte items only; this host is little-endian.
  if (order == '>' && size > 1 && dtype.kind != Void)
    return fail("big-endian data is not supported (use a little-endian "
                "array, e.g. arr.astype(arr.dtype.newbyteorder('<')))");
  return dtype;
}

int64_t Array::numElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string Array::shapeStr() const {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

//===----------------------------------------------------------------------===//
// .npy
//===----------------------------------------------------------------------===//

Expected<Array> mlir::lowbit::npy::parseNpy(ArrayRef<uint8_t> bytes,
                                            StringRef name) {
  if (bytes.size() < 8 || std::memcmp(bytes.data(), kMagic, 6) != 0) {
    if (bytes.size() < 8 &&
        std::memcmp(bytes.data(), kMagic, std::min<size_t>(bytes.size(), 6)) ==
            0)
      return makeError(name, "truncated .npy header ({0} bytes)",
                       bytes.size());
    return makeError(name, "not a .npy file (bad magic string)");
  }
  unsigned major = bytes[6], minor = bytes[7];
  size_t lenBytes;
  if (major == 1)
    lenBytes = 2;
  else if (major == 2 || major == 3)
    lenBytes = 4;
  else
    return makeError(name, "unsupported .npy format version {0}.{1}", major,
                     minor);
  if (bytes.size() < 8 + lenBytes)
    return makeError(name, "truncated .npy header ({0} bytes)", bytes.size());
  uint64_t headerLen =
      lenBytes == 2 ? readU16(&bytes[8]) : readU32(&bytes[8]);
  size_t dataStart = 8 + lenBytes + headerLen;
  if (bytes.size() < dataStart)
    return makeError(name,
                     "truncated .npy header: it declares {0} bytes, the file "
                     "has {1} after the preamble",
                     headerLen, bytes.size() - 8 - lenBytes);
  StringRef header(reinterpret_cast<const char *>(&bytes[8 + lenBytes]),
                   headerLen);
  if (!header.ends_with("\n"))
    return makeError(name, "malformed .npy header: it does not end in a "
                           "newline");
  std::string descr;
  bool fortran = false;
  Array array;
  if (std::string err = HeaderParser(header).parse(descr, fortran, array.shape);
      !err.empty())
    return makeError(name, "malformed .npy header: {0}", err);
  auto dtype = DType::parse(descr);
  if (!dtype)
    return makeError(name, "{0}", llvm::toString(dtype.takeError()));
  array.dtype = *dtype;
  if (fortran && array.shape.size() > 1)
    return makeError(name, "Fortran-order arrays are not supported (save a "
                           "C-order array, e.g. np.ascontiguousarray(a))");

  // Element count and byte size, with overflow checks.
  uint64_t count = 1;
  for (int64_t d : array.shape) {
    if (d != 0 && count > std::numeric_limits<int64_t>::max() / uint64_t(d))
      return makeError(name, "shape {0} is too large", array.shapeStr());
    count *= uint64_t(d);
  }
  if (count > std::numeric_limits<int64_t>::max() / array.dtype.size)
    return makeError(name, "shape {0} is too large", array.shapeStr());
  uint64_t dataBytes = count * array.dtype.size;
  uint64_t have = bytes.size() - dataStart;
  if (have < dataBytes)
    return makeError(name,
                     "truncated .npy data: shape {0} of '{1}' needs {2} bytes, "
                     "the file has {3}",
                     array.shapeStr(), descr, dataBytes, have);
  if (have > dataBytes)
    return makeError(name,
                     "malformed .npy file: {0} bytes after the data of shape "
                     "{1} of '{2}'",
                     have - dataBytes, array.shapeStr(), descr);
  array.data.assign(bytes.begin() + dataStart, bytes.end());
  // numpy bools are 0 or 1; normalize anything else so consumers can rely on
  // it.
  if (array.dtype.kind == DType::Bool)
    for (uint8_t &b : array.data)
      b = b != 0;
  return array;
}

Expected<Array> mlir::lowbit::npy::readNpyFile(StringRef path) {
  auto bytes = readWholeFile(path);
  if (!bytes)
    return bytes.takeError();
  return parseNpy(*bytes, path);
}

std::vector<uint8_t> mlir::lowbit::npy::serializeNpy(const Array &array) {
  std::string header = "{'descr': '" + array.dtype.str() +
                       "', 'fortran_order': False, 'shape': " +
                       array.shapeStr() + ", }";
  // Pad with spaces so that the data starts at a multiple of 64 bytes.
  bool v2 = header.size() + 1 + 10 > 65535;
  size_t preamble = v2 ? 12 : 10;
  size_t total = preamble + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';

  std::vector<uint8_t> out(std::begin(kMagic), std::end(kMagic));
  out.push_back(v2 ? 2 : 1);
  out.push_back(0);
  uint32_t len = header.size();
  out.push_back(len & 0xff);
  out.push_back((len >> 8) & 0xff);
  if (v2) {
    out.push_back((len >> 16) & 0xff);
    out.push_back((len >> 24) & 0xff);
  }
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), array.data.begin(), array.data.end());
  return out;
}

Error mlir::lowbit::npy::writeNpyFile(StringRef path, const Array &array) {
  std::error_code ec;
  llvm::raw_fd_ostream os(path, ec, llvm::sys::fs::OF_None);
  if (ec)
    return makeError(path, "cannot write file: {0}", ec.message());
  std::vector<uint8_t> bytes = serializeNpy(array);
  os.write(reinterpret_cast<const char *>(bytes.data()), bytes.size());
  os.close();
  if (os.has_error())
    return makeError(path, "cannot write file: {0}", os.error().message());
  return Error::success();
}

//===----------------------------------------------------------------------===//
// ZIP and .npz
//===----------------------------------------------------------------------===//

namespace {

/// Where the central directory is, from the end of central directory record
/// (and the ZIP64 record where the fields overflow).
struct CentralDirectory {
  uint64_t count, offset, size;
};

Expected<CentralDirectory> findCentralDirectory(ArrayRef<uint8_t> bytes,
                                                StringRef name) {
  const size_t size = bytes.size();
  const uint8_t *base = bytes.data();
  // End of central directory record: 22 bytes plus a comment of up to 64 KiB.
  if (size < 22)
    return makeError(name, "not a zip archive (too short)");
  size_t eocd = std::numeric_limits<size_t>::max();
  size_t lowest = size > 22 + 65535 ? size - 22 - 65535 : 0;
  for (size_t pos = size - 22 + 1; pos-- > lowest;) {
    if (readU32(base + pos) == 0x06054b50 &&
        pos + 22 + readU16(base + pos + 20) == size) {
      eocd = pos;
      break;
    }
  }
  if (eocd == std::numeric_limits<size_t>::max())
    return makeError(name, "not a zip archive (no end of central directory "
                           "record; truncated?)");
  if (readU16(base + eocd + 4) != 0 || readU16(base + eocd + 6) != 0)
    return makeError(name, "multi-disk zip archives are not supported");
  CentralDirectory cd{readU16(base + eocd + 10), readU32(base + eocd + 16),
                      readU32(base + eocd + 12)};
  if (cd.count == 0xffff || cd.size == 0xffffffff ||
      cd.offset == 0xffffffff) {
    // ZIP64: a locator right before the record points at the ZIP64 record.
    if (eocd < 20 || readU32(base + eocd - 20) != 0x07064b50)
      return makeError(name, "malformed zip64 archive (no locator)");
    uint64_t z64 = readU64(base + eocd - 20 + 8);
    if (z64 > size || size - z64 < 56 || readU32(base + z64) != 0x06064b50)
      return makeError(name, "malformed zip64 archive (bad end record)");
    cd.count = readU64(base + z64 + 32);
    cd.size = readU64(base + z64 + 40);
    cd.offset = readU64(base + z64 + 48);
  }
  if (cd.offset > size || cd.size > size - cd.offset)
    return makeError(name, "malformed zip archive (central directory out of "
                           "bounds; truncated?)");
  return cd;
}

/// One central directory entry: what the member's data needs.
struct MemberRecord {
  std::string name;
  uint16_t flags, method;
  uint32_t crc;
  uint64_t compressedSize, size, localOffset;
};

/// Reads central directory entry `index` at `pos` (advanced past it), with
/// the 64-bit sizes and offset of its ZIP64 extra field where it has one.
Expected<MemberRecord> readMemberRecord(const uint8_t *base, uint64_t &pos,
                                        uint64_t end, uint64_t index,
                                        StringRef name) {
  auto bad = [&] {
    return makeError(name, "malformed zip archive (bad central directory "
                           "entry {0})",
                     index);
  };
  if (end - pos < 46 || readU32(base + pos) != 0x02014b50)
    return bad();
  const uint8_t *cd = base + pos;
  MemberRecord record{"",
                      readU16(cd + 8),
                      readU16(cd + 10),
                      readU32(cd + 16),
                      readU32(cd + 20),
                      readU32(cd + 24),
                      readU32(cd + 42)};
  uint16_t nameLen = readU16(cd + 28);
  uint16_t extraLen = readU16(cd + 30);
  uint16_t commentLen = readU16(cd + 32);
  if (end - pos < 46ull + nameLen + extraLen + commentLen)
    return bad();
  record.name =
      escaped(StringRef(reinterpret_cast<const char *>(cd + 46), nameLen));
  // ZIP64 extended information: 64-bit fields for those that are all ones.
  const uint8_t *extra = cd + 46 + nameLen;
  for (size_t e = 0; e + 4 <= extraLen;) {
    uint16_t id = readU16(extra + e), len = readU16(extra + e + 2);
    if (e + 4 + len > extraLen)
      break;
    if (id == 0x0001) {
      const uint8_t *f = extra + e + 4;
      size_t left = len;
      auto take = [&](uint64_t &field) {
        if (field != 0xffffffff || left < 8)
          return;
        field = readU64(f);
        f += 8;
        left -= 8;
      };
      take(record.size);
      take(record.compressedSize);
      take(record.localOffset);
    }
    e += 4 + len;
  }
  pos += 46ull + nameLen + extraLen + commentLen;
  return record;
}

/// Inflates `csize` raw deflate bytes at `data` into `out` (`out.size()`
/// bytes expected).
Error inflateMember(const uint8_t *data, uint64_t csize,
                    std::vector<uint8_t> &out, StringRef name,
                    StringRef member) {
  uint64_t usize = out.size();
  if (csize > std::numeric_limits<uInt>::max() ||
      usize > std::numeric_limits<uInt>::max())
    return makeError(name, "member '{0}' is too large", member);
  z_stream strm;
  std::memset(&strm, 0, sizeof(strm));
  if (inflateInit2(&strm, -MAX_WBITS) != Z_OK)
    return makeError(name, "cannot initialize zlib");
  strm.next_in = const_cast<Bytef *>(data);
  strm.avail_in = static_cast<uInt>(csize);
  strm.next_out = out.data();
  strm.avail_out = static_cast<uInt>(usize);
  int rc = inflate(&strm, Z_FINISH);
  uint64_t produced = strm.total_out;
  inflateEnd(&strm);
  if (rc != Z_STREAM_END || produced != usize)
    return makeError(name, "corrupt deflate data in member '{0}'", member);
  return Error::success();
}

/// The data of one member: found through its local header, stored or
/// deflated, CRC checked.
Expected<std::vector<uint8_t>> readMemberData(ArrayRef<uint8_t> bytes,
                                              const MemberRecord &record,
                                              StringRef name) {
  const size_t size = bytes.size();
  const uint8_t *base = bytes.data();
  if (record.flags & 1)
    return makeError(name, "member '{0}' is encrypted", record.name);
  uint64_t localOffset = record.localOffset;
  if (localOffset > size || size - localOffset < 30 ||
      readU32(base + localOffset) != 0x04034b50)
    return makeError(name, "malformed zip archive (bad local header for "
                           "'{0}')",
                     record.name);
  const uint8_t *local = base + localOffset;
  uint64_t dataOffset =
      localOffset + 30 + readU16(local + 26) + readU16(local + 28);
  uint64_t csize = record.compressedSize, usize = record.size;
  if (dataOffset > size || csize > size - dataOffset)
    return makeError(name, "truncated zip archive (member '{0}' needs {1} "
                           "bytes of data)",
                     record.name, csize);
  const uint8_t *data = base + dataOffset;
  std::vector<uint8_t> out;
  if (record.method == 0) {
    if (csize != usize)
      return makeError(name, "malformed zip archive (stored member '{0}' "
                             "has mismatched sizes)",
                       record.name);
    out.assign(data, data + csize);
  } else if (record.method == 8) {
    // Deflate never expands by more than ~1032:1; reject absurd claims
    // before allocating.
    if (usize > 1040 * csize + 1024)
      return makeError(name, "malformed zip archive (member '{0}' claims "
                             "{1} bytes from {2} compressed)",
                       record.name, usize, csize);
    out.resize(usize);
    if (Error err = inflateMember(data, csize, out, name, record.name))
      return std::move(err);
  } else {
    return makeError(name, "member '{0}' uses unsupported compression "
                           "method {1} (only stored and deflate)",
                     record.name, record.method);
  }
  uLong actual = crc32(0L, Z_NULL, 0);
  // crc32 takes uInt lengths; feed large buffers in pieces.
  for (size_t off = 0; off < out.size();) {
    size_t chunk = std::min<size_t>(out.size() - off, 1u << 30);
    actual = crc32(actual, out.data() + off, static_cast<uInt>(chunk));
    off += chunk;
  }
  if (actual != record.crc)
    return makeError(name, "CRC mismatch in member '{0}' (corrupt archive)",
                     record.name);
  return out;
}

} // namespace

Expected<std::vector<ZipEntry>>
mlir::lowbit::npy::readZip(ArrayRef<uint8_t> bytes, StringRef name) {
  Expected<CentralDirectory> cd = findCentralDirectory(bytes, name);
  if (!cd)
    return cd.takeError();
  std::vector<ZipEntry> entries;
  uint64_t pos = cd->offset;
  for (uint64_t i = 0; i < cd->count; ++i) {
    Expected<MemberRecord> record =
        readMemberRecord(bytes.data(), pos, cd->offset + cd->size, i, name);
    if (!record)
      return record.takeError();
    Expected<std::vector<uint8_t>> data = readMemberData(bytes, *record, name);
    if (!data)
      return data.takeError();
    entries.push_back({record->name, std::move(*data)});
  }
  return entries;
}

Expected<std::vector<NpzMember>>
mlir::lowbit::npy::parseNpz(ArrayRef<uint8_t> bytes, StringRef name) {
  auto entries = readZip(bytes, name);
  if (!entries)
    return entries.takeError();
  std::vector<NpzMember> members;
  for (ZipEntry &entry : *entries) {
    StringRef memberName(entry.name);
    if (!memberName.consume_back(".npy"))
      return makeError(name, "member '{0}' is not a .npy file", entry.name);
    std::string qualified = (name + ":" + entry.name).str();
    auto array = parseNpy(entry.data, qualified);
    if (!array)
      return array.takeError();
    members.push_back({memberName.str(), std::move(*array)});
  }
  return members;
}

Expected<std::vector<NpzMember>>
mlir::lowbit::npy::readNpzFile(StringRef path) {
  auto bytes = readWholeFile(path);
  if (!bytes)
    return bytes.takeError();
  return parseNpz(*bytes, path);
}

void mlir::lowbit::npy::sortNpzMembersAsArguments(
    std::vector<NpzMember> &members) {
  for (StringRef prefix : {"arg", "arr_"}) {
    std::vector<int64_t> index;
    for (const NpzMember &m : members) {
      StringRef rest(m.name);
      int64_t n;
      // Plain decimal numbers only: "arg01" or "arg+1" do not count.
      if (!rest.consume_front(prefix) || rest.empty() ||
          !llvm::all_of(rest, llvm::isDigit) ||
          (rest.size() > 1 && rest.front() == '0') ||
          rest.getAsInteger(10, n) || n >= int64_t(members.size()))
        break;
      index.push_back(n);
    }
    if (index.size() != members.size())
      continue;
    std::vector<bool> seen(members.size());
    bool permutation = true;
    for (int64_t n : index) {
      permutation &= !seen[n];
      seen[n] = true;
    }
    if (!permutation)
      continue;
    std::vector<NpzMember> sorted(members.size());
    for (size_t i = 0; i < members.size(); ++i)
      sorted[index[i]] = std::move(members[i]);
    members = std::move(sorted);
    return;
  }
}

Expected<std::vector<NamedArray>>
mlir::lowbit::npy::readArgumentFile(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot open input '" + path +
                                       "': " + buffer.getError().message());
  ArrayRef<uint8_t> bytes(
      reinterpret_cast<const uint8_t *>((*buffer)->getBufferStart()),
      (*buffer)->getBufferSize());
  std::vector<NamedArray> arguments;
  if ((*buffer)->getBuffer().starts_with("PK") ||
      path.ends_with_insensitive(".npz")) {
    auto members = parseNpz(bytes, path);
    if (!members)
      return members.takeError();
    sortNpzMembersAsArguments(*members);
    for (NpzMember &member : *members)
      arguments.push_back({std::move(member.array),
                           (path + ":" + member.name + ".npy").str()});
    return arguments;
  }
  auto array = parseNpy(bytes, path);
  if (!array)
    return array.takeError();
  arguments.push_back({std::move(*array), path.str()});
  return arguments;
}
