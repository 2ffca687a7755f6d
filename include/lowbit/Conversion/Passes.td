//===- Passes.td - LowBit conversion passes ----------------*- tablegen -*-===//

#ifndef LOWBIT_CONVERSION_PASSES_TD
#define LOWBIT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertLowBitToQuant : Pass<"convert-lowbit-to-quant", "::mlir::ModuleOp"> {
  let summary = "Convert lowbit quantize/dequantize pairs with constant "
                "parameters to upstream quant.qcast/quant.dcast";
  let description = [{
    Rewrites `lowbit.dequantize(lowbit.quantize(x, p), p)` with constant
    parameters `p` into `quant.dcast(quant.qcast(x))` on tensors of
    `!quant.uniform` (per-tensor, per-axis or sub-channel). Integer formats
    only. Anything upstream cannot express (float, lookup-table or binary
    formats, cluster granularity, dynamic schemes, non-constant parameters,
    non-default rounding, a quantized value used by any other op) is
    reported as an error at the op's location.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
}

def ConvertQuantToLowBit : Pass<"convert-quant-to-lowbit", "::mlir::ModuleOp"> {
  let summary = "Convert upstream quant ops and !quant.uniform types to lowbit";
  let description = [{
    `quant.qcast` becomes `lowbit.quantize` and `quant.dcast` becomes
    `lowbit.dequantize`, with the scales and zero points of the
    `!quant.uniform` type materialized as `arith.constant` tensors in the
    grid layout. Tensors of quantized type (also in function signatures)
    become `!lowbit.qtensor`. Per-tensor types map to `per_tensor`,
    per-axis types to `per_axis`, sub-channel types to `per_group` (one
    split dimension) or `per_block`. Types lowbit cannot express
    (`!quant.any`, `!quant.calibrated`, storage wider than 8 bits, storage
    ranges that are neither full nor narrow) and `quant.scast` are errors.
  }];
  let dependentDialects = ["::mlir::lowbit::LowBitDialect",
                           "::mlir::arith::ArithDialect"];
}

#endif // LOWBIT_CONVERSION_PASSES_TD
