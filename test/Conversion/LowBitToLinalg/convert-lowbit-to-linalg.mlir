// Structure of the reference lowering; its numerics are checked by executing
// it in test/Integration.
// RUN: quant-opt %s -split-input-file --convert-lowbit-to-linalg | FileCheck %s

// Quantized tensors become packed i8 codes: 64 4-bit codes per row take 32
// bytes; 8-bit codes are stored one per byte.
// CHECK-LABEL: func.func @signature
// CHECK-SAME: (%{{.*}}: tensor<8x32xi8>, %{{.*}}: tensor<4x6xi8>, %{{.*}}: tensor<?x16xi8>) -> tensor<8x32xi8>
func.func @signature(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor>>,
                     %b: !lowbit.qtensor<4x16, #lowbit.scheme<i3, per_tensor>>,
                     %c: !lowbit.qtensor<?x16, #lowbit.scheme<f8E4M3FN, per_tensor>>)
    -> !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor>> {
  return %a : !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor>>
}

// -----

// Observers vanish; a reorder is a gather through a constant permutation.
// CHECK-LABEL: func.func @observe_reorder
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// CHECK-NOT: lowbit.
// CHECK: linalg.generic
// CHECK: %[[PERM:.*]] = arith.constant dense<[2, 0, 3, 1]> : tensor<4xi32>
// CHECK: tensor.extract %[[PERM]]
// CHECK: tensor.extract %[[X]]
func.func @observe_reorder(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = lowbit.observe "x" %x : tensor<2x4xf32>
  %1 = lowbit.reorder %0 axis 1 permutation [2, 0, 3, 1] : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// Integer quantization rounds x / s, adds the zero point and clamps in f64.
// CHECK-LABEL: func.func @quantize_int
// CHECK: linalg.generic
// CHECK: arith.divf
// CHECK: math.roundeven
// CHECK: arith.addf {{.*}} : f64
// CHECK: arith.fptosi
// The 4-bit codes are then packed two per byte.
// CHECK: %[[P:.*]] = linalg.generic
// CHECK: arith.ori
// CHECK: return %[[P]] : tensor<8x32xi8>
func.func @quantize_int(%x: tensor<8x64xf32>, %s: tensor<8x2xf32>, %z: tensor<8x2xi32>)
    -> !lowbit.qtensor<8x64, #lowbit.scheme<ui4, per_group<axis = 1, size = 32>, asymmetric>> {
  %q = lowbit.quantize %x scale(%s : tensor<8x2xf32>) zero_point(%z : tensor<8x2xi32>) : tensor<8x64xf32> -> !lowbit.qtensor<8x64, #lowbit.scheme<ui4, per_group<axis = 1, size = 32>, asymmetric>>
  return %q : !lowbit.qtensor<8x64, #lowbit.scheme<ui4, per_group<axis = 1, size = 32>, asymmetric>>
}

// -----

// Float formats decode through a table filled by the numerics library, and
// f8E8M0FNU scales through another.
// CHECK-LABEL: func.func @dequantize_mxfp4
// CHECK-DAG: arith.constant dense<[0.000000e+00, 5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 6.000000e+00, -0.000000e+00, -5.000000e-01, -1.000000e+00, -1.500000e+00, -2.000000e+00, -3.000000e+00, -4.000000e+00, -6.000000e+00]> : tensor<16xf32>
// CHECK-DAG: arith.bitcast %{{.*}} : f8E8M0FNU to i8
// CHECK: return %{{.*}} : tensor<2x64xf32>
func.func @dequantize_mxfp4(%q: !lowbit.qtensor<2x64, #lowbit.scheme<mxfp4, axis = 1>>, %s: tensor<2x2xf8E8M0FNU>) -> tensor<2x64xf32> {
  %x = lowbit.dequantize %q scale(%s : tensor<2x2xf8E8M0FNU>) : !lowbit.qtensor<2x64, #lowbit.scheme<mxfp4, axis = 1>> -> tensor<2x64xf32>
  return %x : tensor<2x64xf32>
}

// -----

// Integer accumulation: exact i32 sums per K segment of constant parameters
// (here groups of 32), then one scaled f32 reduction over the segments.
// CHECK-LABEL: func.func @matmul_w8a8
// CHECK: %[[PARTIAL:.*]] = linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel", "reduction"]
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: -> tensor<4x8x2xi32>
// CHECK: linalg.generic {{.*}} ins(%[[PARTIAL]] : tensor<4x8x2xi32>)
// CHECK: arith.sitofp
func.func @matmul_w8a8(%a: !lowbit.qtensor<4x64, #lowbit.scheme<i8, per_axis<0>>>, %sa: tensor<4x1xf32>,
                       %w: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_group<axis = 1, size = 32>>>, %sw: tensor<8x2xf32>) -> tensor<4x8xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<4x1xf32>), %w scale(%sw : tensor<8x2xf32>) transpose_rhs acc(i32)
      : !lowbit.qtensor<4x64, #lowbit.scheme<i8, per_axis<0>>>, !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_group<axis = 1, size = 32>>> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Segments of different lengths (clusters [0, 5) and [5, 64) of the
// activations, groups of 32 of the weights: segments [0, 5), [5, 32),
// [32, 64)): a loop over the segment starts (one loop nest whatever their
// number); per segment, an i32 matmul of the K slices and one scaling step
// that adds to the running f32 result.
// CHECK-LABEL: func.func @matmul_segments
// CHECK: %[[A:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<4x64xi32>)
// CHECK: %[[W:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<8x64xi32>)
// CHECK: %[[BOUNDS:.*]] = arith.constant dense<[0, 5, 32, 64]> : tensor<4xi32>
// CHECK: %[[Y:.*]] = scf.for %[[S:.*]] = %{{.*}} to %c3 step %{{.*}} iter_args(%[[ACC:.*]] = %{{.*}}) -> (tensor<4x8xf32>)
// CHECK: tensor.extract %[[BOUNDS]][%[[S]]]
// CHECK: %[[AS:.*]] = tensor.extract_slice %[[A]][0, %[[K0:.*]]] [4, %[[LEN:.*]]] [1, 1] : tensor<4x64xi32> to tensor<4x?xi32>
// CHECK: %[[WS:.*]] = tensor.extract_slice %[[W]][0, %[[K0]]] [8, %[[LEN]]] [1, 1] : tensor<8x64xi32> to tensor<8x?xi32>
// CHECK: %[[P:.*]] = linalg.generic {{.*}} ins(%[[AS]], %[[WS]] : tensor<4x?xi32>, tensor<8x?xi32>)
// CHECK: arith.muli
// CHECK: arith.addi
// CHECK: %[[R:.*]] = linalg.generic {{.*}} ins(%[[P]] : tensor<4x8xi32>) outs(%[[ACC]] : tensor<4x8xf32>)
// CHECK: arith.sitofp
// CHECK: scf.yield %[[R]]
// CHECK: return %[[Y]]
func.func @matmul_segments(%a: !lowbit.qtensor<4x64, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [5, 59]>>>, %sa: tensor<1x2xf32>,
                           %w: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>>, %sw: tensor<8x2xf32>) -> tensor<4x8xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<1x2xf32>), %w scale(%sw : tensor<8x2xf32>) transpose_rhs acc(i32)
      : !lowbit.qtensor<4x64, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [5, 59]>>>, !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>> -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Dynamic per-token parameters: one reduction with min/max outputs.
// CHECK-LABEL: func.func @choose_params
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction", "reduction"]
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: return %{{.*}}, %{{.*}} : tensor<?x1xf32>, tensor<?x1xi32>
func.func @choose_params(%x: tensor<?x64xf32>) -> (tensor<?x1xf32>, tensor<?x1xi32>) {
  %s, %z = lowbit.choose_params %x {scheme = #lowbit.scheme<i8, per_axis<0>, asymmetric, dynamic>} : tensor<?x64xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
  return %s, %z : tensor<?x1xf32>, tensor<?x1xi32>
}
