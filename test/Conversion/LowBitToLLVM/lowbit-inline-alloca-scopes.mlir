// RUN: quant-opt %s -split-input-file --lowbit-inline-alloca-scopes | FileCheck %s

// A scope with an alloca: its body between stacksave and stackrestore, its
// result forwarded.
// CHECK-LABEL: func.func @with_alloca
// CHECK-NOT: memref.alloca_scope
// CHECK: %[[S:.*]] = llvm.intr.stacksave : !llvm.ptr
// CHECK: %[[M:.*]] = memref.alloca() : memref<4xf32>
// CHECK: %[[L:.*]] = memref.load %[[M]]
// CHECK: llvm.intr.stackrestore %[[S]] : !llvm.ptr
// CHECK: return %[[L]] : f32
func.func @with_alloca(%i: index, %x: f32) -> f32 {
  %r = memref.alloca_scope -> f32 {
    %m = memref.alloca() : memref<4xf32>
    memref.store %x, %m[%i] : memref<4xf32>
    %l = memref.load %m[%i] : memref<4xf32>
    memref.alloca_scope.return %l : f32
  }
  return %r : f32
}

// -----

// Without allocas no stack save; nested scopes are inlined too.
// CHECK-LABEL: func.func @nested_without_alloca
// CHECK-NOT: memref.alloca_scope
// CHECK-NOT: llvm.intr.stacksave
// CHECK: %[[A:.*]] = arith.addf %{{.*}}, %{{.*}} : f32
// CHECK: %[[B:.*]] = arith.mulf %[[A]], %[[A]] : f32
// CHECK: return %[[B]] : f32
func.func @nested_without_alloca(%x: f32) -> f32 {
  %r = memref.alloca_scope -> f32 {
    %a = arith.addf %x, %x : f32
    %b = memref.alloca_scope -> f32 {
      %m = arith.mulf %a, %a : f32
      memref.alloca_scope.return %m : f32
    }
    memref.alloca_scope.return %b : f32
  }
  return %r : f32
}
