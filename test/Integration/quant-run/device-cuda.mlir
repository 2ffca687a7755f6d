// quant-run --device=cuda where there is no GPU: the kernels are compiled
// (and dumped with --dump-kernels), then one line says why nothing ran and
// the exit status is 77 ("skipped"). Bad device options are one-line
// errors. test/Integration/GPU/quant-run-cuda.mlir runs it on a GPU.
// UNSUPPORTED: cuda-gpu
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.save('%t/a.npy', r.normal(0, 1, (1, 256)).astype(np.float32)); np.save('%t/w.npy', r.integers(-128, 128, (64, 128)).astype(np.int8)); np.save('%t/s.npy', r.random((64, 2)).astype(np.float32))"
// RUN: %python -c "import subprocess, sys; r = subprocess.run(sys.argv[1:]); print('exit status', r.returncode)" %lowbit_bin/quant-run %s --input %t/a.npy --input %t/w.npy --input %t/s.npy --device=cuda --dump-kernels %t/kernels 2>&1 | FileCheck %s
// RUN: ls %t/kernels | FileCheck %s --check-prefix=DUMP
// RUN: not quant-run %s --device=tpu 2>&1 | FileCheck %s --check-prefix=DEVICE
// RUN: not quant-run %s --chip=sm_90 2>&1 | FileCheck %s --check-prefix=CHIP
// RUN: not quant-run %s --device=cuda --matmul-threads 2 2>&1 | FileCheck %s --check-prefix=THREADS
// RUN: not quant-run %s --input %t/a.npy --input %t/w.npy --input %t/s.npy --device=cuda --chip=sm_1 2>&1 | FileCheck %s --check-prefix=BADCHIP

// CHECK: quant-run: error: --device=cuda: {{no CUDA driver|no CUDA device|cuInit}}
// CHECK-NEXT: exit status 77
// DUMP: main_kernel.ptx
// DEVICE: quant-run: error: --device=tpu: expected cpu, cuda or gpu-emulator
// CHIP: quant-run: error: --chip applies to --device=cuda and gpu-emulator only
// THREADS: quant-run: error: --matmul-threads applies to --device=cpu only
// BADCHIP: error: unsupported GPU chip 'sm_1'

!w = !lowbit.qtensor<64x256, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>>
func.func @main(%a: tensor<1x256xf32>, %w: !w, %s: tensor<64x2xf32>) -> tensor<1x64xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<64x2xf32>) transpose_rhs acc(f32)
      : tensor<1x256xf32>, !w -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
