// IR that parses but does not verify: the verifier's message at the
// offending op's file:line:col, one line (the "see current operation" note is
// dropped).
//
// RUN: not quant-run %s --entry f 2>&1 | FileCheck %s
// CHECK: error-verify.mlir:[[@LINE+5]]:8: error: 'linalg.matmul' op inferred input/output operand #2 has shape's dimension #1 to be 4, but found 5
// CHECK-NOT: {{.}}

func.func @f(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x5xf32> {
  %init = tensor.empty() : tensor<2x5xf32>
  %0 = linalg.matmul ins(%a, %b : tensor<2x3xf32>, tensor<3x4xf32>)
                     outs(%init : tensor<2x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}
