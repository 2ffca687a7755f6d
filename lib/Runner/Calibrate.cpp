//===- Calibrate.cpp - activation statistics by JIT execution -------------===//

#include "lowbit/Runner/Calibrate.h"

#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Dialect/LowBit/Transforms/Passes.h"

#include "mlir/IR/SymbolTable.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <set>

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::runner;

namespace {

llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

//===----------------------------------------------------------------------===//
// Samples
//===----------------------------------------------------------------------===//

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
llvm::Expected<std::vector<CalibrationSample>>
readArchiveSamples(StringRef path) {
  auto members = npy::readNpzFile(path);
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
  std::vector<CalibrationSample> samples;
  for (auto &[index, args] : bySample) {
    CalibrationSample sample;
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

} // namespace

llvm::Expected<std::vector<npy::Array>> CalibrationSample::load() const {
  if (path.empty())
    return arrays;
  auto read = npy::readArgumentFile(path);
  if (!read)
    return read.takeError();
  std::vector<npy::Array> loaded;
  for (npy::NamedArray &argument : *read)
    loaded.push_back(std::move(argument.array));
  return loaded;
}

/// Lists the samples at `path` (see --data).
llvm::Expected<std::vector<CalibrationSample>>
runner::listCalibrationSamples(StringRef path) {
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
    std::vector<CalibrationSample> samples;
    for (std::string &file : files)
      samples.push_back({file, file, {}});
    if (samples.empty())
      return makeError("no .npy or .npz files in '" + path + "'");
    return samples;
  }
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return makeError("cannot open '" + path +
                     "': " + buffer.getError().message());
  if ((*buffer)->getBuffer().starts_with("PK") ||
      path.ends_with_insensitive(".npz")) {
    auto samples = readArchiveSamples(path);
    if (samples && samples->empty())
      return makeError("'" + path + "' has no members");
    return samples;
  }
  return std::vector<CalibrationSample>{{path.str(), path.str(), {}}};
}

//===----------------------------------------------------------------------===//
// Ranges
//===----------------------------------------------------------------------===//

namespace {

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

/// Folds one sample's ranges into the running ones.
template <typename Range>
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

} // namespace

/// Reduces one observed value to its per-channel range in `range` (merged
/// with what `range` already holds, for ids observed more than once).
llvm::Error Calibrator::reduce(const Probe &probe, const npy::Array &array,
                               Range &range) {
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

//===----------------------------------------------------------------------===//
// The entry function
//===----------------------------------------------------------------------===//

/// Makes every observer of `entry` an extra result; returns the probes.
FailureOr<std::vector<Calibrator::Probe>>
Calibrator::exposeObservers(ModuleOp module, func::FuncOp entry) {
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


//===----------------------------------------------------------------------===//
// Calibrator
//===----------------------------------------------------------------------===//

Calibrator::~Calibrator() = default;

size_t Calibrator::getNumObservers() const {
  std::set<StringRef> ids;
  for (const Probe &probe : probes)
    ids.insert(probe.id);
  return ids.size();
}

llvm::Expected<std::unique_ptr<Calibrator>>
Calibrator::create(ModuleOp module, StringRef entryName,
                   const Options &options) {
  if (options.ema && !(*options.ema >= 0.0 && *options.ema < 1.0))
    return makeError(llvm::formatv("the EMA decay must be in [0, 1), got {0}",
                                   *options.ema));
  if (options.optLevel > 3)
    return makeError(llvm::formatv("the optimization level is 0-3, got {0}",
                                   options.optLevel));
  auto entry = module.lookupSymbol<func::FuncOp>(entryName);
  if (!entry || entry.isExternal())
    return makeError("no function '" + entryName + "' with a body");

  std::unique_ptr<Calibrator> calibrator(new Calibrator());
  calibrator->options = options;
  calibrator->entryName = entryName.str();
  // Observers: those of the entry, or the standard set when it has none.
  if (options.insertObserversIfNone &&
      !entry.walk([](ObserveOp) { return WalkResult::interrupt(); })
           .wasInterrupted()) {
    PassManager pm(module.getContext(), ModuleOp::getOperationName());
    pm.addPass(createInsertObservers());
    if (failed(pm.run(module)))
      return makeError("inserting observers failed");
    calibrator->inserted = true;
  }
  module.walk([&](ObserveOp op) {
    if (op->getParentOfType<func::FuncOp>() != entry)
      ++calibrator->elsewhere;
  });
  FailureOr<std::vector<Probe>> probes = exposeObservers(module, entry);
  if (failed(probes))
    return makeError("cannot measure the observers of @" + entryName);
  if (probes->empty())
    return makeError("@" + entryName + " has no lowbit.observe" +
                     (calibrator->inserted
                          ? " and no linear layer with a constant weight to "
                            "observe"
                          : ""));
  calibrator->probes = std::move(*probes);

  FailureOr<EntrySignature> signature = prepareEntry(module, entryName);
  if (failed(signature))
    return makeError("@" + entryName + " cannot be called");
  // The lowering quant-run applies: the fast matmul kernels where they
  // apply, the reference lowering elsewhere.
  if (failed(lowerToLLVM(module, [](OpPassManager &pm) {
        addLowBitLoweringPasses(pm);
      })))
    return makeError("lowering to LLVM failed");
  auto function = JitFunction::create(module, *signature, options.optLevel);
  if (!function)
    return makeError("JIT compilation failed: " +
                     llvm::toString(function.takeError()));
  calibrator->function = std::move(*function);
  return calibrator;
}

llvm::Error Calibrator::addSample(ArrayRef<npy::Array> arguments,
                                  StringRef name) {
  const EntrySignature &signature = function->getSignature();
  size_t numInputs = signature.inputs.size();
  if (arguments.size() != numInputs)
    return makeError(llvm::formatv("sample '{0}' has {1} array{2}, @{3} takes "
                                   "{4} argument{5}",
                                   name, arguments.size(),
                                   arguments.size() == 1 ? "" : "s", entryName,
                                   numInputs, numInputs == 1 ? "" : "s"));
  for (auto [j, array] : llvm::enumerate(arguments)) {
    std::string what =
        llvm::formatv("sample '{0}', argument #{1}", name, j).str();
    if (llvm::Error err = checkArgument(signature.inputs[j], array, what))
      return err;
  }
  auto results = function->call(arguments);
  if (!results)
    return results.takeError();

  std::map<std::string, Range> sampleRanges;
  for (const Probe &probe : probes) {
    Range &range = sampleRanges[probe.id];
    if (llvm::Error err = reduce(probe, (*results)[probe.result], range))
      return makeError(llvm::toString(std::move(err)) + " in sample '" + name +
                       "'");
  }
  bool first = samples == 0;
  for (auto &[id, range] : sampleRanges) {
    Range &total = totals[id];
    if (!first && total.min.size() != range.min.size())
      return makeError(llvm::formatv("observer '{0}' has {1} channels in "
                                     "sample '{2}' and {3} before",
                                     id, range.min.size(), name,
                                     total.min.size()));
    combine(total, range, first, options.ema);
  }
  ++samples;
  return llvm::Error::success();
}

::lowbit::calibration::Stats Calibrator::getStats() const {
  ::lowbit::calibration::Stats stats;
  stats.samples = samples;
  for (const Probe &probe : probes) {
    ::lowbit::calibration::ObserverStats &entry = stats.observers[probe.id];
    entry.axis = probe.axis - probe.rank;
    auto it = totals.find(probe.id);
    if (it != totals.end()) {
      entry.min = it->second.min;
      entry.max = it->second.max;
    }
  }
  return stats;
}
