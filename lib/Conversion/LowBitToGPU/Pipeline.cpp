//===- Pipeline.cpp - the lowbit-to-nvvm pipeline -------------------------===//

#include "lowbit/Conversion/LowBitToGPU/LowBitToGPU.h"

#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"
#include "lowbit/Conversion/LowBitToLinalg/LowBitToLinalg.h"

#include "mlir/Conversion/ArithToLLVM/ArithToLLVM.h"
#include "mlir/Conversion/ControlFlowToLLVM/ControlFlowToLLVM.h"
#include "mlir/Conversion/FuncToLLVM/ConvertFuncToLLVM.h"
#include "mlir/Conversion/IndexToLLVM/IndexToLLVM.h"
#include "mlir/Conversion/MathToLLVM/MathToLLVM.h"
#include "mlir/Conversion/MemRefToLLVM/MemRefToLLVM.h"
#include "mlir/Conversion/NVVMToLLVM/NVVMToLLVM.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Conversion/UBToLLVM/UBToLLVM.h"
#include "mlir/Conversion/VectorToLLVM/ConvertVectorToLLVM.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/LLVMIR/Transforms/Passes.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/GPU/GPUToLLVMIRTranslation.h"
#include "mlir/Target/LLVMIR/Dialect/NVVM/NVVMToLLVMIRTranslation.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/ADT/StringSwitch.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

std::optional<lowbit::GPUChip> lowbit::parseGPUChip(StringRef chip,
                                                    std::string &reason) {
  StringRef rest = chip;
  if (!rest.consume_front("sm_")) {
    reason = "expected an NVIDIA architecture name of the form sm_NN";
    return std::nullopt;
  }
  bool archSpecific = rest.consume_back("a");
  unsigned sm = 0;
  if (rest.getAsInteger(10, sm)) {
    reason = "expected an NVIDIA architecture name of the form sm_NN";
    return std::nullopt;
  }
  // The architectures of LLVM's NVPTX back end (llc -march=nvptx64
  // -mcpu=help) from Maxwell on, with the PTX ISA version that introduced
  // each (PTX ISA, "Release notes").
  unsigned ptx = llvm::StringSwitch<unsigned>(chip)
                     .Cases({"sm_50", "sm_52", "sm_53"}, 40)
                     .Cases({"sm_60", "sm_61", "sm_62"}, 50)
                     .Case("sm_70", 60)
                     .Case("sm_72", 61)
                     .Case("sm_75", 63)
                     .Case("sm_80", 70)
                     .Case("sm_86", 71)
                     .Case("sm_87", 74)
                     .Case("sm_89", 78)
                     .Case("sm_90", 78)
                     .Case("sm_90a", 80)
                     .Cases({"sm_100", "sm_100a", "sm_101", "sm_101a"}, 86)
                     .Cases({"sm_103", "sm_103a"}, 88)
                     .Cases({"sm_120", "sm_120a"}, 87)
                     .Cases({"sm_121", "sm_121a"}, 88)
                     .Default(0);
  if (ptx == 0) {
    reason = "not an architecture this compiler targets (sm_50 ... sm_121a)";
    return std::nullopt;
  }
  return GPUChip{sm, archSpecific, ptx};
}

StringRef lowbit::getConfiguredCUDAToolkit() { return LOWBIT_CUDA_TOOLKIT; }

void lowbit::registerLowBitToNVVMDialects(DialectRegistry &registry) {
  registerLowBitToLLVMDialects(registry);
  registry.insert<gpu::GPUDialect, NVVM::NVVMDialect, nvgpu::NVGPUDialect>();
  NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  // convert-gpu-to-nvvm lowers every dialect in a kernel through these.
  arith::registerConvertArithToLLVMInterface(registry);
  cf::registerConvertControlFlowToLLVMInterface(registry);
  index::registerConvertIndexToLLVMInterface(registry);
  registerConvertFuncToLLVMInterface(registry);
  registerConvertMathToLLVMInterface(registry);
  registerConvertMemRefToLLVMInterface(registry);
  registerConvertNVVMToLLVMInterface(registry);
  ub::registerConvertUBToLLVMInterface(registry);
  vector::registerConvertVectorToLLVMInterface(registry);
  registerGPUDialectTranslation(registry);
  gpu::registerOffloadingLLVMTranslationInterfaceExternalModels(registry);
  registerNVVMDialectTranslation(registry);
}

void lowbit::buildLowBitToGPUBinaryPipeline(
    OpPassManager &pm, const LowBitToNVVMOptions &options) {
  // 1. Fast kernels for the matmuls they serve (the chip is checked here),
  // the reference lowering for every other lowbit op.
  ConvertLowBitMatmulToGPUOptions kernels;
  kernels.chip = options.chip;
  kernels.fastKernels = !options.referenceOnly;
  kernels.features = options.features;
  kernels.format = options.format;
  pm.addPass(createConvertLowBitMatmulToGPU(kernels));
  pm.addPass(createConvertLowBitToLinalg());
  pm.addPass(createReconcileUnrealizedCastsPass());

  // 2. Tensors to buffers, as lowbit-to-llvm does; elementwise chains fused
  // into one linalg.generic first, so that each becomes one kernel.
  buildTensorToBuffersPipeline(pm, /*fuseElementwise=*/true);

  // 3. Buffers in GPU-reachable memory, structured ops to parallel loops,
  // loops to blocks and threads, launches to kernels.
  pm.addPass(createLowBitGPUHostMemory());
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToParallelLoopsPass());
  LowBitGPUMapParallelLoopsOptions map;
  map.blockSize = options.blockSize;
  pm.addNestedPass<func::FuncOp>(createLowBitGPUMapParallelLoops(map));
  pm.addNestedPass<func::FuncOp>(createConvertParallelLoopToGpuPass());
  pm.addPass(createCanonicalizerPass());
  // Constants and index computations the canonicalizer hoisted out of the
  // launches go back in, so that kernels do not take them as arguments.
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  if (options.kernelsOnly)
    return;

  // 4. Kernels to NVVM and to PTX or cubin.
  std::string reason;
  std::optional<GPUChip> chip = parseGPUChip(options.chip, reason);
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  if (target.features.empty() && chip)
    target.features =
        "+ptx" + std::to_string(std::max(chip->minPTXVersion, 78u));
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  OpPassManager &kernelPm = pm.nest<gpu::GPUModuleOp>();
  kernelPm.addPass(createSCFToControlFlowPass());
  ConvertGpuOpsToNVVMOpsOptions toNVVM;
  // Full memref descriptors: kernels also take strided views with dynamic
  // offsets, which bare pointers cannot describe.
  toNVVM.useBarePtrCallConv = false;
  kernelPm.addPass(createConvertGpuOpsToNVVMOps(toNVVM));
  kernelPm.addPass(createConvertNVGPUToNVVMPass());
  kernelPm.addPass(createConvertVectorToLLVMPass());
  kernelPm.addPass(createArithToLLVMConversionPass());
  kernelPm.addPass(createUBToLLVMConversionPass());
  kernelPm.addPass(createConvertNVVMToLLVMPass());
  kernelPm.addPass(createCanonicalizerPass());
  kernelPm.addPass(createCSEPass());
  kernelPm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.format;
  binary.toolkitPath = options.toolkit.empty()
                           ? getConfiguredCUDAToolkit().str()
                           : options.toolkit.getValue();
  pm.addPass(createGpuModuleToBinaryPass(binary));
}

void lowbit::buildGPUHostToLLVMPipeline(OpPassManager &pm) {
  // 5. Host code to the LLVM dialect; launches become mgpu* runtime calls.
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  GpuToLLVMConversionPassOptions gpuToLLVM;
  gpuToLLVM.kernelBarePtrCallConv = false;
  pm.addPass(createGpuToLLVMConversionPass(gpuToLLVM));
  buildStandardToLLVMPasses(pm);
}

void lowbit::buildLowBitToNVVMPipeline(OpPassManager &pm,
                                       const LowBitToNVVMOptions &options) {
  buildLowBitToGPUBinaryPipeline(pm, options);
  if (!options.kernelsOnly)
    buildGPUHostToLLVMPipeline(pm);
}

FailureOr<SmallVector<std::string>>
lowbit::writeGPUBinaries(ModuleOp module, StringRef dir, std::string &error) {
  if (std::error_code ec = llvm::sys::fs::create_directories(dir)) {
    error = ("cannot create '" + dir + "': " + ec.message()).str();
    return failure();
  }
  SmallVector<std::string> written;
  for (auto binary : module.getOps<gpu::BinaryOp>()) {
    ArrayAttr objects = binary.getObjects();
    for (Attribute attr : objects) {
      auto object = cast<gpu::ObjectAttr>(attr);
      StringRef ext;
      switch (object.getFormat()) {
      case gpu::CompilationTarget::Assembly:
        ext = ".ptx";
        break;
      case gpu::CompilationTarget::Binary:
        ext = ".cubin";
        break;
      case gpu::CompilationTarget::Fatbin:
        ext = ".fatbin";
        break;
      default:
        ext = ".bc";
        break;
      }
      std::string name = binary.getName().str();
      if (objects.size() > 1)
        if (auto nvvm = dyn_cast<NVVM::NVVMTargetAttr>(object.getTarget()))
          name += "." + nvvm.getChip().str();
      llvm::SmallString<256> path(dir);
      llvm::sys::path::append(path, name + ext);
      std::error_code ec;
      llvm::raw_fd_ostream os(path, ec);
      if (ec) {
        error = ("cannot write '" + path + "': " + ec.message()).str();
        return failure();
      }
      os << object.getObject().getValue();
      written.push_back(path.str().str());
    }
  }
  return written;
}

void lowbit::registerLowBitToNVVMPipeline() {
  PassPipelineRegistration<LowBitToNVVMOptions>(
      "lowbit-to-nvvm",
      "Lower a program with lowbit ops on tensors to host code in the LLVM "
      "dialect that launches NVIDIA GPU kernels embedded as PTX or cubin "
      "(convert-lowbit-matmul-to-gpu, convert-lowbit-to-linalg, "
      "bufferization, lowbit-gpu-host-memory, loops mapped to blocks and "
      "threads, NVVM, gpu-module-to-binary, gpu-to-llvm)",
      [](OpPassManager &pm, const LowBitToNVVMOptions &options) {
        buildLowBitToNVVMPipeline(pm, options);
      });
}
