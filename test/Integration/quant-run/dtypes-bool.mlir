// Bool arrays ('|b1') are i1 tensors, one byte per element in memory;
// comparisons produce them.
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import numpy as np; \
// RUN:   np.save('%t/bx.npy', np.array([True, False, True, False])); \
// RUN:   np.save('%t/by.npy', np.array([True, True, False, False])); \
// RUN:   np.save('%t/cmp.npy', np.array([-1.5, 0, 2], np.float32))"
// RUN: quant-run %s --entry logic --input %t/bx.npy --input %t/by.npy --print --output-dir %t/bool \
// RUN:   | FileCheck %s --check-prefix=BOOL
// BOOL:      result0: shape=[4] dtype=i1
// BOOL-NEXT:   false, true, true, false
// BOOL-NEXT: result1: shape=[4] dtype=i1
// BOOL-NEXT:   true, false, false, false
// RUN: quant-run %s --entry positive --input %t/cmp.npy --print --output-dir %t/cmp | FileCheck %s --check-prefix=CMP
// CMP:      result0: shape=[3] dtype=i1
// CMP-NEXT:   false, false, true
// RUN: %python -c "import numpy as np; \
// RUN:   [print(d, r.dtype, r.tolist()) for d in ['bool/result0', 'bool/result1', 'cmp/result0'] \
// RUN:    for r in [np.load('%t/' + d + '.npy')]]" | FileCheck %s --check-prefix=FILES
// FILES:      bool/result0 bool [False, True, True, False]
// FILES-NEXT: bool/result1 bool [True, False, False, False]
// FILES-NEXT: cmp/result0 bool [False, False, True]

func.func @logic(%x: tensor<4xi1>, %y: tensor<4xi1>) -> (tensor<4xi1>, tensor<4xi1>) {
  %xor = arith.xori %x, %y : tensor<4xi1>
  %and = arith.andi %x, %y : tensor<4xi1>
  return %xor, %and : tensor<4xi1>, tensor<4xi1>
}

func.func @positive(%x: tensor<3xf32>) -> tensor<3xi1> {
  %zero = arith.constant dense<0.0> : tensor<3xf32>
  %c = arith.cmpf ogt, %x, %zero : tensor<3xf32>
  return %c : tensor<3xi1>
}
