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

// R3 with grouped-query attention: the attention output's permutation
// ([1, 0] in both query heads of the one kv group) reaches v through the PV
// contraction's `h floordiv 2`, which projects it onto v's single head:
// wv's rows are gathered, the observer and the contraction are rebuilt, and
// wo's columns absorb the inverse.
// CHECK-LABEL: func.func @grouped_value
// CHECK-SAME: (%[[X:.*]]: tensor<3x2xf32>, %[[P:.*]]: tensor<2x3x3xf32>)
// CHECK: %[[WV:.*]] = arith.constant dense<{{\[\[}}3.000000e+00, -1.000000e+00], [1.000000e+00, 2.000000e+00]]> : tensor<2x2xf32>
// CHECK: %[[V:.*]] = linalg.matmul {{.*}} ins(%[[X]], %[[WV]] :
// The value heads keep the clusters of the query heads that read them.
// CHECK: %[[OV:.*]] = lowbit.observe "l.wv.out" %[[V]] {cluster_sizes = array<i64: 1, 1>, heads = 1 : i64}
// CHECK: %[[VH:.*]] = tensor.expand_shape %[[OV]]
// CHECK: %[[A:.*]] = linalg.generic {{.*}} ins(%[[P]], %[[VH]] : tensor<2x3x3xf32>, tensor<3x1x2xf32>)
// CHECK: %[[C:.*]] = tensor.collapse_shape %[[A]]
// CHECK: %[[OO:.*]] = lowbit.observe "l.wo.in" %[[C]] {cluster_sizes = array<i64: 1, 1, 1, 1>, heads = 2 : i64}
// CHECK: %[[WO:.*]] = arith.constant dense<{{\[\[}}5.000000e-01, 1.000000e+00, 2.500000e-01, -2.000000e+00], [1.500000e+00, 0.000000e+00, -1.000000e+00, 1.000000e+00]]> : tensor<2x4xf32>
// CHECK-NOT: lowbit.reorder
// CHECK: linalg.matmul {{.*}} ins(%[[OO]], %[[WO]] :
#mm = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
func.func @grouped_value(%x: tensor<3x2xf32>, %probs: tensor<2x3x3xf32>) -> tensor<3x2xf32> {
  %wv = arith.constant dense<[[1.0, 2.0], [3.0, -1.0]]> : tensor<2x2xf32>
  %wo = arith.constant dense<[[1.0, 0.5, -2.0, 0.25], [0.0, 1.5, 1.0, -1.0]]> : tensor<2x4xf32>
  %z = arith.constant 0.0 : f32
  %e0 = tensor.empty() : tensor<3x2xf32>
  %i0 = linalg.fill ins(%z : f32) outs(%e0 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %v = linalg.matmul indexing_maps = #mm ins(%x, %wv : tensor<3x2xf32>, tensor<2x2xf32>) outs(%i0 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %ov = lowbit.observe "l.wv.out" %v {heads = 1 : i64} : tensor<3x2xf32>
  %vh = tensor.expand_shape %ov [[0], [1, 2]] output_shape [3, 1, 2] : tensor<3x2xf32> into tensor<3x1x2xf32>
  %e1 = tensor.empty() : tensor<3x2x2xf32>
  %i1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<3x2x2xf32>) -> tensor<3x2x2xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(i, h, d, j) -> (h, i, j)>, affine_map<(i, h, d, j) -> (j, h floordiv 2, d)>, affine_map<(i, h, d, j) -> (i, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%probs, %vh : tensor<2x3x3xf32>, tensor<3x1x2xf32>) outs(%i1 : tensor<3x2x2xf32>) {
  ^bb0(%p: f32, %y: f32, %acc: f32):
    %m = arith.mulf %p, %y : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<3x2x2xf32>
  %c = tensor.collapse_shape %a [[0], [1, 2]] : tensor<3x2x2xf32> into tensor<3x4xf32>
  // expected-remark @+1 {{reorder of 'l.wo.in' folded: 5 producer change(s), 1 consumer weight(s)}}
  %oo = lowbit.observe "l.wo.in" %c {heads = 2 : i64} : tensor<3x4xf32>
  %r = lowbit.reorder %oo axis 1 permutation [1, 0, 3, 2] {cluster_sizes = array<i64: 1, 1, 1, 1>} : tensor<3x4xf32>
  %b = lowbit.reorder %r axis 1 permutation [1, 0, 3, 2] : tensor<3x4xf32>
  %e2 = tensor.empty() : tensor<3x2xf32>
  %i2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %out = linalg.matmul indexing_maps = #mm ins(%b, %wo : tensor<3x4xf32>, tensor<2x4xf32>) outs(%i2 : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %out : tensor<3x2xf32>
}

// -----

// q and k rotated in whole RoPE pairs, 2 heads each: head 0 swaps its two
// pairs, head 1 keeps them. The tables, read per pair with (s, i), cannot
// follow one gather, so each becomes a per-head table read with (s, h, i).
// CHECK-LABEL: func.func @rope_per_head
// CHECK: %[[OQ:.*]] = lowbit.observe "m.wq.out" {{.*}} {cluster_sizes = array<i64: 2, 2, 4>, heads = 2 : i64}
// CHECK: %[[OK:.*]] = lowbit.observe "m.wk.out" {{.*}} {cluster_sizes = array<i64: 2, 2, 4>, heads = 2 : i64}
// CHECK: %[[QP:.*]] = tensor.expand_shape %[[OQ]]
// CHECK: %[[COS:.*]] = arith.constant dense<{{\[\[\[}}1.000000e+00, 1.000000e+00], [1.000000e+00, 1.000000e+00]], {{\[\[}}8.750000e-01, 5.000000e-01], [5.000000e-01, 8.750000e-01]]]> : tensor<2x2x2xf32>
// CHECK: %[[SIN:.*]] = arith.constant dense<{{.*}}> : tensor<2x2x2xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #{{.*}}, #[[PERHEAD:.*]], #[[PERHEAD]], #{{.*}}], {{.*}} ins(%[[QP]], %[[QP]], %[[COS]], %[[SIN]] : tensor<2x2x2x2xf32>, tensor<2x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2xf32>)
// CHECK: %[[KP:.*]] = tensor.expand_shape %[[OK]]
// CHECK: linalg.generic {{.*}} ins(%[[KP]], %[[KP]], {{.*}} : tensor<2x2x2x2xf32>, tensor<2x2x2x2xf32>, tensor<2x2x2xf32>, tensor<2x2x2xf32>)
// CHECK-NOT: lowbit.reorder
// CHECK: return
#mm = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
#rope = [affine_map<(s, h, i, t) -> (s, h, i, 0)>, affine_map<(s, h, i, t) -> (s, h, i, 1)>, affine_map<(s, h, i, t) -> (s, i)>, affine_map<(s, h, i, t) -> (s, i)>, affine_map<(s, h, i, t) -> (s, h, i, t)>]
#par4 = ["parallel", "parallel", "parallel", "parallel"]
func.func @rope_per_head(%x: tensor<2x2xf32>) -> tensor<2x2x2xf32> {
  %wq = arith.constant dense<[[1.0, 0.0], [0.5, 1.0], [-1.0, 2.0], [0.25, 0.5], [2.0, -1.0], [1.0, 1.0], [0.0, -0.5], [1.5, 0.25]]> : tensor<8x2xf32>
  %wk = arith.constant dense<[[0.5, -1.0], [1.0, 1.0], [-2.0, 0.5], [0.75, 0.25], [1.0, 2.0], [-0.5, 0.5], [0.25, 1.0], [2.0, 0.0]]> : tensor<8x2xf32>
  %cos = arith.constant dense<[[1.0, 1.0], [0.5, 0.875]]> : tensor<2x2xf32>
  %sin = arith.constant dense<[[0.0, 0.0], [0.75, 0.25]]> : tensor<2x2xf32>
  %z = arith.constant 0.0 : f32
  %eq = tensor.empty() : tensor<2x8xf32>
  %iq = linalg.fill ins(%z : f32) outs(%eq : tensor<2x8xf32>) -> tensor<2x8xf32>
  %q = linalg.matmul indexing_maps = #mm ins(%x, %wq : tensor<2x2xf32>, tensor<8x2xf32>) outs(%iq : tensor<2x8xf32>) -> tensor<2x8xf32>
  %ik = linalg.fill ins(%z : f32) outs(%eq : tensor<2x8xf32>) -> tensor<2x8xf32>
  %k = linalg.matmul indexing_maps = #mm ins(%x, %wk : tensor<2x2xf32>, tensor<8x2xf32>) outs(%ik : tensor<2x8xf32>) -> tensor<2x8xf32>
  // expected-remark @+1 {{reorders of 'm.wq.out + m.wk.out' folded jointly}}
  %oq = lowbit.observe "m.wq.out" %q {heads = 2 : i64} : tensor<2x8xf32>
  %rq = lowbit.reorder %oq axis 1 permutation [2, 3, 0, 1, 4, 5, 6, 7] {cluster_sizes = array<i64: 2, 2, 4>} : tensor<2x8xf32>
  %bq = lowbit.reorder %rq axis 1 permutation [2, 3, 0, 1, 4, 5, 6, 7] : tensor<2x8xf32>
  %ok = lowbit.observe "m.wk.out" %k {heads = 2 : i64} : tensor<2x8xf32>
  %rk = lowbit.reorder %ok axis 1 permutation [2, 3, 0, 1, 4, 5, 6, 7] {cluster_sizes = array<i64: 2, 2, 4>} : tensor<2x8xf32>
  %bk = lowbit.reorder %rk axis 1 permutation [2, 3, 0, 1, 4, 5, 6, 7] : tensor<2x8xf32>
  %qp = tensor.expand_shape %bq [[0], [1, 2, 3]] output_shape [2, 2, 2, 2] : tensor<2x8xf32> into tensor<2x2x2x2xf32>
  %er = tensor.empty() : tensor<2x2x2x2xf32>
  %qr = linalg.generic {indexing_maps = #rope, iterator_types = #par4} ins(%qp, %qp, %cos, %sin : tensor<2x2x2x2xf32>, tensor<2x2x2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) outs(%er : tensor<2x2x2x2xf32>) {
  ^bb0(%x0: f32, %x1: f32, %c: f32, %s: f32, %o: f32):
    %a = arith.mulf %x0, %c : f32
    %b = arith.mulf %x1, %s : f32
    %even = arith.subf %a, %b : f32
    %d = arith.mulf %x0, %s : f32
    %f = arith.mulf %x1, %c : f32
    %odd = arith.addf %d, %f : f32
    %t = linalg.index 3 : index
    %c0 = arith.constant 0 : index
    %isEven = arith.cmpi eq, %t, %c0 : index
    %r = arith.select %isEven, %even, %odd : f32
    linalg.yield %r : f32
  } -> tensor<2x2x2x2xf32>
  %qh = tensor.collapse_shape %qr [[0], [1], [2, 3]] : tensor<2x2x2x2xf32> into tensor<2x2x4xf32>
  %kp = tensor.expand_shape %bk [[0], [1, 2, 3]] output_shape [2, 2, 2, 2] : tensor<2x8xf32> into tensor<2x2x2x2xf32>
  %kr = linalg.generic {indexing_maps = #rope, iterator_types = #par4} ins(%kp, %kp, %cos, %sin : tensor<2x2x2x2xf32>, tensor<2x2x2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) outs(%er : tensor<2x2x2x2xf32>) {
  ^bb0(%x0: f32, %x1: f32, %c: f32, %s: f32, %o: f32):
    %a = arith.mulf %x0, %c : f32
    %b = arith.mulf %x1, %s : f32
    %even = arith.subf %a, %b : f32
    %d = arith.mulf %x0, %s : f32
    %f = arith.mulf %x1, %c : f32
    %odd = arith.addf %d, %f : f32
    %t = linalg.index 3 : index
    %c0 = arith.constant 0 : index
    %isEven = arith.cmpi eq, %t, %c0 : index
    %r = arith.select %isEven, %even, %odd : f32
    linalg.yield %r : f32
  } -> tensor<2x2x2x2xf32>
  %kh = tensor.collapse_shape %kr [[0], [1], [2, 3]] : tensor<2x2x2x2xf32> into tensor<2x2x4xf32>
  %es = tensor.empty() : tensor<2x2x2xf32>
  %is = linalg.fill ins(%z : f32) outs(%es : tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(h, i, j, d) -> (i, h, d)>, affine_map<(h, i, j, d) -> (j, h, d)>, affine_map<(h, i, j, d) -> (h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%qh, %kh : tensor<2x2x4xf32>, tensor<2x2x4xf32>) outs(%is : tensor<2x2x2xf32>) {
  ^bb0(%u: f32, %w: f32, %acc: f32):
    %m = arith.mulf %u, %w : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x2x2xf32>
  return %scores : tensor<2x2x2xf32>
}

// -----

// The producer (a function argument) cannot write in cluster order: the
// reorder becomes an index remap fused into the consumer's load. The
// matmul turns into a generic that reads x[m, perm[k]] through a table,
// its weight's columns are gathered, and the observer keeps the original
// order and records the clusters.
// CHECK-LABEL: func.func @remap_fallback
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// CHECK: %[[O:.*]] = lowbit.observe "n.in" %[[X]] {cluster_permutation = array<i64: 2, 0, 3, 1>, cluster_sizes = array<i64: 2, 2>}
// CHECK: %[[W:.*]] = arith.constant dense<{{\[\[}}3.000000e+00, 1.000000e+00, 4.000000e+00, 2.000000e+00], [2.500000e-01, -1.000000e+00, 2.000000e+00, 5.000000e-01]]> : tensor<2x4xf32>
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[W]] : tensor<2x4xf32>)
// CHECK: %[[PERM:.*]] = arith.constant dense<[2, 0, 3, 1]> : tensor<4xi32>
// CHECK: %[[M:.*]] = linalg.index 0
// CHECK: %[[K:.*]] = linalg.index 2
// CHECK: %[[E:.*]] = tensor.extract %[[PERM]][%[[K]]]
// CHECK: %[[I:.*]] = arith.index_cast %[[E]]
// CHECK: tensor.extract %[[O]][%[[M]], %[[I]]]
// CHECK-NOT: lowbit.reorder
#mm = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
func.func @remap_fallback(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.25, 2.0]]> : tensor<2x4xf32>
  // expected-remark @+1 {{reorder of 'n.in' folded: 1 producer change(s), 2 consumer weight(s)}}
  %o = lowbit.observe "n.in" %x : tensor<2x4xf32>
  %r = lowbit.reorder %o axis 1 permutation [2, 0, 3, 1] {cluster_sizes = array<i64: 2, 2>} : tensor<2x4xf32>
  %b = lowbit.reorder %r axis 1 permutation [1, 3, 0, 2] : tensor<2x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul indexing_maps = #mm ins(%b, %w : tensor<2x4xf32>, tensor<2x4xf32>) outs(%i : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

// The model's last norm: the residual sum that feeds it is also read by the
// norm's sum of squares, a reduction over the channels that P does not
// change. P moves into the sum and into the linear layer that feeds it (its
// weight rows gathered, the residual read through an index remap), and the
// sum of squares reads the permuted sum: the sum and the matmul exist once,
// not once per channel order.
// CHECK-LABEL: func.func @final_norm
// CHECK: %[[W2:.*]] = arith.constant dense<{{\[\[}}0.000000e+00, 0.000000e+00, 3.000000e+00, 0.000000e+00], [1.000000e+00, 0.000000e+00, 0.000000e+00, 0.000000e+00], [0.000000e+00, 0.000000e+00, 0.000000e+00, 4.000000e+00], [0.000000e+00, 2.000000e+00, 0.000000e+00, 0.000000e+00]]> : tensor<4x4xf32>
// CHECK: %[[M:.*]] = linalg.matmul {{.*}} ins(%{{.*}}, %[[W2]] :
// CHECK: %[[H:.*]] = linalg.generic {{.*}} ins(%[[M]] : tensor<2x4xf32>)
// CHECK: %[[SS:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%[[H]] : tensor<2x4xf32>)
// CHECK: linalg.generic {{.*}} ins(%[[H]], %[[SS]], %{{.*}} : tensor<2x4xf32>, tensor<2xf32>, tensor<4xf32>)
// CHECK: linalg.matmul
// CHECK-NOT: linalg.matmul
// CHECK-NOT: lowbit.reorder
#id = affine_map<(s, c) -> (s, c)>
#ch = affine_map<(s, c) -> (c)>
#mm = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
#tok = affine_map<(s, c) -> (s)>
func.func @final_norm(%x: tensor<2x4xf32>, %res: tensor<2x4xf32>) -> tensor<2x1xf32> {
  %w2 = arith.constant dense<[[1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0], [0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 4.0]]> : tensor<4x4xf32>
  %g = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0]]> : tensor<1x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x4xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<2x4xf32>) -> tensor<2x4xf32>
  %m = linalg.matmul indexing_maps = #mm ins(%x, %w2 : tensor<2x4xf32>, tensor<4x4xf32>) outs(%i : tensor<2x4xf32>) -> tensor<2x4xf32>
  %h = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
      ins(%res, %m : tensor<2x4xf32>, tensor<2x4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %e1 = tensor.empty() : tensor<2xf32>
  %i1 = linalg.fill ins(%z : f32) outs(%e1 : tensor<2xf32>) -> tensor<2xf32>
  %ss = linalg.generic {indexing_maps = [#id, #tok], iterator_types = ["parallel", "reduction"]}
      ins(%h : tensor<2x4xf32>) outs(%i1 : tensor<2xf32>) {
  ^bb0(%a: f32, %o: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %o, %sq : f32
    linalg.yield %r : f32
  } -> tensor<2xf32>
  %n = linalg.generic {indexing_maps = [#id, #tok, #ch, #id], iterator_types = ["parallel", "parallel"]}
      ins(%h, %ss, %g : tensor<2x4xf32>, tensor<2xf32>, tensor<4xf32>) outs(%e : tensor<2x4xf32>) {
  ^bb0(%a: f32, %s: f32, %b: f32, %o: f32):
    %t = arith.mulf %a, %s : f32
    %r = arith.mulf %t, %b : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  // expected-remark @+1 {{reorder of 'w.in' folded}}
  %obs = lowbit.observe "w.in" %n : tensor<2x4xf32>
  %p = lowbit.reorder %obs axis 1 permutation [2, 0, 3, 1] {cluster_sizes = array<i64: 2, 2>} : tensor<2x4xf32>
  %back = lowbit.reorder %p axis 1 permutation [1, 3, 0, 2] : tensor<2x4xf32>
  %e2 = tensor.empty() : tensor<2x1xf32>
  %i2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<2x1xf32>) -> tensor<2x1xf32>
  %y = linalg.matmul indexing_maps = #mm ins(%back, %w : tensor<2x4xf32>, tensor<1x4xf32>) outs(%i2 : tensor<2x1xf32>) -> tensor<2x1xf32>
  return %y : tensor<2x1xf32>
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
