// Floating-point dtypes: f32, f64, f16 ('<f2') and bf16 (raw bits: '<u2' or
// '|V2'); x * y + x rounded after each op as numpy does.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; \
// RUN:   np.save('%t/f32.npy', np.array([0.1, -0.0, np.inf, np.nan, 1e-45, 3.4028235e38], np.float32)); \
// RUN:   np.save('%t/f64x.npy', np.array([0.1, 1e300, -2.0])); np.save('%t/f64y.npy', np.array([3.0, 1e10, 0.5])); \
// RUN:   np.save('%t/f16x.npy', np.array([0.1, 1000, -2.5, 65504], np.float16)); \
// RUN:   np.save('%t/f16y.npy', np.array([3, 70, 0.3, 1], np.float16)); \
// RUN:   np.save('%t/want_f16.npy', np.array([0.1, 1000, -2.5, 65504], np.float16) * np.array([3, 70, 0.3, 1], np.float16) + np.array([0.1, 1000, -2.5, 65504], np.float16)); \
// RUN:   bits = lambda v: (np.array(v, np.float32).view(np.uint32) >> 16).astype(np.uint16); \
// RUN:   np.save('%t/bf16x.npy', bits([1.5, 1.0078125, 3, -2])); \
// RUN:   np.save('%t/bf16y.npy', bits([2.25, 1.0078125, 0.5, 0.25]).view('V2'))"
//
// RUN: quant-run %s --entry f32 --input %t/f32.npy --print | FileCheck %s --check-prefix=F32
// F32:      result0: shape=[6] dtype=f32
// F32-NEXT:   -0.100000001, 0, -inf, nan, -1.40129846e-45, -3.40282347e+38
// F32-NEXT: result1: shape=[6] dtype=f32
// F32-NEXT:   0.100000001, -0, inf, nan, 1.40129846e-45, 3.40282347e+38
//
// RUN: quant-run %s --entry f64 --input %t/f64x.npy --input %t/f64y.npy --print | FileCheck %s --check-prefix=F64
// F64:      result0: shape=[3] dtype=f64
// F64-NEXT:   0.40000000000000002, inf, -3
//
// RUN: quant-run %s --entry f16 --input %t/f16x.npy --input %t/f16y.npy --print --output-dir %t/f16 \
// RUN:   | FileCheck %s --check-prefix=F16
// F16:      result0: shape=[4] dtype=f16
// F16-NEXT:   0.3999, inf, -3.25, inf
// RUN: %python %S/Inputs/check_close.py %t/f16/result0.npy %t/want_f16.npy | FileCheck %s --check-prefix=EXACT
// EXACT: match: float16[4] max error 0
//
// bf16 results are written as '<u2' bits. (1 + 2^-7)^2 = 1 + 2^-6 + 2^-14
// rounds to 1 + 2^-6; adding 1 + 2^-7 is a tie that rounds to even, 2 + 2^-5.
// RUN: quant-run %s --entry bf16 --input %t/bf16x.npy --input %t/bf16y.npy --print --output-dir %t/bf16 \
// RUN:   | FileCheck %s --check-prefix=BF16
// BF16:      result0: shape=[4] dtype=bf16
// BF16-NEXT:   4.875, 2.031, 4.5, -2.5
// RUN: %python -c "import numpy as np; r = np.load('%t/bf16/result0.npy'); \
// RUN:   print(r.dtype, [hex(b) for b in r], (r.astype(np.uint32) << 16).view(np.float32).tolist())" \
// RUN:   | FileCheck %s --check-prefix=BF16FILE
// BF16FILE: uint16 ['0x409c', '0x4002', '0x4090', '0xc020'] [4.875, 2.03125, 4.5, -2.5]

func.func @f32(%x: tensor<6xf32>) -> (tensor<6xf32>, tensor<6xf32>) {
  %empty = tensor.empty() : tensor<6xf32>
  %neg = linalg.negf ins(%x : tensor<6xf32>) outs(%empty : tensor<6xf32>) -> tensor<6xf32>
  return %neg, %x : tensor<6xf32>, tensor<6xf32>
}

func.func @f64(%x: tensor<3xf64>, %y: tensor<3xf64>) -> tensor<3xf64> {
  %empty = tensor.empty() : tensor<3xf64>
  %p = linalg.mul ins(%x, %y : tensor<3xf64>, tensor<3xf64>) outs(%empty : tensor<3xf64>) -> tensor<3xf64>
  %s = linalg.add ins(%p, %x : tensor<3xf64>, tensor<3xf64>) outs(%empty : tensor<3xf64>) -> tensor<3xf64>
  return %s : tensor<3xf64>
}

func.func @f16(%x: tensor<4xf16>, %y: tensor<4xf16>) -> tensor<4xf16> {
  %empty = tensor.empty() : tensor<4xf16>
  %p = linalg.mul ins(%x, %y : tensor<4xf16>, tensor<4xf16>) outs(%empty : tensor<4xf16>) -> tensor<4xf16>
  %s = linalg.add ins(%p, %x : tensor<4xf16>, tensor<4xf16>) outs(%empty : tensor<4xf16>) -> tensor<4xf16>
  return %s : tensor<4xf16>
}

func.func @bf16(%x: tensor<4xbf16>, %y: tensor<4xbf16>) -> tensor<4xbf16> {
  %empty = tensor.empty() : tensor<4xbf16>
  %p = linalg.mul ins(%x, %y : tensor<4xbf16>, tensor<4xbf16>) outs(%empty : tensor<4xbf16>) -> tensor<4xbf16>
  %s = linalg.add ins(%p, %x : tensor<4xbf16>, tensor<4xbf16>) outs(%empty : tensor<4xbf16>) -> tensor<4xbf16>
  return %s : tensor<4xbf16>
}
