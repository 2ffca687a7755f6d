//===- FuseDequant.cpp - dequantize -> matmul into lowbit.matmul ----------===//
//
// A `linalg.matmul` that starts from zero and reads `lowbit.dequantize`
// results computes exactly what `lowbit.matmul` on the codes computes (up to
// the order of float additions), so the dequantized tensors need not exist:
// the fused op decodes in registers, or, when both operands are integer
// codes, sums code products in i32 and applies the scales once per K
// segment of constant parameters.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Dialect/LowBit/Transforms/ModelIR.h"
#include "lowbit/Dialect/LowBit/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_FUSEDEQUANT
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;

namespace {

/// One matmul operand: the codes and parameters of a dequantize, or the
/// float value itself.
struct FusedOperand {
  Value value, scale, zeroPoint, globalScale;
  bool integer = false; // integer codes

  explicit FusedOperand(Value v) : value(v) {
    auto dequantize = v.getDefiningOp<DequantizeOp>();
    if (!dequantize)
      return;
    value = dequantize.getInput();
    scale = dequantize.getScale();
    zeroPoint = dequantize.getZeroPoint();
    globalScale = dequantize.getGlobalScale();
    integer = dequantize.getInput().getType().getScheme().isInteger();
  }
  bool isQuantized() const { return static_cast<bool>(scale); }
};

/// Whether `init` is a tensor filled with +0.0 (the matmul then computes
/// the plain product).
bool isZeroFill(Value init) {
  auto fill = init.getDefiningOp<linalg::FillOp>();
  return fill && matchPattern(fill.getInputs()[0], m_PosZeroFloat());
}

struct FuseDequantIntoMatmul : public OpRewritePattern<linalg::MatmulOp> {
  FuseDequantIntoMatmul(MLIRContext *ctx, bool integerAccumulation)
      : OpRewritePattern(ctx), integerAccumulation(integerAccumulation) {}

  LogicalResult matchAndRewrite(linalg::MatmulOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || !isZeroFill(op.getDpsInits()[0]))
      return rewriter.notifyMatchFailure(op, "init is not a zero fill");
    std::optional<bool> transposed = isTransposedLinear(op);
    if (!transposed)
      return rewriter.notifyMatchFailure(
          op, "not [M, K] x [K, N] or [M, K] x [N, K]");

    FusedOperand lhs(op.getDpsInputOperand(0)->get());
    FusedOperand rhs(op.getDpsInputOperand(1)->get());
    if (!lhs.isQuantized() && !rhs.isQuantized())
      return rewriter.notifyMatchFailure(op, "no dequantized operand");
    auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
    // Float operands are read as they are: their element type must be the
    // accumulation type's or the result's float type.
    Type acc = rewriter.getF32Type();
    if (integerAccumulation && lhs.integer && rhs.integer)
      acc = rewriter.getI32Type();
    auto matmul = MatmulOp::create(
        rewriter, op.getLoc(), resultType, lhs.value, lhs.scale, lhs.zeroPoint,
        lhs.globalScale, rhs.value, rhs.scale, rhs.zeroPoint, rhs.globalScale,
        *transposed ? rewriter.getUnitAttr() : UnitAttr(), TypeAttr::get(acc));
    rewriter.replaceOp(op, matmul.getResult());
    return success();
  }

  bool integerAccumulation;
};

struct FuseDequantPass
    : public mlir::lowbit::impl::FuseDequantBase<FuseDequantPass> {
  using Base::Base;

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    populateFuseDequantPatterns(patterns, integerAccumulation);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace

void mlir::lowbit::populateFuseDequantPatterns(RewritePatternSet &patterns,
                                               bool integerAccumulation) {
  patterns.add<FuseDequantIntoMatmul>(patterns.getContext(),
                                      integerAccumulation);
}
