// Dynamic dimensions accept any size; result shapes come from the call.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; \
// RUN:   np.save('%t/a23.npy', np.arange(6, dtype=np.float32).reshape(2, 3)); \
// RUN:   np.save('%t/b34.npy', np.arange(12, dtype=np.float32).reshape(3, 4) - 5); \
// RUN:   np.save('%t/a15.npy', np.ones((1, 5), np.float32)); \
// RUN:   np.save('%t/b51.npy', np.full((5, 1), 0.5, np.float32)); \
// RUN:   np.save('%t/a03.npy', np.zeros((0, 3), np.float32)); \
// RUN:   np.save('%t/v5.npy', np.array([3, -1, 4, -1, 5], np.int32)); \
// RUN:   np.save('%t/s.npy', np.array(2.5, np.float32))"
// RUN: quant-run %s --entry matmul --input %t/a23.npy --input %t/b34.npy --print --output-dir %t/out \
// RUN:   | FileCheck %s --check-prefix=MM23
// MM23:      result0: shape=[2, 4] dtype=f32
// MM23-NEXT:   [0]: 5, 8, 11, 14
// MM23-NEXT:   [1]: -4, 8, 20, 32
// RUN: %python -c "import numpy as np; r = np.load('%t/out/result0.npy'); print(r.dtype, r.shape)" \
// RUN:   | FileCheck %s --check-prefix=FILE
// FILE: float32 (2, 4)
//
// The same function with other sizes, and with an empty operand:
// RUN: quant-run %s --entry matmul --input %t/a15.npy --input %t/b51.npy --print | FileCheck %s --check-prefix=MM15
// MM15:      result0: shape=[1, 1] dtype=f32
// MM15-NEXT:   [0]: 2.5
// RUN: quant-run %s --entry matmul --input %t/a03.npy --input %t/b34.npy --print | FileCheck %s --check-prefix=MM03
// MM03:      result0: shape=[0, 4] dtype=f32
// MM03-NEXT:   <empty>
//
// Result shapes computed in the function (transpose, concatenation of a
// slice, a reduction to rank 0) and a rank-0 argument:
// RUN: quant-run %s --entry reshape --input %t/a23.npy --input %t/v5.npy --input %t/s.npy --print \
// RUN:   | FileCheck %s --check-prefix=RESHAPE
// RESHAPE:      result0: shape=[3, 2] dtype=f32
// RESHAPE-NEXT:   [0]: 2.5, 5.5
// RESHAPE-NEXT:   [1]: 3.5, 6.5
// RESHAPE-NEXT:   [2]: 4.5, 7.5
// RESHAPE-NEXT: result1: shape=[3] dtype=i32
// RESHAPE-NEXT:   4, -1, 5
// RESHAPE-NEXT: result2: shape=[] dtype=i32
// RESHAPE-NEXT:   10
// RESHAPE-NEXT: result3: shape=[2, 3, 1] dtype=f32
// RESHAPE-NEXT:   [0, 0]: 0
// RESHAPE-NEXT:   [0, 1]: 1
// RESHAPE-NEXT:   [0, 2]: 2
// RESHAPE-NEXT:   [1, 0]: 3
// RESHAPE-NEXT:   [1, 1]: 4
// RESHAPE-NEXT:   [1, 2]: 5

func.func @matmul(%a: tensor<?x?xf32>, %b: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %a, %c0 : tensor<?x?xf32>
  %n = tensor.dim %b, %c1 : tensor<?x?xf32>
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty(%m, %n) : tensor<?x?xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<?x?xf32>) -> tensor<?x?xf32>
  %r = linalg.matmul ins(%a, %b : tensor<?x?xf32>, tensor<?x?xf32>)
                     outs(%acc : tensor<?x?xf32>) -> tensor<?x?xf32>
  return %r : tensor<?x?xf32>
}

func.func @reshape(%a: tensor<?x?xf32>, %v: tensor<?xi32>, %s: tensor<f32>)
    -> (tensor<?x?xf32>, tensor<?xi32>, tensor<i32>, tensor<?x?x1xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  // result0: transpose(a) + s
  %m = tensor.dim %a, %c0 : tensor<?x?xf32>
  %n = tensor.dim %a, %c1 : tensor<?x?xf32>
  %empty = tensor.empty(%n, %m) : tensor<?x?xf32>
  %t = linalg.transpose ins(%a : tensor<?x?xf32>) outs(%empty : tensor<?x?xf32>) permutation = [1, 0]
  %sv = tensor.extract %s[] : tensor<f32>
  %shifted = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%t : tensor<?x?xf32>) outs(%empty : tensor<?x?xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %sv : f32
    linalg.yield %y : f32
  } -> tensor<?x?xf32>
  // result1: the elements of v from index 2 on
  %len = tensor.dim %v, %c0 : tensor<?xi32>
  %rest = arith.subi %len, %c2 : index
  %tail = tensor.extract_slice %v[2] [%rest] [1] : tensor<?xi32> to tensor<?xi32>
  // result2: sum(v)
  %zero = arith.constant 0 : i32
  %init = tensor.empty() : tensor<i32>
  %acc = linalg.fill ins(%zero : i32) outs(%init : tensor<i32>) -> tensor<i32>
  %sum = linalg.reduce ins(%v : tensor<?xi32>) outs(%acc : tensor<i32>) dimensions = [0]
    (%x: i32, %y: i32) {
      %z = arith.addi %x, %y : i32
      linalg.yield %z : i32
    }
  // result3: a with a unit dimension added
  %e = tensor.expand_shape %a [[0], [1, 2]] output_shape [%m, %n, 1]
      : tensor<?x?xf32> into tensor<?x?x1xf32>
  return %shifted, %tail, %sum, %e
      : tensor<?x?xf32>, tensor<?xi32>, tensor<i32>, tensor<?x?x1xf32>
}
