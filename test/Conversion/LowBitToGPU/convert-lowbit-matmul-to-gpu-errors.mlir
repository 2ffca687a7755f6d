// Chips the GPU lowering cannot target are reported, never an LLVM crash.
// RUN: quant-opt %s -split-input-file -verify-diagnostics --convert-lowbit-matmul-to-gpu="chip=sm_99"
// RUN: not quant-opt %s --convert-lowbit-matmul-to-gpu="chip=gfx90a" 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: not quant-opt %s --convert-lowbit-matmul-to-gpu="chip=sm_75" 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: quant-opt %s --convert-lowbit-matmul-to-gpu="chip=sm_75 fast-kernels=false" | FileCheck %s --check-prefix=GENERIC

// expected-error@below {{unsupported GPU chip 'sm_99': not an architecture this compiler targets (sm_50 ... sm_121a)}}
module {
  func.func @f() {
    return
  }
}
// NAME: unsupported GPU chip 'gfx90a': expected an NVIDIA architecture name of the form sm_NN
// OLD: the GPU kernels need sm_80 or later, got 'sm_75' (use fast-kernels=false for the generic lowering)
// GENERIC: func.func @f
