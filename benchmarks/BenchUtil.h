//===- BenchUtil.h - buffers, timing and memory reads for lowbit-bench ---===//
//
// What the benchmarks measure with besides the kernels: aligned buffers and
// memref descriptors, medians of timed calls, random fills, and the
// STREAM-like reads (one thread or a team of threads started together) that
// give the memory bandwidth the GEMV results are compared with.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_BENCHMARKS_BENCHUTIL_H
#define LOWBIT_BENCHMARKS_BENCHUTIL_H

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lowbit::bench {

/// Seconds of a monotonic clock.
double now();

struct Buffer {
  explicit Buffer(size_t bytes)
      : ptr(std::aligned_alloc(64,
                               std::max<size_t>((bytes + 63) / 64 * 64, 64))),
        bytes(bytes) {
    if (!ptr) {
      llvm::errs() << "out of memory\n";
      std::exit(1);
    }
  }
  ~Buffer() { std::free(ptr); }
  Buffer(const Buffer &) = delete;
  template <typename T> T *as() const { return static_cast<T *>(ptr); }
  void *ptr;
  size_t bytes;
};

/// A rank-2 memref descriptor as the C interface passes it.
struct Memref2D {
  void *allocated, *aligned;
  int64_t offset, sizes[2], strides[2];
};

/// The descriptor of a row-major [rows, cols] buffer.
Memref2D describe(void *data, int64_t rows, int64_t cols);

/// Median seconds of `reps` calls of `fn(i)` after `warmup` calls.
double median(unsigned warmup, unsigned count,
              const std::function<void(unsigned)> &fn,
              double *fastest = nullptr);

/// Random bytes (seeded).
void fillRandomBytes(Buffer &buffer, uint64_t seed);

/// Floats uniform in [lo, hi) (seeded).
void fillUniform(float *data, size_t count, float lo, float hi, uint64_t seed);

/// Sums `bytes` (a multiple of 512) at `data` with 512-bit loads into 8
/// independent accumulators, reading `streams` equal parts of it in an
/// interleaved way (kernels read several weight rows at once; more streams
/// keep more prefetchers busy).
long long readOnce(const void *data, size_t bytes, unsigned streams = 1);

/// Runs a job on a fixed number of threads (the caller is thread 0) and times
/// it from a common start: workers sleep between jobs, are woken outside the
/// timing, and spin until the caller starts the clock, so the reference
/// reads pay no wake-up latency (as the JIT kernels' OpenMP workers, which
/// spin between calls, do not).
class ReadTeam {
public:
  explicit ReadTeam(unsigned threads) {
    for (unsigned t = 1; t < threads; ++t)
      workers.emplace_back([this, t] { work(t); });
  }
  ~ReadTeam() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    wake.notify_all();
    for (std::thread &worker : workers)
      worker.join();
  }

  unsigned size() const { return workers.size() + 1; }

  /// Seconds from the common start until every thread finished `job(t)`.
  double run(const std::function<void(unsigned)> &job) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      current = &job;
      ready = done = 0;
      ++generation;
    }
    wake.notify_all();
    while (ready.load() != workers.size())
      ;
    double start = now();
    go.store(generation);
    job(0);
    while (done.load() != workers.size())
      ;
    return now() - start;
  }

private:
  void work(unsigned t) {
    unsigned seen = 0;
    while (true) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        wake.wait(lock, [&] { return stop || generation != seen; });
        if (stop)
          return;
        seen = generation;
      }
      ++ready;
      while (go.load() != seen)
        ;
      (*current)(t);
      ++done;
    }
  }

  std::vector<std::thread> workers;
  std::mutex mutex;
  std::condition_variable wake;
  bool stop = false;
  unsigned generation = 0;
  const std::function<void(unsigned)> *current = nullptr;
  std::atomic<unsigned> ready{0}, done{0}, go{0};
};

/// Reads [data, data + bytes) on the team's threads, each its own contiguous
/// share (a multiple of 4 KiB) in `streams` streams; returns the seconds
/// and adds the sum to `sink`. `bytes` read: *read.
double teamRead(ReadTeam &team, const void *data, size_t bytes,
                unsigned streams, volatile long long &sink,
                size_t *read = nullptr);

/// Read bandwidth (bytes/s) of a buffer of `bytes` read with `streams`
/// streams per thread on the team's threads; median of 5 passes.
double measureReadBandwidth(ReadTeam &team, size_t bytes, unsigned streams);

/// The same single-stream read of a buffer of `bytes`, one `chunk` (a
/// multiple of 512) at a time in address order, back to back: what reading
/// a weight-sized piece costs. Median over 5 passes of the summed chunk
/// times.
double measureChunkedReadBandwidth(size_t bytes, size_t chunk);

/// A result table: printed as Markdown as its rows come in and, when
/// setResultsFile() named a file, appended to that CSV file one cell per
/// line (`utc,run,cpu,threads,table,row,column,value`), so that the history
/// of runs is data that benchmarks/plot_results.py reads.
class ResultTable {
public:
  /// `name` identifies the table in the CSV; `header` is its Markdown header
  /// row ("| a | b |"), whose cells name the columns.
  ResultTable(std::string name, llvm::StringRef header);
  /// Prints a Markdown row ("| 1 | 2 |") and records its cells; the first
  /// cell names the row.
  void addRow(llvm::StringRef markdownRow);

private:
  std::string name;
  std::vector<std::string> columns;
};

/// Where ResultTable rows are appended (empty: nowhere). `threads` and the
/// CPU name go into every row; one run id (the UTC start time) marks the
/// rows of one process.
void setResultsFile(llvm::StringRef path, unsigned threads);

} // namespace lowbit::bench

#endif // LOWBIT_BENCHMARKS_BENCHUTIL_H
