//===- quant-calibrate.cpp - activation statistics by JIT execution -------===//
//
//   quant-calibrate MODEL.mlir --entry F --data DIR|FILE.npz|FILE.npy
//                   --out stats.json [--ema 0.99] [--max-samples N] [-O N]
//
// Measures the per-channel range of every `lowbit.observe` of F by running F
// on calibration samples, and writes the stats JSON that
// `lowbit-import-stats` reads (docs/calibration.md):
//
//   1. parse MODEL; if F has no observer, run lowbit-insert-observers;
//   2. make every observer's value an extra result of F (in memory; the
//      observers stay identities, the file is not changed);
//   3. lower with the runner pipeline (lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h), JIT-compile;
//   4. call F once per sample; reduce each observed value to per-channel
//      min/max over all its other axes (all tokens of the sample);
//   5. combine across samples: min of the minima and max of the maxima, or
//      with --ema a, RPTQ's running average  r = a * r + (1 - a) * sample
//      (the first sample initialises r);
//   6. write the JSON.
//
// Every problem is a one-line error and exit status 1.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Calibration/Stats.h"
#include "lowbit/Conversion/LowBitToLinalg/LowBitToLinalg.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Dialect/LowBit/Transforms/Passes.h"
#include "lowbit/Runner/JitRunner.h"
#include "lowbit/Runner/Npy.h"
#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"
#include "lowbit/Runner/ToolDiagnostics.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::lowbit;
namespace calibration = ::lowbit::calibration;
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
                                    cl::desc("Use at most N samples (default: "
                                             "all)"),
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

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// Samples
//===----------------------------------------------------------------------===//

/// One calibration sample: the arguments of one call. Samples from a
/// directory are read when they are used; those of an archive up front.
struct Sample {
  std::string name;               // for messages and progress
  std::string path;               // file to read, empty when `arrays` is set
  std::vector<npy::Array> arrays; // preloaded arguments
};

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> openBinary(StringRef path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError("cannot open '" + path +
                     "': " + buffer.getError().message());
  return std::move(*buffer);
}

ArrayRef<uint8_t> bytesOf(const llvm::MemoryBuffer &buffer) {
  return ArrayRef<uint8_t>(
      reinterpret_cast<const uint8_t *>(buffer.getBufferStart()),
      buffer.getBufferSize());
}

bool isNpz(StringRef path, const llvm::MemoryBuffer &buffer) {
  return buffer.getBuffer().starts_with("PK") ||
         path.ends_with_insensitive(".npz");
}

/// The arguments stored in one file: a .npy array, or the members of an .npz
/// archive in argument order (quant-run's rules).
llvm::Expected<std::vector<npy::Array>> readSampleFile(StringRef path) {
  auto buffer = openBinary(path);
  if (!buffer)
    return buffer.takeError();
  std::vector<npy::Array> arrays;
  if (isNpz(path, **buffer)) {
    auto members = npy::parseNpz(bytesOf(**buffer), path);
    if (!members)
      return members.takeError();
    npy::sortNpzMembersAsArguments(*members);
    for (npy::NpzMember &member : *members)
      arrays.push_back(std::move(member.array));
    return arrays;
  }
  auto array = npy::parseNpy(bytesOf(**buffer), path);
  if (!array)
    return array.takeError();
  arrays.push_back(std::move(*array));
  return arrays;
}

/// Parses "sample<i>" or "sample<i>_arg<j>".
bool parseMemberName(StringRef name, unsigned &sample,
                     std::optional<unsigned> &arg) {
  if (!name.consume_front("sample"))
    return false;
  size_t digits = name.find_first_not_of("0123456789");
  if (digits == 0 || name.take_front(digits).getAsInteger(10, sample))
    return false;
  name = name.drop_front(std::min(digits, name.size()));
  if (name.empty()) {
    arg.reset();
    return true;
  }
  unsigned index;
  if (!name.consume_front("_arg") || name.empty() ||
      name.getAsInteger(10, index))
    return false;
  arg = index;
  return true;
}

/// The samples of an archive whose members are sample<i> (one argument each)
/// or sample<i>_arg<j>, in ascending i.
llvm::Expected<std::vector<Sample>> readArchiveSamples(StringRef path) {
  auto buffer = openBinary(path);
  if (!buffer)
    return buffer.takeError();
  auto members = npy::parseNpz(bytesOf(**buffer), path);
  if (!members)
    return members.takeError();
  std::map<unsigned, std::map<unsigned, npy::Array>> bySample;
  std::optional<bool> withArgs;
  for (npy::NpzMember &member : *members) {
    unsigned sample;
    std::optional<unsigned> arg;
    if (!parseMemberName(member.name, sample, arg))
      return makeError("'" + path + "': member '" + member.name +
                       "' is not named sample<i> or sample<i>_arg<j>");
    if (withArgs && *withArgs != arg.has_value())
      return makeError("'" + path +
                       "': members mix the names sample<i> and "
                       "sample<i>_arg<j>");
    withArgs = arg.has_value();
    bySample[sample][arg.value_or(0)] = std::move(member.array);
  }
  std::vector<Sample> samples;
  for (auto &[index, args] : bySample) {
    Sample sample;
    sample.name = (path + ":sample" + llvm::Twine(index)).str();
    unsigned expected = 0;
    for (auto &[arg, array] : args) {
      if (arg != expected++)
        return makeError(llvm::formatv("'{0}': sample{1} has no member "
                                       "sample{1}_arg{2}",
                                       path, index, expected - 1));
      sample.arrays.push_back(std::move(array));
    }
    samples.push_back(std::move(sample));
  }
  return samples;
}

/// Lists the samples at `path` (see --data).
llvm::Expected<std::vector<Sample>> listSamples(StringRef path) {
  if (llvm::sys::fs::is_directory(path)) {
    std::vector<std::string> files;
    std::error_code ec;
    for (llvm::sys::fs::directory_iterator it(path, ec), end; it != end && !ec;
         it.increment(ec)) {
      StringRef file = it->path();
      StringRef ext = llvm::sys::path::extension(file);
      if ((ext.equals_insensitive(".npy") || ext.equals_insensitive(".npz")) &&
          llvm::sys::fs::is_regular_file(file))
        files.push_back(file.str());
    }
    if (ec)
      return makeError("cannot list '" + path + "': " + ec.message());
    llvm::sort(files);
    std::vector<Sample> samples;
    for (std::string &file : files)
      samples.push_back({file, file, {}});
    if (samples.empty())
      return makeError("no .npy or .npz files in '" + path + "'");
    return samples;
  }
  auto buffer = openBinary(path);
  if (!buffer)
    return buffer.takeError();
  if (isNpz(path, **buffer)) {
    auto samples = readArchiveSamples(path);
    if (samples && samples->empty())
      return makeError("'" + path + "' has no members");
    return samples;
  }
  return std::vector<Sample>{{path.str(), path.str(), {}}};
}

//===----------------------------------------------------------------------===//
// Ranges
//===----------------------------------------------------------------------===//

/// An observer of the entry function and where its value comes back.
struct Probe {
  std::string id;
  int64_t axis; // channel axis
  int64_t rank;
  unsigned result; // index of the entry's result that returns the value
  Type elementType;
};

/// Per-channel ranges of one id.
struct Range {
  std::vector<float> min, max;
};

/// Calls `fn(channel, value)` for every element of `array`, whose channel
/// axis is `axis`. Element types: f32, f64, f16, bf16 (as raw <u2 bits).
template <typename Fn>
llvm::Error forEachElement(const npy::Array &array, Type elementType,
                           int64_t axis, Fn fn) {
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= array.shape[d];
  for (size_t d = axis + 1; d < array.shape.size(); ++d)
    inner *= array.shape[d];
  int64_t channels = array.shape[axis];
  auto loop = [&](auto load) {
    int64_t index = 0;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < inner; ++i, ++index)
          fn(c, load(index));
  };
  const uint8_t *data = array.data.data();
  if (elementType.isF32()) {
    loop([&](int64_t i) {
      float v;
      std::memcpy(&v, data + 4 * i, 4);
      return v;
    });
  } else if (elementType.isF64()) {
    loop([&](int64_t i) {
      double v;
      std::memcpy(&v, data + 8 * i, 8);
      return static_cast<float>(v);
    });
  } else if (elementType.isF16()) {
    loop([&](int64_t i) {
      uint16_t bits;
      std::memcpy(&bits, data + 2 * i, 2);
      return llvm::APFloat(llvm::APFloat::IEEEhalf(), llvm::APInt(16, bits))
          .convertToFloat();
    });
  } else if (elementType.isBF16()) {
    loop([&](int64_t i) {
      uint16_t bits;
      std::memcpy(&bits, data + 2 * i, 2);
      uint32_t wide = static_cast<uint32_t>(bits) << 16;
      float v;
      std::memcpy(&v, &wide, 4);
      return v;
    });
  } else {
    std::string type;
    llvm::raw_string_ostream os(type);
    os << elementType;
    return makeError("cannot measure tensors of " + type);
  }
  return llvm::Error::success();
}

/// Reduces one observed value to its per-channel range in `range` (merged
/// with what `range` already holds, for ids observed more than once).
llvm::Error reduce(const Probe &probe, const npy::Array &array, Range &range) {
  int64_t channels = array.shape[probe.axis];
  if (range.min.empty()) {
    range.min.assign(channels, std::numeric_limits<float>::infinity());
    range.max.assign(channels, -std::numeric_limits<float>::infinity());
  } else if (static_cast<int64_t>(range.min.size()) != channels) {
    return makeError(llvm::formatv("observer '{0}' has {1} channels here "
                                   "and {2} elsewhere",
                                   probe.id, channels, range.min.size()));
  }
  bool nan = false;
  if (llvm::Error err = forEachElement(
          array, probe.elementType, probe.axis, [&](int64_t c, float v) {
            if (std::isnan(v))
              nan = true;
            range.min[c] = std::min(range.min[c], v);
            range.max[c] = std::max(range.max[c], v);
          }))
    return err;
  if (nan)
    return makeError("observer '" + probe.id + "' saw NaN");
  if (array.numElements() == 0)
    return makeError("observer '" + probe.id + "' saw an empty tensor");
  for (int64_t c = 0; c < channels; ++c)
    if (std::isinf(range.min[c]) || std::isinf(range.max[c]))
      return makeError(llvm::formatv("observer '{0}' saw an infinite value "
                                     "in channel {1}",
                                     probe.id, c));
  return llvm::Error::success();
}

/// Folds one sample's ranges into the running ones.
void combine(Range &total, const Range &sample, bool first,
             std::optional<double> ema) {
  if (first) {
    total = sample;
    return;
  }
  for (size_t c = 0; c < total.min.size(); ++c) {
    if (ema) {
      total.min[c] = static_cast<float>(*ema * total.min[c] +
                                        (1.0 - *ema) * sample.min[c]);
      total.max[c] = static_cast<float>(*ema * total.max[c] +
                                        (1.0 - *ema) * sample.max[c]);
    } else {
      total.min[c] = std::min(total.min[c], sample.min[c]);
      total.max[c] = std::max(total.max[c], sample.max[c]);
    }
  }
}

//===----------------------------------------------------------------------===//
// The entry function
//===----------------------------------------------------------------------===//

/// Makes every observer of `entry` an extra result; returns the probes.
FailureOr<std::vector<Probe>> exposeObservers(ModuleOp module,
                                              func::FuncOp entry) {
  if (!entry.getBody().hasOneBlock()) {
    entry.emitError() << "@" << entry.getName()
                      << " has more than one block; quant-calibrate needs a "
                         "single-block entry function";
    return failure();
  }
  if (!SymbolTable::symbolKnownUseEmpty(entry, module)) {
    entry.emitError() << "@" << entry.getName()
                      << " is called inside the module; calibrate a function "
                         "that nothing calls";
    return failure();
  }
  Block &body = entry.getBody().front();
  auto ret = dyn_cast<func::ReturnOp>(body.getTerminator());
  if (!ret) {
    entry.emitError() << "@" << entry.getName()
                      << " does not end in func.return";
    return failure();
  }

  std::vector<Probe> probes;
  SmallVector<Value> values;
  WalkResult walk = entry.walk([&](ObserveOp op) {
    if (op->getBlock() != &body) {
      op.emitError() << "observer '" << op.getId()
                     << "' is inside a nested region; quant-calibrate measures "
                        "observers at the top level of @"
                     << entry.getName();
      return WalkResult::interrupt();
    }
    RankedTensorType type = op.getInput().getType();
    probes.push_back(
        {op.getId().str(), op.getChannelAxis(), type.getRank(),
         static_cast<unsigned>(ret.getNumOperands() + values.size()),
         type.getElementType()});
    values.push_back(op.getResult());
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();

  SmallVector<unsigned> indices(values.size(), entry.getNumResults());
  SmallVector<Type> types(ValueRange(values).getTypes());
  SmallVector<DictionaryAttr> attrs(values.size(),
                                    DictionaryAttr::get(module.getContext()));
  if (failed(entry.insertResults(indices, types, attrs))) {
    entry.emitError("cannot add the observed values as results");
    return failure();
  }
  ret->insertOperands(ret.getNumOperands(), values);
  return probes;
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

  std::optional<double> ema;
  if (emaDecay.getNumOccurrences()) {
    if (!(emaDecay >= 0.0 && emaDecay < 1.0))
      return fail(
          llvm::formatv("--ema must be in [0, 1), got {0}", emaDecay.getValue())
              .str());
    ema = emaDecay;
  }

  DialectRegistry registry;
  registerLowBitToLLVMDialects(registry);
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  runner::OneLineDiagnostics diagnostics(context, kTool);

  auto file =
      llvm::MemoryBuffer::getFileOrSTDIN(inputFilename, /*IsText=*/true);
  if (!file)
    return fail("cannot open '" + inputFilename +
                "': " + file.getError().message());
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(*file), llvm::SMLoc());
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return diagnostics.reported() ? 1 : fail("cannot parse " + inputFilename);

  auto entry = module->lookupSymbol<func::FuncOp>(entryName);
  if (!entry || entry.isExternal())
    return fail("no function '" + entryName + "' with a body in " +
                inputFilename);

  // Observers: those of the entry, or the standard set when it has none.
  bool inserted = false;
  if (!entry.walk([](ObserveOp) { return WalkResult::interrupt(); })
           .wasInterrupted()) {
    PassManager pm(&context, ModuleOp::getOperationName());
    pm.addPass(createInsertObservers());
    if (failed(pm.run(*module)))
      return diagnostics.reported() ? 1 : fail("inserting observers failed");
    inserted = true;
  }
  unsigned elsewhere = 0;
  module->walk([&](ObserveOp op) {
    if (op->getParentOfType<func::FuncOp>() != entry)
      ++elsewhere;
  });
  FailureOr<std::vector<Probe>> probes = exposeObservers(*module, entry);
  if (failed(probes))
    return 1;
  if (probes->empty())
    return fail("@" + entryName + " has no lowbit.observe" +
                (inserted ? " and no linear layer with a constant weight to "
                            "observe"
                          : ""));
  if (elsewhere)
    llvm::errs() << kTool << ": warning: " << elsewhere
                 << " observer(s) outside @" << entryName
                 << " are not measured\n";

  FailureOr<runner::EntrySignature> signature =
      runner::prepareEntry(*module, entryName);
  if (failed(signature))
    return 1;

  auto samples = listSamples(dataPath);
  if (!samples)
    return fail(samples.takeError());
  if (maxSamples && samples->size() > maxSamples)
    samples->resize(maxSamples);

  // Make sure the output can be written before the work.
  if (outputFilename != "-") {
    StringRef dir = llvm::sys::path::parent_path(outputFilename);
    if (dir.empty())
      dir = ".";
    std::error_code ec =
        llvm::sys::fs::exists(outputFilename)
            ? llvm::sys::fs::access(outputFilename,
                                    llvm::sys::fs::AccessMode::Write)
            : llvm::sys::fs::access(dir, llvm::sys::fs::AccessMode::Write);
    if (ec)
      return fail("cannot write '" + outputFilename + "': " + ec.message());
  }

  if (failed(lowerToLLVM(*module, [](OpPassManager &pm) {
        pm.addPass(createConvertLowBitToLinalg());
      })))
    return diagnostics.reported() ? 1 : fail("lowering to LLVM failed");
  auto function = runner::JitFunction::create(*module, *signature, optLevel);
  if (!function) {
    std::string message = llvm::toString(function.takeError());
    return diagnostics.reported() ? 1
                                  : fail("JIT compilation failed: " + message);
  }

  bool progress = llvm::sys::Process::StandardErrIsDisplayed();
  std::map<std::string, Range> totals;
  size_t numInputs = signature->inputs.size();
  for (auto [i, sample] : llvm::enumerate(*samples)) {
    if (progress)
      llvm::errs() << llvm::formatv("\r[{0}/{1}] {2}\x1b[K", i + 1,
                                    samples->size(), sample.name);
    std::vector<npy::Array> arrays = std::move(sample.arrays);
    if (!sample.path.empty()) {
      auto read = readSampleFile(sample.path);
      if (!read)
        return fail(read.takeError());
      arrays = std::move(*read);
    }
    if (arrays.size() != numInputs)
      return fail(llvm::formatv("sample '{0}' has {1} array{2}, @{3} takes "
                                "{4} argument{5}",
                                sample.name, arrays.size(),
                                arrays.size() == 1 ? "" : "s", entryName,
                                numInputs, numInputs == 1 ? "" : "s")
                      .str());
    for (auto [j, array] : llvm::enumerate(arrays)) {
      std::string what =
          llvm::formatv("sample '{0}', argument #{1}", sample.name, j).str();
      if (llvm::Error err =
              runner::checkArgument(signature->inputs[j], array, what))
        return fail(std::move(err));
    }
    auto results = (*function)->call(arrays);
    if (!results)
      return fail(results.takeError());

    std::map<std::string, Range> sampleRanges;
    for (const Probe &probe : *probes) {
      Range &range = sampleRanges[probe.id];
      if (llvm::Error err = reduce(probe, (*results)[probe.result], range))
        return fail(llvm::toString(std::move(err)) + " in sample '" +
                    sample.name + "'");
    }
    for (auto &[id, range] : sampleRanges) {
      Range &total = totals[id];
      if (i > 0 && total.min.size() != range.min.size())
        return fail(llvm::formatv("observer '{0}' has {1} channels in sample "
                                  "'{2}' and {3} before",
                                  id, range.min.size(), sample.name,
                                  total.min.size())
                        .str());
      combine(total, range, i == 0, ema);
    }
  }
  if (progress)
    llvm::errs() << "\r\x1b[K";

  calibration::Stats stats;
  stats.samples = samples->size();
  for (const Probe &probe : *probes) {
    calibration::ObserverStats &entryStats = stats.observers[probe.id];
    entryStats.axis = probe.axis - probe.rank;
    entryStats.min = totals[probe.id].min;
    entryStats.max = totals[probe.id].max;
  }
  if (llvm::Error err = calibration::writeStatsFile(outputFilename, stats))
    return fail(std::move(err));

  llvm::errs() << llvm::formatv(
      "{0}: {1} observer{2}{3}, {4} sample{5}, {6} -> {7}\n", kTool,
      stats.observers.size(), stats.observers.size() == 1 ? "" : "s",
      inserted ? " (inserted)" : "", samples->size(),
      samples->size() == 1 ? "" : "s",
      ema ? llvm::formatv("EMA {0}", *ema).str() : std::string("min/max"),
      outputFilename);
  return 0;
}
