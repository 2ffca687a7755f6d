// RUN: quant-opt %s -split-input-file --convert-lowbit-to-quant -verify-diagnostics

func.func @float_format(%x: tensor<64xf32>) -> tensor<64xf32> {
  %s = arith.constant dense<1.0> : tensor<1xf32>
  // expected-error @below {{'lowbit.quantize' op cannot be converted to upstream quant: the float format 'f8E4M3FN' has no !quant.uniform equivalent (integer formats only)}}
  %q = lowbit.quantize %x scale(%s : tensor<1xf32>) : tensor<64xf32> -> !lowbit.qtensor<64, #lowbit.scheme<f8E4M3FN, per_tensor>>
  // expected-error @below {{'lowbit.dequantize' op cannot be converted to upstream quant: the float format 'f8E4M3FN' has no !quant.uniform equivalent}}
  %d = lowbit.dequantize %q scale(%s : tensor<1xf32>) : !lowbit.qtensor<64, #lowbit.scheme<f8E4M3FN, per_tensor>> -> tensor<64xf32>
  return %d : tensor<64xf32>
}

// -----

func.func @lut_format(%x: tensor<64xf32>) -> tensor<64xf32> {
  %s = arith.constant dense<1.0> : tensor<1xf32>
  // expected-error @below {{the lookup-table format '!lowbit.lut<nf4>' has no !quant.uniform equivalent}}
  %q = lowbit.quantize %x scale(%s : tensor<1xf32>) : tensor<64xf32> -> !lowbit.qtensor<64, #lowbit.scheme<nf4, per_tensor>>
  // expected-error @below {{the lookup-table format '!lowbit.lut<nf4>' has no !quant.uniform equivalent}}
  %d = lowbit.dequantize %q scale(%s : tensor<1xf32>) : !lowbit.qtensor<64, #lowbit.scheme<nf4, per_tensor>> -> tensor<64xf32>
  return %d : tensor<64xf32>
}

// -----

func.func @binary_format(%x: tensor<64xf32>) -> tensor<64xf32> {
  %s = arith.constant dense<1.0> : tensor<1xf32>
  // expected-error @below {{the binary format has no !quant.uniform equivalent}}
  %q = lowbit.quantize %x scale(%s : tensor<1xf32>) : tensor<64xf32> -> !lowbit.qtensor<64, #lowbit.scheme<binary, per_tensor>>
  // expected-error @below {{the binary format has no !quant.uniform equivalent}}
  %d = lowbit.dequantize %q scale(%s : tensor<1xf32>) : !lowbit.qtensor<64, #lowbit.scheme<binary, per_tensor>> -> tensor<64xf32>
  return %d : tensor<64xf32>
}

// -----

func.func @per_cluster(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = arith.constant dense<[[1.0, 2.0]]> : tensor<1x2xf32>
  // expected-error @below {{per_cluster granularity (clusters of varying size) has no !quant.uniform equivalent}}
  %q = lowbit.quantize %x scale(%s : tensor<1x2xf32>) : tensor<4x8xf32> -> !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_cluster<axis = 1, sizes = [3, 5]>>>
  // expected-error @below {{per_cluster granularity (clusters of varying size) has no !quant.uniform equivalent}}
  %d = lowbit.dequantize %q scale(%s : tensor<1x2xf32>) : !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_cluster<axis = 1, sizes = [3, 5]>>> -> tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// -----

func.func @dynamic_scheme(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s = lowbit.choose_params %x {scheme = #lowbit.scheme<i8, per_axis<0>, dynamic>} : tensor<4x8xf32> -> tensor<4x1xf32>
  // expected-error @below {{the scheme is dynamic: its parameters are computed at run time, but !quant.uniform fixes them in the type}}
  %q = lowbit.quantize %x scale(%s : tensor<4x1xf32>) : tensor<4x8xf32> -> !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_axis<0>, dynamic>>
  // expected-error @below {{the scheme is dynamic}}
  %d = lowbit.dequantize %q scale(%s : tensor<4x1xf32>) : !lowbit.qtensor<4x8, #lowbit.scheme<i8, per_axis<0>, dynamic>> -> tensor<4x8xf32>
  return %d : tensor<4x8xf32>
}

// -----

func.func @rounding(%x: tensor<8xf32>) -> tensor<8xf32> {
  %s = arith.constant dense<1.0> : tensor<1xf32>
  // expected-error @below {{rounding = nearest_away is not expressible: upstream casts carry no rounding mode, only the default nearest_even converts}}
  %q = lowbit.quantize %x scale(%s : tensor<1xf32>) : tensor<8xf32> -> !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor, rounding = nearest_away>>
  // expected-error @below {{rounding = nearest_away is not expressible}}
  %d = lowbit.dequantize %q scale(%s : tensor<1xf32>) : !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor, rounding = nearest_away>> -> tensor<8xf32>
  return %d : tensor<8xf32>
}

// -----

func.func @non_constant_scale(%x: tensor<8xf32>, %s: tensor<1xf32>) -> tensor<8xf32> {
  // expected-error @below {{its scale is not a constant, but !quant.uniform needs constant parameters}}
  %q = lowbit.quantize %x scale(%s : tensor<1xf32>) : tensor<8xf32> -> !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>>
  // expected-error @below {{its scale is not a constant, but !quant.uniform needs constant parameters}}
  %d = lowbit.dequantize %q scale(%s : tensor<1xf32>) : !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>> -> tensor<8xf32>
  return %d : tensor<8xf32>
}

// -----

func.func @non_constant_zero_point(%x: tensor<8xf32>, %z: tensor<1xi32>) -> tensor<8xf32> {
  %s = arith.constant dense<1.0> : tensor<1xf32>
  // expected-error @below {{its zero point is not a constant, but !quant.uniform needs constant parameters}}
  %q = lowbit.quantize %x scale(%s : tensor<1xf32>) zero_point(%z : tensor<1xi32>) : tensor<8xf32> -> !lowbit.qtensor<8, #lowbit.scheme<ui8, per_tensor, asymmetric>>
  // expected-error @below {{its zero point is not a constant}}
  %d = lowbit.dequantize %q scale(%s : tensor<1xf32>) zero_point(%z : tensor<1xi32>) : !lowbit.qtensor<8, #lowbit.scheme<ui8, per_tensor, asymmetric>> -> tensor<8xf32>
  return %d : tensor<8xf32>
}

// -----

func.func @used_by_other_op(%x: tensor<8xf32>) -> !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>> {
  %s = arith.constant dense<1.0> : tensor<1xf32>
  // expected-error @below {{its quantized result is used by 'func.return', which upstream cannot express}}
  %q = lowbit.quantize %x scale(%s : tensor<1xf32>) : tensor<8xf32> -> !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>>
  return %q : !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>>
}

// -----

func.func @used_by_matmul(%a: tensor<4x8xf32>, %w: tensor<16x8xf32>) -> (tensor<4x16xf32>, tensor<16x8xf32>) {
  %s = arith.constant dense<1.0> : tensor<16x1xf32>
  // expected-error @below {{its quantized result is used by 'lowbit.matmul', which upstream cannot express}}
  %q = lowbit.quantize %w scale(%s : tensor<16x1xf32>) : tensor<16x8xf32> -> !lowbit.qtensor<16x8, #lowbit.scheme<i8, per_axis<0>>>
  // expected-error @below {{the 'lowbit.quantize' that produces its operand cannot be converted}}
  %d = lowbit.dequantize %q scale(%s : tensor<16x1xf32>) : !lowbit.qtensor<16x8, #lowbit.scheme<i8, per_axis<0>>> -> tensor<16x8xf32>
  %y = lowbit.matmul %a, %q scale(%s : tensor<16x1xf32>) transpose_rhs acc(f32) : tensor<4x8xf32>, !lowbit.qtensor<16x8, #lowbit.scheme<i8, per_axis<0>>> -> tensor<4x16xf32>
  return %y, %d : tensor<4x16xf32>, tensor<16x8xf32>
}

// -----

func.func @other_parameters(%x: tensor<8xf32>) -> tensor<8xf32> {
  %s0 = arith.constant dense<1.0> : tensor<1xf32>
  %s1 = arith.constant dense<2.0> : tensor<1xf32>
  // expected-error @below {{its quantized result is used by a 'lowbit.dequantize' with other parameters, which upstream cannot express}}
  %q = lowbit.quantize %x scale(%s0 : tensor<1xf32>) : tensor<8xf32> -> !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>>
  // expected-error @below {{its parameters are not the same SSA values as those of the 'lowbit.quantize' that produces its operand}}
  %d = lowbit.dequantize %q scale(%s1 : tensor<1xf32>) : !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>> -> tensor<8xf32>
  return %d : tensor<8xf32>
}

// -----

func.func @no_quantize(%q: !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>>) -> tensor<8xf32> {
  %s = arith.constant dense<1.0> : tensor<1xf32>
  // expected-error @below {{its operand is not produced by 'lowbit.quantize', so there is no quantize/dequantize pair to convert}}
  %d = lowbit.dequantize %q scale(%s : tensor<1xf32>) : !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>> -> tensor<8xf32>
  return %d : tensor<8xf32>
}

// -----

func.func @other_expressed_type(%x: tensor<8xf32>) -> tensor<8xf16> {
  %s = arith.constant dense<1.0> : tensor<1xf32>
  // expected-error @below {{its quantized result is dequantized to 'tensor<8xf16>' instead of 'tensor<8xf32>', which upstream casts cannot express}}
  %q = lowbit.quantize %x scale(%s : tensor<1xf32>) : tensor<8xf32> -> !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>>
  // expected-error @below {{the 'lowbit.quantize' that produces its operand cannot be converted}}
  %d = lowbit.dequantize %q scale(%s : tensor<1xf32>) : !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>> -> tensor<8xf16>
  return %d : tensor<8xf16>
}

// -----

func.func @non_positive_scale(%x: tensor<8xf32>) -> tensor<8xf32> {
  %s = arith.constant dense<-1.0> : tensor<1xf32>
  // expected-error @below {{scale -1.000000e+00 is not positive and finite}}
  %q = lowbit.quantize %x scale(%s : tensor<1xf32>) : tensor<8xf32> -> !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>>
  // expected-error @below {{the 'lowbit.quantize' that produces its operand cannot be converted}}
  %d = lowbit.dequantize %q scale(%s : tensor<1xf32>) : !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>> -> tensor<8xf32>
  return %d : tensor<8xf32>
}

// -----

func.func @scale_out_of_expressed_range(%x: tensor<8xf16>) -> tensor<8xf16> {
  %s = arith.constant dense<1.0e+06> : tensor<1xf32>
  // expected-error @below {{scale 1.000000e+06 is out of the range [5.960464e-08, 6.550400e+04] of the expressed type 'f16'}}
  %q = lowbit.quantize %x scale(%s : tensor<1xf32>) : tensor<8xf16> -> !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>>
  // expected-error @below {{the 'lowbit.quantize' that produces its operand cannot be converted}}
  %d = lowbit.dequantize %q scale(%s : tensor<1xf32>) : !lowbit.qtensor<8, #lowbit.scheme<i8, per_tensor>> -> tensor<8xf16>
  return %d : tensor<8xf16>
}

// -----

func.func @sub_channel_inexact_scale(%x: tensor<2x64xf16>) -> tensor<2x64xf16> {
  %s = arith.constant dense<[[0.1], [1.0]]> : tensor<2x1xf32>
  // expected-error @below {{is not exactly representable in the expressed type 'f16', which holds the scales of sub-channel types}}
  %q = lowbit.quantize %x scale(%s : tensor<2x1xf32>) : tensor<2x64xf16> -> !lowbit.qtensor<2x64, #lowbit.scheme<i8, per_group<axis = 1, size = 64>>>
  // expected-error @below {{the 'lowbit.quantize' that produces its operand cannot be converted}}
  %d = lowbit.dequantize %q scale(%s : tensor<2x1xf32>) : !lowbit.qtensor<2x64, #lowbit.scheme<i8, per_group<axis = 1, size = 64>>> -> tensor<2x64xf16>
  return %d : tensor<2x64xf16>
}

// -----

func.func @sub_channel_wide_zero_point(%x: tensor<2x64xf32>) -> tensor<2x64xf32> {
  %s = arith.constant dense<1.0> : tensor<2x1xf32>
  %z = arith.constant dense<[[3], [300]]> : tensor<2x1xi32>
  // expected-error @below {{zero point 300 does not fit the 8-bit storage type, which holds the zero points of sub-channel types}}
  %q = lowbit.quantize %x scale(%s : tensor<2x1xf32>) zero_point(%z : tensor<2x1xi32>) : tensor<2x64xf32> -> !lowbit.qtensor<2x64, #lowbit.scheme<ui8, per_group<axis = 1, size = 64>, asymmetric>>
  // expected-error @below {{the 'lowbit.quantize' that produces its operand cannot be converted}}
  %d = lowbit.dequantize %q scale(%s : tensor<2x1xf32>) zero_point(%z : tensor<2x1xi32>) : !lowbit.qtensor<2x64, #lowbit.scheme<ui8, per_group<axis = 1, size = 64>, asymmetric>> -> tensor<2x64xf32>
  return %d : tensor<2x64xf32>
}

// -----

func.func @ragged_group(%x: tensor<4x40xf32>) -> tensor<4x40xf32> {
  %s = arith.constant dense<1.0> : tensor<4x3xf32>
  // expected-error @below {{per_group size 16 does not divide axis 1 of size 40: upstream sub-channel types have no shorter last block}}
  %q = lowbit.quantize %x scale(%s : tensor<4x3xf32>) : tensor<4x40xf32> -> !lowbit.qtensor<4x40, #lowbit.scheme<i8, per_group<axis = 1, size = 16>>>
  // expected-error @below {{per_group size 16 does not divide axis 1 of size 40}}
  %d = lowbit.dequantize %q scale(%s : tensor<4x3xf32>) : !lowbit.qtensor<4x40, #lowbit.scheme<i8, per_group<axis = 1, size = 16>>> -> tensor<4x40xf32>
  return %d : tensor<4x40xf32>
}
