//===- LowBitMatmulToVector.h - fast CPU lowering of lowbit.matmul -*- C++ -*-===//
//
// Lowers the common fused quantized matmuls (weight-only W4/W8 x f32, W8A8 with
// i32 accumulation) to tiled loops of 1-D vector operations that unpack the
// codes in registers. Every other lowbit op, and every matmul outside these
// cases, is left for the reference lowering (convert-lowbit-to-linalg). The
// packed layouts the kernels read are described in docs/cpu-codegen.md.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_CONVERSION_LOWBITMATMULTOVECTOR_LOWBITMATMULTOVECTOR_H
#define LOWBIT_CONVERSION_LOWBITMATMULTOVECTOR_LOWBITMATMULTOVECTOR_H

#include "mlir/Pass/Pass.h"
#include "mlir/Transforms/DialectConversion.h"

namespace mlir {
namespace arith {
class ArithDialect;
} // namespace arith
namespace bufferization {
class BufferizationDialect;
} // namespace bufferization
namespace linalg {
class LinalgDialect;
} // namespace linalg
namespace LLVM {
class LLVMDialect;
} // namespace LLVM
namespace memref {
class MemRefDialect;
} // namespace memref
namespace scf {
class SCFDialect;
} // namespace scf
namespace tensor {
class TensorDialect;
} // namespace tensor
namespace vector {
class VectorDialect;
} // namespace vector
namespace lowbit {
class MatmulOp;

#define GEN_PASS_DECL_CONVERTLOWBITMATMULTOVECTOR
#include "lowbit/Conversion/Passes.h.inc"

/// x86 instructions the generated code may use beyond what LLVM selects from
/// target-independent vector ops.
struct MatmulToVectorOptions {
  /// Decode 4-bit codes with vpermps (`llvm.x86.avx512.permvar.sf.512`).
  bool avx512 = false;
  /// i8 x i8 dot products with vpdpbusd (`llvm.x86.avx512.vpdpbusd.512`).
  bool vnni = false;
  /// With avx512: bf16 activations x 4-bit weights with vdpbf16ps
  /// (`llvm.x86.avx512bf16.dpbf16ps.512`).
  bool bf16 = false;
  /// Column chunks of each matmul, the iterations of one scf.forall
  /// (1: plain loops).
  unsigned parallelChunks = 1;
};

/// Whether `op` is one of the matmuls the vector lowering handles with
/// `options`.
bool isVectorizableMatmul(MatmulOp op, const MatmulToVectorOptions &options);

/// Adds the vector lowering of the supported `lowbit.matmul` ops; quantized
/// operands are taken in the packed storage `typeConverter` gives them (that
/// of convert-lowbit-to-linalg).
void populateLowBitMatmulToVectorPatterns(const TypeConverter &typeConverter,
                                          RewritePatternSet &patterns,
                                          const MatmulToVectorOptions &options);

} // namespace lowbit
} // namespace mlir

#endif // LOWBIT_CONVERSION_LOWBITMATMULTOVECTOR_LOWBITMATMULTOVECTOR_H
