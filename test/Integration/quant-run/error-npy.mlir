// .npy files with well-formed headers the runner cannot use: truncated or
// overlong data, Fortran order, big-endian or unsupported dtypes. One-line
// errors naming the file. (Malformed headers: error-npy-header.mlir.)
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; \
// RUN:   p = lambda n: '%t/' + n; \
// RUN:   np.save(p('good.npy'), np.arange(6, dtype=np.float32).reshape(2, 3)); \
// RUN:   good = open(p('good.npy'), 'rb').read(); \
// RUN:   open(p('trunc_data.npy'), 'wb').write(good[:-5]); \
// RUN:   open(p('extra.npy'), 'wb').write(good + b'xyz'); \
// RUN:   np.save(p('fortran.npy'), np.asfortranarray(np.zeros((2, 3), np.float32))); \
// RUN:   np.save(p('big_endian.npy'), np.zeros((2, 3), '>f4')); \
// RUN:   np.save(p('complex.npy'), np.zeros((2, 3), np.complex64))"
//
// RUN: not quant-run %s --entry f --input %t/trunc_data.npy 2>&1 | FileCheck %s --check-prefix=TRUNC-DATA
// TRUNC-DATA: quant-run: error: {{.*}}trunc_data.npy: truncated .npy data: shape (2, 3) of '<f4' needs 24 bytes, the file has 19
// TRUNC-DATA-NOT: {{.}}
// RUN: not quant-run %s --entry f --input %t/extra.npy 2>&1 | FileCheck %s --check-prefix=EXTRA
// EXTRA: quant-run: error: {{.*}}extra.npy: malformed .npy file: 3 bytes after the data of shape (2, 3) of '<f4'
// RUN: not quant-run %s --entry f --input %t/fortran.npy 2>&1 | FileCheck %s --check-prefix=FORTRAN
// FORTRAN: quant-run: error: {{.*}}fortran.npy: Fortran-order arrays are not supported (save a C-order array, e.g. np.ascontiguousarray(a))
// RUN: not quant-run %s --entry f --input %t/big_endian.npy 2>&1 | FileCheck %s --check-prefix=ENDIAN
// ENDIAN: quant-run: error: {{.*}}big_endian.npy: unsupported dtype '>f4': big-endian data is not supported
// RUN: not quant-run %s --entry f --input %t/complex.npy 2>&1 | FileCheck %s --check-prefix=COMPLEX
// COMPLEX: quant-run: error: {{.*}}complex.npy: unsupported dtype '<c8': kind 'c' is not one of b, i, u, f, V

func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
