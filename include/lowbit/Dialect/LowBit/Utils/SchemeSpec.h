//===- SchemeSpec.h - schemes as users write them ---------------*- C++ -*-===//
//
// `FORMAT[:PART]...` ("i4:g128", "i8:token", "i4:cluster:asymmetric",
// "mxfp4", "none"): the spelling of a quantization scheme in pass options
// (lowbit-quantize's w=/a=/kv=) and in the tools. This is the one place
// that turns such text into a #lowbit.scheme for a weight or an activation;
// the passes and the Python package (lowbit.scheme_from_spec) call it.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_DIALECT_LOWBIT_UTILS_SCHEMESPEC_H
#define LOWBIT_DIALECT_LOWBIT_UTILS_SCHEMESPEC_H

#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"

#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace mlir::lowbit {

class SchemeSpec {
public:
  /// The granularity part, if any: `tensor`, `channel`, `token`, `cluster`
  /// or `gN`.
  enum class Granularity { Unset, Tensor, Channel, Token, Cluster, Group };

  /// Parses `text`. Structural errors (two granularities, a group size that
  /// is not positive, a granularity on a block-scaled preset) fail with a
  /// message in `error`; the format and the options are checked when a
  /// scheme is built. "", "none" and "f32" are the empty spec (isNone()).
  static FailureOr<SchemeSpec> parse(StringRef text, std::string &error);

  bool isNone() const { return format.empty(); }
  StringRef getText() const { return text; }
  Granularity getGranularity() const { return granularity; }
  int64_t getGroupSize() const { return groupSize; }
  /// A block-scaled preset (`mxfp4`, `nvfp4`, ...; blocks along K).
  bool isPreset() const { return preset; }

  /// The scheme of a linear layer's 2-D weight whose reduction axis is
  /// `kAxis`: per output channel by default, `gN` groups along K,
  /// `cluster` per output channel x input cluster (`clusters`: the RPTQ
  /// cluster sizes of the layer's input, which must be given). `token` is
  /// an error.
  FailureOr<SchemeAttr> getWeightScheme(MLIRContext *context, int64_t kAxis,
                                        ArrayRef<int64_t> clusters,
                                        std::string &error) const;

  /// The scheme of an activation [tokens, channels]: per token (dynamic) by
  /// default; `tensor` and `channel` static unless `:dynamic`; `gN` groups
  /// along the channels (needs `:dynamic`); `cluster` per RPTQ cluster
  /// (`clusters`), or per tensor when `clusters` is empty.
  FailureOr<SchemeAttr> getActivationScheme(MLIRContext *context,
                                            ArrayRef<int64_t> clusters,
                                            std::string &error) const;

  /// Checks the format and the options (a type, `rounding=`, `clip=`, ...)
  /// without building a scheme: what can be wrong before the layer is
  /// known. Verifier rules that involve the granularity are checked by the
  /// builders above.
  LogicalResult checkFormatAndOptions(MLIRContext *context,
                                      std::string &error) const;

private:
  /// The format and the options, resolved.
  struct Parts {
    Type storage, scaleType;
    int64_t blockSize = 0; // presets
    Family family = Family::None;
    bool narrow = false, asymmetric = false;
    RoundingMode rounding = RoundingMode::NearestEven;
    ClipKind clipKind = ClipKind::None;
    double clipValue = 0.0;
  };
  LogicalResult resolve(MLIRContext *context, Parts &parts,
                        std::string &error) const;

  /// The scheme with `granularity` (ignored for presets, which take
  /// `presetAxis`) and the spec's format and options.
  FailureOr<SchemeAttr> build(MLIRContext *context,
                              GranularityAttrInterface granularity,
                              int64_t presetAxis, bool dynamic,
                              std::string &error) const;

  std::string text;
  std::string format;
  bool preset = false;
  Granularity granularity = Granularity::Unset;
  int64_t groupSize = 0;
  bool dynamic = false;
  SmallVector<std::string> options;
};

} // namespace mlir::lowbit

#endif // LOWBIT_DIALECT_LOWBIT_UTILS_SCHEMESPEC_H
