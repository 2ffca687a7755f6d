// Several results of different dtypes and shapes, including results that
// alias an argument, a constant, a view of an argument and each other: each
// comes back as its own array (the runner frees every returned buffer once).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; \
// RUN:   np.save('%t/x.npy', np.arange(12, dtype=np.float32).reshape(3, 4)); \
// RUN:   np.save('%t/n.npy', np.array([5, 6], np.int64))"
// RUN: quant-run %s --entry many --input %t/x.npy --input %t/n.npy --print --output-dir %t/out \
// RUN:   | FileCheck %s
// CHECK-LABEL: result0: shape=[3, 4] dtype=f32
// CHECK-NEXT:    [0]: 0, 2, 4, 6
// CHECK-NEXT:    [1]: 8, 10, 12, 14
// CHECK-NEXT:    [2]: 16, 18, 20, 22
// CHECK-LABEL: result1: shape=[3, 4] dtype=f32
// CHECK-NEXT:    [0]: 0, 1, 2, 3
// CHECK-LABEL: result2: shape=[2] dtype=i64
// CHECK-NEXT:    5, 6
// CHECK-LABEL: result3: shape=[2, 2] dtype=i32
// CHECK-NEXT:    [0]: 1, 2
// CHECK-NEXT:    [1]: 3, 4
// CHECK-LABEL: result4: shape=[2, 2] dtype=f32
// CHECK-NEXT:    [0]: 5, 6
// CHECK-NEXT:    [1]: 9, 10
// CHECK-LABEL: result5: shape=[3, 4] dtype=f32
// CHECK-NEXT:    [0]: 0, 2, 4, 6
// CHECK-LABEL: result6: shape=[] dtype=f32
// CHECK-NEXT:    66
// CHECK-NOT: result7
//
// RUN: %python -c "import numpy as np, os; print(sorted(os.listdir('%t/out'))); \
// RUN:   [print(r.dtype, r.shape) for r in (np.load('%t/out/result' + str(i) + '.npy') for i in range(7))]" \
// RUN:   | FileCheck %s --check-prefix=FILES
// FILES: ['result0.npy', 'result1.npy', 'result2.npy', 'result3.npy', 'result4.npy', 'result5.npy', 'result6.npy']
// FILES-NEXT: float32 (3, 4)
// FILES-NEXT: float32 (3, 4)
// FILES-NEXT: int64 (2,)
// FILES-NEXT: int32 (2, 2)
// FILES-NEXT: float32 (2, 2)
// FILES-NEXT: float32 (3, 4)
// FILES-NEXT: float32 ()

func.func @many(%x: tensor<3x4xf32>, %n: tensor<2xi64>)
    -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<2xi64>, tensor<2x2xi32>,
        tensor<2x2xf32>, tensor<3x4xf32>, tensor<f32>) {
  %twice = arith.addf %x, %x : tensor<3x4xf32>
  %const = arith.constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi32>
  %view = tensor.extract_slice %x[1, 1] [2, 2] [1, 1] : tensor<3x4xf32> to tensor<2x2xf32>
  %zero = arith.constant 0.0 : f32
  %init = tensor.empty() : tensor<f32>
  %acc = linalg.fill ins(%zero : f32) outs(%init : tensor<f32>) -> tensor<f32>
  %sum = linalg.reduce ins(%x : tensor<3x4xf32>) outs(%acc : tensor<f32>) dimensions = [0, 1]
    (%a: f32, %b: f32) {
      %s = arith.addf %a, %b : f32
      linalg.yield %s : f32
    }
  return %twice, %x, %n, %const, %view, %twice, %sum
      : tensor<3x4xf32>, tensor<3x4xf32>, tensor<2xi64>, tensor<2x2xi32>,
        tensor<2x2xf32>, tensor<3x4xf32>, tensor<f32>
}
