//===- quant-run.cpp - JIT runner for functions on tensors ----------------===//
//
//   quant-run FILE.mlir --entry F --input a.npy [--input b.npz ...]
//             [--output-dir D] [--print] [-O N] [--timing]
//             [--device cpu|cuda [--chip sm_NN] [--dump-kernels DIR]]
//
// Parses FILE, lowers it to the LLVM dialect (lowbit-to-llvm, or with
// --device=cuda lowbit-to-nvvm: host code that launches GPU kernels),
// JIT-compiles it and calls F on the arrays read from the .npy/.npz inputs.
// Results are written to D/result<i>.npy and/or printed. Every problem is a
// one-line error and a non-zero exit. See docs/quant-run.md.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/LowBitToGPU/LowBitToGPU.h"
#include "lowbit/Conversion/LowBitToLLVM/LowBitToLLVM.h"
#include "lowbit/Conversion/LowBitToLinalg/LowBitToLinalg.h"
#include "lowbit/Runner/JitRunner.h"
#include "lowbit/Runner/Npy.h"
#include "lowbit/Runner/ToolDiagnostics.h"
#include "lowbit/Runtime/CUDARuntime.h"
#include "lowbit/Runtime/GPUEmulator.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <iterator>
#include <string>
#include <vector>

using namespace mlir;
using namespace mlir::lowbit;

namespace cl = llvm::cl;

static cl::OptionCategory category("quant-run options");

static cl::opt<std::string> inputFilename(cl::Positional,
                                          cl::desc("<input .mlir file>"),
                                          cl::Required, cl::cat(category));
static cl::opt<std::string>
    entryName("entry", cl::desc("Function to call (default: main)"),
              cl::value_desc("name"), cl::init("main"), cl::cat(category));
static cl::list<std::string>
    inputArrays("input",
                cl::desc("A .npy file (one argument) or .npz archive (one "
                         "argument per member); repeat in argument order"),
                cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string>
    outputDir("output-dir",
              cl::desc("Write result<i>.npy for each result into this "
                       "directory (created if missing)"),
              cl::value_desc("dir"), cl::cat(category));
static cl::opt<bool> printResults("print",
                                  cl::desc("Print each result's shape, dtype "
                                           "and values"),
                                  cl::init(false), cl::cat(category));
static cl::opt<bool> referenceLowering(
    "reference-lowering",
    cl::desc("Lower lowbit ops with the reference lowering only (no vector "
             "fast path for lowbit.matmul); the oracle for the fast code"),
    cl::init(false), cl::cat(category));
static cl::opt<unsigned> threads(
    "matmul-threads",
    cl::desc("Run each vectorized lowbit.matmul on this many threads (its "
             "output columns in as many chunks, one per thread of an OpenMP "
             "parallel loop; needs libomp.so); default 1"),
    cl::value_desc("n"), cl::init(1), cl::cat(category));
static cl::opt<unsigned> optLevel("O",
                                  cl::desc("LLVM optimization level 0-3 "
                                           "(default 2)"),
                                  cl::Prefix, cl::init(2), cl::cat(category));
static cl::opt<bool>
    timing("timing",
           cl::desc("Print the seconds spent parsing, lowering to the LLVM "
                    "dialect, generating machine code and running, as one "
                    "line on stderr"),
           cl::init(false), cl::cat(category));

static cl::opt<std::string> device(
    "device",
    cl::desc("Where the program runs: cpu (default), cuda (lowbit-to-nvvm: "
             "kernels on GPU 0 through the CUDA driver; exit status 77 when "
             "there is no driver or GPU) or gpu-emulator (the same GPU "
             "kernels run on CPU threads, one per GPU thread: for checking "
             "them without a GPU; slow)"),
    cl::value_desc("cpu|cuda|gpu-emulator"), cl::init("cpu"),
    cl::cat(category));
static cl::opt<std::string>
    chip("chip",
         cl::desc("With --device=cuda or gpu-emulator: the GPU architecture "
                  "to compile for (default: GPU 0's; sm_80 when there is "
                  "none)"),
         cl::value_desc("sm_NN"), cl::init(""), cl::cat(category));
static cl::opt<std::string> dumpKernels(
    "dump-kernels",
    cl::desc("With --device=cuda: write each GPU kernel module as "
             "DIR/<module>.ptx before running (also without a GPU)"),
    cl::value_desc("dir"), cl::init(""), cl::cat(category));

namespace {

int fail(const llvm::Twine &message) {
  return runner::failTool("quant-run", message);
}

int fail(llvm::Error error) { return runner::failTool("quant-run", std::move(error)); }

} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "quant-run: JIT-compile an MLIR function on tensors and call it on "
      ".npy/.npz inputs\n");

  if (optLevel > 3)
    return fail(llvm::formatv("-O {0}: the optimization level is 0-3",
                              optLevel.getValue())
                    .str());
  bool cuda = device == "cuda", emulate = device == "gpu-emulator";
  if (!cuda && !emulate && device != "cpu")
    return fail("--device=" + device + ": expected cpu, cuda or gpu-emulator");
  if (!cuda && !dumpKernels.empty())
    return fail("--dump-kernels applies to --device=cuda only");
  if (!cuda && !emulate && !chip.empty())
    return fail("--chip applies to --device=cuda and gpu-emulator only");
  if ((cuda || emulate) && threads != 1)
    return fail("--matmul-threads applies to --device=cpu only");

  using Clock = std::chrono::steady_clock;
  Clock::time_point phaseStart = Clock::now();
  // Seconds since the previous call (or the start).
  auto lap = [&] {
    Clock::time_point now = Clock::now();
    double seconds = std::chrono::duration<double>(now - phaseStart).count();
    phaseStart = now;
    return seconds;
  };

  DialectRegistry registry;
  registerLowBitToNVVMDialects(registry);
  MLIRContext context(registry, MLIRContext::Threading::DISABLED);
  runner::OneLineDiagnostics diagnostics(context, "quant-run");

  // Parse and verify the IR.
  OwningOpRef<ModuleOp> module =
      runner::parseModuleFile("quant-run", inputFilename, context, diagnostics);
  if (!module)
    return 1;

  FailureOr<runner::EntrySignature> signature =
      runner::prepareEntry(*module, entryName);
  if (failed(signature))
    return 1;

  // Read the inputs and check them against the signature.
  std::vector<npy::NamedArray> arguments;
  for (const std::string &path : inputArrays) {
    auto read = npy::readArgumentFile(path);
    if (!read)
      return fail(read.takeError());
    std::move(read->begin(), read->end(), std::back_inserter(arguments));
  }
  if (arguments.size() != signature->inputs.size())
    return fail(llvm::formatv("'{0}' takes {1} argument{2}, got {3} from the "
                              "--input files",
                              entryName, signature->inputs.size(),
                              signature->inputs.size() == 1 ? "" : "s",
                              arguments.size())
                    .str());
  std::vector<npy::Array> inputs;
  for (auto [i, argument] : llvm::enumerate(arguments)) {
    std::string what = llvm::formatv("argument #{0} ('{1}')", i,
                                     argument.source)
                           .str();
    if (llvm::Error err =
            runner::checkArgument(signature->inputs[i], argument.array, what))
      return fail(std::move(err));
    inputs.push_back(std::move(argument.array));
  }

  // Make sure the results can be written before doing the work.
  if (!outputDir.empty()) {
    if (std::error_code ec = llvm::sys::fs::create_directories(outputDir))
      return fail("cannot create output directory '" + outputDir +
                  "': " + ec.message());
    if (!llvm::sys::fs::is_directory(outputDir))
      return fail("cannot create output directory '" + outputDir +
                  "': a file of that name exists");
  }

  double parseSeconds = lap();
  // Lower, compile, call.
  std::vector<std::pair<StringRef, void *>> runtimeSymbols;
  if (cuda) {
    // Kernels first (they can be dumped without a GPU), then the host code.
    char reason[512] = {0};
    bool haveGPU = lowbitCudaProbe(reason, sizeof(reason)) == 0;
    LowBitToNVVMOptions options;
    options.chip = !chip.empty() ? chip.getValue()
                   : haveGPU
                       ? "sm_" + std::to_string(lowbitCudaComputeCapability())
                       : std::string("sm_80");
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
    if (!haveGPU) {
      llvm::errs() << "quant-run: error: --device=cuda: " << reason << "\n";
      return LOWBIT_EXIT_NO_GPU;
    }
    if (failed(runPipelineToLLVM(*module, buildGPUHostToLLVMPipeline)))
      return diagnostics.reported() ? 1 : fail("lowering to LLVM failed");
    size_t count = 0;
    const LowbitRuntimeSymbol *symbols = lowbitCudaSymbols(&count);
    for (size_t i = 0; i < count; ++i)
      runtimeSymbols.emplace_back(symbols[i].name, symbols[i].address);
  } else if (emulate) {
    // The kernels as for a GPU, outlined but not compiled for it; then
    // each GPU thread becomes a CPU thread.
    LowBitToNVVMOptions options;
    options.chip = chip.empty() ? std::string("sm_80") : chip.getValue();
    options.referenceOnly = referenceLowering;
    options.kernelsOnly = true;
    if (failed(runPipelineToLLVM(*module, [&](OpPassManager &pm) {
          buildLowBitToGPUBinaryPipeline(pm, options);
          buildGPUEmulatorToLLVMPipeline(pm);
        })))
      return diagnostics.reported() ? 1 : fail("lowering to LLVM failed");
    size_t count = 0;
    const LowbitRuntimeSymbol *symbols = lowbitEmuSymbols(&count);
    for (size_t i = 0; i < count; ++i)
      runtimeSymbols.emplace_back(symbols[i].name, symbols[i].address);
  } else if (failed(lowerToLLVM(
                 *module,
                 [](OpPassManager &pm) {
                   addLowBitLoweringPasses(pm, referenceLowering, threads);
                 },
                 threads))) {
    return diagnostics.reported() ? 1 : fail("lowering to LLVM failed");
  }
  double lowerSeconds = lap();
  auto function = runner::JitFunction::create(*module, *signature, optLevel,
                                              runtimeSymbols);
  if (!function) {
    std::string message = llvm::toString(function.takeError());
    return diagnostics.reported() ? 1
                                  : fail("JIT compilation failed: " + message);
  }
  double codegenSeconds = lap();
  auto results = (*function)->call(inputs);
  if (!results)
    return fail(results.takeError());
  double runSeconds = lap();
  if (timing)
    llvm::errs() << llvm::formatv("quant-run: timing: parse {0:f3} s, lower "
                                  "{1:f3} s, codegen {2:f3} s, run {3:f3} s\n",
                                  parseSeconds, lowerSeconds, codegenSeconds,
                                  runSeconds);

  if (!outputDir.empty()) {
    for (auto [i, result] : llvm::enumerate(*results)) {
      llvm::SmallString<256> path(outputDir);
      llvm::sys::path::append(path, "result" + llvm::Twine(i) + ".npy");
      if (llvm::Error err = npy::writeNpyFile(path, result))
        return fail(std::move(err));
    }
  }
  if (printResults)
    for (auto [i, result] : llvm::enumerate(*results))
      runner::printArray(llvm::outs(), ("result" + llvm::Twine(i)).str(),
                         signature->results[i].getElementType(), result);
  return 0;
}
