//===- GPUEmulator.h - GPU kernels on CPU threads, for checking -*- C++ -*-===//
//
// The runtime of `lowbit-gpu-emulate` (docs/gpu.md): kernels of the
// lowbit-to-nvvm pipeline run on the CPU, one OS thread (an OpenMP thread of
// the block's parallel loop) per GPU thread, so that their address
// arithmetic, masking and data movement execute as written. Warp-collective
// operations meet at per-warp barriers: a shuffle exchanges the lanes'
// values, an mma.sync assembles the warp's fragments into matrices by the
// register layout the PTX ISA documents for its shape (written here from
// the ISA, independently of the kernels that use it), multiplies them and
// hands each lane its accumulators back. Blocks run one after another.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_RUNTIME_GPUEMULATOR_H
#define LOWBIT_RUNTIME_GPUEMULATOR_H

#include "lowbit/Runtime/RuntimeSymbols.h"

#include <cstddef>
#include <cstdint>

extern "C" {

/// Before each block: the number of its threads (warps of 32 meet at
/// collectives; a last partial warp has fewer lanes).
void lowbit_emu_block_begin(int64_t threads);

/// gpu.shuffle on 32-bit values of thread `tid` (linear in its block);
/// `mode` 0 xor, 1 down, 2 up, 3 idx. Lanes outside `width` keep their
/// value, as on the GPU.
int32_t lowbit_emu_shuffle(int32_t value, int32_t offset, int32_t width,
                           int32_t mode, int64_t tid);

/// mma.sync.aligned.m16n8k32.row.col.s32.s8.s8.s32 of thread `tid`: its A
/// fragment (4 words of 4 s8), B fragment (2 words), C (4 s32) in, D (4
/// s32) out, at the addresses given as integers.
void lowbit_emu_mma_m16n8k32_s8(int64_t a, int64_t b, int64_t c, int64_t d,
                                int64_t tid);

/// mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 of thread `tid`: A 4
/// words of 2 f16, B 2 words, C and D 4 f32.
void lowbit_emu_mma_m16n8k16_f16(int64_t a, int64_t b, int64_t c, int64_t d,
                                 int64_t tid);

/// gpu.barrier of thread `tid`.
void lowbit_emu_block_barrier(int64_t tid);

/// The functions above by name, for the JIT.
const LowbitRuntimeSymbol *lowbitEmuSymbols(size_t *count);

} // extern "C"

#endif // LOWBIT_RUNTIME_GPUEMULATOR_H
