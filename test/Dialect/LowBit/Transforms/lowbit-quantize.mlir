// RUN: quant-opt %s -split-input-file -mlir-print-local-scope --lowbit-quantize="w=i4:channel a=i8:tensor" | FileCheck %s
// RUN: quant-opt %s -split-input-file -mlir-print-local-scope --lowbit-quantize="w=i4:g2 a=i8:token" | FileCheck %s --check-prefix=GROUP
// RUN: quant-opt %s -split-input-file -mlir-print-local-scope --lowbit-quantize="w=i4:cluster a=i4:cluster:asymmetric kv=i3:cluster" | FileCheck %s --check-prefix=CLUSTER
// RUN: quant-opt %s -split-input-file -mlir-print-local-scope --lowbit-quantize="w=i8 exclude=w" | FileCheck %s --check-prefix=EXCLUDE
// RUN: quant-opt %s -split-input-file -mlir-print-local-scope --lowbit-quantize="w=i4 report=-" -o /dev/null | FileCheck %s --check-prefix=REPORT

#id = affine_map<(s, c) -> (s, c)>

// A linear layer y = x W^T with W stored [N, K] = [2, 4].
//
// w=i4:channel: one scale per output row, max|w| / 7 = 4/7, which is
// 0.571428597 in f32. Codes w / s in f32: 1.75 -> 2, 3.49999994 -> 3,
// 5.25 -> 5, 7; packed two per byte, the first code in the low nibble:
// 0x32 = 50, 0x75 = 117; row 1 is the negation: 0xDE = -34, 0x9B = -101.
// a=i8:tensor: static, from the observer's [min, max] = [-2, 4] -> 4/127.
// CHECK-LABEL: func.func @linear
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK-DAG: %[[OBS:.*]] = lowbit.observe "w.in" %[[X]]
// CHECK-DAG: %[[Q:.*]] = lowbit.constant dense<{{\[\[}}50, 117], [-34, -101]]> : tensor<2x2xi8> -> !lowbit.qtensor<2x4, #lowbit.scheme<i4, per_axis<0>>>
// CHECK-DAG: %[[SW:.*]] = arith.constant dense<0.571428597> : tensor<2x1xf32>
// CHECK-DAG: %[[W:.*]] = lowbit.dequantize %[[Q]] scale(%[[SW]] : tensor<2x1xf32>)
// CHECK-DAG: %[[SA:.*]] = arith.constant dense<0.0314960629> : tensor<1x1xf32>
// CHECK-DAG: %[[QA:.*]] = lowbit.quantize %[[OBS]] scale(%[[SA]] : tensor<1x1xf32>) : tensor<3x4xf32> -> !lowbit.qtensor<3x4, #lowbit.scheme<i8, per_tensor>>
// CHECK-DAG: %[[A:.*]] = lowbit.dequantize %[[QA]] scale(%[[SA]] : tensor<1x1xf32>)
// CHECK: linalg.matmul {{.*}} ins(%[[A]], %[[W]] : tensor<3x4xf32>, tensor<2x4xf32>)

// GROUP-LABEL: func.func @linear
// GROUP: %[[S:.*]] = lowbit.choose_params %[[OBS:.*]] {scheme = #lowbit.scheme<i8, per_axis<0>, dynamic>} : tensor<3x4xf32> -> tensor<3x1xf32>
// GROUP: lowbit.quantize %[[OBS]] scale(%[[S]] : tensor<3x1xf32>)
// GROUP: %[[Q:.*]] = lowbit.constant {{.*}} -> !lowbit.qtensor<2x4, #lowbit.scheme<i4, per_group<axis = 1, size = 2>>>
// GROUP: lowbit.dequantize %[[Q]] scale(%{{.*}} : tensor<2x2xf32>)

func.func @linear(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [-1.0, -2.0, -3.0, -4.0]]> : tensor<2x4xf32>
  %obs = lowbit.observe "w.in" %x {cluster_sizes = array<i64: 2, 2>, min = array<f32: -2.0, -1.0, 0.0, 0.5>, max = array<f32: 1.0, 4.0, 2.0, 3.0>} : tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%obs, %w : tensor<3x4xf32>, tensor<2x4xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// K = 5 with groups of 2: each row's last group holds one weight and has
// its own scale (grid [2, 3]). Row 0: [7, 3.5] s = 1 -> 7, 4 (ties to even);
// [-7, 1] s = 1 -> -7, 1; [14] s = 2 -> 7. Row 1: [0.5, 3.5] s = 0.5 -> 1, 7;
// [0, 0] s = 1 (all zero) -> 0, 0; [-3.5] s = 0.5 -> -7. Packed low nibble
// first, the odd last code alone in its byte: 0x47 0x19 0x07, 0x71 0x00 0x09.
// GROUP-LABEL: func.func @short_last_group
// GROUP-DAG: %[[Q:.*]] = lowbit.constant dense<{{\[\[}}71, 25, 7], [113, 0, 9]]> : tensor<2x3xi8> -> !lowbit.qtensor<2x5, #lowbit.scheme<i4, per_group<axis = 1, size = 2>>>
// GROUP-DAG: %[[S:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 1.000000e+00, 2.000000e+00], [5.000000e-01, 1.000000e+00, 5.000000e-01]]> : tensor<2x3xf32>
// GROUP-DAG: lowbit.dequantize %[[Q]] scale(%[[S]] : tensor<2x3xf32>)
func.func @short_last_group(%x: tensor<3x5xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense<[[7.0, 3.5, -7.0, 1.0, 14.0], [0.5, 3.5, 0.0, 0.0, -3.5]]> : tensor<2x5xf32>
  %obs = lowbit.observe "w.in" %x {cluster_sizes = array<i64: 2, 3>, min = array<f32: -2.0, -1.0, 0.0, 0.5, -1.0>, max = array<f32: 1.0, 4.0, 2.0, 3.0, 1.0>} : tensor<3x5xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%obs, %w : tensor<3x5xf32>, tensor<2x5xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

// -----

// Resource weights give resource codes and parameters, named after the
// weight; `exclude` names weights to keep in f32.
// CHECK-LABEL: func.func @resource
// CHECK-DAG: lowbit.constant dense_resource<w.q> : tensor<2x2xi8>
// CHECK-DAG: arith.constant dense_resource<w.q.scale> : tensor<2x1xf32>
// EXCLUDE-LABEL: func.func @resource
// EXCLUDE-NOT: lowbit.constant
// EXCLUDE-NOT: lowbit.dequantize
// EXCLUDE: linalg.matmul
// REPORT: w: weight #lowbit.scheme<i4, per_axis<0>>
// REPORT: weights: 32 B f32 -> 12 B (4 B packed codes + 8 B parameters), 2.67x smaller, in {{.*}} s ({{.*}} MB/s)
func.func @resource(%x: tensor<3x4xf32>) -> tensor<3x2xf32> {
  %w = arith.constant dense_resource<w> : tensor<2x4xf32>
  %obs = lowbit.observe "w.in" %x {cluster_sizes = array<i64: 1, 3>, min = array<f32: -2.0, -1.0, 0.0, 0.5>, max = array<f32: 1.0, 4.0, 2.0, 3.0>} : tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%obs, %w : tensor<3x4xf32>, tensor<2x4xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y : tensor<3x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x040000000000803F000000400000404000008040000080BF000000C0000040C0000080C0"
    }
  }
#-}

// -----

// RPTQ clusters: the observer carries the cluster sizes left by
// lowbit-fold-reorders (channels already in cluster order). Weights get one
// scale per output row and input cluster; activations one (scale, zero
// point) per cluster from the clusters' ranges: [-2, 4] for channels 0-1,
// [0, 3] for channels 2-3. The k projection's output (the KV cache) is
// quantized in place for all its users.
// CLUSTER-LABEL: func.func @clusters
// CLUSTER-DAG: lowbit.constant {{.*}} -> !lowbit.qtensor<2x4, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [2, 2], per_slice>>>
// CLUSTER-DAG: %[[SA:.*]] = arith.constant dense<{{\[\[}}4.000000e-01, 2.000000e-01]]> : tensor<1x2xf32>
// CLUSTER-DAG: %[[ZA:.*]] = arith.constant dense<{{\[\[}}-3, -8]]> : tensor<1x2xi32>
// CLUSTER-DAG: lowbit.quantize %{{.*}} scale(%[[SA]] : tensor<1x2xf32>) zero_point(%[[ZA]] : tensor<1x2xi32>) : tensor<3x4xf32> -> !lowbit.qtensor<3x4, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [2, 2]>, asymmetric>>
// CLUSTER: %[[K:.*]] = lowbit.observe "k.out"
// CLUSTER: %[[QK:.*]] = lowbit.quantize %[[K]] {{.*}} -> !lowbit.qtensor<3x2, #lowbit.scheme<i3, per_cluster<axis = 1, sizes = [1, 1]>>>
// CLUSTER: %[[DK:.*]] = lowbit.dequantize %[[QK]]
// CLUSTER: return %[[DK]], %[[DK]]
func.func @clusters(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [-1.0, -2.0, -3.0, -4.0]]> : tensor<2x4xf32>
  %obs = lowbit.observe "k.in" %x {cluster_sizes = array<i64: 2, 2>, min = array<f32: -2.0, -1.0, 0.0, 0.5>, max = array<f32: 1.0, 4.0, 2.0, 3.0>} : tensor<3x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%obs, %w : tensor<3x4xf32>, tensor<2x4xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  %k = lowbit.observe "k.out" %y {heads = 2 : i64, cluster_sizes = array<i64: 1, 1>, min = array<f32: -1.0, -2.0>, max = array<f32: 1.0, 2.0>} : tensor<3x2xf32>
  return %k, %k : tensor<3x2xf32>, tensor<3x2xf32>
}
