//===- Emulate.cpp - GPU kernels as CPU code, for checking ----------------===//
//
// lowbit-gpu-emulate: outlined kernels become functions run by one CPU
// thread per GPU thread; warp collectives call the emulator runtime
// (lowbit/Runtime/GPUEmulator.h). See the pass description in Passes.td.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/LowBitToGPU/LowBitToGPU.h"

#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/Pass/PassManager.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_LOWBITGPUEMULATE
#include "lowbit/Conversion/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;

namespace {

/// Block ids, thread ids, block dims, grid dims (x, y, z each): the
/// arguments an emulated kernel takes after the kernel's own.
constexpr unsigned kIdArgs = 12;

func::FuncOp declare(ModuleOp module, StringRef name, FunctionType type) {
  if (auto existing = module.lookupSymbol<func::FuncOp>(name))
    return existing;
  OpBuilder b(module.getBodyRegion());
  auto func = func::FuncOp::create(b, module.getLoc(), name, type);
  func.setPrivate();
  return func;
}

struct EmulatePass
    : public mlir::lowbit::impl::LowBitGPUEmulateBase<EmulatePass> {

  /// The pointer of a rank-1 buffer as an i64, for the runtime.
  static Value pointerOf(ImplicitLocOpBuilder &b, Value buffer) {
    Value index = memref::ExtractAlignedPointerAsIndexOp::create(b, buffer);
    return arith::IndexCastOp::create(b, b.getI64Type(), index);
  }

  LogicalResult emulateKernel(ModuleOp module, gpu::GPUModuleOp gpuModule,
                              gpu::GPUFuncOp kernel) {
    if (!kernel.getWorkgroupAttributions().empty() ||
        !kernel.getPrivateAttributions().empty())
      return kernel.emitError("cannot emulate a kernel with workgroup or "
                              "private memory");
    MLIRContext *ctx = module.getContext();
    Type index = IndexType::get(ctx), i32 = IntegerType::get(ctx, 32),
         i64 = IntegerType::get(ctx, 64);
    SmallVector<Type> inputs(kernel.getArgumentTypes());
    inputs.append(kIdArgs, index);
    std::string name =
        ("__lowbit_emu_" + gpuModule.getName() + "_" + kernel.getName()).str();
    OpBuilder top(module.getBodyRegion());
    top.setInsertionPoint(gpuModule);
    auto func = func::FuncOp::create(top, kernel.getLoc(), name,
                                     FunctionType::get(ctx, inputs, {}));
    func.setPrivate();
    Region &body = func.getBody();
    body.takeBody(kernel.getBody());
    Block &entry = body.front();
    SmallVector<Value> ids;
    for (unsigned i = 0; i < kIdArgs; ++i)
      ids.push_back(entry.addArgument(index, kernel.getLoc()));

    ImplicitLocOpBuilder b(kernel.getLoc(), ctx);
    b.setInsertionPointToStart(&entry);
    // The thread's linear id in its block, and the fragment buffers of the
    // mma emulation (allocated once per thread).
    Value tid = arith::AddIOp::create(
        b, ids[3],
        arith::MulIOp::create(
            b, ids[6],
            arith::AddIOp::create(b, ids[4],
                                  arith::MulIOp::create(b, ids[7], ids[5]))));
    Value tid64 = arith::IndexCastOp::create(b, i64, tid);

    // The runtime functions, declared where first used.
    auto shuffleFn = [&] {
      return declare(module, "lowbit_emu_shuffle",
                     FunctionType::get(ctx, {i32, i32, i32, i32, i64}, {i32}));
    };
    auto mmaFn = [&](bool s8) {
      return declare(module,
                     s8 ? "lowbit_emu_mma_m16n8k32_s8"
                        : "lowbit_emu_mma_m16n8k16_f16",
                     FunctionType::get(ctx, {i64, i64, i64, i64, i64}, {}));
    };
    auto barrierFn = [&] {
      return declare(module, "lowbit_emu_block_barrier",
                     FunctionType::get(ctx, {i64}, {}));
    };

    Value fragA, fragB, fragC, fragD;
    auto words = [&](int64_t n) -> Value {
      return memref::AllocaOp::create(b, MemRefType::get({n}, i32));
    };
    SmallVector<Operation *> ops;
    body.walk([&](Operation *op) { ops.push_back(op); });
    bool needsFragments = llvm::any_of(
        ops, [](Operation *op) { return isa<nvgpu::MmaSyncOp>(op); });
    if (needsFragments) {
      fragA = words(4);
      fragB = words(2);
      fragC = words(4);
      fragD = words(4);
    }
    Value c0 = arith::ConstantIndexOp::create(b, 0);

    for (Operation *op : ops) {
      b.setLoc(op->getLoc());
      b.setInsertionPoint(op);
      auto replaceDim = [&](Value result, gpu::Dimension dim, unsigned base) {
        result.replaceAllUsesWith(ids[base + static_cast<unsigned>(dim)]);
        op->erase();
      };
      if (auto id = dyn_cast<gpu::BlockIdOp>(op)) {
        replaceDim(id, id.getDimension(), 0);
      } else if (auto id = dyn_cast<gpu::ThreadIdOp>(op)) {
        replaceDim(id, id.getDimension(), 3);
      } else if (auto dim = dyn_cast<gpu::BlockDimOp>(op)) {
        replaceDim(dim, dim.getDimension(), 6);
      } else if (auto dim = dyn_cast<gpu::GridDimOp>(op)) {
        replaceDim(dim, dim.getDimension(), 9);
      } else if (auto ret = dyn_cast<gpu::ReturnOp>(op)) {
        func::ReturnOp::create(b, ValueRange{});
        ret.erase();
      } else if (auto shuffle = dyn_cast<gpu::ShuffleOp>(op)) {
        Type type = shuffle.getValue().getType();
        if (!type.isF32() && !type.isInteger(32))
          return shuffle.emitError("cannot emulate a shuffle of ") << type;
        Value bits = type.isF32()
                         ? arith::BitcastOp::create(b, i32, shuffle.getValue())
                               .getResult()
                         : shuffle.getValue();
        Value mode = arith::ConstantIntOp::create(
            b, i32, static_cast<int64_t>(shuffle.getMode()));
        Value result =
            func::CallOp::create(b, shuffleFn(),
                                 ValueRange{bits, shuffle.getOffset(),
                                            shuffle.getWidth(), mode, tid64})
                .getResult(0);
        if (type.isF32())
          result = arith::BitcastOp::create(b, type, result);
        shuffle.getShuffleResult().replaceAllUsesWith(result);
        shuffle.getValid().replaceAllUsesWith(
            arith::ConstantIntOp::create(b, 1, 1).getResult());
        shuffle.erase();
      } else if (auto mma = dyn_cast<nvgpu::MmaSyncOp>(op)) {
        auto shape = mma.getMmaShapeAsArray();
        auto aType = cast<VectorType>(mma.getMatrixA().getType());
        bool s8 = shape == std::array<int64_t, 3>{16, 8, 32} &&
                  aType.getElementType().isInteger(8);
        bool f16 = shape == std::array<int64_t, 3>{16, 8, 16} &&
                   aType.getElementType().isF16() &&
                   cast<VectorType>(mma.getMatrixC().getType())
                       .getElementType()
                       .isF32();
        if (!s8 && !f16)
          return mma.emitError("cannot emulate this mma.sync (only m16n8k32 "
                               "on s8 and m16n8k16 on f16 with f32 "
                               "accumulators)");
        // Each fragment flattened to 32-bit words in register order.
        auto store = [&](Value fragment, Value buffer, int64_t wordCount) {
          auto type = cast<VectorType>(fragment.getType());
          Value flat = vector::ShapeCastOp::create(
              b,
              VectorType::get({type.getNumElements()}, type.getElementType()),
              fragment);
          if (!type.getElementType().isInteger(32))
            flat = vector::BitCastOp::create(
                b, VectorType::get({wordCount}, i32), flat);
          vector::StoreOp::create(b, flat, buffer, ValueRange{c0});
        };
        store(mma.getMatrixA(), fragA, 4);
        store(mma.getMatrixB(), fragB, 2);
        store(mma.getMatrixC(), fragC, 4);
        func::CallOp::create(
            b, mmaFn(s8),
            ValueRange{pointerOf(b, fragA), pointerOf(b, fragB),
                       pointerOf(b, fragC), pointerOf(b, fragD), tid64});
        Value d = vector::LoadOp::create(b, VectorType::get({4}, i32), fragD,
                                         ValueRange{c0});
        if (f16)
          d = vector::BitCastOp::create(b, VectorType::get({4}, b.getF32Type()),
                                        d);
        mma.getResult().replaceAllUsesWith(
            vector::ShapeCastOp::create(b, mma.getResult().getType(), d)
                .getResult());
        mma.erase();
      } else if (isa<gpu::BarrierOp>(op)) {
        func::CallOp::create(b, barrierFn(), ValueRange{tid64});
        op->erase();
      } else if (isa_and_nonnull<gpu::GPUDialect, nvgpu::NVGPUDialect>(
                     op->getDialect())) {
        return op->emitError("cannot emulate '") << op->getName() << "'";
      }
    }
    return success();
  }

  LogicalResult emulateLaunch(ModuleOp module, gpu::LaunchFuncOp launch) {
    if (launch.getAsyncToken() || !launch.getAsyncDependencies().empty())
      return launch.emitError("cannot emulate an async launch");
    if (launch.hasClusterSize() || launch.getDynamicSharedMemorySize())
      return launch.emitError(
          "cannot emulate a launch with clusters or dynamic shared memory");
    std::string name =
        ("__lowbit_emu_" + launch.getKernelModuleName().getValue() + "_" +
         launch.getKernelName().getValue())
            .str();
    auto kernel = module.lookupSymbol<func::FuncOp>(name);
    if (!kernel)
      return launch.emitError("no emulated kernel ") << name;
    MLIRContext *ctx = module.getContext();
    auto beginFn =
        declare(module, "lowbit_emu_block_begin",
                FunctionType::get(ctx, {IntegerType::get(ctx, 64)}, {}));
    ImplicitLocOpBuilder b(launch.getLoc(), launch);
    gpu::KernelDim3 grid = launch.getGridSizeOperandValues();
    gpu::KernelDim3 block = launch.getBlockSizeOperandValues();
    Value c0 = arith::ConstantIndexOp::create(b, 0);
    Value c1 = arith::ConstantIndexOp::create(b, 1);
    Value threads = arith::MulIOp::create(
        b, arith::MulIOp::create(b, block.x, block.y), block.z);
    SmallVector<Value> operands(launch.getKernelOperands());
    auto zLoop = scf::ForOp::create(b, c0, grid.z, c1);
    b.setInsertionPointToStart(zLoop.getBody());
    auto yLoop = scf::ForOp::create(b, c0, grid.y, c1);
    b.setInsertionPointToStart(yLoop.getBody());
    auto xLoop = scf::ForOp::create(b, c0, grid.x, c1);
    b.setInsertionPointToStart(xLoop.getBody());
    func::CallOp::create(
        b, beginFn,
        ValueRange{arith::IndexCastOp::create(b, b.getI64Type(), threads)});
    auto parallel = scf::ParallelOp::create(
        b, ValueRange{c0}, ValueRange{threads}, ValueRange{c1});
    b.setInsertionPointToStart(parallel.getBody());
    Value t = parallel.getInductionVars()[0];
    Value tx = arith::RemUIOp::create(b, t, block.x);
    Value rest = arith::DivUIOp::create(b, t, block.x);
    Value ty = arith::RemUIOp::create(b, rest, block.y);
    Value tz = arith::DivUIOp::create(b, rest, block.y);
    SmallVector<Value> args(operands);
    args.append({xLoop.getInductionVar(), yLoop.getInductionVar(),
                 zLoop.getInductionVar(), tx, ty, tz, block.x, block.y, block.z,
                 grid.x, grid.y, grid.z});
    func::CallOp::create(b, kernel, args);
    launch.erase();
    return success();
  }

  /// Host gpu.alloc/memcpy/dealloc/wait to memref ops (host memory).
  void lowerHostMemory(ModuleOp module) {
    SmallVector<Operation *> ops, waits;
    module.walk([&](Operation *op) {
      if (isa<gpu::AllocOp, gpu::MemcpyOp, gpu::DeallocOp, gpu::MemsetOp>(op))
        ops.push_back(op);
      else if (isa<gpu::WaitOp>(op))
        waits.push_back(op);
    });
    for (Operation *wait : waits)
      wait->setOperands({});
    for (Operation *op : ops) {
      ImplicitLocOpBuilder b(op->getLoc(), op);
      if (auto alloc = dyn_cast<gpu::AllocOp>(op)) {
        alloc.getMemref().replaceAllUsesWith(
            memref::AllocOp::create(b, alloc.getMemref().getType(),
                                    alloc.getDynamicSizes(),
                                    alloc.getSymbolOperands())
                .getResult());
      } else if (auto copy = dyn_cast<gpu::MemcpyOp>(op)) {
        memref::CopyOp::create(b, copy.getSrc(), copy.getDst());
      } else if (auto dealloc = dyn_cast<gpu::DeallocOp>(op)) {
        memref::DeallocOp::create(b, dealloc.getMemref());
      } else if (auto memset = dyn_cast<gpu::MemsetOp>(op)) {
        linalg::FillOp::create(b, ValueRange{memset.getValue()},
                               ValueRange{memset.getDst()});
      }
    }
    for (Operation *op : ops) {
      for (Value result : op->getResults())
        if (isa<gpu::AsyncTokenType>(result.getType()))
          result.dropAllUses();
      op->erase();
    }
    for (Operation *wait : waits) {
      for (Value result : wait->getResults())
        result.dropAllUses();
      wait->erase();
    }
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto gpuModule :
         llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>())) {
      for (auto kernel :
           llvm::make_early_inc_range(gpuModule.getOps<gpu::GPUFuncOp>())) {
        if (!kernel.isKernel())
          continue;
        if (failed(emulateKernel(module, gpuModule, kernel)))
          return signalPassFailure();
      }
    }
    SmallVector<gpu::LaunchFuncOp> launches;
    module.walk([&](gpu::LaunchFuncOp launch) { launches.push_back(launch); });
    for (gpu::LaunchFuncOp launch : launches)
      if (failed(emulateLaunch(module, launch)))
        return signalPassFailure();
    for (auto gpuModule :
         llvm::make_early_inc_range(module.getOps<gpu::GPUModuleOp>()))
      gpuModule.erase();
    module->removeAttr(gpu::GPUDialect::getContainerModuleAttrName());
    lowerHostMemory(module);
  }
};

} // namespace

void lowbit::buildGPUEmulatorToLLVMPipeline(OpPassManager &pm,
                                            unsigned maxBlockThreads) {
  pm.addPass(createLowBitGPUEmulate());
  // One OpenMP thread per GPU thread of a block.
  buildBuffersToLLVMPipeline(pm, maxBlockThreads);
}
