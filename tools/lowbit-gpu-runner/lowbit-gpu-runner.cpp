//===- lowbit-gpu-runner.cpp - run compiled GPU cases from a bundle -------===//
//
//   lowbit-gpu-runner MANIFEST
//   lowbit-gpu-runner MANIFEST --write-inputs DIR
//
// The second form writes every generated input (below) as
// DIR/<case>.in<i>.npy and exits, without a GPU: to check the generator.
//
// Runs the cases of a GPU check bundle (scripts/gpu-check.sh): each case is
// a shared library compiled by `quant-compile --device=cuda` whose
// `_mlir_ciface_<entry>` is called on .npy inputs; its results are compared
// with .npy results of the CPU reference lowering, and its kernels are
// timed (LowBit's CUDA runtime, with kernel profiling). Prints one table.
// Needs only the CUDA driver: no LLVM, MLIR or CUDA toolkit, so that it
// builds and runs on a GPU machine from its sources in the bundle. Exits 0
// when every case matches, 1 when one does not or on a bad bundle, 77
// (LOWBIT_EXIT_NO_GPU) when there is no driver or GPU.
//
// Manifest: one directive per line, paths relative to the manifest:
//   case NAME LIBRARY ENTRY TOLERANCE REPS BYTES
//   input FILE.npy          (in argument order), or
//   input gen i1|f4 SEED LO HI D0xD1...
//                           an array the runner draws itself: element i
//                           from splitmix64(SEED, i), integers in [LO, HI]
//                           or floats LO + (HI - LO) * (top 24 bits / 2^24)
//                           rounded to f32 (as scripts/gpu_check_prepare.py
//                           draws it for the CPU reference)
//   expect FILE.npy         (in result order)
//   end
// TOLERANCE 0 means bit-identical results; otherwise max |out - ref| /
// max |ref| must not exceed it. BYTES, if not 0, is the traffic the case's
// kernels must move at least, for the achieved-bandwidth column.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Runtime/CUDARuntime.h"

#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Array {
  std::string dtype; // numpy descr, e.g. "<f4"
  std::vector<int64_t> shape;
  std::vector<char> data;
  size_t elementBytes() const { return std::stoul(dtype.substr(2)); }
  int64_t count() const {
    int64_t n = 1;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
};

[[noreturn]] void die(const std::string &message) {
  std::fprintf(stderr, "lowbit-gpu-runner: error: %s\n", message.c_str());
  std::exit(1);
}

Array readNpy(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    die("cannot open " + path);
  char magic[8];
  in.read(magic, 8);
  if (!in || std::memcmp(magic, "\x93NUMPY", 6) != 0)
    die(path + ": not a .npy file");
  uint32_t headerLength = 0;
  if (magic[6] == 1) {
    unsigned char b[2];
    in.read(reinterpret_cast<char *>(b), 2);
    headerLength = b[0] | (b[1] << 8);
  } else {
    unsigned char b[4];
    in.read(reinterpret_cast<char *>(b), 4);
    headerLength = b[0] | (b[1] << 8) | (b[2] << 16) | (uint32_t(b[3]) << 24);
  }
  std::string header(headerLength, '\0');
  in.read(&header[0], headerLength);
  Array a;
  size_t d = header.find("'descr':");
  size_t q1 = header.find('\'', d + 8), q2 = header.find('\'', q1 + 1);
  if (d == std::string::npos || q2 == std::string::npos)
    die(path + ": no dtype in the header");
  a.dtype = header.substr(q1 + 1, q2 - q1 - 1);
  if (header.find("'fortran_order': True") != std::string::npos)
    die(path + ": Fortran order is not supported");
  size_t s = header.find("'shape':");
  size_t open = header.find('(', s), close = header.find(')', open);
  std::stringstream dims(header.substr(open + 1, close - open - 1));
  std::string dim;
  while (std::getline(dims, dim, ','))
    if (dim.find_first_not_of(" ") != std::string::npos)
      a.shape.push_back(std::stoll(dim));
  a.data.resize(a.count() * a.elementBytes());
  in.read(a.data.data(), a.data.size());
  if (!in)
    die(path + ": truncated data");
  return a;
}

/// A memref descriptor {allocated, aligned, offset, sizes[r], strides[r]}.
std::vector<int64_t> describe(void *data, const std::vector<int64_t> &shape) {
  size_t rank = shape.size();
  std::vector<int64_t> desc(3 + 2 * rank);
  desc[0] = desc[1] = static_cast<int64_t>(reinterpret_cast<uintptr_t>(data));
  int64_t stride = 1;
  for (size_t i = rank; i-- > 0;) {
    desc[3 + i] = shape[i];
    desc[3 + rank + i] = stride;
    stride *= shape[i];
  }
  return desc;
}

double toDouble(const Array &a, int64_t i) {
  const char *p = a.data.data() + i * a.elementBytes();
  char kind = a.dtype[1];
  size_t bytes = a.elementBytes();
  if (kind == 'f' && bytes == 4) {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  if (kind == 'f' && bytes == 8) {
    double v;
    std::memcpy(&v, p, 8);
    return v;
  }
  int64_t v = 0;
  std::memcpy(&v, p, bytes);
  if (kind == 'i' && bytes < 8) // sign-extend
    v = (v << (64 - 8 * bytes)) >> (64 - 8 * bytes);
  return static_cast<double>(v);
}

using Entry = void (*)(...);

uint64_t splitmix64(uint64_t seed, uint64_t i) {
  uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

/// An `input gen ...` directive's array.
Array generate(const std::string &spec) {
  std::stringstream words(spec);
  std::string dtype, shape;
  uint64_t seed = 0;
  double lo = 0, hi = 0;
  if (!(words >> dtype >> seed >> lo >> hi >> shape) ||
      (dtype != "i1" && dtype != "f4"))
    die("bad generated input '" + spec + "'");
  Array a;
  a.dtype = dtype == "i1" ? "|i1" : "<f4";
  std::stringstream dims(shape);
  std::string dim;
  while (std::getline(dims, dim, 'x'))
    a.shape.push_back(std::stoll(dim));
  int64_t n = a.count();
  a.data.resize(n * a.elementBytes());
  for (int64_t i = 0; i < n; ++i) {
    uint64_t z = splitmix64(seed, i);
    if (dtype == "i1") {
      uint64_t span = uint64_t(int64_t(hi) - int64_t(lo) + 1);
      a.data[i] = static_cast<char>(int64_t(z % span) + int64_t(lo));
    } else {
      double u = double(z >> 40) / double(1 << 24);
      float v = static_cast<float>(lo + (hi - lo) * u);
      std::memcpy(&a.data[4 * i], &v, 4);
    }
  }
  return a;
}

void writeNpy(const std::string &path, const Array &a) {
  std::string shape = "(";
  for (int64_t d : a.shape)
    shape += std::to_string(d) + ", ";
  shape += ")";
  std::string header = "{'descr': '" + a.dtype +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0)
    header += ' ';
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out)
    die("cannot write " + path);
  out.write("\x93NUMPY\x01\x00", 8);
  unsigned char length[2] = {static_cast<unsigned char>(header.size() & 255),
                             static_cast<unsigned char>(header.size() >> 8)};
  out.write(reinterpret_cast<char *>(length), 2);
  out << header;
  out.write(a.data.data(), a.data.size());
}

struct Case {
  std::string name, library, entry;
  double tolerance = 0;
  int reps = 1;
  double bytes = 0;
  /// A .npy path, or "gen ..." for a generated input.
  std::vector<std::string> inputs, expected;
};

void call(Entry entry, void *result, std::vector<void *> &args) {
  // The C interface takes the result struct, then one descriptor pointer
  // per argument.
  std::vector<void *> a(args);
  a.insert(a.begin(), result);
  a.resize(13, nullptr);
  if (args.size() > 12)
    die("more than 12 arguments are not supported");
  entry(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
        a[11], a[12]);
}

} // namespace

int main(int argc, char **argv) {
  bool writeInputs = argc == 4 && std::string(argv[2]) == "--write-inputs";
  if (argc != 2 && !writeInputs) {
    std::fprintf(stderr, "usage: lowbit-gpu-runner MANIFEST [--write-inputs "
                         "DIR]\n");
    return 1;
  }
  std::string manifest = argv[1];
  std::string dir = manifest.substr(0, manifest.find_last_of('/') + 1);
  std::ifstream in(manifest);
  if (!in)
    die("cannot open " + manifest);
  std::vector<Case> cases;
  std::string line;
  int lineNo = 0;
  while (std::getline(in, line)) {
    ++lineNo;
    std::stringstream words(line);
    std::string word;
    if (!(words >> word) || word[0] == '#')
      continue;
    if (word == "case") {
      Case c;
      if (!(words >> c.name >> c.library >> c.entry >> c.tolerance >> c.reps >>
            c.bytes))
        die(manifest + ":" + std::to_string(lineNo) + ": bad case line");
      cases.push_back(c);
    } else if (word == "input" || word == "expect") {
      std::string file;
      if (cases.empty() || !(words >> file))
        die(manifest + ":" + std::to_string(lineNo) + ": bad " + word);
      if (word == "input" && file == "gen") {
        std::string rest;
        std::getline(words, rest);
        cases.back().inputs.push_back("gen" + rest);
        continue;
      }
      (word == "input" ? cases.back().inputs : cases.back().expected)
          .push_back(dir + file);
    } else if (word != "end") {
      die(manifest + ":" + std::to_string(lineNo) + ": unknown directive '" +
          word + "'");
    }
  }

  if (writeInputs) {
    for (const Case &c : cases)
      for (size_t i = 0; i < c.inputs.size(); ++i)
        if (c.inputs[i].rfind("gen ", 0) == 0)
          writeNpy(std::string(argv[3]) + "/" + c.name + ".in" +
                       std::to_string(i) + ".npy",
                   generate(c.inputs[i].substr(4)));
    return 0;
  }

  char reason[512] = {0};
  if (lowbitCudaProbe(reason, sizeof(reason)) != 0) {
    std::printf("lowbit-gpu-runner: %zu cases not run: %s\n", cases.size(),
                reason);
    return LOWBIT_EXIT_NO_GPU;
  }
  double copyGBs = lowbitCudaCopyBandwidth(size_t(1) << 30, 5);
  std::printf("device: %s; device-to-device copy: %.0f GB/s (read + write)\n",
              lowbitCudaDeviceName(), copyGBs);
  std::printf("%-28s %-8s %12s %11s %9s %9s %8s\n", "case", "result",
              "max rel err", "kernel ms", "launches", "GB/s", "of copy");

  int failures = 0;
  for (Case &c : cases) {
    void *lib = dlopen((dir + c.library).c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!lib)
      die(std::string("cannot load ") + c.library + ": " + dlerror());
    auto entry = reinterpret_cast<Entry>(
        dlsym(lib, ("_mlir_ciface_" + c.entry).c_str()));
    if (!entry)
      die(c.library + ": no _mlir_ciface_" + c.entry);
    std::vector<Array> inputs, expected;
    for (const std::string &f : c.inputs)
      inputs.push_back(f.rfind("gen ", 0) == 0 ? generate(f.substr(4))
                                               : readNpy(f));
    for (const std::string &f : c.expected)
      expected.push_back(readNpy(f));
    std::vector<std::vector<int64_t>> descs;
    for (Array &a : inputs)
      descs.push_back(describe(a.data.data(), a.shape));
    std::vector<void *> args;
    for (auto &d : descs)
      args.push_back(d.data());
    size_t words = 0;
    for (Array &e : expected)
      words += 3 + 2 * e.shape.size();

    // Warm-up (module load, JIT of PTX) and the checked run, then the
    // timed repetitions.
    double worst = 0;
    bool match = true;
    for (int run = 0; run < 2; ++run) {
      std::vector<int64_t> result(std::max<size_t>(words, 1), 0);
      call(entry, result.data(), args);
      const int64_t *w = result.data();
      for (Array &e : expected) {
        size_t rank = e.shape.size();
        const char *out =
            reinterpret_cast<const char *>(w[1]) + w[2] * e.elementBytes();
        for (size_t i = 0; i < rank; ++i)
          if (w[3 + i] != e.shape[i])
            match = false;
        Array actual = e;
        if (match)
          std::memcpy(actual.data.data(), out, actual.data.size());
        double maxRef = 0, maxDiff = 0;
        for (int64_t i = 0; match && i < e.count(); ++i) {
          double r = toDouble(e, i), o = toDouble(actual, i);
          maxRef = std::max(maxRef, std::fabs(r));
          double diff = std::isnan(r) && std::isnan(o) ? 0 : std::fabs(o - r);
          if (std::isnan(diff))
            diff = INFINITY;
          maxDiff = std::max(maxDiff, diff);
        }
        double rel = maxRef > 0 ? maxDiff / maxRef : maxDiff;
        worst = std::max(worst, rel);
        if (c.tolerance == 0 ? maxDiff != 0 : !(rel <= c.tolerance))
          match = false;
        std::free(reinterpret_cast<void *>(w[0]));
        w += 3 + 2 * rank;
      }
    }
    lowbitCudaProfileEnable(1);
    lowbitCudaProfileReset();
    for (int r = 0; r < c.reps; ++r) {
      std::vector<int64_t> result(std::max<size_t>(words, 1), 0);
      call(entry, result.data(), args);
      const int64_t *w = result.data();
      for (Array &e : expected) {
        std::free(reinterpret_cast<void *>(w[0]));
        w += 3 + 2 * e.shape.size();
      }
    }
    long launches = 0;
    double ms = lowbitCudaProfileMilliseconds(&launches) / c.reps;
    lowbitCudaProfileEnable(0);
    failures += !match;
    char bw[32] = "-", share[32] = "-";
    if (c.bytes > 0 && ms > 0) {
      double gbs = c.bytes / (ms * 1e-3) / 1e9;
      std::snprintf(bw, sizeof(bw), "%.0f", gbs);
      std::snprintf(share, sizeof(share), "%.0f%%", 100 * gbs / copyGBs);
    }
    std::printf("%-28s %-8s %12.2e %11.4f %9ld %9s %8s\n", c.name.c_str(),
                match ? "ok" : "MISMATCH", worst, ms, launches / c.reps, bw,
                share);
  }
  std::printf("%zu cases, %d mismatched\n", cases.size(), failures);
  return failures ? 1 : 0;
}
