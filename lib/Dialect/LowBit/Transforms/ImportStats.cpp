//===- ImportStats.cpp ---------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/Transforms/Passes.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_IMPORTSTATS
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;

namespace {
struct ImportStatsPass : public mlir::lowbit::impl::ImportStatsBase<ImportStatsPass> {
  using Base::Base;
  void runOnOperation() override {
    getOperation().emitError("ImportStats is not implemented yet");
    signalPassFailure();
  }
};
} // namespace
