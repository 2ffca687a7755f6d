//===- Reference.cpp - the oracle for lowbit quantization -----------------===//
//
// Written for clarity, not speed: every element's multi-index is unravelled
// from its offset and mapped to its grid cell by the granularity's
// definition; parameter blocks are gathered as lists of element values.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Reference/Reference.h"

#include "lowbit/Dialect/LowBit/IR/LowBitNumerics.h"
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"
#include "lowbit/Numerics/BlockScaled.h"
#include "lowbit/Numerics/FloatFormats.h"
#include "lowbit/Numerics/IntegerQuant.h"
#include "lowbit/Numerics/LookupTable.h"
#include "lowbit/Numerics/Params.h"

#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <limits>
#include <string>

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::reference;
namespace num = ::lowbit::numerics;

namespace {

llvm::Error fail(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

std::string bracketed(ArrayRef<int64_t> values) {
  std::string s = "[";
  for (auto [i, v] : llvm::enumerate(values))
    s += (i ? ", " : "") + std::to_string(v);
  return s + "]";
}

std::string str(Attribute attr) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << attr;
  return s;
}

//===----------------------------------------------------------------------===//
// Grids
//===----------------------------------------------------------------------===//

/// The data shape, the grid shape and the granularity they came from.
struct Grid {
  GranularityAttrInterface granularity;
  SmallVector<int64_t> shape, grid;
  int64_t elements = 1, cells = 1;

  /// The grid index of data index `index`, by the granularity's definition.
  SmallVector<int64_t> indexOf(ArrayRef<int64_t> index) const {
    size_t rank = shape.size();
    SmallVector<int64_t> g(rank, 0);
    if (auto a = dyn_cast<PerAxisAttr>(granularity)) {
      g[a.getAxis()] = index[a.getAxis()];
    } else if (auto p = dyn_cast<PerGroupAttr>(granularity)) {
      for (size_t d = 0; d < rank; ++d)
        g[d] = index[d];
      g[p.getAxis()] = index[p.getAxis()] / p.getSize();
    } else if (auto b = dyn_cast<PerBlockAttr>(granularity)) {
      for (size_t d = 0; d < rank; ++d)
        g[d] = index[d] / b.getSizes()[d];
    } else if (auto c = dyn_cast<PerClusterAttr>(granularity)) {
      if (c.getPerSlice())
        for (size_t d = 0; d < rank; ++d)
          g[d] = index[d];
      int64_t start = 0, cluster = 0;
      for (int64_t size : c.getSizes()) {
        if (index[c.getAxis()] < start + size)
          break;
        start += size;
        ++cluster;
      }
      g[c.getAxis()] = cluster;
    }
    return g;
  }

  /// The row-major data index of offset `element`.
  SmallVector<int64_t> unravel(int64_t element) const {
    SmallVector<int64_t> index(shape.size());
    for (size_t d = shape.size(); d-- > 0;) {
      index[d] = element % shape[d];
      element /= shape[d];
    }
    return index;
  }

  /// The row-major grid offset of the element at offset `element`.
  int64_t cellOf(int64_t element) const {
    SmallVector<int64_t> g = indexOf(unravel(element));
    int64_t cell = 0;
    for (size_t d = 0; d < g.size(); ++d)
      cell = cell * grid[d] + g[d];
    return cell;
  }
};

llvm::Expected<Grid> makeGrid(GranularityAttrInterface granularity,
                              ArrayRef<int64_t> shape) {
  if (!granularity)
    return fail("no granularity");
  Grid grid;
  grid.granularity = granularity;
  grid.shape.assign(shape.begin(), shape.end());
  int64_t rank = shape.size();
  for (int64_t d = 0; d < rank; ++d) {
    if (shape[d] < 0)
      return fail("dimension " + llvm::Twine(d) + " of data shape " +
                  bracketed(shape) + " is not a static size");
    if (__builtin_mul_overflow(grid.elements, shape[d], &grid.elements))
      return fail("data shape " + bracketed(shape) + " is too large");
  }
  auto axisError = [&](int64_t axis) -> std::optional<llvm::Error> {
    if (axis >= 0 && axis < rank)
      return std::nullopt;
    return fail("granularity axis " + llvm::Twine(axis) +
                " is out of range for data of rank " + llvm::Twine(rank));
  };
  grid.grid.assign(rank, 1);
  if (isa<PerTensorAttr>(granularity)) {
  } else if (auto a = dyn_cast<PerAxisAttr>(granularity)) {
    if (auto err = axisError(a.getAxis()))
      return std::move(*err);
    grid.grid[a.getAxis()] = shape[a.getAxis()];
  } else if (auto p = dyn_cast<PerGroupAttr>(granularity)) {
    if (auto err = axisError(p.getAxis()))
      return std::move(*err);
    if (p.getSize() < 1)
      return fail("group size must be positive, got " +
                  llvm::Twine(p.getSize()));
    grid.grid.assign(shape.begin(), shape.end());
    // The last group is shorter where the size does not divide the axis.
    grid.grid[p.getAxis()] =
        (shape[p.getAxis()] + p.getSize() - 1) / p.getSize();
  } else if (auto b = dyn_cast<PerBlockAttr>(granularity)) {
    ArrayRef<int64_t> sizes = b.getSizes();
    if (static_cast<int64_t>(sizes.size()) != rank)
      return fail("block sizes " + bracketed(sizes) +
                  " do not match data of rank " + llvm::Twine(rank));
    for (int64_t d = 0; d < rank; ++d) {
      if (sizes[d] < 1 || shape[d] % sizes[d])
        return fail("block extent " + llvm::Twine(sizes[d]) +
                    " does not divide dimension " + llvm::Twine(d) +
                    " of data shape " + bracketed(shape));
      grid.grid[d] = shape[d] / sizes[d];
    }
  } else if (auto c = dyn_cast<PerClusterAttr>(granularity)) {
    if (auto err = axisError(c.getAxis()))
      return std::move(*err);
    int64_t total = 0;
    for (int64_t size : c.getSizes()) {
      if (size < 1)
        return fail("cluster sizes must be positive");
      total += size;
    }
    if (total != shape[c.getAxis()])
      return fail("cluster sizes " + bracketed(c.getSizes()) +
                  " do not add up to axis " + llvm::Twine(c.getAxis()) +
                  " of data shape " + bracketed(shape));
    if (c.getPerSlice())
      grid.grid.assign(shape.begin(), shape.end());
    grid.grid[c.getAxis()] = c.getSizes().size();
  } else {
    return fail("unsupported granularity " + str(granularity));
  }
  for (int64_t g : grid.grid)
    grid.cells *= g;
  return grid;
}

//===----------------------------------------------------------------------===//
// Formats
//===----------------------------------------------------------------------===//

/// What a scheme's codes are.
struct Format {
  enum { Int, Float, Table, Binary, MXInt8 } kind = Int;
  unsigned bits = 0;
  num::IntFormat intFormat;
  num::FloatFormat floatFormat = num::FloatFormat::E4M3FN;
  std::optional<num::LookupTable> table;
  num::RoundingMode rounding = num::RoundingMode::NearestEven;
  /// MX and NVFP4: a zero or NaN effective scale encodes every element as 0.
  bool blockScaled = false;
};

llvm::Expected<Format> getFormat(SchemeAttr scheme) {
  Format f;
  f.rounding = toNumerics(scheme.getRounding());
  f.blockScaled = scheme.getFamily() != Family::None;
  Type storage = scheme.getStorage();
  if (auto i = dyn_cast<IntegerType>(storage)) {
    if (i.getWidth() < 1 || i.getWidth() > 8)
      return fail("integer formats of 1..8 bits only, got " +
                  str(TypeAttr::get(storage)));
    f.bits = i.getWidth();
    if (scheme.getFamily() == Family::MX) {
      f.kind = Format::MXInt8;
    } else {
      f.kind = Format::Int;
      f.intFormat = num::IntFormat{f.bits, !i.isUnsigned(), scheme.getNarrow()};
    }
    return f;
  }
  if (auto lut = dyn_cast<LutType>(storage)) {
    std::vector<float> values(lut.getValues().begin(), lut.getValues().end());
    num::Result<num::LookupTable> table = num::LookupTable::create(values);
    if (!table)
      return fail("invalid lookup table: " + table.getError());
    f.kind = Format::Table;
    f.bits = table->getBitWidth();
    f.table = *table;
    return f;
  }
  if (isa<BinaryType>(storage)) {
    f.kind = Format::Binary;
    f.bits = 1;
    return f;
  }
  std::optional<num::FloatFormat> ff = getNumericsFloatFormat(storage);
  if (!ff || *ff == num::FloatFormat::E8M0FNU)
    return fail("unsupported storage format " + str(TypeAttr::get(storage)));
  f.kind = Format::Float;
  f.floatFormat = *ff;
  f.bits = num::getBitWidth(*ff);
  return f;
}

/// How scales are held: as values of a float type (rounded to it), or as
/// codes of an 8-bit float format.
struct ScaleFormat {
  std::optional<num::FloatFormat> codes;
  const llvm::fltSemantics *values = nullptr;
};

llvm::Expected<ScaleFormat> getScaleFormat(SchemeAttr scheme) {
  Type t = scheme.getScaleType();
  ScaleFormat s;
  if (t.isF32())
    s.values = &llvm::APFloat::IEEEsingle();
  else if (t.isF16())
    s.values = &llvm::APFloat::IEEEhalf();
  else if (t.isBF16())
    s.values = &llvm::APFloat::BFloat();
  else if (isa<Float8E8M0FNUType>(t))
    s.codes = num::FloatFormat::E8M0FNU;
  else if (isa<Float8E4M3FNType>(t))
    s.codes = num::FloatFormat::E4M3FN;
  else
    return fail("unsupported scale type " + str(TypeAttr::get(t)));
  return s;
}

/// `value` as a tensor of the scale type holds it (nearest-even).
float roundToScale(float value, const ScaleFormat &s) {
  if (s.values == &llvm::APFloat::IEEEsingle())
    return value;
  llvm::APFloat f(value);
  bool inexact;
  f.convert(*s.values, llvm::APFloat::rmNearestTiesToEven, &inexact);
  f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven,
            &inexact);
  return f.convertToFloat();
}

/// The effective scale and zero point of every cell, checked.
struct CellParams {
  std::vector<float> scale;
  std::vector<int32_t> zeroPoint;
};

llvm::Expected<CellParams> getCellParams(SchemeAttr scheme, const Grid &grid,
                                         const ScaleFormat &scaleFormat,
                                         const Params &params) {
  auto size = [&](StringRef what, size_t n) {
    return fail(what + " has " + llvm::Twine(n) +
                " elements but the parameter grid " + bracketed(grid.grid) +
                " has " + llvm::Twine(grid.cells));
  };
  std::string type = str(TypeAttr::get(scheme.getScaleType()));
  CellParams cells;
  if (scaleFormat.codes) {
    if (!params.scale.empty())
      return fail("scale type " + type +
                  " takes 8-bit scale codes, not scale values");
    if (static_cast<int64_t>(params.scaleCodes.size()) != grid.cells)
      return size("scale", params.scaleCodes.size());
    for (uint8_t code : params.scaleCodes)
      cells.scale.push_back(num::decodeFloat(*scaleFormat.codes, code));
  } else {
    if (!params.scaleCodes.empty())
      return fail("scale type " + type +
                  " takes scale values, not 8-bit codes");
    if (static_cast<int64_t>(params.scale.size()) != grid.cells)
      return size("scale", params.scale.size());
    for (float v : params.scale)
      cells.scale.push_back(roundToScale(v, scaleFormat));
  }
  if (scheme.getFamily() == Family::NVFP4) {
    if (!params.globalScale)
      return fail("the nvfp4 family needs a global scale");
    for (float &s : cells.scale)
      s *= *params.globalScale;
  } else if (params.globalScale) {
    return fail("only the nvfp4 family takes a global scale");
  }
  if (scheme.getAsymmetric()) {
    if (static_cast<int64_t>(params.zeroPoint.size()) != grid.cells)
      return size("zero point", params.zeroPoint.size());
    cells.zeroPoint = params.zeroPoint;
  } else if (!params.zeroPoint.empty()) {
    return fail("a symmetric scheme takes no zero point");
  }
  return cells;
}

/// The grid and the formats of a call on `count` elements of `shape`.
struct Layout {
  Grid grid;
  Format format;
  ScaleFormat scaleFormat;
};

llvm::Expected<Layout> getLayout(SchemeAttr scheme, ArrayRef<int64_t> shape,
                                 size_t count) {
  if (!scheme)
    return fail("no scheme");
  llvm::Expected<Grid> grid = makeGrid(scheme.getGranularity(), shape);
  if (!grid)
    return grid.takeError();
  if (static_cast<int64_t>(count) != grid->elements)
    return fail("data has " + llvm::Twine(count) + " elements but shape " +
                bracketed(shape) + " has " + llvm::Twine(grid->elements));
  llvm::Expected<Format> format = getFormat(scheme);
  if (!format)
    return format.takeError();
  llvm::Expected<ScaleFormat> scaleFormat = getScaleFormat(scheme);
  if (!scaleFormat)
    return scaleFormat.takeError();
  return Layout{std::move(*grid), std::move(*format), *scaleFormat};
}

/// Grid, format and cell parameters of a quantize or dequantize call.
struct Setup {
  Grid grid;
  Format format;
  CellParams cells;
};

llvm::Expected<Setup> setUp(SchemeAttr scheme, ArrayRef<int64_t> shape,
                            size_t count, const Params &params) {
  llvm::Expected<Layout> layout = getLayout(scheme, shape, count);
  if (!layout)
    return layout.takeError();
  llvm::Expected<CellParams> cells =
      getCellParams(scheme, layout->grid, layout->scaleFormat, params);
  if (!cells)
    return cells.takeError();
  return Setup{std::move(layout->grid), std::move(layout->format),
               std::move(*cells)};
}

uint8_t encode(const Format &f, float x, float scale, int32_t zeroPoint) {
  if (f.kind == Format::Int)
    return num::toStorageCode(
        num::quantizeAffine(x, scale, zeroPoint, f.intFormat, f.rounding),
        f.intFormat);
  if (f.blockScaled && (scale == 0.0f || std::isnan(scale)))
    return 0;
  uint8_t code = 0;
  if (f.kind == Format::Float)
    code = num::encodeFloat(f.floatFormat, x / scale, f.rounding);
  else if (f.kind == Format::Table)
    code = f.table->encode(x, scale);
  else if (f.kind == Format::Binary)
    code = num::encodeBinary(x / scale);
  else
    code = num::encodeMXElement(x / scale, num::MXElementType::INT8,
                                f.rounding);
  return code & ((1u << f.bits) - 1);
}

float decode(const Format &f, uint8_t code, float scale, int32_t zeroPoint) {
  switch (f.kind) {
  case Format::Int: {
    int32_t q = num::fromStorageCode(code, f.intFormat);
    // q - z in i32 arithmetic (wrapping, as the IR computes it).
    int64_t diff = int64_t(q) - int64_t(zeroPoint);
    if (diff < std::numeric_limits<int32_t>::min() ||
        diff > std::numeric_limits<int32_t>::max())
      return scale * static_cast<float>(static_cast<int32_t>(
                         static_cast<uint32_t>(q) -
                         static_cast<uint32_t>(zeroPoint)));
    return num::dequantizeAffine(q, scale, zeroPoint);
  }
  case Format::Float:
    return num::decodeFloat(f.floatFormat, code) * scale;
  case Format::Table:
    return f.table->decode(code, scale);
  case Format::Binary:
    return num::decodeBinary(code, scale);
  case Format::MXInt8:
    return num::decodeMXElement(code, num::MXElementType::INT8) * scale;
  }
  return std::numeric_limits<float>::quiet_NaN();
}


} // namespace

//===----------------------------------------------------------------------===//
// Public functions
//===----------------------------------------------------------------------===//

llvm::Expected<SmallVector<int64_t>>
reference::getGridShape(GranularityAttrInterface granularity,
                        ArrayRef<int64_t> shape) {
  llvm::Expected<Grid> grid = makeGrid(granularity, shape);
  if (!grid)
    return grid.takeError();
  return grid->grid;
}

SmallVector<int64_t> reference::getGridIndex(GranularityAttrInterface granularity,
                                             ArrayRef<int64_t> shape,
                                             ArrayRef<int64_t> index) {
  llvm::Expected<Grid> grid = makeGrid(granularity, shape);
  if (!grid) {
    llvm::consumeError(grid.takeError());
    return {};
  }
  if (index.size() != shape.size())
    return {};
  return grid->indexOf(index);
}

bool reference::hasScaleCodes(SchemeAttr scheme) {
  return isa<Float8E8M0FNUType, Float8E4M3FNType>(scheme.getScaleType());
}

unsigned reference::getCodeBits(SchemeAttr scheme) {
  llvm::Expected<Format> format = getFormat(scheme);
  if (!format) {
    llvm::consumeError(format.takeError());
    return 0;
  }
  return format->bits;
}

llvm::Expected<std::vector<uint8_t>>
reference::quantize(SchemeAttr scheme, ArrayRef<int64_t> shape,
                    ArrayRef<float> data, const Params &params) {
  llvm::Expected<Setup> setup = setUp(scheme, shape, data.size(), params);
  if (!setup)
    return setup.takeError();
  std::vector<uint8_t> codes;
  for (int64_t e = 0; e < setup->grid.elements; ++e) {
    int64_t c = setup->grid.cellOf(e);
    int32_t zp = setup->cells.zeroPoint.empty() ? 0 : setup->cells.zeroPoint[c];
    codes.push_back(encode(setup->format, data[e], setup->cells.scale[c], zp));
  }
  return codes;
}

llvm::Expected<std::vector<float>>
reference::dequantize(SchemeAttr scheme, ArrayRef<int64_t> shape,
                      ArrayRef<uint8_t> codes, const Params &params) {
  llvm::Expected<Setup> setup = setUp(scheme, shape, codes.size(), params);
  if (!setup)
    return setup.takeError();
  std::vector<float> values;
  for (int64_t e = 0; e < setup->grid.elements; ++e) {
    if (codes[e] >> setup->format.bits)
      return fail("code " + llvm::Twine(unsigned(codes[e])) + " of element " +
                  llvm::Twine(e) + " does not fit in " +
                  llvm::Twine(setup->format.bits) + " bits");
    int64_t c = setup->grid.cellOf(e);
    int32_t zp = setup->cells.zeroPoint.empty() ? 0 : setup->cells.zeroPoint[c];
    values.push_back(
        decode(setup->format, codes[e], setup->cells.scale[c], zp));
  }
  return values;
}

llvm::Expected<Params> reference::chooseParams(SchemeAttr scheme,
                                               ArrayRef<int64_t> shape,
                                               ArrayRef<float> data) {
  llvm::Expected<Layout> layout = getLayout(scheme, shape, data.size());
  if (!layout)
    return layout.takeError();
  const Grid *grid = &layout->grid;
  const Format *format = &layout->format;
  const ScaleFormat *scaleFormat = &layout->scaleFormat;

  // Every block's elements, in element order.
  std::vector<std::vector<float>> blocks(grid->cells);
  for (int64_t e = 0; e < grid->elements; ++e)
    blocks[grid->cellOf(e)].push_back(data[e]);

  Params params;
  if (scheme.getFamily() == Family::MX) {
    for (const std::vector<float> &block : blocks)
      params.scaleCodes.push_back(num::computeMXScaleCode(
          block.data(), block.size(), getMXElementType(scheme.getStorage())));
    return params;
  }

  if (scheme.getFamily() == Family::NVFP4) {
    std::vector<float> finite;
    llvm::copy_if(data, std::back_inserter(finite),
                  [](float v) { return std::isfinite(v); });
    num::Result<float> global =
        num::computeNVFP4GlobalScale(finite.data(), finite.size());
    if (!global)
      return fail(global.getError());
    params.globalScale = *global;
    for (const std::vector<float> &block : blocks) {
      bool nan = llvm::any_of(block, [](float v) { return std::isnan(v); });
      float absMax = 0.0f;
      for (float v : block)
        if (!std::isnan(v))
          absMax = std::max(absMax, std::fabs(v));
      // A NaN anywhere in the block: the E4M3 NaN code.
      params.scaleCodes.push_back(
          nan ? 0x7F : num::computeNVFP4BlockScaleCode(absMax, *global));
    }
    return params;
  }

  if (scaleFormat->codes)
    return fail("cannot choose " + str(TypeAttr::get(scheme.getScaleType())) +
                " scales at run time outside the mx and nvfp4 families");
  float clip = 1.0f;
  if (scheme.getClipKind() == ClipKind::Ratio)
    clip = static_cast<float>(scheme.getClipValue().convertToDouble());
  else if (scheme.getClipKind() != ClipKind::None)
    return fail("clip = " + stringifyClipKind(scheme.getClipKind()) +
                " needs calibration data; run-time parameter choice supports "
                "none and ratio");

  for (auto [c, block] : llvm::enumerate(blocks)) {
    // The range of the finite elements; none at all is [0, 0].
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (float v : block)
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    num::Range range = lo <= hi ? num::Range{lo, hi} : num::Range{0.0f, 0.0f};
    std::optional<std::string> error;
    float scale = 0.0f;
    int32_t zeroPoint = 0;
    if (format->kind == Format::Int) {
      num::Result<num::QuantParams> r = num::chooseIntParams(
          range, format->intFormat, scheme.getAsymmetric(), clip);
      if (r) {
        scale = r->scale;
        zeroPoint = r->zeroPoint;
      } else {
        error = r.getError();
      }
    } else if (format->kind == Format::MXInt8) {
      error = "MXINT8 elements need the mx family";
    } else {
      num::Result<float> r =
          format->kind == Format::Float
              ? num::chooseFloatScale(range, format->floatFormat, clip)
          : format->kind == Format::Table
              ? num::chooseLookupScale(range, *format->table, clip)
              : num::chooseBinaryScale(range, clip);
      if (r)
        scale = *r;
      else
        error = r.getError();
    }
    if (error) {
      // The block's grid index, for the message.
      SmallVector<int64_t> index(grid->grid.size());
      int64_t rest = c;
      for (size_t d = index.size(); d-- > 0;) {
        index[d] = rest % grid->grid[d];
        rest /= grid->grid[d];
      }
      return fail("parameter block " + bracketed(index) + ": " + *error);
    }
    params.scale.push_back(roundToScale(scale, *scaleFormat));
    if (scheme.getAsymmetric())
      params.zeroPoint.push_back(zeroPoint);
  }
  return params;
}
