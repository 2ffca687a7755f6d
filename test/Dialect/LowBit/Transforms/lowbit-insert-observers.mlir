// RUN: quant-opt %s -split-input-file -lowbit-insert-observers -verify-diagnostics | FileCheck %s
//
// Idempotent: a second run changes nothing (compared with a plain round trip
// of the first run's output).
// RUN: quant-opt %s -split-input-file -lowbit-insert-observers -verify-diagnostics > %t.once
// RUN: quant-opt %t.once -split-input-file > %t.roundtrip
// RUN: quant-opt %t.once -split-input-file -lowbit-insert-observers | diff -u %t.roundtrip -
//
// Weights are dense_resource constants as the front ends emit them (the blobs
// do not matter to the pass and are left out).

#x = affine_map<(s, c) -> (s, c)>
#ch = affine_map<(s, c) -> (c)>
#tok = affine_map<(s, c) -> (s)>
#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (n, k)>
#out = affine_map<(m, n, k) -> (m, n)>

// One OPT decoder layer (pre-LN), S = 4, D = 8, H = 2, Dh = 4, F = 16.
// CHECK-LABEL: func.func @opt_layer
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// LayerNorm-1 output: one observer, named after q_proj (the first reader),
// read by q, k and v.
// CHECK:      %[[LN1:.*]] = linalg.generic {{.*}} ins(%[[X]], %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK:      } -> tensor<4x8xf32>
// CHECK-NEXT: %[[IN:.*]] = lowbit.observe "layers.0.self_attn.q_proj.in" %[[LN1]] : tensor<4x8xf32>
// CHECK-NOT:  lowbit.observe
// CHECK:      %[[Q:.*]] = linalg.matmul {{.*}} ins(%[[IN]], %{{.*}} : tensor<4x8xf32>, tensor<8x8xf32>)
// q output after its bias add, with the head count of the split that follows
// the scaling by 1/sqrt(Dh).
// CHECK:      %[[QB:.*]] = linalg.generic {{.*}} ins(%[[Q]], %{{.*}} : tensor<4x8xf32>, tensor<8xf32>)
// CHECK:      %[[QO:.*]] = lowbit.observe "layers.0.self_attn.q_proj.out" %[[QB]] {heads = 2 : i64} : tensor<4x8xf32>
// CHECK:      %[[K:.*]] = linalg.matmul {{.*}} ins(%[[IN]], %{{.*}} : tensor<4x8xf32>, tensor<8x8xf32>)
// CHECK:      %[[KB:.*]] = linalg.generic {{.*}} ins(%[[K]], %{{.*}} : tensor<4x8xf32>, tensor<8xf32>)
// CHECK:      %[[KO:.*]] = lowbit.observe "layers.0.self_attn.k_proj.out" %[[KB]] {heads = 2 : i64} : tensor<4x8xf32>
// CHECK:      %[[V:.*]] = linalg.matmul {{.*}} ins(%[[IN]], %{{.*}} : tensor<4x8xf32>, tensor<8x8xf32>)
// CHECK:      %[[VB:.*]] = linalg.generic {{.*}} ins(%[[V]], %{{.*}} : tensor<4x8xf32>, tensor<8xf32>)
// CHECK:      %[[VO:.*]] = lowbit.observe "layers.0.self_attn.v_proj.out" %[[VB]] {heads = 2 : i64} : tensor<4x8xf32>
// Every other use now reads the observers.
// CHECK:      %[[QS:.*]] = linalg.generic {{.*}} ins(%[[QO]] : tensor<4x8xf32>)
// CHECK:      tensor.expand_shape %[[QS]]
// CHECK:      tensor.expand_shape %[[KO]]
// CHECK:      tensor.expand_shape %[[VO]]
// Attention output, input of out_proj.
// CHECK:      %[[ATT:.*]] = tensor.collapse_shape
// CHECK-NEXT: %[[OIN:.*]] = lowbit.observe "layers.0.self_attn.out_proj.in" %[[ATT]] {heads = 2 : i64} : tensor<4x8xf32>
// CHECK:      linalg.matmul {{.*}} ins(%[[OIN]], %{{.*}} : tensor<4x8xf32>, tensor<8x8xf32>)
// The residual stream and out_proj's output are not observed.
// CHECK-NOT:  lowbit.observe {{.*}}out_proj.out
// CHECK:      %[[LN2:.*]] = linalg.generic {{.*}}ins(%{{.*}}, %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} :
// CHECK:      %[[F1IN:.*]] = lowbit.observe "layers.0.fc1.in" %[[LN2]] : tensor<4x8xf32>
// CHECK:      linalg.matmul {{.*}} ins(%[[F1IN]], %{{.*}} : tensor<4x8xf32>, tensor<16x8xf32>)
// CHECK:      %[[RELU:.*]] = linalg.generic {{.*}} ins(%{{[0-9]+}} : tensor<4x16xf32>)
// CHECK:      arith.maximumf
// CHECK:      %[[F2IN:.*]] = lowbit.observe "layers.0.fc2.in" %[[RELU]] : tensor<4x16xf32>
// CHECK:      linalg.matmul {{.*}} ins(%[[F2IN]], %{{.*}} : tensor<4x16xf32>, tensor<8x16xf32>)
// CHECK-NOT:  lowbit.observe
// CHECK:      return
func.func @opt_layer(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e_s = tensor.empty() : tensor<4xf32>
  %z_s = linalg.fill ins(%zero : f32) outs(%e_s : tensor<4xf32>) -> tensor<4xf32>
  %e_sd = tensor.empty() : tensor<4x8xf32>
  %z_sd = linalg.fill ins(%zero : f32) outs(%e_sd : tensor<4x8xf32>) -> tensor<4x8xf32>
  %e_sf = tensor.empty() : tensor<4x16xf32>
  %z_sf = linalg.fill ins(%zero : f32) outs(%e_sf : tensor<4x16xf32>) -> tensor<4x16xf32>

  // LayerNorm 1: mean and 1/std per token, then (x - mean) * rstd * g + b.
  %g1 = arith.constant dense_resource<layers.0.self_attn_layer_norm> : tensor<8xf32>
  %b1 = arith.constant dense_resource<layers.0.self_attn_layer_norm.bias> : tensor<8xf32>
  %sum1 = linalg.generic {indexing_maps = [#x, #tok], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<4x8xf32>) outs(%z_s : tensor<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %var1 = linalg.generic {indexing_maps = [#x, #tok, #tok], iterator_types = ["parallel", "reduction"]}
      ins(%x, %sum1 : tensor<4x8xf32>, tensor<4xf32>) outs(%z_s : tensor<4xf32>) {
  ^bb0(%a: f32, %s: f32, %acc: f32):
    %c8 = arith.constant 8.0 : f32
    %m = arith.divf %s, %c8 : f32
    %d = arith.subf %a, %m : f32
    %d2 = arith.mulf %d, %d : f32
    %r = arith.addf %acc, %d2 : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %ln1 = linalg.generic {indexing_maps = [#x, #tok, #tok, #ch, #ch, #x], iterator_types = ["parallel", "parallel"]}
      ins(%x, %sum1, %var1, %g1, %b1 : tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>)
      outs(%e_sd : tensor<4x8xf32>) {
  ^bb0(%a: f32, %s: f32, %v: f32, %g: f32, %b: f32, %o: f32):
    %c8 = arith.constant 8.0 : f32
    %eps = arith.constant 1.0e-5 : f32
    %m = arith.divf %s, %c8 : f32
    %vm = arith.divf %v, %c8 : f32
    %ve = arith.addf %vm, %eps : f32
    %rstd = math.rsqrt %ve : f32
    %d = arith.subf %a, %m : f32
    %n = arith.mulf %d, %rstd : f32
    %ng = arith.mulf %n, %g : f32
    %r = arith.addf %ng, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>

  // q, k, v projections with biases.
  %wq = arith.constant dense_resource<layers.0.self_attn.q_proj> : tensor<8x8xf32>
  %bq = arith.constant dense_resource<layers.0.self_attn.q_proj.bias> : tensor<8xf32>
  %q0 = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%ln1, %wq : tensor<4x8xf32>, tensor<8x8xf32>) outs(%z_sd : tensor<4x8xf32>) -> tensor<4x8xf32>
  %q = linalg.generic {indexing_maps = [#x, #ch, #x], iterator_types = ["parallel", "parallel"]}
      ins(%q0, %bq : tensor<4x8xf32>, tensor<8xf32>) outs(%e_sd : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %wk = arith.constant dense_resource<layers.0.self_attn.k_proj> : tensor<8x8xf32>
  %bk = arith.constant dense_resource<layers.0.self_attn.k_proj.bias> : tensor<8xf32>
  %k0 = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%ln1, %wk : tensor<4x8xf32>, tensor<8x8xf32>) outs(%z_sd : tensor<4x8xf32>) -> tensor<4x8xf32>
  %k = linalg.generic {indexing_maps = [#x, #ch, #x], iterator_types = ["parallel", "parallel"]}
      ins(%k0, %bk : tensor<4x8xf32>, tensor<8xf32>) outs(%e_sd : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %wv = arith.constant dense_resource<layers.0.self_attn.v_proj> : tensor<8x8xf32>
  %bv = arith.constant dense_resource<layers.0.self_attn.v_proj.bias> : tensor<8xf32>
  %v0 = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%ln1, %wv : tensor<4x8xf32>, tensor<8x8xf32>) outs(%z_sd : tensor<4x8xf32>) -> tensor<4x8xf32>
  %v = linalg.generic {indexing_maps = [#x, #ch, #x], iterator_types = ["parallel", "parallel"]}
      ins(%v0, %bv : tensor<4x8xf32>, tensor<8xf32>) outs(%e_sd : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %qs = linalg.generic {indexing_maps = [#x, #x], iterator_types = ["parallel", "parallel"]}
      ins(%q : tensor<4x8xf32>) outs(%e_sd : tensor<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %c = arith.constant 0.5 : f32
    %r = arith.mulf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>

  // Attention: split heads, scores, causal mask, softmax, weighted sum.
  %qh = tensor.expand_shape %qs [[0], [1, 2]] output_shape [4, 2, 4] : tensor<4x8xf32> into tensor<4x2x4xf32>
  %kh = tensor.expand_shape %k [[0], [1, 2]] output_shape [4, 2, 4] : tensor<4x8xf32> into tensor<4x2x4xf32>
  %vh = tensor.expand_shape %v [[0], [1, 2]] output_shape [4, 2, 4] : tensor<4x8xf32> into tensor<4x2x4xf32>
  %e_hss = tensor.empty() : tensor<2x4x4xf32>
  %z_hss = linalg.fill ins(%zero : f32) outs(%e_hss : tensor<2x4x4xf32>) -> tensor<2x4x4xf32>
  %scores = linalg.generic {
      indexing_maps = [affine_map<(h, i, j, d) -> (i, h, d)>, affine_map<(h, i, j, d) -> (j, h, d)>,
                       affine_map<(h, i, j, d) -> (h, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%qh, %kh : tensor<4x2x4xf32>, tensor<4x2x4xf32>) outs(%z_hss : tensor<2x4x4xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<2x4x4xf32>
  %e_hs = tensor.empty() : tensor<2x4xf32>
  %ninf_hs = linalg.fill ins(%ninf : f32) outs(%e_hs : tensor<2x4xf32>) -> tensor<2x4xf32>
  %z_hs = linalg.fill ins(%zero : f32) outs(%e_hs : tensor<2x4xf32>) -> tensor<2x4xf32>
  %masked = linalg.generic {
      indexing_maps = [affine_map<(h, i, j) -> (h, i, j)>, affine_map<(h, i, j) -> (h, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%scores : tensor<2x4x4xf32>) outs(%e_hss : tensor<2x4x4xf32>) {
  ^bb0(%s: f32, %o: f32):
    %i = linalg.index 1 : index
    %j = linalg.index 2 : index
    %future = arith.cmpi ugt, %j, %i : index
    %r = arith.select %future, %ninf, %s : f32
    linalg.yield %r : f32
  } -> tensor<2x4x4xf32>
  %mx = linalg.generic {
      indexing_maps = [affine_map<(h, i, j) -> (h, i, j)>, affine_map<(h, i, j) -> (h, i)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%masked : tensor<2x4x4xf32>) outs(%ninf_hs : tensor<2x4xf32>) {
  ^bb0(%s: f32, %acc: f32):
    %r = arith.maximumf %acc, %s : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %ex = linalg.generic {
      indexing_maps = [affine_map<(h, i, j) -> (h, i, j)>, affine_map<(h, i, j) -> (h, i)>,
                       affine_map<(h, i, j) -> (h, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%masked, %mx : tensor<2x4x4xf32>, tensor<2x4xf32>) outs(%e_hss : tensor<2x4x4xf32>) {
  ^bb0(%s: f32, %m: f32, %o: f32):
    %d = arith.subf %s, %m : f32
    %r = math.exp %d : f32
    linalg.yield %r : f32
  } -> tensor<2x4x4xf32>
  %den = linalg.generic {
      indexing_maps = [affine_map<(h, i, j) -> (h, i, j)>, affine_map<(h, i, j) -> (h, i)>],
      iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%ex : tensor<2x4x4xf32>) outs(%z_hs : tensor<2x4xf32>) {
  ^bb0(%e: f32, %acc: f32):
    %r = arith.addf %acc, %e : f32
    linalg.yield %r : f32
  } -> tensor<2x4xf32>
  %probs = linalg.generic {
      indexing_maps = [affine_map<(h, i, j) -> (h, i, j)>, affine_map<(h, i, j) -> (h, i)>,
                       affine_map<(h, i, j) -> (h, i, j)>],
      iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ex, %den : tensor<2x4x4xf32>, tensor<2x4xf32>) outs(%e_hss : tensor<2x4x4xf32>) {
  ^bb0(%e: f32, %s: f32, %o: f32):
    %r = arith.divf %e, %s : f32
    linalg.yield %r : f32
  } -> tensor<2x4x4xf32>
  %e_shd = tensor.empty() : tensor<4x2x4xf32>
  %z_shd = linalg.fill ins(%zero : f32) outs(%e_shd : tensor<4x2x4xf32>) -> tensor<4x2x4xf32>
  %ctx = linalg.generic {
      indexing_maps = [affine_map<(i, h, d, j) -> (h, i, j)>, affine_map<(i, h, d, j) -> (j, h, d)>,
                       affine_map<(i, h, d, j) -> (i, h, d)>],
      iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
      ins(%probs, %vh : tensor<2x4x4xf32>, tensor<4x2x4xf32>) outs(%z_shd : tensor<4x2x4xf32>) {
  ^bb0(%p: f32, %b: f32, %acc: f32):
    %m = arith.mulf %p, %b : f32
    %r = arith.addf %acc, %m : f32
    linalg.yield %r : f32
  } -> tensor<4x2x4xf32>
  %att = tensor.collapse_shape %ctx [[0], [1, 2]] : tensor<4x2x4xf32> into tensor<4x8xf32>

  // Output projection and residual.
  %wo = arith.constant dense_resource<layers.0.self_attn.out_proj> : tensor<8x8xf32>
  %bo = arith.constant dense_resource<layers.0.self_attn.out_proj.bias> : tensor<8xf32>
  %o0 = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%att, %wo : tensor<4x8xf32>, tensor<8x8xf32>) outs(%z_sd : tensor<4x8xf32>) -> tensor<4x8xf32>
  %h = linalg.generic {indexing_maps = [#x, #x, #ch, #x], iterator_types = ["parallel", "parallel"]}
      ins(%x, %o0, %bo : tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>) outs(%e_sd : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %o: f32):
    %s = arith.addf %b, %c : f32
    %r = arith.addf %a, %s : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>

  // LayerNorm 2 (gamma and beta only, for brevity), fc1, ReLU, fc2, residual.
  %g2 = arith.constant dense_resource<layers.0.final_layer_norm> : tensor<8xf32>
  %b2 = arith.constant dense_resource<layers.0.final_layer_norm.bias> : tensor<8xf32>
  %sum2 = linalg.generic {indexing_maps = [#x, #tok], iterator_types = ["parallel", "reduction"]}
      ins(%h : tensor<4x8xf32>) outs(%z_s : tensor<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %ln2 = linalg.generic {indexing_maps = [#x, #tok, #tok, #ch, #ch, #x], iterator_types = ["parallel", "parallel"]}
      ins(%h, %sum2, %sum2, %g2, %b2 : tensor<4x8xf32>, tensor<4xf32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>)
      outs(%e_sd : tensor<4x8xf32>) {
  ^bb0(%a: f32, %s: f32, %s2: f32, %g: f32, %b: f32, %o: f32):
    %c8 = arith.constant 8.0 : f32
    %m = arith.divf %s, %c8 : f32
    %d = arith.subf %a, %m : f32
    %ng = arith.mulf %d, %g : f32
    %r = arith.addf %ng, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %w1 = arith.constant dense_resource<layers.0.fc1> : tensor<16x8xf32>
  %bias1 = arith.constant dense_resource<layers.0.fc1.bias> : tensor<16xf32>
  %f0 = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%ln2, %w1 : tensor<4x8xf32>, tensor<16x8xf32>) outs(%z_sf : tensor<4x16xf32>) -> tensor<4x16xf32>
  %f = linalg.generic {indexing_maps = [#x, #ch, #x], iterator_types = ["parallel", "parallel"]}
      ins(%f0, %bias1 : tensor<4x16xf32>, tensor<16xf32>) outs(%e_sf : tensor<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %r = arith.addf %a, %b : f32
    linalg.yield %r : f32
  } -> tensor<4x16xf32>
  %relu = linalg.generic {indexing_maps = [#x, #x], iterator_types = ["parallel", "parallel"]}
      ins(%f : tensor<4x16xf32>) outs(%e_sf : tensor<4x16xf32>) {
  ^bb0(%a: f32, %o: f32):
    %r = arith.maximumf %a, %zero : f32
    linalg.yield %r : f32
  } -> tensor<4x16xf32>
  %w2 = arith.constant dense_resource<layers.0.fc2> : tensor<8x16xf32>
  %bias2 = arith.constant dense_resource<layers.0.fc2.bias> : tensor<8xf32>
  %d0 = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%relu, %w2 : tensor<4x16xf32>, tensor<8x16xf32>) outs(%z_sd : tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [#x, #x, #ch, #x], iterator_types = ["parallel", "parallel"]}
      ins(%h, %d0, %bias2 : tensor<4x8xf32>, tensor<4x8xf32>, tensor<8xf32>) outs(%e_sd : tensor<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %o: f32):
    %s = arith.addf %b, %c : f32
    %r = arith.addf %a, %s : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// LLaMA-style grouped-query attention projections (no biases): 4 query heads,
// 2 key/value heads of size 2; RoPE (an elementwise op with cos/sin tables)
// sits between the q/k projections and their head split. SwiGLU's gate and
// up projections share their input (%h2 stands for the norm-2 output), named
// after the gate (w1, the first reader).
#x = affine_map<(s, c) -> (s, c)>
#lhs = affine_map<(m, n, k) -> (m, k)>
#rhs = affine_map<(m, n, k) -> (n, k)>
#out = affine_map<(m, n, k) -> (m, n)>

// CHECK-LABEL: func.func @gqa
// CHECK-SAME: (%[[H:.*]]: tensor<3x8xf32>, %[[H2:.*]]: tensor<3x8xf32>)
// CHECK-NEXT: %[[IN:.*]] = lowbit.observe "layers.0.attention.wq.in" %[[H]] : tensor<3x8xf32>
// CHECK-NEXT: %[[FIN:.*]] = lowbit.observe "layers.0.feed_forward.w1.in" %[[H2]] : tensor<3x8xf32>
// CHECK:      %[[Q:.*]] = linalg.matmul {{.*}} ins(%[[IN]],
// CHECK-NEXT: %[[QO:.*]] = lowbit.observe "layers.0.attention.wq.out" %[[Q]] {heads = 4 : i64} : tensor<3x8xf32>
// CHECK:      %[[K:.*]] = linalg.matmul {{.*}} ins(%[[IN]],
// CHECK-NEXT: %[[KO:.*]] = lowbit.observe "layers.0.attention.wk.out" %[[K]] {heads = 2 : i64} : tensor<3x4xf32>
// CHECK:      %[[V:.*]] = linalg.matmul {{.*}} ins(%[[IN]],
// CHECK-NEXT: %[[VO:.*]] = lowbit.observe "layers.0.attention.wv.out" %[[V]] {heads = 2 : i64} : tensor<3x4xf32>
// CHECK:      linalg.generic {{.*}} ins(%[[QO]], %{{.*}}, %{{.*}} :
// CHECK:      linalg.generic {{.*}} ins(%[[KO]], %{{.*}}, %{{.*}} :
// CHECK:      tensor.expand_shape %[[VO]] {{.*}} into tensor<3x2x2xf32>
// CHECK:      linalg.matmul {{.*}} ins(%[[FIN]],
// CHECK-NEXT: linalg.matmul {{.*}} ins(%[[FIN]],
// CHECK:      %[[SW:.*]] = linalg.generic
// CHECK:      %[[DIN:.*]] = lowbit.observe "layers.0.feed_forward.w2.in" %[[SW]] : tensor<3x16xf32>
// CHECK-NEXT: linalg.matmul {{.*}} ins(%[[DIN]],
// CHECK-NOT:  lowbit.observe
func.func @gqa(%h: tensor<3x8xf32>, %h2: tensor<3x8xf32>) -> (tensor<3x4x2xf32>, tensor<3x2x2xf32>, tensor<3x2x2xf32>, tensor<3x8xf32>) {
  %zero = arith.constant 0.0 : f32
  %e8 = tensor.empty() : tensor<3x8xf32>
  %z8 = linalg.fill ins(%zero : f32) outs(%e8 : tensor<3x8xf32>) -> tensor<3x8xf32>
  %e4 = tensor.empty() : tensor<3x4xf32>
  %z4 = linalg.fill ins(%zero : f32) outs(%e4 : tensor<3x4xf32>) -> tensor<3x4xf32>
  %e16 = tensor.empty() : tensor<3x16xf32>
  %z16 = linalg.fill ins(%zero : f32) outs(%e16 : tensor<3x16xf32>) -> tensor<3x16xf32>
  %wq = arith.constant dense_resource<layers.0.attention.wq> : tensor<8x8xf32>
  %wk = arith.constant dense_resource<layers.0.attention.wk> : tensor<4x8xf32>
  %wv = arith.constant dense_resource<layers.0.attention.wv> : tensor<4x8xf32>
  %q = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%h, %wq : tensor<3x8xf32>, tensor<8x8xf32>) outs(%z8 : tensor<3x8xf32>) -> tensor<3x8xf32>
  %k = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%h, %wk : tensor<3x8xf32>, tensor<4x8xf32>) outs(%z4 : tensor<3x4xf32>) -> tensor<3x4xf32>
  %v = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%h, %wv : tensor<3x8xf32>, tensor<4x8xf32>) outs(%z4 : tensor<3x4xf32>) -> tensor<3x4xf32>
  %cos8 = arith.constant dense<1.0> : tensor<3x8xf32>
  %sin8 = arith.constant dense<0.0> : tensor<3x8xf32>
  %qr = linalg.generic {indexing_maps = [#x, #x, #x, #x], iterator_types = ["parallel", "parallel"]}
      ins(%q, %cos8, %sin8 : tensor<3x8xf32>, tensor<3x8xf32>, tensor<3x8xf32>) outs(%e8 : tensor<3x8xf32>) {
  ^bb0(%a: f32, %c: f32, %s: f32, %o: f32):
    %r = arith.mulf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<3x8xf32>
  %cos4 = arith.constant dense<1.0> : tensor<3x4xf32>
  %sin4 = arith.constant dense<0.0> : tensor<3x4xf32>
  %kr = linalg.generic {indexing_maps = [#x, #x, #x, #x], iterator_types = ["parallel", "parallel"]}
      ins(%k, %cos4, %sin4 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) outs(%e4 : tensor<3x4xf32>) {
  ^bb0(%a: f32, %c: f32, %s: f32, %o: f32):
    %r = arith.mulf %a, %c : f32
    linalg.yield %r : f32
  } -> tensor<3x4xf32>
  %qh = tensor.expand_shape %qr [[0], [1, 2]] output_shape [3, 4, 2] : tensor<3x8xf32> into tensor<3x4x2xf32>
  %kh = tensor.expand_shape %kr [[0], [1, 2]] output_shape [3, 2, 2] : tensor<3x4xf32> into tensor<3x2x2xf32>
  %vh = tensor.expand_shape %v [[0], [1, 2]] output_shape [3, 2, 2] : tensor<3x4xf32> into tensor<3x2x2xf32>

  %w1 = arith.constant dense_resource<layers.0.feed_forward.w1> : tensor<16x8xf32>
  %w3 = arith.constant dense_resource<layers.0.feed_forward.w3> : tensor<16x8xf32>
  %w2 = arith.constant dense_resource<layers.0.feed_forward.w2> : tensor<8x16xf32>
  %gate = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%h2, %w1 : tensor<3x8xf32>, tensor<16x8xf32>) outs(%z16 : tensor<3x16xf32>) -> tensor<3x16xf32>
  %up = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%h2, %w3 : tensor<3x8xf32>, tensor<16x8xf32>) outs(%z16 : tensor<3x16xf32>) -> tensor<3x16xf32>
  %sw = linalg.generic {indexing_maps = [#x, #x, #x], iterator_types = ["parallel", "parallel"]}
      ins(%gate, %up : tensor<3x16xf32>, tensor<3x16xf32>) outs(%e16 : tensor<3x16xf32>) {
  ^bb0(%g: f32, %u: f32, %o: f32):
    %n = arith.negf %g : f32
    %e = math.exp %n : f32
    %one = arith.constant 1.0 : f32
    %d = arith.addf %one, %e : f32
    %s = arith.divf %g, %d : f32
    %r = arith.mulf %s, %u : f32
    linalg.yield %r : f32
  } -> tensor<3x16xf32>
  %down = linalg.matmul indexing_maps = [#lhs, #rhs, #out]
      ins(%sw, %w2 : tensor<3x16xf32>, tensor<8x16xf32>) outs(%z8 : tensor<3x8xf32>) -> tensor<3x8xf32>
  return %qh, %kh, %vh, %down : tensor<3x4x2xf32>, tensor<3x2x2xf32>, tensor<3x2x2xf32>, tensor<3x8xf32>
}

// -----

// Weight names of plain dense constants: the constant's name location, else
// linear<i> in module order. A matmul of two non-constant values is not a
// linear layer (it reads the others' observers, as every use does). An
// activation read with its channel axis first gets `axis`.

// CHECK-LABEL: func.func @names
// CHECK-SAME: (%[[A:.*]]: tensor<2x4xf32>, %[[B:.*]]: tensor<4x4xf32>, %[[T:.*]]: tensor<4x2xf32>)
// CHECK-NEXT: %[[AI:.*]] = lowbit.observe "linear0.in" %[[A]] : tensor<2x4xf32>
// CHECK-NEXT: %[[BI:.*]] = lowbit.observe "proj.in" %[[B]] : tensor<4x4xf32>
// CHECK-NEXT: %[[TI:.*]] = lowbit.observe "linear1.in" %[[T]] {axis = 0 : i64} : tensor<4x2xf32>
// CHECK:      linalg.matmul {{.*}} ins(%[[AI]],
// CHECK:      linalg.matmul {{.*}} ins(%[[BI]],
// CHECK:      linalg.matmul ins(%[[AI]], %[[BI]] :
// CHECK:      linalg.matmul {{.*}} ins(%[[TI]],
// CHECK-NOT:  lowbit.observe
func.func @names(%a: tensor<2x4xf32>, %b: tensor<4x4xf32>, %t: tensor<4x2xf32>)
    -> (tensor<2x3xf32>, tensor<4x3xf32>, tensor<2x4xf32>, tensor<2x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %e23 = tensor.empty() : tensor<2x3xf32>
  %z23 = linalg.fill ins(%zero : f32) outs(%e23 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %e43 = tensor.empty() : tensor<4x3xf32>
  %z43 = linalg.fill ins(%zero : f32) outs(%e43 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %e24 = tensor.empty() : tensor<2x4xf32>
  %z24 = linalg.fill ins(%zero : f32) outs(%e24 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %w0 = arith.constant dense<1.0> : tensor<3x4xf32>
  %w1 = arith.constant dense<2.0> : tensor<3x4xf32> loc("proj")
  %r0 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w0 : tensor<2x4xf32>, tensor<3x4xf32>) outs(%z23 : tensor<2x3xf32>) -> tensor<2x3xf32>
  %r1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%b, %w1 : tensor<4x4xf32>, tensor<3x4xf32>) outs(%z43 : tensor<4x3xf32>) -> tensor<4x3xf32>
  %r2 = linalg.matmul ins(%a, %b : tensor<2x4xf32>, tensor<4x4xf32>) outs(%z24 : tensor<2x4xf32>) -> tensor<2x4xf32>
  %w2 = arith.constant dense<3.0> : tensor<4x3xf32>
  %r3 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%t, %w2 : tensor<4x2xf32>, tensor<4x3xf32>) outs(%z23 : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r0, %r1, %r2, %r3 : tensor<2x3xf32>, tensor<4x3xf32>, tensor<2x4xf32>, tensor<2x3xf32>
}

// -----

// An id is one activation: a weight read by two linears of different inputs
// cannot name both.
func.func @conflict(%a: tensor<2x4xf32>, %b: tensor<2x4xf32>) -> (tensor<2x3xf32>, tensor<2x3xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<2x3xf32>) -> tensor<2x3xf32>
  %w = arith.constant dense_resource<tied> : tensor<3x4xf32>
  %r0 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %w : tensor<2x4xf32>, tensor<3x4xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  // expected-error @+1 {{observer id 'tied.in' is already used for another value}}
  %r1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%b, %w : tensor<2x4xf32>, tensor<3x4xf32>) outs(%z : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r0, %r1 : tensor<2x3xf32>, tensor<2x3xf32>
}
