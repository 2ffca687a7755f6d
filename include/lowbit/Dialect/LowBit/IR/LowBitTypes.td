//===- LowBitTypes.td - LowBit types -----------------------*- tablegen -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_IR_LOWBITTYPES_TD
#define LOWBIT_DIALECT_LOWBIT_IR_LOWBITTYPES_TD

include "lowbit/Dialect/LowBit/IR/LowBitAttrs.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/BuiltinTypeInterfaces.td"

class LowBit_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<LowBit_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def LowBit_LutType : LowBit_Type<"Lut", "lut"> {
  let summary = "a lookup-table format: each k-bit code indexes a table of 2^k values";
  let description = [{
    Values are listed in strictly increasing order; code `i` decodes to
    `values[i] * scale`. `!lowbit.lut<nf4>` is the 16-entry NormalFloat4
    table of QLoRA; any other table is written out:
    `!lowbit.lut<[-1.0, -0.25, 0.25, 1.0]>`.
  }];
  let parameters = (ins "::mlir::DenseF64ArrayAttr":$table);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The NF4 table (QLoRA), as doubles.
    static ::llvm::ArrayRef<double> getNF4Values();
    static LutType getNF4(::mlir::MLIRContext *context);
    bool isNF4() const;
    /// The decoded value of each code, in code order.
    ::llvm::ArrayRef<double> getValues() const { return getTable().asArrayRef(); }
    /// log2 of the number of entries.
    unsigned getBitWidth() const;
  }];
}

def LowBit_BinaryType : LowBit_Type<"Binary", "binary"> {
  let summary = "the binary format: a 1-bit code for the values {-1, +1}";
  let description = [{
    Code 0 decodes to `-scale` and code 1 to `+scale`.
  }];
}

def LowBit_QTensorType : LowBit_Type<"QTensor", "qtensor"> {
  let summary = "a tensor of quantized element codes with its logical shape and scheme";
  let description = [{
    `!lowbit.qtensor<128x4096, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>>`
    holds 128x4096 4-bit codes. Its scale, zero point and global scale are
    separate SSA tensors (see the dialect description for their grid shape).
    The scheme's granularity must fit the shape.
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$shape,
                        "::mlir::lowbit::SchemeAttr":$scheme);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    int64_t getRank() const { return getShape().size(); }
    /// Grid shape of this tensor's parameter tensors.
    ::llvm::SmallVector<int64_t> getParamShape() const;
    /// The storage of the codes after lowering: i8 with the innermost
    /// dimension packed (ceil(size * bits / 8) bytes per row; dynamic stays
    /// dynamic). See docs/numerics.md for the bit order.
    ::mlir::RankedTensorType getPackedType() const;
  }];
}

#endif // LOWBIT_DIALECT_LOWBIT_IR_LOWBITTYPES_TD
