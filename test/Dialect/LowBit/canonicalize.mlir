// RUN: quant-opt %s -canonicalize -split-input-file | FileCheck %s

// An identity reorder folds to its operand.
// CHECK-LABEL: func.func @identity_reorder
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// CHECK-NOT: lowbit.reorder
// CHECK: return %[[X]]
func.func @identity_reorder(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = lowbit.reorder %x axis 1 permutation [0, 1, 2, 3] : tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

// Two reorders of one axis compose: y[i] = x[p1[p2[i]]].
// CHECK-LABEL: func.func @compose_reorders
// CHECK-SAME: (%[[X:.*]]: tensor<2x4xf32>)
// CHECK: %[[R:.*]] = lowbit.reorder %[[X]] axis 1 permutation [0, 2, 3, 1] : tensor<2x4xf32>
// CHECK-NOT: lowbit.reorder
// CHECK: return %[[R]]
func.func @compose_reorders(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = lowbit.reorder %x axis 1 permutation [2, 0, 3, 1] : tensor<2x4xf32>
  %1 = lowbit.reorder %0 axis 1 permutation [1, 0, 2, 3] : tensor<2x4xf32>
  return %1 : tensor<2x4xf32>
}

// -----

// A reorder followed by its inverse disappears.
// CHECK-LABEL: func.func @reorder_then_inverse
// CHECK-SAME: (%[[X:.*]]: tensor<3x4xf32>)
// CHECK-NOT: lowbit.reorder
// CHECK: return %[[X]]
func.func @reorder_then_inverse(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = lowbit.reorder %x axis 1 permutation [2, 0, 3, 1] : tensor<3x4xf32>
  %1 = lowbit.reorder %0 axis 1 permutation [1, 3, 0, 2] : tensor<3x4xf32>
  return %1 : tensor<3x4xf32>
}

// -----

// Reorders of different axes do not compose.
// CHECK-LABEL: func.func @reorders_on_two_axes
// CHECK: lowbit.reorder %{{.*}} axis 0 permutation [1, 0]
// CHECK: lowbit.reorder %{{.*}} axis 1 permutation [1, 0]
func.func @reorders_on_two_axes(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %0 = lowbit.reorder %x axis 0 permutation [1, 0] : tensor<2x2xf32>
  %1 = lowbit.reorder %0 axis 1 permutation [1, 0] : tensor<2x2xf32>
  return %1 : tensor<2x2xf32>
}

// -----

// quantize(dequantize(q, p), p) with the same scheme and parameters is q.
// CHECK-LABEL: func.func @requantize_same_params
// CHECK-SAME: (%[[Q:[^:]*]]: !lowbit.qtensor
// CHECK-NOT: lowbit.dequantize
// CHECK-NOT: lowbit.quantize
// CHECK: return %[[Q]]
func.func @requantize_same_params(%q: !lowbit.qtensor<8x64, #lowbit.scheme<ui4, per_group<axis = 1, size = 32>, asymmetric>>,
                                  %s: tensor<8x2xf32>, %z: tensor<8x2xi32>)
    -> !lowbit.qtensor<8x64, #lowbit.scheme<ui4, per_group<axis = 1, size = 32>, asymmetric>> {
  %x = lowbit.dequantize %q scale(%s : tensor<8x2xf32>) zero_point(%z : tensor<8x2xi32>) : !lowbit.qtensor<8x64, #lowbit.scheme<ui4, per_group<axis = 1, size = 32>, asymmetric>> -> tensor<8x64xf32>
  %r = lowbit.quantize %x scale(%s : tensor<8x2xf32>) zero_point(%z : tensor<8x2xi32>) : tensor<8x64xf32> -> !lowbit.qtensor<8x64, #lowbit.scheme<ui4, per_group<axis = 1, size = 32>, asymmetric>>
  return %r : !lowbit.qtensor<8x64, #lowbit.scheme<ui4, per_group<axis = 1, size = 32>, asymmetric>>
}

// -----

// Different parameters: the codes change, so nothing folds.
// CHECK-LABEL: func.func @requantize_other_scale
// CHECK: lowbit.dequantize
// CHECK: lowbit.quantize
func.func @requantize_other_scale(%q: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>>,
                                  %s: tensor<1x1xf32>, %t: tensor<1x1xf32>)
    -> !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>> {
  %x = lowbit.dequantize %q scale(%s : tensor<1x1xf32>) : !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>> -> tensor<8x64xf32>
  %r = lowbit.quantize %x scale(%t : tensor<1x1xf32>) : tensor<8x64xf32> -> !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>>
  return %r : !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>>
}

// -----

// Different schemes (i8 codes requantized to i4): nothing folds.
// CHECK-LABEL: func.func @requantize_other_scheme
// CHECK: lowbit.dequantize
// CHECK: lowbit.quantize
func.func @requantize_other_scheme(%q: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>>, %s: tensor<1x1xf32>)
    -> !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor>> {
  %x = lowbit.dequantize %q scale(%s : tensor<1x1xf32>) : !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>> -> tensor<8x64xf32>
  %r = lowbit.quantize %x scale(%s : tensor<1x1xf32>) : tensor<8x64xf32> -> !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor>>
  return %r : !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor>>
}

// -----

// Decoding to f16 can round, so the round trip through f16 must not fold.
// CHECK-LABEL: func.func @requantize_through_f16
// CHECK: lowbit.dequantize
// CHECK: lowbit.quantize
func.func @requantize_through_f16(%q: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>>, %s: tensor<1x1xf32>)
    -> !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>> {
  %x = lowbit.dequantize %q scale(%s : tensor<1x1xf32>) : !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>> -> tensor<8x64xf16>
  %r = lowbit.quantize %x scale(%s : tensor<1x1xf32>) : tensor<8x64xf16> -> !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>>
  return %r : !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>>
}

// -----

// dequantize(quantize(x)) is not x (quantization loses information): it
// must never fold.
// CHECK-LABEL: func.func @dequantize_of_quantize_stays
// CHECK-SAME: (%[[X:[^:]*]]: tensor<8x64xf32>, %[[S:[^:]*]]: tensor<1x1xf32>)
// CHECK: %[[Q:.*]] = lowbit.quantize %[[X]] scale(%[[S]]
// CHECK: %[[D:.*]] = lowbit.dequantize %[[Q]] scale(%[[S]]
// CHECK: return %[[D]]
func.func @dequantize_of_quantize_stays(%x: tensor<8x64xf32>, %s: tensor<1x1xf32>) -> tensor<8x64xf32> {
  %q = lowbit.quantize %x scale(%s : tensor<1x1xf32>) : tensor<8x64xf32> -> !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor>>
  %d = lowbit.dequantize %q scale(%s : tensor<1x1xf32>) : !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor>> -> tensor<8x64xf32>
  return %d : tensor<8x64xf32>
}

// -----

// Observers are calibration probes: canonicalization keeps them even when
// their result is unused.
// CHECK-LABEL: func.func @observe_kept
// CHECK: lowbit.observe "probe"
func.func @observe_kept(%x: tensor<2x4xf32>) {
  %0 = lowbit.observe "probe" %x : tensor<2x4xf32>
  return
}
