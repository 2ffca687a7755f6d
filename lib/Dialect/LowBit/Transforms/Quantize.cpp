//===- Quantize.cpp - apply quantization schemes to a model ---------------===//
//
// For every linear layer (`linalg.matmul` with a constant weight operand) the
// weight is quantized and packed now, on the host, by the numerics library
// (through the reference evaluator, so compile-time codes equal what
// `lowbit.quantize` computes at run time), and the activation gets a
// quantize -> dequantize pair whose parameters come from calibration
// statistics (static) or from the tensor itself (dynamic). The KV cache is
// quantized where the k and v projections are observed. The float matmul
// then reads dequantized operands; `lowbit-fuse-dequant` fuses them.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Dialect/LowBit/Transforms/ModelIR.h"
#include "lowbit/Dialect/LowBit/Transforms/Passes.h"
#include "lowbit/Dialect/LowBit/Utils/HostQuantizer.h"
#include "lowbit/Dialect/LowBit/Utils/SchemeSpec.h"
#include "lowbit/Numerics/BitPacking.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

#include <array>
#include <chrono>

namespace mlir::lowbit {
#define GEN_PASS_DEF_QUANTIZE
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;

namespace {

/// k and v projection names (docs/model-ir.md): their outputs are the KV
/// cache.
constexpr StringLiteral kKeyValueNames[] = {"k_proj", "v_proj", "wk", "wv",
                                            "key",    "value",  "k",  "v"};

/// A 2-D operand of a linear layer: which axis is reduced.
struct LinearOperand {
  int64_t kAxis;
  int64_t otherAxis() const { return 1 - kAxis; }
};

/// The RPTQ cluster sizes on `observer`, when its channels are in cluster
/// order. A reorder that could only be folded as an index remap leaves the
/// activation in its original order (`cluster_permutation`): its clusters
/// are not contiguous and per-cluster schemes do not apply.
DenseI64ArrayAttr getContiguousClusters(ObserveOp observer) {
  if (!observer || observer->hasAttr("cluster_permutation"))
    return {};
  return observer->getAttrOfType<DenseI64ArrayAttr>("cluster_sizes");
}

/// What the pass did, for the report.
struct LayerReport {
  std::string weight;
  std::string weightScheme, activationScheme;
  /// Bytes of the f32 weight, of its packed codes and of its quantization
  /// parameters (scales, zero points, global scale) as stored.
  uint64_t weightBytes = 0, codeBytes = 0, paramBytes = 0;
  double seconds = 0;
};

struct QuantizePass : public mlir::lowbit::impl::QuantizeBase<QuantizePass> {
  using Base::Base;

  void runOnOperation() override;

private:
  /// Creates the constant parameter tensors of `params` for data of `shape`.
  SmallVector<Value> createParams(OpBuilder &b, Location loc, SchemeAttr scheme,
                                  ArrayRef<int64_t> shape,
                                  const quantizer::Params &params,
                                  StringRef name);

  /// Quantizes the constant weight operand of `matmul` at compile time.
  LogicalResult quantizeWeight(linalg::MatmulOp matmul, LinearOperand operand,
                               ObserveOp inputObserver, LayerReport &report);

  /// Builds quantize -> dequantize of `x` (an activation [S, C]) at `b`'s
  /// insertion point and returns the dequantized value; diagnostics go to
  /// `at`.
  FailureOr<Value> quantizeActivation(OpBuilder &b, Operation *at, Value x,
                                      StringRef kind, const SchemeSpec &spec,
                                      ObserveOp observer,
                                      std::string &schemeText);

  /// Quantizes the KV cache: the outputs of the k and v projections
  /// (observers named after them), once, right after the observer.
  LogicalResult quantizeKeyValues(ModuleOp module,
                                  SmallVectorImpl<LayerReport> &reports);

  /// Writes the report: each layer's schemes, then the weight bytes and the
  /// throughput.
  LogicalResult writeReport(ModuleOp module, ArrayRef<LayerReport> reports);

  SchemeSpec weightSpec, activationSpec, kvSpec;
};

SmallVector<Value> QuantizePass::createParams(OpBuilder &b, Location loc,
                                              SchemeAttr scheme,
                                              ArrayRef<int64_t> shape,
                                              const quantizer::Params &params,
                                              StringRef name) {
  SmallVector<int64_t> grid = scheme.getGranularity().getParamShape(shape);
  auto constant = [&](ShapedType type, ArrayRef<char> bytes,
                      StringRef suffix) -> Value {
    std::string blob = name.empty() ? "" : (name + suffix).str();
    return arith::ConstantOp::create(
        b, loc, cast<TypedAttr>(createElementsAttr(type, bytes, blob)));
  };
  SmallVector<Value> values;
  Type scaleType = scheme.getScaleType();
  auto scaleTensor = RankedTensorType::get(grid, scaleType);
  if (quantizer::hasScaleCodes(scheme)) {
    values.push_back(constant(
        scaleTensor,
        ArrayRef<char>(reinterpret_cast<const char *>(params.scaleCodes.data()),
                       params.scaleCodes.size()),
        ".scale"));
  } else if (scaleType.isF32()) {
    values.push_back(constant(
        scaleTensor,
        ArrayRef<char>(reinterpret_cast<const char *>(params.scale.data()),
                       params.scale.size() * sizeof(float)),
        ".scale"));
  } else {
    // f16/bf16: the reference already rounded the values to the type.
    const llvm::fltSemantics &sem =
        cast<FloatType>(scaleType).getFloatSemantics();
    std::vector<uint16_t> bits;
    for (float v : params.scale) {
      APFloat f(v);
      bool lost;
      f.convert(sem, APFloat::rmNearestTiesToEven, &lost);
      bits.push_back(f.bitcastToAPInt().getZExtValue());
    }
    values.push_back(
        constant(scaleTensor,
                 ArrayRef<char>(reinterpret_cast<const char *>(bits.data()),
                                bits.size() * sizeof(uint16_t)),
                 ".scale"));
  }
  if (scheme.hasZeroPoint())
    values.push_back(constant(
        RankedTensorType::get(grid, b.getI32Type()),
        ArrayRef<char>(reinterpret_cast<const char *>(params.zeroPoint.data()),
                       params.zeroPoint.size() * sizeof(int32_t)),
        ".zero_point"));
  if (scheme.hasGlobalScale()) {
    float global = *params.globalScale;
    values.push_back(constant(
        RankedTensorType::get(SmallVector<int64_t>(shape.size(), 1),
                              b.getF32Type()),
        ArrayRef<char>(reinterpret_cast<const char *>(&global), sizeof(float)),
        ".global_scale"));
  }
  return values;
}

/// Splits parameter values into scale, zero point and global scale.
struct ParamValues {
  Value scale, zeroPoint, globalScale;
  std::array<Value, 3> values() const {
    return {scale, zeroPoint, globalScale};
  }
  ParamValues(SchemeAttr scheme, ValueRange values) {
    scale = values[0];
    unsigned next = 1;
    if (scheme.hasZeroPoint())
      zeroPoint = values[next++];
    if (scheme.hasGlobalScale())
      globalScale = values[next++];
  }
};

LogicalResult QuantizePass::quantizeWeight(linalg::MatmulOp matmul,
                                           LinearOperand operand,
                                           ObserveOp inputObserver,
                                           LayerReport &report) {
  OpOperand &use = matmul->getOpOperand(1);
  Value weight = use.get();
  auto type = cast<RankedTensorType>(weight.getType());
  std::optional<std::vector<float>> data = getConstantData(weight);
  std::string name = getConstantName(weight);
  ArrayRef<int64_t> clusters;
  if (weightSpec.getGranularity() == SchemeSpec::Granularity::Cluster) {
    DenseI64ArrayAttr sizes = getContiguousClusters(inputObserver);
    if (!sizes)
      return matmul.emitError()
             << "weight scheme '" << weightSpec.getText()
             << "' needs the RPTQ clusters of the layer's input: no "
                "lowbit.observe with contiguous `cluster_sizes` feeds this "
                "matmul (run lowbit-rptq-reorder first)";
    clusters = sizes.asArrayRef();
  }
  std::string error;
  FailureOr<SchemeAttr> scheme = weightSpec.getWeightScheme(
      matmul.getContext(), operand.kAxis, clusters, error);
  if (failed(scheme))
    return matmul.emitError() << "invalid weight scheme '"
                              << weightSpec.getText() << "': " << error;
  auto qtype = QTensorType::get(matmul.getContext(), type.getShape(), *scheme);
  if (failed(QTensorType::verifyInvariants(
          [&] {
            return matmul.emitError()
                   << "weight scheme '" << weightSpec.getText() << "': ";
          },
          type.getShape(), *scheme)))
    return failure();

  auto start = std::chrono::steady_clock::now();
  ArrayRef<int64_t> shape = type.getShape();
  auto fail = [&](llvm::Error error) {
    return matmul.emitError()
           << "cannot quantize weight"
           << (name.empty() ? "" : " '" + name + "'") << " with '"
           << weightSpec.getText() << "': " << llvm::toString(std::move(error));
  };
  llvm::Expected<quantizer::Params> params =
      quantizer::chooseParams(*scheme, shape, *data);
  if (!params)
    return fail(params.takeError());
  llvm::Expected<std::vector<uint8_t>> codes =
      quantizer::quantize(*scheme, shape, *data, *params);
  if (!codes)
    return fail(codes.takeError());
  unsigned bits = quantizer::getCodeBits(*scheme);
  ::lowbit::numerics::Result<std::vector<uint8_t>> packed =
      ::lowbit::numerics::pack(*codes, shape.back(), bits);
  if (!packed)
    return matmul.emitError()
           << "cannot pack weight codes: " << packed.getError();

  OpBuilder b(matmul);
  Location loc = weight.getLoc();
  std::string blob = name.empty() ? "" : name + ".q";
  auto codesAttr = createElementsAttr(
      qtype.getPackedType(),
      ArrayRef<char>(reinterpret_cast<const char *>(packed->data()),
                     packed->size()),
      blob);
  Value q = ConstantOp::create(b, loc, qtype, codesAttr);
  ParamValues p(*scheme, createParams(b, loc, *scheme, shape, *params, blob));
  Value dq = DequantizeOp::create(b, loc, type, q, p.scale, p.zeroPoint,
                                  p.globalScale);
  use.set(dq);

  report.seconds +=
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  report.weightBytes += data->size() * sizeof(float);
  report.codeBytes += packed->size();
  for (Value param : p.values())
    if (param) {
      auto type = cast<ShapedType>(param.getType());
      report.paramBytes +=
          type.getNumElements() * ((type.getElementTypeBitWidth() + 7) / 8);
    }
  std::string s;
  llvm::raw_string_ostream os(s);
  os << *scheme;
  report.weightScheme = s;
  return success();
}

FailureOr<Value> QuantizePass::quantizeActivation(OpBuilder &b, Operation *at,
                                                  Value x, StringRef kind,
                                                  const SchemeSpec &spec,
                                                  ObserveOp observer,
                                                  std::string &schemeText) {
  auto type = dyn_cast<RankedTensorType>(x.getType());
  if (!type || type.getRank() != 2)
    return at->emitError() << kind
                           << " quantization needs a 2-D [tokens, "
                              "channels] value, got "
                           << x.getType();
  ArrayRef<int64_t> clusters;
  if (spec.getGranularity() == SchemeSpec::Granularity::Cluster) {
    if (DenseI64ArrayAttr sizes = getContiguousClusters(observer))
      clusters = sizes.asArrayRef();
    else
      at->emitWarning()
          << kind << " scheme '" << spec.getText() << "': "
          << (observer ? "observer '" + observer.getId().str() + "'"
                       : std::string("this value"))
          << " has no contiguous RPTQ clusters (`cluster_sizes`); quantizing "
             "per tensor";
  }
  std::string error;
  FailureOr<SchemeAttr> scheme =
      spec.getActivationScheme(at->getContext(), clusters, error);
  if (failed(scheme))
    return at->emitError() << "invalid " << kind << " scheme '"
                           << spec.getText() << "': " << error;
  bool dynamic = scheme->getDynamic();
  if (failed(QTensorType::verifyInvariants(
          [&] {
            return at->emitError() << kind << " scheme '" << spec.getText() << "': ";
          },
          type.getShape(), *scheme)))
    return failure();
  auto qtype = QTensorType::get(at->getContext(), type.getShape(), *scheme);

  Location loc = at->getLoc();
  SmallVector<Value> params;
  if (dynamic) {
    auto choose = ChooseParamsOp::create(b, loc, x, *scheme);
    params = choose.getResults();
  } else {
    if (!observer || !observer.getMin() || !observer.getMax())
      return at->emitError()
             << kind << " scheme '" << spec.getText()
             << "' is static and needs calibration statistics: no "
                "lowbit.observe with min/max feeds this op (run "
                "quant-calibrate and lowbit-import-stats, or use ':token' or "
                "':dynamic')";
    // The range of every parameter block is the range of its channels'
    // [min, max]: choose parameters for the two rows min and max.
    ArrayRef<float> min = *observer.getMin(), max = *observer.getMax();
    std::vector<float> rows(min.begin(), min.end());
    rows.insert(rows.end(), max.begin(), max.end());
    SmallVector<int64_t> rowShape{2, static_cast<int64_t>(min.size())};
    llvm::Expected<quantizer::Params> chosen =
        quantizer::chooseParams(*scheme, rowShape, rows);
    if (!chosen)
      return at->emitError()
             << "cannot choose " << kind << " parameters from '"
             << observer.getId()
             << "' statistics: " << llvm::toString(chosen.takeError());
    params = createParams(b, loc, *scheme, type.getShape(), *chosen, "");
  }
  ParamValues p(*scheme, params);
  Value q =
      QuantizeOp::create(b, loc, qtype, x, p.scale, p.zeroPoint, p.globalScale);
  Value dq = DequantizeOp::create(b, loc, type, q, p.scale, p.zeroPoint,
                                  p.globalScale);
  llvm::raw_string_ostream os(schemeText);
  os << *scheme;
  return dq;
}

/// The weight operand layout of a linear layer, if `matmul` is one.
std::optional<LinearOperand> getLinearWeight(linalg::MatmulOp matmul) {
  std::optional<bool> transposed = isTransposedLinear(matmul);
  if (!transposed)
    return std::nullopt;
  return LinearOperand{*transposed ? 1 : 0};
}

/// The checkpoint name of a weight: reorder folding renames the blobs it
/// gathers to `<name>.reordered`.
std::string getWeightName(Value weight) {
  std::string blob = getConstantName(weight);
  StringRef name = blob;
  while (name.consume_back(".reordered"))
    ;
  return name.str();
}

/// True when `id` observes the output of a k or v projection.
bool isKeyValueObserver(StringRef id) {
  if (!id.consume_back(".out"))
    return false;
  size_t dot = id.rfind('.');
  StringRef name = dot == StringRef::npos ? id : id.drop_front(dot + 1);
  return llvm::is_contained(kKeyValueNames, name);
}

LogicalResult
QuantizePass::quantizeKeyValues(ModuleOp module,
                                SmallVectorImpl<LayerReport> &reports) {
  bool failedAny = false;
  SmallVector<ObserveOp> kv;
  module.walk([&](ObserveOp op) {
    if (isKeyValueObserver(op.getId()))
      kv.push_back(op);
  });
  for (ObserveOp observe : kv) {
    // Every user of the cache reads the quantized values.
    SmallVector<OpOperand *> uses;
    for (OpOperand &use : observe.getResult().getUses())
      uses.push_back(&use);
    if (uses.empty())
      continue;
    // Quantize once, right after the observer.
    OpBuilder b(observe->getContext());
    b.setInsertionPointAfter(observe);
    std::string scheme;
    FailureOr<Value> dq = quantizeActivation(b, observe, observe.getResult(),
                                             "kv", kvSpec, observe, scheme);
    if (failed(dq)) {
      failedAny = true;
      continue;
    }
    for (OpOperand *use : uses)
      use->set(*dq);
    LayerReport report;
    report.weight = ("kv " + observe.getId()).str();
    report.activationScheme = scheme;
    reports.push_back(std::move(report));
  }
  return failure(failedAny);
}

LogicalResult QuantizePass::writeReport(ModuleOp module,
                                        ArrayRef<LayerReport> reports) {
  std::string error;
  auto file = openOutputFile(reportFile, &error);
  if (!file)
    return module.emitError()
           << "cannot write the quantization report: " << error;
  llvm::raw_ostream &os = file->os();
  uint64_t weightBytes = 0, codeBytes = 0, paramBytes = 0;
  double seconds = 0;
  for (const LayerReport &r : reports) {
    os << r.weight << ":";
    if (!r.weightScheme.empty())
      os << " weight " << r.weightScheme;
    if (!r.activationScheme.empty())
      os << (r.weightScheme.empty() ? " " : ", ") << "values "
         << r.activationScheme;
    os << "\n";
    weightBytes += r.weightBytes;
    codeBytes += r.codeBytes;
    paramBytes += r.paramBytes;
    seconds += r.seconds;
  }
  if (weightBytes > 0) {
    uint64_t quantized = codeBytes + paramBytes;
    os << llvm::format(
        "weights: %llu B f32 -> %llu B (%llu B packed codes + %llu B "
        "parameters), %.2fx smaller, in %.3f s (%.1f MB/s)\n",
        (unsigned long long)weightBytes, (unsigned long long)quantized,
        (unsigned long long)codeBytes, (unsigned long long)paramBytes,
        quantized ? double(weightBytes) / quantized : 0.0, seconds,
        seconds > 0 ? weightBytes / 1e6 / seconds : 0.0);
  }
  file->keep();
  return success();
}

void QuantizePass::runOnOperation() {
  ModuleOp module = getOperation();
  std::string error;
  auto parse = [&](StringRef option, StringRef text,
                   SchemeSpec &spec) -> LogicalResult {
    FailureOr<SchemeSpec> parsed = SchemeSpec::parse(text, error);
    if (failed(parsed) ||
        failed(parsed->checkFormatAndOptions(module.getContext(), error)))
      return module.emitError()
             << "invalid option " << option << "=" << text << ": " << error;
    spec = *parsed;
    return success();
  };
  if (failed(parse("w", weights, weightSpec)) ||
      failed(parse("a", activations, activationSpec)) ||
      failed(parse("kv", kvCache, kvSpec)))
    return signalPassFailure();
  if (weightSpec.getGranularity() == SchemeSpec::Granularity::Token)
    return module.emitError() << "invalid option w=" << weights
                              << ": 'token' applies to activations only",
           signalPassFailure();

  SmallVector<LayerReport> reports;
  bool failedAny = false;
  // Collect first: the rewrite inserts new ops next to the matmuls.
  SmallVector<linalg::MatmulOp> matmuls;
  // Quantized activation (dequantized value, scheme) per layer input.
  DenseMap<Value, std::pair<Value, std::string>> quantizedInputs;
  module.walk([&](linalg::MatmulOp op) { matmuls.push_back(op); });
  for (linalg::MatmulOp matmul : matmuls) {
    std::optional<LinearOperand> operand = getLinearWeight(matmul);
    Value weight = matmul.getDpsInputOperand(1)->get();
    if (!operand || !hasConstantData(weight))
      continue;
    std::string name = getWeightName(weight);
    if (!name.empty() && llvm::is_contained(exclude, name))
      continue;
    auto observer =
        matmul.getDpsInputOperand(0)->get().getDefiningOp<ObserveOp>();
    LayerReport report;
    report.weight = name.empty() ? "<dense weight>" : name;
    // The weight first: its cluster granularity reads the observer.
    if (!weightSpec.isNone() &&
        failed(quantizeWeight(matmul, *operand, observer, report))) {
      failedAny = true;
      continue;
    }
    if (!activationSpec.isNone()) {
      // Layers that read one activation (q, k, v) share its quantization.
      OpOperand *input = matmul.getDpsInputOperand(0);
      auto [it, inserted] = quantizedInputs.try_emplace(input->get());
      if (inserted) {
        OpBuilder b(matmul->getContext());
        b.setInsertionPointAfterValue(input->get());
        FailureOr<Value> dq =
            quantizeActivation(b, matmul, input->get(), "activation",
                               activationSpec, observer, it->second.second);
        if (failed(dq)) {
          quantizedInputs.erase(it);
          failedAny = true;
          continue;
        }
        it->second.first = *dq;
      }
      report.activationScheme = it->second.second;
      input->set(it->second.first);
    }
    reports.push_back(std::move(report));
  }

  if (!kvSpec.isNone() && failed(quantizeKeyValues(module, reports)))
    failedAny = true;
  if (failedAny)
    return signalPassFailure();

  if (!reportFile.empty() && failed(writeReport(module, reports)))
    signalPassFailure();
}

} // namespace
