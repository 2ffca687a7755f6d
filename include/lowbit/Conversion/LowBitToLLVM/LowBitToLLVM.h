//===- LowBitToLLVM.h - lowering programs to the LLVM dialect --*- C++ -*-===//
//
// The lowering that `quant-run` applies before JIT compilation and that
// quant-opt registers as `lowbit-to-llvm`, as a reusable pass pipeline (no
// JIT here: lowbit/Runner/JitRunner.h compiles its result): functions on tensors written with linalg, tensor, arith, math,
// scf, affine and bufferization ops become LLVM dialect functions whose tensor
// arguments and results are memref descriptors with identity layouts.
//
// Stages (all upstream passes except those marked LowBit):
//   0. LowBit: decompose linalg aggregated ops (linalg.softmax) on tensors;
//      then convert-elementwise-to-linalg (arith/math ops on whole tensors)
//   1. one-shot-bufferize{bufferize-function-boundaries
//        function-boundary-type-conversion=identity-layout-map}
//   2. buffer-deallocation-pipeline (ownership-based: returned buffers are
//      always fresh allocations owned by the caller, never aliases of the
//      arguments or of constant globals), convert-bufferization-to-memref,
//      scf-forall-to-parallel; with threads > 1 also
//      convert-scf-to-openmp{num-threads=threads} (and in stage 4 LowBit's
//      inlining of memref.alloca_scope, in stage 6 convert-openmp-to-llvm):
//      the code then calls the OpenMP runtime (libomp.so of this LLVM, which
//      JitFunction loads)
//   3. LowBit: memref.copy between non-identity layouts -> linalg.copy (so the
//      JIT needs no `memrefCopy` from libmlir_c_runner_utils)
//   4. convert-linalg-to-loops, convert-vector-to-scf, lower-affine,
//      convert-scf-to-cf
//   5. math-extend-to-supported-types (f16/bf16 math computed in f32),
//      arith-emulate-unsupported-floats{source-types=bf16} and
//      arith-expand{include-bf16} (bf16 arithmetic in f32, f32->bf16 rounding
//      as integer code, so no `__truncsfbf2` runtime routine is needed)
//   6. convert-vector-to-llvm, expand-strided-metadata, lower-affine,
//      finalize-memref-to-llvm,
//      convert-math-to-llvm,
//      convert-math-to-libm, convert-arith-to-llvm, convert-index-to-llvm,
//      convert-func-to-llvm, convert-cf-to-llvm, convert-ub-to-llvm,
//      reconcile-unrealized-casts
//
// LowBit's own lowerings (e.g. `lowbit` ops to linalg/arith on tensors) go in
// front of this pipeline: add them to the pass manager before calling
// buildTensorToLLVMPipeline(), or pass them to lowerToLLVM().
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_CONVERSION_LOWBITTOLLVM_LOWBITTOLLVM_H
#define LOWBIT_CONVERSION_LOWBITTOLLVM_LOWBITTOLLVM_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Support/LLVM.h"

#include <memory>

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace mlir::lowbit {

#define GEN_PASS_DECL_LOWBITDECOMPOSEAGGREGATEDOPS
#define GEN_PASS_DECL_LOWBITMEMREFCOPYTOLINALG
#define GEN_PASS_DECL_LOWBITINLINEALLOCASCOPES
#define GEN_PASS_DECL_CONVERTLOWBITX86TOLLVM
#include "lowbit/Conversion/Passes.h.inc"

/// Registers the dialects the pipeline consumes and produces, their
/// bufferization and convert-to-LLVM interfaces, and the builtin/LLVM dialect
/// translations to LLVM IR that JIT compilation needs.
void registerLowBitToLLVMDialects(DialectRegistry &registry);

/// Adds the tensor-to-LLVM lowering described above to `pm`, which must be
/// anchored on (or nest) builtin.module; with `threads` > 1, scf.parallel
/// loops run as OpenMP parallel loops on that many threads.
void buildTensorToLLVMPipeline(OpPassManager &pm, unsigned threads = 1);

/// Its first half: aggregated ops decomposed, elementwise ops to
/// linalg.generic (fused into chains when `fuseElementwise`), tensors to
/// buffers with identity layouts at function boundaries, buffer
/// deallocation.
void buildTensorToBuffersPipeline(OpPassManager &pm,
                                  bool fuseElementwise = false);

/// Its second half, for programs already on buffers: loops (scf.parallel
/// as OpenMP loops on `threads` threads when `threads` > 1) and everything
/// to the LLVM dialect.
void buildBuffersToLLVMPipeline(OpPassManager &pm, unsigned threads = 1);

/// The last step of both: memref (strided metadata already expanded),
/// math, arith, index, func, cf and ub to the LLVM dialect, casts
/// reconciled.
void buildStandardToLLVMPasses(OpPassManager &pm);

/// The LowBit passes of stages 0, 3 and 4 (declared in Passes.td):
/// createLowBitDecomposeAggregatedOps(), createLowBitMemRefCopyToLinalg(),
/// createLowBitInlineAllocaScopes().

/// Options of the `lowbit-to-llvm` pipeline.
struct LowBitToLLVMOptions : public PassPipelineOptions<LowBitToLLVMOptions> {
  Option<bool> referenceOnly{
      *this, "reference-only",
      llvm::cl::desc("Lower every lowbit op with the reference lowering "
                     "(convert-lowbit-to-linalg) only, the oracle for the "
                     "fast matmul code"),
      llvm::cl::init(false)};
  Option<unsigned> threads{
      *this, "threads",
      llvm::cl::desc("Threads for each vectorized matmul: its output "
                     "columns in this many chunks (convert-lowbit-matmul-to-"
                     "vector parallel-chunks) run as an OpenMP parallel loop "
                     "(convert-scf-to-openmp), so the code then calls the "
                     "OpenMP runtime (libomp.so); 1 is single-threaded code"),
      llvm::cl::init(1)};
};

/// Whether the host CPU has AVX512-VNNI (what the fast W8A8 code uses).
bool hostHasVNNI();

/// Whether the host CPU has AVX-512F (the fast 4-bit decoding uses it).
bool hostHasAVX512();

/// Whether the host CPU has AVX512-BF16 (bf16 x 4-bit weight-only products).
bool hostHasAVX512BF16();

/// Adds the lowering of lowbit ops to upstream ops on tensors: the vector
/// lowering of the common fused matmuls (convert-lowbit-matmul-to-vector,
/// with the AVX-512, VNNI and BF16 instructions the host has, in `threads`
/// column chunks) unless `referenceOnly`, then the reference lowering of
/// everything else and reconcile-unrealized-casts.
void addLowBitLoweringPasses(OpPassManager &pm, bool referenceOnly = false,
                             unsigned threads = 1);

/// Adds the whole lowering of a program using lowbit ops:
/// addLowBitLoweringPasses() and then the pipeline above. This is the
/// `lowbit-to-llvm` pipeline of quant-opt and what quant-run applies.
void buildLowBitToLLVMPipeline(OpPassManager &pm,
                               const LowBitToLLVMOptions &options = {});

/// Registers `lowbit-to-llvm` as a named pass pipeline.
void registerLowBitPipelines();

/// Runs `addFrontPasses` (if given) and then the pipeline on `module`, and
/// checks that only LLVM dialect ops remain; anything left over is reported
/// as an error at its location. Diagnostics go to the context's handler.
/// `threads` as for buildTensorToLLVMPipeline().
/// Runs the pipeline `buildPipeline` adds on `module` (anchored on
/// builtin.module) and checks that only LLVM dialect ops (and OpenMP ops,
/// which translate as they are) remain, as lowerToLLVM() does; for other
/// pipelines to LLVM such as lowbit-to-nvvm.
LogicalResult
runPipelineToLLVM(ModuleOp module,
                  function_ref<void(OpPassManager &)> buildPipeline);

LogicalResult
lowerToLLVM(ModuleOp module,
            function_ref<void(OpPassManager &)> addFrontPasses = nullptr,
            unsigned threads = 1);

} // namespace mlir::lowbit

#endif // LOWBIT_CONVERSION_LOWBITTOLLVM_LOWBITTOLLVM_H
