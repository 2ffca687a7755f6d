//===- BenchUtil.cpp - buffers, timing and memory reads for lowbit-bench -===//

#include "BenchUtil.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <ctime>
#include <fstream>
#include <cstring>
#include <immintrin.h>
#include <random>

namespace lowbit::bench {

Memref2D describe(void *data, int64_t rows, int64_t cols) {
  return {data, data, 0, {rows, cols}, {cols, 1}};
}

double now() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Median seconds of `reps` calls of `fn(i)` after `warmup` calls.
double median(unsigned warmup, unsigned count,
              const std::function<void(unsigned)> &fn, double *fastest) {
  for (unsigned i = 0; i < warmup; ++i)
    fn(i);
  std::vector<double> times;
  for (unsigned i = 0; i < count; ++i) {
    double start = now();
    fn(warmup + i);
    times.push_back(now() - start);
  }
  std::sort(times.begin(), times.end());
  if (fastest)
    *fastest = times.front();
  return times[times.size() / 2];
}

void fillRandomBytes(Buffer &buffer, uint64_t seed) {
  std::mt19937_64 rng(seed);
  auto *words = buffer.as<uint64_t>();
  for (size_t i = 0; i < buffer.bytes / 8; ++i)
    words[i] = rng();
  for (size_t i = buffer.bytes / 8 * 8; i < buffer.bytes; ++i)
    buffer.as<uint8_t>()[i] = uint8_t(rng());
}

void fillUniform(float *data, size_t count, float lo, float hi, uint64_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  for (size_t i = 0; i < count; ++i)
    data[i] = dist(rng);
}

/// Sums `bytes` (a multiple of 512) at `data` with 512-bit loads into 8
/// independent accumulators, reading `streams` equal parts of it in an
/// interleaved way (kernels read several weight rows at once; more streams
/// keep more prefetchers busy).
long long readOnce(const void *data, size_t bytes, unsigned streams) {
  const auto *lines = static_cast<const __m512i *>(data);
  size_t perStream = bytes / 64 / streams / 8 * 8;
  __m512i s[8];
  for (__m512i &v : s)
    v = _mm512_setzero_si512();
  for (size_t i = 0; i < perStream; i += 8)
    for (unsigned p = 0; p < streams; ++p)
      for (int j = 0; j < 8; ++j)
        s[j] = _mm512_add_epi64(
            s[j], _mm512_load_si512(lines + p * perStream + i + j));
  for (int j = 1; j < 8; ++j)
    s[0] = _mm512_add_epi64(s[0], s[j]);
  return _mm512_reduce_add_epi64(s[0]);
}

/// Reads [data, data + bytes) on the team's threads, each its own contiguous
/// share (a multiple of 4 KiB) in `streams` streams; returns the seconds
/// and adds the sum to `sink`. `bytes` read: *read.
double teamRead(ReadTeam &team, const void *data, size_t bytes,
                unsigned streams, volatile long long &sink, size_t *read) {
  unsigned threads = team.size();
  size_t share = bytes / threads / 4096 * 4096;
  std::vector<long long> sums(threads);
  double t = team.run([&](unsigned i) {
    sums[i] =
        readOnce(static_cast<const char *>(data) + i * share, share, streams);
  });
  for (long long v : sums)
    sink = sink + v;
  if (read)
    *read = share / 64 / streams / 8 * 8 * streams * 64 * threads;
  return t;
}

/// Read bandwidth (bytes/s) of a buffer of `bytes` read with `streams`
/// streams per thread on the team's threads; median of 5 passes.
double measureReadBandwidth(ReadTeam &team, size_t bytes, unsigned streams) {
  Buffer buffer(bytes);
  std::memset(buffer.ptr, 1, bytes);
  volatile long long sink = 0;
  size_t read = 0;
  double t = median(1, 5, [&](unsigned) {
    teamRead(team, buffer.ptr, bytes, streams, sink, &read);
  });
  return double(read) / t;
}

/// The same single-stream read of a buffer of `bytes`, one `chunk` (a
/// multiple of 512) at a time in address order, back to back: what reading
/// a weight-sized piece costs. Median over 5 passes of the summed chunk
/// times.
double measureChunkedReadBandwidth(size_t bytes, size_t chunk) {
  Buffer buffer(bytes);
  std::memset(buffer.ptr, 1, bytes);
  size_t chunks = bytes / chunk;
  volatile long long sink = 0;
  std::vector<double> passes;
  for (int pass = 0; pass < 6; ++pass) {
    double total = 0;
    for (size_t c = 0; c < chunks; ++c) {
      double start = now();
      sink = sink + readOnce(buffer.as<char>() + c * chunk, chunk);
      total += now() - start;
    }
    if (pass > 0)
      passes.push_back(total);
  }
  std::sort(passes.begin(), passes.end());
  return double(chunks * chunk) / passes[passes.size() / 2];
}

//===----------------------------------------------------------------------===//
// Result tables
//===----------------------------------------------------------------------===//

namespace {
struct ResultsFile {
  std::string path, run, cpu;
  unsigned threads = 1;
};
ResultsFile &resultsFile() {
  static ResultsFile file;
  return file;
}

/// The cells of a Markdown row, trimmed.
std::vector<std::string> splitCells(llvm::StringRef row) {
  row = row.trim();
  row.consume_front("|");
  row.consume_back("|");
  llvm::SmallVector<llvm::StringRef> parts;
  row.split(parts, '|');
  std::vector<std::string> cells;
  for (llvm::StringRef part : parts)
    cells.push_back(part.trim().str());
  return cells;
}

/// A CSV field, quoted when it holds a comma, a quote or a space.
std::string csvField(llvm::StringRef text) {
  if (text.find_first_of(",\" ") == llvm::StringRef::npos)
    return text.str();
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"')
      quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

/// The CPU's model name and the vector extensions the kernels select by
/// ("AMD EPYC (AVX-512 VNNI BF16)", "... (AVX2 FMA)"), from /proc/cpuinfo.
std::string cpuName() {
  std::ifstream in("/proc/cpuinfo");
  std::string line, name = "unknown CPU", isa;
  bool haveFlags = false;
  while (std::getline(in, line)) {
    llvm::StringRef l(line);
    if (l.starts_with("model name") && name == "unknown CPU")
      name = l.split(':').second.trim().str();
    if (l.starts_with("flags") && !haveFlags) {
      haveFlags = true;
      llvm::SmallVector<llvm::StringRef> flags;
      l.split(':').second.split(flags, ' ', -1, false);
      auto has = [&](llvm::StringRef f) { return llvm::is_contained(flags, f); };
      if (has("avx512f")) {
        isa = "AVX-512";
        if (has("avx512_vnni"))
          isa += " VNNI";
        if (has("avx512_bf16"))
          isa += " BF16";
      } else if (has("avx2")) {
        isa = has("fma") ? "AVX2 FMA" : "AVX2";
        if (has("avx_vnni"))
          isa += " AVX-VNNI";
      }
    }
  }
  return isa.empty() ? name : name + " (" + isa + ")";
}
} // namespace

void setResultsFile(llvm::StringRef path, unsigned threads) {
  ResultsFile &file = resultsFile();
  file.path = path.str();
  file.threads = threads;
  file.cpu = cpuName();
  std::time_t t = std::time(nullptr);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ",
                std::gmtime(&t));
  file.run = buffer;
  if (!path.empty() && !llvm::sys::fs::exists(path)) {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec) {
      llvm::errs() << "lowbit-bench: cannot write '" << path
                   << "': " << ec.message() << "\n";
      std::exit(2);
    }
    os << "utc,run,cpu,threads,table,row,column,value\n";
  }
}

ResultTable::ResultTable(std::string name, llvm::StringRef header)
    : name(std::move(name)), columns(splitCells(header)) {
  llvm::outs() << header.trim() << "\n|";
  for (size_t i = 0; i < columns.size(); ++i)
    llvm::outs() << "---|";
  llvm::outs() << "\n";
}

void ResultTable::addRow(llvm::StringRef markdownRow) {
  llvm::outs() << markdownRow.trim() << "\n";
  llvm::outs().flush();
  ResultsFile &file = resultsFile();
  if (file.path.empty())
    return;
  std::error_code ec;
  llvm::raw_fd_ostream os(file.path, ec, llvm::sys::fs::OF_Append);
  if (ec) {
    llvm::errs() << "lowbit-bench: cannot append to '" << file.path
                 << "': " << ec.message() << "\n";
    std::exit(2);
  }
  std::vector<std::string> cells = splitCells(markdownRow);
  std::time_t t = std::time(nullptr);
  char utc[32];
  std::strftime(utc, sizeof(utc), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  for (size_t i = 1; i < cells.size() && i < columns.size(); ++i)
    os << utc << ',' << file.run << ',' << csvField(file.cpu) << ','
       << file.threads << ',' << csvField(name) << ',' << csvField(cells[0])
       << ',' << csvField(columns[i]) << ',' << csvField(cells[i]) << '\n';
}

} // namespace lowbit::bench
