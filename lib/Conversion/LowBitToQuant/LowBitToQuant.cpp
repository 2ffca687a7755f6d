//===- LowBitToQuant.cpp ---------------------------------------------------------===//

#include "lowbit/Conversion/LowBitToQuant/LowBitToQuant.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/IR/PatternMatch.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_CONVERTLOWBITTOQUANT
#include "lowbit/Conversion/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;

namespace {
struct ConvertLowBitToQuantPass
    : public lowbit::impl::ConvertLowBitToQuantBase<ConvertLowBitToQuantPass> {
  void runOnOperation() override {
    getOperation().emitError("TODO: not implemented yet");
    signalPassFailure();
  }
};
} // namespace
