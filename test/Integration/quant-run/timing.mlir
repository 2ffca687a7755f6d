// --timing prints one line on stderr with the seconds of each phase and
// leaves stdout (--print) as it is; -O outside 0-3 is a one-line error.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.arange(3, dtype=np.float32))"
// RUN: quant-run %s --entry f --input %t/x.npy --print --timing 2>%t/err | FileCheck %s
// RUN: FileCheck %s --check-prefix=TIMING < %t/err
// CHECK: result0: shape=[3] dtype=f32
// CHECK-NEXT: 0, 2, 4
// CHECK-NOT: timing
// TIMING: quant-run: timing: parse {{[0-9]+\.[0-9][0-9][0-9]}} s, lower {{[0-9]+\.[0-9][0-9][0-9]}} s, codegen {{[0-9]+\.[0-9][0-9][0-9]}} s, run {{[0-9]+\.[0-9][0-9][0-9]}} s
// TIMING-NOT: {{.}}
// RUN: quant-run %s --entry f --input %t/x.npy --print 2>&1 | FileCheck %s --check-prefix=QUIET
// QUIET-NOT: timing
// RUN: not quant-run %s --entry f --input %t/x.npy -O 99 2>&1 | FileCheck %s --check-prefix=OPT
// OPT: quant-run: error: -O 99: the optimization level is 0-3
// OPT-NOT: {{.}}

func.func @f(%x: tensor<3xf32>) -> tensor<3xf32> {
  %0 = arith.addf %x, %x : tensor<3xf32>
  return %0 : tensor<3xf32>
}
