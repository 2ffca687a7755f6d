// RUN: quant-opt %s -split-input-file --convert-quant-to-lowbit -verify-diagnostics

func.func @storage_cast(%x: tensor<4xi8>) -> tensor<4x!quant.uniform<i8:f32, 1.0>> {
  // expected-error @below {{'quant.scast' op has no lowbit equivalent}}
  %q = quant.scast %x : tensor<4xi8> to tensor<4x!quant.uniform<i8:f32, 1.0>>
  return %q : tensor<4x!quant.uniform<i8:f32, 1.0>>
}

// -----

func.func @any(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{cannot convert 'tensor<4x!quant.any<i8:f32>>' to !lowbit.qtensor: !quant.any has no scale or zero point}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.any<i8:f32>>
  %d = quant.dcast %q : tensor<4x!quant.any<i8:f32>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

// expected-error @below {{!quant.calibrated holds a calibration range, not a scale and zero point}}
func.func private @calibrated(tensor<4x!quant.calibrated<f32<-1.0:1.0>>>)

// -----

func.func @wide_storage(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{storage type is 16 bits wide; lowbit integer formats have at most 8 bits}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i16:f32, 1.0>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i16:f32, 1.0>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

func.func @partial_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{storage range [-100, 100] is neither the full range [-128, 127] nor the narrow range [-127, 127]}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<i8<-100:100>:f32, 1.0>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<i8<-100:100>:f32, 1.0>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

func.func @unsigned_partial_range(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @below {{storage range [0, 14] is neither the full range [0, 15] nor the narrow range [1, 15]}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!quant.uniform<u4<0:14>:f32, 1.0>>
  %d = quant.dcast %q : tensor<4x!quant.uniform<u4<0:14>:f32, 1.0>> to tensor<4xf32>
  return %d : tensor<4xf32>
}

// -----

func.func @scalar(%x: f32) -> f32 {
  // expected-error @below {{only ranked tensors (of rank >= 1) of !quant.uniform have a !lowbit.qtensor equivalent}}
  %q = quant.qcast %x : f32 to !quant.uniform<i8:f32, 1.0>
  %d = quant.dcast %q : !quant.uniform<i8:f32, 1.0> to f32
  return %d : f32
}

// -----

func.func @unranked(%x: tensor<*xf32>) -> tensor<*xf32> {
  // expected-error @below {{only ranked tensors (of rank >= 1) of !quant.uniform have a !lowbit.qtensor equivalent}}
  %q = quant.qcast %x : tensor<*xf32> to tensor<*x!quant.uniform<i8:f32, 1.0>>
  %d = quant.dcast %q : tensor<*x!quant.uniform<i8:f32, 1.0>> to tensor<*xf32>
  return %d : tensor<*xf32>
}

// -----

// Per-axis types in signatures are not checked against the tensor upstream.
// expected-error @below {{quantized dimension 0 has size 4 but the type has 2 scales}}
func.func private @per_axis_mismatch(tensor<4x!quant.uniform<i8:f32:0, {1.0, 2.0}>>)

// -----

func.func @dynamic_single_block(%x: tensor<?x64xf32>) -> tensor<?x64xf32> {
  // expected-error @below {{dynamic dimension 0 forms a single block of unknown extent, which lowbit cannot express}}
  %q = quant.qcast %x : tensor<?x64xf32> to tensor<?x64x!quant.uniform<i8:f32:{1:32}, {{1.0, 2.0}}>>
  %d = quant.dcast %q : tensor<?x64x!quant.uniform<i8:f32:{1:32}, {{1.0, 2.0}}>> to tensor<?x64xf32>
  return %d : tensor<?x64xf32>
}

// -----

func.func @other_op() -> tensor<4x!quant.uniform<i8:f32, 1.0>> {
  // expected-error @below {{'tensor.empty' op uses 'tensor<4x!quant.uniform<i8:f32, 1.000000e+00>>', but only quant.qcast, quant.dcast, func.func, func.return and func.call convert to lowbit}}
  %e = tensor.empty() : tensor<4x!quant.uniform<i8:f32, 1.0>>
  return %e : tensor<4x!quant.uniform<i8:f32, 1.0>>
}
