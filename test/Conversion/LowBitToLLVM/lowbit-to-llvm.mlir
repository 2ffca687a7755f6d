// The lowbit-to-llvm pipeline in quant-opt (no JIT linked): a function with
// lowbit ops and linalg.softmax on tensors ends as LLVM dialect only, with the
// C interface of its entry. The fast path and the reference-only lowering
// both get there.
// RUN: quant-opt %s --lowbit-to-llvm | FileCheck %s --implicit-check-not=lowbit --implicit-check-not=linalg. --implicit-check-not=tensor. --implicit-check-not=memref. --implicit-check-not=scf. --implicit-check-not=unrealized_conversion_cast
// RUN: quant-opt %s --lowbit-to-llvm=reference-only=true | FileCheck %s --implicit-check-not=lowbit --implicit-check-not=linalg. --implicit-check-not=tensor. --implicit-check-not=memref. --implicit-check-not=scf. --implicit-check-not=unrealized_conversion_cast
// CHECK: llvm.func @f(
// CHECK: llvm.intr.exp
// CHECK: llvm.func @_mlir_ciface_f(
func.func @f(%x: tensor<4x8xf32>) -> tensor<4x8xf32> attributes {llvm.emit_c_interface} {
  %s = arith.constant dense<0.5> : tensor<4x1xf32>
  %q = lowbit.quantize %x scale(%s : tensor<4x1xf32>) : tensor<4x8xf32> -> !lowbit.qtensor<4x8, #lowbit.scheme<i4, per_axis<0>>>
  %d = lowbit.dequantize %q scale(%s : tensor<4x1xf32>) : !lowbit.qtensor<4x8, #lowbit.scheme<i4, per_axis<0>>> -> tensor<4x8xf32>
  %e = tensor.empty() : tensor<4x8xf32>
  %r = linalg.softmax dimension(1) ins(%d : tensor<4x8xf32>) outs(%e : tensor<4x8xf32>) -> tensor<4x8xf32>
  return %r : tensor<4x8xf32>
}
