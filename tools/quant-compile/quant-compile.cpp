//===- quant-compile.cpp - ahead-of-time compiler for functions on tensors ===//
//
//   quant-compile FILE.mlir --entry F [--device cpu|cuda] [--chip sm_NN]
//                 [--format isa|bin] [--dump-kernels DIR] [-o OUT.o]
//                 [--emit obj|llvm]
//
// Lowers FILE as quant-run does (lowbit-to-llvm, or lowbit-to-nvvm with
// --device=cuda) and writes a relocatable object (or LLVM IR) that defines
// F and its C interface `_mlir_ciface_F` (arguments and results as memref
// descriptors, docs/quant-run.md). Objects for --device=cuda embed their
// kernels and call LowBit's CUDA runtime (lowbit/Runtime/CUDARuntime.h);
// --dump-kernels writes each kernel module's PTX (or cubin) too. Needs no
// GPU. See docs/gpu.md.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/LowBitToGPU/LowBitToGPU.h"
#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"
#include "lowbit/Runner/JitRunner.h"
#include "lowbit/Runner/ToolDiagnostics.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/SubtargetFeature.h"

using namespace mlir;
using namespace mlir::lowbit;

namespace cl = llvm::cl;

static cl::OptionCategory category("quant-compile options");

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<input .mlir file>"),
                                          cl::Required, cl::cat(category));
static cl::opt<std::string>
    entryName("entry", cl::desc("Function to compile (default: main)"),
              cl::value_desc("name"), cl::init("main"), cl::cat(category));
static cl::opt<std::string>
    outputFilename("o",
                   cl::desc("Output file (object, or LLVM IR with "
                            "--emit=llvm); none: compile only"),
                   cl::value_desc("file"), cl::init(""), cl::cat(category));
static cl::opt<std::string> emit("emit",
                                 cl::desc("What -o holds: obj (default) or "
                                          "llvm (LLVM IR text)"),
                                 cl::value_desc("obj|llvm"), cl::init("obj"),
                                 cl::cat(category));
static cl::opt<std::string>
    device("device",
           cl::desc("Where the code runs: cpu (default; lowbit-to-llvm for "
                    "this machine's CPU) or cuda (lowbit-to-nvvm)"),
           cl::value_desc("cpu|cuda"), cl::init("cpu"), cl::cat(category));
static cl::opt<std::string>
    chip("chip",
         cl::desc("With --device=cuda: GPU architecture (default "
                  "sm_80)"),
         cl::value_desc("sm_NN"), cl::init("sm_80"), cl::cat(category));
static cl::opt<std::string>
    format("format",
           cl::desc("With --device=cuda: kernels embedded as isa (PTX, "
                    "default) or bin (cubin, needs ptxas)"),
           cl::value_desc("isa|bin"), cl::init("isa"), cl::cat(category));
static cl::opt<std::string>
    dumpKernels("dump-kernels",
                cl::desc("With --device=cuda: write each kernel module as "
                         "DIR/<module>.ptx (or .cubin)"),
                cl::value_desc("dir"), cl::init(""), cl::cat(category));
static cl::opt<bool> referenceLowering(
    "reference-lowering",
    cl::desc("Lower lowbit ops with the reference lowering only"),
    cl::init(false), cl::cat(category));

static int fail(const llvm::Twine &message) {
  return runner::failTool("quant-compile", message);
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "quant-compile: compile an MLIR function on tensors to an object file\n");

  bool cuda = device == "cuda";
  if (!cuda && device != "cpu")
    return fail("--device=" + device + ": expected cpu or cuda");
  if (emit != "obj" && emit != "llvm")
    return fail("--emit=" + emit + ": expected obj or llvm");
  if (format != "isa" && format != "bin")
    return fail("--format=" + format + ": expected isa or bin");
  if (!cuda && !dumpKernels.empty())
    return fail("--dump-kernels applies to --device=cuda only");

  DialectRegistry registry;
  registerLowBitToNVVMDialects(registry);
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  runner::OneLineDiagnostics diagnostics(context, "quant-compile");

  OwningOpRef<ModuleOp> module = runner::parseModuleFile(
      "quant-compile", inputFilename, context, diagnostics);
  if (!module)
    return 1;
  if (failed(runner::prepareEntry(*module, entryName)))
    return 1;

  if (cuda) {
    LowBitToNVVMOptions options;
    options.chip = chip;
    options.format = format;
    options.referenceOnly = referenceLowering;
    PassManager pm(&context, ModuleOp::getOperationName());
    buildLowBitToGPUBinaryPipeline(pm, options);
    if (failed(pm.run(*module)))
      return diagnostics.reported() ? 1 : fail("lowering to GPU code failed");
    if (!dumpKernels.empty()) {
      std::string error;
      if (failed(writeGPUBinaries(*module, dumpKernels, error)))
        return fail(error);
    }
    if (failed(runPipelineToLLVM(*module, buildGPUHostToLLVMPipeline)))
      return diagnostics.reported() ? 1 : fail("lowering to LLVM failed");
  } else if (failed(lowerToLLVM(*module, [](OpPassManager &pm) {
               addLowBitLoweringPasses(pm, referenceLowering);
             }))) {
    return diagnostics.reported() ? 1 : fail("lowering to LLVM failed");
  }
  if (outputFilename.empty())
    return 0;

  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule =
      translateModuleToLLVMIR(*module, llvmContext);
  if (!llvmModule)
    return diagnostics.reported() ? 1 : fail("translation to LLVM IR failed");

  std::error_code ec;
  auto output = std::make_unique<llvm::ToolOutputFile>(outputFilename, ec,
                                                       llvm::sys::fs::OF_None);
  if (ec)
    return fail("cannot write '" + outputFilename + "': " + ec.message());
  if (emit == "llvm") {
    llvmModule->print(output->os(), nullptr);
    output->keep();
    return 0;
  }

  // Objects for --device=cuda run on other machines (the GPU's host): plain
  // x86-64; CPU code is compiled for this machine, as quant-run's JIT does.
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  llvm::Triple triple(llvm::sys::getDefaultTargetTriple());
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return fail("no target for " + triple.str() + ": " + error);
  std::string cpu = cuda ? "x86-64" : llvm::sys::getHostCPUName().str();
  std::string features;
  if (!cuda) {
    llvm::SubtargetFeatures subtarget;
    for (const auto &feature : llvm::sys::getHostCPUFeatures())
      subtarget.AddFeature(feature.first(), feature.second);
    features = subtarget.getString();
  }
  std::unique_ptr<llvm::TargetMachine> machine(target->createTargetMachine(
      triple, cpu, features, llvm::TargetOptions(), llvm::Reloc::PIC_));
  llvmModule->setDataLayout(machine->createDataLayout());
  llvmModule->setTargetTriple(triple);
  llvm::legacy::PassManager codegen;
  if (machine->addPassesToEmitFile(codegen, output->os(), nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
    return fail("the target cannot emit object files");
  codegen.run(*llvmModule);
  output->keep();
  return 0;
}
