//===- Calibrate.h - activation statistics by JIT execution -----*- C++ -*-===//
//
// What quant-calibrate does, as a library: measure the per-channel range of
// every `lowbit.observe` of a function by running it on calibration samples.
//
//   1. every observer's value becomes an extra result of the entry (in
//      memory; the observers stay identities);
//   2. the module is lowered by lowbit-to-llvm (the lowering quant-run
//      applies, fast matmul kernels included) and JIT-compiled;
//   3. each sample is one call; each observed value is reduced to
//      per-channel min/max over all its other axes;
//   4. samples combine by min of the minima and max of the maxima, or with an
//      EMA decay a by RPTQ's running average r = a r + (1 - a) sample (the
//      first sample initialises r).
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_RUNNER_CALIBRATE_H
#define LOWBIT_RUNNER_CALIBRATE_H

#include "lowbit/Calibration/Stats.h"
#include "lowbit/Runner/JitRunner.h"
#include "lowbit/Runner/Npy.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir::lowbit::runner {

/// One calibration sample: the arguments of one call. Samples of a directory
/// are read when they are used (load()); those of an archive up front.
struct CalibrationSample {
  std::string name;               // for messages and progress
  std::string path;               // file to read, empty when `arrays` is set
  std::vector<npy::Array> arrays; // preloaded arguments

  /// The arguments: `arrays`, or the contents of `path`
  /// (npy::readArgumentFile).
  llvm::Expected<std::vector<npy::Array>> load() const;
};

/// The samples at `path`: a directory of .npy/.npz files (one sample per
/// file, sorted by name), an .npz archive with members `sample<i>` or
/// `sample<i>_arg<j>` (ascending i), or one .npy file.
llvm::Expected<std::vector<CalibrationSample>>
listCalibrationSamples(StringRef path);

class Calibrator {
public:
  struct Options {
    /// Combine samples by this EMA decay in [0, 1) instead of min/max.
    std::optional<double> ema;
    /// LLVM optimization level 0-3.
    unsigned optLevel = 2;
    /// Run lowbit-insert-observers first when the entry has no observer.
    bool insertObserversIfNone = true;
  };

  /// Prepares `entry` of `module` (which it rewrites and lowers) for
  /// calibration. MLIR problems are reported as diagnostics of the module's
  /// context before the error returns; other problems are in the error.
  static llvm::Expected<std::unique_ptr<Calibrator>>
  create(ModuleOp module, StringRef entry, const Options &options);

  /// Runs one sample (arguments checked against the signature) and folds its
  /// ranges into the totals.
  llvm::Error addSample(ArrayRef<npy::Array> arguments, StringRef name);

  /// The statistics of the samples added so far.
  ::lowbit::calibration::Stats getStats() const;

  size_t getNumObservers() const;
  /// True when the observers were inserted (the entry had none).
  bool insertedObservers() const { return inserted; }
  /// Observers outside the entry, which are not measured.
  unsigned getNumObserversElsewhere() const { return elsewhere; }

  ~Calibrator();

private:
  /// An observer of the entry and the result that returns its value.
  struct Probe {
    std::string id;
    int64_t axis; // channel axis
    int64_t rank;
    unsigned result;
    Type elementType;
  };
  /// Per-channel ranges of one id.
  struct Range {
    std::vector<float> min, max;
  };

  Calibrator() = default;
  static FailureOr<std::vector<Probe>> exposeObservers(ModuleOp module,
                                                       func::FuncOp entry);
  static llvm::Error reduce(const Probe &probe, const npy::Array &array,
                            Range &range);

  Options options;
  std::string entryName;
  std::vector<Probe> probes;
  std::unique_ptr<JitFunction> function;
  std::map<std::string, Range> totals;
  int64_t samples = 0;
  bool inserted = false;
  unsigned elsewhere = 0;
};

} // namespace mlir::lowbit::runner

#endif // LOWBIT_RUNNER_CALIBRATE_H
