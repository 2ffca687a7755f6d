// RUN: quant-opt %s -split-input-file --convert-lowbit-to-linalg -verify-diagnostics

func.func @dynamic_packed_row(%x: tensor<4x?xf32>, %s: tensor<1x1xf32>) -> tensor<4x?xf32> {
  // expected-error @+1 {{cannot lower a sub-byte quantized tensor with a dynamic innermost dimension}}
  %q = lowbit.quantize %x scale(%s : tensor<1x1xf32>) : tensor<4x?xf32> -> !lowbit.qtensor<4x?, #lowbit.scheme<i4, per_tensor>>
  %d = lowbit.dequantize %q scale(%s : tensor<1x1xf32>) : !lowbit.qtensor<4x?, #lowbit.scheme<i4, per_tensor>> -> tensor<4x?xf32>
  return %d : tensor<4x?xf32>
}

// -----

func.func @percentile_at_run_time(%x: tensor<4x16xf32>) -> tensor<4x1xf32> {
  // expected-error @+1 {{clip = percentile needs calibration data; run-time parameter choice supports none and ratio}}
  %s = lowbit.choose_params %x {scheme = #lowbit.scheme<i8, per_axis<0>, dynamic, clip = percentile(99.9)>} : tensor<4x16xf32> -> tensor<4x1xf32>
  return %s : tensor<4x1xf32>
}

// -----

func.func @e8m0_outside_mx(%x: tensor<4x16xf32>) -> tensor<4x1xf8E8M0FNU> {
  // expected-error @+1 {{cannot choose 'f8E8M0FNU' scales at run time outside the mx and nvfp4 families}}
  %s = lowbit.choose_params %x {scheme = #lowbit.scheme<i8, per_axis<0>, dynamic, scale = f8E8M0FNU>} : tensor<4x16xf32> -> tensor<4x1xf8E8M0FNU>
  return %s : tensor<4x1xf8E8M0FNU>
}
