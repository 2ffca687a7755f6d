//===- GPUEmulator.cpp - GPU kernels on CPU threads, for checking ---------===//
//
// See lowbit/Runtime/GPUEmulator.h.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Runtime/GPUEmulator.h"

#include <cmath>
#include <condition_variable>
#include <cstring>
#include <mutex>

namespace {

constexpr int kWarp = 32;
constexpr int kMaxWarps = 32; // 1024 threads per block

/// A reusable barrier for `count` threads (generation counting).
class Barrier {
public:
  void reset(int n) {
    std::lock_guard<std::mutex> lock(mutex);
    count = n;
    waiting = 0;
  }
  void wait() {
    std::unique_lock<std::mutex> lock(mutex);
    long gen = generation;
    if (++waiting == count) {
      waiting = 0;
      ++generation;
      cv.notify_all();
      return;
    }
    cv.wait(lock, [&] { return generation != gen; });
  }

private:
  std::mutex mutex;
  std::condition_variable cv;
  int count = kWarp, waiting = 0;
  long generation = 0;
};

struct Block {
  int threads = 0;
  Barrier warpBarrier[kMaxWarps];
  Barrier blockBarrier;
  int32_t slots[kMaxWarps][kWarp];
  // mma fragments of each lane: A 4 words, B 2 words, C 4 words.
  int32_t a[kMaxWarps][kWarp][4], b[kMaxWarps][kWarp][2],
      c[kMaxWarps][kWarp][4];
};

Block &block() {
  static Block instance;
  return instance;
}

int lanesOf(int warp) {
  int rest = block().threads - warp * kWarp;
  return rest < kWarp ? rest : kWarp;
}

/// Puts thread `tid`'s A (4 words), B (2 words) and C (4 words) fragments
/// where its warp can read them, and waits for the warp's other lanes.
void publishFragments(int64_t tid, int64_t aPtr, int64_t bPtr, int64_t cPtr,
                      int &warp, int &lane) {
  Block &blk = block();
  warp = static_cast<int>(tid / kWarp);
  lane = static_cast<int>(tid % kWarp);
  std::memcpy(blk.a[warp][lane], reinterpret_cast<void *>(aPtr), 16);
  std::memcpy(blk.b[warp][lane], reinterpret_cast<void *>(bPtr), 8);
  std::memcpy(blk.c[warp][lane], reinterpret_cast<void *>(cPtr), 16);
  blk.warpBarrier[warp].wait();
}

int8_t byteOf(int32_t word, int i) {
  return static_cast<int8_t>((static_cast<uint32_t>(word) >> (8 * i)) & 0xFF);
}

} // namespace

extern "C" {

void lowbit_emu_block_begin(int64_t threads) {
  Block &blk = block();
  blk.threads = static_cast<int>(threads);
  for (int w = 0; w < kMaxWarps && w * kWarp < threads; ++w)
    blk.warpBarrier[w].reset(lanesOf(w));
  blk.blockBarrier.reset(static_cast<int>(threads));
}

int32_t lowbit_emu_shuffle(int32_t value, int32_t offset, int32_t width,
                           int32_t mode, int64_t tid) {
  Block &blk = block();
  int warp = static_cast<int>(tid / kWarp),
      lane = static_cast<int>(tid % kWarp);
  blk.slots[warp][lane] = value;
  blk.warpBarrier[warp].wait();
  // Lanes are grouped in segments of `width`; the source stays in the
  // segment or the lane keeps its own value.
  int base = lane - lane % width, src;
  switch (mode) {
  case 0:
    src = lane ^ offset;
    break;
  case 1:
    src = lane + offset;
    break;
  case 2:
    src = lane - offset;
    break;
  default:
    src = base + offset;
    break;
  }
  int32_t result = value;
  if (src >= base && src < base + width && src < lanesOf(warp))
    result = blk.slots[warp][src];
  blk.warpBarrier[warp].wait();
  return result;
}

void lowbit_emu_mma_m16n8k32_s8(int64_t aPtr, int64_t bPtr, int64_t cPtr,
                                int64_t dPtr, int64_t tid) {
  Block &blk = block();
  int warp = 0, lane = 0;
  publishFragments(tid, aPtr, bPtr, cPtr, warp, lane);

  // The PTX ISA's fragment layout of m16n8k32 with .s8 operands, for lane
  // L = 4 * groupID + threadID_in_group:
  //   A (16 x 32, row-major), elements a0..a15 (4 per 32-bit register):
  //     row = groupID for a0..a3 and a8..a11, groupID + 8 otherwise;
  //     col = threadID_in_group * 4 + (i & 3), + 16 for a8..a15.
  //   B (32 x 8, column-major), elements b0..b7:
  //     row = threadID_in_group * 4 + (i & 3), + 16 for b4..b7;
  //     col = groupID.
  //   C, D (16 x 8), elements c0..c3:
  //     row = groupID for c0, c1, groupID + 8 for c2, c3;
  //     col = threadID_in_group * 2 + (i & 1).
  int8_t A[16][32], B[32][8];
  int32_t C[16][8];
  for (int l = 0; l < kWarp; ++l) {
    int g = l / 4, t = l % 4;
    for (int i = 0; i < 16; ++i) {
      int row = (i < 4 || (i >= 8 && i < 12)) ? g : g + 8;
      int col = t * 4 + (i & 3) + (i >= 8 ? 16 : 0);
      A[row][col] = byteOf(blk.a[warp][l][i / 4], i % 4);
    }
    for (int i = 0; i < 8; ++i)
      B[t * 4 + (i & 3) + (i >= 4 ? 16 : 0)][g] =
          byteOf(blk.b[warp][l][i / 4], i % 4);
    for (int i = 0; i < 4; ++i)
      C[i < 2 ? g : g + 8][t * 2 + (i & 1)] = blk.c[warp][l][i];
  }
  int g = lane / 4, t = lane % 4;
  int32_t d[4];
  for (int i = 0; i < 4; ++i) {
    int row = i < 2 ? g : g + 8, col = t * 2 + (i & 1);
    // Wrapping i32 arithmetic, as the hardware's (no overflow for
    // K = 32 s8 products anyway).
    uint32_t sum = static_cast<uint32_t>(C[row][col]);
    for (int k = 0; k < 32; ++k)
      sum += static_cast<uint32_t>(int32_t(A[row][k]) * int32_t(B[k][col]));
    d[i] = static_cast<int32_t>(sum);
  }
  blk.warpBarrier[warp].wait();
  std::memcpy(reinterpret_cast<void *>(dPtr), d, 16);
}

namespace {
/// An IEEE binary16 value, exactly, as a float.
float halfToFloat(uint16_t h) {
  int sign = h >> 15, exponent = (h >> 10) & 31, mantissa = h & 1023;
  float magnitude;
  if (exponent == 0)
    magnitude = std::ldexp(float(mantissa), -24);
  else if (exponent == 31)
    magnitude = mantissa ? NAN : INFINITY;
  else
    magnitude = std::ldexp(float(mantissa | 1024), exponent - 25);
  return sign ? -magnitude : magnitude;
}
} // namespace

void lowbit_emu_mma_m16n8k16_f16(int64_t aPtr, int64_t bPtr, int64_t cPtr,
                                 int64_t dPtr, int64_t tid) {
  Block &blk = block();
  int warp = 0, lane = 0;
  publishFragments(tid, aPtr, bPtr, cPtr, warp, lane);

  // The PTX ISA's fragment layout of m16n8k16 with .f16 operands and .f32
  // accumulators, for lane L = 4 * groupID + threadID_in_group:
  //   A (16 x 16), elements a0..a7 (2 per 32-bit register):
  //     row = groupID for a0, a1, a4, a5, groupID + 8 otherwise;
  //     col = threadID_in_group * 2 + (i & 1), + 8 for a4..a7.
  //   B (16 x 8), elements b0..b3:
  //     row = threadID_in_group * 2 + (i & 1), + 8 for b2, b3;
  //     col = groupID.
  //   C, D (16 x 8, f32): as for m16n8k32 above.
  float A[16][16], B[16][8], C[16][8];
  auto half = [](int32_t word, int i) {
    return halfToFloat(
        static_cast<uint16_t>(static_cast<uint32_t>(word) >> (16 * i)));
  };
  for (int l = 0; l < kWarp; ++l) {
    int g = l / 4, t = l % 4;
    for (int i = 0; i < 8; ++i) {
      int row = (i < 2 || (i >= 4 && i < 6)) ? g : g + 8;
      A[row][t * 2 + (i & 1) + (i >= 4 ? 8 : 0)] =
          half(blk.a[warp][l][i / 2], i % 2);
    }
    for (int i = 0; i < 4; ++i)
      B[t * 2 + (i & 1) + (i >= 2 ? 8 : 0)][g] =
          half(blk.b[warp][l][i / 2], i % 2);
    for (int i = 0; i < 4; ++i)
      std::memcpy(&C[i < 2 ? g : g + 8][t * 2 + (i & 1)], &blk.c[warp][l][i],
                  4);
  }
  int g = lane / 4, t = lane % 4;
  float d[4];
  for (int i = 0; i < 4; ++i) {
    int row = i < 2 ? g : g + 8, col = t * 2 + (i & 1);
    // Products of halves are exact in f32; the hardware's summation order
    // is unspecified, this one sums in k order after C.
    float sum = C[row][col];
    for (int k = 0; k < 16; ++k)
      sum += A[row][k] * B[k][col];
    d[i] = sum;
  }
  blk.warpBarrier[warp].wait();
  std::memcpy(reinterpret_cast<void *>(dPtr), d, 16);
}

void lowbit_emu_block_barrier(int64_t) { block().blockBarrier.wait(); }

const LowbitRuntimeSymbol *lowbitEmuSymbols(size_t *count) {
#define LOWBIT_SYMBOL(name)                                                    \
  { #name, reinterpret_cast < void *>(&name) }
  static const LowbitRuntimeSymbol symbols[] = {
      LOWBIT_SYMBOL(lowbit_emu_block_begin),
      LOWBIT_SYMBOL(lowbit_emu_shuffle),
      LOWBIT_SYMBOL(lowbit_emu_mma_m16n8k32_s8),
      LOWBIT_SYMBOL(lowbit_emu_mma_m16n8k16_f16),
      LOWBIT_SYMBOL(lowbit_emu_block_barrier),
  };
#undef LOWBIT_SYMBOL
  *count = sizeof(symbols) / sizeof(symbols[0]);
  return symbols;
}

} // extern "C"
