// IR that does not parse: the parser's message with file:line:col, one line.
//
// RUN: not quant-run %s --entry f 2>&1 | FileCheck %s
// CHECK: error-parse.mlir:[[@LINE+4]]:23: error: use of undeclared SSA value name
// CHECK-NOT: {{.}}

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  %0 = arith.addf %x, %undefined : tensor<4xf32>
  return %0 : tensor<4xf32>
}
