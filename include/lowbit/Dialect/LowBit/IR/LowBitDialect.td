//===- LowBitDialect.td - LowBit dialect definition --------*- tablegen -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_IR_LOWBITDIALECT_TD
#define LOWBIT_DIALECT_LOWBIT_IR_LOWBITDIALECT_TD

include "mlir/IR/OpBase.td"

def LowBit_Dialect : Dialect {
  let name = "lowbit";
  let cppNamespace = "::mlir::lowbit";
  let summary = "Low-bit quantization formats, granularities and fused ops";
  let description = [{
    The `lowbit` dialect describes low-bit quantization of tensors: the
    storage *format* of each element (integers of 1 to 8 bits, FP8/FP6/FP4,
    lookup tables such as NF4, binary), the *granularity* at which scales and
    zero points are shared (tensor, axis, group, cluster, block) and the
    policies around them (symmetric or asymmetric, static or dynamic,
    rounding, clipping), bundled into a `#lowbit.scheme` attribute.

    Unlike upstream `!quant.uniform`, scales and zero points are SSA values
    (tensors), not parts of the type, so dynamic per-token quantization and
    calibration-derived parameters use the same ops. A `!lowbit.qtensor`
    value holds only the element codes; its parameters travel beside it.

    Parameter tensors always use the *grid* convention: they have the rank of
    the data, and along each dimension one entry per block of elements that
    share a parameter (1 for a dimension that is not split).
  }];
  let useDefaultAttributePrinterParser = 1;
  let useDefaultTypePrinterParser = 1;
  let hasCanonicalizer = 0;
  let extraClassDeclaration = [{
    void registerAttributes();
    void registerTypes();
  }];
}

class LowBit_Op<string mnemonic, list<Trait> traits = []>
    : Op<LowBit_Dialect, mnemonic, traits>;

#endif // LOWBIT_DIALECT_LOWBIT_IR_LOWBITDIALECT_TD
