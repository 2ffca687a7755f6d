// Malformed .npy headers: one-line errors naming the file and the problem.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; \
// RUN:   p = lambda n: '%t/' + n; \
// RUN:   np.save(p('good.npy'), np.arange(6, dtype=np.float32).reshape(2, 3)); \
// RUN:   good = open(p('good.npy'), 'rb').read(); \
// RUN:   open(p('trunc_header.npy'), 'wb').write(good[:40]); \
// RUN:   open(p('trunc_preamble.npy'), 'wb').write(good[:7]); \
// RUN:   open(p('magic.npy'), 'wb').write(b'PNG' + good[3:]); \
// RUN:   open(p('version.npy'), 'wb').write(good[:6] + bytes([9]) + good[7:]); \
// RUN:   open(p('no_shape.npy'), 'wb').write(good.replace(b\"'shape'\", b\"'shope'\")); \
// RUN:   open(p('not_dict.npy'), 'wb').write(good.replace(b'{', b'[')); \
// RUN:   open(p('bad_bool.npy'), 'wb').write(good.replace(b'False', b'Maybe')); \
// RUN:   open(p('bad_dim.npy'), 'wb').write(good.replace(b'(2, 3), ', b'(2, -3),')); \
// RUN:   np.save(p('structured.npy'), np.zeros((2, 3), [('a', '<f4')]))"
//
// RUN: not quant-run %s --entry f --input %t/trunc_header.npy 2>&1 | FileCheck %s --check-prefix=TRUNC-HEADER
// TRUNC-HEADER: quant-run: error: {{.*}}trunc_header.npy: truncated .npy header: it declares 118 bytes, the file has 30 after the preamble
// TRUNC-HEADER-NOT: {{.}}
// RUN: not quant-run %s --entry f --input %t/trunc_preamble.npy 2>&1 | FileCheck %s --check-prefix=TRUNC-PREAMBLE
// TRUNC-PREAMBLE: quant-run: error: {{.*}}trunc_preamble.npy: truncated .npy header (7 bytes)
// RUN: not quant-run %s --entry f --input %t/magic.npy 2>&1 | FileCheck %s --check-prefix=MAGIC
// MAGIC: quant-run: error: {{.*}}magic.npy: not a .npy file (bad magic string)
// RUN: not quant-run %s --entry f --input %t/version.npy 2>&1 | FileCheck %s --check-prefix=VERSION
// VERSION: quant-run: error: {{.*}}version.npy: unsupported .npy format version 9.0
// RUN: not quant-run %s --entry f --input %t/no_shape.npy 2>&1 | FileCheck %s --check-prefix=KEY
// KEY: quant-run: error: {{.*}}no_shape.npy: malformed .npy header: unexpected key 'shope' in the header
// RUN: not quant-run %s --entry f --input %t/not_dict.npy 2>&1 | FileCheck %s --check-prefix=DICT
// DICT: quant-run: error: {{.*}}not_dict.npy: malformed .npy header: header is not a Python dict
// RUN: not quant-run %s --entry f --input %t/bad_bool.npy 2>&1 | FileCheck %s --check-prefix=BOOL
// BOOL: quant-run: error: {{.*}}bad_bool.npy: malformed .npy header: 'fortran_order' is not True or False
// RUN: not quant-run %s --entry f --input %t/bad_dim.npy 2>&1 | FileCheck %s --check-prefix=DIM
// DIM: quant-run: error: {{.*}}bad_dim.npy: malformed .npy header: 'shape' must be a tuple of non-negative integers
// RUN: not quant-run %s --entry f --input %t/structured.npy 2>&1 | FileCheck %s --check-prefix=STRUCT
// STRUCT: quant-run: error: {{.*}}structured.npy: malformed .npy header: structured dtypes (a list 'descr') are not supported

func.func @f(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
