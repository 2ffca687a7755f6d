// IR that verifies but cannot be lowered or linked: the first error at the
// location of the op or function that is at fault, one line. (leftover.mlir:
// linalg.softmax on buffers is decomposed by nothing and survives every
// conversion; the runner reports what is not LLVM dialect after lowering.)
//
// RUN: rm -rf %t && split-file %s %t
// RUN: %python -c "import numpy as np; np.save('%t/x.npy', np.ones((4, 4), np.float32)); \
// RUN:   np.save('%t/i.npy', np.arange(4, dtype=np.int32))"
//
// RUN: not quant-run %t/bufferize.mlir --entry f --input %t/x.npy 2>&1 | FileCheck %s --check-prefix=BUFFERIZE
// BUFFERIZE: bufferize.mlir:3:8: error: op was not bufferized
// BUFFERIZE-NOT: {{.}}
// RUN: not quant-run %t/legalize.mlir --entry f --input %t/i.npy 2>&1 | FileCheck %s --check-prefix=LEGALIZE
// LEGALIZE: legalize.mlir:3:8: error: failed to legalize operation 'math.ipowi' that was explicitly marked illegal
// LEGALIZE-NOT: {{.}}
// RUN: not quant-run %t/external.mlir --entry f --input %t/i.npy 2>&1 | FileCheck %s --check-prefix=EXTERNAL
// EXTERNAL: external.mlir:1:1: error: external function 'no_such_function' is not defined in the module or the process
// EXTERNAL-NOT: {{.}}
// RUN: not quant-run %t/leftover.mlir --entry f --input %t/i.npy 2>&1 | FileCheck %s --check-prefix=LEFTOVER
// LEFTOVER: leftover.mlir:4:3: error: cannot lower 'linalg.softmax' to the LLVM dialect
// LEFTOVER-NOT: {{.}}

//--- bufferize.mlir
func.func @f(%a: tensor<4x4xf32>) -> tensor<2x2x2x2xf32> {
  %e = tensor.empty() : tensor<2x2x2x2xf32>
  %0 = linalg.pack %a inner_dims_pos = [0, 1] inner_tiles = [2, 2] into %e : tensor<4x4xf32> -> tensor<2x2x2x2xf32>
  return %0 : tensor<2x2x2x2xf32>
}

//--- legalize.mlir
func.func @f(%a: tensor<4xi32>) -> tensor<4xi32> {
  %c3 = arith.constant dense<3> : tensor<4xi32>
  %0 = math.ipowi %a, %c3 : tensor<4xi32>
  return %0 : tensor<4xi32>
}

//--- external.mlir
func.func private @no_such_function(i32) -> i32
func.func @f(%a: tensor<4xi32>) -> tensor<4xi32> {
  %c0 = arith.constant 0 : index
  %x = tensor.extract %a[%c0] : tensor<4xi32>
  %y = func.call @no_such_function(%x) : (i32) -> i32
  %r = tensor.insert %y into %a[%c0] : tensor<4xi32>
  return %r : tensor<4xi32>
}

//--- leftover.mlir
func.func @f(%a: tensor<4xi32>) -> tensor<4xi32> {
  %in = memref.alloc() : memref<2x2xf32>
  %out = memref.alloc() : memref<2x2xf32>
  linalg.softmax dimension(1) ins(%in : memref<2x2xf32>) outs(%out : memref<2x2xf32>)
  return %a : tensor<4xi32>
}
