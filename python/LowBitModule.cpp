//===- LowBitModule.cpp - Python bindings for LowBit ----------------------===//
//
// A small pybind11 surface over the C++ API: parse a module, run a textual
// pass pipeline, print. MLIR diagnostics become Python exceptions carrying
// the messages with their locations.
//
// `lowbit.reference` exposes the host-side reference evaluator
// (lowbit/Reference/Reference.h) on numpy arrays: quantize, dequantize and
// choose_params for any `#lowbit.scheme<...>`, plus the sub-byte packing
// layout. It is the oracle that executed IR is compared against.
//
// `lowbit.calibration` exposes RPTQ's channel clustering
// (lowbit/Calibration/KMeans.h): `kmeans` and the reorder `plan` that
// lowbit-plan-reorder makes from observer statistics.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Calibration/KMeans.h"
#include "lowbit/Conversion/Passes.h"
#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"
#include "lowbit/Dialect/LowBit/Utils/HostQuantizer.h"
#include "lowbit/Dialect/LowBit/Utils/SchemeSpec.h"
#include "lowbit/Numerics/BitPacking.h"
#include "lowbit/Reference/Reference.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

namespace py = pybind11;
using namespace mlir;

namespace {

/// Raised for parse, verification and pass failures.
struct LowBitError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Prints `file:line:col: ` like mlir-opt does, or the location as is.
void printLocation(llvm::raw_ostream &os, Location loc) {
  if (auto flc = dyn_cast<FileLineColLoc>(loc))
    os << flc.getFilename().getValue() << ":" << flc.getLine() << ":"
       << flc.getColumn() << ": ";
  else
    os << loc << ": ";
}

/// Collects the diagnostics emitted while it is alive.
class DiagnosticCollector {
public:
  explicit DiagnosticCollector(MLIRContext &context)
      : handler(&context, [this](Diagnostic &diag) {
          llvm::raw_string_ostream os(messages);
          printLocation(os, diag.getLocation());
          os << "error: " << diag.str() << "\n";
          for (Diagnostic &note : diag.getNotes()) {
            printLocation(os, note.getLocation());
            os << "note: " << note.str() << "\n";
          }
          return success();
        }) {}

  [[noreturn]] void fail(const std::string &what) {
    throw LowBitError(what + (messages.empty() ? "" : ":\n" + messages));
  }

private:
  std::string messages;
  ScopedDiagnosticHandler handler;
};

void registerPassesOnce() {
  static bool registered = [] {
    registerTransformsPasses();
    mlir::lowbit::registerLowBitConversionPasses();
    return true;
  }();
  (void)registered;
}

/// A parsed module together with the context that owns it.
class PyModule {
public:
  static std::unique_ptr<PyModule> parse(const std::string &text,
                                         const std::string &name) {
    auto self = std::unique_ptr<PyModule>(new PyModule());
    DiagnosticCollector diags(*self->context);
    ParserConfig config(self->context.get());
    self->module = parseSourceString<ModuleOp>(text, config, name);
    if (!self->module)
      diags.fail("failed to parse " + name);
    return self;
  }

  /// Runs a textual pipeline such as "canonicalize,cse" or
  /// "builtin.module(canonicalize)" on the module, in place.
  void run(const std::string &pipeline) {
    registerPassesOnce();
    DiagnosticCollector diags(*context);
    StringRef text = StringRef(pipeline).trim();
    // Parsing "builtin.module(...)" into a module-anchored manager would nest
    // it a second time, so strip the wrapper.
    if (text.consume_front("builtin.module(") && !text.consume_back(")"))
      diags.fail("unbalanced pipeline '" + pipeline + "'");
    PassManager pm(context.get(), ModuleOp::getOperationName());
    std::string error;
    llvm::raw_string_ostream errorStream(error);
    if (failed(parsePassPipeline(text, pm, errorStream)))
      throw LowBitError("invalid pass pipeline '" + pipeline + "': " + error);
    if (failed(pm.run(*module)))
      diags.fail("pass pipeline '" + pipeline + "' failed");
  }

  void verify() {
    DiagnosticCollector diags(*context);
    if (failed(mlir::verify(*module)))
      diags.fail("module failed to verify");
  }

  std::string str(bool generic) {
    std::string s;
    llvm::raw_string_ostream os(s);
    OpPrintingFlags flags;
    if (generic)
      flags.printGenericOpForm();
    module->print(os, flags);
    return s;
  }

private:
  PyModule() : context(std::make_unique<MLIRContext>()) {
    DialectRegistry registry;
    registry.insert<mlir::lowbit::LowBitDialect, arith::ArithDialect,
                    func::FuncDialect, linalg::LinalgDialect,
                    math::MathDialect, quant::QuantDialect,
                    tensor::TensorDialect>();
    context->appendDialectRegistry(registry);
    context->loadAllAvailableDialects();
  }

  // Declared first so it outlives the module.
  std::unique_ptr<MLIRContext> context;
  OwningOpRef<ModuleOp> module;
};

//===----------------------------------------------------------------------===//
// lowbit.reference
//===----------------------------------------------------------------------===//

namespace ref = mlir::lowbit::reference;
namespace num = ::lowbit::numerics;
using mlir::lowbit::SchemeAttr;
using mlir::lowbit::SchemeSpec;
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;
using Int64Array =
    py::array_t<int64_t, py::array::c_style | py::array::forcecast>;

/// Throws the message of `err` as a LowBitError.
[[noreturn]] void raise(llvm::Error err) {
  throw LowBitError(llvm::toString(std::move(err)));
}

template <typename T> T unwrap(llvm::Expected<T> value) {
  if (!value)
    raise(value.takeError());
  return std::move(*value);
}

/// The context that parses scheme strings; it lives as long as the process.
MLIRContext &getSchemeContext() {
  static MLIRContext *context = [] {
    auto *ctx = new MLIRContext(MLIRContext::Threading::DISABLED);
    ctx->loadDialect<mlir::lowbit::LowBitDialect>();
    return ctx;
  }();
  return *context;
}

/// Parses `#lowbit.scheme<...>`; the bare body (`i8, per_tensor`) is
/// accepted too.
SchemeAttr parseScheme(const std::string &text) {
  MLIRContext &context = getSchemeContext();
  std::string full = StringRef(text).trim().starts_with("#")
                         ? text
                         : "#lowbit.scheme<" + text + ">";
  DiagnosticCollector diags(context);
  Attribute attr = parseAttribute(full, &context);
  if (!attr)
    diags.fail("failed to parse scheme '" + text + "'");
  auto scheme = dyn_cast<SchemeAttr>(attr);
  if (!scheme)
    throw LowBitError("expected a #lowbit.scheme<...> attribute, got '" +
                      text + "'");
  return scheme;
}

/// `lowbit.scheme_from_spec`: the scheme lowbit-quantize gives a weight
/// [N, K] (reduction axis `kAxis`) or an activation [tokens, channels] for a
/// spec such as "i4:g128" (lowbit/Dialect/LowBit/Utils/SchemeSpec.h).
std::string schemeFromSpec(const std::string &text, const std::string &role,
                           const std::vector<int64_t> &clusters,
                           int64_t kAxis) {
  std::string error;
  FailureOr<SchemeSpec> spec = SchemeSpec::parse(text, error);
  if (failed(spec))
    throw LowBitError("invalid scheme '" + text + "': " + error);
  if (spec->isNone())
    throw LowBitError("'" + text + "' is no scheme (the value stays f32)");
  if (role != "weight" && role != "activation")
    throw LowBitError("role must be 'weight' or 'activation', got '" + role +
                      "'");
  if (role == "weight" && kAxis != 0 && kAxis != 1)
    throw LowBitError("k_axis must be 0 or 1, got " + std::to_string(kAxis));
  MLIRContext &context = getSchemeContext();
  FailureOr<SchemeAttr> scheme =
      role == "weight"
          ? spec->getWeightScheme(&context, kAxis, clusters, error)
          : spec->getActivationScheme(&context, clusters, error);
  if (failed(scheme))
    throw LowBitError("invalid " + role + " scheme '" + text + "': " + error);
  std::string out;
  llvm::raw_string_ostream os(out);
  os << *scheme;
  return out;
}

std::vector<int64_t> getShape(const py::array &array) {
  return std::vector<int64_t>(array.shape(), array.shape() + array.ndim());
}

/// Python's spelling of a shape tuple: (), (4,), (2, 3).
std::string formatShape(ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

py::array toArray(py::handle object, const char *what) {
  py::array array = py::array::ensure(object);
  if (!array) {
    PyErr_Clear();
    throw LowBitError(std::string(what) + " is not an array");
  }
  return array;
}

/// A float array (any floating dtype, bfloat16 included) as a contiguous
/// f32 array: f16 widens exactly, f64 rounds to nearest-even. Integer arrays
/// (a scale written `1`) only where `allowIntegers`.
FloatArray toFloatArray(py::handle object, const char *what,
                        bool allowIntegers = false) {
  py::array array = toArray(object, what);
  py::dtype dtype = array.dtype();
  bool bf16 = py::str(dtype).cast<std::string>() == "bfloat16";
  bool integer = dtype.kind() == 'i' || dtype.kind() == 'u';
  if (dtype.kind() != 'f' && !bf16 && !(allowIntegers && integer))
    throw LowBitError(std::string(what) +
                      " must hold floating-point values, got dtype " +
                      py::str(dtype).cast<std::string>());
  return FloatArray::ensure(array);
}

/// An integer array as int64 values in [lo, hi]. Where bytes are expected
/// ([0, 255]), int8 arrays are read as the bytes they hold (the packed i8
/// tensors of the lowering come back from quant-run as int8).
std::pair<std::vector<int64_t>, std::vector<int64_t>>
toIntegers(py::handle object, const char *what, int64_t lo, int64_t hi) {
  py::array array = toArray(object, what);
  char kind = array.dtype().kind();
  if (kind != 'i' && kind != 'u')
    throw LowBitError(std::string(what) + " must hold integers, got dtype " +
                      py::str(array.dtype()).cast<std::string>());
  if (kind == 'i' && array.dtype().itemsize() == 1 && lo == 0 && hi == 255)
    array = toArray(array.attr("view")(py::dtype::of<uint8_t>()), what);
  bool huge = kind == 'u' && array.dtype().itemsize() == 8;
  Int64Array values = Int64Array::ensure(array);
  std::vector<int64_t> out(values.data(), values.data() + values.size());
  for (int64_t v : out)
    if (v < lo || v > hi || (huge && v < 0))
      throw LowBitError(std::string(what) + " value " + std::to_string(v) +
                        " is outside [" + std::to_string(lo) + ", " +
                        std::to_string(hi) + "]");
  return {getShape(values), out};
}

/// Checks a parameter array against the grid: its shape must be the grid's,
/// or it may be a scalar when the grid has one cell.
void checkParamShape(const char *what, ArrayRef<int64_t> shape,
                     ArrayRef<int64_t> grid) {
  int64_t cells = 1;
  for (int64_t g : grid)
    cells *= g;
  if ((shape.empty() && cells == 1) || shape == grid)
    return;
  throw LowBitError(std::string(what) + " has shape " + formatShape(shape) +
                    " but the parameter grid is " + formatShape(grid));
}

template <typename T>
py::array_t<T> makeArray(ArrayRef<int64_t> shape, const std::vector<T> &data) {
  std::vector<py::ssize_t> dims(shape.begin(), shape.end());
  return py::array_t<T>(dims, data.data());
}

/// The two host implementations of lowbit quantization the package binds
/// with one set of functions: the test oracle (lowbit.reference) and the
/// compiler's host quantizer (lowbit.quantizer).
struct ReferenceImpl {
  using Params = ref::Params;
  static constexpr auto getGridShape = &ref::getGridShape;
  static constexpr auto hasScaleCodes = &ref::hasScaleCodes;
  static constexpr auto quantize = &ref::quantize;
  static constexpr auto dequantize = &ref::dequantize;
  static constexpr auto chooseParams = &ref::chooseParams;
};
struct QuantizerImpl {
  using Params = mlir::lowbit::quantizer::Params;
  static constexpr auto getGridShape = &mlir::lowbit::quantizer::getGridShape;
  static constexpr auto hasScaleCodes = &mlir::lowbit::quantizer::hasScaleCodes;
  static constexpr auto quantize = &mlir::lowbit::quantizer::quantize;
  static constexpr auto dequantize = &mlir::lowbit::quantizer::dequantize;
  static constexpr auto chooseParams = &mlir::lowbit::quantizer::chooseParams;
};

/// Builds the host parameters of `scheme` for data of `shape`.
template <typename Impl>
typename Impl::Params makeParams(SchemeAttr scheme, ArrayRef<int64_t> shape,
                                 py::handle scale, py::handle zeroPoint,
                                 py::handle globalScale) {
  SmallVector<int64_t> grid =
      unwrap(Impl::getGridShape(scheme.getGranularity(), shape));
  typename Impl::Params params;
  if (Impl::hasScaleCodes(scheme)) {
    auto [scaleShape, codes] = toIntegers(scale, "scale", 0, 255);
    checkParamShape("scale", scaleShape, grid);
    params.scaleCodes.assign(codes.begin(), codes.end());
  } else {
    FloatArray values = toFloatArray(scale, "scale", /*allowIntegers=*/true);
    checkParamShape("scale", getShape(values), grid);
    params.scale.assign(values.data(), values.data() + values.size());
  }
  if (!zeroPoint.is_none()) {
    if (!scheme.hasZeroPoint())
      throw LowBitError("a symmetric scheme takes no zero point");
    auto [zpShape, zps] =
        toIntegers(zeroPoint, "zero_point", std::numeric_limits<int32_t>::min(),
                   std::numeric_limits<int32_t>::max());
    checkParamShape("zero_point", zpShape, grid);
    params.zeroPoint.assign(zps.begin(), zps.end());
  } else if (scheme.hasZeroPoint()) {
    throw LowBitError("an asymmetric scheme needs a zero_point");
  }
  if (!globalScale.is_none()) {
    if (!scheme.hasGlobalScale())
      throw LowBitError("only the nvfp4 family takes a global_scale");
    FloatArray values =
        toFloatArray(globalScale, "global_scale", /*allowIntegers=*/true);
    if (values.size() != 1)
      throw LowBitError("global_scale must hold one value, got " +
                        std::to_string(values.size()));
    params.globalScale = *values.data();
  } else if (scheme.hasGlobalScale()) {
    throw LowBitError("the nvfp4 family needs a global_scale");
  }
  return params;
}

template <typename Impl>
py::array_t<uint8_t> quantizeArray(const std::string &schemeText,
                                       py::handle x, py::handle scale,
                                       py::handle zeroPoint,
                                       py::handle globalScale) {
  SchemeAttr scheme = parseScheme(schemeText);
  FloatArray data = toFloatArray(x, "x");
  std::vector<int64_t> shape = getShape(data);
  typename Impl::Params params =
      makeParams<Impl>(scheme, shape, scale, zeroPoint, globalScale);
  std::vector<uint8_t> codes = unwrap(Impl::quantize(
      scheme, shape, ArrayRef<float>(data.data(), data.size()), params));
  return makeArray(shape, codes);
}

template <typename Impl>
py::array_t<float> dequantizeArray(const std::string &schemeText,
                                       py::handle codesObject,
                                       py::handle scale, py::handle zeroPoint,
                                       py::handle globalScale) {
  SchemeAttr scheme = parseScheme(schemeText);
  auto [shape, wide] = toIntegers(codesObject, "codes", 0, 255);
  std::vector<uint8_t> codes(wide.begin(), wide.end());
  typename Impl::Params params =
      makeParams<Impl>(scheme, shape, scale, zeroPoint, globalScale);
  std::vector<float> values =
      unwrap(Impl::dequantize(scheme, shape, codes, params));
  return makeArray(shape, values);
}

template <typename Impl>
py::tuple chooseParamsOf(const std::string &schemeText, py::handle x) {
  SchemeAttr scheme = parseScheme(schemeText);
  FloatArray data = toFloatArray(x, "x");
  std::vector<int64_t> shape = getShape(data);
  SmallVector<int64_t> grid =
      unwrap(Impl::getGridShape(scheme.getGranularity(), shape));
  typename Impl::Params params = unwrap(Impl::chooseParams(
      scheme, shape, ArrayRef<float>(data.data(), data.size())));
  py::list results;
  if (Impl::hasScaleCodes(scheme))
    results.append(makeArray(grid, params.scaleCodes));
  else
    results.append(makeArray(grid, params.scale));
  if (scheme.hasZeroPoint())
    results.append(makeArray(grid, params.zeroPoint));
  if (scheme.hasGlobalScale())
    results.append(makeArray(SmallVector<int64_t>(shape.size(), 1),
                             std::vector<float>{params.globalScale.value_or(
                                 std::numeric_limits<float>::quiet_NaN())}));
  return py::tuple(results);
}

template <typename Impl> void bindQuantization(py::module_ &m) {
  m.def("quantize", &quantizeArray<Impl>, py::arg("scheme"), py::arg("x"),
        py::arg("scale"), py::arg("zero_point") = py::none(),
        py::arg("global_scale") = py::none(),
        "Quantizes float array `x` to uint8 codes (unpacked, same shape). "
        "`scale` holds float values for f32/f16/bf16 scale types and "
        "uint8 codes for f8E8M0FNU/f8E4M3FN (values of f16/bf16 scale "
        "types are rounded to that type first); `zero_point` (int32) for "
        "asymmetric schemes; `global_scale` (one float) for nvfp4. "
        "Float inputs of any precision are converted to float32 first.")
      .def("dequantize", &dequantizeArray<Impl>, py::arg("scheme"),
           py::arg("codes"), py::arg("scale"),
           py::arg("zero_point") = py::none(),
           py::arg("global_scale") = py::none(),
           "Decodes unpacked integer codes (uint8, or int8 read as bytes) to "
           "a float32 array; parameters as for quantize.")
      .def("choose_params", &chooseParamsOf<Impl>, py::arg("scheme"),
           py::arg("x"),
           "Returns the tuple of lowbit.choose_params results for `x`: the "
           "scale (float32 values, or uint8 codes for 8-bit scale types), "
           "then the int32 zero point (asymmetric) and the float32 global "
           "scale (nvfp4), all in grid shape.");
}

void checkBits(unsigned bits) {
  if (bits < 1 || bits > 8)
    throw LowBitError("bits must be in 1..8, got " + std::to_string(bits));
}

py::array_t<uint8_t> referencePack(py::handle codesObject, unsigned bits) {
  checkBits(bits);
  auto [shape, wide] = toIntegers(codesObject, "codes", 0, 255);
  if (shape.empty())
    throw LowBitError("codes must have at least one dimension");
  std::vector<uint8_t> codes(wide.begin(), wide.end());
  int64_t rowLength = shape.back();
  std::vector<int64_t> packedShape = shape;
  packedShape.back() = num::getPackedRowBytes(rowLength, bits);
  if (codes.empty())
    return makeArray(packedShape, std::vector<uint8_t>());
  auto packed = num::pack(codes, rowLength, bits);
  if (!packed)
    throw LowBitError(packed.getError());
  return makeArray(packedShape, *packed);
}

py::array_t<uint8_t> referenceUnpack(py::handle bytesObject, unsigned bits,
                                     int64_t rowLength) {
  checkBits(bits);
  if (rowLength < 0)
    throw LowBitError("row_length must be non-negative");
  auto [shape, wide] = toIntegers(bytesObject, "packed", 0, 255);
  if (shape.empty())
    throw LowBitError("packed must have at least one dimension");
  size_t rowBytes = num::getPackedRowBytes(rowLength, bits);
  if (shape.back() != static_cast<int64_t>(rowBytes))
    throw LowBitError("rows of " + std::to_string(rowLength) + " " +
                      std::to_string(bits) + "-bit codes take " +
                      std::to_string(rowBytes) + " bytes, got " +
                      std::to_string(shape.back()));
  std::vector<int64_t> unpackedShape = shape;
  unpackedShape.back() = rowLength;
  size_t rows = rowBytes == 0 ? 0 : wide.size() / rowBytes;
  if (wide.empty() || rowLength == 0) {
    size_t total = 1;
    for (int64_t d : unpackedShape)
      total *= d;
    return makeArray(unpackedShape, std::vector<uint8_t>(total, 0));
  }
  std::vector<uint8_t> bytes(wide.begin(), wide.end());
  auto codes = num::unpack(bytes, rowLength, rows, bits);
  if (!codes)
    throw LowBitError(codes.getError());
  return makeArray(unpackedShape, *codes);
}

py::tuple referenceGridShape(const std::string &schemeText,
                             const std::vector<int64_t> &shape) {
  SchemeAttr scheme = parseScheme(schemeText);
  SmallVector<int64_t> grid =
      unwrap(ref::getGridShape(scheme.getGranularity(), shape));
  py::list out;
  for (int64_t g : grid)
    out.append(g);
  return py::tuple(out);
}

py::tuple referenceGridIndex(const std::string &schemeText,
                             const std::vector<int64_t> &shape,
                             const std::vector<int64_t> &index) {
  SchemeAttr scheme = parseScheme(schemeText);
  unwrap(ref::getGridShape(scheme.getGranularity(), shape));
  if (index.size() != shape.size())
    throw LowBitError("index " + formatShape(index) + " does not have the rank of shape " +
                      formatShape(shape));
  for (size_t d = 0; d < shape.size(); ++d)
    if (index[d] < 0 || index[d] >= shape[d])
      throw LowBitError("index " + formatShape(index) +
                        " is out of bounds for shape " + formatShape(shape));
  py::list out;
  for (int64_t g : ref::getGridIndex(scheme.getGranularity(), shape, index))
    out.append(g);
  return py::tuple(out);
}

//===----------------------------------------------------------------------===//
// lowbit.calibration
//===----------------------------------------------------------------------===//

namespace calib = ::lowbit::calibration;
using DoubleArray =
    py::array_t<double, py::array::c_style | py::array::forcecast>;

template <typename T> T unwrapCalibration(calib::Result<T> result) {
  if (!result)
    throw LowBitError(result.getError());
  return *result;
}

calib::KMeansOptions makeKMeansOptions(int64_t k, uint64_t seed,
                                       int64_t restarts,
                                       int64_t maxIterations) {
  calib::KMeansOptions options;
  options.k = k;
  options.seed = seed;
  options.restarts = restarts;
  options.maxIterations = maxIterations;
  return options;
}

/// A real-valued array of rank 1 or 2 as (values, rows, columns); rank 1
/// counts as one column.
std::tuple<std::vector<double>, int64_t, int64_t>
toMatrix(py::handle object, const char *what, bool roundToFloat) {
  py::array array = toArray(object, what);
  char kind = array.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u')
    throw LowBitError(std::string(what) + " must hold real numbers, got dtype " +
                      py::str(array.dtype()).cast<std::string>());
  if (array.ndim() != 1 && array.ndim() != 2)
    throw LowBitError(std::string(what) + " must have rank 1 or 2, got shape " +
                      formatShape(getShape(array)));
  DoubleArray values = DoubleArray::ensure(array);
  int64_t rows = values.shape(0);
  int64_t columns = values.ndim() == 2 ? values.shape(1) : 1;
  std::vector<double> data(values.data(), values.data() + values.size());
  if (roundToFloat)
    for (double &v : data)
      v = static_cast<float>(v);
  return {std::move(data), rows, columns};
}

py::tuple calibrationKMeans(py::handle pointsObject, int64_t k, uint64_t seed,
                            int64_t restarts, int64_t maxIterations) {
  auto [points, n, d] = toMatrix(pointsObject, "points", false);
  calib::KMeansResult result = unwrapCalibration(calib::kmeans(
      points, n, d, makeKMeansOptions(k, seed, restarts, maxIterations)));
  return py::make_tuple(
      makeArray<int64_t>({n}, result.labels),
      makeArray<double>({result.numClusters, d}, result.centers),
      result.inertia);
}

py::tuple calibrationPlan(py::handle minObject, py::handle maxObject,
                          int64_t k, std::optional<int64_t> heads,
                          uint64_t seed, int64_t restarts) {
  // Rounded to f32 like observer statistics, so that a plan made here is
  // the one lowbit-plan-reorder makes from the same numbers.
  auto [min, channels, columns] = toMatrix(minObject, "min", true);
  auto [max, maxChannels, maxColumns] = toMatrix(maxObject, "max", true);
  if (channels != maxChannels || columns != maxColumns)
    throw LowBitError("min and max must have the same shape");
  // Features per channel: the max columns, then the min columns.
  int64_t d = 2 * columns;
  std::vector<double> features(channels * d);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t j = 0; j < columns; ++j) {
      features[c * d + j] = max[c * columns + j];
      features[c * d + columns + j] = min[c * columns + j];
    }
  calib::ReorderPlan plan = unwrapCalibration(
      calib::planReorder(features, channels, d, heads.value_or(1),
                         makeKMeansOptions(k, seed, restarts, 300)));
  return py::make_tuple(
      makeArray<int64_t>({channels}, plan.permutation),
      makeArray<int64_t>({static_cast<int64_t>(plan.clusterSizes.size())},
                         plan.clusterSizes));
}

void bindCalibration(py::module_ &m) {
  py::module_ calibration = m.def_submodule(
      "calibration",
      "RPTQ channel clustering (lowbit/Calibration/KMeans.h): seeded, "
      "platform-independent k-means (k-means++ seeding, Lloyd iterations, "
      "restarts) and the channel reorder plans lowbit-plan-reorder makes.");
  calibration
      .def("kmeans", &calibrationKMeans, py::arg("points"), py::arg("k"),
           py::arg("seed") = 0, py::arg("restarts") = 10,
           py::arg("max_iterations") = 300,
           "Clusters the rows of `points` ([n, d], or [n] for d = 1) into at "
           "most k clusters. Returns (labels int64[n], centers float64[c, d], "
           "inertia): c = min(k, distinct points), labels numbered in "
           "ascending lexicographic order of the centers, the lowest inertia "
           "of `restarts` seedings (the first on ties).")
      .def("plan", &calibrationPlan, py::arg("min"), py::arg("max"),
           py::arg("k"), py::arg("heads") = py::none(), py::arg("seed") = 0,
           py::arg("restarts") = 10,
           "Plans the RPTQ reorder of channels with ranges [min, max] "
           "(arrays [C], rounded to float32 like observer statistics). "
           "Clusters the points [max, min] into at most k clusters (per head "
           "when `heads` is given: every head's C / heads channels on their "
           "own, kept in their slots) and returns (permutation int64[C], "
           "cluster_sizes int64[G]) with result[i] = input[permutation[i]] "
           "and channels sorted by (cluster, index). 2-D min and max [C, m] "
           "give the features [max[:, 0..m), min[:, 0..m)], e.g. "
           "np.stack([q, k], 1) for RPTQ's shared q/k features [qmax, kmax, "
           "qmin, kmin].");
  // `import lowbit.calibration` and `from lowbit import calibration`.
  py::module_::import("sys").attr("modules")["lowbit.calibration"] =
      calibration;
}

} // namespace

PYBIND11_MODULE(_lowbit, m) {
  m.doc() = "LowBit: MLIR low-bit quantization compiler (C++ core)";
  py::register_exception<LowBitError>(m, "LowBitError", PyExc_RuntimeError);

  m.def("scheme_from_spec", &schemeFromSpec, py::arg("spec"),
        py::arg("role"), py::arg("clusters") = std::vector<int64_t>(),
        py::arg("k_axis") = 1,
        "The #lowbit.scheme text that lowbit-quantize gives a weight "
        "(role='weight': [N, K] with the reduction along k_axis; per output "
        "channel unless the spec says otherwise) or an activation "
        "(role='activation': [tokens, channels]; per token, dynamic, unless "
        "the spec says otherwise) for a spec such as 'i4:g128', 'i8:token', "
        "'i4:cluster:asymmetric' or 'mxfp4'. `clusters`: the RPTQ cluster "
        "sizes that ':cluster' needs (an activation without them is per "
        "tensor). Raises LowBitError for an invalid spec.");

  py::class_<PyModule>(m, "Module")
      .def_static("parse", &PyModule::parse, py::arg("text"),
                  py::arg("name") = "<string>",
                  "Parses and verifies MLIR text; raises LowBitError with "
                  "located diagnostics on failure.")
      .def("run", &PyModule::run, py::arg("pipeline"),
           "Runs a textual pass pipeline on the module in place.")
      .def("verify", &PyModule::verify)
      .def("to_string", &PyModule::str, py::arg("generic") = false)
      .def("__str__", [](PyModule &self) { return self.str(false); });

  py::module_ reference = m.def_submodule(
      "reference",
      "Host-side reference evaluator of lowbit ops on numpy arrays (the "
      "oracle for executed IR). Schemes are '#lowbit.scheme<...>' strings; "
      "codes are unpacked uint8 arrays of the data's shape; parameters have "
      "the grid shape of the scheme's granularity.");
  bindQuantization<ReferenceImpl>(reference);
  reference
      .def("pack", &referencePack, py::arg("codes"), py::arg("bits"),
           "Packs codes LSB-first along the innermost dimension, each row "
           "starting on a byte boundary (the layout of packed qtensors).")
      .def("unpack", &referenceUnpack, py::arg("packed"), py::arg("bits"),
           py::arg("row_length"), "Inverse of pack.")
      .def("grid_shape", &referenceGridShape, py::arg("scheme"),
           py::arg("shape"),
           "Grid shape of the parameters of data of `shape`.")
      .def("grid_index", &referenceGridIndex, py::arg("scheme"),
           py::arg("shape"), py::arg("index"),
           "Grid index of the parameters of the element at `index`.")
      .def(
          "code_bits",
          [](const std::string &scheme) {
            return ref::getCodeBits(parseScheme(scheme));
          },
          py::arg("scheme"), "Number of bits of one code of the scheme.");

  py::module_ quantizer = m.def_submodule(
      "quantizer",
      "The compiler's host quantizer on numpy arrays: what lowbit-quantize "
      "runs on weights at compile time (lib/Dialect/LowBit/Utils), with the "
      "interface of lowbit.reference, the separately written oracle it is "
      "tested against.");
  bindQuantization<QuantizerImpl>(quantizer);
  py::module_::import("sys").attr("modules")["lowbit.quantizer"] = quantizer;

  bindCalibration(m);
}
