//===- LowBitAttrs.cpp - LowBit attributes --------------------------------===//
//
// Granularity attributes, the scheme attribute and its custom syntax.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.h"
#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"
#include "AsmUtils.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstdlib>
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::lowbit;

#include "lowbit/Dialect/LowBit/IR/LowBitAttrInterfaces.cpp.inc"
#include "lowbit/Dialect/LowBit/IR/LowBitEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.cpp.inc"

void LowBitDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "lowbit/Dialect/LowBit/IR/LowBitAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// Granularities
//===----------------------------------------------------------------------===//

/// Checks that `axis` indexes a tensor of rank `rank`.
static LogicalResult verifyAxisInRank(int64_t axis, size_t rank,
                                      function_ref<InFlightDiagnostic()> emitError) {
  if (axis >= static_cast<int64_t>(rank))
    return emitError() << "granularity axis " << axis
                       << " is out of range for a tensor of rank " << rank;
  return success();
}

/// Grid shape with 1 everywhere except `n` along `axis`.
static SmallVector<int64_t> gridAlongAxis(ArrayRef<int64_t> shape,
                                          int64_t axis, int64_t n) {
  SmallVector<int64_t> grid(shape.size(), 1);
  grid[axis] = n;
  return grid;
}

LogicalResult PerTensorAttr::verifyShape(ArrayRef<int64_t>,
                                         function_ref<InFlightDiagnostic()>) const {
  return success();
}

/// Block starts 0, step, 2 * step, ... below `size`.
static SmallVector<int64_t> everyStep(int64_t size, int64_t step) {
  SmallVector<int64_t> starts;
  for (int64_t i = 0; i < size; i += step)
    starts.push_back(i);
  return starts;
}

SmallVector<int64_t> PerTensorAttr::getParamShape(ArrayRef<int64_t> shape) const {
  return SmallVector<int64_t>(shape.size(), 1);
}

SmallVector<int64_t> PerTensorAttr::getBlockStarts(int64_t, int64_t) const {
  return {0};
}

LogicalResult PerAxisAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t axis) {
  if (axis < 0)
    return emitError() << "granularity axis must be non-negative, got " << axis;
  return success();
}

LogicalResult
PerAxisAttr::verifyShape(ArrayRef<int64_t> shape,
                         function_ref<InFlightDiagnostic()> emitError) const {
  return verifyAxisInRank(getAxis(), shape.size(), emitError);
}

SmallVector<int64_t> PerAxisAttr::getParamShape(ArrayRef<int64_t> shape) const {
  return gridAlongAxis(shape, getAxis(), shape[getAxis()]);
}

SmallVector<int64_t> PerAxisAttr::getBlockStarts(int64_t dim,
                                                 int64_t size) const {
  return everyStep(size, dim == getAxis() ? 1 : size);
}

LogicalResult PerGroupAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   int64_t axis, int64_t size) {
  if (axis < 0)
    return emitError() << "granularity axis must be non-negative, got " << axis;
  if (size < 1)
    return emitError() << "group size must be positive, got " << size;
  return success();
}

LogicalResult
PerGroupAttr::verifyShape(ArrayRef<int64_t> shape,
                          function_ref<InFlightDiagnostic()> emitError) const {
  // Any extent: the last group may be shorter.
  return verifyAxisInRank(getAxis(), shape.size(), emitError);
}

SmallVector<int64_t> PerGroupAttr::getParamShape(ArrayRef<int64_t> shape) const {
  SmallVector<int64_t> grid(shape);
  int64_t dim = shape[getAxis()];
  grid[getAxis()] =
      ShapedType::isDynamic(dim) ? dim : llvm::divideCeil(dim, getSize());
  return grid;
}

SmallVector<int64_t> PerGroupAttr::getBlockStarts(int64_t dim,
                                                  int64_t size) const {
  return everyStep(size, dim == getAxis() ? getSize() : 1);
}

LogicalResult
PerClusterAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                       int64_t axis, ArrayRef<int64_t> sizes, bool) {
  if (axis < 0)
    return emitError() << "granularity axis must be non-negative, got " << axis;
  if (sizes.empty())
    return emitError() << "cluster granularity needs at least one cluster";
  for (int64_t size : sizes)
    if (size < 1)
      return emitError() << "cluster sizes must be positive, got " << size;
  return success();
}

LogicalResult
PerClusterAttr::verifyShape(ArrayRef<int64_t> shape,
                            function_ref<InFlightDiagnostic()> emitError) const {
  if (failed(verifyAxisInRank(getAxis(), shape.size(), emitError)))
    return failure();
  int64_t dim = shape[getAxis()];
  if (ShapedType::isDynamic(dim))
    return emitError() << "cluster axis " << getAxis() << " must be static";
  int64_t sum = 0;
  for (int64_t size : getSizes())
    sum += size;
  if (sum != dim)
    return emitError() << "cluster sizes sum to " << sum << " but axis "
                       << getAxis() << " has " << dim << " elements";
  return success();
}

SmallVector<int64_t>
PerClusterAttr::getParamShape(ArrayRef<int64_t> shape) const {
  if (!getPerSlice())
    return gridAlongAxis(shape, getAxis(), getSizes().size());
  SmallVector<int64_t> grid(shape);
  grid[getAxis()] = getSizes().size();
  return grid;
}

SmallVector<int64_t> PerClusterAttr::getBlockStarts(int64_t dim,
                                                    int64_t size) const {
  if (dim != getAxis())
    return everyStep(size, getPerSlice() ? 1 : size);
  SmallVector<int64_t> starts;
  int64_t start = 0;
  for (int64_t clusterSize : getSizes()) {
    starts.push_back(start);
    start += clusterSize;
  }
  return starts;
}

Attribute PerClusterAttr::parse(AsmParser &parser, Type) {
  SMLoc loc = parser.getCurrentLocation();
  int64_t axis;
  SmallVector<int64_t> sizes;
  bool perSlice = false;
  if (parser.parseLess() || parser.parseKeyword("axis") ||
      parser.parseEqual() || parser.parseInteger(axis) ||
      parser.parseComma() || parser.parseKeyword("sizes") ||
      parser.parseEqual() ||
      parser.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
        return parser.parseInteger(sizes.emplace_back());
      }))
    return {};
  if (succeeded(parser.parseOptionalComma())) {
    if (parser.parseKeyword("per_slice"))
      return {};
    perSlice = true;
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<PerClusterAttr>(loc, parser.getContext(), axis,
                                           sizes, perSlice);
}

void PerClusterAttr::print(AsmPrinter &printer) const {
  printer << "<axis = " << getAxis() << ", sizes = [";
  llvm::interleaveComma(getSizes(), printer);
  printer << "]";
  if (getPerSlice())
    printer << ", per_slice";
  printer << ">";
}

LogicalResult PerBlockAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                   ArrayRef<int64_t> sizes) {
  if (sizes.empty())
    return emitError() << "block granularity needs at least one extent";
  for (int64_t size : sizes)
    if (size < 1)
      return emitError() << "block extents must be positive, got " << size;
  return success();
}

LogicalResult
PerBlockAttr::verifyShape(ArrayRef<int64_t> shape,
                          function_ref<InFlightDiagnostic()> emitError) const {
  if (getSizes().size() != shape.size())
    return emitError() << "block of rank " << getSizes().size()
                       << " does not match a tensor of rank " << shape.size();
  for (auto [d, dim, size] : llvm::enumerate(shape, getSizes())) {
    if (ShapedType::isDynamic(dim)) {
      if (size != 1)
        return emitError() << "dynamic dimension " << d
                           << " needs a block extent of 1, got " << size;
      continue;
    }
    if (dim % size != 0)
      return emitError() << "block extent " << size << " does not divide dimension "
                         << d << " of size " << dim;
  }
  return success();
}

SmallVector<int64_t> PerBlockAttr::getParamShape(ArrayRef<int64_t> shape) const {
  SmallVector<int64_t> grid;
  for (auto [dim, size] : llvm::zip_equal(shape, getSizes()))
    grid.push_back(ShapedType::isDynamic(dim) ? dim : dim / size);
  return grid;
}

SmallVector<int64_t> PerBlockAttr::getBlockStarts(int64_t dim,
                                                  int64_t size) const {
  return everyStep(size, getSizes()[dim]);
}

//===----------------------------------------------------------------------===//
// Scheme
//===----------------------------------------------------------------------===//

namespace {
/// A named block-scaled preset: element format, block size, scale type.
struct Preset {
  StringLiteral name;
  Family family;
  Type (*element)(MLIRContext *);
  int64_t blockSize;
  Type (*scale)(MLIRContext *);
};
} // namespace

static Type getE8M0(MLIRContext *ctx) { return Float8E8M0FNUType::get(ctx); }
static Type getE4M3(MLIRContext *ctx) { return Float8E4M3FNType::get(ctx); }

static const Preset kPresets[] = {
    {"mxfp8_e4m3", Family::MX, getE4M3, 32, getE8M0},
    {"mxfp8_e5m2", Family::MX,
     [](MLIRContext *c) -> Type { return Float8E5M2Type::get(c); }, 32, getE8M0},
    {"mxfp6_e3m2", Family::MX,
     [](MLIRContext *c) -> Type { return Float6E3M2FNType::get(c); }, 32,
     getE8M0},
    {"mxfp6_e2m3", Family::MX,
     [](MLIRContext *c) -> Type { return Float6E2M3FNType::get(c); }, 32,
     getE8M0},
    {"mxfp4", Family::MX,
     [](MLIRContext *c) -> Type { return Float4E2M1FNType::get(c); }, 32,
     getE8M0},
    {"mxint8", Family::MX,
     [](MLIRContext *c) -> Type { return IntegerType::get(c, 8); }, 32, getE8M0},
    {"nvfp4", Family::NVFP4,
     [](MLIRContext *c) -> Type { return Float4E2M1FNType::get(c); }, 16,
     getE4M3},
};

bool SchemeAttr::isPresetName(StringRef name) {
  return llvm::any_of(kPresets,
                      [&](const Preset &p) { return p.name == name; });
}

bool SchemeAttr::lookupPreset(MLIRContext *context, StringRef name,
                              Type &element, int64_t &blockSize,
                              Type &scaleType, Family &family) {
  const Preset *preset = llvm::find_if(
      kPresets, [&](const Preset &p) { return p.name == name; });
  if (preset == std::end(kPresets))
    return false;
  element = preset->element(context);
  blockSize = preset->blockSize;
  scaleType = preset->scale(context);
  family = preset->family;
  return true;
}

/// Returns the preset that `scheme` spells, if its family rules hold.
static const Preset *findPreset(SchemeAttr scheme) {
  auto group = dyn_cast<PerGroupAttr>(scheme.getGranularity());
  if (scheme.getFamily() == Family::None || !group)
    return nullptr;
  MLIRContext *ctx = scheme.getContext();
  for (const Preset &preset : kPresets)
    if (preset.family == scheme.getFamily() &&
        preset.element(ctx) == scheme.getStorage() &&
        preset.blockSize == group.getSize() &&
        preset.scale(ctx) == scheme.getScaleType() && !scheme.getNarrow() &&
        !scheme.getAsymmetric())
      return &preset;
  return nullptr;
}

static bool isSupportedFloatFormat(Type type) {
  return isa<Float8E4M3FNType, Float8E5M2Type, Float6E2M3FNType,
             Float6E3M2FNType, Float4E2M1FNType>(type);
}

static bool isSupportedScaleType(Type type) {
  return isa<Float32Type, Float16Type, BFloat16Type, Float8E8M0FNUType,
             Float8E4M3FNType>(type);
}

LogicalResult SchemeAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                 Type storage,
                                 GranularityAttrInterface granularity,
                                 bool narrow, bool asymmetric, bool dynamic,
                                 Type scaleType, RoundingMode rounding,
                                 ClipKind clipKind, APFloat clipValue,
                                 Family family) {
  if (!storage || !granularity || !scaleType)
    return emitError() << "scheme needs a format, a granularity and a scale type";
  auto intType = dyn_cast<IntegerType>(storage);
  if (intType) {
    if (intType.isSigned())
      return emitError() << "integer formats are written iN (two's complement) "
                            "or uiN, got "
                         << storage;
    if (intType.getWidth() < 1 || intType.getWidth() > 8)
      return emitError() << "integer format width must be in 1..8, got "
                         << intType.getWidth();
  } else if (!isSupportedFloatFormat(storage) &&
             !isa<LutType, BinaryType>(storage)) {
    return emitError() << "unsupported storage format " << storage;
  }
  if (narrow && !intType)
    return emitError() << "narrow range needs an integer format, got "
                       << storage;
  if (narrow && intType.getWidth() == 1)
    return emitError() << "narrow range needs at least 2 bits";
  if (asymmetric && !intType)
    return emitError() << "a zero point (asymmetric) needs an integer format, got "
                       << storage;
  if (isa<LutType, BinaryType>(storage) &&
      rounding != RoundingMode::NearestEven)
    return emitError() << "lookup-table and binary formats pick the nearest "
                          "entry; rounding = "
                       << stringifyRoundingMode(rounding) << " does not apply";
  if (!isSupportedScaleType(scaleType))
    return emitError() << "scale type must be f32, f16, bf16, f8E8M0FNU or "
                          "f8E4M3FN, got "
                       << scaleType;
  double clip = clipValue.convertToDouble();
  if (clipKind == ClipKind::Ratio && !(clip > 0.0 && clip <= 1.0))
    return emitError() << "clip ratio must be in (0, 1], got " << clip;
  if (clipKind == ClipKind::Percentile && !(clip > 0.0 && clip <= 100.0))
    return emitError() << "clip percentile must be in (0, 100], got " << clip;

  if (family == Family::None)
    return success();
  StringRef name = stringifyFamily(family);
  auto group = dyn_cast<PerGroupAttr>(granularity);
  int64_t wantBlock = family == Family::MX ? 32 : 16;
  if (!group || group.getSize() != wantBlock)
    return emitError() << name << " requires per_group blocks of " << wantBlock
                       << " elements, got " << granularity;
  if (asymmetric || narrow)
    return emitError() << name << " is symmetric and full-range";
  if (family == Family::MX) {
    if (!isa<Float8E8M0FNUType>(scaleType))
      return emitError() << "mx requires an f8E8M0FNU scale, got " << scaleType;
    if (!isSupportedFloatFormat(storage) &&
        !(intType && intType.getWidth() == 8))
      return emitError() << "mx elements are FP8, FP6, FP4 or i8 (MXINT8), got "
                         << storage;
    return success();
  }
  if (!isa<Float8E4M3FNType>(scaleType))
    return emitError() << "nvfp4 requires an f8E4M3FN scale, got " << scaleType;
  if (!isa<Float4E2M1FNType>(storage))
    return emitError() << "nvfp4 requires f4E2M1FN elements, got " << storage;
  return success();
}

namespace {
/// The options of a scheme being parsed, with their defaults.
struct SchemeOptions {
  bool narrow = false, asymmetric = false, dynamic = false;
  Type scaleType;
  RoundingMode rounding = RoundingMode::NearestEven;
  ClipKind clipKind = ClipKind::None;
  double clipValue = 0.0;
  Family family = Family::None;
};
} // namespace

/// Parses `= keyword` into the enum value `symbolize` gives for it; an
/// unknown keyword (or one `accept` refuses) is reported at `loc` as
/// "unknown <what> 'keyword'<hint>".
template <typename EnumT>
static ParseResult parseEnumOption(AsmParser &parser, SMLoc loc, StringRef what,
                                   std::optional<EnumT> (*symbolize)(StringRef),
                                   EnumT &result,
                                   function_ref<bool(EnumT)> accept = nullptr,
                                   StringRef hint = "") {
  StringRef value;
  if (parser.parseEqual() || parser.parseKeyword(&value))
    return failure();
  std::optional<EnumT> parsed = symbolize(value);
  if (!parsed || (accept && !accept(*parsed)))
    return parser.emitError(loc)
               << "unknown " << what << " '" << value << "'" << hint,
           failure();
  result = *parsed;
  return success();
}

/// Parses one `, option` of a scheme into `o`.
static ParseResult parseSchemeOption(AsmParser &parser, SchemeOptions &o) {
  SMLoc optLoc = parser.getCurrentLocation();
  StringRef option;
  if (parser.parseKeyword(&option))
    return failure();
  if (option == "narrow") {
    o.narrow = true;
  } else if (option == "asymmetric") {
    o.asymmetric = true;
  } else if (option == "dynamic") {
    o.dynamic = true;
  } else if (option == "scale") {
    if (parser.parseEqual() || parser.parseType(o.scaleType))
      return failure();
  } else if (option == "rounding") {
    if (parseEnumOption<RoundingMode>(parser, optLoc, "rounding mode",
                                      symbolizeRoundingMode, o.rounding))
      return failure();
  } else if (option == "clip") {
    if (parseEnumOption<ClipKind>(parser, optLoc, "clip policy",
                                  symbolizeClipKind, o.clipKind))
      return failure();
    if (o.clipKind == ClipKind::Ratio || o.clipKind == ClipKind::Percentile)
      if (parser.parseLParen() || parser.parseFloat(o.clipValue) ||
          parser.parseRParen())
        return failure();
  } else if (option == "family") {
    if (parseEnumOption<Family>(
            parser, optLoc, "family", symbolizeFamily, o.family,
            [](Family f) { return f != Family::None; },
            " (expected mx or nvfp4)"))
      return failure();
  } else {
    return parser.emitError(optLoc) << "unknown scheme option '" << option
                                    << "'",
           failure();
  }
  return success();
}

Attribute SchemeAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  SMLoc loc = parser.getCurrentLocation();
  Type storage;
  Attribute granularity;
  SchemeOptions o;
  o.scaleType = Float32Type::get(ctx);

  if (parser.parseLess())
    return {};

  // A preset or a format shorthand keyword, else a type.
  SmallVector<StringRef> keywords = {"nf4", "binary"};
  for (const Preset &preset : kPresets)
    keywords.push_back(preset.name);
  StringRef keyword;
  if (succeeded(parser.parseOptionalKeyword(&keyword, keywords))) {
    if (keyword == "nf4") {
      storage = LutType::getNF4(ctx);
    } else if (keyword == "binary") {
      storage = BinaryType::get(ctx);
    } else {
      int64_t axis, blockSize;
      if (parser.parseComma() || parser.parseKeyword("axis") ||
          parser.parseEqual() || parser.parseInteger(axis))
        return {};
      lookupPreset(ctx, keyword, storage, blockSize, o.scaleType, o.family);
      granularity = PerGroupAttr::getChecked(
          [&] { return parser.emitError(loc); }, ctx, axis, blockSize);
      if (!granularity)
        return {};
    }
  } else if (parser.parseType(storage)) {
    return {};
  }

  if (!granularity) {
    if (parser.parseComma())
      return {};
    SMLoc granLoc = parser.getCurrentLocation();
    StringRef mnemonic;
    OptionalParseResult result =
        generatedAttributeParser(parser, &mnemonic, Type(), granularity);
    if (!result.has_value())
      return parser.emitError(granLoc) << "expected a granularity (per_tensor, "
                                          "per_axis, per_group, per_cluster or "
                                          "per_block), got '"
                                       << mnemonic << "'",
             Attribute();
    if (failed(*result))
      return {};
    if (!isa<GranularityAttrInterface>(granularity))
      return parser.emitError(granLoc) << "expected a granularity, got "
                                       << granularity,
             Attribute();
  }

  while (succeeded(parser.parseOptionalComma()))
    if (failed(parseSchemeOption(parser, o)))
      return {};
  if (parser.parseGreater())
    return {};
  return parser.getChecked<SchemeAttr>(
      loc, ctx, storage, cast<GranularityAttrInterface>(granularity), o.narrow,
      o.asymmetric, o.dynamic, o.scaleType, o.rounding, o.clipKind,
      APFloat(o.clipValue), o.family);
}

std::string mlir::lowbit::detail::formatShortestDecimal(double value) {
  std::string text;
  for (int precision = 1; precision <= 17; ++precision) {
    text = llvm::formatv("{0}", llvm::format("%.*g", precision, value)).str();
    if (std::strtod(text.c_str(), nullptr) == value)
      break;
  }
  // MLIR float literals need a '.' before any exponent.
  if (text.find('.') == std::string::npos) {
    size_t exp = text.find('e');
    text.insert(exp == std::string::npos ? text.size() : exp, ".0");
  }
  return text;
}

void SchemeAttr::print(AsmPrinter &printer) const {
  printer << "<";
  if (const Preset *preset = findPreset(*this)) {
    printer << preset->name << ", axis = "
            << cast<PerGroupAttr>(getGranularity()).getAxis();
  } else {
    auto lut = dyn_cast<LutType>(getStorage());
    if (lut && lut.isNF4())
      printer << "nf4";
    else if (isa<BinaryType>(getStorage()))
      printer << "binary";
    else
      printer << getStorage();
    printer << ", ";
    (void)generatedAttributePrinter(getGranularity(), printer);
    if (getNarrow())
      printer << ", narrow";
    if (getAsymmetric())
      printer << ", asymmetric";
    if (!isa<Float32Type>(getScaleType()))
      printer << ", scale = " << getScaleType();
    if (getFamily() != Family::None)
      printer << ", family = " << stringifyFamily(getFamily());
  }
  if (getDynamic())
    printer << ", dynamic";
  if (getRounding() != RoundingMode::NearestEven)
    printer << ", rounding = " << stringifyRoundingMode(getRounding());
  if (getClipKind() != ClipKind::None) {
    printer << ", clip = " << stringifyClipKind(getClipKind());
    if (getClipKind() == ClipKind::Ratio ||
        getClipKind() == ClipKind::Percentile) {
      printer << "(" << detail::formatShortestDecimal(getClipValue().convertToDouble())
              << ")";
    }
  }
  printer << ">";
}

unsigned SchemeAttr::getBitWidth() const {
  Type storage = getStorage();
  if (auto lut = dyn_cast<LutType>(storage))
    return lut.getBitWidth();
  if (isa<BinaryType>(storage))
    return 1;
  return storage.getIntOrFloatBitWidth();
}

bool SchemeAttr::isInteger() const { return isa<IntegerType>(getStorage()); }

bool SchemeAttr::isSignedInteger() const {
  auto intType = dyn_cast<IntegerType>(getStorage());
  return intType && !intType.isUnsigned();
}

int64_t SchemeAttr::getQMin() const {
  assert(isInteger() && "integer storage expected");
  unsigned bits = getBitWidth();
  if (!isSignedInteger())
    return getNarrow() ? 1 : 0;
  int64_t min = -(int64_t(1) << (bits - 1));
  return getNarrow() ? min + 1 : min;
}

int64_t SchemeAttr::getQMax() const {
  assert(isInteger() && "integer storage expected");
  unsigned bits = getBitWidth();
  if (!isSignedInteger())
    return (int64_t(1) << bits) - 1;
  return (int64_t(1) << (bits - 1)) - 1;
}

SchemeAttr SchemeAttr::withGranularity(GranularityAttrInterface granularity) const {
  return SchemeAttr::get(getContext(), getStorage(), granularity, getNarrow(),
                         getAsymmetric(), getDynamic(), getScaleType(),
                         getRounding(), getClipKind(), getClipValue(),
                         getFamily());
}
