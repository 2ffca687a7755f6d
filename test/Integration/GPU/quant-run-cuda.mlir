// quant-run --device=cuda on a GPU: the W4A16 GEMV kernel and the reference
// lowering mapped to GPU threads, against the CPU reference lowering on the
// same inputs (float reassociation and FMA contraction only). Skipped where
// there is no GPU (test/Integration/quant-run/device-cuda.mlir covers that);
// scripts/gpu-check.sh runs the same comparisons from a bundle.
// REQUIRES: cuda-gpu
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(0); np.save('%t/a.npy', r.normal(0, 1, (1, 256)).astype(np.float32)); np.save('%t/w.npy', r.integers(-128, 128, (64, 128)).astype(np.int8)); np.save('%t/s.npy', r.random((64, 2)).astype(np.float32))"
// RUN: quant-run %s --input %t/a.npy --input %t/w.npy --input %t/s.npy --reference-lowering --output-dir %t/cpu
// RUN: quant-run %s --input %t/a.npy --input %t/w.npy --input %t/s.npy --device=cuda --output-dir %t/gpu
// RUN: quant-run %s --input %t/a.npy --input %t/w.npy --input %t/s.npy --device=cuda --reference-lowering --output-dir %t/gpuref
// RUN: %python %lowbit_src/test/Integration/quant-run/Inputs/check_close.py %t/gpu/result0.npy %t/cpu/result0.npy --rtol 1e-5 --atol 1e-4 | FileCheck %s
// RUN: %python %lowbit_src/test/Integration/quant-run/Inputs/check_close.py %t/gpuref/result0.npy %t/cpu/result0.npy --rtol 1e-5 --atol 1e-4 | FileCheck %s
// CHECK: match:

!w = !lowbit.qtensor<64x256, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>>
func.func @main(%a: tensor<1x256xf32>, %w: !w, %s: tensor<64x2xf32>) -> tensor<1x64xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<64x2xf32>) transpose_rhs acc(f32)
      : tensor<1x256xf32>, !w -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
