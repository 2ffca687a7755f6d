//===- LowBitToLLVM.cpp - lowering programs to the LLVM dialect -----------===//

#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"

#include "lowbit/Conversion/LowBitMatmulToVector/LowBitMatmulToVector.h"
#include "lowbit/Conversion/LowBitToLinalg/LowBitToLinalg.h"
#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"
#include "lowbit/Dialect/LowBitX86/IR/LowBitX86.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Affine/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferViewFlowOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Arith/Transforms/Passes.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/FuncBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlow.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/ControlFlow/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Index/IR/IndexDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/Linalg/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Linalg/Transforms/SubsetInsertionOpInterfaceImpl.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Math/Transforms/Passes.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/AllocationOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/BufferViewFlowOpInterfaceImpl.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferDeallocationOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/SCF/Transforms/Passes.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/IR/ValueBoundsOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Tensor/Transforms/SubsetInsertionOpInterfaceImpl.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Dialect/Vector/Transforms/BufferizableOpInterfaceImpl.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVMIR/Dialect/Builtin/BuiltinToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/LLVMIR/LLVMToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/OpenMP/OpenMPToLLVMIRTranslation.h"
#include "llvm/TargetParser/Host.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_LOWBITDECOMPOSEAGGREGATEDOPS
#define GEN_PASS_DEF_LOWBITMEMREFCOPYTOLINALG
#define GEN_PASS_DEF_LOWBITINLINEALLOCASCOPES
#define GEN_PASS_DEF_CONVERTLOWBITX86TOLLVM
#include "lowbit/Conversion/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;

namespace {

} // namespace

void lowbit::registerLowBitToLLVMDialects(DialectRegistry &registry) {
  registry
      .insert<lowbit::LowBitDialect, affine::AffineDialect, arith::ArithDialect,
              bufferization::BufferizationDialect, cf::ControlFlowDialect,
              func::FuncDialect, index::IndexDialect, linalg::LinalgDialect,
              LLVM::LLVMDialect, math::MathDialect, memref::MemRefDialect,
              scf::SCFDialect, tensor::TensorDialect, ub::UBDialect,
              omp::OpenMPDialect, vector::VectorDialect,
              lowbit::x86::LowBitX86Dialect, x86vector::X86VectorDialect>();

  // Bufferization and buffer deallocation.
  arith::registerBufferizableOpInterfaceExternalModels(registry);
  arith::registerBufferDeallocationOpInterfaceExternalModels(registry);
  arith::registerBufferViewFlowOpInterfaceExternalModels(registry);
  bufferization::func_ext::registerBufferizableOpInterfaceExternalModels(
      registry);
  cf::registerBufferizableOpInterfaceExternalModels(registry);
  cf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  linalg::registerBufferizableOpInterfaceExternalModels(registry);
  linalg::registerSubsetOpInterfaceExternalModels(registry);
  memref::registerAllocationOpInterfaceExternalModels(registry);
  memref::registerBufferViewFlowOpInterfaceExternalModels(registry);
  scf::registerBufferizableOpInterfaceExternalModels(registry);
  scf::registerBufferDeallocationOpInterfaceExternalModels(registry);
  tensor::registerBufferizableOpInterfaceExternalModels(registry);
  tensor::registerSubsetOpInterfaceExternalModels(registry);
  vector::registerBufferizableOpInterfaceExternalModels(registry);

  // Value bounds, used when folding and reifying shapes.
  affine::registerValueBoundsOpInterfaceExternalModels(registry);
  arith::registerValueBoundsOpInterfaceExternalModels(registry);
  linalg::registerValueBoundsOpInterfaceExternalModels(registry);
  memref::registerValueBoundsOpInterfaceExternalModels(registry);
  scf::registerValueBoundsOpInterfaceExternalModels(registry);
  tensor::registerValueBoundsOpInterfaceExternalModels(registry);

  // Translation of the final module to LLVM IR.
  registerBuiltinDialectTranslation(registry);
  registerLLVMDialectTranslation(registry);
  registerOpenMPDialectTranslation(registry);
}

namespace {

/// Rewrites `memref.copy` ops that the LLVM lowering would turn into a call
/// to the `memrefCopy` runtime routine (copies where either side has a
/// non-identity layout) into `linalg.copy`, which becomes plain loops.
struct MemRefCopyToLinalgPass
    : public mlir::lowbit::impl::LowBitMemRefCopyToLinalgBase<
          MemRefCopyToLinalgPass> {

  void runOnOperation() override {
    SmallVector<memref::CopyOp> copies;
    getOperation().walk([&](memref::CopyOp copy) {
      auto src = dyn_cast<MemRefType>(copy.getSource().getType());
      auto dst = dyn_cast<MemRefType>(copy.getTarget().getType());
      if (src && dst &&
          (!src.getLayout().isIdentity() || !dst.getLayout().isIdentity()))
        copies.push_back(copy);
    });
    for (memref::CopyOp copy : copies) {
      OpBuilder builder(copy);
      linalg::CopyOp::create(builder, copy.getLoc(),
                             ValueRange{copy.getSource()},
                             ValueRange{copy.getTarget()});
      copy.erase();
    }
  }
};

/// Replaces each `memref.alloca_scope` by its body, between an
/// `llvm.intr.stacksave` and `llvm.intr.stackrestore` when the body holds
/// allocas. The OpenMP lowering wraps every parallel loop body in a scope
/// (thread-private allocas) and the scope's region must stay one block,
/// which lowering the loops inside it to branches would break.
struct InlineAllocaScopesPass
    : public mlir::lowbit::impl::LowBitInlineAllocaScopesBase<
          InlineAllocaScopesPass> {

  void runOnOperation() override {
    SmallVector<memref::AllocaScopeOp> scopes;
    // Post-order: inner scopes are inlined into outer ones first.
    getOperation().walk(
        [&](memref::AllocaScopeOp scope) { scopes.push_back(scope); });
    for (memref::AllocaScopeOp scope : scopes) {
      bool allocates = false;
      scope.getBodyRegion().walk([&](memref::AllocaOp) { allocates = true; });
      Block &body = scope.getBodyRegion().front();
      auto ret = cast<memref::AllocaScopeReturnOp>(body.getTerminator());
      OpBuilder builder(scope);
      Value stack;
      if (allocates)
        stack = LLVM::StackSaveOp::create(
            builder, scope.getLoc(),
            LLVM::LLVMPointerType::get(builder.getContext()));
      SmallVector<Value> results(ret.getResults());
      ret.erase();
      scope->getBlock()->getOperations().splice(Block::iterator(scope),
                                                body.getOperations());
      if (allocates)
        LLVM::StackRestoreOp::create(builder, scope.getLoc(), stack);
      scope.replaceAllUsesWith(results);
      scope.erase();
    }
  }
};

/// Rewrites one lowbit_x86 op into the call of its LLVM intrinsic.
template <typename OpTy>
struct X86OpToIntrinsic : public OpRewritePattern<OpTy> {
  using OpRewritePattern<OpTy>::OpRewritePattern;
  LogicalResult matchAndRewrite(OpTy op,
                                PatternRewriter &rewriter) const override {
    rewriter.replaceOpWithNewOp<LLVM::CallIntrinsicOp>(
        op, op->getResult(0).getType(),
        rewriter.getStringAttr(op.getIntrinsicName()),
        ValueRange(op->getOperands()));
    return success();
  }
};

struct ConvertLowBitX86ToLLVMPass
    : public mlir::lowbit::impl::ConvertLowBitX86ToLLVMBase<
          ConvertLowBitX86ToLLVMPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<X86OpToIntrinsic<lowbit::x86::VpdpbusdOp>,
                 X86OpToIntrinsic<lowbit::x86::PermpsOp>,
                 X86OpToIntrinsic<lowbit::x86::PermwOp>,
                 X86OpToIntrinsic<lowbit::x86::Permi2wOp>>(&getContext());
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

/// Decomposes ops with linalg::AggregatedOpInterface (linalg.softmax, the
/// winograd transforms) on tensors into the linalg/arith ops they stand for,
/// which bufferize and lower to loops.
struct DecomposeAggregatedOpsPass
    : public mlir::lowbit::impl::LowBitDecomposeAggregatedOpsBase<
          DecomposeAggregatedOpsPass> {

  void runOnOperation() override {
    SmallVector<linalg::AggregatedOpInterface> ops;
    getOperation().walk([&](linalg::AggregatedOpInterface op) {
      if (op->getNumResults() > 0) // Tensor semantics.
        ops.push_back(op);
    });
    for (linalg::AggregatedOpInterface op : ops) {
      OpBuilder builder(op);
      FailureOr<SmallVector<Value>> replacements =
          op.decomposeOperation(builder);
      if (failed(replacements))
        continue; // Left for bufferization to report.
      op->replaceAllUsesWith(*replacements);
      op->erase();
    }
  }
};

} // namespace

void lowbit::buildTensorToLLVMPipeline(OpPassManager &pm,
                                               unsigned threads) {
  buildTensorToBuffersPipeline(pm);
  buildBuffersToLLVMPipeline(pm, threads);
}

void lowbit::buildTensorToBuffersPipeline(OpPassManager &pm,
                                          bool fuseElementwise) {
  // 0. Aggregated ops (linalg.softmax) to the structured ops they stand for,
  // elementwise arith/math ops on tensors to linalg.generic (fused into
  // chains on request).
  pm.addPass(createLowBitDecomposeAggregatedOps());
  pm.addPass(createConvertElementwiseToLinalgPass());
  if (fuseElementwise)
    pm.addPass(createLinalgElementwiseOpFusionPass());

  // 1-2. Tensors to buffers; every buffer the function returns is a fresh
  // allocation owned by the caller.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(createConvertBufferizationToMemRefPass());
}

void lowbit::buildBuffersToLLVMPipeline(OpPassManager &pm, unsigned threads) {
  // 2b. scf.forall (the column chunks of the vector kernels) to scf.parallel,
  // which runs as sequential loops, or with threads > 1 as an OpenMP
  // parallel loop on that many threads (one chunk per thread; the runtime's
  // workers spin between calls, so a call pays no thread wake-up).
  pm.addPass(createForallToParallelLoopPass());
  if (threads > 1) {
    ConvertSCFToOpenMPPassOptions openmp;
    openmp.numThreads = threads;
    pm.addPass(createConvertSCFToOpenMPPass(openmp));
  }

  // 3-4. Structured ops and copies to loops, loops to branches.
  pm.addPass(createLowBitMemRefCopyToLinalg());
  pm.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createConvertVectorToSCFPass());
  if (threads > 1)
    pm.addPass(createLowBitInlineAllocaScopes());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());

  // 5. Low-precision floats: compute bf16 (and f16 math) in f32 and round
  // f32 -> bf16 in integer code, so the JIT needs no compiler-rt routines.
  math::MathExtendToSupportedTypesOptions mathExtend;
  pm.addPass(math::createMathExtendToSupportedTypes(mathExtend));
  arith::ArithEmulateUnsupportedFloatsOptions emulate;
  emulate.sourceTypeStrs = {"bf16"};
  emulate.targetTypeStr = "f32";
  pm.addPass(arith::createArithEmulateUnsupportedFloats(emulate));
  arith::ArithExpandOpsPassOptions expand;
  expand.includeBf16 = true;
  pm.addPass(arith::createArithExpandOpsPass(expand));

  // 6. Everything to the LLVM dialect: the kernels' x86 instructions
  // (lowbit_x86, upstream x86vector) to their intrinsics first.
  pm.addPass(createConvertLowBitX86ToLLVM());
  ConvertVectorToLLVMPassOptions vectorToLLVM;
  vectorToLLVM.x86Vector = true;
  pm.addPass(createConvertVectorToLLVMPass(vectorToLLVM));
  // OpenMP ops stay, with LLVM types, for the translation to LLVM IR.
  if (threads > 1)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  buildStandardToLLVMPasses(pm);
}

void lowbit::buildStandardToLLVMPasses(OpPassManager &pm) {
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createUBToLLVMConversionPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
}

bool lowbit::hostHasVNNI() {
  return llvm::sys::getHostCPUFeatures().lookup("avx512vnni");
}

bool lowbit::hostHasAVX512() {
  return llvm::sys::getHostCPUFeatures().lookup("avx512f");
}

bool lowbit::hostHasAVX512BF16() {
  return llvm::sys::getHostCPUFeatures().lookup("avx512bf16");
}

void lowbit::addLowBitLoweringPasses(OpPassManager &pm,
                                             bool referenceOnly,
                                             unsigned threads) {
  if (!referenceOnly) {
    ConvertLowBitMatmulToVectorOptions vector;
    vector.avx512 = hostHasAVX512();
    vector.vnni = hostHasVNNI();
    vector.bf16 = hostHasAVX512BF16();
    vector.parallelChunks = std::max(threads, 1u);
    pm.addPass(createConvertLowBitMatmulToVector(vector));
  }
  pm.addPass(createConvertLowBitToLinalg());
  // The fast path reads quantized operands through casts to their storage
  // type; the reference lowering makes those casts trivial.
  pm.addPass(createReconcileUnrealizedCastsPass());
}

void lowbit::buildLowBitToLLVMPipeline(
    OpPassManager &pm, const LowBitToLLVMOptions &options) {
  addLowBitLoweringPasses(pm, options.referenceOnly, options.threads);
  buildTensorToLLVMPipeline(pm, options.threads);
}

void lowbit::registerLowBitPipelines() {
  PassPipelineRegistration<LowBitToLLVMOptions>(
      "lowbit-to-llvm",
      "Lower a program with lowbit ops on tensors to the LLVM dialect "
      "(convert-lowbit-matmul-to-vector unless reference-only, "
      "convert-lowbit-to-linalg, bufferization, loops, LLVM)",
      [](OpPassManager &pm, const LowBitToLLVMOptions &options) {
        buildLowBitToLLVMPipeline(pm, options);
      });
}

LogicalResult
lowbit::lowerToLLVM(ModuleOp module,
                            function_ref<void(OpPassManager &)> addFrontPasses,
                            unsigned threads) {
  return runPipelineToLLVM(module, [&](OpPassManager &pm) {
    if (addFrontPasses)
      addFrontPasses(pm);
    buildTensorToLLVMPipeline(pm, threads);
  });
}

LogicalResult lowbit::runPipelineToLLVM(
    ModuleOp module, function_ref<void(OpPassManager &)> buildPipeline) {
  // Anchored on builtin.module: a pass manager with the `any` anchor would
  // nest the module passes.
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  buildPipeline(pm);
  if (failed(pm.run(module)))
    return failure();
  // Anything that is not LLVM dialect now could not be lowered (OpenMP ops,
  // of threaded code, translate to LLVM IR as they are). Report the first
  // such op in program order, preferring real ops over the casts that
  // partial conversions leave around them.
  Operation *leftover = nullptr;
  module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op == module.getOperation() ||
        isa_and_nonnull<LLVM::LLVMDialect, omp::OpenMPDialect>(
            op->getDialect()) ||
        // GPU host code: kernels embedded as gpu.binary, launched by
        // gpu.launch_func on LLVM types; both translate to LLVM IR.
        op->getName().getStringRef() == "gpu.binary" ||
        op->getName().getStringRef() == "gpu.launch_func" ||
        op->getName().getStringRef() == "gpu.module")
      return WalkResult::advance();
    if (isa<UnrealizedConversionCastOp>(op)) {
      if (!leftover)
        leftover = op;
      return WalkResult::advance();
    }
    leftover = op;
    return WalkResult::interrupt();
  });
  if (leftover)
    return leftover->emitError("cannot lower '")
           << leftover->getName() << "' to the LLVM dialect";
  return success();
}
