// RUN: quant-opt %s --convert-lowbit-x86-to-llvm | FileCheck %s --implicit-check-not=lowbit_x86

// Each op becomes the call of its intrinsic, operands in order.
// CHECK-LABEL: func.func @ops
// CHECK-SAME: (%[[ACC:.*]]: vector<16xi32>, %[[A:.*]]: vector<64xi8>, %[[B:.*]]: vector<64xi8>, %[[T:.*]]: vector<16xf32>, %[[I:.*]]: vector<16xi32>, %[[W:.*]]: vector<32xi16>, %[[V:.*]]: vector<32xi16>)
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpdpbusd.512"(%[[ACC]], %[[A]], %[[B]]) : (vector<16xi32>, vector<64xi8>, vector<64xi8>) -> vector<16xi32>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.permvar.sf.512"(%[[T]], %[[I]]) : (vector<16xf32>, vector<16xi32>) -> vector<16xf32>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.permvar.hi.512"(%[[W]], %[[V]]) : (vector<32xi16>, vector<32xi16>) -> vector<32xi16>
// CHECK: llvm.call_intrinsic "llvm.x86.avx512.vpermi2var.hi.512"(%[[W]], %[[V]], %[[W]]) : (vector<32xi16>, vector<32xi16>, vector<32xi16>) -> vector<32xi16>
func.func @ops(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>,
               %t: vector<16xf32>, %i: vector<16xi32>, %w: vector<32xi16>, %v: vector<32xi16>)
    -> (vector<16xi32>, vector<16xf32>, vector<32xi16>, vector<32xi16>) {
  %0 = lowbit_x86.vpdpbusd %acc, %a, %b : vector<64xi8> -> vector<16xi32>
  %1 = lowbit_x86.permps %t, %i : vector<16xi32> -> vector<16xf32>
  %2 = lowbit_x86.permw %w, %v : vector<32xi16>
  %3 = lowbit_x86.permi2w %w, %v, %w : vector<32xi16>
  return %0, %1, %2, %3 : vector<16xi32>, vector<16xf32>, vector<32xi16>, vector<32xi16>
}
