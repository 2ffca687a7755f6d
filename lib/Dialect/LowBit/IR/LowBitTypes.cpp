//===- LowBitTypes.cpp - LowBit types -------------------------------------===//

#include "lowbit/Dialect/LowBit/IR/LowBitTypes.h"
#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"
#include "AsmUtils.h"
#include "lowbit/Numerics/BitPacking.h"
#include "lowbit/Numerics/LookupTable.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/MathExtras.h"

#include <array>
#include <cmath>

using namespace mlir;
using namespace mlir::lowbit;

#define GET_TYPEDEF_CLASSES
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.cpp.inc"

void LowBitDialect::registerTypes() {
  addTypes<
#define GET_TYPEDEF_LIST
#include "lowbit/Dialect/LowBit/IR/LowBitTypes.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// LutType
//===----------------------------------------------------------------------===//

ArrayRef<double> LutType::getNF4Values() {
  // The numerics library owns the table (f32 values, exact in f64).
  static const std::array<double, 16> kNF4 = [] {
    std::array<double, 16> values;
    llvm::copy(::lowbit::numerics::kNF4Values, values.begin());
    return values;
  }();
  return kNF4;
}

LutType LutType::getNF4(MLIRContext *context) {
  return LutType::get(context, DenseF64ArrayAttr::get(context, getNF4Values()));
}

bool LutType::isNF4() const { return getValues() == getNF4Values(); }

unsigned LutType::getBitWidth() const {
  return llvm::Log2_64(getValues().size());
}

LogicalResult LutType::verify(function_ref<InFlightDiagnostic()> emitError,
                              DenseF64ArrayAttr table) {
  ArrayRef<double> values = table.asArrayRef();
  size_t n = values.size();
  if (n < 2 || n > 256 || !llvm::isPowerOf2_64(n))
    return emitError() << "lookup table needs 2^k entries with k in 1..8, got "
                       << n;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(values[i]))
      return emitError() << "lookup table entry " << i << " is not finite";
    if (i > 0 && !(values[i - 1] < values[i]))
      return emitError() << "lookup table entries must be strictly increasing "
                            "(entry "
                         << i << ")";
  }
  return success();
}

Type LutType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  SmallVector<double> values;
  if (parser.parseLess())
    return {};
  if (succeeded(parser.parseOptionalKeyword("nf4"))) {
    llvm::append_range(values, getNF4Values());
  } else if (parser.parseCommaSeparatedList(
                 AsmParser::Delimiter::Square,
                 [&] { return parser.parseFloat(values.emplace_back()); })) {
    return {};
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<LutType>(
      loc, parser.getContext(), DenseF64ArrayAttr::get(parser.getContext(), values));
}

void LutType::print(AsmPrinter &printer) const {
  printer << "<";
  if (isNF4()) {
    printer << "nf4";
  } else {
    printer << "[";
    llvm::interleaveComma(getValues(), printer, [&](double v) {
      printer << detail::formatShortestDecimal(v);
    });
    printer << "]";
  }
  printer << ">";
}

//===----------------------------------------------------------------------===//
// QTensorType
//===----------------------------------------------------------------------===//

LogicalResult QTensorType::verify(function_ref<InFlightDiagnostic()> emitError,
                                  ArrayRef<int64_t> shape, SchemeAttr scheme) {
  if (shape.empty())
    return emitError() << "quantized tensors must have rank >= 1";
  return scheme.getGranularity().verifyShape(shape, emitError);
}

Type QTensorType::parse(AsmParser &parser) {
  SMLoc loc = parser.getCurrentLocation();
  SmallVector<int64_t> shape;
  SchemeAttr scheme;
  if (parser.parseLess() ||
      parser.parseDimensionList(shape, /*allowDynamic=*/true,
                                /*withTrailingX=*/false) ||
      parser.parseComma() || parser.parseAttribute(scheme) ||
      parser.parseGreater())
    return {};
  return parser.getChecked<QTensorType>(loc, parser.getContext(), shape,
                                        scheme);
}

void QTensorType::print(AsmPrinter &printer) const {
  printer << "<";
  printer.printDimensionList(getShape());
  printer << ", ";
  printer.printAttribute(getScheme());
  printer << ">";
}

SmallVector<int64_t> QTensorType::getParamShape() const {
  return getScheme().getGranularity().getParamShape(getShape());
}

RankedTensorType QTensorType::getPackedType() const {
  SmallVector<int64_t> shape(getShape());
  int64_t &last = shape.back();
  if (!ShapedType::isDynamic(last))
    last = ::lowbit::numerics::getPackedRowBytes(last,
                                                 getScheme().getBitWidth());
  return RankedTensorType::get(shape, IntegerType::get(getContext(), 8));
}
