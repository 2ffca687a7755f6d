//===- quant-calibrate.cpp - activation statistics by JIT execution -------===//
//
//   quant-calibrate MODEL.mlir --entry F --data DIR|FILE.npz|FILE.npy
//                   --out stats.json [--ema 0.99] [--max-samples N] [-O N]
//
// Measures the per-channel range of every `lowbit.observe` of F by running F
// on calibration samples, and writes the stats JSON that
// `lowbit-import-stats` reads (docs/calibration.md):
//
// parse MODEL (if F has no observer, lowbit-insert-observers runs first),
// list the samples, measure (lowbit/Runner/Calibrate.h: observers exposed as
// results, lowbit-to-llvm, JIT, one call per sample, per-channel min/max
// combined across samples) and write the JSON.
//
// Every problem is a one-line error and exit status 1.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"
#include "lowbit/Runner/Calibrate.h"
#include "lowbit/Runner/ToolDiagnostics.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

using namespace mlir;
using namespace mlir::lowbit;
namespace cl = llvm::cl;

static cl::OptionCategory category("quant-calibrate options");

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<model .mlir file>"),
                                          cl::Required, cl::cat(category));
static cl::opt<std::string>
    entryName("entry", cl::desc("Function to run (default: forward)"),
              cl::value_desc("name"), cl::init("forward"), cl::cat(category));
static cl::opt<std::string> dataPath(
    "data",
    cl::desc("Calibration samples: a directory of .npy/.npz files (one "
             "sample per file, sorted by name), an .npz archive with members "
             "sample<i> or sample<i>_arg<j>, or one .npy file"),
    cl::value_desc("path"), cl::Required, cl::cat(category));
static cl::opt<std::string> outputFilename("out",
                                           cl::desc("Stats JSON to write"),
                                           cl::value_desc("file"), cl::Required,
                                           cl::cat(category));
static cl::opt<double>
    emaDecay("ema",
             cl::desc("Combine samples by an exponential moving average "
                      "(RPTQ: 0.99) instead of min/max over all samples"),
             cl::value_desc("a"), cl::cat(category));
static cl::opt<unsigned> maxSamples("max-samples",
                                    cl::desc("Use the first N samples only, N >= "
                                             "1 (default: all)"),
                                    cl::value_desc("N"), cl::init(0),
                                    cl::cat(category));
static cl::opt<unsigned> optLevel("O",
                                  cl::desc("LLVM optimization level 0-3 "
                                           "(default 2)"),
                                  cl::Prefix, cl::init(2), cl::cat(category));

namespace {

constexpr const char *kTool = "quant-calibrate";

int fail(const llvm::Twine &message) {
  return runner::failTool(kTool, message);
}

int fail(llvm::Error error) { return runner::failTool(kTool, std::move(error)); }

/// Checks that `path` can be written before the work starts.
std::error_code checkWritable(StringRef path) {
  if (path == "-")
    return {};
  if (llvm::sys::fs::exists(path))
    return llvm::sys::fs::access(path, llvm::sys::fs::AccessMode::Write);
  StringRef dir = llvm::sys::path::parent_path(path);
  return llvm::sys::fs::access(dir.empty() ? "." : dir,
                               llvm::sys::fs::AccessMode::Write);
}

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "quant-calibrate: measure per-channel activation ranges of a model's "
      "observers by JIT-running it on calibration samples; writes stats "
      "JSON (docs/calibration.md)\n");

  runner::Calibrator::Options options;
  if (emaDecay.getNumOccurrences()) {
    if (!(emaDecay >= 0.0 && emaDecay < 1.0))
      return fail(
          llvm::formatv("--ema must be in [0, 1), got {0}", emaDecay.getValue())
              .str());
    options.ema = emaDecay;
  }
  if (optLevel > 3)
    return fail(llvm::formatv("-O {0}: the optimization level is 0-3",
                              optLevel.getValue())
                    .str());
  options.optLevel = optLevel;
  if (maxSamples.getNumOccurrences() && maxSamples == 0)
    return fail("--max-samples must be at least 1");

  DialectRegistry registry;
  registerLowBitToLLVMDialects(registry);
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  runner::OneLineDiagnostics diagnostics(context, kTool);

  OwningOpRef<ModuleOp> module = runner::parseModuleFile(
      "quant-calibrate", inputFilename, context, diagnostics);
  if (!module)
    return 1;

  auto samples = runner::listCalibrationSamples(dataPath);
  if (!samples)
    return fail(samples.takeError());
  if (maxSamples && samples->size() > maxSamples)
    samples->resize(maxSamples);
  if (std::error_code ec = checkWritable(outputFilename))
    return fail("cannot write '" + outputFilename + "': " + ec.message());

  auto calibrator = runner::Calibrator::create(*module, entryName, options);
  if (!calibrator) {
    std::string message = llvm::toString(calibrator.takeError());
    if (diagnostics.reported())
      return 1;
    return fail(StringRef(message).starts_with("no function")
                    ? message + " in " + inputFilename
                    : message);
  }
  if (unsigned elsewhere = (*calibrator)->getNumObserversElsewhere())
    llvm::errs() << kTool << ": warning: " << elsewhere
                 << " observer(s) outside @" << entryName
                 << " are not measured\n";

  bool progress = llvm::sys::Process::StandardErrIsDisplayed();
  for (auto [i, sample] : llvm::enumerate(*samples)) {
    if (progress)
      llvm::errs() << llvm::formatv("\r[{0}/{1}] {2}\x1b[K", i + 1,
                                    samples->size(), sample.name);
    auto arrays = sample.load();
    if (!arrays)
      return fail(arrays.takeError());
    if (llvm::Error err = (*calibrator)->addSample(*arrays, sample.name))
      return fail(std::move(err));
  }
  if (progress)
    llvm::errs() << "\r\x1b[K";

  ::lowbit::calibration::Stats stats = (*calibrator)->getStats();
  if (llvm::Error err =
          ::lowbit::calibration::writeStatsFile(outputFilename, stats))
    return fail(std::move(err));
  llvm::errs() << llvm::formatv(
      "{0}: {1} observer{2}{3}, {4} sample{5}, {6} -> {7}\n", kTool,
      stats.observers.size(), stats.observers.size() == 1 ? "" : "s",
      (*calibrator)->insertedObservers() ? " (inserted)" : "", samples->size(),
      samples->size() == 1 ? "" : "s",
      options.ema ? llvm::formatv("EMA {0}", *options.ema).str()
                  : std::string("min/max"),
      outputFilename);
  return 0;
}
