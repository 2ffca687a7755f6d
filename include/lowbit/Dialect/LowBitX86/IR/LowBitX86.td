//===- LowBitX86.td - x86 instructions the CPU kernels use -*- tablegen -*-===//
//
// The AVX-512 instructions the fused CPU kernels of lowbit.matmul need that
// upstream `x86vector` does not have, as ops with declared semantics (pure
// value computations on vectors) instead of opaque intrinsic calls: they
// bufferize, deallocate and fold around like any vector op, and lower to
// their LLVM intrinsics only at the end (convert-lowbit-x86-to-llvm). The
// AVX512-BF16 dot product is upstream's `x86vector.avx512.dot`.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_DIALECT_LOWBITX86_IR_LOWBITX86_TD
#define LOWBIT_DIALECT_LOWBITX86_IR_LOWBITX86_TD

include "mlir/IR/OpBase.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def LowBitX86_Dialect : Dialect {
  let name = "lowbit_x86";
  let cppNamespace = "::mlir::lowbit::x86";
  let summary = "AVX-512 instructions of LowBit's CPU kernels";
  let description = [{
    Value-only AVX-512 instructions (VNNI dot products, lane permutes) that
    `convert-lowbit-matmul-to-vector` emits with `avx512`/`vnni`, each the
    512-bit form of one instruction. Every op is `Pure` and lowers to one
    `llvm.call_intrinsic` (convert-lowbit-x86-to-llvm, part of
    `lowbit-to-llvm`); the code then needs a CPU with the instruction.
  }];
}

class LowBitX86_Op<string mnemonic, string intrinsic, list<Trait> traits = []>
    : Op<LowBitX86_Dialect, mnemonic, !listconcat(traits, [Pure])> {
  let extraClassDeclaration = [{
    /// The LLVM intrinsic the op lowers to; operands in the same order.
    static ::llvm::StringRef getIntrinsicName() { return "}] # intrinsic # [{"; }
  }];
}

def LowBitX86_VpdpbusdOp : LowBitX86_Op<"vpdpbusd",
    "llvm.x86.avx512.vpdpbusd.512", [AllTypesMatch<["acc", "result"]>,
                                     AllTypesMatch<["a", "b"]>]> {
  let summary = "AVX512-VNNI u8 x s8 dot product accumulated into i32";
  let description = [{
    `vpdpbusd`: lane i of the result is `acc[i]` plus the sum of the four
    products `a[4i + j] * b[4i + j]`, `a` read as unsigned and `b` as signed
    bytes (i32 arithmetic, wrapping).

    ```mlir
    %r = lowbit_x86.vpdpbusd %acc, %a, %b : vector<64xi8> -> vector<16xi32>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[16], [I32]>:$acc,
                   VectorOfLengthAndType<[64], [I8]>:$a,
                   VectorOfLengthAndType<[64], [I8]>:$b);
  let results = (outs VectorOfLengthAndType<[16], [I32]>:$result);
  let assemblyFormat =
      "$acc `,` $a `,` $b attr-dict `:` type($a) `->` type($result)";
}

def LowBitX86_PermpsOp : LowBitX86_Op<"permps",
    "llvm.x86.avx512.permvar.sf.512", [AllTypesMatch<["table", "result"]>]> {
  let summary = "AVX-512 f32 lane permute (vpermps)";
  let description = [{
    Lane i of the result is `table[index[i] & 15]`: a 16-entry f32 lookup
    (the kernels' 4-bit code tables).

    ```mlir
    %r = lowbit_x86.permps %table, %index : vector<16xi32> -> vector<16xf32>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[16], [F32]>:$table,
                   VectorOfLengthAndType<[16], [I32]>:$index);
  let results = (outs VectorOfLengthAndType<[16], [F32]>:$result);
  let assemblyFormat =
      "$table `,` $index attr-dict `:` type($index) `->` type($result)";
}

def LowBitX86_PermwOp : LowBitX86_Op<"permw",
    "llvm.x86.avx512.permvar.hi.512", [AllTypesMatch<["table", "index",
                                                      "result"]>]> {
  let summary = "AVX512-BW 16-bit lane permute (vpermw)";
  let description = [{
    Lane i of the result is `table[index[i] & 31]`: a 32-entry lookup of
    16-bit values (bf16 code values of the lookup kernels).

    ```mlir
    %r = lowbit_x86.permw %table, %index : vector<32xi16>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[32], [I16]>:$table,
                   VectorOfLengthAndType<[32], [I16]>:$index);
  let results = (outs VectorOfLengthAndType<[32], [I16]>:$result);
  let assemblyFormat = "$table `,` $index attr-dict `:` type($result)";
}

def LowBitX86_Permi2wOp : LowBitX86_Op<"permi2w",
    "llvm.x86.avx512.vpermi2var.hi.512", [AllTypesMatch<["low", "index",
                                                         "high", "result"]>]> {
  let summary = "AVX512-BW two-table 16-bit lane permute (vpermi2w)";
  let description = [{
    Lane i of the result is entry `index[i] & 63` of the 64-entry table
    `low ++ high`.

    ```mlir
    %r = lowbit_x86.permi2w %low, %index, %high : vector<32xi16>
    ```
  }];
  let arguments = (ins VectorOfLengthAndType<[32], [I16]>:$low,
                   VectorOfLengthAndType<[32], [I16]>:$index,
                   VectorOfLengthAndType<[32], [I16]>:$high);
  let results = (outs VectorOfLengthAndType<[32], [I16]>:$result);
  let assemblyFormat =
      "$low `,` $index `,` $high attr-dict `:` type($result)";
}

#endif // LOWBIT_DIALECT_LOWBITX86_IR_LOWBITX86_TD
