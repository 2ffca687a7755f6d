// Chips, PTX features and formats the GPU lowering cannot target are
// reported as one error, never an LLVM warning flood or abort.
// RUN: quant-opt %s -split-input-file -verify-diagnostics --convert-lowbit-matmul-to-gpu="chip=sm_99"
// RUN: not quant-opt %s --convert-lowbit-matmul-to-gpu="chip=gfx90a" 2>&1 | FileCheck %s --check-prefix=NAME
// RUN: not quant-opt %s --convert-lowbit-matmul-to-gpu="chip=sm_75" 2>&1 | FileCheck %s --check-prefix=OLD
// RUN: quant-opt %s --convert-lowbit-matmul-to-gpu="chip=sm_75 fast-kernels=false" | FileCheck %s --check-prefix=GENERIC
// RUN: not quant-opt %s --convert-lowbit-matmul-to-gpu="features=+ptx99" 2>&1 | FileCheck %s --check-prefix=FEATURES
// RUN: not quant-opt %s --convert-lowbit-matmul-to-gpu="features=bogus" 2>&1 | FileCheck %s --check-prefix=FEATURES
// RUN: not quant-opt %s --convert-lowbit-matmul-to-gpu="chip=sm_90 features=+ptx60" 2>&1 | FileCheck %s --check-prefix=OLDPTX
// RUN: quant-opt %s --convert-lowbit-matmul-to-gpu="chip=sm_90 features=+ptx80" | FileCheck %s --check-prefix=GENERIC
// RUN: not quant-opt %s --lowbit-to-nvvm="format=xyz" 2>&1 | FileCheck %s --check-prefix=FORMAT

// expected-error@below {{unsupported GPU chip 'sm_99': not an architecture this compiler targets (sm_50 ... sm_121a)}}
module {
  func.func @f() {
    return
  }
}
// NAME: unsupported GPU chip 'gfx90a': expected an NVIDIA architecture name of the form sm_NN
// OLD: the GPU kernels need sm_80 or later, got 'sm_75' (use fast-kernels=false for the generic lowering)
// GENERIC: func.func @f
// FEATURES: error: unsupported PTX features '{{.*}}': expected +ptxNN with a PTX ISA version from 3.2 to 9.0
// OLDPTX: error: PTX 6.0 (features '+ptx60') cannot target 'sm_90', which needs PTX 7.8 or later
// FORMAT: error: unsupported binary format 'xyz': expected isa, bin, fatbin or offload
