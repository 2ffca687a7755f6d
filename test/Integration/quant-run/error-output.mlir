// An --output-dir that cannot be created or written: one-line error.
//
// RUN: rm -rf %t && mkdir -p %t && touch %t/file
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.zeros(2, np.float32))"
// RUN: not quant-run %s --entry f --input %t/x.npy --output-dir %t/file 2>&1 | FileCheck %s --check-prefix=FILE
// FILE: quant-run: error: cannot create output directory '{{.*}}file': a file of that name exists
// FILE-NOT: {{.}}
// RUN: not quant-run %s --entry f --input %t/x.npy --output-dir %t/file/sub 2>&1 | FileCheck %s --check-prefix=SUB
// SUB: quant-run: error: cannot create output directory '{{.*}}file/sub': Not a directory
// RUN: mkdir -p %t/out/result0.npy
// RUN: not quant-run %s --entry f --input %t/x.npy --output-dir %t/out 2>&1 | FileCheck %s --check-prefix=WRITE
// WRITE: quant-run: error: {{.*}}result0.npy: cannot write file: Is a directory

func.func @f(%x: tensor<2xf32>) -> tensor<2xf32> {
  return %x : tensor<2xf32>
}
