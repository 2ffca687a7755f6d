//===- LowBitToGPU.h - lowering programs to NVIDIA GPUs ---------*- C++ -*-===//
//
// The lowbit-to-nvvm pipeline: a program with lowbit ops on tensors becomes
// host code in the LLVM dialect that launches GPU kernels, whose PTX (or
// cubin) is embedded in the module as `gpu.binary` objects. The host code
// calls the `mgpu*` runtime ABI of upstream's gpu-to-llvm lowering, which
// LowBit's own CUDA runtime (lowbit/Runtime/CUDARuntime.h) implements.
//
//   lowbit ops ──convert-lowbit-matmul-to-gpu──► gpu.launch (fast kernels)
//       │ convert-lowbit-to-linalg, bufferization, lowbit-gpu-host-memory
//       ▼
//   scf.parallel ──lowbit-gpu-map-parallel-loops, convert-parallel-loops-
//       │          to-gpu, gpu-kernel-outlining──► gpu.module / gpu.func
//       ▼
//   nvvm-attach-target, convert-gpu-to-nvvm, ..., gpu-module-to-binary
//       ▼
//   host: gpu-to-llvm, memref/arith/func/cf to LLVM
//
// See docs/gpu.md.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_CONVERSION_LOWBITTOGPU_LOWBITTOGPU_H
#define LOWBIT_CONVERSION_LOWBITTOGPU_LOWBITTOGPU_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Support/LLVM.h"

#include <optional>
#include <string>

namespace mlir {
class DialectRegistry;
class OpPassManager;
} // namespace mlir

namespace mlir::lowbit {

#define GEN_PASS_DECL_CONVERTLOWBITMATMULTOGPU
#define GEN_PASS_DECL_LOWBITGPUHOSTMEMORY
#define GEN_PASS_DECL_LOWBITGPUMAPPARALLELLOOPS
#define GEN_PASS_DECL_LOWBITGPUEMULATE
#include "lowbit/Conversion/Passes.h.inc"

/// An NVIDIA GPU architecture, parsed from `sm_NN` or `sm_NNa`.
struct GPUChip {
  unsigned smVersion; // 80 for sm_80.
  bool archSpecific;  // sm_90a: the `a` features (wgmma, ...).
  /// The PTX ISA version (e.g. 78 for PTX 7.8) that introduced the chip.
  unsigned minPTXVersion;
};

/// Parses `chip`; nullopt if it is not an architecture the NVPTX back end of
/// this LLVM knows. `reason` says why.
std::optional<GPUChip> parseGPUChip(StringRef chip, std::string &reason);

/// The CUDA toolkit directory found when LowBit was configured (the parent
/// of ptxas's bin/), or "" when there was none.
StringRef getConfiguredCUDAToolkit();

/// Registers the dialects, interfaces and translations the lowbit-to-nvvm
/// pipeline needs (on top of registerLowBitToLLVMDialects).
void registerLowBitToNVVMDialects(DialectRegistry &registry);

struct LowBitToNVVMOptions : public PassPipelineOptions<LowBitToNVVMOptions> {
  Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("Target GPU architecture: sm_80, sm_86, sm_89, sm_90, "
                     "sm_90a, ..."),
      llvm::cl::init("sm_80")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX features, e.g. +ptx80 (default: the PTX version "
                     "that introduced the chip, at least 7.8)"),
      llvm::cl::init("")};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("NVPTX optimization level 0-3"),
                            llvm::cl::init(3)};
  Option<std::string> format{
      *this, "format",
      llvm::cl::desc("What gpu-module-to-binary embeds: isa (PTX text, "
                     "compiled by the driver at load time), bin (cubin, "
                     "needs ptxas), fatbin (needs ptxas and fatbinary), "
                     "offload (LLVM IR)"),
      llvm::cl::init("isa")};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit directory: ptxas, fatbinary and libdevice "
                     "(default: the one found at configure time)"),
      llvm::cl::init("")};
  Option<unsigned> blockSize{
      *this, "block-size",
      llvm::cl::desc("Threads per block of the generic kernels"),
      llvm::cl::init(256)};
  Option<bool> referenceOnly{
      *this, "reference-only",
      llvm::cl::desc("No fast matmul kernels: every lowbit op takes the "
                     "reference lowering, mapped to GPU threads"),
      llvm::cl::init(false)};
  Option<bool> kernelsOnly{
      *this, "kernels-only",
      llvm::cl::desc("Stop after outlining: gpu.module/gpu.func kernels and "
                     "host code with gpu.launch_func, before NVVM"),
      llvm::cl::init(false)};
};

/// Adds the lowbit-to-nvvm pipeline to `pm` (anchored on builtin.module):
/// buildLowBitToGPUBinaryPipeline, then buildGPUHostToLLVMPipeline.
void buildLowBitToNVVMPipeline(OpPassManager &pm,
                               const LowBitToNVVMOptions &options);

/// Its first part: kernels lowered and serialized into `gpu.binary` ops
/// (or, with kernelsOnly, left as outlined gpu.func kernels); host code
/// still in the func/memref/gpu dialects.
void buildLowBitToGPUBinaryPipeline(OpPassManager &pm,
                                    const LowBitToNVVMOptions &options);

/// Its second part: host code to the LLVM dialect; `gpu.launch_func` and
/// `gpu.binary` become calls of the mgpu* runtime ABI and embedded data.
void buildGPUHostToLLVMPipeline(OpPassManager &pm);

/// The GPU emulator: `lowbit-gpu-emulate` and the CPU lowering after it,
/// for a module that went through buildLowBitToGPUBinaryPipeline with
/// kernelsOnly. Blocks of up to `maxBlockThreads` threads.
void buildGPUEmulatorToLLVMPipeline(OpPassManager &pm,
                                    unsigned maxBlockThreads = 1024);

/// Writes the object of every `gpu.binary` op in `module` (after
/// buildLowBitToGPUBinaryPipeline) to `dir`, created if missing, as
/// <binary>.ptx (format isa), .cubin (bin), .fatbin or .bc (offload), with
/// the chip appended to the name when a binary holds several objects.
/// Returns the paths written, or a one-line error.
FailureOr<SmallVector<std::string>>
writeGPUBinaries(ModuleOp module, StringRef dir, std::string &error);

/// Registers `lowbit-to-nvvm`.
void registerLowBitToNVVMPipeline();

} // namespace mlir::lowbit

#endif // LOWBIT_CONVERSION_LOWBITTOGPU_LOWBITTOGPU_H
