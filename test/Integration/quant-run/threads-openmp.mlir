// With threads > 1 (quant-run --matmul-threads, lowbit-to-llvm threads=N),
// every scf.forall becomes an OpenMP parallel loop. convert-scf-to-openmp
// wraps each loop body in memref.alloca_scope, which the pipeline inlines
// between llvm.intr.stacksave / stackrestore when the body holds an alloca
// (each thread's stack buffer is its own and freed per iteration); the
// result equals the one-thread result.
//
// RUN: quant-opt %s --lowbit-to-llvm="threads=2" | FileCheck %s --check-prefix=IR
// IR-NOT: memref.alloca_scope
// IR: omp.parallel
// IR: omp.loop_nest
// IR: %[[STACK:.*]] = llvm.intr.stacksave : !llvm.ptr
// IR: llvm.alloca
// IR: llvm.intr.stackrestore %[[STACK]] : !llvm.ptr
// IR: omp.yield
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.arange(8, dtype=np.float32))"
// RUN: quant-run %s --matmul-threads 2 --input %t/x.npy --print --output-dir %t/two | FileCheck %s
// RUN: quant-run %s --input %t/x.npy --print --output-dir %t/one | FileCheck %s
// CHECK:      result0: shape=[8] dtype=f32
// CHECK-NEXT:   0, 2, 4, 6, 8, 10, 12, 14

// Each of two chunks doubles its half of %x through a stack buffer.
func.func @main(%x: tensor<8xf32>) -> tensor<8xf32> {
  %init = tensor.empty() : tensor<8xf32>
  %r = scf.forall (%c) in (2) shared_outs(%o = %init) -> tensor<8xf32> {
    %c4 = arith.constant 4 : index
    %off = arith.muli %c, %c4 : index
    %in = tensor.extract_slice %x[%off] [4] [1] : tensor<8xf32> to tensor<4xf32>
    %buf = memref.alloca() : memref<4xf32>
    %m = bufferization.to_buffer %in : tensor<4xf32> to memref<4xf32>
    memref.copy %m, %buf : memref<4xf32> to memref<4xf32>
    %t = bufferization.to_tensor %buf restrict : memref<4xf32> to tensor<4xf32>
    %two = arith.constant dense<2.0> : tensor<4xf32>
    %y = arith.mulf %t, %two : tensor<4xf32>
    scf.forall.in_parallel {
      tensor.parallel_insert_slice %y into %o[%off] [4] [1] : tensor<4xf32> into tensor<8xf32>
    }
  }
  return %r : tensor<8xf32>
}
