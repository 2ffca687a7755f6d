// Entry functions that cannot be called: missing, without a body, or with
// arguments/results that are not ranked tensors of supported element types.
//
// RUN: not quant-run %s --entry nope 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: quant-run: error: entry function 'nope' not found in '{{.*}}error-entry.mlir' (functions: scalar, memref, index_tensor, result_unranked)
// MISSING-NOT: {{.}}
// RUN: not quant-run %s --entry declared 2>&1 | FileCheck %s --check-prefix=DECL
// RUN: not quant-run %s --entry scalar 2>&1 | FileCheck %s --check-prefix=SCALAR
// RUN: not quant-run %s --entry memref 2>&1 | FileCheck %s --check-prefix=MEMREF
// RUN: not quant-run %s --entry index_tensor 2>&1 | FileCheck %s --check-prefix=INDEX
// RUN: not quant-run %s --entry result_unranked 2>&1 | FileCheck %s --check-prefix=RESULT
// RUN: not quant-run %s --entry table 2>&1 | FileCheck %s --check-prefix=NOTFUNC

// DECL: error-entry.mlir:[[@LINE+1]]:1: error: entry function 'declared' is a declaration without a body
func.func private @declared(tensor<4xf32>) -> tensor<4xf32>

// SCALAR: error-entry.mlir:[[@LINE+1]]:1: error: entry function 'scalar': argument #1 has unsupported type 'f32' (quant-run passes ranked tensors of f16, bf16, f32, f64, i1, or 8/16/32/64-bit integers)
func.func @scalar(%x: tensor<4xf32>, %s: f32) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}

// MEMREF: error-entry.mlir:[[@LINE+1]]:1: error: entry function 'memref': argument #0 has unsupported type 'memref<4xf32>'
func.func @memref(%x: memref<4xf32>) {
  return
}

// INDEX: error-entry.mlir:[[@LINE+1]]:1: error: entry function 'index_tensor': argument #0 has unsupported type 'tensor<4xindex>'
func.func @index_tensor(%x: tensor<4xindex>) -> tensor<4xindex> {
  return %x : tensor<4xindex>
}

// RESULT: error-entry.mlir:[[@LINE+1]]:1: error: entry function 'result_unranked': result #0 has unsupported type 'tensor<*xf32>' (quant-run returns ranked tensors
func.func @result_unranked(%x: tensor<4xf32>) -> tensor<*xf32> {
  %u = tensor.cast %x : tensor<4xf32> to tensor<*xf32>
  return %u : tensor<*xf32>
}

// NOTFUNC: error-entry.mlir:[[@LINE+1]]:1: error: entry 'table' is a 'memref.global', not a func.func
memref.global "private" constant @table : memref<2xf32> = dense<[1.0, 2.0]>
