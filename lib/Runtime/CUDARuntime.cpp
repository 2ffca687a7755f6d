//===- CUDARuntime.cpp - the mgpu* ABI on the CUDA driver API -------------===//
//
// See lowbit/Runtime/CUDARuntime.h. The driver's types are opaque handles
// here and its functions are looked up by name; their signatures are those
// of the CUDA driver API (cuda.h), which is stable across releases.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Runtime/CUDARuntime.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

namespace {

using CUresult = int;
using CUdevice = int;
using CUdeviceptr = unsigned long long;
using CUcontext = void *;
using CUmodule = void *;
using CUfunction = void *;
using CUstream = void *;
using CUevent = void *;

// Enumerators of cuda.h used here.
constexpr int kJitOptimizationLevel = 7;        // CU_JIT_OPTIMIZATION_LEVEL
constexpr unsigned kMemAttachGlobal = 1;        // CU_MEM_ATTACH_GLOBAL
constexpr int kAttrMaxDynamicSharedBytes = 8;   // CU_FUNC_ATTRIBUTE_...
constexpr int kAttrComputeCapabilityMajor = 75; // CU_DEVICE_ATTRIBUTE_...
constexpr int kAttrComputeCapabilityMinor = 76;
constexpr int kAttrMultiprocessorCount = 16;

struct Driver {
#define LOWBIT_CU_FUNCTIONS(X)                                                 \
  X(cuInit, CUresult (*)(unsigned))                                            \
  X(cuDeviceGetCount, CUresult (*)(int *))                                     \
  X(cuDeviceGet, CUresult (*)(CUdevice *, int))                                \
  X(cuDeviceGetName, CUresult (*)(char *, int, CUdevice))                      \
  X(cuDeviceGetAttribute, CUresult (*)(int *, int, CUdevice))                  \
  X(cuDevicePrimaryCtxRetain, CUresult (*)(CUcontext *, CUdevice))             \
  X(cuCtxSetCurrent, CUresult (*)(CUcontext))                                  \
  X(cuGetErrorName, CUresult (*)(CUresult, const char **))                     \
  X(cuGetErrorString, CUresult (*)(CUresult, const char **))                   \
  X(cuModuleLoadDataEx,                                                        \
    CUresult (*)(CUmodule *, const void *, unsigned, int *, void **))          \
  X(cuModuleUnload, CUresult (*)(CUmodule))                                    \
  X(cuModuleGetFunction, CUresult (*)(CUfunction *, CUmodule, const char *))   \
  X(cuFuncSetAttribute, CUresult (*)(CUfunction, int, int))                    \
  X(cuLaunchKernel,                                                            \
    CUresult (*)(CUfunction, unsigned, unsigned, unsigned, unsigned, unsigned, \
                 unsigned, unsigned, CUstream, void **, void **))              \
  X(cuStreamCreate, CUresult (*)(CUstream *, unsigned))                        \
  X(cuStreamDestroy_v2, CUresult (*)(CUstream))                                \
  X(cuStreamSynchronize, CUresult (*)(CUstream))                               \
  X(cuStreamWaitEvent, CUresult (*)(CUstream, CUevent, unsigned))              \
  X(cuEventCreate, CUresult (*)(CUevent *, unsigned))                          \
  X(cuEventDestroy_v2, CUresult (*)(CUevent))                                  \
  X(cuEventRecord, CUresult (*)(CUevent, CUstream))                            \
  X(cuEventSynchronize, CUresult (*)(CUevent))                                 \
  X(cuEventElapsedTime, CUresult (*)(float *, CUevent, CUevent))               \
  X(cuMemAlloc_v2, CUresult (*)(CUdeviceptr *, size_t))                        \
  X(cuMemAllocManaged, CUresult (*)(CUdeviceptr *, size_t, unsigned))          \
  X(cuMemFree_v2, CUresult (*)(CUdeviceptr))                                   \
  X(cuMemcpyAsync, CUresult (*)(CUdeviceptr, CUdeviceptr, size_t, CUstream))   \
  X(cuMemsetD32Async, CUresult (*)(CUdeviceptr, unsigned, size_t, CUstream))   \
  X(cuMemsetD16Async,                                                          \
    CUresult (*)(CUdeviceptr, unsigned short, size_t, CUstream))               \
  X(cuMemHostRegister_v2, CUresult (*)(void *, size_t, unsigned))              \
  X(cuMemHostUnregister, CUresult (*)(void *))
#define LOWBIT_CU_DECLARE(name, type)                                          \
  using name##Fn = type;                                                       \
  name##Fn name = nullptr;
  LOWBIT_CU_FUNCTIONS(LOWBIT_CU_DECLARE)
#undef LOWBIT_CU_DECLARE

  bool ready = false;
  std::string failure;
  std::string deviceName;
  int computeCapability = 0;

  // Kernel timing (lowbitCudaProfileEnable).
  bool profile = false;
  double profileMilliseconds = 0;
  long profileLaunches = 0;
  CUevent profileStart = nullptr, profileStop = nullptr;
};

Driver &driver() {
  static Driver d;
  return d;
}

std::string describe(CUresult result) {
  Driver &d = driver();
  const char *name = nullptr, *text = nullptr;
  if (d.cuGetErrorName)
    d.cuGetErrorName(result, &name);
  if (d.cuGetErrorString)
    d.cuGetErrorString(result, &text);
  std::string s = name ? name : "CUDA error " + std::to_string(result);
  if (text)
    s += std::string(" (") + text + ")";
  return s;
}

void initialize() {
  Driver &d = driver();
  void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_GLOBAL);
  if (!lib) {
    const char *why = dlerror();
    d.failure = std::string("no CUDA driver: ") + (why ? why : "libcuda.so.1");
    return;
  }
#define LOWBIT_CU_LOAD(name, type)                                             \
  d.name = reinterpret_cast<type>(dlsym(lib, #name));                          \
  if (!d.name) {                                                               \
    d.failure = "the CUDA driver lacks " #name;                                \
    return;                                                                    \
  }
  LOWBIT_CU_FUNCTIONS(LOWBIT_CU_LOAD)
#undef LOWBIT_CU_LOAD
  if (CUresult r = d.cuInit(0)) {
    d.failure = "cuInit: " + describe(r);
    return;
  }
  int count = 0;
  if (CUresult r = d.cuDeviceGetCount(&count)) {
    d.failure = "cuDeviceGetCount: " + describe(r);
    return;
  }
  if (count == 0) {
    d.failure = "no CUDA device";
    return;
  }
  CUdevice device = 0;
  CUcontext context = nullptr;
  if (CUresult r = d.cuDeviceGet(&device, 0)) {
    d.failure = "cuDeviceGet: " + describe(r);
    return;
  }
  if (CUresult r = d.cuDevicePrimaryCtxRetain(&context, device)) {
    d.failure = "cuDevicePrimaryCtxRetain: " + describe(r);
    return;
  }
  if (CUresult r = d.cuCtxSetCurrent(context)) {
    d.failure = "cuCtxSetCurrent: " + describe(r);
    return;
  }
  char name[256] = {0};
  d.cuDeviceGetName(name, sizeof(name) - 1, device);
  int major = 0, minor = 0, sms = 0;
  d.cuDeviceGetAttribute(&major, kAttrComputeCapabilityMajor, device);
  d.cuDeviceGetAttribute(&minor, kAttrComputeCapabilityMinor, device);
  d.cuDeviceGetAttribute(&sms, kAttrMultiprocessorCount, device);
  d.computeCapability = major * 10 + minor;
  d.deviceName = std::string(name) + " (sm_" + std::to_string(major) +
                 std::to_string(minor) + ", " + std::to_string(sms) + " SMs)";
  d.ready = true;
}

/// The driver after its one initialization (which may have failed).
Driver &initialized() {
  static std::once_flag once;
  std::call_once(once, initialize);
  return driver();
}

/// The driver, ready for use; exits with LOWBIT_EXIT_NO_GPU if there is
/// none (compiled GPU code was run without a probe).
Driver &ready() {
  Driver &d = initialized();
  if (!d.ready) {
    std::fprintf(stderr, "lowbit-cuda: error: %s\n", d.failure.c_str());
    std::exit(LOWBIT_EXIT_NO_GPU);
  }
  return d;
}

void check(CUresult result, const char *call) {
  if (result == 0)
    return;
  std::fprintf(stderr, "lowbit-cuda: error: %s: %s\n", call,
               describe(result).c_str());
  std::exit(1);
}

} // namespace

extern "C" {

int lowbitCudaProbe(char *message, size_t size) {
  Driver &d = initialized();
  if (d.ready)
    return 0;
  if (message && size > 0)
    std::snprintf(message, size, "%s", d.failure.c_str());
  return 1;
}

const char *lowbitCudaDeviceName() { return driver().deviceName.c_str(); }

int lowbitCudaComputeCapability() { return driver().computeCapability; }

//===----------------------------------------------------------------------===//
// The mgpu* ABI of gpu-to-llvm
//===----------------------------------------------------------------------===//

void *mgpuModuleLoad(void *data, size_t /*size*/) {
  Driver &d = ready();
  CUmodule module = nullptr;
  check(d.cuModuleLoadDataEx(&module, data, 0, nullptr, nullptr),
        "cuModuleLoadDataEx");
  return module;
}

void *mgpuModuleLoadJIT(void *data, int optLevel) {
  Driver &d = ready();
  CUmodule module = nullptr;
  int options[] = {kJitOptimizationLevel};
  void *values[] = {reinterpret_cast<void *>(static_cast<intptr_t>(optLevel))};
  check(d.cuModuleLoadDataEx(&module, data, 1, options, values),
        "cuModuleLoadDataEx (PTX)");
  return module;
}

void mgpuModuleUnload(void *module) {
  check(ready().cuModuleUnload(module), "cuModuleUnload");
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  CUfunction function = nullptr;
  check(ready().cuModuleGetFunction(&function, module, name),
        "cuModuleGetFunction");
  return function;
}

void mgpuLaunchKernel(void *function, intptr_t gridX, intptr_t gridY,
                      intptr_t gridZ, intptr_t blockX, intptr_t blockY,
                      intptr_t blockZ, int32_t smem, void *stream,
                      void **params, void ** /*extra*/, size_t /*count*/) {
  Driver &d = ready();
  if (smem > 48 * 1024)
    check(d.cuFuncSetAttribute(function, kAttrMaxDynamicSharedBytes, smem),
          "cuFuncSetAttribute");
  if (d.profile) {
    if (!d.profileStart) {
      check(d.cuEventCreate(&d.profileStart, 0), "cuEventCreate");
      check(d.cuEventCreate(&d.profileStop, 0), "cuEventCreate");
    }
    check(d.cuEventRecord(d.profileStart, stream), "cuEventRecord");
  }
  check(d.cuLaunchKernel(function, gridX, gridY, gridZ, blockX, blockY, blockZ,
                         smem, stream, params, nullptr),
        "cuLaunchKernel");
  if (d.profile) {
    check(d.cuEventRecord(d.profileStop, stream), "cuEventRecord");
    check(d.cuEventSynchronize(d.profileStop), "cuEventSynchronize");
    float ms = 0;
    check(d.cuEventElapsedTime(&ms, d.profileStart, d.profileStop),
          "cuEventElapsedTime");
    d.profileMilliseconds += ms;
    ++d.profileLaunches;
  }
}

void *mgpuStreamCreate() {
  CUstream stream = nullptr;
  check(ready().cuStreamCreate(&stream, 0), "cuStreamCreate");
  return stream;
}

void mgpuStreamDestroy(void *stream) {
  check(ready().cuStreamDestroy_v2(stream), "cuStreamDestroy");
}

void mgpuStreamSynchronize(void *stream) {
  check(ready().cuStreamSynchronize(stream), "cuStreamSynchronize");
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  check(ready().cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent");
}

void *mgpuEventCreate() {
  CUevent event = nullptr;
  // CU_EVENT_DISABLE_TIMING: these order work, they do not time it.
  check(ready().cuEventCreate(&event, 2), "cuEventCreate");
  return event;
}

void mgpuEventDestroy(void *event) {
  check(ready().cuEventDestroy_v2(event), "cuEventDestroy");
}

void mgpuEventSynchronize(void *event) {
  check(ready().cuEventSynchronize(event), "cuEventSynchronize");
}

void mgpuEventRecord(void *event, void *stream) {
  check(ready().cuEventRecord(event, stream), "cuEventRecord");
}

void *mgpuMemAlloc(uint64_t bytes, void * /*stream*/, bool hostShared) {
  Driver &d = ready();
  CUdeviceptr ptr = 0;
  // Zero-sized buffers still get a distinct address.
  size_t size = bytes ? bytes : 1;
  if (hostShared)
    check(d.cuMemAllocManaged(&ptr, size, kMemAttachGlobal),
          "cuMemAllocManaged");
  else
    check(d.cuMemAlloc_v2(&ptr, size), "cuMemAlloc");
  return reinterpret_cast<void *>(ptr);
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  if (ptr)
    check(ready().cuMemFree_v2(reinterpret_cast<CUdeviceptr>(ptr)),
          "cuMemFree");
}

void mgpuMemcpy(void *dst, void *src, size_t bytes, void *stream) {
  if (bytes == 0)
    return;
  check(ready().cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                              reinterpret_cast<CUdeviceptr>(src), bytes,
                              stream),
        "cuMemcpyAsync");
}

void mgpuMemset32(void *dst, unsigned value, size_t count, void *stream) {
  check(ready().cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                 count, stream),
        "cuMemsetD32Async");
}

void mgpuMemset16(void *dst, unsigned short value, size_t count, void *stream) {
  check(ready().cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                 count, stream),
        "cuMemsetD16Async");
}

void mgpuSetDefaultDevice(int32_t device) {
  if (device != 0) {
    std::fprintf(stderr, "lowbit-cuda: error: only device 0 is supported\n");
    std::exit(1);
  }
}

void lowbitCudaProfileEnable(int enable) { ready().profile = enable != 0; }

double lowbitCudaProfileMilliseconds(long *launches) {
  Driver &d = driver();
  if (launches)
    *launches = d.profileLaunches;
  return d.profileMilliseconds;
}

void lowbitCudaProfileReset() {
  Driver &d = driver();
  d.profileMilliseconds = 0;
  d.profileLaunches = 0;
}

double lowbitCudaCopyBandwidth(size_t bytes, int reps) {
  Driver &d = ready();
  CUdeviceptr src = 0, dst = 0;
  check(d.cuMemAlloc_v2(&src, bytes), "cuMemAlloc");
  check(d.cuMemAlloc_v2(&dst, bytes), "cuMemAlloc");
  check(d.cuMemsetD32Async(src, 0x3f800000u, bytes / 4, nullptr),
        "cuMemsetD32Async");
  CUevent start = nullptr, stop = nullptr;
  check(d.cuEventCreate(&start, 0), "cuEventCreate");
  check(d.cuEventCreate(&stop, 0), "cuEventCreate");
  float best = 0;
  for (int i = 0; i < reps + 1; ++i) { // The first is a warm-up.
    check(d.cuEventRecord(start, nullptr), "cuEventRecord");
    check(d.cuMemcpyAsync(dst, src, bytes, nullptr), "cuMemcpyAsync");
    check(d.cuEventRecord(stop, nullptr), "cuEventRecord");
    check(d.cuEventSynchronize(stop), "cuEventSynchronize");
    float ms = 0;
    check(d.cuEventElapsedTime(&ms, start, stop), "cuEventElapsedTime");
    if (i > 0 && (best == 0 || ms < best))
      best = ms;
  }
  d.cuEventDestroy_v2(start);
  d.cuEventDestroy_v2(stop);
  d.cuMemFree_v2(src);
  d.cuMemFree_v2(dst);
  return best > 0 ? 2.0 * bytes / (best * 1e-3) / 1e9 : 0;
}

const LowbitRuntimeSymbol *lowbitCudaSymbols(size_t *count) {
#define LOWBIT_SYMBOL(name)                                                    \
  { #name, reinterpret_cast < void *>(&name) }
  static const LowbitRuntimeSymbol symbols[] = {
      LOWBIT_SYMBOL(mgpuModuleLoad),       LOWBIT_SYMBOL(mgpuModuleLoadJIT),
      LOWBIT_SYMBOL(mgpuModuleUnload),     LOWBIT_SYMBOL(mgpuModuleGetFunction),
      LOWBIT_SYMBOL(mgpuLaunchKernel),     LOWBIT_SYMBOL(mgpuStreamCreate),
      LOWBIT_SYMBOL(mgpuStreamDestroy),    LOWBIT_SYMBOL(mgpuStreamSynchronize),
      LOWBIT_SYMBOL(mgpuStreamWaitEvent),  LOWBIT_SYMBOL(mgpuEventCreate),
      LOWBIT_SYMBOL(mgpuEventDestroy),     LOWBIT_SYMBOL(mgpuEventSynchronize),
      LOWBIT_SYMBOL(mgpuEventRecord),      LOWBIT_SYMBOL(mgpuMemAlloc),
      LOWBIT_SYMBOL(mgpuMemFree),          LOWBIT_SYMBOL(mgpuMemcpy),
      LOWBIT_SYMBOL(mgpuMemset32),         LOWBIT_SYMBOL(mgpuMemset16),
      LOWBIT_SYMBOL(mgpuSetDefaultDevice),
  };
#undef LOWBIT_SYMBOL
  *count = sizeof(symbols) / sizeof(symbols[0]);
  return symbols;
}

} // extern "C"
