// RUN: quant-opt %s -split-input-file -verify-diagnostics --lowbit-gpu-emulate | FileCheck %s

// A kernel becomes a function of its arguments and the 12 ids and
// dimensions; the launch becomes loops over blocks around a parallel loop
// over the block's threads; shuffles and MMAs call the emulator runtime
// with the thread's linear id; host GPU memory ops become memref ops.
// CHECK-LABEL: func.func @host
// CHECK: %[[BUF:.*]] = memref.alloc() : memref<64xf32>
// CHECK: memref.copy %{{.*}}, %[[BUF]]
// CHECK: scf.for %[[BZ:.*]] = %c0 to %c1
// CHECK: scf.for %[[BY:.*]] = %c0 to %c1
// CHECK: scf.for %[[BX:.*]] = %c0 to %c2
// CHECK: func.call @lowbit_emu_block_begin
// CHECK: scf.parallel (%[[T:.*]]) = (%c0{{.*}}) to (%{{.*}}) step
// CHECK: func.call @__lowbit_emu_kernels_k(%[[BUF]], %[[BX]], %[[BY]], %[[BZ]],
// CHECK-NOT: gpu.
// CHECK-LABEL: func.func private @__lowbit_emu_kernels_k
// CHECK-SAME: (%[[M:.*]]: memref<64xf32>, %[[BIDX:.*]]: index, %{{.*}}: index, %{{.*}}: index, %[[TIDX:.*]]: index,
// CHECK: memref.alloca() : memref<4xi32>
// CHECK: call @lowbit_emu_shuffle
// CHECK: call @lowbit_emu_mma_m16n8k32_s8
// CHECK: call @lowbit_emu_block_barrier
// CHECK: return
module attributes {gpu.container_module} {
  func.func @host(%x: memref<64xf32>) {
    %c1 = arith.constant 1 : index
    %c2 = arith.constant 2 : index
    %c32 = arith.constant 32 : index
    %t0 = gpu.wait async
    %m, %t1 = gpu.alloc async [%t0] () : memref<64xf32>
    gpu.wait [%t1]
    %t2 = gpu.wait async
    %t3 = gpu.memcpy async [%t2] %m, %x : memref<64xf32>, memref<64xf32>
    gpu.wait [%t3]
    gpu.launch_func @kernels::@k blocks in (%c2, %c1, %c1) threads in (%c32, %c1, %c1) args(%m : memref<64xf32>)
    return
  }
  gpu.module @kernels {
    gpu.func @k(%m: memref<64xf32>) kernel {
      %b = gpu.block_id x
      %t = gpu.thread_id x
      %c32 = arith.constant 32 : index
      %i = arith.addi %t, %b : index
      %v = memref.load %m[%i] : memref<64xf32>
      %one = arith.constant 1 : i32
      %width = arith.constant 32 : i32
      %s, %ok = gpu.shuffle xor %v, %one, %width : f32
      %a = arith.constant dense<1> : vector<4x4xi8>
      %bb = arith.constant dense<1> : vector<2x4xi8>
      %c = arith.constant dense<0> : vector<2x2xi32>
      %d = nvgpu.mma.sync (%a, %bb, %c) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
      gpu.barrier
      memref.store %s, %m[%i] : memref<64xf32>
      gpu.return
    }
  }
}

// -----

module attributes {gpu.container_module} {
  gpu.module @kernels {
    gpu.func @k(%v: f32) kernel {
      // expected-error@below {{cannot emulate 'gpu.subgroup_reduce'}}
      %r = gpu.subgroup_reduce add %v : (f32) -> f32
      gpu.return
    }
  }
}
