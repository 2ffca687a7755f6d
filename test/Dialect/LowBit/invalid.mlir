// One case per verifier rule and per parse error of the lowbit dialect.
// RUN: quant-opt %s -split-input-file -verify-diagnostics

//===----------------------------------------------------------------------===//
// Granularities
//===----------------------------------------------------------------------===//

// expected-error @+1 {{granularity axis must be non-negative, got -1}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_axis<-1>>>)

// -----

// expected-error @+1 {{group size must be positive, got 0}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_group<axis = 1, size = 0>>>)

// -----

// expected-error @+1 {{cluster granularity needs at least one cluster}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = []>>>)

// -----

// expected-error @+1 {{cluster sizes must be positive, got 0}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [64, 0]>>>)

// -----

// expected-error @+1 {{block extents must be positive, got -4}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_block<[1, -4]>>>)

// -----

// expected-error @+1 {{granularity axis 2 is out of range for a tensor of rank 2}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_axis<2>>>)

// -----

// expected-error @+1 {{cluster axis 1 must be static}}
func.func @f(%a: !lowbit.qtensor<8x?, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [4]>>>)

// -----

// expected-error @+1 {{cluster sizes sum to 7 but axis 1 has 8 elements}}
func.func @f(%a: !lowbit.qtensor<4x8, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [3, 4]>>>)

// -----

// expected-error @+1 {{block of rank 1 does not match a tensor of rank 2}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_block<[8]>>>)

// -----

// expected-error @+1 {{dynamic dimension 0 needs a block extent of 1, got 2}}
func.func @f(%a: !lowbit.qtensor<?x64, #lowbit.scheme<i4, per_block<[2, 32]>>>)

// -----

// expected-error @+1 {{block extent 3 does not divide dimension 1 of size 64}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_block<[8, 3]>>>)

// -----

//===----------------------------------------------------------------------===//
// Scheme
//===----------------------------------------------------------------------===//

// expected-error @+1 {{integer formats are written iN (two's complement) or uiN, got 'si4'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<si4, per_tensor>>)

// -----

// expected-error @+1 {{integer format width must be in 1..8, got 9}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i9, per_tensor>>)

// -----

// expected-error @+1 {{unsupported storage format 'f32'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<f32, per_tensor>>)

// -----

// expected-error @+1 {{narrow range needs an integer format, got 'f8E4M3FN'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<f8E4M3FN, per_tensor, narrow>>)

// -----

// expected-error @+1 {{narrow range needs at least 2 bits}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i1, per_tensor, narrow>>)

// -----

// A zero point with a float format.
// expected-error @+1 {{a zero point (asymmetric) needs an integer format, got 'f4E2M1FN'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<f4E2M1FN, per_tensor, asymmetric>>)

// -----

// A zero point with a lookup-table format.
// expected-error @+1 {{a zero point (asymmetric) needs an integer format, got '!lowbit.lut<nf4>'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<nf4, per_tensor, asymmetric>>)

// -----

// expected-error @+1 {{lookup-table and binary formats pick the nearest entry; rounding = toward_zero does not apply}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<nf4, per_tensor, rounding = toward_zero>>)

// -----

// expected-error @+1 {{scale type must be f32, f16, bf16, f8E8M0FNU or f8E4M3FN, got 'f64'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor, scale = f64>>)

// -----

// expected-error @+1 {{clip ratio must be in (0, 1], got 1.5}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor, clip = ratio(1.5)>>)

// -----

// expected-error @+1 {{clip percentile must be in (0, 100], got 0}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor, clip = percentile(0.0)>>)

// -----

// MX with a block other than 32.
// expected-error @+1 {{mx requires per_group blocks of 32 elements, got #lowbit.per_group<axis = 1, size = 16>}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<f4E2M1FN, per_group<axis = 1, size = 16>, scale = f8E8M0FNU, family = mx>>)

// -----

// expected-error @+1 {{mx requires per_group blocks of 32 elements, got #lowbit.per_tensor}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<f4E2M1FN, per_tensor, scale = f8E8M0FNU, family = mx>>)

// -----

// expected-error @+1 {{mx is symmetric and full-range}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_group<axis = 1, size = 32>, asymmetric, scale = f8E8M0FNU, family = mx>>)

// -----

// MX with a non-E8M0 scale.
// expected-error @+1 {{mx requires an f8E8M0FNU scale, got 'f16'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<f4E2M1FN, per_group<axis = 1, size = 32>, scale = f16, family = mx>>)

// -----

// expected-error @+1 {{mx elements are FP8, FP6, FP4 or i8 (MXINT8), got 'i4'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>, scale = f8E8M0FNU, family = mx>>)

// -----

// expected-error @+1 {{nvfp4 requires per_group blocks of 16 elements}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<f4E2M1FN, per_group<axis = 1, size = 32>, scale = f8E4M3FN, family = nvfp4>>)

// -----

// expected-error @+1 {{nvfp4 requires an f8E4M3FN scale, got 'f8E8M0FNU'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<f4E2M1FN, per_group<axis = 1, size = 16>, scale = f8E8M0FNU, family = nvfp4>>)

// -----

// expected-error @+1 {{nvfp4 requires f4E2M1FN elements, got 'f8E4M3FN'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<f8E4M3FN, per_group<axis = 1, size = 16>, scale = f8E4M3FN, family = nvfp4>>)

// -----

// expected-error @+1 {{expected a granularity (per_tensor, per_axis, per_group, per_cluster or per_block), got 'per_row'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_row>>)

// -----

// expected-error @+1 {{unknown rounding mode 'stochastic'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor, rounding = stochastic>>)

// -----

// expected-error @+1 {{unknown clip policy 'kl'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor, clip = kl>>)

// -----

// expected-error @+1 {{unknown family 'none' (expected mx or nvfp4)}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor, family = none>>)

// -----

// expected-error @+1 {{unknown scheme option 'signed'}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_tensor, signed>>)

// -----

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

// expected-error @+1 {{lookup table needs 2^k entries with k in 1..8, got 3}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<!lowbit.lut<[-1.0, 0.0, 1.0]>, per_tensor>>)

// -----

// expected-error @+1 {{lookup table entry 1 is not finite}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<!lowbit.lut<[-1.0, 0x7FF0000000000000]>, per_tensor>>)

// -----

// expected-error @+1 {{lookup table entries must be strictly increasing (entry 2)}}
func.func @f(%a: !lowbit.qtensor<8x64, #lowbit.scheme<!lowbit.lut<[-1.0, 0.5, 0.5, 1.0]>, per_tensor>>)

// -----

// expected-error @+1 {{quantized tensors must have rank >= 1}}
func.func @f(%a: !lowbit.qtensor<, #lowbit.scheme<i4, per_tensor>>)

// -----

//===----------------------------------------------------------------------===//
// observe
//===----------------------------------------------------------------------===//

func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'lowbit.observe' op needs a non-empty id}}
  %0 = lowbit.observe "" %x : tensor<4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<f32>) {
  // expected-error @+1 {{'lowbit.observe' op needs a tensor of rank >= 1}}
  %0 = lowbit.observe "x" %x : tensor<f32>
  return
}

// -----

func.func @f(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'lowbit.observe' op axis 2 is out of range for a tensor of rank 2}}
  %0 = lowbit.observe "x" %x {axis = 2} : tensor<4x8xf32>
  return
}

// -----

func.func @f(%x: tensor<4x6xf32>) {
  // expected-error @+1 {{'lowbit.observe' op heads = 4 does not divide the 6 channels}}
  %0 = lowbit.observe "x" %x {heads = 4} : tensor<4x6xf32>
  return
}

// -----

func.func @f(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'lowbit.observe' op needs both min and max statistics, or neither}}
  %0 = lowbit.observe "x" %x {min = array<f32: 0.0, 1.0>} : tensor<4x2xf32>
  return
}

// -----

func.func @f(%x: tensor<4x2xf32>) {
  // expected-error @+1 {{'lowbit.observe' op statistics have 3 and 3 entries for 2 channels}}
  %0 = lowbit.observe "x" %x {min = array<f32: 0.0, 1.0, 2.0>, max = array<f32: 0.0, 1.0, 2.0>} : tensor<4x2xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// choose_params
//===----------------------------------------------------------------------===//

func.func @f(%x: tensor<4x48xf32>) {
  // A shorter last group still has its own scales: [4, 2].
  // expected-error @+1 {{'lowbit.choose_params' op scale shape [4, 1] does not match the parameter grid [4, 2] of the scheme}}
  %s = lowbit.choose_params %x {scheme = #lowbit.scheme<i4, per_group<axis = 1, size = 32>>} : tensor<4x48xf32> -> tensor<4x1xf32>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'lowbit.choose_params' op scheme needs 2 results (scale, zero_point), got 1}}
  %s = lowbit.choose_params %x {scheme = #lowbit.scheme<i4, per_axis<0>, asymmetric, dynamic>} : tensor<4x64xf32> -> tensor<4x1xf32>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'lowbit.choose_params' op zero_point must have signless integer elements, got 'f32'}}
  %s, %z = lowbit.choose_params %x {scheme = #lowbit.scheme<i4, per_axis<0>, asymmetric, dynamic>} : tensor<4x64xf32> -> tensor<4x1xf32>, tensor<4x1xf32>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{'lowbit.choose_params' op global_scale must have f32 elements}}
  %s, %g = lowbit.choose_params %x {scheme = #lowbit.scheme<nvfp4, axis = 1>} : tensor<4x64xf32> -> tensor<4x4xf8E4M3FN>, tensor<1x1xf16>
  return
}

// -----

//===----------------------------------------------------------------------===//
// Parameters (shared by choose_params, quantize, dequantize and matmul)
//===----------------------------------------------------------------------===//

func.func @f(%x: tensor<8x64xf32>, %s: tensor<8x2xf32>) {
  // expected-error @+1 {{'lowbit.quantize' op scale element type must be 'f16' (from the scheme), got 'f32'}}
  %q = lowbit.quantize %x scale(%s : tensor<8x2xf32>) : tensor<8x64xf32> -> !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>, scale = f16>>
  return
}

// -----

// Scale shape that does not match the granularity.
func.func @f(%x: tensor<8x64xf32>, %s: tensor<1x2xf32>) {
  // expected-error @+1 {{'lowbit.quantize' op scale shape [1, 2] does not match the parameter grid [8, 2] of the scheme}}
  %q = lowbit.quantize %x scale(%s : tensor<1x2xf32>) : tensor<8x64xf32> -> !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>>
  return
}

// -----

func.func @f(%x: tensor<8x64xf32>, %s: tensor<1x1xf32>) {
  // expected-error @+1 {{'lowbit.quantize' op asymmetric scheme needs a zero_point}}
  %q = lowbit.quantize %x scale(%s : tensor<1x1xf32>) : tensor<8x64xf32> -> !lowbit.qtensor<8x64, #lowbit.scheme<ui8, per_tensor, asymmetric>>
  return
}

// -----

func.func @f(%x: tensor<8x64xf32>, %s: tensor<1x1xf32>, %z: tensor<1x1xi32>) {
  // expected-error @+1 {{'lowbit.quantize' op symmetric scheme takes no zero_point}}
  %q = lowbit.quantize %x scale(%s : tensor<1x1xf32>) zero_point(%z : tensor<1x1xi32>) : tensor<8x64xf32> -> !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_tensor>>
  return
}

// -----

// Zero-point shape that does not match the granularity.
func.func @f(%x: tensor<8x64xf32>, %s: tensor<8x1xf32>, %z: tensor<1x1xi32>) {
  // expected-error @+1 {{'lowbit.quantize' op zero_point shape [1, 1] does not match the parameter grid [8, 1] of the scheme}}
  %q = lowbit.quantize %x scale(%s : tensor<8x1xf32>) zero_point(%z : tensor<1x1xi32>) : tensor<8x64xf32> -> !lowbit.qtensor<8x64, #lowbit.scheme<ui8, per_axis<0>, asymmetric>>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %s: tensor<4x4xf8E4M3FN>) {
  // expected-error @+1 {{'lowbit.quantize' op nvfp4 scheme needs a per-tensor global_scale}}
  %q = lowbit.quantize %x scale(%s : tensor<4x4xf8E4M3FN>) : tensor<4x64xf32> -> !lowbit.qtensor<4x64, #lowbit.scheme<nvfp4, axis = 1>>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %s: tensor<1x1xf32>, %g: tensor<1x1xf32>) {
  // expected-error @+1 {{'lowbit.quantize' op only nvfp4 schemes take a global_scale}}
  %q = lowbit.quantize %x scale(%s : tensor<1x1xf32>) global_scale(%g : tensor<1x1xf32>) : tensor<4x64xf32> -> !lowbit.qtensor<4x64, #lowbit.scheme<i8, per_tensor>>
  return
}

// -----

func.func @f(%x: tensor<4x64xf32>, %s: tensor<4x4xf8E4M3FN>, %g: tensor<4x1xf32>) {
  // expected-error @+1 {{'lowbit.quantize' op global_scale shape [4, 1] does not match the parameter grid [1, 1] of the scheme}}
  %q = lowbit.quantize %x scale(%s : tensor<4x4xf8E4M3FN>) global_scale(%g : tensor<4x1xf32>) : tensor<4x64xf32> -> !lowbit.qtensor<4x64, #lowbit.scheme<nvfp4, axis = 1>>
  return
}

// -----

func.func @f(%x: tensor<8x64xf32>, %s: tensor<1x1xf32>) {
  // expected-error @+1 {{'lowbit.quantize' op float shape [8, 64] does not match quantized shape [8, 32]}}
  %q = lowbit.quantize %x scale(%s : tensor<1x1xf32>) : tensor<8x64xf32> -> !lowbit.qtensor<8x32, #lowbit.scheme<i8, per_tensor>>
  return
}

// -----

func.func @f(%q: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_axis<1>>>, %s: tensor<1x64xf32>) {
  // expected-error @+1 {{'lowbit.dequantize' op float shape [8, 32] does not match quantized shape [8, 64]}}
  %x = lowbit.dequantize %q scale(%s : tensor<1x64xf32>) : !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_axis<1>>> -> tensor<8x32xf32>
  return
}

// -----

func.func @f(%q: !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_axis<1>>>, %s: tensor<8x1xf32>) {
  // expected-error @+1 {{'lowbit.dequantize' op scale shape [8, 1] does not match the parameter grid [1, 64] of the scheme}}
  %x = lowbit.dequantize %q scale(%s : tensor<8x1xf32>) : !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_axis<1>>> -> tensor<8x64xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// reorder
//===----------------------------------------------------------------------===//

func.func @f(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'lowbit.reorder' op axis 2 is out of range for a tensor of rank 2}}
  %0 = lowbit.reorder %x axis 2 permutation [0, 1] : tensor<2x4xf32>
  return
}

// -----

func.func @f(%x: tensor<?x4xf32>) {
  // expected-error @+1 {{'lowbit.reorder' op cannot permute dynamic axis 0}}
  %0 = lowbit.reorder %x axis 0 permutation [0, 1] : tensor<?x4xf32>
  return
}

// -----

// A permutation of the wrong length.
func.func @f(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'lowbit.reorder' op permutation has 3 entries but axis 1 has 4}}
  %0 = lowbit.reorder %x axis 1 permutation [0, 1, 2] : tensor<2x4xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'lowbit.reorder' op permutation entry 1 (7) is out of range [0, 4)}}
  %0 = lowbit.reorder %x axis 1 permutation [0, 7, 2, 3] : tensor<2x4xf32>
  return
}

// -----

// A permutation that is not a bijection.
func.func @f(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'lowbit.reorder' op permutation is not a bijection: 0 appears twice}}
  %0 = lowbit.reorder %x axis 1 permutation [0, 1, 0, 3] : tensor<2x4xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'lowbit.reorder' op cluster sizes sum to 3 but axis 1 has 4}}
  %0 = lowbit.reorder %x axis 1 permutation [0, 1, 2, 3] {cluster_sizes = array<i64: 1, 2>} : tensor<2x4xf32>
  return
}

// -----

func.func @f(%x: tensor<2x4xf32>) {
  // expected-error @+1 {{'lowbit.reorder' op cluster sizes must be positive, got 0}}
  %0 = lowbit.reorder %x axis 1 permutation [0, 1, 2, 3] {cluster_sizes = array<i64: 4, 0>} : tensor<2x4xf32>
  return
}

// -----

//===----------------------------------------------------------------------===//
// matmul
//===----------------------------------------------------------------------===//

func.func @f(%a: tensor<2x16x64xf32>, %b: tensor<64x32xf32>) {
  // expected-error @+1 {{'lowbit.matmul' op lhs must have rank 2, got rank 3}}
  %0 = lowbit.matmul %a, %b acc(f32) : tensor<2x16x64xf32>, tensor<64x32xf32> -> tensor<16x32xf32>
  return
}

// -----

func.func @f(%a: tensor<16x64xf32>, %b: tensor<64x32xf32>, %s: tensor<1x1xf32>) {
  // expected-error @+1 {{'lowbit.matmul' op float rhs takes no quantization parameters}}
  %0 = lowbit.matmul %a, %b scale(%s : tensor<1x1xf32>) acc(f32) : tensor<16x64xf32>, tensor<64x32xf32> -> tensor<16x32xf32>
  return
}

// -----

func.func @f(%a: !lowbit.qtensor<16x64, #lowbit.scheme<i8, per_tensor>>, %b: tensor<64x32xf32>) {
  // expected-error @+1 {{'lowbit.matmul' op lhs needs a scale}}
  %0 = lowbit.matmul %a, %b acc(f32) : !lowbit.qtensor<16x64, #lowbit.scheme<i8, per_tensor>>, tensor<64x32xf32> -> tensor<16x32xf32>
  return
}

// -----

func.func @f(%a: tensor<16x64xf32>, %b: !lowbit.qtensor<32x64, #lowbit.scheme<i4, per_axis<0>>>, %s: tensor<1x64xf32>) {
  // expected-error @+1 {{'lowbit.matmul' op rhs scale shape [1, 64] does not match the parameter grid [32, 1] of the scheme}}
  %0 = lowbit.matmul %a, %b scale(%s : tensor<1x64xf32>) transpose_rhs acc(f32) : tensor<16x64xf32>, !lowbit.qtensor<32x64, #lowbit.scheme<i4, per_axis<0>>> -> tensor<16x32xf32>
  return
}

// -----

func.func @f(%a: tensor<16x64xf32>, %b: tensor<64x32xf32>) {
  // expected-error @+1 {{'lowbit.matmul' op result must have rank 2, got rank 1}}
  %0 = lowbit.matmul %a, %b acc(f32) : tensor<16x64xf32>, tensor<64x32xf32> -> tensor<512xf32>
  return
}

// -----

// Matmul shape mismatch on K (the weight is not transposed).
func.func @f(%a: tensor<16x64xf32>, %b: tensor<32x64xf32>) {
  // expected-error @+1 {{'lowbit.matmul' op reduction dimensions differ: lhs has K = 64, rhs has K = 32}}
  %0 = lowbit.matmul %a, %b acc(f32) : tensor<16x64xf32>, tensor<32x64xf32> -> tensor<16x64xf32>
  return
}

// -----

func.func @f(%a: tensor<16x64xf32>, %b: tensor<32x64xf32>) {
  // expected-error @+1 {{'lowbit.matmul' op result shape [16, 8] does not match [M, N] = [16, 32]}}
  %0 = lowbit.matmul %a, %b transpose_rhs acc(f32) : tensor<16x64xf32>, tensor<32x64xf32> -> tensor<16x8xf32>
  return
}

// -----

// Matmul type mismatch: integer accumulation of a float operand.
func.func @f(%a: tensor<16x64xf32>, %b: !lowbit.qtensor<64x32, #lowbit.scheme<i8, per_tensor>>, %s: tensor<1x1xf32>) {
  // expected-error @+1 {{'lowbit.matmul' op integer accumulation ('i32') needs both operands quantized with integer formats}}
  %0 = lowbit.matmul %a, %b scale(%s : tensor<1x1xf32>) acc(i32) : tensor<16x64xf32>, !lowbit.qtensor<64x32, #lowbit.scheme<i8, per_tensor>> -> tensor<16x32xf32>
  return
}

// -----

func.func @f(%a: tensor<16x64xf32>, %b: tensor<64x32xf32>) {
  // expected-error @+1 {{'lowbit.matmul' op accumulation type must be an integer or float type, got 'index'}}
  %0 = lowbit.matmul %a, %b acc(index) : tensor<16x64xf32>, tensor<64x32xf32> -> tensor<16x32xf32>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{'lowbit.constant' op codes must have the packed type 'tensor<2x2xi8>' of the result, got 'tensor<2x4xi8>'}}
  %0 = lowbit.constant dense<0> : tensor<2x4xi8> -> !lowbit.qtensor<2x4, #lowbit.scheme<i4, per_axis<0>>>
  return
}

// -----

func.func @f() {
  // expected-error @+1 {{'lowbit.constant' op result must have a static shape, got '!lowbit.qtensor<?x4, #lowbit.scheme<i8, per_tensor>>'}}
  %0 = lowbit.constant dense<0> : tensor<2x4xi8> -> !lowbit.qtensor<?x4, #lowbit.scheme<i8, per_tensor>>
  return
}
