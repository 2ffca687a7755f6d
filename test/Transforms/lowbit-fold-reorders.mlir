// RUN: quant-opt %s -split-input-file --lowbit-fold-reorders 2>/dev/null | FileCheck %s
// RUN: quant-opt %s -split-input-file --lowbit-fold-reorders -verify-diagnostics > /dev/null
// The report of the last case (each split runs the pass anew):
// RUN: quant-opt %s -split-input-file --lowbit-fold-reorders=report=%t 2>/dev/null > /dev/null
// RUN: FileCheck %s --check-prefix=REPORT < %t

#id = affine_map<(s, c) -> (s, c)>
#ch = affine_map<(s, c) -> (c)>

// A norm-like producer (x * gamma) feeding a linear layer: gamma is gathered
// by P, x (a function argument, kept in order) is read through a fused
// index remap, and the weight's input columns are gathered by P.
// CHECK-LABEL: func.func @norm_then_linear
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// CHECK: %[[G:.*]] = arith.constant dense<[3.000000e+00, 1.000000e+00, 4.000000e+00, 2.000000e+00]> : tensor<4xf32>
// CHECK: %[[N:.*]] = linalg.generic {{.*}} ins(%[[G]] : tensor<4xf32>)
// CHECK: %[[PERM:.*]] = arith.constant dense<[2, 0, 3, 1]> : tensor<4xi32>
// CHECK: tensor.extract %[[PERM]]
// CHECK: tensor.extract %[[X]]
// CHECK: %[[O:.*]] = lowbit.observe "w.in" %[[N]] {cluster_sizes = array<i64: 2, 2>, max = array<f32: 3.000000e+00, 1.000000e+00, 4.000000e+00, 2.000000e+00>, min = array<f32: 0.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00>}
// CHECK-NOT: lowbit.reorder
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[}}3.000000e+00, 1.000000e+00, 4.000000e+00, 2.000000e+00]]> : tensor<1x4xf32>
// CHECK-NOT: lowbit.reorder
// CHECK: linalg.matmul {{.*}} ins(%[[O]], %[[W]] :
// CHECK-NOT: dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00]>
func.func @norm_then_linear(%x: tensor<2x4xf32>) -> tensor<2x1xf32> {
  %g = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf32>
  %e = tensor.empty() : tensor<2x4xf32>
  %n = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x, %g : tensor<2x4xf32>, tensor<4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.mulf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  // expected-remark @+1 {{reorder of 'w.in' folded: 3 producer change(s), 1 consumer weight(s)}}
  %obs = lowbit.observe "w.in" %n {min = array<f32: 0.0, 0.0, 0.0, 0.0>, max = array<f32: 1.0, 2.0, 3.0, 4.0>} : tensor<2x4xf32>
  %p = lowbit.reorder %obs axis 1 permutation [2, 0, 3, 1] {cluster_sizes = array<i64: 2, 2>} : tensor<2x4xf32>
  %back = lowbit.reorder %p axis 1 permutation [1, 3, 0, 2] : tensor<2x4xf32>
  %z = arith.constant 0.0 : f32
  %e2 = tensor.empty() : tensor<2x1xf32>
  %init = linalg.fill ins(%z : f32) outs(%e2 : tensor<2x1xf32>) -> tensor<2x1xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%back, %w : tensor<2x4xf32>, tensor<1x4xf32>) outs(%init : tensor<2x1xf32>) -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
}

// -----

// A consumer that is not a linear layer: the pair is the identity and is
// dropped; the activation keeps its order.
// CHECK-LABEL: func.func @not_a_linear_layer
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// CHECK-NOT: lowbit.reorder
// CHECK: %[[O:.*]] = lowbit.observe "act" %[[X]]
// CHECK: return %[[O]]
func.func @not_a_linear_layer(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-remark @+1 {{reorder of 'act' not folded: consumer 'func.return' is not a linear layer}}
  %obs = lowbit.observe "act" %x : tensor<2x4xf32>
  %p = lowbit.reorder %obs axis 1 permutation [2, 0, 3, 1] : tensor<2x4xf32>
  %back = lowbit.reorder %p axis 1 permutation [1, 3, 0, 2] : tensor<2x4xf32>
  return %back : tensor<2x4xf32>
}

// -----

// A reorder that is not a planned pair is left alone and reported.
// CHECK-LABEL: func.func @unplanned
// CHECK: lowbit.reorder
// REPORT: (unobserved value): not folded: not a planned reorder pair; left in place
func.func @unplanned(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %p = lowbit.reorder %x axis 1 permutation [2, 0, 3, 1] : tensor<2x4xf32>
  return %p : tensor<2x4xf32>
}
