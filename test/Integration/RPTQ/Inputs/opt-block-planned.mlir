// A pre-LN OPT block (LayerNorm -> q_proj, residual, LayerNorm -> fc1 ->
// ReLU -> fc2, residual) after reorder planning: every observed activation
// has a reorder pair (P, then P^-1) in front of its consumers.
#id = affine_map<(s, c) -> (s, c)>
#tok = affine_map<(s, c) -> (s)>
#ch = affine_map<(s, c) -> (c)>
func.func @forward(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %g1 = arith.constant dense<[1.4554, 0.9047, 0.5615, 0.5248, 1.7199, 1.8691, 1.4100, 1.5942]> : tensor<8xf32>
  %b1 = arith.constant dense<[-0.0704, -0.1265, -0.0623,  0.0041, -0.2325, -0.0219, -0.1246, -0.0732]> : tensor<8xf32>
  %wq = arith.constant dense<[[-0.1633, -0.0949,  0.1235,  0.3128, -0.0386,  0.4099, -0.1996,  0.1055], [ 0.2710,  0.0282, -0.2230, -0.2765, -0.1373,  0.0661, -0.3029, -0.0628], [-0.0478,  0.1623,  0.0644,  0.1066, -0.1961, -0.0389,  0.2352,  0.4480], [-0.3777,  0.4542,  0.4038,  0.2344,  0.0793, -0.0942,  0.4374,  0.5881], [ 0.5405,  0.3945,  0.1072, -0.3625, -0.0013,  0.1969, -0.3865,  0.1185], [ 0.1290,  0.2088, -0.3552, -0.1985, -0.1309, -0.3509,  0.5218, -0.1488], [ 0.0987, -0.0776,  0.4750,  0.3961,  0.1900, -0.6611,  0.0156,  0.2051], [ 0.3012, -0.1854,  0.5466, -0.3961, -0.1985,  0.2805,  0.0147,  0.6007]]> : tensor<8x8xf32>
  %bq = arith.constant dense<[ 0.0189, -0.0633, -0.0378, -0.1091, -0.1278,  0.0630,  0.0581,  0.1295]> : tensor<8xf32>
  %g2 = arith.constant dense<[1.8911, 1.9519, 0.5221, 1.7955, 1.9718, 1.9358, 0.7231, 1.9589]> : tensor<8xf32>
  %b2 = arith.constant dense<[ 0.0161, -0.0586, -0.1341, -0.1402,  0.0503,  0.0990, -0.0164, -0.1074]> : tensor<8xf32>
  %w1 = arith.constant dense<[[ 0.2619, -0.3841, -0.2139,  0.1863, -0.6750,  0.1159, -0.1745,  0.0328], [-0.0227,  0.0606,  0.2083, -0.2275,  0.4263,  0.2178,  0.2531,  0.3495], [ 0.2363,  0.2532,  0.0227, -0.4280, -0.0405, -0.2309, -0.4268,  0.0775], [-0.1706, -0.3089, -0.3129,  0.0805,  0.1076,  0.3967, -0.0042,  0.3126], [ 0.4207,  0.3450, -0.7096,  0.3686,  0.1019,  0.1271,  0.1114,  0.1148], [ 0.0958, -0.1077, -0.5705, -0.0327, -0.2411,  0.3240, -0.0866,  0.0250], [-0.2549, -0.1532, -0.0035, -0.4456,  0.0902, -0.0318, -0.3557, -0.7195], [ 0.1539, -0.0893, -0.1590, -0.0708,  0.5449, -0.0149,  0.0260, -0.4461], [ 0.4942,  0.2752,  0.3201,  0.0143,  0.2750,  0.1113,  0.1840, -0.0457], [-0.4422,  0.3087, -0.5805, -0.0720, -0.0614, -0.3129,  0.1839, -0.0601], [-0.1311,  0.1560, -0.1430,  0.4167,  0.1054, -0.1423, -0.5833, -0.3923], [ 0.3260, -0.0152, -0.0849,  0.4930, -0.3848, -0.1757, -0.1418,  0.1759]]> : tensor<12x8xf32>
  %c1 = arith.constant dense<[-0.0664, -0.0613, -0.1605,  0.0729,  0.0806, -0.0476,  0.0163, -0.1293, -0.0472,  0.1378,  0.0136,  0.2310]> : tensor<12xf32>
  %w2 = arith.constant dense<[[-0.2362,  0.1741, -0.0587,  0.1697, -0.0022, -0.1684, -0.2603,  0.9198, -0.0232, -0.6050, -0.1946,  0.2034], [-0.1500,  0.4081,  0.3007, -0.0457, -0.1417, -0.3014, -0.2100, -0.4419,  0.3613,  0.4772, -0.3768, -0.3545], [-0.5306, -0.2892, -0.9319, -0.3427,  0.3891, -0.1037,  0.2564, -0.1467,  0.5282,  0.0598, -0.1146,  0.7657], [-0.0973, -0.3664,  0.0606, -0.0117,  0.3199, -0.2765,  0.2414,  0.2558, -0.2003,  0.0490, -0.2492,  0.7037], [-0.2112, -0.1359, -0.3198, -0.1038, -0.0018,  0.2303, -0.1831, -0.0557, -0.4249, -0.2482,  0.8267,  0.3124], [-0.2344, -0.4012, -0.2927, -0.0065,  0.0104, -0.2233, -0.3860,  0.4267,  0.1355, -0.1124, -0.0662, -0.1589], [-0.8808,  0.0347, -0.3212, -0.3008, -0.1921,  0.2197, -0.3512, -0.4303,  0.1920,  0.2263, -0.2877,  0.1687], [-0.0875,  0.0904, -0.3783,  0.2499,  0.3610,  0.1911,  0.1675, -1.1317,  0.0782, -0.0076, -0.0441, -0.1892]]> : tensor<8x12xf32>
  %c2 = arith.constant dense<[ 0.0055,  0.0412, -0.0264, -0.0463,  0.1230, -0.1105,  0.1030,  0.0177]> : tensor<8xf32>
  %z0 = arith.constant 0.0 : f32
  %cd = arith.constant 8.0 : f32
  %eps = arith.constant 1.0e-05 : f32
  %e = tensor.empty() : tensor<4x8xf32>
  %zs0 = tensor.empty() : tensor<4xf32>
  %zs = linalg.fill ins(%z0 : f32) outs(%zs0 : tensor<4xf32>) -> tensor<4xf32>
  %h1_sum = linalg.generic {indexing_maps = [#id, #tok], iterator_types = ["parallel", "reduction"]} ins(%x : tensor<4x8xf32>) outs(%zs : tensor<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %h1_c = linalg.generic {indexing_maps = [#id, #tok, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %h1_sum : tensor<4x8xf32>, tensor<4xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.divf %s, %cd : f32
    %r = arith.subf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %h1_var = linalg.generic {indexing_maps = [#id, #tok], iterator_types = ["parallel", "reduction"]} ins(%h1_c : tensor<4x8xf32>) outs(%zs : tensor<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %h1 = linalg.generic {indexing_maps = [#id, #tok, #ch, #ch, #id], iterator_types = ["parallel", "parallel"]} ins(%h1_c, %h1_var, %g1, %b1 : tensor<4x8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %v: f32, %gg: f32, %bb: f32, %o: f32):
    %var = arith.divf %v, %cd : f32
    %ve = arith.addf %var, %eps : f32
    %rs = math.rsqrt %ve : f32
    %n = arith.mulf %a, %rs : f32
    %sc = arith.mulf %n, %gg : f32
    %r = arith.addf %sc, %bb : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %h1r_o = lowbit.observe "layers.0.self_attn.q_proj.in" %h1 : tensor<4x8xf32>
  %h1r_p = lowbit.reorder %h1r_o axis 1 permutation [7, 3, 6, 4, 0, 5, 1, 2] {cluster_sizes = array<i64: 3, 5>} : tensor<4x8xf32>
  %h1r = lowbit.reorder %h1r_p axis 1 permutation [4, 6, 7, 1, 3, 5, 2, 0] : tensor<4x8xf32>
  %q_e = tensor.empty() : tensor<4x8xf32>
  %q_z = linalg.fill ins(%z0 : f32) outs(%q_e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %q_mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%h1r, %wq : tensor<4x8xf32>, tensor<8x8xf32>) outs(%q_z : tensor<4x8xf32>) -> tensor<4x8xf32>
  %q = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]} ins(%q_mm, %bq : tensor<4x8xf32>, tensor<8xf32>) outs(%q_e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %r = arith.addf %a, %bb : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %x1 = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x, %q : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%pa: f32, %pb: f32, %o: f32):
    %r = arith.addf %pa, %pb : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %h2_sum = linalg.generic {indexing_maps = [#id, #tok], iterator_types = ["parallel", "reduction"]} ins(%x1 : tensor<4x8xf32>) outs(%zs : tensor<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %r = arith.addf %acc, %a : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %h2_c = linalg.generic {indexing_maps = [#id, #tok, #id], iterator_types = ["parallel", "parallel"]} ins(%x1, %h2_sum : tensor<4x8xf32>, tensor<4xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %m = arith.divf %s, %cd : f32
    %r = arith.subf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %h2_var = linalg.generic {indexing_maps = [#id, #tok], iterator_types = ["parallel", "reduction"]} ins(%h2_c : tensor<4x8xf32>) outs(%zs : tensor<4xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %h2 = linalg.generic {indexing_maps = [#id, #tok, #ch, #ch, #id], iterator_types = ["parallel", "parallel"]} ins(%h2_c, %h2_var, %g2, %b2 : tensor<4x8xf32>, tensor<4xf32>, tensor<8xf32>, tensor<8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %v: f32, %gg: f32, %bb: f32, %o: f32):
    %var = arith.divf %v, %cd : f32
    %ve = arith.addf %var, %eps : f32
    %rs = math.rsqrt %ve : f32
    %n = arith.mulf %a, %rs : f32
    %sc = arith.mulf %n, %gg : f32
    %r = arith.addf %sc, %bb : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %h2r_o = lowbit.observe "layers.0.fc1.in" %h2 : tensor<4x8xf32>
  %h2r_p = lowbit.reorder %h2r_o axis 1 permutation [1, 0, 2, 4, 6, 3, 5, 7] {cluster_sizes = array<i64: 2, 6>} : tensor<4x8xf32>
  %h2r = lowbit.reorder %h2r_p axis 1 permutation [1, 0, 2, 5, 3, 6, 4, 7] : tensor<4x8xf32>
  %f1_e = tensor.empty() : tensor<4x12xf32>
  %f1_z = linalg.fill ins(%z0 : f32) outs(%f1_e : tensor<4x12xf32>) -> tensor<4x12xf32>
  %f1_mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%h2r, %w1 : tensor<4x8xf32>, tensor<12x8xf32>) outs(%f1_z : tensor<4x12xf32>) -> tensor<4x12xf32>
  %f1 = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]} ins(%f1_mm, %c1 : tensor<4x12xf32>, tensor<12xf32>) outs(%f1_e : tensor<4x12xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %r0 = arith.addf %a, %bb : f32
    %r = arith.maximumf %r0, %z0 : f32
    linalg.yield %r : f32
  } -> tensor<4x12xf32>
  %f1r_o = lowbit.observe "layers.0.fc2.in" %f1 : tensor<4x12xf32>
  %f1r_p = lowbit.reorder %f1r_o axis 1 permutation [8, 5, 10, 6, 11, 9, 3, 1, 4, 0, 2, 7] {cluster_sizes = array<i64: 4, 4, 4>} : tensor<4x12xf32>
  %f1r = lowbit.reorder %f1r_p axis 1 permutation [9, 7, 10, 6, 8, 1, 3, 11, 0, 5, 2, 4] : tensor<4x12xf32>
  %f2_e = tensor.empty() : tensor<4x8xf32>
  %f2_z = linalg.fill ins(%z0 : f32) outs(%f2_e : tensor<4x8xf32>) -> tensor<4x8xf32>
  %f2_mm = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%f1r, %w2 : tensor<4x12xf32>, tensor<8x12xf32>) outs(%f2_z : tensor<4x8xf32>) -> tensor<4x8xf32>
  %f2 = linalg.generic {indexing_maps = [#id, #ch, #id], iterator_types = ["parallel", "parallel"]} ins(%f2_mm, %c2 : tensor<4x8xf32>, tensor<8xf32>) outs(%f2_e : tensor<4x8xf32>) {
  ^bb0(%a: f32, %bb: f32, %o: f32):
    %r = arith.addf %a, %bb : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  %y = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x1, %f2 : tensor<4x8xf32>, tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) {
  ^bb0(%pa: f32, %pb: f32, %o: f32):
    %r = arith.addf %pa, %pb : f32
    linalg.yield %r : f32
  } -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}
