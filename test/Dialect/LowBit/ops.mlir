// Round trip of every format, granularity, scheme option, type and op:
// custom form, generic form and bytecode all print back the same.
// RUN: quant-opt %s | FileCheck %s
// RUN: quant-opt %s --mlir-print-op-generic | quant-opt | FileCheck %s
// RUN: quant-opt %s --emit-bytecode | quant-opt | FileCheck %s
// RUN: quant-opt %s > %t.1.mlir && quant-opt %t.1.mlir > %t.2.mlir && diff %t.1.mlir %t.2.mlir

// Every storage format.
// CHECK-DAG: = #lowbit.scheme<i1, per_tensor>
// CHECK-DAG: = #lowbit.scheme<i2, per_tensor>
// CHECK-DAG: = #lowbit.scheme<i3, per_tensor>
// CHECK-DAG: = #lowbit.scheme<i4, per_tensor>
// CHECK-DAG: = #lowbit.scheme<i5, per_tensor>
// CHECK-DAG: = #lowbit.scheme<i6, per_tensor>
// CHECK-DAG: = #lowbit.scheme<i7, per_tensor>
// CHECK-DAG: = #lowbit.scheme<i8, per_tensor, narrow>
// CHECK-DAG: = #lowbit.scheme<ui4, per_tensor, narrow>
// CHECK-DAG: = #lowbit.scheme<ui8, per_tensor, asymmetric>
// CHECK-DAG: = #lowbit.scheme<f8E4M3FN, per_tensor>
// CHECK-DAG: = #lowbit.scheme<f8E5M2, per_tensor>
// CHECK-DAG: = #lowbit.scheme<f6E2M3FN, per_tensor>
// CHECK-DAG: = #lowbit.scheme<f6E3M2FN, per_tensor>
// CHECK-DAG: = #lowbit.scheme<f4E2M1FN, per_tensor>
// CHECK-DAG: = #lowbit.scheme<nf4, per_group<axis = 1, size = 64>>
// CHECK-DAG: = #lowbit.scheme<!lowbit.lut<[-1.5, -0.5, 0.5, 1.5]>, per_tensor>
// CHECK-DAG: = #lowbit.scheme<binary, per_axis<0>>
// Every granularity family and option.
// CHECK-DAG: = #lowbit.scheme<i4, per_axis<1>, scale = f16>
// CHECK-DAG: = #lowbit.scheme<i4, per_group<axis = 1, size = 32>, scale = bf16>
// CHECK-DAG: = #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [16, 8, 40]>, asymmetric>
// CHECK-DAG: = #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [16, 8, 40], per_slice>>
// CHECK-DAG: = #lowbit.scheme<i8, per_block<[4, 32]>, scale = f8E8M0FNU>
// CHECK-DAG: = #lowbit.scheme<i8, per_axis<0>, dynamic, rounding = nearest_away, clip = percentile(99.9)>
// CHECK-DAG: = #lowbit.scheme<i3, per_tensor, rounding = toward_zero, clip = ratio(0.85)>
// CHECK-DAG: = #lowbit.scheme<i2, per_axis<0>, asymmetric, clip = mse>
// Named block-scaled families.
// CHECK-DAG: = #lowbit.scheme<mxfp8_e4m3, axis = 1>
// CHECK-DAG: = #lowbit.scheme<mxfp8_e5m2, axis = 1>
// CHECK-DAG: = #lowbit.scheme<mxfp6_e3m2, axis = 1>
// CHECK-DAG: = #lowbit.scheme<mxfp6_e2m3, axis = 1>
// CHECK-DAG: = #lowbit.scheme<mxfp4, axis = 1, dynamic>
// CHECK-DAG: = #lowbit.scheme<mxint8, axis = 1>
// CHECK-DAG: = #lowbit.scheme<nvfp4, axis = 1>

// CHECK-LABEL: func.func @formats
// CHECK-SAME: !lowbit.qtensor<8x64, #{{.*}}>
func.func @formats(
    %a: !lowbit.qtensor<8x64, #lowbit.scheme<i1, per_tensor>>,
    %b: !lowbit.qtensor<8x64, #lowbit.scheme<i2, per_tensor>>,
    %c: !lowbit.qtensor<8x64, #lowbit.scheme<i3, per_tensor>>,
    %d: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor>>,
    %e: !lowbit.qtensor<8x64, #lowbit.scheme<i5, per_tensor>>,
    %f: !lowbit.qtensor<8x64, #lowbit.scheme<i6, per_tensor>>,
    %g: !lowbit.qtensor<8x64, #lowbit.scheme<i7, per_tensor>>,
    %h: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor, narrow>>,
    %i: !lowbit.qtensor<8x64, #lowbit.scheme<ui4, per_tensor, narrow>>,
    %j: !lowbit.qtensor<8x64, #lowbit.scheme<ui8, per_tensor, asymmetric>>,
    %k: !lowbit.qtensor<8x64, #lowbit.scheme<f8E4M3FN, per_tensor>>,
    %l: !lowbit.qtensor<8x64, #lowbit.scheme<f8E5M2, per_tensor>>,
    %m: !lowbit.qtensor<8x64, #lowbit.scheme<f6E2M3FN, per_tensor>>,
    %n: !lowbit.qtensor<8x64, #lowbit.scheme<f6E3M2FN, per_tensor>>,
    %o: !lowbit.qtensor<8x64, #lowbit.scheme<f4E2M1FN, per_tensor>>,
    // The NF4 table written out in full is recognized and printed as nf4.
    %p: !lowbit.qtensor<8x64, #lowbit.scheme<!lowbit.lut<nf4>, per_group<axis = 1, size = 64>>>,
    %q: !lowbit.qtensor<8x64, #lowbit.scheme<!lowbit.lut<[-1.5, -0.5, 0.5, 1.5]>, per_tensor>>,
    %r: !lowbit.qtensor<8x64, #lowbit.scheme<!lowbit.binary, per_axis<0>>>) {
  return
}

// CHECK-LABEL: func.func @granularities
func.func @granularities(
    %a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_axis<1>, scale = f16>>,
    %b: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>, scale = bf16>>,
    %c: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [16, 8, 40]>, asymmetric>>,
    %d: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [16, 8, 40], per_slice>>>,
    %e: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_block<[4, 32]>, scale = f8E8M0FNU>>,
    %f: !lowbit.qtensor<?x64, #lowbit.scheme<i8, per_axis<0>, dynamic, rounding = nearest_away, clip = percentile(99.9)>>,
    %g: !lowbit.qtensor<8x64, #lowbit.scheme<i3, per_tensor, rounding = toward_zero, clip = ratio(0.85)>>,
    %h: !lowbit.qtensor<8x64, #lowbit.scheme<i2, per_axis<0>, asymmetric, clip = mse>>) {
  return
}

// Presets and their long forms are the same attribute.
// CHECK-LABEL: func.func @families
func.func @families(
    %a: !lowbit.qtensor<8x64, #lowbit.scheme<mxfp8_e4m3, axis = 1>>,
    %b: !lowbit.qtensor<8x64, #lowbit.scheme<f8E5M2, per_group<axis = 1, size = 32>, scale = f8E8M0FNU, family = mx>>,
    %c: !lowbit.qtensor<8x64, #lowbit.scheme<mxfp6_e3m2, axis = 1>>,
    %d: !lowbit.qtensor<8x64, #lowbit.scheme<mxfp6_e2m3, axis = 1>>,
    %e: !lowbit.qtensor<8x64, #lowbit.scheme<mxfp4, axis = 1, dynamic>>,
    %f: !lowbit.qtensor<8x64, #lowbit.scheme<mxint8, axis = 1>>,
    %g: !lowbit.qtensor<8x64, #lowbit.scheme<nvfp4, axis = 1>>) {
  return
}

// CHECK-LABEL: func.func @observe
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>, %{{.*}}: index)
func.func @observe(%x: tensor<?x64xf32>, %c: index) -> tensor<?x64xf32> {
  // CHECK: %[[A:.*]] = lowbit.observe "layer0.attn_in" %[[X]] : tensor<?x64xf32>
  %0 = lowbit.observe "layer0.attn_in" %x : tensor<?x64xf32>
  // CHECK: lowbit.observe "layer0.attn_in.tokens" %[[A]] {axis = 0 : i64} : tensor<?x64xf32>
  %1 = lowbit.observe "layer0.attn_in.tokens" %0 {axis = 0} : tensor<?x64xf32>
  // CHECK: lowbit.observe "layers.0.q" %{{.*}} {heads = 2 : i64, max = array<f32: 1.000000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00>, min = array<f32: -1.000000e+00, 0.000000e+00, -3.000000e+00, 5.000000e-01>} : tensor<?x4xf32>
  %2 = tensor.extract_slice %1[0, 0] [%c, 4] [1, 1] : tensor<?x64xf32> to tensor<?x4xf32>
  %3 = lowbit.observe "layers.0.q" %2 {heads = 2, min = array<f32: -1.0, 0.0, -3.0, 0.5>, max = array<f32: 1.0, 2.0, 3.0, 4.0>} : tensor<?x4xf32>
  return %1 : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @dynamic_per_token
// CHECK-SAME: (%[[X:.*]]: tensor<?x64xf32>)
func.func @dynamic_per_token(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // CHECK: %[[P:.*]]:2 = lowbit.choose_params %[[X]] {scheme = #[[S:.*]]} : tensor<?x64xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
  %s, %z = lowbit.choose_params %x {scheme = #lowbit.scheme<i8, per_axis<0>, asymmetric, dynamic>} : tensor<?x64xf32> -> tensor<?x1xf32>, tensor<?x1xi32>
  // CHECK: %[[Q:.*]] = lowbit.quantize %[[X]] scale(%[[P]]#0 : tensor<?x1xf32>) zero_point(%[[P]]#1 : tensor<?x1xi32>) : tensor<?x64xf32> -> !lowbit.qtensor<?x64, #[[S]]>
  %q = lowbit.quantize %x scale(%s : tensor<?x1xf32>) zero_point(%z : tensor<?x1xi32>) : tensor<?x64xf32> -> !lowbit.qtensor<?x64, #lowbit.scheme<i8, per_axis<0>, asymmetric, dynamic>>
  // CHECK: lowbit.dequantize %[[Q]] scale(%[[P]]#0 : tensor<?x1xf32>) zero_point(%[[P]]#1 : tensor<?x1xi32>) : !lowbit.qtensor<?x64, #[[S]]> -> tensor<?x64xf32>
  %d = lowbit.dequantize %q scale(%s : tensor<?x1xf32>) zero_point(%z : tensor<?x1xi32>) : !lowbit.qtensor<?x64, #lowbit.scheme<i8, per_axis<0>, asymmetric, dynamic>> -> tensor<?x64xf32>
  return %d : tensor<?x64xf32>
}

// CHECK-LABEL: func.func @nvfp4
// CHECK-SAME: (%[[X:.*]]: tensor<4x64xf32>)
func.func @nvfp4(%x: tensor<4x64xf32>) -> tensor<4x64xf16> {
  // CHECK: %[[P:.*]]:2 = lowbit.choose_params %[[X]] {scheme = #[[S:.*]]} : tensor<4x64xf32> -> tensor<4x4xf8E4M3FN>, tensor<1x1xf32>
  %s, %g = lowbit.choose_params %x {scheme = #lowbit.scheme<nvfp4, axis = 1>} : tensor<4x64xf32> -> tensor<4x4xf8E4M3FN>, tensor<1x1xf32>
  // CHECK: %[[Q:.*]] = lowbit.quantize %[[X]] scale(%[[P]]#0 : tensor<4x4xf8E4M3FN>) global_scale(%[[P]]#1 : tensor<1x1xf32>) : tensor<4x64xf32> -> !lowbit.qtensor<4x64, #[[S]]>
  %q = lowbit.quantize %x scale(%s : tensor<4x4xf8E4M3FN>) global_scale(%g : tensor<1x1xf32>) : tensor<4x64xf32> -> !lowbit.qtensor<4x64, #lowbit.scheme<nvfp4, axis = 1>>
  // CHECK: lowbit.dequantize %[[Q]] scale(%[[P]]#0 : tensor<4x4xf8E4M3FN>) global_scale(%[[P]]#1 : tensor<1x1xf32>) : !lowbit.qtensor<4x64, #[[S]]> -> tensor<4x64xf16>
  %d = lowbit.dequantize %q scale(%s : tensor<4x4xf8E4M3FN>) global_scale(%g : tensor<1x1xf32>) : !lowbit.qtensor<4x64, #lowbit.scheme<nvfp4, axis = 1>> -> tensor<4x64xf16>
  return %d : tensor<4x64xf16>
}

// CHECK-LABEL: func.func @reorder
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
func.func @reorder(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // CHECK: %[[R:.*]] = lowbit.reorder %[[X]] axis 1 permutation [2, 0, 3, 1] : tensor<2x4xf32>
  %0 = lowbit.reorder %x axis 1 permutation [2, 0, 3, 1] : tensor<2x4xf32>
  // CHECK: lowbit.reorder %[[R]] axis 1 permutation [1, 0, 2, 3] {cluster_sizes = array<i64: 1, 3>} : tensor<2x4xf32>
  %1 = lowbit.reorder %0 axis 1 permutation [1, 0, 2, 3] {cluster_sizes = array<i64: 1, 3>} : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// Float x float, weight-only (float x quantized, transposed weight) and
// integer x integer with i32 accumulation.
// CHECK-LABEL: func.func @matmul
// CHECK-SAME: (%[[A:[^:]*]]: tensor<16x64xf32>, %[[B:[^:]*]]: tensor<64x32xf32>, %[[W:[^:]*]]: !lowbit.qtensor<32x64, #[[SW:[^>]*]]>, %[[SW_:[^:]*]]: tensor<32x2xf16>
func.func @matmul(%a: tensor<16x64xf32>, %b: tensor<64x32xf32>,
                  %w: !lowbit.qtensor<32x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>, scale = f16>>,
                  %sw: tensor<32x2xf16>,
                  %qa: !lowbit.qtensor<16x64, #lowbit.scheme<i8, per_axis<0>, dynamic>>,
                  %sa: tensor<16x1xf32>,
                  %qw: !lowbit.qtensor<32x64, #lowbit.scheme<i8, per_axis<0>>>,
                  %sq: tensor<32x1xf32>) -> (tensor<16x32xf32>, tensor<16x32xf16>, tensor<16x32xf32>) {
  // CHECK: lowbit.matmul %[[A]], %[[B]] acc(f32) : tensor<16x64xf32>, tensor<64x32xf32> -> tensor<16x32xf32>
  %0 = lowbit.matmul %a, %b acc(f32) : tensor<16x64xf32>, tensor<64x32xf32> -> tensor<16x32xf32>
  // CHECK: lowbit.matmul %[[A]], %[[W]] scale(%[[SW_]] : tensor<32x2xf16>) transpose_rhs acc(f32) : tensor<16x64xf32>, !lowbit.qtensor<32x64, #[[SW]]> -> tensor<16x32xf16>
  %1 = lowbit.matmul %a, %w scale(%sw : tensor<32x2xf16>) transpose_rhs acc(f32) : tensor<16x64xf32>, !lowbit.qtensor<32x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>, scale = f16>> -> tensor<16x32xf16>
  // CHECK: lowbit.matmul %{{.*}} scale(%{{.*}} : tensor<16x1xf32>), %{{.*}} scale(%{{.*}} : tensor<32x1xf32>) transpose_rhs acc(i32)
  %2 = lowbit.matmul %qa scale(%sa : tensor<16x1xf32>), %qw scale(%sq : tensor<32x1xf32>) transpose_rhs acc(i32)
      : !lowbit.qtensor<16x64, #lowbit.scheme<i8, per_axis<0>, dynamic>>, !lowbit.qtensor<32x64, #lowbit.scheme<i8, per_axis<0>>> -> tensor<16x32xf32>
  return %0, %1, %2 : tensor<16x32xf32>, tensor<16x32xf16>, tensor<16x32xf32>
}

// Asymmetric and NVFP4 parameters on matmul operands.
// CHECK-LABEL: func.func @matmul_params
func.func @matmul_params(
    %qa: !lowbit.qtensor<4x64, #lowbit.scheme<nvfp4, axis = 1>>, %sa: tensor<4x4xf8E4M3FN>, %ga: tensor<1x1xf32>,
    %qw: !lowbit.qtensor<64x8, #lowbit.scheme<ui4, per_axis<1>, asymmetric>>, %sw: tensor<1x8xf32>, %zw: tensor<1x8xi8>) -> tensor<4x8xf32> {
  // CHECK: lowbit.matmul %{{.*}} scale(%{{.*}} : tensor<4x4xf8E4M3FN>) global_scale(%{{.*}} : tensor<1x1xf32>), %{{.*}} scale(%{{.*}} : tensor<1x8xf32>) zero_point(%{{.*}} : tensor<1x8xi8>) acc(f32)
  %0 = lowbit.matmul %qa scale(%sa : tensor<4x4xf8E4M3FN>) global_scale(%ga : tensor<1x1xf32>),
                     %qw scale(%sw : tensor<1x8xf32>) zero_point(%zw : tensor<1x8xi8>) acc(f32)
      : !lowbit.qtensor<4x64, #lowbit.scheme<nvfp4, axis = 1>>, !lowbit.qtensor<64x8, #lowbit.scheme<ui4, per_axis<1>, asymmetric>> -> tensor<4x8xf32>
  return %0 : tensor<4x8xf32>
}

// A weight quantized at compile time: packed codes (two 4-bit codes per byte).
// CHECK-LABEL: func.func @constant
func.func @constant() -> (!lowbit.qtensor<2x4, #lowbit.scheme<i4, per_axis<0>>>, !lowbit.qtensor<1x3, #lowbit.scheme<i8, per_tensor>>) {
  // CHECK: lowbit.constant dense<{{\[}}[33, -1], [0, 16]]> : tensor<2x2xi8> -> !lowbit.qtensor<2x4, #{{.*}}>
  %0 = lowbit.constant dense<[[33, -1], [0, 16]]> : tensor<2x2xi8> -> !lowbit.qtensor<2x4, #lowbit.scheme<i4, per_axis<0>>>
  // CHECK: lowbit.constant dense_resource<w> : tensor<1x3xi8> -> !lowbit.qtensor<1x3, #{{.*}}>
  %1 = lowbit.constant dense_resource<w> : tensor<1x3xi8> -> !lowbit.qtensor<1x3, #lowbit.scheme<i8, per_tensor>>
  return %0, %1 : !lowbit.qtensor<2x4, #lowbit.scheme<i4, per_axis<0>>>, !lowbit.qtensor<1x3, #lowbit.scheme<i8, per_tensor>>
}

// Granularity attributes and format types on their own.
// CHECK-LABEL: func.func @standalone
// CHECK-SAME: !lowbit.lut<nf4>, %{{.*}}: !lowbit.lut<[-1.0, 1.0]>, %{{.*}}: !lowbit.binary
// CHECK-SAME: attributes {granularities = [#lowbit.per_tensor, #lowbit.per_axis<0>, #lowbit.per_group<axis = 1, size = 128>, #lowbit.per_cluster<axis = 1, sizes = [1, 2]>, #lowbit.per_cluster<axis = 0, sizes = [4], per_slice>, #lowbit.per_block<[128, 128]>]}
func.func @standalone(%a: !lowbit.lut<nf4>, %b: !lowbit.lut<[-1.0, 1.0]>, %c: !lowbit.binary)
    attributes {granularities = [#lowbit.per_tensor, #lowbit.per_axis<0>, #lowbit.per_group<axis = 1, size = 128>,
                                 #lowbit.per_cluster<axis = 1, sizes = [1, 2]>, #lowbit.per_cluster<axis = 0, sizes = [4], per_slice>,
                                 #lowbit.per_block<[128, 128]>]} {
  return
}

{-#
  dialect_resources: {
    builtin: {
      w: "0x01000000010203"
    }
  }
#-}

// A group size that does not divide its axis: the last group is shorter
// (200 = 128 + 72) and has its own scales, so the grid is [8, 2].
// CHECK-LABEL: func.func @ragged_group
// CHECK-SAME: (%[[X:.*]]: tensor<8x200xf32>, %[[S:.*]]: tensor<8x2xf32>)
func.func @ragged_group(%x: tensor<8x200xf32>, %s: tensor<8x2xf32>)
    -> !lowbit.qtensor<8x200, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>> {
  // CHECK: lowbit.quantize %[[X]] scale(%[[S]] : tensor<8x2xf32>)
  %q = lowbit.quantize %x scale(%s : tensor<8x2xf32>) : tensor<8x200xf32> -> !lowbit.qtensor<8x200, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>>
  return %q : !lowbit.qtensor<8x200, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>>
}
