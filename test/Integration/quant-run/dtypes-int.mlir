// Integer dtypes: i8 ('|i1'), i16, i32, i64 and unsigned ui8 ('|u1', also
// accepted for a signless i8). Integer arithmetic wraps.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; \
// RUN:   np.save('%t/i8x.npy', np.array([127, -128, 100, -1], np.int8)); \
// RUN:   np.save('%t/i8y.npy', np.array([1, -1, 100, 1], np.int8)); \
// RUN:   np.save('%t/u8x.npy', np.array([200, 255, 0, 128], np.uint8)); \
// RUN:   np.save('%t/i16.npy', np.array([300, -32768, 181], np.int16)); \
// RUN:   np.save('%t/i32.npy', np.array([[2147483647, -5], [7, -2147483648]], np.int32)); \
// RUN:   np.save('%t/i64.npy', np.array([4611686018427387904, -3, 9223372036854775807], np.int64))"
//
// RUN: quant-run %s --entry add_i8 --input %t/i8x.npy --input %t/i8y.npy --print --output-dir %t/i8 \
// RUN:   | FileCheck %s --check-prefix=I8
// I8:      result0: shape=[4] dtype=i8
// I8-NEXT:   -128, 127, -56, 0
// Unsigned bytes into a signless i8 argument: 200 is -56.
// RUN: quant-run %s --entry add_i8 --input %t/u8x.npy --input %t/i8y.npy --print | FileCheck %s --check-prefix=U8I8
// U8I8:      result0: shape=[4] dtype=i8
// U8I8-NEXT:   -55, -2, 100, -127
// RUN: quant-run %s --entry reverse_ui8 --input %t/u8x.npy --print --output-dir %t/ui8 | FileCheck %s --check-prefix=UI8
// UI8:      result0: shape=[4] dtype=ui8
// UI8-NEXT:   128, 0, 255, 200
// RUN: quant-run %s --entry square_i16 --input %t/i16.npy --print --output-dir %t/i16 | FileCheck %s --check-prefix=I16
// I16:      result0: shape=[3] dtype=i16
// I16-NEXT:   24464, 0, 32761
// RUN: quant-run %s --entry inc_i32 --input %t/i32.npy --print --output-dir %t/i32 | FileCheck %s --check-prefix=I32
// I32:      result0: shape=[2, 2] dtype=i32
// I32-NEXT:   [0]: -2147483648, -4
// I32-NEXT:   [1]: 8, -2147483647
// RUN: quant-run %s --entry double_i64 --input %t/i64.npy --print --output-dir %t/i64 | FileCheck %s --check-prefix=I64
// I64:      result0: shape=[3] dtype=i64
// I64-NEXT:   -9223372036854775808, -6, -2
//
// The files hold numpy's dtypes and the same values.
// RUN: %python -c "import numpy as np; \
// RUN:   [print(d, r.dtype, r.tolist()) for d in ['i8', 'ui8', 'i16', 'i32', 'i64'] \
// RUN:    for r in [np.load('%t/' + d + '/result0.npy')]]" | FileCheck %s --check-prefix=FILES
// FILES:      i8 int8 [-128, 127, -56, 0]
// FILES-NEXT: ui8 uint8 [128, 0, 255, 200]
// FILES-NEXT: i16 int16 [24464, 0, 32761]
// FILES-NEXT: i32 int32 {{\[}}[-2147483648, -4], [8, -2147483647]]
// FILES-NEXT: i64 int64 [-9223372036854775808, -6, -2]

#id = affine_map<(i) -> (i)>

func.func @add_i8(%x: tensor<4xi8>, %y: tensor<4xi8>) -> tensor<4xi8> {
  %empty = tensor.empty() : tensor<4xi8>
  %s = linalg.add ins(%x, %y : tensor<4xi8>, tensor<4xi8>) outs(%empty : tensor<4xi8>) -> tensor<4xi8>
  return %s : tensor<4xi8>
}

// Unsigned element types cannot be used by arith; data movement is fine.
func.func @reverse_ui8(%x: tensor<4xui8>) -> tensor<4xui8> {
  %empty = tensor.empty() : tensor<4xui8>
  %r = linalg.generic {indexing_maps = [affine_map<(i) -> (3 - i)>, #id],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<4xui8>) outs(%empty : tensor<4xui8>) {
  ^bb0(%a: ui8, %o: ui8):
    linalg.yield %a : ui8
  } -> tensor<4xui8>
  return %r : tensor<4xui8>
}

func.func @square_i16(%x: tensor<3xi16>) -> tensor<3xi16> {
  %empty = tensor.empty() : tensor<3xi16>
  %s = linalg.mul ins(%x, %x : tensor<3xi16>, tensor<3xi16>) outs(%empty : tensor<3xi16>) -> tensor<3xi16>
  return %s : tensor<3xi16>
}

func.func @inc_i32(%x: tensor<2x2xi32>) -> tensor<2x2xi32> {
  %c1 = arith.constant dense<1> : tensor<2x2xi32>
  %s = arith.addi %x, %c1 : tensor<2x2xi32>
  return %s : tensor<2x2xi32>
}

func.func @double_i64(%x: tensor<3xi64>) -> tensor<3xi64> {
  %s = arith.addi %x, %x : tensor<3xi64>
  return %s : tensor<3xi64>
}
