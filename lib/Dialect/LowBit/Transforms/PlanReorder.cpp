//===- PlanReorder.cpp ---------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/Transforms/Passes.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_PLANREORDER
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;

namespace {
struct PlanReorderPass : public mlir::lowbit::impl::PlanReorderBase<PlanReorderPass> {
  using Base::Base;
  void runOnOperation() override {
    getOperation().emitError("PlanReorder is not implemented yet");
    signalPassFailure();
  }
};
} // namespace
