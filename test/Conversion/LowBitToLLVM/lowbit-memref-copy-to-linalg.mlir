// RUN: quant-opt %s --lowbit-memref-copy-to-linalg | FileCheck %s

// A copy from a strided view becomes linalg.copy (plain loops later, no
// memrefCopy runtime call); a copy between identity layouts stays.
// CHECK-LABEL: func.func @copies
// CHECK-SAME: (%[[A:.*]]: memref<4x8xf32>, %[[B:.*]]: memref<4x4xf32>, %[[C:.*]]: memref<4x8xf32>)
// CHECK: %[[V:.*]] = memref.subview %[[A]]
// CHECK: linalg.copy ins(%[[V]] : memref<4x4xf32, strided<[8, 1], offset: 2>>) outs(%[[B]] : memref<4x4xf32>)
// CHECK-NOT: memref.copy %[[V]]
// CHECK: memref.copy %[[A]], %[[C]] : memref<4x8xf32> to memref<4x8xf32>
func.func @copies(%a: memref<4x8xf32>, %b: memref<4x4xf32>, %c: memref<4x8xf32>) {
  %v = memref.subview %a[0, 2] [4, 4] [1, 1] : memref<4x8xf32> to memref<4x4xf32, strided<[8, 1], offset: 2>>
  memref.copy %v, %b : memref<4x4xf32, strided<[8, 1], offset: 2>> to memref<4x4xf32>
  memref.copy %a, %c : memref<4x8xf32> to memref<4x8xf32>
  return
}
