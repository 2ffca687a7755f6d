//===- InsertObservers.cpp ---------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/Transforms/Passes.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_INSERTOBSERVERS
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;

namespace {
struct InsertObserversPass : public mlir::lowbit::impl::InsertObserversBase<InsertObserversPass> {
  using Base::Base;
  void runOnOperation() override {
    getOperation().emitError("InsertObservers is not implemented yet");
    signalPassFailure();
  }
};
} // namespace
