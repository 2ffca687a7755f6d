//===- JitRunner.cpp - JIT-calling functions on tensors -------------------===//

#include "lowbit/Runner/JitRunner.h"

#include "lowbit/Conversion/LowBitToLinalg/LowBitToLinalg.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/APFloat.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/ExecutionEngine/Orc/Mangling.h"
#include "llvm/ExecutionEngine/Orc/Shared/ExecutorSymbolDef.h"
#include "llvm/Support/DynamicLibrary.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::runner;

//===----------------------------------------------------------------------===//
// Element types
//===----------------------------------------------------------------------===//

std::optional<npy::DType> runner::getNpyDType(Type type) {
  using npy::DType;
  if (type.isF64())
    return DType{DType::Float, 8};
  if (type.isF32())
    return DType{DType::Float, 4};
  if (type.isF16())
    return DType{DType::Float, 2};
  if (type.isBF16())
    return DType{DType::UInt, 2};
  if (auto intType = dyn_cast<IntegerType>(type)) {
    unsigned width = intType.getWidth();
    if (width == 1)
      return DType{DType::Bool, 1};
    if (width == 8 || width == 16 || width == 32 || width == 64)
      return DType{intType.isUnsigned() ? DType::UInt : DType::Int, width / 8};
  }
  return std::nullopt;
}

bool runner::acceptsNpyDType(Type type, npy::DType dtype) {
  std::optional<npy::DType> preferred = getNpyDType(type);
  if (!preferred)
    return false;
  if (*preferred == dtype)
    return true;
  // Raw bytes for bf16, as ml_dtypes arrays are saved.
  if (type.isBF16())
    return dtype == npy::DType{npy::DType::Void, 2};
  // Signless integers are just bits: unsigned arrays of the width fit too.
  if (auto intType = dyn_cast<IntegerType>(type))
    return intType.isSignless() && intType.getWidth() > 1 &&
           dtype == npy::DType{npy::DType::UInt, preferred->size};
  return false;
}

bool runner::isSupportedTensorType(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && !tensor.getEncoding() &&
         getNpyDType(tensor.getElementType()).has_value();
}

std::string runner::formatShape(ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i)
      s += ", ";
    s += ShapedType::isDynamic(shape[i]) ? "?" : std::to_string(shape[i]);
  }
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

static std::string typeToString(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  type.print(os);
  return s;
}

/// The dtypes an argument of `type` accepts, for error messages.
static std::string describeAccepted(Type type) {
  std::string s = "'" + getNpyDType(type)->str() + "'";
  if (type.isBF16())
    s += " bits or '<V2'";
  else if (auto intType = dyn_cast<IntegerType>(type);
           intType && intType.isSignless() && intType.getWidth() > 1)
    s += " or '" +
         npy::DType{npy::DType::UInt, intType.getWidth() / 8}.str() + "'";
  return s;
}

//===----------------------------------------------------------------------===//
// Entry function and arguments
//===----------------------------------------------------------------------===//

static constexpr llvm::StringLiteral kSupportedTypes =
    "ranked tensors of f16, bf16, f32, f64, i1, or 8/16/32/64-bit integers";

FailureOr<EntrySignature> runner::prepareEntry(ModuleOp module,
                                               StringRef entry) {
  Operation *symbol = module.lookupSymbol(entry);
  auto func = dyn_cast_or_null<func::FuncOp>(symbol);
  if (!func) {
    if (symbol)
      return symbol->emitError("entry '")
             << entry << "' is a '" << symbol->getName()
             << "', not a func.func";
    // Reported without a location: nothing in the file is at fault.
    InFlightDiagnostic diag = emitError(UnknownLoc::get(module.getContext()))
                              << "entry function '" << entry
                              << "' not found";
    if (auto loc = dyn_cast<FileLineColLoc>(module.getLoc());
        loc && !loc.getFilename().getValue().empty())
      diag << " in '" << loc.getFilename().getValue() << "'";
    SmallVector<StringRef> names;
    for (auto f : module.getOps<func::FuncOp>())
      if (!f.isDeclaration())
        names.push_back(f.getSymName());
    if (!names.empty())
      diag << " (functions: " << llvm::join(names, ", ") << ")";
    return diag;
  }
  if (func.isDeclaration())
    return func.emitError("entry function '")
           << entry << "' is a declaration without a body";

  EntrySignature signature;
  signature.name = entry.str();
  FunctionType type = func.getFunctionType();
  // Quantized tensors travel as their packed codes (i8, see
  // docs/numerics.md), which is what the lowering turns them into.
  auto storageType = [](Type type) -> Type {
    if (auto qtype = dyn_cast<lowbit::QTensorType>(type))
      return lowbit::getPackedType(qtype);
    return type;
  };
  for (auto [i, original] : llvm::enumerate(type.getInputs())) {
    Type input = storageType(original);
    if (!isSupportedTensorType(input))
      return func.emitError("entry function '")
             << entry << "': argument #" << i << " has unsupported type "
             << input << " (quant-run passes " << kSupportedTypes << ")";
    signature.inputs.push_back(cast<RankedTensorType>(input));
  }
  for (auto [i, original] : llvm::enumerate(type.getResults())) {
    Type result = storageType(original);
    if (!isSupportedTensorType(result))
      return func.emitError("entry function '")
             << entry << "': result #" << i << " has unsupported type "
             << result << " (quant-run returns " << kSupportedTypes << ")";
    signature.results.push_back(cast<RankedTensorType>(result));
  }
  func.setPublic();
  func->setAttr("llvm.emit_c_interface", UnitAttr::get(func.getContext()));
  return signature;
}

llvm::Error runner::checkArgument(RankedTensorType type,
                                  const npy::Array &array, StringRef what) {
  Type elementType = type.getElementType();
  if (!acceptsNpyDType(elementType, array.dtype))
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("{0}: expected dtype {1} ({2}), got '{3}'", what,
                      typeToString(elementType), describeAccepted(elementType),
                      array.dtype.str())
            .str());
  bool match = type.getRank() == int64_t(array.shape.size());
  for (int64_t i = 0; match && i < type.getRank(); ++i)
    match = type.isDynamicDim(i) || type.getDimSize(i) == array.shape[i];
  if (!match)
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        llvm::formatv("{0}: expected shape {1} ({2}), got {3}", what,
                      formatShape(type.getShape()), typeToString(type),
                      array.shapeStr())
            .str());
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// JIT compilation and calls
//===----------------------------------------------------------------------===//

JitFunction::JitFunction(std::unique_ptr<ExecutionEngine> engine,
                         const EntrySignature &signature, PackedFunction entry)
    : engine(std::move(engine)), signature(signature), entry(entry) {}

JitFunction::~JitFunction() = default;

llvm::Expected<std::unique_ptr<JitFunction>>
JitFunction::create(ModuleOp llvmModule, const EntrySignature &signature,
                    unsigned optLevel,
                    ArrayRef<std::pair<StringRef, void *>> symbols) {
  static std::once_flag initTargets;
  std::call_once(initTargets, [] {
    llvm::InitializeNativeTarget();
    llvm::InitializeNativeTargetAsmPrinter();
  });
  // Every external function must resolve in this process (libc, libm, ...);
  // report the first that does not at its location instead of letting the
  // JIT fail with a generic message.
  static std::once_flag loadProcess;
  std::call_once(loadProcess, [] {
    llvm::sys::DynamicLibrary::LoadLibraryPermanently(nullptr);
  });
  // Multi-threaded code (lowbit-to-llvm threads > 1: OpenMP ops, which the
  // translation turns into calls to __kmpc_* functions) needs the OpenMP
  // runtime; load it into the process on first use.
  bool openmp = false;
  llvmModule.walk([&](Operation *op) {
    openmp |= isa<omp::OpenMPDialect>(op->getDialect());
  });
  if (openmp) {
    std::string error;
    if (StringRef(LOWBIT_LIBOMP).empty())
      error = "libomp was not found when LowBit was configured (install "
              "libomp-22-dev and reconfigure)";
    else
      llvm::sys::DynamicLibrary::LoadLibraryPermanently(LOWBIT_LIBOMP, &error);
    if (!error.empty())
      return llvm::createStringError(
          llvm::inconvertibleErrorCode(),
          "multi-threaded code needs the OpenMP runtime: " + error);
  }
  for (auto func : llvmModule.getOps<LLVM::LLVMFuncOp>()) {
    if (!func.isExternal() || func.getName().starts_with("llvm."))
      continue;
    if (llvm::sys::DynamicLibrary::SearchForAddressOfSymbol(
            func.getName().str()) ||
        llvm::any_of(symbols, [&](const auto &symbol) {
          return symbol.first == func.getName();
        }))
      continue;
    std::string message = ("external function '" + func.getName() +
                           "' is not defined in the module or the process")
                              .str();
    func.emitError(message);
    return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
  }

  optLevel = std::min(optLevel, 3u);
  // The engine generates code for the host CPU (name and features); give the
  // optimizer the same target so that its cost models know AVX-512 & co.
  auto hostBuilder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!hostBuilder)
    return hostBuilder.takeError();
  auto hostMachine = hostBuilder->createTargetMachine();
  if (!hostMachine)
    return hostMachine.takeError();
  auto transformer = makeOptimizingTransformer(optLevel, /*sizeLevel=*/0,
                                               hostMachine->get());
  ExecutionEngineOptions options;
  options.transformer = transformer;
  options.jitCodeGenOptLevel = static_cast<llvm::CodeGenOptLevel>(optLevel);
  options.enableGDBNotificationListener = false;
  options.enablePerfNotificationListener = false;
  auto engine = ExecutionEngine::create(llvmModule, options);
  if (!engine)
    return engine.takeError();
  if (!symbols.empty())
    (*engine)->registerSymbols([&](llvm::orc::MangleAndInterner interner) {
      llvm::orc::SymbolMap map;
      for (auto [name, address] : symbols)
        map[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(address),
                               llvm::JITSymbolFlags::Exported};
      return map;
    });
  (*engine)->initialize();
  // Looking the entry up materializes the module: code generation happens
  // here, so that call() only runs it.
  auto entry = (*engine)->lookupPacked("_mlir_ciface_" + signature.name);
  if (!entry)
    return entry.takeError();
  return std::unique_ptr<JitFunction>(
      new JitFunction(std::move(*engine), signature, *entry));
}

namespace {
/// A 64-byte aligned host buffer holding one argument.
struct AlignedBuffer {
  explicit AlignedBuffer(size_t bytes) {
    size_t rounded = std::max<size_t>((bytes + 63) / 64 * 64, 64);
    ptr = std::aligned_alloc(64, rounded);
  }
  ~AlignedBuffer() { std::free(ptr); }
  AlignedBuffer(const AlignedBuffer &) = delete;
  AlignedBuffer &operator=(const AlignedBuffer &) = delete;
  void *ptr;
};

/// Bytes per element in memory: i1 is stored as one byte.
unsigned storageBytes(Type type) {
  return std::max(1u, (type.getIntOrFloatBitWidth() + 7) / 8);
}

/// The pointer MemRefToLLVM stores as the "allocated" pointer of memrefs
/// that come from memref.get_global; such memrefs must never be freed.
constexpr uintptr_t kGlobalAllocatedPtr = 0xdeadbeef;
} // namespace

llvm::Error JitFunction::invokePacked(MutableArrayRef<void *> args) {
  entry(args.data());
  return llvm::Error::success();
}

llvm::Expected<std::vector<npy::Array>>
JitFunction::call(ArrayRef<npy::Array> inputs) {
  auto fail = [](const llvm::Twine &msg) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
  };
  if (inputs.size() != signature.inputs.size())
    return fail("expected " + llvm::Twine(signature.inputs.size()) +
                " inputs, got " + llvm::Twine(inputs.size()));

  // Inputs: an aligned copy of the data and a descriptor
  // {allocated, aligned, offset, sizes[rank], strides[rank]} (all 64-bit).
  std::vector<std::unique_ptr<AlignedBuffer>> buffers;
  std::vector<std::vector<int64_t>> descriptors;
  llvm::SmallPtrSet<void *, 8> inputPtrs;
  for (auto [array, type] : llvm::zip_equal(inputs, signature.inputs)) {
    if (llvm::Error err = checkArgument(type, array, "input"))
      return std::move(err);
    buffers.push_back(std::make_unique<AlignedBuffer>(array.data.size()));
    void *ptr = buffers.back()->ptr;
    if (!ptr)
      return fail("out of memory for an input of " +
                  llvm::Twine(array.data.size()) + " bytes");
    if (!array.data.empty())
      std::memcpy(ptr, array.data.data(), array.data.size());
    inputPtrs.insert(ptr);
    size_t rank = array.shape.size();
    std::vector<int64_t> desc(3 + 2 * rank);
    desc[0] = desc[1] = static_cast<int64_t>(reinterpret_cast<uintptr_t>(ptr));
    desc[2] = 0;
    int64_t stride = 1;
    for (size_t d = rank; d-- > 0;) {
      desc[3 + d] = array.shape[d];
      desc[3 + rank + d] = stride;
      stride *= std::max<int64_t>(array.shape[d], 1);
    }
    descriptors.push_back(std::move(desc));
  }

  // Results: the C interface writes a struct of descriptors (every field is
  // 64 bits wide, so there is no padding) through its first argument.
  size_t resultWords = 0;
  for (RankedTensorType type : signature.results)
    resultWords += 3 + 2 * type.getRank();
  std::vector<int64_t> resultStruct(std::max<size_t>(resultWords, 1), 0);

  // Packed calling convention: one pointer to each argument's value.
  void *resultPtr = resultStruct.data();
  std::vector<void *> descriptorPtrs;
  for (std::vector<int64_t> &desc : descriptors)
    descriptorPtrs.push_back(desc.data());
  std::vector<void *> args;
  if (!signature.results.empty())
    args.push_back(&resultPtr);
  for (void *&ptr : descriptorPtrs)
    args.push_back(&ptr);
  entry(args.data());

  // Copy the results out in C order, then free their buffers (each once,
  // never an input's buffer or a global's).
  std::vector<npy::Array> results;
  llvm::SmallPtrSet<void *, 8> toFree;
  const int64_t *word = resultStruct.data();
  for (RankedTensorType type : signature.results) {
    size_t rank = type.getRank();
    void *allocated = reinterpret_cast<void *>(word[0]);
    const uint8_t *aligned = reinterpret_cast<const uint8_t *>(word[1]);
    int64_t offset = word[2];
    ArrayRef<int64_t> sizes(word + 3, rank), strides(word + 3 + rank, rank);
    word += 3 + 2 * rank;

    npy::Array array;
    array.dtype = *getNpyDType(type.getElementType());
    array.shape.assign(sizes.begin(), sizes.end());
    for (size_t d = 0; d < rank; ++d)
      if (sizes[d] < 0 ||
          (!type.isDynamicDim(d) && type.getDimSize(d) != sizes[d]))
        return fail("result has shape " + formatShape(sizes) +
                    ", which does not match its type " + typeToString(type));
    unsigned elemBytes = storageBytes(type.getElementType());
    int64_t count = array.numElements();
    array.data.resize(count * elemBytes);
    // Row-major strides (ignoring unit dimensions) allow one memcpy.
    bool contiguous = true;
    int64_t expectedStride = 1;
    for (size_t d = rank; d-- > 0;) {
      if (sizes[d] != 1 && strides[d] != expectedStride)
        contiguous = false;
      expectedStride *= sizes[d];
    }
    if (count > 0 && contiguous) {
      std::memcpy(array.data.data(), aligned + offset * elemBytes,
                  array.data.size());
    } else if (count > 0) {
      // Walk the elements in C order, following the strides.
      std::vector<int64_t> index(rank, 0);
      for (int64_t n = 0; n < count; ++n) {
        int64_t linear = offset;
        for (size_t d = 0; d < rank; ++d)
          linear += index[d] * strides[d];
        std::memcpy(&array.data[n * elemBytes], aligned + linear * elemBytes,
                    elemBytes);
        for (size_t d = rank; d-- > 0;) {
          if (++index[d] < sizes[d])
            break;
          index[d] = 0;
        }
      }
    }
    if (type.getElementType().isInteger(1))
      for (uint8_t &b : array.data)
        b = b & 1;
    results.push_back(std::move(array));
    if (allocated && !inputPtrs.contains(allocated) &&
        reinterpret_cast<uintptr_t>(allocated) != kGlobalAllocatedPtr)
      toFree.insert(allocated);
  }
  for (void *ptr : toFree)
    std::free(ptr);
  return results;
}

//===----------------------------------------------------------------------===//
// Printing
//===----------------------------------------------------------------------===//

static std::string formatFloat(double value, int digits) {
  if (std::isnan(value))
    return "nan";
  if (std::isinf(value))
    return value < 0 ? "-inf" : "inf";
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*g", digits, value);
  return buf;
}

static double halfToDouble(uint16_t bits) {
  llvm::APFloat value(llvm::APFloat::IEEEhalf(), llvm::APInt(16, bits));
  bool losesInfo;
  value.convert(llvm::APFloat::IEEEdouble(),
                llvm::APFloat::rmNearestTiesToEven, &losesInfo);
  return value.convertToDouble();
}

std::string runner::formatElement(Type type, const uint8_t *data) {
  if (type.isF64()) {
    double v;
    std::memcpy(&v, data, 8);
    return formatFloat(v, 17);
  }
  if (type.isF32()) {
    float v;
    std::memcpy(&v, data, 4);
    return formatFloat(v, 9);
  }
  if (type.isF16() || type.isBF16()) {
    uint16_t bits;
    std::memcpy(&bits, data, 2);
    if (type.isF16())
      return formatFloat(halfToDouble(bits), 5);
    uint32_t f32Bits = uint32_t(bits) << 16;
    float v;
    std::memcpy(&v, &f32Bits, 4);
    return formatFloat(v, 4);
  }
  auto intType = cast<IntegerType>(type);
  unsigned width = intType.getWidth();
  if (width == 1)
    return data[0] ? "true" : "false";
  uint64_t bits = 0;
  std::memcpy(&bits, data, width / 8);
  if (intType.isUnsigned())
    return std::to_string(bits);
  return std::to_string(llvm::SignExtend64(bits, width));
}

void runner::printArray(llvm::raw_ostream &os, StringRef label,
                        Type elementType, const npy::Array &array) {
  os << label << ": shape=[";
  llvm::interleave(array.shape, os, ", ");
  os << "] dtype=" << typeToString(elementType) << "\n";
  int64_t count = array.numElements();
  if (count == 0) {
    os << "  <empty>\n";
    return;
  }
  unsigned elemBytes = storageBytes(elementType);
  size_t rank = array.shape.size();
  int64_t rowLength = rank == 0 ? 1 : array.shape.back();
  std::vector<int64_t> index(rank > 0 ? rank - 1 : 0, 0);
  for (int64_t start = 0; start < count; start += rowLength) {
    os << "  ";
    if (rank > 1) {
      os << "[";
      llvm::interleave(index, os, ", ");
      os << "]: ";
    }
    for (int64_t j = 0; j < rowLength; ++j) {
      if (j)
        os << ", ";
      os << formatElement(elementType, &array.data[(start + j) * elemBytes]);
    }
    os << "\n";
    for (size_t d = index.size(); d-- > 0;) {
      if (++index[d] < array.shape[d])
        break;
      index[d] = 0;
    }
  }
}
