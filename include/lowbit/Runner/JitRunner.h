//===- JitRunner.h - JIT-calling functions on tensors -----------*- C++ -*-===//
//
// Calls a `func.func` whose arguments and results are ranked tensors (static
// or dynamic shapes) on host arrays, through MLIR's ExecutionEngine:
//
//   1. prepareEntry() finds the function, checks its signature and marks it
//      `llvm.emit_c_interface`;
//   2. lowerToLLVM() (Pipeline.h) lowers the module; tensors become memrefs
//      with identity layouts;
//   3. JitFunction::create() JIT-compiles the LLVM dialect module;
//   4. JitFunction::call() passes each argument as a memref descriptor
//      {allocated, aligned, offset, sizes[rank], strides[rank]} to
//      `_mlir_ciface_<entry>`, which writes the descriptors of the results
//      (all packed in one struct) through its first argument; the results'
//      data is copied out in C order and their buffers are freed.
//
// Host arrays are npy::Array values (Npy.h). Element types and the numpy
// dtypes they exchange with:
//
//   MLIR            written as   also accepted
//   f64             <f8
//   f32             <f4
//   f16             <f2
//   bf16            <u2 (bits)   <V2, |V2 (raw bytes, e.g. ml_dtypes.bfloat16)
//   i1              |b1
//   i8, si8         |i1          |u1 for signless i8
//   i16/i32/i64     <i2/<i4/<i8  <u2/<u4/<u8 for signless types
//   si16/si32/si64  <i2/<i4/<i8
//   ui8/ui16/...    |u1/<u2/...
//
// bf16 values are their 16 raw bits: the upper half of the f32 with the same
// sign, exponent and leading mantissa bits.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_RUNNER_JITRUNNER_H
#define LOWBIT_RUNNER_JITRUNNER_H

#include "lowbit/Runner/Npy.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Support/LLVM.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace mlir {
class ExecutionEngine;
namespace func {
class FuncOp;
} // namespace func
} // namespace mlir

namespace mlir::lowbit::runner {

/// The numpy dtype results of this element type are written with; nullopt
/// for element types the runner does not support.
std::optional<npy::DType> getNpyDType(Type elementType);

/// Whether an input array of `dtype` may be passed for `elementType` (see the
/// table above).
bool acceptsNpyDType(Type elementType, npy::DType dtype);

/// Whether `type` can cross the JIT boundary: a ranked tensor without
/// encoding of a supported element type.
bool isSupportedTensorType(Type type);

/// "(?, 4)": a tensor type's shape as numpy prints shapes, `?` for dynamic.
std::string formatShape(ArrayRef<int64_t> shape);

/// The argument and result types of an entry function.
struct EntrySignature {
  std::string name;
  SmallVector<RankedTensorType> inputs;
  SmallVector<RankedTensorType> results;
};

/// Finds `entry` in `module`, checks that it is a defined function on
/// supported tensors and marks it `llvm.emit_c_interface`. Failures are
/// reported as diagnostics (at the function's location when it exists).
FailureOr<EntrySignature> prepareEntry(ModuleOp module, StringRef entry);

/// Checks an input array against the argument type: dtype compatible, same
/// rank, equal static dimensions. `what` names the argument in the message,
/// e.g. "argument #1 ('b.npy')".
llvm::Error checkArgument(RankedTensorType type, const npy::Array &array,
                          StringRef what);

/// A JIT-compiled entry function.
class JitFunction {
public:
  ~JitFunction();

  /// JIT-compiles `llvmModule` (already lowered to the LLVM dialect, with the
  /// entry's C interface) at LLVM optimization level `optLevel` (0-3). The
  /// machine code is generated here, not on the first call: the entry is
  /// resolved once and kept.
  /// `symbols` resolve external functions that the process does not export
  /// (a runtime linked into the tool, e.g. the CUDA runtime's mgpu*).
  static llvm::Expected<std::unique_ptr<JitFunction>>
  create(ModuleOp llvmModule, const EntrySignature &signature,
         unsigned optLevel = 2,
         ArrayRef<std::pair<StringRef, void *>> symbols = {});

  /// Calls the function. `inputs` must have passed checkArgument(); results
  /// come back as C-order arrays with the dtypes of getNpyDType().
  llvm::Expected<std::vector<npy::Array>> call(ArrayRef<npy::Array> inputs);

  /// Calls `_mlir_ciface_<entry>` with the packed calling convention of
  /// ExecutionEngine::invokePacked: a pointer to the result descriptors
  /// (when there are results), then one pointer per argument to a pointer to
  /// its memref descriptor. Nothing is copied or freed: for benchmarks that
  /// own their buffers.
  llvm::Error invokePacked(MutableArrayRef<void *> args);

  const EntrySignature &getSignature() const { return signature; }

private:
  using PackedFunction = void (*)(void **);
  JitFunction(std::unique_ptr<ExecutionEngine> engine,
              const EntrySignature &signature, PackedFunction entry);

  std::unique_ptr<ExecutionEngine> engine;
  EntrySignature signature;
  PackedFunction entry;
};

/// Prints a result for `quant-run --print`:
///
///   <label>: shape=[2, 3] dtype=f32
///     [0]: 1, 2.5, 3
///     [1]: 4, 5, 6
///
/// One line per innermost row, prefixed by the indices of the leading
/// dimensions (no prefix for rank 1; a single value line for rank 0;
/// `<empty>` when there are no elements). Floats use as many significant
/// digits as round-trip the type exactly (%.9g for f32, %.17g for f64, %.5g
/// for f16, %.4g for bf16); `nan`, `inf`, `-inf`; i1 prints `true`/`false`.
void printArray(llvm::raw_ostream &os, StringRef label, Type elementType,
                const npy::Array &array);

/// Formats one element stored at `data` as printArray() does.
std::string formatElement(Type elementType, const uint8_t *data);

} // namespace mlir::lowbit::runner

#endif // LOWBIT_RUNNER_JITRUNNER_H
