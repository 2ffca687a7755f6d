//===- SchemeSpec.cpp - schemes as users write them -----------------------===//

#include "lowbit/Dialect/LowBit/Utils/SchemeSpec.h"

#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;
using namespace mlir::lowbit;

FailureOr<SchemeSpec> SchemeSpec::parse(StringRef text, std::string &error) {
  SchemeSpec spec;
  spec.text = text.str();
  text = text.trim();
  if (text.empty() || text == "none" || text == "f32")
    return spec;
  SmallVector<StringRef> parts;
  text.split(parts, ':');
  spec.format = parts.front().trim().str();
  spec.preset = SchemeAttr::isPresetName(spec.format);
  for (StringRef part : llvm::drop_begin(parts)) {
    part = part.trim();
    Granularity g = llvm::StringSwitch<Granularity>(part)
                        .Case("tensor", Granularity::Tensor)
                        .Case("channel", Granularity::Channel)
                        .Case("token", Granularity::Token)
                        .Case("cluster", Granularity::Cluster)
                        .Default(Granularity::Unset);
    int64_t size = 0;
    if (part.starts_with("g") && !part.drop_front().getAsInteger(10, size)) {
      if (size <= 0) {
        error = "group size must be positive in '" + spec.text + "'";
        return failure();
      }
      g = Granularity::Group;
    }
    if (g == Granularity::Unset) {
      if (part == "dynamic")
        spec.dynamic = true;
      else
        spec.options.push_back(part.str());
      continue;
    }
    if (spec.granularity != Granularity::Unset) {
      error = "more than one granularity in '" + spec.text + "'";
      return failure();
    }
    if (spec.preset) {
      error = "'" + spec.format +
              "' is a block-scaled preset with its own granularity; drop '" +
              part.str() + "'";
      return failure();
    }
    spec.granularity = g;
    spec.groupSize = size;
  }
  return spec;
}

namespace {
/// Collects the first diagnostic emitted in `context` while it lives.
struct FirstDiagnostic {
  explicit FirstDiagnostic(MLIRContext *context)
      : context(context), handler(context, [this](Diagnostic &diag) {
          if (message.empty())
            message = diag.str();
          return success();
        }) {}
  InFlightDiagnostic emit() { return emitError(UnknownLoc::get(context)); }

  MLIRContext *context;
  std::string message;
  ScopedDiagnosticHandler handler;
};

/// Parses a type (`f16`, `i4`, `!lowbit.lut<...>`) or fails with a message.
FailureOr<Type> parseTypeText(MLIRContext *context, StringRef text,
                              std::string &error) {
  FirstDiagnostic diagnostic(context);
  size_t read = 0;
  Type type = parseType(text, context, &read);
  if (type && read == text.size())
    return type;
  error = "'" + text.str() + "' is not a type" +
          (diagnostic.message.empty() ? "" : ": " + diagnostic.message);
  return failure();
}
} // namespace

LogicalResult SchemeSpec::resolve(MLIRContext *context, Parts &parts,
                                  std::string &error) const {
  parts.scaleType = Float32Type::get(context);
  if (preset) {
    SchemeAttr::lookupPreset(context, format, parts.storage, parts.blockSize,
                             parts.scaleType, parts.family);
  } else if (format == "nf4") {
    parts.storage = LutType::getNF4(context);
  } else if (format == "binary") {
    parts.storage = BinaryType::get(context);
  } else {
    FailureOr<Type> type = parseTypeText(context, format, error);
    if (failed(type))
      return failure();
    parts.storage = *type;
  }

  for (StringRef option : options) {
    auto [name, value] = option.split('=');
    name = name.trim();
    value = value.trim();
    bool hasValue = option.contains('=');
    if (!hasValue && name == "narrow") {
      parts.narrow = true;
    } else if (!hasValue && name == "asymmetric") {
      parts.asymmetric = true;
    } else if (hasValue && name == "scale") {
      FailureOr<Type> type = parseTypeText(context, value, error);
      if (failed(type))
        return failure();
      parts.scaleType = *type;
    } else if (hasValue && name == "rounding") {
      std::optional<RoundingMode> mode = symbolizeRoundingMode(value);
      if (!mode) {
        error = "unknown rounding mode '" + value.str() + "'";
        return failure();
      }
      parts.rounding = *mode;
    } else if (hasValue && name == "clip") {
      // none | mse | ratio(F) | percentile(F)
      auto [kindText, rest] = value.split('(');
      std::optional<ClipKind> kind = symbolizeClipKind(kindText.trim());
      if (!kind) {
        error = "unknown clip policy '" + value.str() + "'";
        return failure();
      }
      parts.clipKind = *kind;
      bool takesValue = *kind == ClipKind::Ratio || *kind == ClipKind::Percentile;
      rest = rest.trim();
      if (takesValue != value.contains('(') ||
          (takesValue && (!rest.consume_back(")") ||
                          rest.trim().getAsDouble(parts.clipValue)))) {
        error = "clip policy '" + value.str() +
                "': expected none, mse, ratio(F) or percentile(F)";
        return failure();
      }
    } else if (hasValue && name == "family") {
      std::optional<Family> parsed = symbolizeFamily(value);
      if (!parsed || *parsed == Family::None) {
        error = "unknown family '" + value.str() + "' (expected mx or nvfp4)";
        return failure();
      }
      parts.family = *parsed;
    } else {
      error = "unknown scheme option '" + option.str() + "'";
      return failure();
    }
  }
  return success();
}

LogicalResult SchemeSpec::checkFormatAndOptions(MLIRContext *context,
                                                std::string &error) const {
  if (isNone())
    return success();
  Parts parts;
  return resolve(context, parts, error);
}

FailureOr<SchemeAttr> SchemeSpec::build(MLIRContext *context,
                                        GranularityAttrInterface granularity,
                                        int64_t presetAxis, bool dynamicParams,
                                        std::string &error) const {
  Parts parts;
  if (failed(resolve(context, parts, error)))
    return failure();
  if (preset) {
    FirstDiagnostic diagnostic(context);
    granularity = PerGroupAttr::getChecked([&] { return diagnostic.emit(); },
                                           context, presetAxis,
                                           parts.blockSize);
    if (!granularity) {
      error = diagnostic.message;
      return failure();
    }
  }
  FirstDiagnostic diagnostic(context);
  SchemeAttr scheme = SchemeAttr::getChecked(
      [&] { return diagnostic.emit(); }, context, parts.storage, granularity,
      parts.narrow, parts.asymmetric, dynamicParams, parts.scaleType,
      parts.rounding, parts.clipKind, llvm::APFloat(parts.clipValue),
      parts.family);
  if (!scheme) {
    error = diagnostic.message.empty() ? "not a valid scheme"
                                       : diagnostic.message;
    return failure();
  }
  return scheme;
}

FailureOr<SchemeAttr> SchemeSpec::getWeightScheme(MLIRContext *context,
                                                  int64_t kAxis,
                                                  ArrayRef<int64_t> clusters,
                                                  std::string &error) const {
  int64_t outAxis = 1 - kAxis;
  GranularityAttrInterface g;
  switch (granularity) {
  case Granularity::Tensor:
    g = PerTensorAttr::get(context);
    break;
  case Granularity::Unset:
  case Granularity::Channel:
    g = PerAxisAttr::get(context, outAxis);
    break;
  case Granularity::Group:
    g = PerGroupAttr::get(context, kAxis, groupSize);
    break;
  case Granularity::Cluster: {
    if (clusters.empty()) {
      error = "'cluster' needs the RPTQ cluster sizes of the layer's input";
      return failure();
    }
    FirstDiagnostic diagnostic(context);
    g = PerClusterAttr::getChecked([&] { return diagnostic.emit(); }, context,
                                   kAxis, clusters, /*perSlice=*/true);
    if (!g) {
      error = diagnostic.message;
      return failure();
    }
    break;
  }
  case Granularity::Token:
    error = "'token' applies to activations only";
    return failure();
  }
  return build(context, g, kAxis, /*dynamicParams=*/false, error);
}

FailureOr<SchemeAttr>
SchemeSpec::getActivationScheme(MLIRContext *context,
                                ArrayRef<int64_t> clusters,
                                std::string &error) const {
  bool dynamicParams = dynamic || preset;
  GranularityAttrInterface g;
  switch (granularity) {
  case Granularity::Unset:
  case Granularity::Token:
    g = PerAxisAttr::get(context, 0);
    dynamicParams = true;
    break;
  case Granularity::Tensor:
    g = PerTensorAttr::get(context);
    break;
  case Granularity::Channel:
    g = PerAxisAttr::get(context, 1);
    break;
  case Granularity::Group:
    if (!dynamicParams) {
      error = "group parameters of an activation differ per token; add "
              "':dynamic' to compute them at run time";
      return failure();
    }
    g = PerGroupAttr::get(context, 1, groupSize);
    break;
  case Granularity::Cluster: {
    if (clusters.empty()) {
      g = PerTensorAttr::get(context);
      break;
    }
    FirstDiagnostic diagnostic(context);
    g = PerClusterAttr::getChecked([&] { return diagnostic.emit(); }, context,
                                   /*axis=*/int64_t{1}, clusters,
                                   /*perSlice=*/false);
    if (!g) {
      error = diagnostic.message;
      return failure();
    }
    break;
  }
  }
  return build(context, g, /*presetAxis=*/1, dynamicParams, error);
}
