// A linalg.matmul + bias + ReLU layer and an elementwise function on f32,
// checked against numpy: the matmul within a tight tolerance (numpy's BLAS
// sums in another order), the elementwise ops bitwise (IEEE ops rounded one
// by one, no FMA contraction), exp within 2 ulp of numpy's.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; r = np.random.default_rng(7); \
// RUN:   x = r.standard_normal((16, 32)).astype(np.float32); \
// RUN:   w = r.standard_normal((32, 24)).astype(np.float32); \
// RUN:   b = r.standard_normal(24).astype(np.float32); \
// RUN:   np.save('%t/x.npy', x); np.save('%t/w.npy', w); np.save('%t/b.npy', b); \
// RUN:   np.save('%t/want_layer.npy', np.maximum(x @ w + b, np.float32(0))); \
// RUN:   u = r.standard_normal((3, 7)).astype(np.float32); \
// RUN:   v = r.uniform(0.5, 2.0, (3, 7)).astype(np.float32); \
// RUN:   np.save('%t/u.npy', u); np.save('%t/v.npy', v); \
// RUN:   np.save('%t/want_ew.npy', u * v + u / v - v); \
// RUN:   np.save('%t/want_exp.npy', np.exp(u))"
// RUN: quant-run %s --entry layer --input %t/x.npy --input %t/w.npy --input %t/b.npy --output-dir %t/layer
// RUN: %python %S/Inputs/check_close.py %t/layer/result0.npy %t/want_layer.npy --rtol 1e-5 --atol 1e-5 | FileCheck %s --check-prefix=LAYER
// LAYER: match: float32[16, 24]
// RUN: quant-run %s --entry elementwise --input %t/u.npy --input %t/v.npy --output-dir %t/ew
// RUN: %python %S/Inputs/check_close.py %t/ew/result0.npy %t/want_ew.npy | FileCheck %s --check-prefix=EW
// RUN: %python %S/Inputs/check_close.py %t/ew/result1.npy %t/want_exp.npy --rtol 2.5e-7 | FileCheck %s --check-prefix=EXP
// EW: match: float32[3, 7] max error 0
// EXP: match: float32[3, 7]
//
// A small exact case, printed:
// RUN: %python -c "import numpy as np; \
// RUN:   np.save('%t/x2.npy', np.arange(6, dtype=np.float32).reshape(2, 3)); \
// RUN:   np.save('%t/w2.npy', np.array([[1, -1], [0.5, 2], [-3, 0.25]], np.float32)); \
// RUN:   np.save('%t/b2.npy', np.array([0.125, -1], np.float32))"
// RUN: quant-run %s --entry layer2 --input %t/x2.npy --input %t/w2.npy --input %t/b2.npy --print | FileCheck %s --check-prefix=PRINT
// PRINT:      result0: shape=[2, 2] dtype=f32
// PRINT-NEXT:   [0]: 0, 1.5
// PRINT-NEXT:   [1]: 0, 5.25
// PRINT-NOT: result1

func.func @layer(%x: tensor<16x32xf32>, %w: tensor<32x24xf32>,
                 %b: tensor<24xf32>) -> tensor<16x24xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<16x24xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<16x24xf32>) -> tensor<16x24xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<16x32xf32>, tensor<32x24xf32>)
                      outs(%acc : tensor<16x24xf32>) -> tensor<16x24xf32>
  %out = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>,
                       affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%mm, %b : tensor<16x24xf32>, tensor<24xf32>) outs(%empty : tensor<16x24xf32>) {
  ^bb0(%m: f32, %bias: f32, %o: f32):
    %s = arith.addf %m, %bias : f32
    %r = arith.maximumf %s, %zero : f32
    linalg.yield %r : f32
  } -> tensor<16x24xf32>
  return %out : tensor<16x24xf32>
}

func.func @layer2(%x: tensor<2x3xf32>, %w: tensor<3x2xf32>,
                  %b: tensor<2xf32>) -> tensor<2x2xf32> {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<2x2xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x2xf32>) -> tensor<2x2xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<2x3xf32>, tensor<3x2xf32>)
                      outs(%acc : tensor<2x2xf32>) -> tensor<2x2xf32>
  %bb = linalg.broadcast ins(%b : tensor<2xf32>) outs(%empty : tensor<2x2xf32>) dimensions = [0]
  %sum = linalg.add ins(%mm, %bb : tensor<2x2xf32>, tensor<2x2xf32>) outs(%empty : tensor<2x2xf32>) -> tensor<2x2xf32>
  %zeros = linalg.fill ins(%zero : f32) outs(%empty : tensor<2x2xf32>) -> tensor<2x2xf32>
  %relu = linalg.max ins(%sum, %zeros : tensor<2x2xf32>, tensor<2x2xf32>) outs(%empty : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %relu : tensor<2x2xf32>
}

func.func @elementwise(%u: tensor<3x7xf32>, %v: tensor<3x7xf32>)
    -> (tensor<3x7xf32>, tensor<3x7xf32>) {
  %empty = tensor.empty() : tensor<3x7xf32>
  %r:2 = linalg.generic {
      indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>,
                       affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>],
      iterator_types = ["parallel", "parallel"]}
      ins(%u, %v : tensor<3x7xf32>, tensor<3x7xf32>)
      outs(%empty, %empty : tensor<3x7xf32>, tensor<3x7xf32>) {
  ^bb0(%a: f32, %b: f32, %o0: f32, %o1: f32):
    %p = arith.mulf %a, %b : f32
    %q = arith.divf %a, %b : f32
    %s = arith.addf %p, %q : f32
    %d = arith.subf %s, %b : f32
    %e = math.exp %a : f32
    linalg.yield %d, %e : f32, f32
  } -> (tensor<3x7xf32>, tensor<3x7xf32>)
  return %r#0, %r#1 : tensor<3x7xf32>, tensor<3x7xf32>
}
