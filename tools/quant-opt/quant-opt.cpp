//===- quant-opt.cpp - LowBit optimizer driver ----------------------------===//
//
// An mlir-opt-like driver with the lowbit dialect and only the upstream
// dialects and passes that LowBit pipelines use.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/Passes.h"
#include "lowbit/Dialect/LowBit/IR/LowBitDialect.h"
#include "lowbit/Dialect/LowBit/Transforms/Passes.h"
#include "lowbit/Dialect/LowBit/Transforms/Pipelines.h"
#include "lowbit/Conversion/LowBitToGPU/LowBitToGPU.h"
#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/Quant/IR/Quant.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "mlir/Transforms/Passes.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  registry.insert<mlir::lowbit::LowBitDialect, mlir::arith::ArithDialect,
                  mlir::bufferization::BufferizationDialect,
                  mlir::func::FuncDialect, mlir::gpu::GPUDialect,
                  mlir::linalg::LinalgDialect, mlir::LLVM::LLVMDialect,
                  mlir::math::MathDialect, mlir::memref::MemRefDialect,
                  mlir::NVVM::NVVMDialect, mlir::nvgpu::NVGPUDialect,
                  mlir::quant::QuantDialect, mlir::scf::SCFDialect,
                  mlir::tensor::TensorDialect, mlir::vector::VectorDialect>();

  // What the lowbit-to-llvm pipeline consumes and produces.
  mlir::lowbit::registerLowBitToLLVMDialects(registry);
  // ... and the lowbit-to-nvvm pipeline (GPU targets and translations).
  mlir::lowbit::registerLowBitToNVVMDialects(registry);

  // Generic upstream transforms (canonicalize, cse, inline, ...).
  mlir::registerTransformsPasses();
  // The GPU stages, to run lowbit-to-nvvm's steps one at a time.
  mlir::registerGPUPasses();
  mlir::registerConversionPasses();
  // LowBit passes.
  mlir::lowbit::registerLowBitConversionPasses();
  mlir::lowbit::registerLowBitTransformsPasses();
  mlir::lowbit::registerLowBitTransformsPipelines();
  mlir::lowbit::registerLowBitPipelines();
  mlir::lowbit::registerLowBitToNVVMPipeline();

  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "LowBit quantization optimizer\n", registry));
}
