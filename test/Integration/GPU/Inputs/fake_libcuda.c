/* A stand-in for the CUDA driver (libcuda.so.1) for testing the plumbing of
 * LowBit's CUDA runtime and GPU runner on machines without a GPU: every call
 * succeeds, memory is host memory, copies copy and memsets set, launches
 * only count themselves. Kernels do not run, so results are garbage: tests
 * using it check loading, calls and reporting, never numerics. */
#include <stdlib.h>
#include <string.h>

typedef unsigned long long ptr_t;
static int launches;

int cuInit(unsigned flags) { return 0; }
int cuDeviceGetCount(int *n) { *n = 1; return 0; }
int cuDeviceGet(int *d, int i) { *d = 0; return 0; }
int cuDeviceGetName(char *name, int len, int d) {
  strncpy(name, "Fake GPU", len); return 0; }
int cuDeviceGetAttribute(int *v, int attr, int d) {
  *v = attr == 75 ? 9 : attr == 76 ? 0 : 1; return 0; }
int cuDevicePrimaryCtxRetain(void **c, int d) { *c = (void *)1; return 0; }
int cuCtxSetCurrent(void *c) { return 0; }
int cuGetErrorName(int r, const char **s) { *s = "FAKE_ERROR"; return 0; }
int cuGetErrorString(int r, const char **s) { *s = "fake"; return 0; }
int cuModuleLoadDataEx(void **m, const void *data, unsigned n, int *o,
                       void **v) {
  /* The embedded PTX or cubin must be there. */
  *m = (void *)1; return data ? 0 : 1; }
int cuModuleUnload(void *m) { return 0; }
int cuModuleGetFunction(void **f, void *m, const char *name) {
  *f = (void *)name; return 0; }
int cuFuncSetAttribute(void *f, int a, int v) { return 0; }
int cuLaunchKernel(void *f, unsigned gx, unsigned gy, unsigned gz,
                   unsigned bx, unsigned by, unsigned bz, unsigned smem,
                   void *stream, void **params, void **extra) {
  ++launches; return gx && gy && gz && bx && by && bz && params ? 0 : 1; }
int cuStreamCreate(void **s, unsigned f) { *s = (void *)2; return 0; }
int cuStreamDestroy_v2(void *s) { return 0; }
int cuStreamSynchronize(void *s) { return 0; }
int cuStreamWaitEvent(void *s, void *e, unsigned f) { return 0; }
int cuEventCreate(void **e, unsigned f) { *e = (void *)3; return 0; }
int cuEventDestroy_v2(void *e) { return 0; }
int cuEventRecord(void *e, void *s) { return 0; }
int cuEventSynchronize(void *e) { return 0; }
int cuEventElapsedTime(float *ms, void *a, void *b) { *ms = 0.5f; return 0; }
int cuMemAlloc_v2(ptr_t *p, size_t n) { *p = (ptr_t)calloc(1, n); return 0; }
int cuMemAllocManaged(ptr_t *p, size_t n, unsigned f) {
  *p = (ptr_t)calloc(1, n); return 0; }
int cuMemFree_v2(ptr_t p) { free((void *)p); return 0; }
int cuMemcpyAsync(ptr_t d, ptr_t s, size_t n, void *st) {
  memcpy((void *)d, (void *)s, n); return 0; }
int cuMemsetD32Async(ptr_t d, unsigned v, size_t n, void *s) {
  for (size_t i = 0; i < n; ++i) ((unsigned *)d)[i] = v; return 0; }
int cuMemsetD16Async(ptr_t d, unsigned short v, size_t n, void *s) {
  for (size_t i = 0; i < n; ++i) ((unsigned short *)d)[i] = v; return 0; }
int cuMemHostRegister_v2(void *p, size_t n, unsigned f) { return 0; }
int cuMemHostUnregister(void *p) { return 0; }
