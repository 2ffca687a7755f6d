//===- LowBitOps.td - LowBit operations --------------------*- tablegen -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_IR_LOWBITOPS_TD
#define LOWBIT_DIALECT_LOWBIT_IR_LOWBITOPS_TD

include "lowbit/Dialect/LowBit/IR/LowBitTypes.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/InferTypeOpInterface.td"

//===----------------------------------------------------------------------===//
// Type constraints
//===----------------------------------------------------------------------===//

def LowBit_QTensor : Type<CPred<"::llvm::isa<::mlir::lowbit::QTensorType>($_self)">,
    "quantized tensor", "::mlir::lowbit::QTensorType">;
def LowBit_FloatTensor : RankedTensorOf<[AnyFloat]>;
def LowBit_ScaleTensor : RankedTensorOf<[AnyFloat]>;
def LowBit_ZeroPointTensor : RankedTensorOf<[AnySignlessInteger]>;
def LowBit_GlobalScaleTensor : RankedTensorOf<[F32]>;
def LowBit_MatmulOperand : AnyTypeOf<[LowBit_FloatTensor, LowBit_QTensor]>;

//===----------------------------------------------------------------------===//
// constant
//===----------------------------------------------------------------------===//

def LowBit_ConstantOp : LowBit_Op<"constant", [ConstantLike, Pure]> {
  let summary = "a quantized tensor known at compile time, as packed codes";
  let description = [{
    Holds the codes of a quantized constant (a weight quantized at compile
    time) in their packed storage layout: `codes` is an i8 tensor of the
    result's packed type (sub-byte codes LSB-first along the innermost
    dimension, each row starting on a byte boundary; docs/numerics.md). The
    parameters are separate constants. Large weights use `dense_resource`.

    ```mlir
    %w = lowbit.constant dense<[[33, -1], [0, 16]]> : tensor<2x2xi8>
        -> !lowbit.qtensor<2x4, #lowbit.scheme<i4, per_axis<0>>>
    ```
  }];
  let arguments = (ins ElementsAttr:$codes);
  let results = (outs LowBit_QTensor:$result);
  let assemblyFormat = "$codes attr-dict `->` qualified(type($result))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

//===----------------------------------------------------------------------===//
// observe
//===----------------------------------------------------------------------===//

def LowBit_ObserveOp : LowBit_Op<"observe", [AllTypesMatch<["input", "result"]>]> {
  let summary = "calibration probe: identity at run time, records ranges under an id";
  let description = [{
    Returns its operand unchanged. Calibration records the per-channel
    minimum and maximum of `input` along `axis` (default: the last axis)
    under the stable string `id`; `lowbit-import-stats` attaches imported
    statistics to the probe with the same id as `min` and `max` (one entry
    per channel). `heads = H` says the channels form H contiguous heads
    (q, k, v), which planning clusters per head. The op has no declared
    memory effects, so it is never removed as dead code before calibration
    runs.

    ```mlir
    %y = lowbit.observe "layer0.attn_in" %x : tensor<?x64xf32>
    ```
  }];
  let arguments = (ins StrAttr:$id, LowBit_FloatTensor:$input,
                       OptionalAttr<I64Attr>:$axis,
                       OptionalAttr<I64Attr>:$heads,
                       OptionalAttr<DenseF32ArrayAttr>:$min,
                       OptionalAttr<DenseF32ArrayAttr>:$max);
  let results = (outs LowBit_FloatTensor:$result);
  let assemblyFormat = "$id $input attr-dict `:` type($input)";
  let hasVerifier = 1;
  let extraClassDeclaration = [{
    /// The channel axis statistics are recorded along.
    int64_t getChannelAxis();
  }];
}

//===----------------------------------------------------------------------===//
// choose_params
//===----------------------------------------------------------------------===//

def LowBit_ChooseParamsOp : LowBit_Op<"choose_params", [Pure]> {
  let summary = "computes quantization parameters of a tensor at run time";
  let description = [{
    Computes the parameters `scheme` needs for `input` from its values (the
    dynamic path, e.g. per-token activation scales). Results, in order: the
    scale; the zero point if the scheme is asymmetric (i32); the per-tensor
    f32 global scale if the scheme is NVFP4. All have the grid shape of the
    scheme's granularity applied to the input shape.

    ```mlir
    %s, %z = lowbit.choose_params %x {scheme = #lowbit.scheme<i8, per_axis<0>, asymmetric, dynamic>}
        : tensor<?x64xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
    ```
  }];
  let arguments = (ins LowBit_FloatTensor:$input, LowBit_SchemeAttr:$scheme);
  let results = (outs Variadic<AnyRankedTensor>:$params);
  let assemblyFormat =
      "$input attr-dict `:` type($input) `->` type($params)";
  let hasVerifier = 1;
  let builders = [
    OpBuilder<(ins "::mlir::Value":$input, "SchemeAttr":$scheme)>];
  let extraClassDeclaration = [{
    ::mlir::Value getScale() { return getParams()[0]; }
    ::mlir::Value getZeroPoint();
    ::mlir::Value getGlobalScale();
  }];
}

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

class LowBit_ParamsFormat<string prefix = ""> {
  string format =
    "`scale` `(` $" # prefix # "scale `:` type($" # prefix # "scale) `)` "
    "(`zero_point` `(` $" # prefix # "zero_point^ `:` type($" # prefix # "zero_point) `)`)? "
    "(`global_scale` `(` $" # prefix # "global_scale^ `:` type($" # prefix # "global_scale) `)`)? ";
}

def LowBit_QuantizeOp : LowBit_Op<"quantize", [Pure, AttrSizedOperandSegments]> {
  let summary = "quantizes a float tensor to codes of the result's scheme";
  let description = [{
    For integer formats `q = clamp(round(x / s) + z, qmin, qmax)`; for float
    and lookup-table formats `q = encode(x / s)` with saturation; the
    rounding and clipping policies come from the scheme. The parameters
    (`scale`, `zero_point` if asymmetric, `global_scale` if NVFP4) have the
    grid shape of the result type.

    ```mlir
    %q = lowbit.quantize %x scale(%s : tensor<1x4xf32>)
        : tensor<8x128xf32> -> !lowbit.qtensor<8x128, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>>
    ```
  }];
  let arguments = (ins LowBit_FloatTensor:$input, LowBit_ScaleTensor:$scale,
                       Optional<LowBit_ZeroPointTensor>:$zero_point,
                       Optional<LowBit_GlobalScaleTensor>:$global_scale);
  let results = (outs LowBit_QTensor:$result);
  let assemblyFormat = "$input " # LowBit_ParamsFormat<>.format #
                       "attr-dict `:` type($input) `->` qualified(type($result))";
  let hasVerifier = 1;
  let hasFolder = 1;
}

def LowBit_DequantizeOp : LowBit_Op<"dequantize", [Pure, AttrSizedOperandSegments]> {
  let summary = "decodes quantized codes to a float tensor";
  let description = [{
    `x = s * (q - z)` for integer formats and `x = s * decode(q)` otherwise
    (times `global_scale` for NVFP4). Exact: every code decodes to a value
    representable in f32.

    ```mlir
    %x = lowbit.dequantize %q scale(%s : tensor<1x4xf32>)
        : !lowbit.qtensor<8x128, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>> -> tensor<8x128xf32>
    ```
  }];
  let arguments = (ins LowBit_QTensor:$input, LowBit_ScaleTensor:$scale,
                       Optional<LowBit_ZeroPointTensor>:$zero_point,
                       Optional<LowBit_GlobalScaleTensor>:$global_scale);
  let results = (outs LowBit_FloatTensor:$result);
  let assemblyFormat = "$input " # LowBit_ParamsFormat<>.format #
                       "attr-dict `:` qualified(type($input)) `->` type($result)";
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// reorder
//===----------------------------------------------------------------------===//

def LowBit_ReorderOp : LowBit_Op<"reorder",
    [Pure, AllTypesMatch<["input", "result"]>]> {
  let summary = "permutes the indices of one axis";
  let description = [{
    `result[..., i, ...] = input[..., permutation[i], ...]` along `axis`.
    Channel permutations are first-class (not a generic gather) so that
    passes can compose, invert, push and fold them. `cluster_sizes`, set by
    reorder planning, records the contiguous channel clusters of the result
    (RPTQ), for choosing per-cluster quantization later.

    ```mlir
    %y = lowbit.reorder %x axis 1 permutation [2, 0, 1] : tensor<4x3xf32>
    ```
  }];
  let arguments = (ins AnyRankedTensor:$input, I64Attr:$axis,
                       DenseI64ArrayAttr:$permutation,
                       OptionalAttr<DenseI64ArrayAttr>:$cluster_sizes);
  let results = (outs AnyRankedTensor:$result);
  let assemblyFormat = "$input `axis` $axis `permutation` $permutation attr-dict `:` type($input)";
  let hasVerifier = 1;
  let hasFolder = 1;
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

def LowBit_MatmulOp : LowBit_Op<"matmul", [Pure, AttrSizedOperandSegments]> {
  let summary = "fused (quantized) matrix multiplication";
  let description = [{
    `result[m, n] = sum_k A[m, k] * B[k, n]` where each operand is either a
    float tensor or a quantized tensor with its parameters (decoded on the
    fly: no dequantized copy is materialized). With `transpose_rhs` the right
    operand is stored `[N, K]`, as linear-layer weights usually are.
    `acc_type` is the accumulation type: an integer type (e.g. i32) is only
    allowed when both operands have integer formats; otherwise it is a float
    type. With an integer accumulator, K is cut into segments, the maximal
    runs on which both operands' parameters are constant (e.g. the RPTQ
    clusters); per segment s in increasing order, the exact integer dot
    product is scaled in f32:
    `result += float(sum_{k in s} qa * qw) * (lhs scale * rhs scale)`.

    ```mlir
    %y = lowbit.matmul %a scale(%sa : tensor<16x1xf32>),
                       %w scale(%sw : tensor<32x1xf32>) transpose_rhs acc(i32)
        : !lowbit.qtensor<16x64, #lowbit.scheme<i8, per_axis<0>, dynamic>>,
          !lowbit.qtensor<32x64, #lowbit.scheme<i8, per_axis<0>>> -> tensor<16x32xf32>
    ```
  }];
  let arguments = (ins
    LowBit_MatmulOperand:$lhs, Optional<LowBit_ScaleTensor>:$lhs_scale,
    Optional<LowBit_ZeroPointTensor>:$lhs_zero_point,
    Optional<LowBit_GlobalScaleTensor>:$lhs_global_scale,
    LowBit_MatmulOperand:$rhs, Optional<LowBit_ScaleTensor>:$rhs_scale,
    Optional<LowBit_ZeroPointTensor>:$rhs_zero_point,
    Optional<LowBit_GlobalScaleTensor>:$rhs_global_scale,
    UnitAttr:$transpose_rhs, TypeAttr:$acc_type);
  let results = (outs LowBit_FloatTensor:$result);
  let assemblyFormat = [{
    $lhs (`scale` `(` $lhs_scale^ `:` type($lhs_scale) `)`)?
         (`zero_point` `(` $lhs_zero_point^ `:` type($lhs_zero_point) `)`)?
         (`global_scale` `(` $lhs_global_scale^ `:` type($lhs_global_scale) `)`)? `,`
    $rhs (`scale` `(` $rhs_scale^ `:` type($rhs_scale) `)`)?
         (`zero_point` `(` $rhs_zero_point^ `:` type($rhs_zero_point) `)`)?
         (`global_scale` `(` $rhs_global_scale^ `:` type($rhs_global_scale) `)`)?
    (`transpose_rhs` $transpose_rhs^)? `acc` `(` $acc_type `)` attr-dict
    `:` type($lhs) `,` type($rhs) `->` type($result)
  }];
  let hasVerifier = 1;
}

#endif // LOWBIT_DIALECT_LOWBIT_IR_LOWBITOPS_TD
