// RUN: quant-opt %s -split-input-file -mlir-print-local-scope --lowbit-fuse-dequant | FileCheck %s
// RUN: quant-opt %s -split-input-file -mlir-print-local-scope --lowbit-fuse-dequant=integer=false | FileCheck %s --check-prefix=FLOAT

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// W8A8: both operands integer codes -> i32 accumulation, weight [N, K].
// CHECK-LABEL: func.func @w8a8
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>, %[[QW:.*]]: !lowbit.qtensor<2x8, {{.*}}>, %[[SW:.*]]: tensor<2x1xf32>)
// CHECK: %[[S:.*]] = lowbit.choose_params %[[X]]
// CHECK: %[[QX:.*]] = lowbit.quantize %[[X]]
// CHECK-NOT: lowbit.dequantize
// CHECK-NOT: linalg.matmul
// CHECK: %[[Y:.*]] = lowbit.matmul %[[QX]] scale(%[[S]] : tensor<4x1xf32>), %[[QW]] scale(%[[SW]] : tensor<2x1xf32>) transpose_rhs acc(i32)
// CHECK: return %[[Y]]
// FLOAT-LABEL: func.func @w8a8
// FLOAT: lowbit.matmul {{.*}} transpose_rhs acc(f32)
func.func @w8a8(%x: tensor<4x8xf32>, %qw: !lowbit.qtensor<2x8, #lowbit.scheme<i8, per_axis<0>>>, %sw: tensor<2x1xf32>) -> tensor<4x2xf32> {
  %s = lowbit.choose_params %x {scheme = #lowbit.scheme<i8, per_axis<0>, dynamic>} : tensor<4x8xf32> -> tensor<4x1xf32>
  %qx = lowbit.quantize %x scale(%s : tensor<4x1xf32>) : tensor<4x8xf32> -> !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_axis<0>, dynamic>>
  %dx = lowbit.dequantize %qx scale(%s : tensor<4x1xf32>) : !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_axis<0>, dynamic>> -> tensor<4x8xf32>
  %dw = lowbit.dequantize %qw scale(%sw : tensor<2x1xf32>) : !lowbit.qtensor<2x8, #lowbit.scheme<i8, per_axis<0>>> -> tensor<2x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%dx, %dw : tensor<4x8xf32>, tensor<2x8xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// Weight-only (W4A16, asymmetric groups): the float activation is read as
// it is; the weight is decoded in registers, f32 accumulation.
// CHECK-LABEL: func.func @weight_only
// CHECK-SAME: (%[[X:.*]]: tensor<1x8xf32>, %[[QW:.*]]: !lowbit.qtensor<{{.*}}>, %[[SW:.*]]: tensor<2x2xf32>, %[[ZW:.*]]: tensor<2x2xi32>)
// CHECK: %[[Y:.*]] = lowbit.matmul %[[X]], %[[QW]] scale(%[[SW]] : tensor<2x2xf32>) zero_point(%[[ZW]] : tensor<2x2xi32>) transpose_rhs acc(f32)
// CHECK: return %[[Y]]
func.func @weight_only(%x: tensor<1x8xf32>, %qw: !lowbit.qtensor<2x8, #lowbit.scheme<ui4, per_group<axis = 1, size = 4>, asymmetric>>,
                       %sw: tensor<2x2xf32>, %zw: tensor<2x2xi32>) -> tensor<1x2xf32> {
  %dw = lowbit.dequantize %qw scale(%sw : tensor<2x2xf32>) zero_point(%zw : tensor<2x2xi32>) : !lowbit.qtensor<2x8, #lowbit.scheme<ui4, per_group<axis = 1, size = 4>, asymmetric>> -> tensor<2x8xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %y = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%x, %dw : tensor<1x8xf32>, tensor<2x8xf32>) outs(%z : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y : tensor<1x2xf32>
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#kn = affine_map<(m, n, k) -> (k, n)>
#mn = affine_map<(m, n, k) -> (m, n)>

// An integer activation with an NF4 weight stored [K, N]: not both integer,
// so f32 accumulation; no transpose_rhs.
// CHECK-LABEL: func.func @mixed_formats
// CHECK: lowbit.matmul %{{.*}} scale(%{{.*}} : tensor<1x1xf32>), %{{.*}} scale(%{{.*}} : tensor<1x2xf32>) acc(f32) : !lowbit.qtensor<4x8, {{.*}}>, !lowbit.qtensor<8x2, {{.*}}> -> tensor<4x2xf32>
func.func @mixed_formats(%qx: !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_tensor>>, %sx: tensor<1x1xf32>,
                         %qw: !lowbit.qtensor<8x2, #lowbit.scheme<nf4, per_axis<1>>>, %sw: tensor<1x2xf32>) -> tensor<4x2xf32> {
  %dx = lowbit.dequantize %qx scale(%sx : tensor<1x1xf32>) : !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_tensor>> -> tensor<4x8xf32>
  %dw = lowbit.dequantize %qw scale(%sw : tensor<1x2xf32>) : !lowbit.qtensor<8x2, #lowbit.scheme<nf4, per_axis<1>>> -> tensor<8x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<4x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<4x2xf32>) -> tensor<4x2xf32>
  %y = linalg.matmul indexing_maps = [#mk, #kn, #mn] ins(%dx, %dw : tensor<4x8xf32>, tensor<8x2xf32>) outs(%z : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

#mk = affine_map<(m, n, k) -> (m, k)>
#nk = affine_map<(m, n, k) -> (n, k)>
#mn = affine_map<(m, n, k) -> (m, n)>

// Not fused: an accumulating init (the matmul adds to %acc), and a matmul
// without dequantized operands.
// CHECK-LABEL: func.func @not_fused
// CHECK-NOT: lowbit.matmul
// CHECK: linalg.matmul
// CHECK: linalg.matmul
// CHECK-NOT: lowbit.matmul
func.func @not_fused(%x: tensor<1x8xf32>, %qw: !lowbit.qtensor<2x8, #lowbit.scheme<i8, per_axis<0>>>, %sw: tensor<2x1xf32>,
                     %acc: tensor<1x2xf32>, %w: tensor<2x8xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %dw = lowbit.dequantize %qw scale(%sw : tensor<2x1xf32>) : !lowbit.qtensor<2x8, #lowbit.scheme<i8, per_axis<0>>> -> tensor<2x8xf32>
  %y0 = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%x, %dw : tensor<1x8xf32>, tensor<2x8xf32>) outs(%acc : tensor<1x2xf32>) -> tensor<1x2xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x2xf32>) -> tensor<1x2xf32>
  %y1 = linalg.matmul indexing_maps = [#mk, #nk, #mn] ins(%x, %w : tensor<1x8xf32>, tensor<2x8xf32>) outs(%z : tensor<1x2xf32>) -> tensor<1x2xf32>
  return %y0, %y1 : tensor<1x2xf32>, tensor<1x2xf32>
}
