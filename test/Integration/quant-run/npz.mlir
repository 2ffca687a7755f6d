// .npz archives give several arguments: members named arg0, arg1, ... (or
// numpy.savez's positional arr_0, arr_1, ...) in the order of their numbers,
// any other names in archive order. Stored and deflated archives both work,
// and .npy and .npz inputs mix.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; \
// RUN:   a = np.array([[1, 2, 3], [4, 5, 6]], np.float32); b = np.array([10, 20, 30], np.int32); \
// RUN:   np.savez('%t/positional.npz', a, b); \
// RUN:   np.savez_compressed('%t/named.npz', arg1=b, arg0=a); \
// RUN:   np.savez_compressed('%t/ordered.npz', first=a, second=b); \
// RUN:   np.savez('%t/swapped.npz', b=b, a=a); \
// RUN:   np.save('%t/a.npy', a); np.savez('%t/rest.npz', b)"
// RUN: quant-run %s --entry f --input %t/positional.npz --print | FileCheck %s
// RUN: quant-run %s --entry f --input %t/named.npz --print | FileCheck %s
// RUN: quant-run %s --entry f --input %t/ordered.npz --print | FileCheck %s
// RUN: quant-run %s --entry f --input %t/a.npy --input %t/rest.npz --print | FileCheck %s
// CHECK:      result0: shape=[2, 3] dtype=f32
// CHECK-NEXT:   [0]: 11, 22, 33
// CHECK-NEXT:   [1]: 14, 25, 36
//
// Archive order b, a does not match the signature; the message names the
// member.
// RUN: not quant-run %s --entry f --input %t/swapped.npz 2>&1 | FileCheck %s --check-prefix=SWAPPED
// SWAPPED: quant-run: error: argument #0 ('{{.*}}swapped.npz:b.npy'): expected dtype f32 ('<f4'), got '<i4'

func.func @f(%a: tensor<2x3xf32>, %b: tensor<3xi32>) -> tensor<2x3xf32> {
  %empty = tensor.empty() : tensor<2x3xf32>
  %r = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>,
                       affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<2x3xf32>, tensor<3xi32>) outs(%empty : tensor<2x3xf32>) {
  ^bb0(%x: f32, %y: i32, %o: f32):
    %yf = arith.sitofp %y : i32 to f32
    %s = arith.addf %x, %yf : f32
    linalg.yield %s : f32
  } -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
