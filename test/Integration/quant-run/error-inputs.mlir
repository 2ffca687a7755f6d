// Inputs that do not fit the signature: one-line errors naming the argument,
// what was expected and what was given; non-zero exit.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; \
// RUN:   np.save('%t/x.npy', np.zeros((2, 3), np.float32)); \
// RUN:   np.save('%t/x_i32.npy', np.zeros((2, 3), np.int32)); \
// RUN:   np.save('%t/x_43.npy', np.zeros((4, 3), np.float32)); \
// RUN:   np.save('%t/x_rank3.npy', np.zeros((2, 3, 1), np.float32)); \
// RUN:   np.save('%t/v.npy', np.zeros(5, np.int8)); \
// RUN:   np.save('%t/v_u2.npy', np.zeros(5, np.uint16))"
//
// RUN: not quant-run %s --entry f --input %t/x.npy 2>&1 | FileCheck %s --check-prefix=FEW
// FEW: quant-run: error: 'f' takes 2 arguments, got 1 from the --input files
// FEW-NOT: {{.}}
// RUN: not quant-run %s --entry f --input %t/x.npy --input %t/v.npy --input %t/v.npy 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MANY
// MANY: quant-run: error: 'f' takes 2 arguments, got 3 from the --input files
// RUN: not quant-run %s --entry f --input %t/x_i32.npy --input %t/v.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: quant-run: error: argument #0 ('{{.*}}x_i32.npy'): expected dtype f32 ('<f4'), got '<i4'
// RUN: not quant-run %s --entry f --input %t/x.npy --input %t/v_u2.npy 2>&1 | FileCheck %s --check-prefix=DTYPE-INT
// DTYPE-INT: quant-run: error: argument #1 ('{{.*}}v_u2.npy'): expected dtype i8 ('|i1' or '|u1'), got '<u2'
// RUN: not quant-run %s --entry f --input %t/x_43.npy --input %t/v.npy 2>&1 | FileCheck %s --check-prefix=DIM
// DIM: quant-run: error: argument #0 ('{{.*}}x_43.npy'): expected shape (2, 3) (tensor<2x3xf32>), got (4, 3)
// RUN: not quant-run %s --entry f --input %t/x_rank3.npy --input %t/v.npy 2>&1 | FileCheck %s --check-prefix=RANK
// RANK: quant-run: error: argument #0 ('{{.*}}x_rank3.npy'): expected shape (2, 3) (tensor<2x3xf32>), got (2, 3, 1)
// RUN: not quant-run %s --entry f --input %t/x.npy --input %t/x.npy 2>&1 | FileCheck %s --check-prefix=DYN
// DYN: quant-run: error: argument #1 ('{{.*}}x.npy'): expected dtype i8 ('|i1' or '|u1'), got '<f4'
// RUN: not quant-run %s --entry f --input %t/x.npy --input %t/missing.npy 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: quant-run: error: cannot open input '{{.*}}missing.npy': No such file or directory
// RUN: not quant-run %t/missing.mlir --entry f 2>&1 | FileCheck %s --check-prefix=NOIR
// NOIR: quant-run: error: cannot open '{{.*}}missing.mlir': No such file or directory

func.func @f(%x: tensor<2x3xf32>, %v: tensor<?xi8>) -> tensor<2x3xf32> {
  return %x : tensor<2x3xf32>
}
