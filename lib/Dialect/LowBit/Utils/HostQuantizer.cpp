//===- HostQuantizer.cpp - lowbit quantization on host buffers ------------===//
//
// quantize / dequantize / choose_params with the numerics library: grid
// offsets from a per-dimension rule table (GridMap), one library call per
// element or block, rows in parallel.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/Utils/HostQuantizer.h"

#include "lowbit/Dialect/LowBit/IR/LowBitNumerics.h"
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"
#include "lowbit/Numerics/BlockScaled.h"
#include "lowbit/Numerics/FloatFormats.h"
#include "lowbit/Numerics/IntegerQuant.h"
#include "lowbit/Numerics/LookupTable.h"
#include "lowbit/Numerics/Params.h"

#include "mlir/IR/Threading.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::quantizer;
namespace num = ::lowbit::numerics;

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

static llvm::Error makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

static std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "[";
  llvm::interleaveComma(shape, os);
  os << "]";
  return s;
}

static std::string formatAttr(Attribute attr) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << attr;
  return s;
}

//===----------------------------------------------------------------------===//
// Grid mapping
//===----------------------------------------------------------------------===//

llvm::Expected<GridMap> GridMap::create(GranularityAttrInterface granularity,
                                        ArrayRef<int64_t> shape) {
  if (!granularity)
    return makeError("no granularity");
  int64_t rank = shape.size();
  GridMap map;
  map.shape.assign(shape.begin(), shape.end());
  for (auto [d, dim] : llvm::enumerate(shape)) {
    if (dim < 0)
      return makeError("dimension " + llvm::Twine(d) + " of data shape " +
                       formatShape(shape) + " is not a static size");
    if (__builtin_mul_overflow(map.numElements, dim, &map.numElements))
      return makeError("data shape " + formatShape(shape) + " is too large");
  }
  auto checkAxis = [&](int64_t axis) -> llvm::Error {
    if (axis < 0 || axis >= rank)
      return makeError("granularity axis " + llvm::Twine(axis) +
                       " is out of range for data of rank " +
                       llvm::Twine(rank));
    return llvm::Error::success();
  };
  using Rule = DimRule;
  map.rules.assign(rank, Rule{Rule::Zero, 1});
  map.gridShape.assign(rank, 1);

  if (isa<PerTensorAttr>(granularity)) {
    // Every dimension maps to 0.
  } else if (auto axisAttr = dyn_cast<PerAxisAttr>(granularity)) {
    int64_t axis = axisAttr.getAxis();
    if (llvm::Error err = checkAxis(axis))
      return std::move(err);
    map.rules[axis] = {Rule::Same, 1};
    map.gridShape[axis] = shape[axis];
  } else if (auto group = dyn_cast<PerGroupAttr>(granularity)) {
    int64_t axis = group.getAxis(), size = group.getSize();
    if (llvm::Error err = checkAxis(axis))
      return std::move(err);
    if (size < 1)
      return makeError("group size must be positive, got " + llvm::Twine(size));
    for (int64_t d = 0; d < rank; ++d) {
      map.rules[d] = {Rule::Same, 1};
      map.gridShape[d] = shape[d];
    }
    // A shorter last group when size does not divide the axis.
    map.rules[axis] = {Rule::Divide, size};
    map.gridShape[axis] = llvm::divideCeil(shape[axis], size);
  } else if (auto block = dyn_cast<PerBlockAttr>(granularity)) {
    ArrayRef<int64_t> sizes = block.getSizes();
    if (static_cast<int64_t>(sizes.size()) != rank)
      return makeError("block sizes " + formatShape(sizes) +
                       " do not match data of rank " + llvm::Twine(rank));
    for (int64_t d = 0; d < rank; ++d) {
      if (sizes[d] < 1 || shape[d] % sizes[d] != 0)
        return makeError("block extent " + llvm::Twine(sizes[d]) +
                         " does not divide dimension " + llvm::Twine(d) +
                         " of data shape " + formatShape(shape));
      map.rules[d] = {Rule::Divide, sizes[d]};
      map.gridShape[d] = shape[d] / sizes[d];
    }
  } else if (auto cluster = dyn_cast<PerClusterAttr>(granularity)) {
    int64_t axis = cluster.getAxis();
    if (llvm::Error err = checkAxis(axis))
      return std::move(err);
    int64_t sum = 0;
    for (auto [c, size] : llvm::enumerate(cluster.getSizes())) {
      if (size < 1)
        return makeError("cluster sizes must be positive");
      sum += size;
      if (sum > shape[axis])
        break;
      map.clusterOf.insert(map.clusterOf.end(), size,
                           static_cast<int64_t>(c));
    }
    if (sum != shape[axis])
      return makeError("cluster sizes " + formatShape(cluster.getSizes()) +
                       " do not add up to axis " + llvm::Twine(axis) +
                       " of data shape " + formatShape(shape));
    if (cluster.getPerSlice()) {
      for (int64_t d = 0; d < rank; ++d) {
        map.rules[d] = {Rule::Same, 1};
        map.gridShape[d] = shape[d];
      }
    }
    map.rules[axis] = {Rule::Cluster, 1};
    map.gridShape[axis] = cluster.getSizes().size();
  } else {
    return makeError("unsupported granularity " + formatAttr(granularity));
  }

  for (int64_t g : map.gridShape)
    map.numCells *= g;
  // The innermost dimension's grid offsets (a scalar is one row of one).
  if (rank == 0) {
    map.innerCell.push_back(0);
    return map;
  }
  SmallVector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < shape.back(); ++i) {
    index.back() = i;
    map.innerCell.push_back(map.getGridIndex(index).back());
  }
  return map;
}

SmallVector<int64_t> GridMap::getGridIndex(ArrayRef<int64_t> index) const {
  SmallVector<int64_t> grid;
  for (auto [rule, i] : llvm::zip_equal(rules, index)) {
    switch (rule.kind) {
    case DimRule::Zero:
      grid.push_back(0);
      break;
    case DimRule::Same:
      grid.push_back(i);
      break;
    case DimRule::Divide:
      grid.push_back(i / rule.divisor);
      break;
    case DimRule::Cluster:
      grid.push_back(clusterOf[i]);
      break;
    }
  }
  return grid;
}

int64_t GridMap::getCell(int64_t element) const {
  // Peel the data index off the row-major offset, innermost dimension first,
  // and accumulate the grid offset with the grid's row-major strides.
  int64_t cell = 0, gridStride = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    int64_t i = element % shape[d];
    element /= shape[d];
    int64_t g = 0;
    switch (rules[d].kind) {
    case DimRule::Zero:
      g = 0;
      break;
    case DimRule::Same:
      g = i;
      break;
    case DimRule::Divide:
      g = i / rules[d].divisor;
      break;
    case DimRule::Cluster:
      g = clusterOf[i];
      break;
    }
    cell += g * gridStride;
    gridStride *= gridShape[d];
  }
  return cell;
}

/// The grid index of row-major cell `cell` of a grid of `gridShape`.
static SmallVector<int64_t> unflatten(int64_t cell,
                                      ArrayRef<int64_t> gridShape) {
  SmallVector<int64_t> index(gridShape.size());
  for (int64_t d = static_cast<int64_t>(gridShape.size()) - 1; d >= 0; --d) {
    index[d] = cell % gridShape[d];
    cell /= gridShape[d];
  }
  return index;
}

llvm::Expected<SmallVector<int64_t>>
quantizer::getGridShape(GranularityAttrInterface granularity,
                        ArrayRef<int64_t> shape) {
  llvm::Expected<GridMap> map = GridMap::create(granularity, shape);
  if (!map)
    return map.takeError();
  return SmallVector<int64_t>(map->getGridShape());
}

SmallVector<int64_t> quantizer::getGridIndex(GranularityAttrInterface granularity,
                                             ArrayRef<int64_t> shape,
                                             ArrayRef<int64_t> index) {
  llvm::Expected<GridMap> map = GridMap::create(granularity, shape);
  if (!map) {
    llvm::consumeError(map.takeError());
    return {};
  }
  if (index.size() != shape.size())
    return {};
  return map->getGridIndex(index);
}

//===----------------------------------------------------------------------===//
// Schemes
//===----------------------------------------------------------------------===//

namespace {
/// How a scheme's codes relate to values.
struct ElementKind {
  enum Kind { Integer, Float, Table, Binary, MXInt8 } kind = Integer;
  unsigned bits = 8;
  num::IntFormat intFormat;
  num::FloatFormat floatFormat = num::FloatFormat::E4M3FN;
  std::optional<num::LookupTable> table;
  num::RoundingMode mode = num::RoundingMode::NearestEven;
  /// MX or NVFP4: a zero or NaN effective scale gives code 0.
  bool blockFamily = false;

  uint8_t getMask() const { return static_cast<uint8_t>((1u << bits) - 1); }
};

/// How a scheme's scale elements are held.
enum class ScaleKind { F32, F16, BF16, E8M0, E4M3 };
} // namespace

static llvm::Expected<ElementKind> getElementKind(SchemeAttr scheme) {
  ElementKind kind;
  kind.mode = toNumerics(scheme.getRounding());
  kind.blockFamily = scheme.getFamily() != Family::None;
  Type storage = scheme.getStorage();
  if (auto intType = dyn_cast<IntegerType>(storage)) {
    unsigned width = intType.getWidth();
    if (width < 1 || width > 8)
      return makeError("integer formats of 1..8 bits only, got " +
                       formatAttr(TypeAttr::get(storage)));
    kind.bits = width;
    if (scheme.getFamily() == Family::MX) {
      kind.kind = ElementKind::MXInt8;
      return kind;
    }
    kind.kind = ElementKind::Integer;
    kind.intFormat = num::IntFormat{width, !intType.isUnsigned(),
                                    scheme.getNarrow()};
    return kind;
  }
  if (auto lut = dyn_cast<LutType>(storage)) {
    std::vector<float> values;
    for (double v : lut.getValues())
      values.push_back(static_cast<float>(v));
    num::Result<num::LookupTable> table = num::LookupTable::create(values);
    if (!table)
      return makeError("invalid lookup table: " + table.getError());
    kind.kind = ElementKind::Table;
    kind.table = *table;
    kind.bits = table->getBitWidth();
    return kind;
  }
  if (isa<BinaryType>(storage)) {
    kind.kind = ElementKind::Binary;
    kind.bits = 1;
    return kind;
  }
  std::optional<num::FloatFormat> format = getNumericsFloatFormat(storage);
  if (!format || *format == num::FloatFormat::E8M0FNU)
    return makeError("unsupported storage format " +
                     formatAttr(TypeAttr::get(storage)));
  kind.kind = ElementKind::Float;
  kind.floatFormat = *format;
  kind.bits = num::getBitWidth(*format);
  return kind;
}

static llvm::Expected<ScaleKind> getScaleKind(SchemeAttr scheme) {
  Type type = scheme.getScaleType();
  if (type.isF32())
    return ScaleKind::F32;
  if (type.isF16())
    return ScaleKind::F16;
  if (type.isBF16())
    return ScaleKind::BF16;
  if (isa<Float8E8M0FNUType>(type))
    return ScaleKind::E8M0;
  if (isa<Float8E4M3FNType>(type))
    return ScaleKind::E4M3;
  return makeError("unsupported scale type " + formatAttr(TypeAttr::get(type)));
}

/// Rounds `value` to f16 or bf16 (nearest-even) and widens it back exactly.
static float roundToScaleType(float value, ScaleKind kind) {
  if (kind != ScaleKind::F16 && kind != ScaleKind::BF16)
    return value;
  llvm::APFloat f(value);
  bool losesInfo = false;
  f.convert(kind == ScaleKind::F16 ? llvm::APFloat::IEEEhalf()
                                   : llvm::APFloat::BFloat(),
            llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  f.convert(llvm::APFloat::IEEEsingle(), llvm::APFloat::rmNearestTiesToEven,
            &losesInfo);
  return f.convertToFloat();
}

bool quantizer::hasScaleCodes(SchemeAttr scheme) {
  return isa<Float8E8M0FNUType, Float8E4M3FNType>(scheme.getScaleType());
}

unsigned quantizer::getCodeBits(SchemeAttr scheme) {
  llvm::Expected<ElementKind> kind = getElementKind(scheme);
  if (!kind) {
    llvm::consumeError(kind.takeError());
    return 0;
  }
  return kind->bits;
}

namespace {
/// Everything the element loops need, validated.
struct Evaluation {
  GridMap map;
  ElementKind kind;
  /// Effective f32 scale of every grid cell (times the global scale).
  std::vector<float> cellScale;
  /// Zero point of every grid cell; empty for symmetric schemes.
  std::vector<int32_t> cellZeroPoint;
};
} // namespace

namespace {
/// The grid map and the formats of a call, validated.
struct Layout {
  GridMap map;
  ElementKind kind;
  ScaleKind scaleKind;
};
} // namespace

static llvm::Expected<Layout> getLayout(SchemeAttr scheme,
                                        ArrayRef<int64_t> shape,
                                        size_t dataSize) {
  if (!scheme)
    return makeError("no scheme");
  llvm::Expected<GridMap> map = GridMap::create(scheme.getGranularity(), shape);
  if (!map)
    return map.takeError();
  if (static_cast<int64_t>(dataSize) != map->getNumElements())
    return makeError("data has " + llvm::Twine(dataSize) +
                     " elements but shape " + formatShape(shape) + " has " +
                     llvm::Twine(map->getNumElements()));
  llvm::Expected<ElementKind> kind = getElementKind(scheme);
  if (!kind)
    return kind.takeError();
  llvm::Expected<ScaleKind> scaleKind = getScaleKind(scheme);
  if (!scaleKind)
    return scaleKind.takeError();
  return Layout{std::move(*map), std::move(*kind), *scaleKind};
}

static llvm::Expected<Evaluation> prepare(SchemeAttr scheme,
                                          ArrayRef<int64_t> shape,
                                          size_t dataSize,
                                          const Params &params) {
  llvm::Expected<Layout> layout = getLayout(scheme, shape, dataSize);
  if (!layout)
    return layout.takeError();
  const GridMap &map = layout->map;
  ScaleKind scaleKind = layout->scaleKind;

  size_t cells = map.getNumCells();
  std::string grid = formatShape(map.getGridShape());
  std::string scaleType = formatAttr(TypeAttr::get(scheme.getScaleType()));
  auto sizeError = [&](StringRef what, size_t got) {
    return makeError(what + " has " + llvm::Twine(got) +
                     " elements but the parameter grid " + grid + " has " +
                     llvm::Twine(cells));
  };

  std::vector<float> cellScale(cells);
  if (hasScaleCodes(scheme)) {
    if (!params.scale.empty())
      return makeError("scale type " + scaleType +
                       " takes 8-bit scale codes, not scale values");
    if (params.scaleCodes.size() != cells)
      return sizeError("scale", params.scaleCodes.size());
    num::FloatFormat format = scaleKind == ScaleKind::E8M0
                                  ? num::FloatFormat::E8M0FNU
                                  : num::FloatFormat::E4M3FN;
    for (size_t c = 0; c < cells; ++c)
      cellScale[c] = num::decodeFloat(format, params.scaleCodes[c]);
  } else {
    if (!params.scaleCodes.empty())
      return makeError("scale type " + scaleType +
                       " takes scale values, not 8-bit codes");
    if (params.scale.size() != cells)
      return sizeError("scale", params.scale.size());
    for (size_t c = 0; c < cells; ++c)
      cellScale[c] = roundToScaleType(params.scale[c], scaleKind);
  }

  if (scheme.hasGlobalScale()) {
    if (!params.globalScale)
      return makeError("the nvfp4 family needs a global scale");
    // One f32 product per cell, as the lowering forms the element scale.
    for (float &s : cellScale)
      s = s * *params.globalScale;
  } else if (params.globalScale) {
    return makeError("only the nvfp4 family takes a global scale");
  }

  std::vector<int32_t> cellZeroPoint;
  if (scheme.hasZeroPoint()) {
    if (params.zeroPoint.size() != cells)
      return sizeError("zero point", params.zeroPoint.size());
    cellZeroPoint = params.zeroPoint;
  } else if (!params.zeroPoint.empty()) {
    return makeError("a symmetric scheme takes no zero point");
  }
  return Evaluation{std::move(layout->map), std::move(layout->kind),
                    std::move(cellScale), std::move(cellZeroPoint)};
}

//===----------------------------------------------------------------------===//
// quantize / dequantize
//===----------------------------------------------------------------------===//

static uint8_t quantizeElement(const ElementKind &kind, float x, float scale,
                               int32_t zeroPoint) {
  if (kind.kind == ElementKind::Integer) {
    int32_t q = num::quantizeAffine(x, scale, zeroPoint, kind.intFormat,
                                    kind.mode);
    return static_cast<uint8_t>(static_cast<uint32_t>(q) & kind.getMask());
  }
  if (kind.blockFamily && (scale == 0.0f || std::isnan(scale)))
    return 0;
  uint8_t code = 0;
  switch (kind.kind) {
  case ElementKind::Float:
    code = num::encodeFloat(kind.floatFormat, x / scale, kind.mode);
    break;
  case ElementKind::Table:
    code = kind.table->encode(x, scale);
    break;
  case ElementKind::Binary:
    code = num::encodeBinary(x / scale);
    break;
  case ElementKind::MXInt8:
    code = num::encodeMXElement(x / scale, num::MXElementType::INT8,
                                kind.mode);
    break;
  case ElementKind::Integer:
    break;
  }
  return code & kind.getMask();
}

static float dequantizeElement(const ElementKind &kind, uint8_t code,
                               float scale, int32_t zeroPoint) {
  switch (kind.kind) {
  case ElementKind::Integer: {
    int32_t q = num::fromStorageCode(code, kind.intFormat);
    int64_t diff = int64_t(q) - int64_t(zeroPoint);
    if (diff >= std::numeric_limits<int32_t>::min() &&
        diff <= std::numeric_limits<int32_t>::max())
      return num::dequantizeAffine(q, scale, zeroPoint);
    // An extreme zero point: q - z wraps in i32, as it does in the IR.
    auto wrapped = static_cast<int32_t>(static_cast<uint32_t>(q) -
                                        static_cast<uint32_t>(zeroPoint));
    return scale * static_cast<float>(wrapped);
  }
  case ElementKind::Float:
    return num::decodeFloat(kind.floatFormat, code) * scale;
  case ElementKind::Table:
    return kind.table->decode(code, scale);
  case ElementKind::Binary:
    return num::decodeBinary(code, scale);
  case ElementKind::MXInt8:
    return num::decodeMXElement(code, num::MXElementType::INT8) * scale;
  }
  return std::numeric_limits<float>::quiet_NaN();
}

llvm::Expected<std::vector<uint8_t>>
quantizer::quantize(SchemeAttr scheme, ArrayRef<int64_t> shape,
                    ArrayRef<float> data, const Params &params) {
  llvm::Expected<Evaluation> eval = prepare(scheme, shape, data.size(), params);
  if (!eval)
    return eval.takeError();
  std::vector<uint8_t> codes(data.size());
  // Rows in chunks of about 64K elements on the context's threads (every
  // code depends on its element and cell only, so the result is the same).
  const GridMap &map = eval->map;
  int64_t rowsPerChunk = std::max<int64_t>(
      1, (int64_t(1) << 16) / std::max<int64_t>(1, map.getRowLength()));
  int64_t chunks = llvm::divideCeil(map.getNumRows(), rowsPerChunk);
  mlir::parallelFor(scheme.getContext(), 0, chunks, [&](size_t chunk) {
    int64_t begin = chunk * rowsPerChunk;
    map.forEachCellInRows(
        begin, std::min(begin + rowsPerChunk, map.getNumRows()),
        [&](int64_t e, int64_t c) {
          int32_t zp = eval->cellZeroPoint.empty() ? 0 : eval->cellZeroPoint[c];
          codes[e] =
              quantizeElement(eval->kind, data[e], eval->cellScale[c], zp);
        });
  });
  return codes;
}

llvm::Expected<std::vector<float>>
quantizer::dequantize(SchemeAttr scheme, ArrayRef<int64_t> shape,
                      ArrayRef<uint8_t> codes, const Params &params) {
  llvm::Expected<Evaluation> eval =
      prepare(scheme, shape, codes.size(), params);
  if (!eval)
    return eval.takeError();
  uint8_t mask = eval->kind.getMask();
  for (size_t e = 0; e < codes.size(); ++e)
    if (codes[e] & ~mask)
      return makeError("code " + llvm::Twine(unsigned(codes[e])) +
                       " of element " + llvm::Twine(e) + " does not fit in " +
                       llvm::Twine(eval->kind.bits) + " bits");
  std::vector<float> values(codes.size());
  eval->map.forEachCell([&](int64_t e, int64_t c) {
    int32_t zp = eval->cellZeroPoint.empty() ? 0 : eval->cellZeroPoint[c];
    values[e] = dequantizeElement(eval->kind, codes[e], eval->cellScale[c], zp);
  });
  return values;
}

//===----------------------------------------------------------------------===//
// choose_params
//===----------------------------------------------------------------------===//

namespace {
/// What one parameter block holds.
struct BlockStats {
  /// Range of the finite elements; min > max when there are none.
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
  bool hasNaN = false, hasInf = false;

  bool hasFinite() const { return min <= max; }
  /// The range of the finite elements; none is the all-zero range.
  num::Range getRange() const {
    return hasFinite() ? num::Range{min, max} : num::Range{0.0f, 0.0f};
  }
  float getFiniteAbsMax() const {
    return hasFinite() ? std::max(std::fabs(min), std::fabs(max)) : 0.0f;
  }
};
} // namespace


/// MX: the library's scale rule on each block's elements.
static Params chooseMXScales(SchemeAttr scheme, const GridMap &map,
                             ArrayRef<float> data) {
  Params params;
  std::vector<std::vector<float>> blocks(map.getNumCells());
  map.forEachCell(
      [&](int64_t e, int64_t cell) { blocks[cell].push_back(data[e]); });
  num::MXElementType type = getMXElementType(scheme.getStorage());
  for (const std::vector<float> &block : blocks)
    params.scaleCodes.push_back(
        num::computeMXScaleCode(block.data(), block.size(), type));
  return params;
}

/// NVFP4: a global scale from the finite elements of the whole tensor, then
/// one E4M3 code per block (the NaN code for blocks with a NaN).
static llvm::Expected<Params> chooseNVFP4Scales(ArrayRef<BlockStats> stats,
                                                ArrayRef<float> data) {
  Params params;
  std::vector<float> finite;
  for (float v : data)
    if (std::isfinite(v))
      finite.push_back(v);
  num::Result<float> global =
      num::computeNVFP4GlobalScale(finite.data(), finite.size());
  if (!global)
    return makeError(global.getError());
  for (const BlockStats &s : stats) {
    if (s.hasNaN) {
      params.scaleCodes.push_back(0x7F);
      continue;
    }
    float absMax = s.hasInf ? std::numeric_limits<float>::infinity()
                            : s.getFiniteAbsMax();
    params.scaleCodes.push_back(
        num::computeNVFP4BlockScaleCode(absMax, *global));
  }
  params.globalScale = *global;
  return params;
}

llvm::Expected<Params> quantizer::chooseParams(SchemeAttr scheme,
                                               ArrayRef<int64_t> shape,
                                               ArrayRef<float> data) {
  llvm::Expected<Layout> layout = getLayout(scheme, shape, data.size());
  if (!layout)
    return layout.takeError();
  const GridMap &map = layout->map;
  const ElementKind &kind = layout->kind;
  ScaleKind scaleKind = layout->scaleKind;
  size_t cells = map.getNumCells();
  Params params;

  // MX: the library's scale rule on each block's elements.
  if (scheme.getFamily() == Family::MX)
    return chooseMXScales(scheme, map, data);

  std::vector<BlockStats> stats(cells);
  map.forEachCell([&](int64_t e, int64_t cell) {
    BlockStats &s = stats[cell];
    float v = data[e];
    if (std::isnan(v)) {
      s.hasNaN = true;
    } else if (std::isinf(v)) {
      s.hasInf = true;
    } else {
      s.min = std::min(s.min, v);
      s.max = std::max(s.max, v);
    }
  });
  if (scheme.getFamily() == Family::NVFP4)
    return chooseNVFP4Scales(stats, data);

  if (scaleKind != ScaleKind::F32 && scaleKind != ScaleKind::F16 &&
      scaleKind != ScaleKind::BF16)
    return makeError("cannot choose " +
                     formatAttr(TypeAttr::get(scheme.getScaleType())) +
                     " scales at run time outside the mx and nvfp4 families");
  float clip = 1.0f;
  switch (scheme.getClipKind()) {
  case ClipKind::None:
    break;
  case ClipKind::Ratio:
    clip = static_cast<float>(scheme.getClipValue().convertToDouble());
    break;
  default:
    return makeError("clip = " + stringifyClipKind(scheme.getClipKind()) +
                     " needs calibration data; run-time parameter choice "
                     "supports none and ratio");
  }

  for (size_t c = 0; c < cells; ++c) {
    num::Range range = stats[c].getRange();
    num::QuantParams chosen;
    std::string error;
    switch (kind.kind) {
    case ElementKind::Integer: {
      num::Result<num::QuantParams> r = num::chooseIntParams(
          range, kind.intFormat, scheme.getAsymmetric(), clip);
      if (r)
        chosen = *r;
      else
        error = r.getError();
      break;
    }
    case ElementKind::Float:
    case ElementKind::Table:
    case ElementKind::Binary: {
      num::Result<float> r =
          kind.kind == ElementKind::Float
              ? num::chooseFloatScale(range, kind.floatFormat, clip)
          : kind.kind == ElementKind::Table
              ? num::chooseLookupScale(range, *kind.table, clip)
              : num::chooseBinaryScale(range, clip);
      if (r)
        chosen.scale = *r;
      else
        error = r.getError();
      break;
    }
    case ElementKind::MXInt8:
      error = "MXINT8 elements need the mx family";
      break;
    }
    if (!error.empty())
      return makeError("parameter block " +
                       formatShape(unflatten(c, map.getGridShape())) + ": " +
                       error);
    params.scale.push_back(roundToScaleType(chosen.scale, scaleKind));
    if (scheme.getAsymmetric())
      params.zeroPoint.push_back(chosen.zeroPoint);
  }
  return params;
}
