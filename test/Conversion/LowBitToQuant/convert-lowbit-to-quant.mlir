// RUN: quant-opt %s -split-input-file --convert-lowbit-to-quant | FileCheck %s
// RUN: quant-opt %s -split-input-file --convert-quant-to-lowbit --convert-lowbit-to-quant | FileCheck %s --check-prefix=ROUNDTRIP

// Per-tensor, signed, symmetric. The parameter constants move into the type.

// CHECK-LABEL: func.func @per_tensor
// CHECK-SAME: (%[[X:.*]]: tensor<4x8xf32>)
// CHECK-NOT:  arith.constant
// CHECK:      %[[Q:.*]] = quant.qcast %[[X]] : tensor<4x8xf32> to tensor<4x8x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK-NEXT: %[[D:.*]] = quant.dcast %[[Q]] : tensor<4x8x!quant.uniform<i8:f32, 5.000000e-01>> to tensor<4x8xf32>
// CHECK-NEXT: return %[[D]]
// CHECK-NOT:  lowbit.
func.func @per_tensor(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = arith.constant dense<0.5> : tensor<1x1xf32>
  %q = lowbit.quantize %x scale(%s : tensor<1x1xf32>) : tensor<4x8xf32> -> !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_tensor>>
  %d = lowbit.dequantize %q scale(%s : tensor<1x1xf32>) : !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_tensor>> -> tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// -----

// Narrow ranges become explicit storage bounds.

// CHECK-LABEL: func.func @narrow
// CHECK: quant.qcast %{{.*}} : tensor<8xf32> to tensor<8x!quant.uniform<i4<-7:7>:f32, 2.500000e-01>>
// CHECK: quant.qcast %{{.*}} : tensor<8xf32> to tensor<8x!quant.uniform<u8<1:255>:f32, 2.500000e-01>>
func.func @narrow(%x: tensor<8xf32>) -> (tensor<8xf32>, tensor<8xf32>) {
  %s = arith.constant dense<0.25> : tensor<1xf32>
  %q0 = lowbit.quantize %x scale(%s : tensor<1xf32>) : tensor<8xf32> -> !lowbit.qtensor<8, #lowbit.scheme<i4, per_tensor, narrow>>
  %d0 = lowbit.dequantize %q0 scale(%s : tensor<1xf32>) : !lowbit.qtensor<8, #lowbit.scheme<i4, per_tensor, narrow>> -> tensor<8xf32>
  %q1 = lowbit.quantize %x scale(%s : tensor<1xf32>) : tensor<8xf32> -> !lowbit.qtensor<8, #lowbit.scheme<ui8, per_tensor, narrow>>
  %d1 = lowbit.dequantize %q1 scale(%s : tensor<1xf32>) : !lowbit.qtensor<8, #lowbit.scheme<ui8, per_tensor, narrow>> -> tensor<8xf32>
  return %d0, %d1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// Per-axis, unsigned, asymmetric.

// CHECK-LABEL: func.func @per_axis
// CHECK: quant.qcast %{{.*}} : tensor<2x3xf32> to tensor<2x3x!quant.uniform<u8:f32:1, {5.000000e-01:10,2.500000e-01:20,1.250000e-01:128}>>
// CHECK: quant.dcast %{{.*}} : tensor<2x3x!quant.uniform<u8:f32:1, {5.000000e-01:10,2.500000e-01:20,1.250000e-01:128}>> to tensor<2x3xf32>
func.func @per_axis(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %s = arith.constant dense<[[0.5, 0.25, 0.125]]> : tensor<1x3xf32>
  %z = arith.constant dense<[[10, 20, 128]]> : tensor<1x3xi32>
  %q = lowbit.quantize %x scale(%s : tensor<1x3xf32>) zero_point(%z : tensor<1x3xi32>) : tensor<2x3xf32> -> !lowbit.qtensor<2x3, #lowbit.scheme<ui8, per_axis<1>, asymmetric>>
  %d = lowbit.dequantize %q scale(%s : tensor<1x3xf32>) zero_point(%z : tensor<1x3xi32>) : !lowbit.qtensor<2x3, #lowbit.scheme<ui8, per_axis<1>, asymmetric>> -> tensor<2x3xf32>
  return %d : tensor<2x3xf32>
}

// -----

// per_group is a sub-channel type that lists every split dimension; scales
// are stored in the expressed type (f16 here), zero points in the storage
// type.

// CHECK-LABEL: func.func @per_group
// CHECK: quant.qcast %{{.*}} : tensor<2x64xf16> to tensor<2x64x!quant.uniform<i4<-7:7>:f16:{0:1, 1:32}, {{\{\{}}1.000000e+00:-1, 2.000000e+00}, {3.000000e+00:2, 4.000000e+00:7}}>>
func.func @per_group(%x: tensor<2x64xf16>) -> tensor<2x64xf16> {
  %s = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %z = arith.constant dense<[[-1, 0], [2, 7]]> : tensor<2x2xi32>
  %q = lowbit.quantize %x scale(%s : tensor<2x2xf32>) zero_point(%z : tensor<2x2xi32>) : tensor<2x64xf16> -> !lowbit.qtensor<2x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>, narrow, asymmetric>>
  %d = lowbit.dequantize %q scale(%s : tensor<2x2xf32>) zero_point(%z : tensor<2x2xi32>) : !lowbit.qtensor<2x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>, narrow, asymmetric>> -> tensor<2x64xf16>
  return %d : tensor<2x64xf16>
}

// -----

// 2-D blocks. A dimension that is a single block (dimension 0 here) is left
// out of the block list, as upstream does.

// CHECK-LABEL: func.func @per_block
// CHECK: quant.qcast %{{.*}} : tensor<4x64xf32> to tensor<4x64x!quant.uniform<u8:f32:{0:2, 1:32}, {{\{\{}}1.000000e+00:3, 2.000000e+00:4}, {3.000000e+00:5, 4.000000e+00:6}}>>
// CHECK: quant.qcast %{{.*}} : tensor<4x64xf32> to tensor<4x64x!quant.uniform<u8:f32:{1:32}, {{\{\{}}1.000000e+00:3, 2.000000e+00:4}}>>
func.func @per_block(%x: tensor<4x64xf32>) -> (tensor<4x64xf32>, tensor<4x64xf32>) {
  %s = arith.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %z = arith.constant dense<[[3, 4], [5, 6]]> : tensor<2x2xi32>
  %q = lowbit.quantize %x scale(%s : tensor<2x2xf32>) zero_point(%z : tensor<2x2xi32>) : tensor<4x64xf32> -> !lowbit.qtensor<4x64, #lowbit.scheme<ui8, per_block<[2, 32]>, asymmetric>>
  %d = lowbit.dequantize %q scale(%s : tensor<2x2xf32>) zero_point(%z : tensor<2x2xi32>) : !lowbit.qtensor<4x64, #lowbit.scheme<ui8, per_block<[2, 32]>, asymmetric>> -> tensor<4x64xf32>
  %s1 = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  %z1 = arith.constant dense<[[3, 4]]> : tensor<1x2xi32>
  %q1 = lowbit.quantize %x scale(%s1 : tensor<1x2xf32>) zero_point(%z1 : tensor<1x2xi32>) : tensor<4x64xf32> -> !lowbit.qtensor<4x64, #lowbit.scheme<ui8, per_block<[4, 32]>, asymmetric>>
  %d1 = lowbit.dequantize %q1 scale(%s1 : tensor<1x2xf32>) zero_point(%z1 : tensor<1x2xi32>) : !lowbit.qtensor<4x64, #lowbit.scheme<ui8, per_block<[4, 32]>, asymmetric>> -> tensor<4x64xf32>
  return %d, %d1 : tensor<4x64xf32>, tensor<4x64xf32>
}

// -----

// One block over the whole tensor is per-tensor quantization.

// CHECK-LABEL: func.func @single_block
// CHECK: quant.qcast %{{.*}} : tensor<4x64xf32> to tensor<4x64x!quant.uniform<i8:f32, 2.000000e+00>>
func.func @single_block(%x: tensor<4x64xf32>) -> tensor<4x64xf32> {
  %s = arith.constant dense<2.0> : tensor<1x1xf32>
  %q = lowbit.quantize %x scale(%s : tensor<1x1xf32>) : tensor<4x64xf32> -> !lowbit.qtensor<4x64, #lowbit.scheme<i8, per_block<[4, 64]>>>
  %d = lowbit.dequantize %q scale(%s : tensor<1x1xf32>) : !lowbit.qtensor<4x64, #lowbit.scheme<i8, per_block<[4, 64]>>> -> tensor<4x64xf32>
  return %d : tensor<4x64xf32>
}

// -----

// Several dequantizes of one quantize share one quant.qcast; a parameter
// constant that something else uses stays.

// CHECK-LABEL: func.func @shared
// CHECK:      %[[S:.*]] = arith.constant dense<5.000000e-01> : tensor<1x1xf32>
// CHECK-NEXT: %[[Q:.*]] = quant.qcast %{{.*}} : tensor<4x8xf32> to tensor<4x8x!quant.uniform<i8:f32, 5.000000e-01>>
// CHECK-NEXT: %[[D0:.*]] = quant.dcast %[[Q]]
// CHECK-NEXT: %[[D1:.*]] = quant.dcast %[[Q]]
// CHECK-NEXT: return %[[D0]], %[[D1]], %[[S]]
func.func @shared(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>, tensor<1x1xf32>) {
  %s = arith.constant dense<0.5> : tensor<1x1xf32>
  %q = lowbit.quantize %x scale(%s : tensor<1x1xf32>) : tensor<4x8xf32> -> !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_tensor>>
  %d0 = lowbit.dequantize %q scale(%s : tensor<1x1xf32>) : !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_tensor>> -> tensor<4x8xf32>
  %d1 = lowbit.dequantize %q scale(%s : tensor<1x1xf32>) : !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_tensor>> -> tensor<4x8xf32>
  return %d0, %d1, %s : tensor<4x8xf32>, tensor<4x8xf32>, tensor<1x1xf32>
}

// -----

// Non-f32 scale types widen exactly.

// CHECK-LABEL: func.func @f16_scale
// CHECK: quant.qcast %{{.*}} : tensor<4xf32> to tensor<4x!quant.uniform<i8:f32, 1.250000e-01>>
func.func @f16_scale(%x: tensor<4xf32>) -> tensor<4xf32> {
  %s = arith.constant dense<0.125> : tensor<1xf16>
  %q = lowbit.quantize %x scale(%s : tensor<1xf16>) : tensor<4xf32> -> !lowbit.qtensor<4, #lowbit.scheme<i8, per_tensor, scale = f16>>
  %d = lowbit.dequantize %q scale(%s : tensor<1xf16>) : !lowbit.qtensor<4, #lowbit.scheme<i8, per_tensor, scale = f16>> -> tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// Round trip: quant -> lowbit -> quant gives back the same types.

// ROUNDTRIP-LABEL: func.func @round_trip
// ROUNDTRIP-NOT:   lowbit.
// ROUNDTRIP:       %[[Q0:.*]] = quant.qcast %{{.*}} : tensor<4x64xf32> to tensor<4x64x!quant.uniform<i8:f32, 5.000000e-01>>
// ROUNDTRIP-NEXT:  quant.dcast %[[Q0]] : tensor<4x64x!quant.uniform<i8:f32, 5.000000e-01>> to tensor<4x64xf32>
// ROUNDTRIP-NEXT:  %[[Q1:.*]] = quant.qcast %{{.*}} : tensor<4x64xf32> to tensor<4x64x!quant.uniform<u8<1:255>:f32:0, {5.000000e-01:1,2.500000e-01:2,1.250000e-01:3,6.250000e-02:255}>>
// ROUNDTRIP-NEXT:  quant.dcast %[[Q1]] : tensor<4x64x!quant.uniform<u8<1:255>:f32:0, {5.000000e-01:1,2.500000e-01:2,1.250000e-01:3,6.250000e-02:255}>> to tensor<4x64xf32>
// ROUNDTRIP-NEXT:  %[[Q2:.*]] = quant.qcast %{{.*}} : tensor<4x64xf32> to tensor<4x64x!quant.uniform<i4:f32:{0:2, 1:32}, {{\{\{}}1.000000e+00, 2.000000e+00}, {3.000000e+00, 4.000000e+00}}>>
// ROUNDTRIP-NEXT:  quant.dcast %[[Q2]] : tensor<4x64x!quant.uniform<i4:f32:{0:2, 1:32}, {{\{\{}}1.000000e+00, 2.000000e+00}, {3.000000e+00, 4.000000e+00}}>> to tensor<4x64xf32>
// ROUNDTRIP-NEXT:  %[[Q3:.*]] = quant.qcast %{{.*}} : tensor<4x64xf32> to tensor<4x64x!quant.uniform<i8<-127:127>:f32:{0:1, 1:32}, {{\{\{}}1.000000e+00:1, 2.000000e+00:-2}, {3.000000e+00, 4.000000e+00}, {5.000000e-01, 2.500000e-01}, {1.000000e+00, 1.000000e+00}}>>
// ROUNDTRIP-NEXT:  quant.dcast %[[Q3]] : tensor<4x64x!quant.uniform<i8<-127:127>:f32:{0:1, 1:32}, {{\{\{}}1.000000e+00:1, 2.000000e+00:-2}, {3.000000e+00, 4.000000e+00}, {5.000000e-01, 2.500000e-01}, {1.000000e+00, 1.000000e+00}}>> to tensor<4x64xf32>
func.func @round_trip(%x: tensor<4x64xf32>) -> (tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>) {
  %q0 = quant.qcast %x : tensor<4x64xf32> to tensor<4x64x!quant.uniform<i8:f32, 0.5>>
  %d0 = quant.dcast %q0 : tensor<4x64x!quant.uniform<i8:f32, 0.5>> to tensor<4x64xf32>
  %q1 = quant.qcast %x : tensor<4x64xf32> to tensor<4x64x!quant.uniform<u8<1:255>:f32:0, {0.5:1, 0.25:2, 0.125:3, 0.0625:255}>>
  %d1 = quant.dcast %q1 : tensor<4x64x!quant.uniform<u8<1:255>:f32:0, {0.5:1, 0.25:2, 0.125:3, 0.0625:255}>> to tensor<4x64xf32>
  %q2 = quant.qcast %x : tensor<4x64xf32> to tensor<4x64x!quant.uniform<i4:f32:{0:2, 1:32}, {{1.0, 2.0}, {3.0, 4.0}}>>
  %d2 = quant.dcast %q2 : tensor<4x64x!quant.uniform<i4:f32:{0:2, 1:32}, {{1.0, 2.0}, {3.0, 4.0}}>> to tensor<4x64xf32>
  %q3 = quant.qcast %x : tensor<4x64xf32> to tensor<4x64x!quant.uniform<i8<-127:127>:f32:{0:1, 1:32}, {{1.0:1, 2.0:-2}, {3.0, 4.0}, {0.5, 0.25}, {1.0, 1.0}}>>
  %d3 = quant.dcast %q3 : tensor<4x64x!quant.uniform<i8<-127:127>:f32:{0:1, 1:32}, {{1.0:1, 2.0:-2}, {3.0, 4.0}, {0.5, 0.25}, {1.0, 1.0}}>> to tensor<4x64xf32>
  return %d0, %d1, %d2, %d3 : tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>, tensor<4x64xf32>
}
