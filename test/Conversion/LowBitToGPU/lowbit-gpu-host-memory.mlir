// RUN: quant-opt %s -split-input-file --lowbit-gpu-host-memory | FileCheck %s

// Arguments and globals are copied into GPU memory at the entry, every
// allocation is in GPU memory, copies become linalg.copy (kernels later),
// the result is copied out to host memory and the GPU buffers are freed.
// Buffers that only kernels (linalg ops, GPU ops) touch live in device
// memory; see @host_read for managed memory;
// copies and frees are async ops on a stream waited for at once.
// CHECK-LABEL: func.func @f
// CHECK-SAME: (%[[X:.*]]: memref<4x8xf32>) -> memref<4x8xf32>
// CHECK: %[[XD:[^,]*]], %{{.*}} = gpu.alloc async [%{{.*}}] () : memref<4x8xf32>
// CHECK: gpu.memcpy async [%{{.*}}] %[[XD]], %[[X]]
// CHECK: %[[G:.*]] = memref.get_global @w : memref<4x8xf32>
// CHECK: %[[GD:[^,]*]], %{{.*}} = gpu.alloc async [%{{.*}}] () : memref<4x8xf32>
// CHECK: gpu.memcpy async [%{{.*}}] %[[GD]], %[[G]]
// CHECK: %[[T:[^,]*]], %{{.*}} = gpu.alloc async [%{{.*}}] () : memref<4x8xf32>
// CHECK: linalg.add ins(%[[XD]], %[[GD]] : {{.*}}) outs(%[[T]] :
// CHECK: %[[R:[^,]*]], %{{.*}} = gpu.alloc async [%{{.*}}] () : memref<4x8xf32>
// CHECK: linalg.copy ins(%[[T]] : memref<4x8xf32>) outs(%[[R]] : memref<4x8xf32>)
// CHECK: gpu.dealloc async [%{{.*}}] %[[T]]
// CHECK: %[[H:.*]] = memref.alloc() : memref<4x8xf32>
// CHECK: gpu.memcpy async [%{{.*}}] %[[H]], %[[R]]
// CHECK-DAG: gpu.dealloc async [%{{.*}}] %[[R]]
// CHECK-DAG: gpu.dealloc async [%{{.*}}] %[[XD]]
// CHECK-DAG: gpu.dealloc async [%{{.*}}] %[[GD]]
// CHECK: return %[[H]]
memref.global "private" constant @w : memref<4x8xf32> = dense<1.0>
func.func @f(%x: memref<4x8xf32>) -> memref<4x8xf32> {
  %t = memref.alloc() : memref<4x8xf32>
  %g = memref.get_global @w : memref<4x8xf32>
  linalg.add ins(%x, %g : memref<4x8xf32>, memref<4x8xf32>) outs(%t : memref<4x8xf32>)
  %r = memref.alloc() : memref<4x8xf32>
  memref.copy %t, %r : memref<4x8xf32> to memref<4x8xf32>
  memref.dealloc %t : memref<4x8xf32>
  return %r : memref<4x8xf32>
}

// -----

// Dynamic sizes come from the argument; a returned strided view is made
// dense by a kernel before the copy out.
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: (%[[X:.*]]: memref<?x8xf32>) -> memref<?x4xf32>
// CHECK: %[[N:.*]] = memref.dim %[[X]], %c0
// CHECK: %[[XD:[^,]*]], %{{.*}} = gpu.alloc async [%{{.*}}] (%[[N]]) : memref<?x8xf32>
// CHECK: gpu.memcpy async [%{{.*}}] %[[XD]], %[[X]]
// CHECK: %[[V:.*]] = memref.subview %[[XD]]
// CHECK: %[[H:.*]] = memref.alloc({{.*}}) : memref<?x4xf32>
// CHECK: %[[D:[^,]*]], %{{.*}} = gpu.alloc async [%{{.*}}] ({{.*}}) : memref<?x4xf32>
// CHECK: linalg.copy ins(%[[V]] : {{.*}}) outs(%[[D]] : memref<?x4xf32>)
// CHECK: gpu.memcpy async [%{{.*}}] %[[H]], %[[D]]
// CHECK: gpu.dealloc async [%{{.*}}] %[[D]]
// CHECK: gpu.dealloc async [%{{.*}}] %[[XD]]
// CHECK: return %[[H]]
func.func @dynamic(%x: memref<?x8xf32>) -> memref<?x4xf32, strided<[8, 1]>> {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x8xf32>
  %v = memref.subview %x[0, 0] [%n, 4] [1, 1] : memref<?x8xf32> to memref<?x4xf32, strided<[8, 1]>>
  return %v : memref<?x4xf32, strided<[8, 1]>>
}

// -----

// A buffer host code reads itself (a scalar load) is in managed memory
// (host_shared); the other stays in device memory.
// CHECK-LABEL: func.func @host_read
// CHECK: %[[T:.*]] = gpu.alloc  host_shared () : memref<4xf32>
// CHECK: linalg.fill {{.*}} outs(%[[T]] :
// CHECK: memref.load %[[T]]
// CHECK: %[[U:[^,]*]], %{{.*}} = gpu.alloc async [%{{.*}}] () : memref<4xf32>
// CHECK: linalg.fill {{.*}} outs(%[[U]] :
func.func @host_read(%f: f32) -> f32 {
  %c0 = arith.constant 0 : index
  %t = memref.alloc() : memref<4xf32>
  linalg.fill ins(%f : f32) outs(%t : memref<4xf32>)
  %v = memref.load %t[%c0] : memref<4xf32>
  %u = memref.alloc() : memref<4xf32>
  linalg.fill ins(%v : f32) outs(%u : memref<4xf32>)
  memref.dealloc %t : memref<4xf32>
  memref.dealloc %u : memref<4xf32>
  return %v : f32
}
