//===- lowbit-bench.cpp - CPU benchmarks of the fused quantized matmul ----===//
//
//   lowbit-bench [--gemv] [--gemm] [--w4-gemm] [--w4a4] [--reps N]
//                [--footprint-mib N] [--bf16-act] [--asym-act]
//                [--weights i4|nf4|fp4|e4m3|nvfp4|i3|mxfp6]
//                [--gemv-shape NxK]... [--min-m N] [--max-m N]
//                [--num-threads N]
//
// JIT-compiles lowbit.matmul kernels once through lib/Runner (the
// lowbit-to-llvm lowering with the vector fast path, and with the reference
// lowering only) and times repeated calls (median after warm-up) against:
//
//   W4A16 GEMV (M = 1): OpenBLAS cblas_sgemv on the f32 weights
//     and the read bandwidth of this machine measured in the
//     same run (a STREAM-like sum over a buffer far larger than the LLC).
//     Calls rotate over copies of the weights that together exceed the
//     footprint (default 1 GiB), so every call streams its weights from DRAM.
//   W4A4 with RPTQ clusters (K = N = 4096, 32 clusters, M = 1..512): the
//     segmented integer kernel against the W8A8 kernel and oneDNN's s8
//     matmul on the same shape, and the reference lowering (M <= 16).
//   W8A8 GEMM (K = N = 4096, M = 128..2048): oneDNN's s8 x s8 matmul (f32
//     output with per-channel scales, weights reordered once outside the
//     timing) and OpenBLAS cblas_sgemm on f32 copies.
//
// With --num-threads N, everything runs on N threads: the JIT kernels
// (lowbit-to-llvm threads=N: output columns in N chunks, an OpenMP parallel
// loop), OpenBLAS, oneDNN, and the bandwidth reads (each thread reads its
// share of the buffer; timed from a common start once all are spinning).
// Before timing one runtime's code the benchmark lets the other runtime's
// spinning workers fall asleep (letWorkersSleep).
//
// Every fast kernel's result is checked against the reference lowering (GEMV,
// W4A4: bit for bit) or oneDNN (GEMM) before it is timed. Results go to stdout
// as tables.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Numerics/FloatFormats.h"
#include "lowbit/Numerics/LookupTable.h"
#include "lowbit/Runner/JitRunner.h"
#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"

#include "BenchUtil.h"
#include "DnnlMatmul.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

#include <cblas.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <immintrin.h>
#include <malloc.h>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

extern "C" void openblas_set_num_threads(int);
// oneDNN runs on OpenMP (libgomp on Debian), which reads OMP_NUM_THREADS
// before main; set the thread count explicitly.
extern "C" void omp_set_num_threads(int);
extern "C" int omp_get_max_threads();

using namespace mlir;
using namespace mlir::lowbit;
using namespace ::lowbit::bench;
namespace cl = llvm::cl;

static cl::OptionCategory category("lowbit-bench options");
static cl::opt<bool> runGemv("gemv", cl::desc("Run the W4A16 GEMV benchmark"),
                             cl::cat(category));
static cl::opt<bool> runGemm("gemm", cl::desc("Run the W8A8 GEMM benchmark"),
                             cl::cat(category));
static cl::opt<bool> runW4Gemm("w4-gemm",
                               cl::desc("Run the W4A16 GEMM benchmark"),
                               cl::cat(category));
static cl::opt<bool>
    runW4A4("w4a4", cl::desc("Run the W4A4 RPTQ-cluster GEMV/GEMM benchmark"),
            cl::cat(category));
static cl::opt<bool> bf16Activations(
    "bf16-act",
    cl::desc("W4A16 GEMV and GEMM with bf16 activations (vdpbf16ps when the "
             "host has AVX512-BF16) instead of f32"),
    cl::cat(category));
enum class WeightFormat { I4, NF4, FP4, E4M3, NVFP4, I3, MXFP6 };
static cl::opt<WeightFormat> weightFormat(
    "weights", cl::desc("Weight format of the weight-only GEMV and GEMM"),
    cl::values(clEnumValN(WeightFormat::I4, "i4", "signed 4-bit integers"),
               clEnumValN(WeightFormat::NF4, "nf4", "NF4 lookup table"),
               clEnumValN(WeightFormat::FP4, "fp4", "FP4 E2M1"),
               clEnumValN(WeightFormat::E4M3, "e4m3",
                          "FP8 E4M3 (8-bit codes: twice the weight bytes)"),
               clEnumValN(WeightFormat::NVFP4, "nvfp4",
                          "NVFP4 (E2M1, an E4M3 scale per 16, a global "
                          "scale)"),
               clEnumValN(WeightFormat::I3, "i3",
                          "signed 3-bit integers (densely packed)"),
               clEnumValN(WeightFormat::MXFP6, "mxfp6",
                          "MXFP6 E2M3 (densely packed, an E8M0 scale per "
                          "32)")),
    cl::init(WeightFormat::I4), cl::cat(category));
static cl::opt<std::string> resultsPath(
    "results",
    cl::desc("Append every table cell to this CSV file (created with a "
             "header if missing): the run history that "
             "benchmarks/plot_results.py reads"),
    cl::value_desc("file.csv"), cl::cat(category));
static cl::opt<unsigned> reps("reps", cl::desc("Timed calls per kernel"),
                              cl::init(50), cl::cat(category));
static cl::opt<unsigned>
    footprintMiB("footprint-mib",
                 cl::desc("Bytes of weight copies to rotate over (MiB)"),
                 cl::init(1024), cl::cat(category));
static cl::opt<unsigned>
    threads("num-threads",
            cl::desc("Threads for the JIT kernels (lowbit-to-llvm threads=N), "
                     "OpenBLAS, oneDNN and the bandwidth reads (default 1)"),
            cl::init(1), cl::cat(category));
static cl::opt<bool> asymmetricActivations(
    "asym-act",
    cl::desc("W4A4 with asymmetric ui4 activations (an i32 zero point per "
             "cluster) instead of symmetric i4; W8A8 GEMM also times ui8 "
             "activations with a zero point per token, and those times ui8 "
             "weights with a zero point per channel"),
    cl::cat(category));
static cl::list<std::string> gemvShapes(
    "gemv-shape",
    cl::desc("N x K of a GEMV to run, e.g. 8192x5504 (repeatable; default "
             "4096x4096, 4096x11008 and 11008x4096)"),
    cl::value_desc("NxK"), cl::cat(category));
static cl::opt<unsigned> maxTokens("max-m",
                                   cl::desc("Largest M of the GEMM sweep"),
                                   cl::init(2048), cl::cat(category));
static cl::opt<unsigned> minTokens("min-m",
                                   cl::desc("Smallest M of the GEMM sweep "
                                            "(doubled up to --max-m)"),
                                   cl::init(128), cl::cat(category));

namespace {

std::string threadCount() {
  return threads == 1 ? "one thread" : std::to_string(threads) + " threads";
}

/// With threads, the JIT kernels' OpenMP workers (libomp) spin for 200 ms
/// after each call, and OpenBLAS's and oneDNN's (libgomp) for a while too;
/// before timing code of the other runtime, wait until they sleep so that
/// no spinning thread competes for the cores.
void letWorkersSleep() {
  if (threads > 1)
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
}

//===----------------------------------------------------------------------===//
// JIT-compiled kernels
//===----------------------------------------------------------------------===//

class Kernel {
public:
  /// Compiles `source`'s @main with the fast path or the reference only.
  static std::unique_ptr<Kernel> compile(const std::string &source,
                                         bool referenceOnly) {
    auto kernel = std::unique_ptr<Kernel>(new Kernel());
    registerLowBitToLLVMDialects(kernel->registry);
    kernel->context = std::make_unique<MLIRContext>(
        kernel->registry, MLIRContext::Threading::DISABLED);
    OwningOpRef<ModuleOp> module =
        parseSourceString<ModuleOp>(source, kernel->context.get());
    if (!module)
      fatal("cannot parse the kernel");
    FailureOr<runner::EntrySignature> signature =
        runner::prepareEntry(*module, "main");
    if (failed(signature) ||
        failed(lowerToLLVM(
            *module,
            [&](OpPassManager &pm) {
              addLowBitLoweringPasses(pm, referenceOnly, threads);
            },
            threads)))
      fatal("cannot lower the kernel");
    auto function = runner::JitFunction::create(*module, *signature, 3);
    if (!function)
      fatal(llvm::toString(function.takeError()));
    kernel->function = std::move(*function);
    return kernel;
  }

  /// Calls the kernel; the result (one rank-2 f32 tensor) is copied into
  /// `out` when given, and its buffer freed.
  void call(std::vector<Memref2D> inputs, float *out = nullptr) {
    Memref2D result{};
    void *resultPtr = &result;
    std::vector<void *> inputPtrs;
    for (Memref2D &input : inputs)
      inputPtrs.push_back(&input);
    std::vector<void *> args{&resultPtr};
    for (void *&ptr : inputPtrs)
      args.push_back(&ptr);
    if (llvm::Error err = function->invokePacked(args))
      fatal(llvm::toString(std::move(err)));
    if (out)
      std::memcpy(out, static_cast<float *>(result.aligned) + result.offset,
                  result.sizes[0] * result.sizes[1] * sizeof(float));
    std::free(result.allocated);
  }

  [[noreturn]] static void fatal(const std::string &message) {
    llvm::errs() << "lowbit-bench: " << message << "\n";
    std::exit(1);
  }

private:
  Kernel() = default;
  DialectRegistry registry;
  std::unique_ptr<MLIRContext> context;
  std::unique_ptr<runner::JitFunction> function;
};

/// max |x - y| / max |y|.
double relativeError(const float *x, const float *y, size_t count) {
  double err = 0, mag = 0;
  for (size_t i = 0; i < count; ++i) {
    err = std::max(err, double(std::fabs(x[i] - y[i])));
    mag = std::max(mag, double(std::fabs(y[i])));
  }
  return err / std::max(mag, 1e-30);
}

//===----------------------------------------------------------------------===//
// W4A16 GEMV
//===----------------------------------------------------------------------===//

/// The W4A16 weight format as it is printed in schemes and tables.
const char *weightStorage() {
  switch (weightFormat) {
  case WeightFormat::I4:
    return "i4";
  case WeightFormat::NF4:
    return "!lowbit.lut<nf4>";
  case WeightFormat::FP4:
    return "f4E2M1FN";
  case WeightFormat::E4M3:
    return "f8E4M3FN";
  case WeightFormat::NVFP4:
    return "nvfp4";
  case WeightFormat::I3:
    return "i3";
  case WeightFormat::MXFP6:
    return "mxfp6_e2m3";
  }
  return "i4";
}

bool nvfp4() { return weightFormat == WeightFormat::NVFP4; }
bool mxfp6() { return weightFormat == WeightFormat::MXFP6; }

/// Bits per code of the weight format.
int64_t codeBits() {
  switch (weightFormat) {
  case WeightFormat::E4M3:
    return 8;
  case WeightFormat::I3:
    return 3;
  case WeightFormat::MXFP6:
    return 6;
  default:
    return 4;
  }
}

/// The weight scheme as the table headers describe it.
/// The --weights value, for result table names.
const char *weightName() {
  static const char *const names[] = {"i4",   "nf4", "fp4",  "e4m3",
                                      "nvfp4", "i3", "mxfp6"};
  return names[static_cast<int>(weightFormat.getValue())];
}

std::string weightLabel() {
  if (nvfp4())
    return "nvfp4: E2M1, an E4M3 scale per 16, a global f32 scale";
  if (mxfp6())
    return "mxfp6_e2m3: E2M3, an E8M0 scale per 32";
  return std::string(weightStorage()) + " per_group<128>, f32 scales";
}

/// NVFP4's global scale in the benchmarks.
constexpr float kGlobalScale = 0.0123f;

/// Scale columns of a weight row of K codes: groups of 128, NVFP4's
/// blocks of 16 or MX blocks of 32; and the bytes of one scale (f32, or
/// E4M3 for NVFP4, E8M0 for MX).
int64_t scaleColumns(int64_t k) {
  return nvfp4() ? k / 16 : mxfp6() ? k / 32 : k / 128;
}
size_t scaleBytes() { return nvfp4() || mxfp6() ? 1 : 4; }

/// Random scales: f32 in [1e-3, 1e-1), NVFP4 E4M3 codes of 2^-4 .. 2^4,
/// or MX E8M0 codes of 2^-7 .. 2^-4.
void fillScales(Buffer &buffer, size_t count, uint64_t seed) {
  if (!nvfp4() && !mxfp6())
    return fillUniform(buffer.as<float>(), count, 1e-3f, 1e-1f, seed);
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < count; ++i)
    buffer.as<uint8_t>()[i] =
        nvfp4() ? uint8_t(0x18 + rng() % 0x40) : uint8_t(120 + rng() % 4);
}

/// The effective scale `i` (NVFP4: block scale times the global scale).
float scaleValue(const Buffer &buffer, size_t i) {
  if (mxfp6())
    return ::lowbit::numerics::decodeFloat(
        ::lowbit::numerics::FloatFormat::E8M0FNU, buffer.as<uint8_t>()[i]);
  if (!nvfp4())
    return buffer.as<float>()[i];
  return ::lowbit::numerics::decodeFloat(
             ::lowbit::numerics::FloatFormat::E4M3FN, buffer.as<uint8_t>()[i]) *
         kGlobalScale;
}

/// Bytes of one weight row of K codes (K * bits a multiple of 8 here).
int64_t rowBytes(int64_t k) { return k * codeBits() / 8; }

/// Code `i` of a packed weight row (LSB-first bit stream).
int codeAt(const uint8_t *row, int64_t i) {
  int64_t bit = i * codeBits();
  unsigned window =
      row[bit / 8] |
      (bit % 8 + codeBits() > 8 ? unsigned(row[bit / 8 + 1]) << 8 : 0u);
  return (window >> (bit % 8)) & ((1 << codeBits()) - 1);
}

/// Random codes; FP8 NaN codes (|c| = 0x7F) become 0x7E so that every
/// output is finite and comparable.
void fillRandomCodes(Buffer &buffer, uint64_t seed) {
  fillRandomBytes(buffer, seed);
  if (weightFormat == WeightFormat::E4M3)
    for (size_t i = 0; i < buffer.bytes; ++i)
      if ((buffer.as<uint8_t>()[i] & 0x7F) == 0x7F)
        buffer.as<uint8_t>()[i] &= 0xFE;
}

/// The value of code `c` of the weight format, from the numerics library.
float codeValue(int c) {
  switch (weightFormat) {
  case WeightFormat::I4:
    return c >= 8 ? c - 16 : c;
  case WeightFormat::NF4:
    return ::lowbit::numerics::LookupTable::getNF4().decode(c);
  case WeightFormat::FP4:
    return ::lowbit::numerics::decodeFloat(
        ::lowbit::numerics::FloatFormat::E2M1FN, c);
  case WeightFormat::E4M3:
    return ::lowbit::numerics::decodeFloat(
        ::lowbit::numerics::FloatFormat::E4M3FN, c);
  case WeightFormat::NVFP4:
    return ::lowbit::numerics::decodeFloat(
        ::lowbit::numerics::FloatFormat::E2M1FN, c);
  case WeightFormat::I3:
    return c >= 4 ? c - 8 : c;
  case WeightFormat::MXFP6:
    return ::lowbit::numerics::decodeFloat(
        ::lowbit::numerics::FloatFormat::E2M3FN, c);
  }
  return 0;
}

/// W4A16: f32 (or bf16, --bf16-act) activations [M, K] times 4-bit weights
/// (--weights) [N, K] in groups of 128.
std::string w4Source(int64_t m, int64_t n, int64_t k) {
  if (nvfp4())
    return llvm::formatv(R"(
!w = !lowbit.qtensor<{0}x{1}, #lowbit.scheme<nvfp4, axis = 1>>
func.func @main(%a: tensor<{3}x{1}x{4}>, %w: !w, %s8: tensor<{0}x{2}xi8>, %g: tensor<1x1xf32>) -> tensor<{3}x{0}xf32> {{
  %s = arith.bitcast %s8 : tensor<{0}x{2}xi8> to tensor<{0}x{2}xf8E4M3FN>
  %y = lowbit.matmul %a, %w scale(%s : tensor<{0}x{2}xf8E4M3FN>) global_scale(%g : tensor<1x1xf32>) transpose_rhs acc(f32)
      : tensor<{3}x{1}x{4}>, !w -> tensor<{3}x{0}xf32>
  return %y : tensor<{3}x{0}xf32>
}
)",
                         n, k, k / 16, m, bf16Activations ? "bf16" : "f32")
        .str();
  if (mxfp6())
    return llvm::formatv(R"(
!w = !lowbit.qtensor<{0}x{1}, #lowbit.scheme<mxfp6_e2m3, axis = 1>>
func.func @main(%a: tensor<{3}x{1}x{4}>, %w: !w, %s8: tensor<{0}x{2}xi8>) -> tensor<{3}x{0}xf32> {{
  %s = arith.bitcast %s8 : tensor<{0}x{2}xi8> to tensor<{0}x{2}xf8E8M0FNU>
  %y = lowbit.matmul %a, %w scale(%s : tensor<{0}x{2}xf8E8M0FNU>) transpose_rhs acc(f32)
      : tensor<{3}x{1}x{4}>, !w -> tensor<{3}x{0}xf32>
  return %y : tensor<{3}x{0}xf32>
}
)",
                         n, k, k / 32, m, bf16Activations ? "bf16" : "f32")
        .str();
  return llvm::formatv(R"(
!w = !lowbit.qtensor<{0}x{1}, #lowbit.scheme<{5}, per_group<axis = 1, size = 128>>>
func.func @main(%a: tensor<{3}x{1}x{4}>, %w: !w, %s: tensor<{0}x{2}xf32>) -> tensor<{3}x{0}xf32> {{
  %y = lowbit.matmul %a, %w scale(%s : tensor<{0}x{2}xf32>) transpose_rhs acc(f32)
      : tensor<{3}x{1}x{4}>, !w -> tensor<{3}x{0}xf32>
  return %y : tensor<{3}x{0}xf32>
}
)",
                       n, k, k / 128, m, bf16Activations ? "bf16" : "f32",
                       weightStorage())
      .str();
}

/// The NVFP4 global scale operand (1 x 1 f32), appended for NVFP4 weights.
void addGlobalScale(std::vector<Memref2D> &inputs) {
  static float global = kGlobalScale;
  if (nvfp4())
    inputs.push_back(describe(&global, 1, 1));
}

/// The kernel's activations: f32, or with --bf16-act `values` rounded to
/// bf16 (nearest even); `values` then holds the rounded numbers, so f32
/// baselines multiply the same activations.
std::unique_ptr<Buffer> makeActivations(std::vector<float> &values) {
  if (!bf16Activations) {
    auto buffer = std::make_unique<Buffer>(values.size() * 4);
    std::memcpy(buffer->ptr, values.data(), values.size() * 4);
    return buffer;
  }
  auto buffer = std::make_unique<Buffer>(values.size() * 2);
  for (size_t i = 0; i < values.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &values[i], 4);
    bits += 0x7fff + ((bits >> 16) & 1); // finite inputs only
    buffer->as<uint16_t>()[i] = uint16_t(bits >> 16);
    bits &= 0xffff0000u;
    std::memcpy(&values[i], &bits, 4);
  }
  return buffer;
}

/// The --gemv-shape values as (N, K); exits on a malformed one.
std::vector<std::pair<int64_t, int64_t>> parseShapes() {
  std::vector<std::pair<int64_t, int64_t>> shapes;
  for (llvm::StringRef text : gemvShapes) {
    auto [nText, kText] = text.split('x');
    int64_t n = 0, k = 0;
    // K in whole groups of 128 codes (the scale layout of every format).
    if (nText.getAsInteger(10, n) || kText.getAsInteger(10, k) || n < 4 ||
        k < 128 || k % 128 != 0) {
      llvm::errs() << "lowbit-bench: --gemv-shape '" << text
                   << "': expected NxK with N >= 4 and K a multiple of 128\n";
      std::exit(2);
    }
    shapes.emplace_back(n, k);
  }
  return shapes;
}

void benchGemv(ReadTeam &team, double bandwidth,
               const std::vector<std::pair<int64_t, int64_t>> &shapes) {
  llvm::outs() << llvm::formatv(
      "\n## Weight-only GEMV (M = 1, {2}, {1} activations), {3}\n"
      "read bandwidth measured at the start: {0:F1} GB/s; paired read: "
      "STREAM-like reads (codes in 4 and in 8 streams per thread) of two "
      "other cold copies of the same bytes just before each cold call, the "
      "faster median of the two\n\n",
      bandwidth / 1e9, bf16Activations ? "bf16" : "f32", weightLabel(),
      threadCount());
  ResultTable table(
      llvm::formatv("gemv w={0} a={1}", weightName(),
                    bf16Activations ? "bf16" : "f32")
          .str(),
      "| N x K | weight+scale MiB | copies | fast cold us | "
      "fast hot us | GB/s | % of start bandwidth | paired read "
      "us (GB/s, streams) | % of paired read | fastest cold us "
      "(% of start bandwidth) | reference us | "
      "sgemv us | vs sgemv | vs reference | max rel err |");
  size_t footprint = size_t(footprintMiB) << 20;
  for (const auto &shape : shapes) {
    int64_t n = shape.first, k = shape.second;
    size_t codeBytes = n * rowBytes(k),
           scaleBytes = n * scaleColumns(k) * ::scaleBytes();
    size_t bytes = codeBytes + scaleBytes;
    unsigned copies = std::max<size_t>(1, (footprint + bytes - 1) / bytes);
    // One allocation per copy keeps the rows of a copy contiguous.
    std::vector<std::unique_ptr<Buffer>> codes, scales;
    for (unsigned c = 0; c < copies; ++c) {
      codes.push_back(std::make_unique<Buffer>(codeBytes));
      scales.push_back(std::make_unique<Buffer>(scaleBytes));
      if (c == 0) {
        fillRandomCodes(*codes[0], 1);
        fillScales(*scales[0], n * scaleColumns(k), 2);
      } else {
        std::memcpy(codes[c]->ptr, codes[0]->ptr, codeBytes);
        std::memcpy(scales[c]->ptr, scales[0]->ptr, scaleBytes);
      }
    }
    std::vector<float> actValues(k);
    fillUniform(actValues.data(), k, -1, 1, 3);
    std::unique_ptr<Buffer> act = makeActivations(actValues);
    auto inputs = [&](unsigned c) {
      std::vector<Memref2D> in{describe(act->ptr, 1, k),
                               describe(codes[c]->ptr, n, rowBytes(k)),
                               describe(scales[c]->ptr, n, scaleColumns(k))};
      addGlobalScale(in);
      return in;
    };

    std::string source = w4Source(1, n, k);
    auto fast = Kernel::compile(source, /*referenceOnly=*/false);
    auto reference = Kernel::compile(source, /*referenceOnly=*/true);
    std::vector<float> yFast(n), yRef(n);
    fast->call(inputs(0), yFast.data());
    reference->call(inputs(0), yRef.data());
    double err = relativeError(yFast.data(), yRef.data(), n);

    // The machine is shared and its bandwidth drifts by tens of percent
    // within minutes, so every cold call is paired with STREAM-like reads
    // of other cold copies of the same bytes just before it: the medians
    // come from the same moments. The fastest cold call shows what the
    // kernel does when nothing else competes for the memory system.
    // Two reads per call, of two other cold copies: 4 streams (as the GEMV
    // kernel reads four quarters of the weight) and 8 (often this
    // machine's best read at the start); the faster median is the paired
    // reference. With threads, each thread reads its share, as the
    // kernel's chunks do.
    volatile long long sink = 0;
    constexpr unsigned kPairedStreams[] = {4, 8};
    size_t readBytes[2] = {};
    auto readCopy = [&](unsigned c, unsigned which) {
      size_t codeRead = 0, scaleRead = 0;
      double t =
          teamRead(team, codes[c]->ptr, codeBytes, kPairedStreams[which], sink,
                   &codeRead) +
          teamRead(team, scales[c]->ptr, scaleBytes, 1, sink, &scaleRead);
      readBytes[which] = codeRead + scaleRead;
      return t;
    };
    unsigned count = std::max<unsigned>(reps, copies);
    std::vector<double> coldTimes, readTimes[2];
    for (unsigned i = 0; i < copies + count; ++i) {
      unsigned c = i % copies;
      double read4 = readCopy((i + copies / 2) % copies, 0);
      double read8 = readCopy((i + copies / 4) % copies, 1);
      double start = now();
      fast->call(inputs(c));
      double end = now();
      if (i >= copies) {
        readTimes[0].push_back(read4);
        readTimes[1].push_back(read8);
        coldTimes.push_back(end - start);
      }
    }
    std::sort(coldTimes.begin(), coldTimes.end());
    double cold = coldTimes[count / 2], coldMin = coldTimes.front();
    double pairedRate = 0, pairedRead = 0;
    unsigned pairedStreams = 0;
    for (unsigned which : {0u, 1u}) {
      std::sort(readTimes[which].begin(), readTimes[which].end());
      double t = readTimes[which][count / 2];
      if (double(readBytes[which]) / t > pairedRate) {
        pairedRate = double(readBytes[which]) / t;
        pairedRead = t;
        pairedStreams = kPairedStreams[which];
      }
    }
    double hot = median(5, reps, [&](unsigned) { fast->call(inputs(0)); });
    letWorkersSleep();
    double ref = median(1, 3, [&](unsigned) { reference->call(inputs(0)); });

    // sgemv on the f32 weights the codes stand for (values do not matter for
    // timing), rotating over as many copies as fit the same footprint.
    size_t f32Bytes = size_t(n) * k * 4;
    unsigned f32Copies =
        std::max<size_t>(1, (footprint + f32Bytes - 1) / f32Bytes);
    std::vector<std::unique_ptr<Buffer>> weights;
    for (unsigned c = 0; c < f32Copies; ++c) {
      weights.push_back(std::make_unique<Buffer>(f32Bytes));
      std::memset(weights.back()->ptr, 0, f32Bytes);
    }
    std::vector<float> y(n);
    letWorkersSleep();
    double sgemv =
        median(f32Copies, std::max<unsigned>(reps, f32Copies), [&](unsigned i) {
          cblas_sgemv(CblasRowMajor, CblasNoTrans, n, k, 1.0f,
                      weights[i % f32Copies]->as<float>(), k, actValues.data(),
                      1, 0.0f, y.data(), 1);
        });
    double rate = double(bytes) / cold;
    table.addRow(llvm::formatv(
        "| {0} x {1} | {2:F2} | {3} | {4:F1} | {5:F1} | {6:F1} | {7:F0}% | "
        "{15:F1} ({16:F1}, {18}) | {17:F0}% | "
        "{13:F1} ({14:F0}%) | {8:F0} | {9:F1} | {10:F2}x | {11:F0}x | "
        "{12:E1} |\n",
        n, k, double(bytes) / (1 << 20), copies, cold * 1e6, hot * 1e6,
        rate / 1e9, 100 * rate / bandwidth, ref * 1e6, sgemv * 1e6,
        sgemv / cold, ref / cold, err, coldMin * 1e6,
        100 * double(bytes) / coldMin / bandwidth, pairedRead * 1e6,
        pairedRate / 1e9, 100 * rate / pairedRate, pairedStreams)
                     .str());
  }
}

//===----------------------------------------------------------------------===//
// W4A16 GEMM
//===----------------------------------------------------------------------===//

/// Weight-only GEMM (several tokens): the fast kernel against OpenBLAS sgemm
/// on the dequantized f32 weights (dequantized once, outside the timing: the
/// dequantize-then-matmul baseline at its best).
void benchW4Gemm() {
  const int64_t n = 4096, k = 4096, groups = scaleColumns(k);
  llvm::outs() << llvm::formatv(
      "\n## Weight-only GEMM ({2}, {1} activations), K = N = {0}, {3}\n\n", k,
      bf16Activations ? "bf16" : "f32", weightLabel(), threadCount());
  ResultTable table(
      llvm::formatv("weight-only gemm w={0} a={1}", weightName(),
                    bf16Activations ? "bf16" : "f32")
          .str(),
      "| M | fast ms | fast GFLOPS | sgemm on dequantized "
      "weights ms | sgemm GFLOPS | fast vs sgemm | max rel err "
      "vs sgemm |");
  Buffer codes(n * rowBytes(k)), scales(n * groups * scaleBytes());
  fillRandomCodes(codes, 11);
  fillScales(scales, n * groups, 12);
  std::vector<float> wf(n * k);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < k; ++j) {
      int code = codeAt(codes.as<uint8_t>() + i * rowBytes(k), j);
      wf[i * k + j] =
          codeValue(code) * scaleValue(scales, i * groups + j / (k / groups));
    }
  for (int64_t m : {4, 16, 64, 256}) {
    std::vector<float> actValues(m * k);
    fillUniform(actValues.data(), m * k, -1, 1, 13);
    std::unique_ptr<Buffer> act = makeActivations(actValues);
    std::vector<Memref2D> inputs{describe(act->ptr, m, k),
                                 describe(codes.ptr, n, rowBytes(k)),
                                 describe(scales.ptr, n, groups)};
    addGlobalScale(inputs);
    auto fast = Kernel::compile(w4Source(m, n, k), false);
    std::vector<float> yFast(m * n), ySgemm(m * n);
    fast->call(inputs, yFast.data());
    auto sgemm = [&](unsigned) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f,
                  actValues.data(), k, wf.data(), k, 0.0f, ySgemm.data(), n);
    };
    sgemm(0);
    double err = relativeError(yFast.data(), ySgemm.data(), m * n);
    unsigned count = std::max(3u, reps / 5);
    letWorkersSleep();
    double tFast = median(1, count, [&](unsigned) { fast->call(inputs); });
    letWorkersSleep();
    double tSgemm = median(1, count, sgemm);
    double flops = 2.0 * m * n * k;
    table.addRow(llvm::formatv(
                     "| {0} | {1:F2} | {2:F0} | {3:F2} | {4:F0} | {5:F2}x | "
                     "{6:E1} |",
                     m, tFast * 1e3, flops / tFast / 1e9, tSgemm * 1e3,
                     flops / tSgemm / 1e9, tSgemm / tFast, err)
                     .str());
  }
}

//===----------------------------------------------------------------------===//
// W8A8 GEMM
//===----------------------------------------------------------------------===//

/// W8A8: i8 per-token activations (or, `asym`, ui8 ones with an i32 zero
/// point per token) times i8 per-channel weights (or, `asymWeights`, ui8
/// ones with an i32 zero point per channel).
std::string gemmSource(int64_t m, int64_t n, int64_t k, bool asym = false,
                       bool asymWeights = false) {
  std::string act = asym ? "ui8, per_axis<0>, asymmetric, dynamic"
                         : "i8, per_axis<0>, dynamic";
  std::string weight =
      asymWeights ? "ui8, per_axis<0>, asymmetric" : "i8, per_axis<0>, narrow";
  std::string za = llvm::formatv("tensor<{0}x1xi32>", m).str();
  std::string zw = llvm::formatv("tensor<{0}x1xi32>", n).str();
  return llvm::formatv(R"(
!a = !lowbit.qtensor<{0}x{2}, #lowbit.scheme<{3}>>
!w = !lowbit.qtensor<{1}x{2}, #lowbit.scheme<{4}>>
func.func @main(%a: !a, %sa: tensor<{0}x1xf32>{5}, %w: !w, %sw: tensor<{1}x1xf32>{6}) -> tensor<{0}x{1}xf32> {{
  %y = lowbit.matmul %a scale(%sa : tensor<{0}x1xf32>){7}, %w scale(%sw : tensor<{1}x1xf32>){8} transpose_rhs acc(i32)
      : !a, !w -> tensor<{0}x{1}xf32>
  return %y : tensor<{0}x{1}xf32>
}
)",
                       m, n, k, act, weight, asym ? ", %za: " + za : "",
                       asymWeights ? ", %zw: " + zw : "",
                       asym ? " zero_point(%za : " + za + ")" : "",
                       asymWeights ? " zero_point(%zw : " + zw + ")" : "")
      .str();
}

void benchGemm() {
  const int64_t n = 4096, k = 4096;
  llvm::outs() << llvm::formatv(
      "\n## W8A8 GEMM (i8 per-token x i8 per-channel, i32 accumulation), "
      "K = N = {0}, {2}, VNNI {1}\n\n",
      k, hostHasVNNI() ? "on" : "off", threadCount());
  bool asym = asymmetricActivations;
  ResultTable table(
      asym ? "w8a8 gemm (with zero points)" : "w8a8 gemm",
      std::string("| M | fast ms | fast GOPS | oneDNN ms | oneDNN GOPS | "
                  "fast / oneDNN time | sgemm ms | sgemm GOPS | "
                  "fast vs sgemm | max rel err vs oneDNN |") +
          (asym ? " ui8 asymmetric ms | asymmetric / symmetric "
                  "time | asymmetric == symmetric | ui8 x ui8 both "
                  "asymmetric ms | both / symmetric time | both == "
                  "symmetric |"
                : ""));
  Buffer w(n * k), sw(n * 4);
  std::mt19937 rng(7);
  for (int64_t i = 0; i < n * k; ++i)
    w.as<int8_t>()[i] = int8_t(int(rng() % 255) - 127);
  fillUniform(sw.as<float>(), n, 1e-3f, 1e-2f, 8);
  std::vector<float> wf(n * k);
  for (int64_t i = 0; i < n * k; ++i)
    wf[i] = w.as<int8_t>()[i];

  for (int64_t m = std::max(1u, unsigned(minTokens)); m <= int64_t(maxTokens);
       m *= 2) {
    Buffer a(m * k), sa(m * 4);
    // i8 codes in [-128, 126], so that the ui8 copy below fits a byte.
    for (int64_t i = 0; i < m * k; ++i)
      a.as<int8_t>()[i] = int8_t(int(rng() % 255) - 128);
    fillUniform(sa.as<float>(), m, 1e-3f, 1e-2f, 9);
    std::vector<Memref2D> inputs{describe(a.ptr, m, k), describe(sa.ptr, m, 1),
                                 describe(w.ptr, n, k), describe(sw.ptr, n, 1)};
    auto fast = Kernel::compile(gemmSource(m, n, k), false);
    std::vector<float> yFast(m * n);
    fast->call(inputs, yFast.data());
    unsigned count = std::max(3u, reps / (m >= 128 ? 10 : 1));
    letWorkersSleep();
    double tFast = median(1, count, [&](unsigned) { fast->call(inputs); });

    letWorkersSleep();
    DnnlInt8Matmul dnnlMatmul(m, n, k, a.ptr, w.ptr, sw.as<float>());
    auto runDnnl = [&](unsigned) { dnnlMatmul.run(); };
    runDnnl(0);
    // oneDNN leaves the per-token scale out; apply it for the comparison.
    std::vector<float> yDnnl = dnnlMatmul.result();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        yDnnl[i * n + j] *= sa.as<float>()[i];
    double err = relativeError(yFast.data(), yDnnl.data(), m * n);
    double tDnnl = median(1, count, runDnnl);

    letWorkersSleep();
    std::vector<float> af(m * k), c(m * n);
    for (int64_t i = 0; i < m * k; ++i)
      af[i] = a.as<int8_t>()[i];
    double tSgemm = median(1, count, [&](unsigned) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f,
                  af.data(), k, wf.data(), k, 0.0f, c.data(), n);
    });
    double ops = 2.0 * m * n * k;
    std::string row = llvm::formatv(
        "| {0} | {1:F3} | {2:F0} | {3:F3} | {4:F0} | {5:F2}x | {6:F1} | "
        "{7:F0} | {8:F2}x | {9:E1} |",
        m, tFast * 1e3, ops / tFast / 1e9, tDnnl * 1e3, ops / tDnnl / 1e9,
        tFast / tDnnl, tSgemm * 1e3, ops / tSgemm / 1e9, tSgemm / tFast, err);
    if (asym) {
      // The same values as ui8 codes a + z with zero point z: 128 for every
      // token but the first, whose 129 makes the kernel take its weight-sum
      // correction; the result must equal the symmetric one bit for bit.
      Buffer au(m * k), za(m * 4);
      for (int64_t i = 0; i < m; ++i) {
        int32_t z = i == 0 ? 129 : 128;
        za.as<int32_t>()[i] = z;
        for (int64_t j = 0; j < k; ++j)
          au.as<uint8_t>()[i * k + j] = uint8_t(a.as<int8_t>()[i * k + j] + z);
      }
      // Times the kernel of `source` on `variantInputs` against the
      // symmetric one and checks its result bit for bit.
      auto timeVariant = [&](const std::string &source,
                             const std::vector<Memref2D> &variantInputs) {
        auto kernel = Kernel::compile(source, false);
        std::vector<float> y(m * n);
        kernel->call(variantInputs, y.data());
        letWorkersSleep();
        double t =
            median(1, count, [&](unsigned) { kernel->call(variantInputs); });
        bool same = std::memcmp(y.data(), yFast.data(),
                                yFast.size() * sizeof(float)) == 0;
        row += llvm::formatv(" {0:F3} | {1:F2}x | {2} |", t * 1e3, t / tFast,
                             same ? "yes" : "NO")
                   .str();
      };
      timeVariant(gemmSource(m, n, k, true),
                  {describe(au.ptr, m, k), describe(sa.ptr, m, 1),
                   describe(za.ptr, m, 1), describe(w.ptr, n, k),
                   describe(sw.ptr, n, 1)});
      // Zero points on both operands: the weights too as ui8 codes w + 128
      // with zero point 128 per channel (the kernel adds the cross term);
      // again bit for bit the symmetric result.
      Buffer wu(n * k), zw(n * 4);
      for (int64_t i = 0; i < n; ++i)
        zw.as<int32_t>()[i] = 128;
      for (int64_t i = 0; i < n * k; ++i)
        wu.as<uint8_t>()[i] = uint8_t(w.as<int8_t>()[i] + 128);
      timeVariant(gemmSource(m, n, k, true, true),
                  {describe(au.ptr, m, k), describe(sa.ptr, m, 1),
                   describe(za.ptr, m, 1), describe(wu.ptr, n, k),
                   describe(sw.ptr, n, 1), describe(zw.ptr, n, 1)});
    }
    table.addRow(row);
  }
}

//===----------------------------------------------------------------------===//
// W4A4 with RPTQ clusters
//===----------------------------------------------------------------------===//

/// 32 uneven cluster sizes summing to `k` (as k-means gives: a few large
/// clusters of ordinary channels, small ones of outliers), seeded.
std::vector<int64_t> clusterSizes(int64_t k, unsigned count) {
  std::mt19937 rng(21);
  std::vector<double> weights(count);
  for (double &w : weights)
    w = std::exp(2.0 * std::uniform_real_distribution<double>(0, 1)(rng));
  double total = 0;
  for (double w : weights)
    total += w;
  std::vector<int64_t> sizes;
  int64_t used = 0;
  for (unsigned i = 0; i + 1 < count; ++i) {
    sizes.push_back(std::max<int64_t>(1, int64_t(weights[i] / total * k)));
    used += sizes.back();
  }
  sizes.push_back(k - used);
  return sizes;
}

std::string w4a4Source(int64_t m, int64_t n, int64_t k,
                       const std::vector<int64_t> &sizes) {
  std::string list;
  for (int64_t size : sizes)
    list += (list.empty() ? "" : ", ") + std::to_string(size);
  // --asym-act: ui4 activations with an i32 zero point per cluster.
  std::string zeros = llvm::formatv("tensor<1x{0}xi32>", sizes.size()).str();
  bool asym = asymmetricActivations;
  return llvm::formatv(R"(
!a = !lowbit.qtensor<{0}x{2}, #lowbit.scheme<{5}, per_cluster<axis = 1, sizes = [{3}]>{6}>>
!w = !lowbit.qtensor<{1}x{2}, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [{3}], per_slice>>>
func.func @main(%a: !a, %sa: tensor<1x{4}xf32>{7}, %w: !w, %sw: tensor<{1}x{4}xf32>) -> tensor<{0}x{1}xf32> {{
  %y = lowbit.matmul %a scale(%sa : tensor<1x{4}xf32>){8}, %w scale(%sw : tensor<{1}x{4}xf32>) transpose_rhs acc(i32)
      : !a, !w -> tensor<{0}x{1}xf32>
  return %y : tensor<{0}x{1}xf32>
}
)",
                       m, n, k, list, sizes.size(), asym ? "ui4" : "i4",
                       asym ? ", asymmetric" : "",
                       asym ? ", %za: " + zeros : "",
                       asym ? " zero_point(%za : " + zeros + ")" : "")
      .str();
}

/// The RPTQ pipeline's default linear layer: i4 activations with one scale
/// per cluster, i4 weights with one scale per output row and input cluster.
/// Baselines on the same shape: this compiler's W8A8 kernel (per-token x
/// per-channel, i.e. no cluster scales, twice the bytes), oneDNN's s8
/// matmul, and the reference lowering (small M only).
void benchW4A4() {
  const int64_t n = 4096, k = 4096;
  std::vector<int64_t> sizes = clusterSizes(k, 32);
  int64_t clusters = sizes.size();
  llvm::outs() << llvm::formatv(
      "\n## W4A4 RPTQ clusters ({6} per_cluster x i4 per_cluster per_slice, "
      "{1} clusters of {2}..{3} channels), K = N = {0}, {5}, VNNI "
      "{4}\n\n",
      k, clusters, *std::min_element(sizes.begin(), sizes.end()),
      *std::max_element(sizes.begin(), sizes.end()),
      hostHasVNNI() ? "on" : "off", threadCount(),
      asymmetricActivations ? "ui4 asymmetric" : "i4");
  ResultTable table(asymmetricActivations ? "w4a4 rptq (ui4 activations)"
                                         : "w4a4 rptq",
                    "| M | W4A4 ms | W4A4 GOPS | W8A8 kernel ms | "
                    "W4A4 / W8A8 time | oneDNN s8 ms | W4A4 / oneDNN time | "
                    "reference ms | reference / W4A4 time | W4A4 == "
                    "reference |");
  Buffer w4(n * k / 2), sw(n * clusters * 4), w8(n * k), sw8(n * 4);
  fillRandomBytes(w4, 31);
  fillRandomBytes(w8, 32);
  fillUniform(sw.as<float>(), n * clusters, 1e-3f, 1e-2f, 33);
  fillUniform(sw8.as<float>(), n, 1e-3f, 1e-2f, 34);
  for (int64_t m : {1, 16, 128, 512}) {
    Buffer a4(m * k / 2), sa(clusters * 4), za(clusters * 4), a8(m * k),
        sa8(m * 4);
    fillRandomBytes(a4, 35);
    fillRandomBytes(a8, 36);
    fillUniform(sa.as<float>(), clusters, 1e-3f, 1e-2f, 37);
    fillUniform(sa8.as<float>(), m, 1e-3f, 1e-2f, 38);
    for (int64_t c = 0; c < clusters; ++c)
      za.as<int32_t>()[c] = int32_t(c % 16);
    std::vector<Memref2D> inputs{
        describe(a4.ptr, m, k / 2), describe(sa.ptr, 1, clusters),
        describe(w4.ptr, n, k / 2), describe(sw.ptr, n, clusters)};
    if (asymmetricActivations)
      inputs.insert(inputs.begin() + 2, describe(za.ptr, 1, clusters));
    std::vector<Memref2D> inputs8{
        describe(a8.ptr, m, k), describe(sa8.ptr, m, 1), describe(w8.ptr, n, k),
        describe(sw8.ptr, n, 1)};
    auto fast = Kernel::compile(w4a4Source(m, n, k, sizes), false);
    auto int8 = Kernel::compile(gemmSource(m, n, k), false);
    unsigned count = std::max(3u, reps / (m >= 128 ? 10 : 1));
    letWorkersSleep();
    double tFast = median(1, count, [&](unsigned) { fast->call(inputs); });
    double tInt8 = median(1, count, [&](unsigned) { int8->call(inputs8); });
    letWorkersSleep();

    DnnlInt8Matmul dnnlMatmul(m, n, k, a8.ptr, w8.ptr, sw8.as<float>());
    double tDnnl = median(1, count, [&](unsigned) { dnnlMatmul.run(); });

    std::string reference = "-", ratio = "-", same = "-";
    if (m <= 16) {
      auto ref = Kernel::compile(w4a4Source(m, n, k, sizes), true);
      std::vector<float> yFast(m * n), yRef(m * n);
      fast->call(inputs, yFast.data());
      ref->call(inputs, yRef.data());
      same = std::memcmp(yFast.data(), yRef.data(), m * n * 4) == 0
                 ? "bit-identical"
                 : "DIFFERENT";
      double tRef = median(0, 3, [&](unsigned) { ref->call(inputs); });
      reference = llvm::formatv("{0:F1}", tRef * 1e3).str();
      ratio = llvm::formatv("{0:F0}x", tRef / tFast).str();
    }
    double ops = 2.0 * m * n * k;
    table.addRow(llvm::formatv("| {0} | {1:F3} | {2:F0} | {3:F3} | {4:F2}x | "
                               "{5:F3} | {6:F2}x | {7} | {8} | {9} |",
                               m, tFast * 1e3, ops / tFast / 1e9, tInt8 * 1e3,
                               tFast / tInt8, tDnnl * 1e3, tFast / tDnnl,
                               reference, ratio, same)
                     .str());
  }
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(argc, argv, "LowBit matmul benchmarks\n");
  std::vector<std::pair<int64_t, int64_t>> shapes = {
      {4096, 4096}, {4096, 11008}, {11008, 4096}};
  if (!gemvShapes.empty())
    shapes = parseShapes();
  // Kernels return a freshly allocated result. Results of 32 MiB and more
  // (W8A8 at M = 2048) are past glibc's largest mmap threshold, so every
  // call would map new pages and fault them in (on this VM about 13 us per
  // 4 KiB page: 110 ms per call at M = 2048, more than the matmul); keep
  // them on the heap and reused, as oneDNN's preallocated destination is.
  mallopt(M_MMAP_THRESHOLD, 1 << 30);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  // The same number of threads everywhere (one by default).
  openblas_set_num_threads(threads);
  omp_set_num_threads(threads);
  ReadTeam team(threads);
  setResultsFile(resultsPath, threads);
  if (!runGemv && !runGemm && !runW4Gemm && !runW4A4)
    runGemv = runGemm = runW4Gemm = runW4A4 = true;
  long l3 = sysconf(_SC_LEVEL3_CACHE_SIZE);
  llvm::outs() << llvm::formatv(
      "# lowbit-bench\nhost VNNI: {0}; L3 reported by the OS: {1} MiB; "
      "weight footprint per GEMV shape: {2} MiB; OpenMP threads: {3}\n",
      hostHasVNNI() ? "yes" : "no", l3 > 0 ? l3 >> 20 : -1,
      unsigned(footprintMiB), omp_get_max_threads());
  if (runGemv) {
    size_t bytes = size_t(footprintMiB) << 20;
    double best = 0;
    llvm::outs() << "\nread bandwidth (" << threadCount() << ", "
                 << footprintMiB << " MiB):";
    for (unsigned streams : {1u, 2u, 4u, 8u}) {
      double bw = measureReadBandwidth(team, bytes, streams);
      llvm::outs() << llvm::formatv(" {0} stream{1} {2:F1} GB/s;", streams,
                                    streams == 1 ? "" : "s", bw / 1e9);
      best = std::max(best, bw);
    }
    llvm::outs() << " the best is the reference below\n";
    // 4096 x 4096 i4 codes and their group-128 scales, rounded to 512 B.
    size_t chunk = (size_t(4096) * 4096 / 2 + 4096 * 32 * 4) / 512 * 512;
    llvm::outs() << llvm::formatv(
        "read bandwidth of a {2} MiB buffer in {0:F2} MiB chunks (one "
        "stream, back to back): {1:F1} GB/s\n",
        double(chunk) / (1 << 20),
        measureChunkedReadBandwidth(bytes / chunk * chunk, chunk) / 1e9,
        unsigned(footprintMiB));
    benchGemv(team, best, shapes);
  }
  if (runW4Gemm)
    benchW4Gemm();
  if (runGemm)
    benchGemm();
  if (runW4A4)
    benchW4A4();
  return 0;
}
