//===- Npy.h - NumPy .npy/.npz reading and writing --------------*- C++ -*-===//
//
// A small, self-contained reader and writer for NumPy's array file formats,
// used by `quant-run` to exchange tensors with Python.
//
// .npy (format versions 1.0, 2.0 and 3.0): a magic string, a header that is a
// Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)},
// padded with spaces to a newline, then the raw array bytes. Supported:
//   * dtypes whose descr is a plain type string: kinds `b` (bool), `i`, `u`,
//     `f` and `V` (raw bytes, e.g. `<V2` for bfloat16 saved by ml_dtypes),
//     little-endian (`<`, `|`, or `=` on this little-endian host) only;
//   * C order only (`'fortran_order': False`).
// Structured dtypes, big-endian data, Fortran order, headers that are not a
// well-formed dict and data that is shorter or longer than the header says
// are errors, reported as one line naming the file.
//
// .npz: a ZIP archive of .npy members (what numpy.savez and
// numpy.savez_compressed write), with members stored (method 0) or deflated
// (method 8); ZIP64 fields are understood. CRC-32 is checked.
//
// All functions report problems through llvm::Error / llvm::Expected and never
// abort on malformed input.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_RUNNER_NPY_H
#define LOWBIT_RUNNER_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace mlir::lowbit::npy {

/// An element type as numpy describes it: a kind character and a size in
/// bytes. Always little-endian (or byte-order free for one-byte items).
struct DType {
  enum Kind : char {
    Bool = 'b',
    Int = 'i',
    UInt = 'u',
    Float = 'f',
    /// Raw bytes without an interpretation (`V2` is how bfloat16 arrays from
    /// ml_dtypes are saved).
    Void = 'V',
  };
  Kind kind = Float;
  unsigned size = 4;

  /// The descr string numpy writes for this dtype, e.g. "<f4", "|b1", "|u1".
  std::string str() const;
  bool operator==(const DType &other) const {
    return kind == other.kind && size == other.size;
  }
  bool operator!=(const DType &other) const { return !(*this == other); }

  /// Parses a numpy descr string ("<f4", "|b1", "=i8", "<V2", ...). Errors name
  /// the unsupported part (big-endian, unknown kind, bad size).
  static llvm::Expected<DType> parse(llvm::StringRef descr);
};

/// An array in C (row-major) order; `data` holds exactly
/// product(shape) * dtype.size bytes.
struct Array {
  DType dtype;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data;

  int64_t numElements() const;
  /// "(2, 3)" as numpy prints shapes.
  std::string shapeStr() const;
};

/// Parses the contents of a .npy file. `name` only appears in error messages.
llvm::Expected<Array> parseNpy(llvm::ArrayRef<uint8_t> bytes,
                               llvm::StringRef name);

/// Reads and parses a .npy file.
llvm::Expected<Array> readNpyFile(llvm::StringRef path);

/// Serializes `array` as a version 1.0 .npy file (header padded to a multiple
/// of 64 bytes, as numpy does).
std::vector<uint8_t> serializeNpy(const Array &array);

/// Writes `array` to `path` as .npy.
llvm::Error writeNpyFile(llvm::StringRef path, const Array &array);

/// One member of an .npz archive; `name` has the ".npy" suffix removed.
struct NpzMember {
  std::string name;
  Array array;
};

/// Parses an .npz archive; members come back in archive (central directory)
/// order. `name` only appears in error messages.
llvm::Expected<std::vector<NpzMember>> parseNpz(llvm::ArrayRef<uint8_t> bytes,
                                                llvm::StringRef name);

/// Reads and parses an .npz file.
llvm::Expected<std::vector<NpzMember>> readNpzFile(llvm::StringRef path);

/// Orders members as function arguments: when every member is named `argN`
/// or every member is named `arr_N` (numpy.savez's names for positional
/// arrays) and the N are exactly 0..count-1, sorts by N; otherwise keeps the
/// archive order.
void sortNpzMembersAsArguments(std::vector<NpzMember> &members);

/// An array read as a function argument, and where it came from ("a.npy" or
/// "b.npz:x.npy") for messages.
struct NamedArray {
  Array array;
  std::string source;
};

/// The function arguments stored in one file: a .npy array (one argument) or
/// the members of an .npz archive ("PK" magic bytes or the .npz extension),
/// in the order of sortNpzMembersAsArguments(). What quant-run's --input and
/// quant-calibrate's sample files hold.
llvm::Expected<std::vector<NamedArray>>
readArgumentFile(llvm::StringRef path);

/// Extracts the files of a ZIP archive (stored or deflated) in central
/// directory order; exposed for testing.
struct ZipEntry {
  std::string name;
  std::vector<uint8_t> data;
};
llvm::Expected<std::vector<ZipEntry>> readZip(llvm::ArrayRef<uint8_t> bytes,
                                              llvm::StringRef name);

} // namespace mlir::lowbit::npy

#endif // LOWBIT_RUNNER_NPY_H
