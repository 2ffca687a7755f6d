// The lowbit-to-nvvm pipeline on a W4A16 GEMV: the fast kernel, outlined,
// lowered to NVVM and PTX (embedded as text: no CUDA toolkit needed), and
// host code that copies in, launches and copies out through the mgpu* ABI.
// RUN: quant-opt %s --lowbit-to-nvvm="kernels-only" | FileCheck %s --check-prefix=KERNELS
// RUN: quant-opt %s --lowbit-to-nvvm="chip=sm_90" | FileCheck %s --check-prefix=PTX
// RUN: quant-opt %s --lowbit-to-nvvm | FileCheck %s --check-prefix=HOST
// RUN: quant-opt %s --lowbit-to-nvvm="kernels-only reference-only" | FileCheck %s --check-prefix=REF
// RUN: not quant-opt %s --lowbit-to-nvvm="chip=sm_7" 2>&1 | FileCheck %s --check-prefix=CHIP

// KERNELS-LABEL: func.func @main
// KERNELS: gpu.memcpy async
// KERNELS: gpu.launch_func  @main_kernel::@main_kernel blocks in (%c16, %c1, %c1) threads in (%c128, %c1, %c1)
// KERNELS: gpu.module @main_kernel
// KERNELS: gpu.func @main_kernel({{.*}}) kernel
// KERNELS-COUNT-5: gpu.shuffle  xor

// One 16-byte load of codes and eight of activations per lane and step,
// 32 FMAs and one for the scale, a five-step butterfly.
// PTX: gpu.binary @main_kernel
// PTX-SAME: #nvvm.target<O = 3, chip = "sm_90", features = "+ptx78">
// PTX-SAME: .target sm_90
// PTX-SAME: ld.global.v4.b32
// PTX-SAME: fma.rn.f32
// PTX-SAME: shfl.sync.bfly.b32

// HOST-LABEL: llvm.func @main(
// HOST: llvm.call @mgpuMemAlloc
// HOST: llvm.call @mgpuMemcpy
// HOST: gpu.launch_func  @main_kernel::@main_kernel
// HOST: llvm.call @malloc
// HOST: llvm.call @mgpuMemcpy
// HOST: llvm.call @mgpuMemFree

// The reference lowering instead: dequantized weights and a plain loop
// nest, one kernel per linalg op, no shuffles.
// REF: gpu.launch_func
// REF: gpu.launch_func
// REF-NOT: gpu.shuffle

// CHIP: unsupported GPU chip 'sm_7': not an architecture this compiler targets

!w = !lowbit.qtensor<64x256, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>>
func.func @main(%a: tensor<1x256xf32>, %w: !w, %s: tensor<64x2xf32>) -> tensor<1x64xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<64x2xf32>) transpose_rhs acc(f32)
      : tensor<1x256xf32>, !w -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
