// Structure of the GPU kernels of lowbit.matmul. The numerics run on a GPU
// (scripts/gpu-check.sh); docs/gpu.md describes the kernels.
// RUN: quant-opt %s -split-input-file -verify-diagnostics --convert-lowbit-matmul-to-gpu | FileCheck %s

// W4A16 GEMV: one warp per output column, 16-byte code loads decoded in
// registers (2^23 + code as f32 bits), 32 products per lane and step scaled
// once, a butterfly of shuffles, lane 0 writes.
// CHECK-LABEL: func.func @w4_gemv
// CHECK-SAME: (%[[A:.*]]: tensor<2x256xf32>, %[[W:.*]]: !lowbit.qtensor<64x256, {{.*}}>, %[[S:.*]]: tensor<64x2xf32>)
// CHECK-NOT: tensor<64x256xf32>
// CHECK: %[[CODES:.*]] = builtin.unrealized_conversion_cast %[[W]] {{.*}} to tensor<64x128xi8>
// CHECK-DAG: %[[ABUF:.*]] = bufferization.to_buffer %[[A]] read_only : tensor<2x256xf32> to memref<2x256xf32>
// CHECK-DAG: %[[WBUF:.*]] = bufferization.to_buffer %[[CODES]] read_only : tensor<64x128xi8> to memref<64x128xi8>
// CHECK-DAG: %[[SBUF:.*]] = bufferization.to_buffer %[[S]] read_only : tensor<64x2xf32> to memref<64x2xf32>
// CHECK: %[[OUT:.*]] = memref.alloc() : memref<2x64xf32>
// 16 blocks of 4 warps for 64 columns.
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c16{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}})
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (f32, f32)
// CHECK: vector.load %[[WBUF]]{{.*}} {alignment = 16 : i64} : memref<64x128xi8>, vector<16xi8>
// CHECK: vector.bitcast {{.*}} : vector<16xi8> to vector<4xi32>
// Signed codes: sign bits flipped, OR-ed into 2^23, minus 2^23 + 8.
// CHECK: arith.xori {{.*}} %c-2004318072_i32
// CHECK: arith.ori {{.*}} %c1258291200_i32
// CHECK: arith.bitcast {{.*}} : i32 to f32
// CHECK: arith.subf {{.*}} %cst{{.*}} : f32
// CHECK: memref.load %[[SBUF]]
// CHECK: vector.load %[[ABUF]]{{.*}} {alignment = 16 : i64} : memref<2x256xf32>, vector<4xf32>
// CHECK-COUNT-32: math.fma
// CHECK: math.fma
// CHECK-COUNT-10: gpu.shuffle  xor
// CHECK: memref.store {{.*}}, %[[OUT]]
// CHECK: memref.store {{.*}}, %[[OUT]]
// CHECK: gpu.terminator
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable : memref<2x64xf32> to tensor<2x64xf32>
!w4 = !lowbit.qtensor<64x256, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>>
func.func @w4_gemv(%a: tensor<2x256xf32>, %w: !w4, %s: tensor<64x2xf32>) -> tensor<2x64xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<64x2xf32>) transpose_rhs acc(f32)
      : tensor<2x256xf32>, !w4 -> tensor<2x64xf32>
  return %y : tensor<2x64xf32>
}

// -----

// Unsigned per-channel codes: no sign flip, minus 2^23 only; the step
// loop covers K = 2048 in two steps of 1024 codes.
// CHECK-LABEL: func.func @u4_per_channel
// CHECK: gpu.launch
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c2{{.*}} step %c1
// CHECK-NOT: arith.xori
// CHECK: arith.ori
// CHECK: gpu.shuffle
!u4 = !lowbit.qtensor<8x2048, #lowbit.scheme<ui4, per_axis<0>>>
func.func @u4_per_channel(%a: tensor<1x2048xf32>, %w: !u4, %s: tensor<8x1xf32>) -> tensor<1x8xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<8x1xf32>) transpose_rhs acc(f32)
      : tensor<1x2048xf32>, !u4 -> tensor<1x8xf32>
  return %y : tensor<1x8xf32>
}

// -----

// W8A8 on tensor cores, any M: a grid of (N / 128) x ceil(M / 16) blocks of
// four warps; per step of 32 along K each warp loads its A fragment (rows
// group and group + 8) and four B fragments as 4-byte words (zeros past M
// and N) and issues four m16n8k32 MMAs; the epilogue is the reference's
// 0 + float(sum) * (sa * sw); one segment, so no table.
// CHECK-LABEL: func.func @w8a8
// CHECK-NOT: tensor<{{.*}}x6xi32>
// CHECK: %[[M:.*]] = memref.dim %{{.*}}, %c0 : memref<?x256xi8>
// CHECK: %[[OUT:.*]] = memref.alloc(%[[M]]) : memref<?x100xf32>
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c1{{.*}}, {{.*}} = %{{.*}}, {{.*}} = %c1{{.*}}) threads({{.*}}) in ({{.*}} = %c128{{.*}}, {{.*}} = %c1{{.*}}, {{.*}} = %c1{{.*}})
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c256{{.*}} step %c32{{.*}} iter_args({{.*}}) -> (vector<2x2xi32>, vector<2x2xi32>, vector<2x2xi32>, vector<2x2xi32>)
// CHECK: vector.load {{.*}} {alignment = 4 : i64} : memref<?x256xi8>, vector<4xi8>
// CHECK-COUNT-4: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 32]} : (vector<4x4xi8>, vector<2x4xi8>, vector<2x2xi32>) -> vector<2x2xi32>
// CHECK: %[[SCALE:.*]] = arith.mulf
// CHECK: %[[SUM:.*]] = vector.extract {{.*}}[0, 0] : i32 from vector<2x2xi32>
// CHECK: %[[F:.*]] = arith.sitofp %[[SUM]]
// CHECK: %[[TERM:.*]] = arith.mulf %[[F]], %[[SCALE]]
// CHECK: arith.addf %{{.*}}, %[[TERM]]
// CHECK: memref.store {{.*}}, %[[OUT]]
// CHECK: bufferization.to_tensor %[[OUT]] restrict writable : memref<?x100xf32> to tensor<?x100xf32>
!a8 = !lowbit.qtensor<?x256, #lowbit.scheme<i8, per_axis<0>>>
!w8 = !lowbit.qtensor<100x256, #lowbit.scheme<i8, per_axis<0>>>
func.func @w8a8(%a: !a8, %sa: tensor<?x1xf32>, %w: !w8, %sw: tensor<100x1xf32>) -> tensor<?x100xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<?x1xf32>), %w scale(%sw : tensor<100x1xf32>) transpose_rhs acc(i32)
      : !a8, !w8 -> tensor<?x100xf32>
  return %y : tensor<?x100xf32>
}

// -----

// W4A4 with RPTQ clusters [3, 64, 61]: the K loop runs over a table of
// pieces (k0, lo, hi, flush, activation scale column, weight scale column):
// each step of 32 once per cluster it overlaps, codes outside the cluster
// zeroed, i32 sums scaled into the f32 accumulators where a cluster ends.
// Nibbles are unpacked to s8 (2-byte loads, sign-extended) for the s8 MMA.
// CHECK-LABEL: func.func @w4a4_clusters
// CHECK: arith.constant dense<{{\[}}[0, 0, 3, 1, 0, 0], [0, 3, 32, 0, 1, 1], [32, 32, 64, 0, 1, 1], [64, 64, 67, 1, 1, 1], [64, 67, 96, 0, 2, 2], [96, 96, 128, 1, 2, 2]]> : tensor<6x6xi32>
// CHECK: gpu.launch
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c6{{.*}} step %c1{{.*}} iter_args({{.*}}) -> (vector<2x2xi32>, vector<2x2xi32>, vector<2x2xi32>, vector<2x2xi32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// CHECK: vector.load {{.*}} {alignment = 2 : i64} : memref<?x64xi8>, vector<2xi8>
// CHECK: arith.xori
// CHECK: arith.subi
// CHECK: vector.from_elements
// CHECK: arith.select
// CHECK-COUNT-4: nvgpu.mma.sync
// CHECK: scf.if
// CHECK: arith.sitofp
// CHECK: arith.addf
!qa = !lowbit.qtensor<?x128, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [3, 64, 61]>>>
!qw = !lowbit.qtensor<32x128, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [3, 64, 61], per_slice>>>
func.func @w4a4_clusters(%a: !qa, %sa: tensor<1x3xf32>, %w: !qw, %sw: tensor<32x3xf32>) -> tensor<?x32xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<1x3xf32>), %w scale(%sw : tensor<32x3xf32>) transpose_rhs acc(i32)
      : !qa, !qw -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// W4A16 GEMM with f16 activations: groups of 64 in an outer loop, steps of
// 16 inside with four m16n8k16 MMAs (f16 fragments, f32 accumulators); the
// codes of one weight byte become an f16 pair; each group's sums are scaled
// once.
// CHECK-LABEL: func.func @w4a16_gemm
// CHECK: gpu.launch
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c4{{.*}} step %c1{{.*}} iter_args
// CHECK: scf.for %{{.*}} = %c0{{.*}} to %c64{{.*}} step %c16{{.*}} iter_args
// CHECK: vector.load {{.*}} {alignment = 4 : i64} : memref<20x256xf16>, vector<2xf16>
// CHECK: arith.sitofp {{.*}} : i32 to f16
// CHECK-COUNT-4: nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK: memref.load %{{.*}} : memref<100x4xf32>
// CHECK: arith.mulf
// CHECK: arith.addf
!w16 = !lowbit.qtensor<100x256, #lowbit.scheme<i4, per_group<axis = 1, size = 64>>>
func.func @w4a16_gemm(%a: tensor<20x256xf16>, %w: !w16, %s: tensor<100x4xf32>) -> tensor<20x100xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<100x4xf32>) transpose_rhs acc(f32)
      : tensor<20x256xf16>, !w16 -> tensor<20x100xf32>
  return %y : tensor<20x100xf32>
}

// -----

// Not served by a GPU kernel yet: groups of 16 (less than one lane's 32
// codes), 8-bit weight-only codes. Left for the generic lowering.
// CHECK-LABEL: func.func @generic
// CHECK-NOT: gpu.launch
// CHECK-COUNT-2: lowbit.matmul
!g16 = !lowbit.qtensor<64x256, #lowbit.scheme<i4, per_group<axis = 1, size = 16>>>
!w8 = !lowbit.qtensor<64x256, #lowbit.scheme<i8, per_axis<0>>>
func.func @generic(%a1: tensor<1x256xf32>, %w: !g16, %s: tensor<64x16xf32>,
                   %w8: !w8, %s8: tensor<64x1xf32>) -> (tensor<1x64xf32>, tensor<1x64xf32>) {
  %y = lowbit.matmul %a1, %w scale(%s : tensor<64x16xf32>) transpose_rhs acc(f32)
      : tensor<1x256xf32>, !g16 -> tensor<1x64xf32>
  %z = lowbit.matmul %a1, %w8 scale(%s8 : tensor<64x1xf32>) transpose_rhs acc(f32)
      : tensor<1x256xf32>, !w8 -> tensor<1x64xf32>
  return %y, %z : tensor<1x64xf32>, tensor<1x64xf32>
}

// -----

// More than 8 rows (here a dynamic M): the GEMV kernel in blocks of 8 rows
// along the grid's y dimension; rows past M read row M - 1 and are not
// written.
// CHECK-LABEL: func.func @gemv_rows
// CHECK: %[[M:.*]] = memref.dim %{{.*}}, %c0 : memref<?x256xf32>
// CHECK: %[[OUT:.*]] = memref.alloc(%[[M]]) : memref<?x64xf32>
// CHECK: %[[Y:.*]] = arith.divui %{{.*}}, %c8
// CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c16{{.*}}, {{.*}} = %[[Y]], {{.*}} = %c1{{.*}})
// CHECK-COUNT-8: arith.minui
// CHECK: scf.for {{.*}} -> (f32, f32, f32, f32, f32, f32, f32, f32)
// CHECK: scf.if
// CHECK: memref.store {{.*}}, %[[OUT]]
!w4r = !lowbit.qtensor<64x256, #lowbit.scheme<i4, per_axis<0>>>
func.func @gemv_rows(%a: tensor<?x256xf32>, %w: !w4r, %s: tensor<64x1xf32>) -> tensor<?x64xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<64x1xf32>) transpose_rhs acc(f32)
      : tensor<?x256xf32>, !w4r -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
