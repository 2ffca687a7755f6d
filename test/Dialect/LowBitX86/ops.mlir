// RUN: quant-opt %s -split-input-file -verify-diagnostics | quant-opt | FileCheck %s

// The ops print and parse back; they are pure, so unused ones fold away.
// CHECK-LABEL: func.func @ops
// CHECK: lowbit_x86.vpdpbusd %{{.*}}, %{{.*}}, %{{.*}} : vector<64xi8> -> vector<16xi32>
// CHECK: lowbit_x86.permps %{{.*}}, %{{.*}} : vector<16xi32> -> vector<16xf32>
// CHECK: lowbit_x86.permw %{{.*}}, %{{.*}} : vector<32xi16>
// CHECK: lowbit_x86.permi2w %{{.*}}, %{{.*}}, %{{.*}} : vector<32xi16>
func.func @ops(%acc: vector<16xi32>, %a: vector<64xi8>, %b: vector<64xi8>,
               %t: vector<16xf32>, %i: vector<16xi32>, %w: vector<32xi16>)
    -> (vector<16xi32>, vector<16xf32>, vector<32xi16>, vector<32xi16>) {
  %0 = lowbit_x86.vpdpbusd %acc, %a, %b : vector<64xi8> -> vector<16xi32>
  %1 = lowbit_x86.permps %t, %i : vector<16xi32> -> vector<16xf32>
  %2 = lowbit_x86.permw %w, %w : vector<32xi16>
  %3 = lowbit_x86.permi2w %w, %w, %w : vector<32xi16>
  return %0, %1, %2, %3 : vector<16xi32>, vector<16xf32>, vector<32xi16>, vector<32xi16>
}

// -----

func.func @wrong_width(%acc: vector<8xi32>, %a: vector<64xi8>) -> vector<8xi32> {
  // expected-error @+1 {{'lowbit_x86.vpdpbusd' op operand #0 must be vector of 32-bit signless integer values of length 16}}
  %0 = lowbit_x86.vpdpbusd %acc, %a, %a : vector<64xi8> -> vector<8xi32>
  return %0 : vector<8xi32>
}
