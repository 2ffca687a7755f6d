// Planned reorders (as lowbit-plan-reorder leaves them) on small LLaMA-style
// blocks; fold-llama-cases.test folds them and runs every function before
// and after. The same cases, with FileCheck lines, are in
// test/Dialect/LowBit/Transforms/lowbit-fold-reorders.mlir.
#mm = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
#rope = [affine_map<(s, h, i, t) -> (s, h, i, 0)>, affine_map<(s, h, i, t) -> (s, h, i, 1)>, affine_map<(s, h, i, t) -> (s, i)>, affine_map<(s, h, i, t) -> (s, i)>, affine_map<(s, h, i, t) -> (s, h, i, t)>]
#par4 = ["parallel", "parallel", "parallel", "parallel"]

// R3 with grouped-query attention: 2 query heads read 1 value head.
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
  %oo = lowbit.observe "l.wo.in" %c {heads = 2 : i64} : tensor<3x4xf32>
  %r = lowbit.reorder %oo axis 1 permutation [1, 0, 3, 2] {cluster_sizes = array<i64: 1, 1, 1, 1>} : tensor<3x4xf32>
  %b = lowbit.reorder %r axis 1 permutation [1, 0, 3, 2] : tensor<3x4xf32>
  %e2 = tensor.empty() : tensor<3x2xf32>
  %i2 = linalg.fill ins(%z : f32) outs(%e2 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %out = linalg.matmul indexing_maps = #mm ins(%b, %wo : tensor<3x4xf32>, tensor<2x4xf32>) outs(%i2 : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %out : tensor<3x2xf32>
}

// q and k under RoPE, clustered in whole pairs: 2 query heads read 1 key
// head of 2 pairs, so both query heads swap their pairs like the key head.
// The pair permutation is the same in every head: the tables are gathered.
func.func @rope_grouped(%x: tensor<2x2xf32>) -> tensor<2x2x2xf32> {
  %wq = arith.constant dense<[[1.0, 0.0], [0.5, 1.0], [-1.0, 2.0], [0.25, 0.5], [2.0, -1.0], [1.0, 1.0], [0.0, -0.5], [1.5, 0.25]]> : tensor<8x2xf32>
  %wk = arith.constant dense<[[0.5, -1.0], [1.0, 1.0], [-2.0, 0.5], [0.75, 0.25]]> : tensor<4x2xf32>
  %cos = arith.constant dense<[[1.0, 1.0], [0.5, 0.875]]> : tensor<2x2xf32>
  %sin = arith.constant dense<[[0.0, 0.0], [0.75, 0.25]]> : tensor<2x2xf32>
  %z = arith.constant 0.0 : f32
  %eq = tensor.empty() : tensor<2x8xf32>
  %iq = linalg.fill ins(%z : f32) outs(%eq : tensor<2x8xf32>) -> tensor<2x8xf32>
  %q = linalg.matmul indexing_maps = #mm ins(%x, %wq : tensor<2x2xf32>, tensor<8x2xf32>) outs(%iq : tensor<2x8xf32>) -> tensor<2x8xf32>
  %ek = tensor.empty() : tensor<2x4xf32>
  %ik = linalg.fill ins(%z : f32) outs(%ek : tensor<2x4xf32>) -> tensor<2x4xf32>
  %k = linalg.matmul indexing_maps = #mm ins(%x, %wk : tensor<2x2xf32>, tensor<4x2xf32>) outs(%ik : tensor<2x4xf32>) -> tensor<2x4xf32>
  %oq = lowbit.observe "l.wq.out" %q {heads = 2 : i64} : tensor<2x8xf32>
  %rq = lowbit.reorder %oq axis 1 permutation [2, 3, 0, 1, 6, 7, 4, 5] {cluster_sizes = array<i64: 2, 2, 2, 2>} : tensor<2x8xf32>
  %bq = lowbit.reorder %rq axis 1 permutation [2, 3, 0, 1, 6, 7, 4, 5] : tensor<2x8xf32>
  %ok = lowbit.observe "l.wk.out" %k {heads = 1 : i64} : tensor<2x4xf32>
  %rk = lowbit.reorder %ok axis 1 permutation [2, 3, 0, 1] {cluster_sizes = array<i64: 2, 2>} : tensor<2x4xf32>
  %bk = lowbit.reorder %rk axis 1 permutation [2, 3, 0, 1] : tensor<2x4xf32>
  %qp = tensor.expand_shape %bq [[0], [1, 2, 3]] output_shape [2, 2, 2, 2] : tensor<2x8xf32> into tensor<2x2x2x2xf32>
  %eqr = tensor.empty() : tensor<2x2x2x2xf32>
  %qr = linalg.generic {indexing_maps = #rope, iterator_types = #par4} ins(%qp, %qp, %cos, %sin : tensor<2x2x2x2xf32>, tensor<2x2x2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) outs(%eqr : tensor<2x2x2x2xf32>) {
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
  %kp = tensor.expand_shape %bk [[0], [1, 2, 3]] output_shape [2, 1, 2, 2] : tensor<2x4xf32> into tensor<2x1x2x2xf32>
  %ekr = tensor.empty() : tensor<2x1x2x2xf32>
  %kr = linalg.generic {indexing_maps = #rope, iterator_types = #par4} ins(%kp, %kp, %cos, %sin : tensor<2x1x2x2xf32>, tensor<2x1x2x2xf32>, tensor<2x2xf32>, tensor<2x2xf32>) outs(%ekr : tensor<2x1x2x2xf32>) {
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
  } -> tensor<2x1x2x2xf32>
  %kh = tensor.collapse_shape %kr [[0], [1], [2, 3]] : tensor<2x1x2x2xf32> into tensor<2x1x4xf32>
  %es = tensor.empty() : tensor<2x2x2xf32>
  %is = linalg.fill ins(%z : f32) outs(%es : tensor<2x2x2xf32>) -> tensor<2x2x2xf32>
  %scores = linalg.generic {indexing_maps = [affine_map<(h, i, j, d) -> (i, h, d)>, affine_map<(h, i, j, d) -> (j, h floordiv 2, d)>, affine_map<(h, i, j, d) -> (h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%qh, %kh : tensor<2x2x4xf32>, tensor<2x1x4xf32>) outs(%is : tensor<2x2x2xf32>) {
  ^bb0(%u: f32, %w: f32, %acc: f32):
    %m = arith.mulf %u, %w : f32
    %s = arith.addf %acc, %m : f32
    linalg.yield %s : f32
  } -> tensor<2x2x2xf32>
  return %scores : tensor<2x2x2xf32>
}

// q and k under RoPE, 2 heads each: head 0 swaps its pairs, head 1 keeps
// them. The tables, read per pair, become per-head tables.
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

// The producer (a function argument) cannot write in cluster order: the
// matmul becomes a generic reading x through an index remap, with its
// weight's columns gathered.
func.func @remap_fallback(%x: tensor<2x4xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [-1.0, 0.5, 0.25, 2.0]]> : tensor<2x4xf32>
  %o = lowbit.observe "n.in" %x : tensor<2x4xf32>
  %r = lowbit.reorder %o axis 1 permutation [2, 0, 3, 1] {cluster_sizes = array<i64: 2, 2>} : tensor<2x4xf32>
  %b = lowbit.reorder %r axis 1 permutation [1, 3, 0, 2] : tensor<2x4xf32>
  %z = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %i = linalg.fill ins(%z : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  %y = linalg.matmul indexing_maps = #mm ins(%b, %w : tensor<2x4xf32>, tensor<2x4xf32>) outs(%i : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}
