//===- CUDARuntime.h - LowBit's CUDA runtime ---------------------*- C++
//-*-===//
//
// The runtime that GPU code compiled by lowbit-to-nvvm calls: the mgpu*
// functions of upstream MLIR's gpu-to-llvm ABI (module load, launch,
// streams, events, allocation, copies), implemented on the CUDA driver
// API, which is loaded with dlopen("libcuda.so.1") on first use. Nothing
// here needs CUDA headers or libraries to build, and nothing needs LLVM or
// MLIR at run time: the same source builds the runner of the GPU check
// bundle (scripts/gpu-check.sh) on machines without them.
//
// Memory of `gpu.alloc host_shared` is CUDA managed memory. A failing
// driver call prints one line, "lowbit-cuda: error: <call>: <CUDA error>",
// and exits with status 1; the mgpu* ABI has no way to return errors.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_RUNTIME_CUDARUNTIME_H
#define LOWBIT_RUNTIME_CUDARUNTIME_H

#include "lowbit/Runtime/RuntimeSymbols.h"

#include <cstddef>

/// The exit status of tools that need a GPU and find none (no driver, no
/// device): the "skipped" status of test harnesses.
#define LOWBIT_EXIT_NO_GPU 77

extern "C" {

/// Loads the driver and makes device 0's primary context current, once.
/// Returns 0 when a GPU is usable; otherwise non-zero, with the reason in
/// `message` (e.g. "no CUDA driver: libcuda.so.1: cannot open shared object
/// file"). Safe to call repeatedly.
int lowbitCudaProbe(char *message, size_t size);

/// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs)" for device 0, after a
/// successful probe; "" otherwise.
const char *lowbitCudaDeviceName();

/// Device 0's compute capability as major * 10 + minor (90 for sm_90) after
/// a successful probe; 0 otherwise.
int lowbitCudaComputeCapability();

/// Kernel timing for benchmarks and the GPU check: while enabled, each
/// launch is bracketed by CUDA events on its stream and its time is added
/// to a running total (the launch is waited for, as the compiled host code
/// does anyway).
void lowbitCudaProfileEnable(int enable);

/// Milliseconds of kernel time and number of launches since the last reset.
double lowbitCudaProfileMilliseconds(long *launches);

void lowbitCudaProfileReset();

/// Device memory bandwidth in GB/s (bytes read plus bytes written per
/// second) of a device-to-device copy of `bytes`, the best of `reps`.
double lowbitCudaCopyBandwidth(size_t bytes, int reps);

/// Every mgpu* function this runtime defines; `count` receives their number.
const LowbitRuntimeSymbol *lowbitCudaSymbols(size_t *count);

} // extern "C"

#endif // LOWBIT_RUNTIME_CUDARUNTIME_H
