// RUN: quant-opt %s -split-input-file --pass-pipeline="builtin.module(func.func(lowbit-gpu-map-parallel-loops{block-size=128},cse))" | FileCheck %s
// RUN: not quant-opt %s --pass-pipeline="builtin.module(func.func(lowbit-gpu-map-parallel-loops{block-size=2048}))" 2>&1 | FileCheck %s --check-prefix=SIZE

// A 2-D loop becomes one dimension of 4 * 100 iterations in tiles of 128:
// tiles on blocks, a guarded tile body on threads.
// CHECK-LABEL: func.func @two_d
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : index
// CHECK-DAG: %[[C100:.*]] = arith.constant 100 : index
// CHECK: %[[ROWS:.*]] = arith.muli %{{.*}}, %[[C4]]
// CHECK: %[[TOTAL:.*]] = arith.muli %[[ROWS]], %[[C100]]
// CHECK: %[[TILE:.*]] = arith.muli %{{.*}}, %c128
// CHECK: scf.parallel (%[[T:.*]]) = (%{{.*}}) to (%[[TOTAL]]) step (%[[TILE]])
// CHECK: scf.parallel (%[[I:.*]]) = (%{{.*}}) to (%[[TILE]]) step
// CHECK: arith.cmpi ult, %{{.*}}, %[[TOTAL]]
// CHECK: scf.if
// CHECK: memref.store
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = thread_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
// CHECK: } {mapping = [#gpu.loop_dim_map<processor = block_x, map = (d0) -> (d0), bound = (d0) -> (d0)>]}
func.func @two_d(%m: memref<4x100xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %c100 = arith.constant 100 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j) = (%c0, %c0) to (%c4, %c100) step (%c1, %c1) {
    memref.store %f, %m[%i, %j] : memref<4x100xf32>
  }
  return
}

// -----

// A nested loop runs sequentially in each thread.
// CHECK-LABEL: func.func @nested
// CHECK: processor = sequential
// CHECK: processor = thread_x
// CHECK: processor = block_x
func.func @nested(%m: memref<8x8xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i) = (%c0) to (%c8) step (%c1) {
    scf.parallel (%j) = (%c0) to (%c8) step (%c1) {
      memref.store %f, %m[%i, %j] : memref<8x8xf32>
    }
  }
  return
}
// SIZE: lowbit-gpu-map-parallel-loops: block-size 2048 is not in 1-1024
