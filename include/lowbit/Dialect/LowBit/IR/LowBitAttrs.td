//===- LowBitAttrs.td - LowBit attributes ------------------*- tablegen -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_IR_LOWBITATTRS_TD
#define LOWBIT_DIALECT_LOWBIT_IR_LOWBITATTRS_TD

include "lowbit/Dialect/LowBit/IR/LowBitDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

//===----------------------------------------------------------------------===//
// Enums used as scheme parameters
//===----------------------------------------------------------------------===//

def LowBit_RoundingMode : I32EnumAttr<"RoundingMode", "rounding of scaled values to codes", [
    I32EnumAttrCase<"NearestEven", 0, "nearest_even">,
    I32EnumAttrCase<"NearestAway", 1, "nearest_away">,
    I32EnumAttrCase<"TowardZero", 2, "toward_zero">]> {
  let cppNamespace = "::mlir::lowbit";
  let genSpecializedAttr = 0;
}

def LowBit_ClipKind : I32EnumAttr<"ClipKind", "how the range of a tensor is clipped before choosing parameters", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"Ratio", 1, "ratio">,
    I32EnumAttrCase<"Percentile", 2, "percentile">,
    I32EnumAttrCase<"MSE", 3, "mse">]> {
  let cppNamespace = "::mlir::lowbit";
  let genSpecializedAttr = 0;
}

def LowBit_Family : I32EnumAttr<"Family", "named block-scaled format families with extra rules", [
    I32EnumAttrCase<"None", 0, "none">,
    I32EnumAttrCase<"MX", 1, "mx">,
    I32EnumAttrCase<"NVFP4", 2, "nvfp4">]> {
  let cppNamespace = "::mlir::lowbit";
  let genSpecializedAttr = 0;
}

//===----------------------------------------------------------------------===//
// Granularity interface
//===----------------------------------------------------------------------===//

def LowBit_GranularityAttrInterface : AttrInterface<"GranularityAttrInterface"> {
  let cppNamespace = "::mlir::lowbit";
  let description = [{
    How elements of a tensor share quantization parameters. Every
    granularity partitions each dimension into contiguous blocks; the
    parameter tensor has one entry per block (the *grid* shape).
  }];
  let methods = [
    InterfaceMethod<[{
        Checks that this granularity applies to data of `shape`; reports
        the first mismatch through `emitError`.
      }],
      "::llvm::LogicalResult", "verifyShape",
      (ins "::llvm::ArrayRef<int64_t>":$shape,
           "::llvm::function_ref<::mlir::InFlightDiagnostic()>":$emitError)>,
    InterfaceMethod<[{
        Returns the grid shape of the parameter tensors for data of `shape`
        (a dynamic data dimension that is split gives a dynamic grid
        dimension). Assumes `verifyShape` succeeded.
      }],
      "::llvm::SmallVector<int64_t>", "getParamShape",
      (ins "::llvm::ArrayRef<int64_t>":$shape)>,
    InterfaceMethod<[{
        Returns the first index of every block along dimension `dim` of
        static size `size`, in increasing order (always starting at 0).
        A dimension that does not select parameters is one block; one with
        a parameter per index has a block per index.
      }],
      "::llvm::SmallVector<int64_t>", "getBlockStarts",
      (ins "int64_t":$dim, "int64_t":$size)>,
  ];
}

class LowBit_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<LowBit_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

class LowBit_GranularityAttr<string name, string attrMnemonic>
    : LowBit_Attr<name, attrMnemonic, [DeclareAttrInterfaceMethods<
          LowBit_GranularityAttrInterface>]>;

def LowBit_PerTensorAttr : LowBit_GranularityAttr<"PerTensor", "per_tensor"> {
  let summary = "one parameter set for the whole tensor";
}

def LowBit_PerAxisAttr : LowBit_GranularityAttr<"PerAxis", "per_axis"> {
  let summary = "one parameter set per index of one axis (channel or token)";
  let parameters = (ins "int64_t":$axis);
  let assemblyFormat = "`<` $axis `>`";
  let genVerifyDecl = 1;
}

def LowBit_PerGroupAttr : LowBit_GranularityAttr<"PerGroup", "per_group"> {
  let summary = "one parameter set per group of `size` consecutive elements along `axis`";
  let description = [{
    Every index of the other dimensions has its own groups: a weight
    `[N, K]` with `per_group<axis = 1, size = 128>` has a `[N, K/128]`
    parameter grid (the usual group-wise weight quantization; MX blocks).
    When `size` does not divide the axis, the last group is shorter and has
    its own parameters, chosen from its own elements: `K = 172` gives groups
    of 128 and 44 and a `[N, 2]` grid.
  }];
  let parameters = (ins "int64_t":$axis, "int64_t":$size);
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

def LowBit_PerClusterAttr : LowBit_GranularityAttr<"PerCluster", "per_cluster"> {
  let summary = "one parameter set per contiguous cluster of variable size along `axis`";
  let description = [{
    The clusters that RPTQ forms after reordering channels: `sizes` lists
    the number of consecutive indices of `axis` in each cluster, and must
    add up to the size of that axis. By default a cluster's parameters are
    shared by all indices of the other dimensions (static activation
    clusters: grid `[1, C]` for `[T, K]`); with `per_slice` every index of
    the other dimensions has its own (weights quantized per output row x
    input cluster: grid `[N, C]` for `[N, K]`).

    ```
    #lowbit.per_cluster<axis = 1, sizes = [3, 5]>
    #lowbit.per_cluster<axis = 1, sizes = [3, 5], per_slice>
    ```
  }];
  let parameters = (ins "int64_t":$axis, ArrayRefParameter<"int64_t">:$sizes,
                        "bool":$perSlice);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
}

def LowBit_PerBlockAttr : LowBit_GranularityAttr<"PerBlock", "per_block"> {
  let summary = "one parameter set per tile (for example a 2-D 128x128 block)";
  let description = [{
    `sizes` gives the tile extent along every dimension of the data; it must
    have the rank of the data and divide every static dimension. Dynamic
    dimensions need an extent of 1.
  }];
  let parameters = (ins ArrayRefParameter<"int64_t">:$sizes);
  let assemblyFormat = "`<` `[` $sizes `]` `>`";
  let genVerifyDecl = 1;
}

//===----------------------------------------------------------------------===//
// Scheme
//===----------------------------------------------------------------------===//

def LowBit_SchemeAttr : LowBit_Attr<"Scheme", "scheme"> {
  let summary = "a quantization scheme: format x granularity x policies";
  let description = [{
    Syntax:

    ```
    scheme  ::= `#lowbit.scheme<` (format `,` granularity | preset) (`,` option)* `>`
    format  ::= iN | uiN (N = 1..8) | f8E4M3FN | f8E5M2 | f6E2M3FN | f6E3M2FN
              | f4E2M1FN | nf4 | binary | !lowbit.lut<...> | !lowbit.binary
    preset  ::= (mxfp8_e4m3 | mxfp8_e5m2 | mxfp6_e3m2 | mxfp6_e2m3 | mxfp4
                 | mxint8 | nvfp4) `,` `axis` `=` N
    option  ::= `narrow` | `asymmetric` | `dynamic` | `scale` `=` type
              | `rounding` `=` (nearest_even | nearest_away | toward_zero)
              | `clip` `=` (none | mse | ratio `(` float `)` | percentile `(` float `)`)
              | `family` `=` (mx | nvfp4)
    ```

    Defaults: symmetric, static, `scale = f32`, `rounding = nearest_even`,
    `clip = none`. Signless integers are two's complement (signed); `uiN`
    is unsigned. `narrow` drops the most negative code of a signed format
    (symmetric range) and code 0 of an unsigned one.

    `asymmetric` adds an integer zero point and needs an integer format.
    `dynamic` means the parameters are computed from the tensor at run time
    (`lowbit.choose_params`); static ones come from calibration.

    Families add rules that the verifier checks: `mx` (OCP Microscaling
    v1.0) needs blocks of 32 along one axis (`per_group`), an `f8E8M0FNU`
    scale and an FP8/FP6/FP4 or `i8` (MXINT8) element; `nvfp4` needs
    `f4E2M1FN` elements in blocks of 16 with an `f8E4M3FN` scale, plus a
    per-tensor f32 `global_scale` on every op that carries parameters.
    Presets spell these out: `#lowbit.scheme<mxfp4, axis = 1>`.
  }];
  let parameters = (ins
    "::mlir::Type":$storage,
    "::mlir::lowbit::GranularityAttrInterface":$granularity,
    "bool":$narrow,
    "bool":$asymmetric,
    "bool":$dynamic,
    "::mlir::Type":$scaleType,
    "::mlir::lowbit::RoundingMode":$rounding,
    "::mlir::lowbit::ClipKind":$clipKind,
    APFloatParameter<"clip ratio or percentile">:$clipValue,
    "::mlir::lowbit::Family":$family);
  let builders = [
    AttrBuilderWithInferredContext<(ins "::mlir::Type":$storage,
        "::mlir::lowbit::GranularityAttrInterface":$granularity), [{
      return $_get(storage.getContext(), storage, granularity,
                   /*narrow=*/false, /*asymmetric=*/false, /*dynamic=*/false,
                   ::mlir::Float32Type::get(storage.getContext()),
                   RoundingMode::NearestEven, ClipKind::None,
                   ::llvm::APFloat(0.0), Family::None);
    }]>];
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// Number of bits of one stored element code.
    unsigned getBitWidth() const;
    /// True for iN/uiN storage (including MXINT8).
    bool isInteger() const;
    /// True for signed (signless) integer storage.
    bool isSignedInteger() const;
    /// Smallest and largest integer code, honouring `narrow`. Integer
    /// storage only.
    int64_t getQMin() const;
    int64_t getQMax() const;
    /// True when ops carrying parameters need a zero point operand.
    bool hasZeroPoint() const { return getAsymmetric(); }
    /// True when ops carrying parameters need a per-tensor global scale.
    bool hasGlobalScale() const { return getFamily() == Family::NVFP4; }
    /// Returns a copy with another granularity.
    SchemeAttr withGranularity(GranularityAttrInterface granularity) const;
    /// True for the name of a block-scaled preset.
    static bool isPresetName(::llvm::StringRef name);
    /// A block-scaled preset by name (`mxfp4`, `nvfp4`, ...): its element
    /// type, block size, scale type and family. Returns false for other
    /// names.
    static bool lookupPreset(::mlir::MLIRContext *context,
                             ::llvm::StringRef name, ::mlir::Type &element,
                             int64_t &blockSize, ::mlir::Type &scaleType,
                             Family &family);
  }];
}

#endif // LOWBIT_DIALECT_LOWBIT_IR_LOWBITATTRS_TD
