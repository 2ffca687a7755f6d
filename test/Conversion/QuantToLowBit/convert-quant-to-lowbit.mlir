// RUN: quant-opt %s -split-input-file --convert-quant-to-lowbit --mlir-print-local-scope | FileCheck %s

// Per-tensor, signed, symmetric: the dcast reuses the qcast's constant.

// CHECK-LABEL: func.func @per_tensor
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>) -> tensor<4x8xf32>
// CHECK:      %[[S:.*]] = arith.constant dense<5.000000e-01> : tensor<1x1xf32>
// CHECK-NEXT: %[[Q:.*]] = lowbit.quantize %[[X]] scale(%[[S]] : tensor<1x1xf32>) : tensor<4x8xf32> -> !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_tensor>>
// CHECK-NEXT: %[[D:.*]] = lowbit.dequantize %[[Q]] scale(%[[S]] : tensor<1x1xf32>) : !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_tensor>> -> tensor<4x8xf32>
// CHECK-NEXT: return %[[D]]
// CHECK-NOT:  quant.
func.func @per_tensor(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %q = quant.qcast %x : tensor<4x8xf32> to tensor<4x8x!quant.uniform<i8:f32, 0.5>>
  %d = quant.dcast %q : tensor<4x8x!quant.uniform<i8:f32, 0.5>> to tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// -----

// Per-tensor, unsigned, asymmetric: the zero point becomes an i32 tensor.

// CHECK-LABEL: func.func @per_tensor_asymmetric
// CHECK:      %[[S:.*]] = arith.constant dense<2.500000e-01> : tensor<1xf32>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<128> : tensor<1xi32>
// CHECK-NEXT: %[[Q:.*]] = lowbit.quantize %{{.*}} scale(%[[S]] : tensor<1xf32>) zero_point(%[[Z]] : tensor<1xi32>) : tensor<16xf32> -> !lowbit.qtensor<16, #lowbit.scheme<ui8, per_tensor, asymmetric>>
// CHECK-NEXT: lowbit.dequantize %[[Q]] scale(%[[S]] : tensor<1xf32>) zero_point(%[[Z]] : tensor<1xi32>)
func.func @per_tensor_asymmetric(%x: tensor<16xf32>) -> tensor<16xf32> {
  %q = quant.qcast %x : tensor<16xf32> to tensor<16x!quant.uniform<u8:f32, 0.25:128>>
  %d = quant.dcast %q : tensor<16x!quant.uniform<u8:f32, 0.25:128>> to tensor<16xf32>
  return %d : tensor<16xf32>
}

// -----

// Narrow signed and unsigned ranges.

// CHECK-LABEL: func.func @narrow
// CHECK: lowbit.quantize {{.*}} -> !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor, narrow>>
// CHECK: lowbit.quantize {{.*}} -> !lowbit.qtensor<8, #lowbit.scheme<ui4, per_tensor, narrow>>
// CHECK: lowbit.quantize {{.*}} -> !lowbit.qtensor<8, #lowbit.scheme<i4, per_tensor>>
func.func @narrow(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) {
  %q0 = quant.qcast %x : tensor<8xf32> to tensor<8x!quant.uniform<i8<-127:127>:f32, 1.0>>
  %d0 = quant.dcast %q0 : tensor<8x!quant.uniform<i8<-127:127>:f32, 1.0>> to tensor<8xf32>
  %q1 = quant.qcast %x : tensor<8xf32> to tensor<8x!quant.uniform<u4<1:15>:f32, 1.0>>
  %d1 = quant.dcast %q1 : tensor<8x!quant.uniform<u4<1:15>:f32, 1.0>> to tensor<8xf32>
  %q2 = quant.qcast %x : tensor<8xf32> to tensor<8x!quant.uniform<i4:f32, 1.0>>
  %d2 = quant.dcast %q2 : tensor<8x!quant.uniform<i4:f32, 1.0>> to tensor<8xf32>
  return %d0, %d1, %d2 : tensor<8xf32>, tensor<8xf32>, tensor<8xf32>
}

// -----

// Per-axis: the scales lie along the quantized dimension of the grid.

// CHECK-LABEL: func.func @per_axis
// CHECK:      %[[S:.*]] = arith.constant dense<{{\[\[}}5.000000e-01, 2.500000e-01, 1.250000e-01]]> : tensor<1x3xf32>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<{{\[\[}}10, 20, 128]]> : tensor<1x3xi32>
// CHECK-NEXT: %[[Q:.*]] = lowbit.quantize %{{.*}} scale(%[[S]] : tensor<1x3xf32>) zero_point(%[[Z]] : tensor<1x3xi32>) : tensor<2x3xf32> -> !lowbit.qtensor<2x3, #lowbit.scheme<ui8, per_axis<1>, asymmetric>>
// CHECK-NEXT: lowbit.dequantize %[[Q]] scale(%[[S]] : tensor<1x3xf32>) zero_point(%[[Z]] : tensor<1x3xi32>)
func.func @per_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %q = quant.qcast %x : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32:1, {0.5:10, 0.25:20, 0.125:128}>>
  %d = quant.dcast %q : tensor<2x3x!quant.uniform<u8:f32:1, {0.5:10, 0.25:20, 0.125:128}>> to tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

// -----

// Per-axis along a dynamic dimension: the constant has one entry per scale.

// CHECK-LABEL: func.func @per_axis_dynamic
// CHECK:      %[[S:.*]] = arith.constant dense<{{\[\[}}1.000000e+00], [2.000000e+00], [4.000000e+00]]> : tensor<3x1xf32>
// CHECK-NEXT: lowbit.quantize %{{.*}} scale(%[[S]] : tensor<3x1xf32>) : tensor<?x64xf32> -> !lowbit.qtensor<?x64, #lowbit.scheme<i8, per_axis<0>, narrow>>
func.func @per_axis_dynamic(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  %q = quant.qcast %x : tensor<?x64xf32> to tensor<?x64x!quant.uniform<i8<-127:127>:f32:0, {1.0, 2.0, 4.0}>>
  %d = quant.dcast %q : tensor<?x64x!quant.uniform<i8<-127:127>:f32:0, {1.0, 2.0, 4.0}>> to tensor<?x64xf32>
  return %d : tensor<?x64xf32>
}

// -----

// Sub-channel with one split dimension: per_group. Scales in the expressed
// type (f16) become f32.

// CHECK-LABEL: func.func @sub_channel_group
// CHECK:      %[[S:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<{{\[\[}}-1, 0], [2, 7]]> : tensor<2x2xi32>
// CHECK-NEXT: lowbit.quantize %{{.*}} scale(%[[S]] : tensor<2x2xf32>) zero_point(%[[Z]] : tensor<2x2xi32>) : tensor<2x64xf16> -> !lowbit.qtensor<2x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>, narrow, asymmetric>>
func.func @sub_channel_group(%x: tensor<2x64xf16>) -> tensor<2x64xf16> {
  %q = quant.qcast %x : tensor<2x64xf16> to tensor<2x64x!quant.uniform<i4<-7:7>:f16:{0:1, 1:32}, {{1.0:-1, 2.0:0}, {3.0:2, 4.0:7}}>>
  %d = quant.dcast %q : tensor<2x64x!quant.uniform<i4<-7:7>:f16:{0:1, 1:32}, {{1.0:-1, 2.0:0}, {3.0:2, 4.0:7}}>> to tensor<2x64xf16>
  return %d : tensor<2x64xf16>
}

// -----

// Sub-channel with 2-D blocks: per_block. Unsigned zero points above 127 are
// read as unsigned storage values.

// CHECK-LABEL: func.func @sub_channel_block
// CHECK:      %[[S:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], [3.000000e+00, 4.000000e+00]]> : tensor<2x2xf32>
// CHECK-NEXT: %[[Z:.*]] = arith.constant dense<{{\[\[}}3, 4], [200, 6]]> : tensor<2x2xi32>
// CHECK-NEXT: lowbit.quantize %{{.*}} scale(%[[S]] : tensor<2x2xf32>) zero_point(%[[Z]] : tensor<2x2xi32>) : tensor<4x64xf32> -> !lowbit.qtensor<4x64, #lowbit.scheme<ui8, per_block<[2, 32]>, narrow, asymmetric>>
func.func @sub_channel_block(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %q = quant.qcast %x : tensor<4x64xf32> to tensor<4x64x!quant.uniform<u8<1:255>:f32:{0:2, 1:32}, {{1.0:3, 2.0:4}, {3.0:200, 4.0:6}}>>
  %d = quant.dcast %q : tensor<4x64x!quant.uniform<u8<1:255>:f32:{0:2, 1:32}, {{1.0:3, 2.0:4}, {3.0:200, 4.0:6}}>> to tensor<4x64xf32>
  return %d : tensor<4x64xf32>
}

// -----

// A dimension left out of the block list is a single block: blocks of 4x32
// on 4x64 data are per_block, not per_group.

// CHECK-LABEL: func.func @sub_channel_implicit_dim
// CHECK:      %[[S:.*]] = arith.constant dense<{{\[\[}}5.000000e-01, 2.500000e-01]]> : tensor<1x2xf32>
// CHECK-NEXT: lowbit.quantize %{{.*}} scale(%[[S]] : tensor<1x2xf32>) : tensor<4x64xf32> -> !lowbit.qtensor<4x64, #lowbit.scheme<i8, per_block<[4, 32]>>>
func.func @sub_channel_implicit_dim(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %q = quant.qcast %x : tensor<4x64xf32> to tensor<4x64x!quant.uniform<i8:f32:{1:32}, {{0.5, 0.25}}>>
  %d = quant.dcast %q : tensor<4x64x!quant.uniform<i8:f32:{1:32}, {{0.5, 0.25}}>> to tensor<4x64xf32>
  return %d : tensor<4x64xf32>
}

// -----

// Function signatures, calls and returns carry !lowbit.qtensor; a dcast of a
// block argument materializes its own constants.

// CHECK-LABEL: func.func private @consume(!lowbit.qtensor<4x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>>) -> tensor<4x64xf32>
func.func private @consume(tensor<4x64x!quant.uniform<i4:f32:{0:1, 1:32}, {{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}}>>) -> tensor<4x64xf32>

// CHECK-LABEL: func.func @produce
// CHECK-SAME: (%[[X:.*]]: tensor<4x64xf32>) -> !lowbit.qtensor<4x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>>
// CHECK:      %[[S:.*]] = arith.constant dense<{{\[\[}}1.000000e+00, 2.000000e+00], {{.*}}]]> : tensor<4x2xf32>
// CHECK-NEXT: %[[Q:.*]] = lowbit.quantize %[[X]] scale(%[[S]] : tensor<4x2xf32>)
// CHECK-NEXT: return %[[Q]] : !lowbit.qtensor<4x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>>
func.func @produce(%x: tensor<4x64xf32>) -> tensor<4x64x!quant.uniform<i4:f32:{0:1, 1:32}, {{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}}>> {
  %q = quant.qcast %x : tensor<4x64xf32> to tensor<4x64x!quant.uniform<i4:f32:{0:1, 1:32}, {{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}}>>
  return %q : tensor<4x64x!quant.uniform<i4:f32:{0:1, 1:32}, {{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}}>>
}

// CHECK-LABEL: func.func @forward
// CHECK-SAME: (%[[ARG:.*]]: !lowbit.qtensor<4x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>>) -> (tensor<4x64xf32>, tensor<4x64xf32>)
// CHECK:      %[[S:.*]] = arith.constant {{.*}} : tensor<4x2xf32>
// CHECK-NEXT: %[[D:.*]] = lowbit.dequantize %[[ARG]] scale(%[[S]] : tensor<4x2xf32>) : !lowbit.qtensor<4x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>> -> tensor<4x64xf32>
// CHECK-NEXT: %[[C:.*]] = call @consume(%[[ARG]]) : (!lowbit.qtensor<4x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>>) -> tensor<4x64xf32>
// CHECK-NEXT: return %[[D]], %[[C]]
func.func @forward(%arg: tensor<4x64x!quant.uniform<i4:f32:{0:1, 1:32}, {{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}}>>) -> (tensor<4x64xf32>, tensor<4x64xf32>) {
  %d = quant.dcast %arg : tensor<4x64x!quant.uniform<i4:f32:{0:1, 1:32}, {{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}}>> to tensor<4x64xf32>
  %c = func.call @consume(%arg) : (tensor<4x64x!quant.uniform<i4:f32:{0:1, 1:32}, {{1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}, {1.0, 2.0}}>>) -> tensor<4x64xf32>
  return %d, %c : tensor<4x64xf32>, tensor<4x64xf32>
}

// -----

// Functions without quantized types are left alone.

// CHECK-LABEL: func.func @untouched
// CHECK-NEXT: arith.addf
func.func @untouched(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = arith.addf %x, %x : tensor<4xf32>
  return %y : tensor<4xf32>
}
