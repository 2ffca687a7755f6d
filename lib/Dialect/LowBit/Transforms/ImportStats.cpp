//===- ImportStats.cpp - statistics from a stats JSON onto observers ------===//
//
// Sets `min` and `max` of every `lowbit.observe` from the entry with the same
// id in a stats file (docs/calibration.md). Problems with the file are
// reported at the module; problems of one observer (no statistics, another
// channel count or axis, NaN/Inf, min > max) at that observer. Ids in the
// file that no observer has are an error that lists them. All problems are
// reported before the pass fails.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Calibration/Stats.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Dialect/LowBit/Transforms/Passes.h"

#include "llvm/ADT/StringSet.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_IMPORTSTATS
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;
namespace calibration = ::lowbit::calibration;

namespace {

/// Attaches `stats` to `op`, or reports why it cannot.
LogicalResult attach(ObserveOp op, const calibration::ObserverStats &stats,
                     StringRef file) {
  auto fail = [&]() {
    return mlir::emitError(op.getLoc()) << "observer '" << op.getId() << "': ";
  };
  RankedTensorType type = op.getInput().getType();
  int64_t rank = type.getRank();
  int64_t axis = op.getChannelAxis();
  int64_t fileAxis = stats.axis < 0 ? stats.axis + rank : stats.axis;
  if (fileAxis != axis)
    return fail() << "the statistics in '" << file << "' are along axis "
                  << stats.axis << ", the observer's channel axis is " << axis;
  int64_t channels = type.getDimSize(axis);
  if (!ShapedType::isDynamic(channels) && channels != stats.channels())
    return fail() << "has " << channels << " channels, the statistics in '"
                  << file << "' have " << stats.channels();
  if (std::optional<int64_t> heads = op.getHeads())
    if (*heads < 1 || stats.channels() % *heads)
      return fail() << "the " << stats.channels()
                    << " channels of the statistics in '" << file
                    << "' do not split into " << *heads << " heads";
  if (llvm::Error err = calibration::checkValues(stats))
    return fail() << "bad statistics in '" << file
                  << "': " << llvm::toString(std::move(err));
  Builder builder(op.getContext());
  op.setMinAttr(builder.getDenseF32ArrayAttr(stats.min));
  op.setMaxAttr(builder.getDenseF32ArrayAttr(stats.max));
  return success();
}

struct ImportStatsPass
    : public mlir::lowbit::impl::ImportStatsBase<ImportStatsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (statsFile.empty()) {
      mlir::emitError(module.getLoc(),
                      "lowbit-import-stats needs a stats file: "
                      "lowbit-import-stats{stats=FILE}");
      return signalPassFailure();
    }
    llvm::Expected<calibration::Stats> stats =
        calibration::readStatsFile(statsFile);
    if (!stats) {
      mlir::emitError(module.getLoc(), llvm::toString(stats.takeError()));
      return signalPassFailure();
    }

    bool failed = false;
    llvm::StringSet<> matched;
    module.walk([&](ObserveOp op) {
      auto it = stats->observers.find(op.getId().str());
      if (it == stats->observers.end()) {
        if (!allowMissing) {
          mlir::emitError(op.getLoc())
              << "observer '" << op.getId() << "' has no statistics in '" << statsFile
                         << "' (allow-missing=true leaves it without)";
          failed = true;
        }
        return;
      }
      matched.insert(op.getId());
      failed |= mlir::failed(attach(op, it->second, statsFile));
    });

    SmallVector<StringRef> unknown;
    for (const auto &entry : stats->observers)
      if (!matched.contains(entry.first))
        unknown.push_back(entry.first);
    if (!unknown.empty()) {
      constexpr size_t kListed = 8;
      InFlightDiagnostic diag = mlir::emitError(module.getLoc());
      diag << "'" << statsFile << "' has statistics for " << unknown.size()
           << (unknown.size() == 1 ? " id" : " ids")
           << " that no observer has: ";
      for (auto [i, id] : llvm::enumerate(unknown)) {
        if (i == kListed) {
          diag << ", and " << unknown.size() - kListed << " more";
          break;
        }
        diag << (i ? ", '" : "'") << id << "'";
      }
      failed = true;
    }
    if (failed)
      signalPassFailure();
  }
};
} // namespace
