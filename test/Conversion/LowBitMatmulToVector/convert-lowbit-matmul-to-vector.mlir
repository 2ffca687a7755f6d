// Structure of the vector lowering of lowbit.matmul; its numerics are checked
// against the reference lowering in test/Integration/MatmulVector.
// RUN: quant-opt %s -split-input-file --convert-lowbit-matmul-to-vector=vnni=true | FileCheck %s
// RUN: quant-opt %s -split-input-file --convert-lowbit-matmul-to-vector | FileCheck %s --check-prefix=GENERIC
// RUN: quant-opt %s -split-input-file --convert-lowbit-matmul-to-vector=avx512=true | FileCheck %s --check-prefix=AVX512
// RUN: quant-opt %s -split-input-file --convert-lowbit-matmul-to-vector="avx512=true bf16=true" | FileCheck %s --check-prefix=BF16
// RUN: quant-opt %s -split-input-file --convert-lowbit-matmul-to-vector="vnni=true parallel-chunks=2" | FileCheck %s --check-prefix=PARALLEL

// W4A16 GEMV: the packed codes are read 16 bytes at a time and unpacked in
// registers (sign-extend, shifts, convert) against the even/odd halves of
// the activations; no dequantized [N, K] f32 weight tensor exists.
// CHECK-LABEL: func.func @w4_gemv
// CHECK-SAME: (%[[A:.*]]: tensor<1x256xf32>, %[[W:.*]]: !lowbit.qtensor<64x256, {{.*}}>, %[[S:.*]]: tensor<64x2xf32>)
// CHECK-NOT: tensor<64x256xf32>
// CHECK: %[[CODES:.*]] = builtin.unrealized_conversion_cast %[[W]] {{.*}} to tensor<64x128xi8>
// CHECK: tensor.expand_shape %[[A]] {{.*}} into tensor<1x128x2xf32>
// CHECK: %[[EO:.*]] = linalg.transpose {{.*}} outs({{.*}} : tensor<1x2x128xf32>) permutation = [0, 2, 1]
// CHECK: %[[BUF:.*]] = bufferization.to_buffer %[[CODES]] read_only : tensor<64x128xi8> to memref<64x128xi8>
// CHECK: scf.for
// CHECK: scf.for
// Codes of the group 4 rows ahead in each row stream are prefetched.
// CHECK: memref.prefetch %[[BUF]]
// CHECK: vector.transfer_read %[[EO]]{{.*}} : tensor<1x2x128xf32>, vector<16xf32>
// CHECK: %[[BYTES:.*]] = vector.transfer_read %[[CODES]]{{.*}} : tensor<64x128xi8>, vector<16xi8>
// CHECK: %[[WORDS:.*]] = arith.extsi %[[BYTES]] : vector<16xi8> to vector<16xi32>
// CHECK: arith.shrsi %[[WORDS]]
// CHECK: arith.shli %[[WORDS]]
// CHECK: arith.sitofp {{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: vector.fma
// Scaled once per group of 128, reduced once per output.
// CHECK: tensor.extract %[[S]]
// CHECK: vector.broadcast
// CHECK: vector.fma
// CHECK: vector.reduction <add>
// CHECK: tensor.insert
// CHECK-NOT: lowbit.matmul
// CHECK-NOT: linalg.generic
// CHECK-NOT: tensor<64x256xf32>
// CHECK: return
// With AVX-512 and groups of 128k codes, a weight row is read 64 bytes at
// a time as 16 dwords of 8 nibbles: nibble t of every dword is brought to
// the low bits by one shift and looked up in a 16-entry table of the code
// values (vpermps), against plane t of the activations [M, K/128, 8, 16].
// Even and odd planes sum into separate accumulators, added once per group.
// AVX512-LABEL: func.func @w4_gemv
// AVX512: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] {{.*}} into tensor<1x2x16x8xf32>
// AVX512: %[[P:.*]] = linalg.transpose {{.*}} outs({{.*}} : tensor<1x2x8x16xf32>) permutation = [0, 1, 3, 2]
// A GEMV tile n0 (0 <= n0 < N/4) reads rows n0, n0 + 16, n0 + 32, n0 + 48:
// four sequential row streams, each prefetched 2 KiB further along the
// stream (rows of 128 bytes are contiguous: row + (byte + 2048) / 128,
// column (byte + 2048) % 128, the row clamped to the last).
// AVX512: %[[QUARTER:.*]] = arith.constant 16 : index
// AVX512: scf.for %[[N0:.*]] = %{{.*}} to %[[QUARTER]] step
// AVX512: %[[AHEAD:.*]] = arith.addi %{{.*}}, %c2048{{.*}} : index
// AVX512: %[[ROWS:.*]] = arith.divui %[[AHEAD]], %c128{{.*}} : index
// AVX512: %[[ROW:.*]] = arith.addi %[[N0]], %[[ROWS]] : index
// AVX512: %[[COL:.*]] = arith.remui %[[AHEAD]], %c128{{.*}} : index
// AVX512: %[[LAST:.*]] = arith.minui %[[ROW]], %c63{{.*}} : index
// AVX512: memref.prefetch %{{.*}}[%[[LAST]], %[[COL]]]
// AVX512: arith.addi %[[N0]], %c16{{.*}} : index
// AVX512: memref.prefetch
// AVX512: arith.addi %[[N0]], %c32{{.*}} : index
// AVX512: memref.prefetch
// AVX512: arith.addi %[[N0]], %c48{{.*}} : index
// AVX512: memref.prefetch
// AVX512: arith.constant dense<[0.000000e+00, 1.000000e+00, {{.*}}, 7.000000e+00, -8.000000e+00, {{.*}}, -1.000000e+00]> : vector<16xf32>
// AVX512: %[[B:.*]] = vector.transfer_read {{.*}} : tensor<64x128xi8>, vector<64xi8>
// AVX512: %[[X:.*]] = vector.bitcast %[[B]] : vector<64xi8> to vector<16xi32>
// AVX512: %[[C4:.*]] = arith.constant dense<4> : vector<16xi32>
// AVX512: %[[HI:.*]] = arith.shrui %[[X]], %[[C4]]
// AVX512: arith.shrui %[[X]]
// AVX512: vector.transfer_read %[[P]]{{.*}} : tensor<1x2x8x16xf32>, vector<16xf32>
// AVX512: %[[W0:.*]] = lowbit_x86.permps {{.*}}, %[[X]]
// AVX512: vector.fma {{.*}}, %[[W0]]
// AVX512: %[[W1:.*]] = lowbit_x86.permps {{.*}}, %[[HI]]
// AVX512: vector.fma {{.*}}, %[[W1]]
// AVX512: arith.addf {{.*}} : vector<16xf32>
// AVX512: tensor.extract
// AVX512: vector.fma
// AVX512: vector.reduction <add>
!w4 = !lowbit.qtensor<64x256, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>>
func.func @w4_gemv(%a: tensor<1x256xf32>, %w: !w4, %s: tensor<64x2xf32>) -> tensor<1x64xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<64x2xf32>) transpose_rhs acc(f32)
      : tensor<1x256xf32>, !w4 -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// -----

// Unsigned 4-bit codes: mask and logical shift instead of sign extension.
// CHECK-LABEL: func.func @u4_gemm
// CHECK: arith.extui {{.*}} : vector<16xi8> to vector<16xi32>
// CHECK: arith.shrui
// CHECK: arith.andi
// CHECK: arith.uitofp
// CHECK-NOT: lowbit.matmul
// With AVX-512 but groups of 32, 16 bytes at a time are widened to i32 and
// both nibbles looked up (the high one after a shift).
// AVX512-LABEL: func.func @u4_gemm
// AVX512: arith.constant dense<[0.000000e+00, 1.000000e+00, {{.*}}, 1.500000e+01]> : vector<16xf32>
// AVX512: %[[B:.*]] = vector.transfer_read {{.*}} : tensor<16x32xi8>, vector<16xi8>
// AVX512: %[[X:.*]] = arith.extui %[[B]] : vector<16xi8> to vector<16xi32>
// AVX512: lowbit_x86.permps {{.*}}, %[[X]]
// AVX512: %[[HI:.*]] = arith.shrui %[[X]]
// AVX512: lowbit_x86.permps {{.*}}, %[[HI]]
// AVX512: vector.fma
!u4 = !lowbit.qtensor<16x64, #lowbit.scheme<ui4, per_group<axis = 1, size = 32>>>
func.func @u4_gemm(%a: tensor<?x64xf32>, %w: !u4, %s: tensor<16x2xf32>) -> tensor<?x16xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<16x2xf32>) transpose_rhs acc(f32)
      : tensor<?x64xf32>, !u4 -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// W8A16 per-channel with a ragged K: full 16-byte chunks in bounds, then
// one zero-padded tail read.
// CHECK-LABEL: func.func @w8_ragged_k
// CHECK: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<3x40xf32>, vector<16xf32>
// CHECK: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<5x40xi8>, vector<16xi8>
// CHECK: vector.transfer_read {{[^{]*}} : tensor<3x40xf32>, vector<16xf32>
// CHECK: vector.transfer_read {{[^{]*}} : tensor<5x40xi8>, vector<16xi8>
// CHECK-NOT: lowbit.matmul
!w8 = !lowbit.qtensor<5x40, #lowbit.scheme<i8, per_axis<0>>>
func.func @w8_ragged_k(%a: tensor<3x40xf32>, %w: !w8, %s: tensor<5x1xf32>) -> tensor<3x5xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<5x1xf32>) transpose_rhs acc(f32)
      : tensor<3x40xf32>, !w8 -> tensor<3x5xf32>
  return %y : tensor<3x5xf32>
}

// -----

// W8A8: 64 codes per VNNI dot product, weights biased to unsigned bytes in
// registers (xor 0x80), the bias removed with the activation row sums, the
// scales applied once after the K loop.
// CHECK-LABEL: func.func @w8a8
// CHECK-DAG: %[[A:.*]] = builtin.unrealized_conversion_cast %arg0 {{.*}} to tensor<?x128xi8>
// CHECK-DAG: %[[W:.*]] = builtin.unrealized_conversion_cast %arg2 {{.*}} to tensor<32x128xi8>
// CHECK: scf.for
// Row sums for the bias.
// CHECK: lowbit_x86.vpdpbusd
// CHECK: vector.reduction <add>
// CHECK: scf.for
// CHECK: vector.transfer_read %[[A]]{{.*}} : tensor<?x128xi8>, vector<64xi8>
// CHECK: vector.transfer_read %[[W]]{{.*}} : tensor<32x128xi8>, vector<64xi8>
// CHECK: arith.xori
// CHECK: lowbit_x86.vpdpbusd
// CHECK: vector.reduction <add>, {{.*}} : vector<16xi32> into i32
// CHECK: arith.subi
// CHECK: arith.sitofp {{.*}} : i32 to f32
// CHECK: arith.mulf
// CHECK: arith.mulf
// CHECK: arith.addf
// CHECK-NOT: lowbit.matmul
// Without VNNI: i8 -> i32 extends, multiplies and adds.
// GENERIC-LABEL: func.func @w8a8
// GENERIC-NOT: lowbit_x86
// GENERIC: arith.extsi {{.*}} : vector<16xi8> to vector<16xi32>
// GENERIC: arith.muli {{.*}} : vector<16xi32>
// GENERIC: arith.addi {{.*}} : vector<16xi32>
// GENERIC-NOT: lowbit_x86
// GENERIC: vector.reduction <add>
!qa = !lowbit.qtensor<?x128, #lowbit.scheme<i8, per_axis<0>, dynamic>>
!qw = !lowbit.qtensor<32x128, #lowbit.scheme<i8, per_axis<0>, narrow>>
func.func @w8a8(%a: !qa, %sa: tensor<?x1xf32>, %w: !qw, %sw: tensor<32x1xf32>) -> tensor<?x32xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<?x1xf32>), %w scale(%sw : tensor<32x1xf32>) transpose_rhs acc(i32)
      : !qa, !qw -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// bf16 activations (W4A16 in the strict sense) with avx512 and bf16: the
// 64-byte block is read as 32 words of 4 nibbles; nibble t of every word is
// shifted down and looked up in a 32-entry bf16 table (vpermw reads 5 index
// bits, so the table holds each code value twice), and vdpbf16ps adds the
// products of two codes per f32 lane, against plane t of the activations
// [M, K/128, 4, 32]. Without the bf16 option, or with groups that are not
// whole 64-byte blocks, bf16 activations are widened to f32 once (exact)
// for the f32 kernels.
// CHECK-LABEL: func.func @w4_bf16_gemv
// CHECK: linalg.generic {{.*}} ins(%{{.*}} : tensor<1x256xbf16>) outs(%{{.*}} : tensor<1x256xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.*]]: bf16, %{{.*}}: f32):
// CHECK-NEXT: %[[WIDE:.*]] = arith.extf %[[IN]] : bf16 to f32
// CHECK-NEXT: linalg.yield %[[WIDE]] : f32
// CHECK-NOT: lowbit.matmul
// CHECK: return
// CHECK-LABEL: func.func @w4_bf16_g64
// CHECK: arith.extf {{.*}} : bf16 to f32
// CHECK-NOT: lowbit.matmul
// CHECK: return
// The bf16 GEMV reads three row streams (tiles of rows n0, n0 + 21,
// n0 + 42 for n0 < 64 / 3; row 63 in a one-row tile), the others four.
// BF16-LABEL: func.func @w4_bf16_gemv
// BF16: tensor.expand_shape %{{.*}} {{\[\[}}0], [1, 2, 3]] {{.*}} into tensor<1x2x32x4xbf16>
// BF16: %[[P:.*]] = linalg.transpose {{.*}} outs({{.*}} : tensor<1x2x4x32xbf16>) permutation = [0, 1, 3, 2]
// BF16: %[[C21:.*]] = arith.constant 21 : index
// BF16-NEXT: scf.for %{{.*}} = %{{.*}} to %[[C21]] step
// BF16: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>) {
// BF16: %[[T:.*]] = arith.constant dense<[0, 16256, 16384, 16448, 16512, 16544, 16576, 16608, -16128, -16160, -16192, -16224, -16256, -16320, -16384, -16512, 0, 16256, {{.*}}]> : vector<32xi16>
// BF16: %[[B:.*]] = vector.transfer_read {{.*}} : tensor<64x128xi8>, vector<64xi8>
// BF16: %[[X:.*]] = vector.bitcast %[[B]] : vector<64xi8> to vector<32xi16>
// BF16: %[[C4:.*]] = arith.constant dense<4> : vector<32xi16>
// BF16: %[[HI:.*]] = arith.shrui %[[X]], %[[C4]]
// BF16: %[[A0:.*]] = vector.transfer_read %[[P]]{{.*}} : tensor<1x2x4x32xbf16>, vector<32xbf16>
// BF16: %[[I0:.*]] = lowbit_x86.permw %[[T]], %[[X]]
// BF16: %[[W0:.*]] = vector.bitcast %[[I0]] : vector<32xi16> to vector<32xbf16>
// BF16: x86vector.avx512.dot {{.*}}, %[[A0]], %[[W0]] : vector<32xbf16> -> vector<16xf32>
// BF16: lowbit_x86.permw %[[T]], %[[HI]]
// BF16: x86vector.avx512.dot
// BF16: arith.addf {{.*}} : vector<16xf32>
// BF16: vector.fma
// BF16: vector.reduction <add>
// BF16-LABEL: func.func @w4_bf16_g64
// BF16: arith.extf {{.*}} : bf16 to f32
// BF16-NOT: lowbit.matmul
// BF16: return
!w4 = !lowbit.qtensor<64x256, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>>
!w4g64 = !lowbit.qtensor<64x256, #lowbit.scheme<i4, per_group<axis = 1, size = 64>>>
func.func @w4_bf16_gemv(%a: tensor<1x256xbf16>, %w: !w4, %s: tensor<64x2xf32>,
                        %w64: !w4g64, %s64: tensor<64x4xf32>) -> (tensor<1x64xf32>, tensor<1x64xf32>) {
  %y = lowbit.matmul %a, %w scale(%s : tensor<64x2xf32>) transpose_rhs acc(f32)
      : tensor<1x256xbf16>, !w4 -> tensor<1x64xf32>
  %z = func.call @w4_bf16_g64(%a, %w64, %s64) : (tensor<1x256xbf16>, !w4g64, tensor<64x4xf32>) -> tensor<1x64xf32>
  return %y, %z : tensor<1x64xf32>, tensor<1x64xf32>
}
func.func @w4_bf16_g64(%a: tensor<1x256xbf16>, %w: !w4g64, %s: tensor<64x4xf32>) -> tensor<1x64xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<64x4xf32>) transpose_rhs acc(f32)
      : tensor<1x256xbf16>, !w4g64 -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}

// -----

// W4A4 with RPTQ clusters. Once: the activation nibbles unpacked to signed
// bytes [M, 128 + 64] (zero padding written at 128), and the table [M, 3]
// of 8 * (activation sum) per row and segment (the K segments are the
// clusters [0, 3), [3, 67), [67, 128), read from constant tables). Per 4 x 4
// tile and segment: 64 codes per step from the even-aligned segment start,
// in-bounds steps then a checked one, activations masked to the segment
// (64-bit lane mask), weight nibbles interleaved to bytes and biased by 8
// (xor) for vpdpbusd; then the 16 sums in one vector (shuffle tree), the
// activation bias subtracted, and float(sum) * (sa * sw) added to 16 f32
// results at once (activation scales [1, C], weight scales [N, C]).
// CHECK-LABEL: func.func @w4a4_clusters
// CHECK-DAG: %[[A:.*]] = builtin.unrealized_conversion_cast %arg0 {{.*}} to tensor<?x64xi8>
// CHECK-DAG: %[[W:.*]] = builtin.unrealized_conversion_cast %arg2 {{.*}} to tensor<32x64xi8>
// CHECK-DAG: %[[BOUNDS:.*]] = arith.constant dense<[0, 3, 67, 128]> : tensor<4xi32>
// CHECK-DAG: %[[COLUMNS:.*]] = arith.constant dense<[0, 1, 2]> : tensor<3xi32>
// CHECK: vector.transfer_write {{.*}}[%{{.*}}, %c128] {in_bounds = [true]} : vector<64xi8>, tensor<?x192xi8>
// CHECK: vector.transfer_read %[[A]]{{.*}} : tensor<?x64xi8>, vector<32xi8>
// CHECK: vector.shuffle {{.*}} [0, 32, 1, 33, 2, 34
// CHECK: vector.transfer_write {{.*}} : vector<64xi8>, tensor<?x192xi8>
// CHECK: vector.bitcast {{.*}} : vector<1xi64> to vector<64xi1>
// CHECK: lowbit_x86.vpdpbusd
// CHECK: tensor.insert {{.*}} : tensor<?x3xi32>
// CHECK: scf.for %[[SEG:[a-z0-9_]+]] = {{.*}} -> (vector<16xf32>)
// CHECK: tensor.extract %[[BOUNDS]][%[[SEG]]]
// CHECK: scf.for {{.*}} -> (vector<16xi32>,
// CHECK: vector.bitcast {{.*}} : vector<1xi64> to vector<64xi1>
// CHECK: vector.transfer_read {{.*}} {in_bounds = [true]} : tensor<?x192xi8>, vector<64xi8>
// CHECK: arith.select {{.*}} : vector<64xi1>, vector<64xi8>
// CHECK: vector.transfer_read %[[W]]{{.*}} {in_bounds = [true]} : tensor<32x64xi8>, vector<32xi8>
// CHECK: arith.xori
// CHECK-COUNT-4: lowbit_x86.vpdpbusd
// CHECK: scf.for {{.*}} -> (vector<16xi32>,
// CHECK: vector.transfer_read %[[W]]{{.*}} : tensor<32x64xi8>, vector<32xi8>
// CHECK: tensor.extract %[[COLUMNS]][%[[SEG]]]
// CHECK: vector.shuffle {{.*}} : vector<16xi32>, vector<16xi32>
// CHECK: arith.addi {{.*}} : vector<16xi32>
// CHECK: arith.subi {{.*}} : vector<16xi32>
// CHECK: arith.sitofp {{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.mulf {{.*}} : vector<16xf32>
// CHECK: arith.addf {{.*}} : vector<16xf32>
// CHECK-NOT: lowbit.matmul
// GENERIC-LABEL: func.func @w4a4_clusters
// GENERIC-NOT: lowbit_x86
// GENERIC: arith.muli {{.*}} : vector<64xi32>
// GENERIC-NOT: lowbit_x86
// GENERIC: vector.reduction <add>, {{.*}} : vector<64xi32> into i32
!qa = !lowbit.qtensor<?x128, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [3, 64, 61]>>>
!qw = !lowbit.qtensor<32x128, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [3, 64, 61], per_slice>>>
func.func @w4a4_clusters(%a: !qa, %sa: tensor<1x3xf32>, %w: !qw, %sw: tensor<32x3xf32>) -> tensor<?x32xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<1x3xf32>), %w scale(%sw : tensor<32x3xf32>) transpose_rhs acc(i32)
      : !qa, !qw -> tensor<?x32xf32>
  return %y : tensor<?x32xf32>
}

// -----

// Asymmetric ui4 activations: zin = clamp(za, -112, 120) is subtracted
// from every code while unpacking (an i8 table of each activation's zin,
// built once), which is exact in a byte. Only zero points outside that
// range (zout = za - zin != 0) need each weight row's sum over each segment
// ([N, S], computed only then, under scf.if); every 4 x 4 tile subtracts
// zout x weight sum from its segment sums (wrapping i32, as the reference's
// sum of (code - zero point) x weight) before scaling.
// CHECK-LABEL: func.func @w4a4_zero_points
// CHECK-SAME: %[[ZA:[a-z0-9]+]]: tensor<?x1xi32>
// CHECK: %[[ZIN:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<?x192xi8>)
// CHECK: %[[Z:.*]] = tensor.extract %[[ZA]]
// CHECK: %[[LO:.*]] = arith.maxsi %[[Z]], %{{.*}} : i32
// CHECK: arith.minsi %[[LO]], %{{.*}} : i32
// CHECK: %[[CODES:.*]] = vector.shuffle
// CHECK: %[[ROWZIN:.*]] = vector.transfer_read %[[ZIN]]
// CHECK: arith.subi %[[CODES]], %[[ROWZIN]] : vector<64xi8>
// CHECK: %[[WS:.*]] = scf.if %{{.*}} -> (tensor<16x2xi32>)
// CHECK: vector.reduction <add>, %{{.*}} : vector<16xi32> into i32
// CHECK: } else {
// CHECK: linalg.fill ins(%{{.*}} : i32) outs(%{{.*}} : tensor<16x2xi32>)
// CHECK: tensor.extract %[[ZA]][%{{.*}}, %{{.*}}] : tensor<?x1xi32>
// CHECK: tensor.extract %[[WS]][%{{.*}}, %{{.*}}] : tensor<16x2xi32>
// CHECK: %[[BIASED:.*]] = arith.subi %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: %[[CORR:.*]] = arith.muli %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: arith.subi %[[BIASED]], %[[CORR]] : vector<16xi32>
// CHECK-NOT: lowbit.matmul
// CHECK: return
!qz = !lowbit.qtensor<?x128, #lowbit.scheme<ui4, per_axis<0>, asymmetric>>
!qw16 = !lowbit.qtensor<16x128, #lowbit.scheme<i4, per_group<axis = 1, size = 64>>>
func.func @w4a4_zero_points(%a: !qz, %sa: tensor<?x1xf32>, %za: tensor<?x1xi32>, %w: !qw16, %sw: tensor<16x2xf32>) -> tensor<?x16xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<?x1xf32>) zero_point(%za : tensor<?x1xi32>), %w scale(%sw : tensor<16x2xf32>) transpose_rhs acc(i32)
      : !qz, !qw16 -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// Asymmetric ui8 activations (W8A8 with per-token zero points) take the
// same kernel: the codes are centred to signed bytes while unpacking (top
// bit flipped: minus 128, no zin table), and the rest of every zero point
// (za - 128) takes the weight sums, under the same scf.if.
// CHECK-LABEL: func.func @w8a8_zero_points
// CHECK-NOT: linalg.generic
// CHECK: %[[FLIP:.*]] = arith.constant dense<-128> : vector<64xi8>
// CHECK: arith.xori %{{.*}}, %[[FLIP]] : vector<64xi8>
// CHECK: %[[WS:.*]] = scf.if %{{.*}} -> (tensor<16x1xi32>)
// CHECK: } else {
// CHECK: tensor.extract %[[WS]][%{{.*}}, %{{.*}}] : tensor<16x1xi32>
// CHECK: %[[CORR:.*]] = arith.muli %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: arith.subi %{{.*}}, %[[CORR]] : vector<16xi32>
// CHECK-NOT: lowbit.matmul
// CHECK: return
!qu8 = !lowbit.qtensor<?x128, #lowbit.scheme<ui8, per_axis<0>, asymmetric>>
!qw8 = !lowbit.qtensor<16x128, #lowbit.scheme<i8, per_axis<0>>>
func.func @w8a8_zero_points(%a: !qu8, %sa: tensor<?x1xf32>, %za: tensor<?x1xi32>, %w: !qw8, %sw: tensor<16x1xf32>) -> tensor<?x16xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<?x1xf32>) zero_point(%za : tensor<?x1xi32>), %w scale(%sw : tensor<16x1xf32>) transpose_rhs acc(i32)
      : !qu8, !qw8 -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// With a static M of at most 8 the tiles sum their weight rows themselves
// (one more vpdpbusd per row and step, biased weights against ones; the
// bias times the segment length comes off): no weight-sum table, no
// second pass over the weights. The GEMV's tiles then hold 8 outputs, not
// 16 (8 accumulators for the outputs and 8 for the sums fit the registers).
// CHECK-LABEL: func.func @w8a8_zero_points_gemv
// CHECK-NOT: scf.if
// CHECK: %[[C8:.*]] = arith.constant 8 : index
// CHECK: scf.for %{{.*}} = %{{.*}} to %{{.*}} step %[[C8]]
// CHECK: %[[ONES:.*]] = arith.constant dense<1> : vector<64xi8>
// CHECK-NEXT: lowbit_x86.vpdpbusd %{{.*}}, %{{.*}}, %[[ONES]]
// CHECK: %[[LEN:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK-NEXT: %[[BIAS:.*]] = arith.constant 128 : i32
// CHECK-NEXT: %[[LENGTHBIAS:.*]] = arith.muli %[[LEN]], %[[BIAS]] : i32
// CHECK-NEXT: arith.subi %{{.*}}, %[[LENGTHBIAS]] : i32
// CHECK-NOT: lowbit.matmul
// CHECK: return
!qu8g = !lowbit.qtensor<1x128, #lowbit.scheme<ui8, per_axis<0>, asymmetric>>
!qw8g = !lowbit.qtensor<16x128, #lowbit.scheme<i8, per_axis<0>>>
func.func @w8a8_zero_points_gemv(%a: !qu8g, %sa: tensor<1x1xf32>, %za: tensor<1x1xi32>, %w: !qw8g, %sw: tensor<16x1xf32>) -> tensor<1x16xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<1x1xf32>) zero_point(%za : tensor<1x1xi32>), %w scale(%sw : tensor<16x1xf32>) transpose_rhs acc(i32)
      : !qu8g, !qw8g -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// -----

// Asymmetric weights in an integer matmul: unsigned codes go into vpdpbusd
// as read (no bias, so no xor and no bias table); a table [M, S] of the
// activation rows' segment sums (vpdpbusd against ones) is built once, and
// every tile subtracts weight zero point x activation sum per segment.
// With zero points on both operands (ui8 activations, ui4 weights), each
// 4 x 4 tile subtracts zw x activation sum and zout x weight sum (zout =
// za - 128, the part not removed by centring the codes) and adds back the
// cross term zout x zw x segment length, 16 outputs at once.
// CHECK-LABEL: func.func @weight_zero_points
// CHECK-SAME: %[[ZW:[a-z0-9]+]]: tensor<16x2xi32>
// CHECK-NOT: arith.xori
// CHECK: %[[ONES:.*]] = arith.constant dense<1> : vector<64xi8>
// CHECK: lowbit_x86.vpdpbusd %{{.*}}, %[[ONES]], %{{.*}}
// CHECK-NOT: arith.xori
// CHECK: tensor.extract %[[ZW]][%{{.*}}, %{{.*}}] : tensor<16x2xi32>
// CHECK: %[[CORR:.*]] = arith.muli %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: arith.subi %{{.*}}, %[[CORR]] : vector<16xi32>
// CHECK-NOT: lowbit.matmul
// CHECK: return
// CHECK-LABEL: func.func @both_zero_points
// CHECK-SAME: (%{{.*}}: !lowbit.qtensor<{{.*}}>, %{{.*}}: tensor<?x1xf32>, %[[ZA:[a-z0-9]+]]: tensor<?x1xi32>, %{{.*}}: !lowbit.qtensor<{{.*}}>, %{{.*}}: tensor<16x2xf32>, %[[ZW:[a-z0-9]+]]: tensor<16x2xi32>)
// CHECK: %[[W0:.*]] = tensor.extract %[[ZW]]
// CHECK: %[[A0:.*]] = tensor.extract %[[ZA]]
// CHECK: %[[ZOUT:.*]] = arith.subi %[[A0]], %{{.*}} : i32
// CHECK: %[[LEN:.*]] = arith.index_cast %{{.*}} : index to i32
// CHECK: vector.from_elements %[[ZOUT]], {{.*}} : vector<4xi32>
// CHECK: vector.from_elements %[[W0]], {{.*}} : vector<4xi32>
// CHECK: %[[ZZ:.*]] = arith.muli %{{.*}}, %{{.*}} : vector<16xi32>
// CHECK: %[[L:.*]] = vector.broadcast %[[LEN]] : i32 to vector<16xi32>
// CHECK: %[[CROSS:.*]] = arith.muli %[[ZZ]], %[[L]] : vector<16xi32>
// CHECK: %[[SUMS:.*]] = arith.addi %{{.*}}, %[[CROSS]] : vector<16xi32>
// CHECK: arith.sitofp %[[SUMS]] : vector<16xi32> to vector<16xf32>
// CHECK-NOT: lowbit.matmul
// CHECK: return
!qa8 = !lowbit.qtensor<?x128, #lowbit.scheme<i8, per_axis<0>>>
!qzw = !lowbit.qtensor<16x128, #lowbit.scheme<ui4, per_group<axis = 1, size = 64>, asymmetric>>
func.func @weight_zero_points(%a: !qa8, %sa: tensor<?x1xf32>, %w: !qzw, %sw: tensor<16x2xf32>, %zw: tensor<16x2xi32>) -> tensor<?x16xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<?x1xf32>), %w scale(%sw : tensor<16x2xf32>) zero_point(%zw : tensor<16x2xi32>) transpose_rhs acc(i32)
      : !qa8, !qzw -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}
!qza = !lowbit.qtensor<?x128, #lowbit.scheme<ui8, per_axis<0>, asymmetric>>
func.func @both_zero_points(%a: !qza, %sa: tensor<?x1xf32>, %za: tensor<?x1xi32>, %w: !qzw, %sw: tensor<16x2xf32>, %zw: tensor<16x2xi32>) -> tensor<?x16xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<?x1xf32>) zero_point(%za : tensor<?x1xi32>), %w scale(%sw : tensor<16x2xf32>) zero_point(%zw : tensor<16x2xi32>) transpose_rhs acc(i32)
      : !qza, !qzw -> tensor<?x16xf32>
  return %y : tensor<?x16xf32>
}

// -----

// 4-bit table formats (NF4, FP4 E2M1) with f32 scales take the same
// kernels with their decode tables (from the numerics library) in vpermps;
// they need avx512. NF4 with bf16 activations takes them too, on
// activations widened to f32 (its levels are not exact in bf16, so the
// vdpbf16ps kernel cannot hold them).
// AVX512-LABEL: func.func @table_formats
// AVX512: arith.constant dense<[-1.000000e+00, -0.6961928, {{.*}}, 1.000000e+00]> : vector<16xf32>
// AVX512: lowbit_x86.permps
// AVX512: arith.constant dense<[0.000000e+00, 5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00, 3.000000e+00, 4.000000e+00, 6.000000e+00, -0.000000e+00, {{.*}}, -6.000000e+00]> : vector<16xf32>
// AVX512: lowbit_x86.permps
// AVX512: arith.extf {{.*}} : bf16 to f32
// AVX512: lowbit_x86.permps
// AVX512-NOT: lowbit.matmul
// AVX512: return
// BF16-LABEL: func.func @table_formats
// BF16: arith.extf {{.*}} : bf16 to f32
// BF16-NOT: lowbit.matmul
// BF16: return
// CHECK-LABEL: func.func @table_formats
// CHECK-COUNT-3: lowbit.matmul
!nf4 = !lowbit.qtensor<8x256, #lowbit.scheme<!lowbit.lut<nf4>, per_group<axis = 1, size = 128>>>
!fp4 = !lowbit.qtensor<8x64, #lowbit.scheme<f4E2M1FN, per_group<axis = 1, size = 32>>>
func.func @table_formats(%a: tensor<2x256xf32>, %w: !nf4, %s: tensor<8x2xf32>, %b: tensor<2x64xf32>,
                         %f: !fp4, %t: tensor<8x2xf32>, %c: tensor<2x256xbf16>)
    -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %y = lowbit.matmul %a, %w scale(%s : tensor<8x2xf32>) transpose_rhs acc(f32) : tensor<2x256xf32>, !nf4 -> tensor<2x8xf32>
  %z = lowbit.matmul %b, %f scale(%t : tensor<8x2xf32>) transpose_rhs acc(f32) : tensor<2x64xf32>, !fp4 -> tensor<2x8xf32>
  %x = lowbit.matmul %c, %w scale(%s : tensor<8x2xf32>) transpose_rhs acc(f32) : tensor<2x256xbf16>, !nf4 -> tensor<2x8xf32>
  return %y, %z, %x : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// MXFP4 weights: the E2M1 table, and each block's f8E8M0FNU scale decoded
// through a 256-entry f32 table (the numerics library's) before use.
// AVX512-LABEL: func.func @mxfp4
// AVX512: arith.constant dense<[0.000000e+00, 5.000000e-01, {{.*}}, -6.000000e+00]> : vector<16xf32>
// AVX512: lowbit_x86.permps
// AVX512: %[[E8M0:.*]] = arith.constant dense<"0x{{[0-9A-F]+}}"> : tensor<256xf32>
// AVX512: %[[S:.*]] = tensor.extract %{{.*}} : tensor<8x2xf8E8M0FNU>
// AVX512: %[[BITS:.*]] = arith.bitcast %[[S]] : f8E8M0FNU to i8
// AVX512: %[[CODE:.*]] = arith.index_castui %[[BITS]] : i8 to index
// AVX512: tensor.extract %[[E8M0]][%[[CODE]]] : tensor<256xf32>
// AVX512-NOT: lowbit.matmul
// AVX512: return
// CHECK-LABEL: func.func @mxfp4
// CHECK: lowbit.matmul
!mx = !lowbit.qtensor<8x64, #lowbit.scheme<mxfp4, axis = 1>>
func.func @mxfp4(%a: tensor<2x64xf32>, %w: !mx, %s: tensor<8x2xf8E8M0FNU>) -> tensor<2x8xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<8x2xf8E8M0FNU>) transpose_rhs acc(f32)
      : tensor<2x64xf32>, !mx -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// MXINT8 weights take the 8-bit integer kernel (sign-extended codes); the
// code step 2^-6 multiplies each block's sums before its decoded
// f8E8M0FNU scale (exact: a power of two; 2^-6 times the scale could
// underflow where the reference does not).
// CHECK-LABEL: func.func @mxint8
// CHECK: %[[CODES:.*]] = arith.extsi %{{.*}} : vector<16xi8> to vector<16xi32>
// CHECK: arith.sitofp %[[CODES]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[E8M0:.*]] = arith.constant dense<"0x{{[0-9A-F]+}}"> : tensor<256xf32>
// CHECK: %[[STEP:.*]] = arith.constant dense<1.562500e-02> : vector<16xf32>
// CHECK: %[[S:.*]] = tensor.extract %{{.*}} : tensor<8x2xf8E8M0FNU>
// CHECK: %[[BITS:.*]] = arith.bitcast %[[S]] : f8E8M0FNU to i8
// CHECK: %[[CODE:.*]] = arith.index_castui %[[BITS]] : i8 to index
// CHECK: %[[SCALE:.*]] = tensor.extract %[[E8M0]][%[[CODE]]] : tensor<256xf32>
// CHECK: %[[WIDE:.*]] = vector.broadcast %[[SCALE]] : f32 to vector<16xf32>
// CHECK: %[[SUMS:.*]] = arith.mulf %{{.*}}, %[[STEP]] : vector<16xf32>
// CHECK: vector.fma %[[SUMS]], %[[WIDE]], %{{.*}} : vector<16xf32>
// CHECK-NOT: lowbit.matmul
// CHECK: return
!mxi = !lowbit.qtensor<8x64, #lowbit.scheme<mxint8, axis = 1>>
func.func @mxint8(%a: tensor<2x64xf32>, %w: !mxi, %s: tensor<8x2xf8E8M0FNU>) -> tensor<2x8xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<8x2xf8E8M0FNU>) transpose_rhs acc(f32)
      : tensor<2x64xf32>, !mxi -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// Asymmetric integer weights: the zero point of the group (i32 grid like the
// scales) is converted once per group and subtracted from every decoded
// weight vector (exact for small integers), before the products.
// CHECK-LABEL: func.func @asymmetric
// CHECK: scf.for %[[G:[a-z0-9_]+]] = {{.*}} -> (vector<16xf32>,
// CHECK: %[[Z:.*]] = tensor.extract %arg3[%{{.*}}, %[[G]]] : tensor<8x2xi32>
// CHECK: %[[ZF:.*]] = arith.sitofp %[[Z]] : i32 to f32
// CHECK: %[[ZV:.*]] = vector.broadcast %[[ZF]] : f32 to vector<16xf32>
// CHECK: arith.uitofp {{.*}} : vector<16xi32> to vector<16xf32>
// CHECK: arith.subf %{{.*}}, %[[ZV]] : vector<16xf32>
// CHECK: vector.fma
// CHECK-NOT: lowbit.matmul
!asym = !lowbit.qtensor<8x64, #lowbit.scheme<ui4, per_group<axis = 1, size = 32>, asymmetric>>
func.func @asymmetric(%a: tensor<2x64xf32>, %w: !asym, %s: tensor<8x2xf32>, %z: tensor<8x2xi32>) -> tensor<2x8xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<8x2xf32>) zero_point(%z : tensor<8x2xi32>) transpose_rhs acc(f32)
      : tensor<2x64xf32>, !asym -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

// FP8 weights (f8E4M3FN, f8E5M2) with f32 scales: 32 codes per load,
// decoded in i16 lanes through f16: E4M3 s.eeee.mmm becomes the f16 bits
// s.0eeee.mmm0000000 (its value times 2^-8; the group's sums are multiplied
// by 256 before the scale), its NaN codes an f16 NaN (0x7E00); an E5M2 code is the top byte of
// its f16. Each half of the 32 is widened to f32 against its 16
// activations.
// CHECK-LABEL: func.func @fp8_weights
// CHECK-NOT: lowbit.matmul
// CHECK: %[[A0:.*]] = vector.transfer_read {{.*}} : tensor<2x128xf32>, vector<16xf32>
// CHECK: %[[A1:.*]] = vector.transfer_read {{.*}} : tensor<2x128xf32>, vector<16xf32>
// CHECK: %[[C:.*]] = vector.transfer_read {{.*}} : tensor<32x128xi8>, vector<32xi8>
// CHECK: %[[WORD:.*]] = arith.extui %[[C]] : vector<32xi8> to vector<32xi16>
// CHECK: %[[SEVEN:.*]] = arith.constant dense<7> : vector<32xi16>
// CHECK: %[[SHIFTED:.*]] = arith.shli %[[WORD]], %[[SEVEN]] : vector<32xi16>
// CHECK: %[[FIELDMASK:.*]] = arith.constant dense<16256> : vector<32xi16>
// CHECK: %[[FIELDS:.*]] = arith.andi %[[SHIFTED]], %[[FIELDMASK]] : vector<32xi16>
// CHECK: %[[SIGN:.*]] = arith.andi %{{.*}}, %{{.*}} : vector<32xi16>
// CHECK: %[[BITS:.*]] = arith.ori %[[FIELDS]], %[[SIGN]] : vector<32xi16>
// CHECK: %[[ISNAN:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : vector<32xi16>
// CHECK: %[[NAN:.*]] = arith.constant dense<32256> : vector<32xi16>
// CHECK: %[[SEL:.*]] = arith.select %[[ISNAN]], %[[NAN]], %[[BITS]] : vector<32xi1>, vector<32xi16>
// CHECK: %[[HALVES:.*]] = arith.bitcast %[[SEL]] : vector<32xi16> to vector<32xf16>
// CHECK: %[[LO:.*]] = vector.extract_strided_slice %[[HALVES]] {offsets = [0], sizes = [16], strides = [1]}
// CHECK: %[[W0:.*]] = arith.extf %[[LO]] : vector<16xf16> to vector<16xf32>
// CHECK: %[[HI:.*]] = vector.extract_strided_slice %[[HALVES]] {offsets = [16], sizes = [16], strides = [1]}
// CHECK: %[[W1:.*]] = arith.extf %[[HI]] : vector<16xf16> to vector<16xf32>
// CHECK: %[[P:.*]] = vector.fma %[[A0]], %[[W0]], %{{.*}} : vector<16xf32>
// CHECK: vector.fma %[[A1]], %[[W1]], %[[P]] : vector<16xf32>
// CHECK: %[[TIMES256:.*]] = arith.constant dense<2.560000e+02> : vector<16xf32>
// CHECK: %[[SUMS:.*]] = arith.mulf %{{.*}}, %[[TIMES256]] : vector<16xf32>
// CHECK: vector.fma %[[SUMS]], %{{.*}}, %{{.*}} : vector<16xf32>
// CHECK-NOT: lowbit.matmul
// CHECK: return
!e4 = !lowbit.qtensor<32x128, #lowbit.scheme<f8E4M3FN, per_axis<0>>>
func.func @fp8_weights(%a: tensor<2x128xf32>, %w: !e4, %s: tensor<32x1xf32>) -> tensor<2x32xf32> {
  %0 = lowbit.matmul %a, %w scale(%s : tensor<32x1xf32>) transpose_rhs acc(f32)
      : tensor<2x128xf32>, !e4 -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}

// -----

// Densely packed codes (here 3 and 6 bits): 32 codes per step from a masked
// load of 16 or 32 bytes at byte k * bits / 8; byte shuffles give every lane
// the bytes holding its code, then a per-lane right shift (bits * j mod 8).
// Integer codes come in i32 lanes and are decoded without conversions:
// (field & 7) ^ (0x4B000000 | 4) is the f32 2^23 + 4 + code, minus 2^23 + 4.
// FP6 E2M3 codes s.ee.mmm (i16 lanes) go into the f16 fields (value times
// 2^-14: the group's sums are multiplied by 2^14), MXFP6 with its E8M0
// block scales.
// With bf16 activations (and AVX512-BF16) the codes' bf16 values are looked
// up instead (vpermw on a 32-entry table for 3-bit codes, vpermi2w on 64
// for 6-bit ones) and multiplied by vdpbf16ps: no decode factor.
// BF16-LABEL: func.func @bit_fields_bf16(
// BF16: lowbit_x86.permw
// BF16: x86vector.avx512.dot
// BF16: lowbit_x86.permi2w
// BF16: x86vector.avx512.dot
// BF16-NOT: 1.638400e+04
// BF16-NOT: lowbit.matmul
// BF16: return
// CHECK-LABEL: func.func @bit_fields(
// CHECK: %[[RAW:.*]] = vector.transfer_read %{{.*}} : tensor<8x96xi8>, vector<16xi8>
// CHECK: %[[LO:.*]] = vector.shuffle %[[RAW]], %[[RAW]] [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 1, 2, 1, 2, {{.*}}] : vector<16xi8>, vector<16xi8>
// CHECK: %[[WORDS:.*]] = vector.bitcast %[[LO]] : vector<64xi8> to vector<16xi32>
// CHECK: %[[SHIFTS:.*]] = arith.constant dense<[0, 3, 6, 1, 4, 7, 2, 5, 0, 3, 6, 1, 4, 7, 2, 5]> : vector<16xi32>
// CHECK: %[[FIELDS:.*]] = arith.shrui %[[WORDS]], %[[SHIFTS]] : vector<16xi32>
// CHECK: %[[SEVEN:.*]] = arith.constant dense<7> : vector<16xi32>
// CHECK: %[[MAGIC:.*]] = arith.constant dense<1258291204> : vector<16xi32>
// CHECK: %[[OFFSET:.*]] = arith.constant dense<0x4B000004> : vector<16xf32>
// CHECK: %[[CODE:.*]] = arith.andi %[[FIELDS]], %[[SEVEN]] : vector<16xi32>
// CHECK: %[[BIASED:.*]] = arith.xori %[[CODE]], %[[MAGIC]] : vector<16xi32>
// CHECK: %[[F:.*]] = arith.bitcast %[[BIASED]] : vector<16xi32> to vector<16xf32>
// CHECK: %[[W:.*]] = arith.subf %[[F]], %[[OFFSET]] : vector<16xf32>
// CHECK: vector.fma %{{.*}}, %[[W]], %{{.*}} : vector<16xf32>
// CHECK: vector.transfer_read %{{.*}} : tensor<8x192xi8>, vector<32xi8>
// CHECK: %[[WORDS6:.*]] = arith.shrui %{{.*}}, %{{.*}} : vector<32xi16>
// CHECK: %[[LOW5:.*]] = arith.andi %[[WORDS6]], %{{.*}} : vector<32xi16>
// CHECK: %[[SEVENSHIFT:.*]] = arith.constant dense<7> : vector<32xi16>
// CHECK: arith.shli %[[LOW5]], %[[SEVENSHIFT]] : vector<32xi16>
// CHECK: arith.bitcast %{{.*}} : vector<32xi16> to vector<32xf16>
// CHECK: arith.extf %{{.*}} : vector<16xf16> to vector<16xf32>
// CHECK: %[[FACTOR:.*]] = arith.constant dense<1.638400e+04> : vector<16xf32>
// CHECK: arith.mulf %{{.*}}, %[[FACTOR]] : vector<16xf32>
// CHECK-NOT: lowbit.matmul
// CHECK: return
!i3 = !lowbit.qtensor<8x256, #lowbit.scheme<i3, per_group<axis = 1, size = 32>>>
!mx6 = !lowbit.qtensor<8x256, #lowbit.scheme<mxfp6_e2m3, axis = 1>>
func.func @bit_fields(%a: tensor<2x256xf32>, %w: !i3, %s: tensor<8x8xf32>, %x: !mx6, %t: tensor<8x8xf8E8M0FNU>)
    -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %y = lowbit.matmul %a, %w scale(%s : tensor<8x8xf32>) transpose_rhs acc(f32) : tensor<2x256xf32>, !i3 -> tensor<2x8xf32>
  %z = lowbit.matmul %a, %x scale(%t : tensor<8x8xf8E8M0FNU>) transpose_rhs acc(f32) : tensor<2x256xf32>, !mx6 -> tensor<2x8xf32>
  return %y, %z : tensor<2x8xf32>, tensor<2x8xf32>
}
func.func @bit_fields_bf16(%a: tensor<2x256xbf16>, %w: !i3, %s: tensor<8x8xf32>, %x: !mx6, %t: tensor<8x8xf8E8M0FNU>)
    -> (tensor<2x8xf32>, tensor<2x8xf32>) {
  %y = lowbit.matmul %a, %w scale(%s : tensor<8x8xf32>) transpose_rhs acc(f32) : tensor<2x256xbf16>, !i3 -> tensor<2x8xf32>
  %z = lowbit.matmul %a, %x scale(%t : tensor<8x8xf8E8M0FNU>) transpose_rhs acc(f32) : tensor<2x256xbf16>, !mx6 -> tensor<2x8xf32>
  return %y, %z : tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// E5M2: one shift, no NaN select, no scale factor.
// CHECK-LABEL: func.func @fp8_e5m2_weights
// CHECK: %[[WORD:.*]] = arith.extui %{{.*}} : vector<32xi8> to vector<32xi16>
// CHECK-NEXT: %[[EIGHT:.*]] = arith.constant dense<8> : vector<32xi16>
// CHECK-NEXT: %[[BITS:.*]] = arith.shli %[[WORD]], %[[EIGHT]] : vector<32xi16>
// CHECK-NEXT: %[[HALVES:.*]] = arith.bitcast %[[BITS]] : vector<32xi16> to vector<32xf16>
// CHECK-NEXT: vector.extract_strided_slice %[[HALVES]]
// CHECK-NOT: arith.mulf
// CHECK-NOT: lowbit.matmul
// CHECK: return
!e5 = !lowbit.qtensor<32x128, #lowbit.scheme<f8E5M2, per_group<axis = 1, size = 64>>>
func.func @fp8_e5m2_weights(%a: tensor<2x128xf32>, %w: !e5, %s: tensor<32x2xf32>) -> tensor<2x32xf32> {
  %0 = lowbit.matmul %a, %w scale(%s : tensor<32x2xf32>) transpose_rhs acc(f32)
      : tensor<2x128xf32>, !e5 -> tensor<2x32xf32>
  return %0 : tensor<2x32xf32>
}

// -----

// NVFP4 (E2M1 codes, an f8E4M3FN scale per 16, an f32 global scale), K not
// a multiple of 256: the 16-byte table kernel, 32 codes per step; each
// decoded vector (lanes 0-7
// from block k/16, 8-15 from block k/16 + 1) is multiplied by the two
// effective scales (table-decoded block scale times the global scale)
// selected per lane, so no per-group scaling follows.
// AVX512-LABEL: func.func @nvfp4
// AVX512-SAME: %[[S:[^:]*]]: tensor<32x8xf8E4M3FN>, %[[G:[^:]*]]: tensor<1x1xf32>
// AVX512: %[[LO:.*]] = lowbit_x86.permps
// AVX512: %[[HI:.*]] = lowbit_x86.permps
// AVX512: %[[GLOBAL:.*]] = tensor.extract %[[G]]
// AVX512: tensor.extract %[[S]]
// AVX512: %[[S0:.*]] = arith.mulf %{{.*}}, %[[GLOBAL]] : f32
// AVX512: tensor.extract %[[S]]
// AVX512: %[[S1:.*]] = arith.mulf %{{.*}}, %[[GLOBAL]] : f32
// AVX512: %[[HALF:.*]] = arith.constant dense<[true, true, true, true, true, true, true, true, false, false, false, false, false, false, false, false]> : vector<16xi1>
// AVX512: %[[LANES:.*]] = arith.select %[[HALF]], %{{.*}}, %{{.*}} : vector<16xi1>, vector<16xf32>
// AVX512: arith.mulf %[[LO]], %[[LANES]] : vector<16xf32>
// AVX512: arith.mulf %[[HI]], %[[LANES]] : vector<16xf32>
// AVX512-NOT: lowbit.matmul
// AVX512: return
!nv = !lowbit.qtensor<32x128, #lowbit.scheme<nvfp4, axis = 1>>
func.func @nvfp4(%a: tensor<1x128xf32>, %w: !nv, %s: tensor<32x8xf8E4M3FN>, %g: tensor<1x1xf32>) -> tensor<1x32xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<32x8xf8E4M3FN>) global_scale(%g : tensor<1x1xf32>) transpose_rhs acc(f32)
      : tensor<1x128xf32>, !nv -> tensor<1x32xf32>
  return %y : tensor<1x32xf32>
}

// -----

// NVFP4 with K a multiple of 256: per 256 codes and weight row, the 16 E4M3
// block scales are read as one vector and decoded like FP8 weights (times
// 256 x the global scale); each 32-code step picks its two block scales
// into lanes 0-7 and 8-15 with one vpermps (index 2c + [0 x 8, 1 x 8]).
// AVX512-LABEL: func.func @nvfp4_blocks
// AVX512-SAME: %[[S:[^:]*]]: tensor<32x16xf8E4M3FN>
// AVX512: %[[CODES:.*]] = vector.transfer_read %[[S]]{{.*}} : tensor<32x16xf8E4M3FN>, vector<16xf8E4M3FN>
// AVX512: %[[BYTES:.*]] = vector.bitcast %[[CODES]] : vector<16xf8E4M3FN> to vector<16xi8>
// AVX512: arith.constant 2.560000e+02 : f32
// AVX512: arith.extui %[[BYTES]] : vector<16xi8> to vector<16xi16>
// AVX512: %[[BLOCKS:.*]] = arith.mulf %{{.*}}, %{{.*}} : vector<16xf32>
// AVX512: %[[PAIR:.*]] = arith.constant dense<[0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]> : vector<16xi32>
// AVX512: %[[INDEX:.*]] = arith.addi %{{.*}}, %[[PAIR]] : vector<16xi32>
// AVX512: %[[LANES:.*]] = lowbit_x86.permps %[[BLOCKS]], %[[INDEX]]
// AVX512: arith.mulf %{{.*}}, %[[LANES]] : vector<16xf32>
// AVX512-NOT: lowbit.matmul
// AVX512: return
!nv = !lowbit.qtensor<32x256, #lowbit.scheme<nvfp4, axis = 1>>
func.func @nvfp4_blocks(%a: tensor<1x256xf32>, %w: !nv, %s: tensor<32x16xf8E4M3FN>, %g: tensor<1x1xf32>) -> tensor<1x32xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<32x16xf8E4M3FN>) global_scale(%g : tensor<1x1xf32>) transpose_rhs acc(f32)
      : tensor<1x256xf32>, !nv -> tensor<1x32xf32>
  return %y : tensor<1x32xf32>
}

// -----

// Everything else is left for the reference lowering: groups that are not
// whole 16-byte loads (16 4-bit codes), weights not stored [N, K], float
// accumulation of W8A8, NF4 codes without avx512, a shorter last group
// (K = 72 in groups of 32).
// CHECK-LABEL: func.func @fallbacks
// CHECK-COUNT-5: lowbit.matmul
// CHECK-NOT: vector.
!g16 = !lowbit.qtensor<8x64, #lowbit.scheme<i4, per_group<axis = 1, size = 16>>>
!kn = !lowbit.qtensor<64x8, #lowbit.scheme<i4, per_group<axis = 0, size = 32>>>
!a8 = !lowbit.qtensor<2x64, #lowbit.scheme<i8, per_axis<0>, dynamic>>
!w8 = !lowbit.qtensor<8x64, #lowbit.scheme<i8, per_axis<0>>>
!nf4 = !lowbit.qtensor<8x64, #lowbit.scheme<!lowbit.lut<nf4>, per_group<axis = 1, size = 32>>>
!short = !lowbit.qtensor<8x72, #lowbit.scheme<i4, per_group<axis = 1, size = 32>>>
func.func @fallbacks(%a: tensor<2x64xf32>, %w0: !g16, %s0: tensor<8x2xf32>, %g0: tensor<8x4xf32>,
                     %w1: !kn, %s1: tensor<2x8xf32>, %qa: !a8, %sa: tensor<2x1xf32>,
                     %w2: !w8, %s2: tensor<8x1xf32>, %w3: !nf4,
                     %b: tensor<2x72xf32>, %w4: !short, %s4: tensor<8x3xf32>)
    -> (tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>) {
  %0 = lowbit.matmul %a, %w0 scale(%g0 : tensor<8x4xf32>) transpose_rhs acc(f32)
      : tensor<2x64xf32>, !g16 -> tensor<2x8xf32>
  %1 = lowbit.matmul %a, %w1 scale(%s1 : tensor<2x8xf32>) acc(f32)
      : tensor<2x64xf32>, !kn -> tensor<2x8xf32>
  %2 = lowbit.matmul %qa scale(%sa : tensor<2x1xf32>), %w2 scale(%s2 : tensor<8x1xf32>) transpose_rhs acc(f32)
      : !a8, !w8 -> tensor<2x8xf32>
  %3 = lowbit.matmul %a, %w3 scale(%s0 : tensor<8x2xf32>) transpose_rhs acc(f32)
      : tensor<2x64xf32>, !nf4 -> tensor<2x8xf32>
  %4 = lowbit.matmul %b, %w4 scale(%s4 : tensor<8x3xf32>) transpose_rhs acc(f32)
      : tensor<2x72xf32>, !short -> tensor<2x8xf32>
  return %0, %1, %2, %3, %4 : tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>, tensor<2x8xf32>
}

// -----

// parallel-chunks=2: the output columns in two chunks, the iterations of one
// scf.forall; each computes its slice of the result (weight rows from
// chunk * N/2, result columns relative to the slice) and inserts it. A GEMV
// chunk keeps the strided row streams (stride N/2/4 = 4 here); the W8A8
// GEMM nest runs per chunk; N = 37 does not split and keeps plain loops.
// CHECK-LABEL: func.func @parallel_chunks
// PARALLEL-LABEL: func.func @parallel_chunks
// PARALLEL: %[[GEMV:.*]] = scf.forall (%[[I:.*]]) in (2) shared_outs(%[[OUT:.*]] = %{{.*}}) -> (tensor<1x32xf32>)
// PARALLEL: %[[BASE:.*]] = arith.muli %[[I]], %[[C16:.*]] : index
// PARALLEL: %[[SLICE:.*]] = tensor.extract_slice %[[OUT]][0, %[[BASE]]] [1, 16] [1, 1] : tensor<1x32xf32> to tensor<1x16xf32>
// PARALLEL: %[[END:.*]] = arith.addi %[[BASE]], %c4{{.*}} : index
// PARALLEL: %[[TILES:.*]] = scf.for %[[N0:.*]] = %[[BASE]] to %[[END]] step %{{.*}} iter_args(%{{.*}} = %[[SLICE]]) -> (tensor<1x16xf32>)
// PARALLEL: %[[COL:.*]] = arith.subi %{{.*}}, %[[BASE]] : index
// PARALLEL: tensor.insert %{{.*}} into %{{.*}}[%{{.*}}, %[[COL]]] : tensor<1x16xf32>
// PARALLEL: scf.forall.in_parallel
// PARALLEL-NEXT: tensor.parallel_insert_slice %{{.*}} into %[[OUT]][0, %[[BASE]]] [1, 16] [1, 1] : tensor<1x16xf32> into tensor<1x32xf32>
// PARALLEL: scf.forall (%{{.*}}) in (2) shared_outs(%{{.*}}) -> (tensor<?x32xf32>)
// PARALLEL: tensor.extract_slice {{.*}} [%{{.*}}, 16] [1, 1] : tensor<?x32xf32> to tensor<?x16xf32>
// PARALLEL: lowbit_x86.vpdpbusd
// PARALLEL: tensor.parallel_insert_slice %{{.*}} : tensor<?x16xf32> into tensor<?x32xf32>
// PARALLEL-NOT: scf.forall
// PARALLEL: return
!w4 = !lowbit.qtensor<32x128, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>>
!qa = !lowbit.qtensor<?x128, #lowbit.scheme<i8, per_axis<0>, dynamic>>
!qw = !lowbit.qtensor<32x128, #lowbit.scheme<i8, per_axis<0>, narrow>>
!odd = !lowbit.qtensor<37x128, #lowbit.scheme<i8, per_axis<0>, narrow>>
func.func @parallel_chunks(%a: tensor<1x128xf32>, %w: !w4, %s: tensor<32x1xf32>,
                           %qa: !qa, %sa: tensor<?x1xf32>, %qw: !qw, %sw: tensor<32x1xf32>,
                           %ow: !odd, %os: tensor<37x1xf32>)
    -> (tensor<1x32xf32>, tensor<?x32xf32>, tensor<?x37xf32>) {
  %0 = lowbit.matmul %a, %w scale(%s : tensor<32x1xf32>) transpose_rhs acc(f32)
      : tensor<1x128xf32>, !w4 -> tensor<1x32xf32>
  %1 = lowbit.matmul %qa scale(%sa : tensor<?x1xf32>), %qw scale(%sw : tensor<32x1xf32>) transpose_rhs acc(i32)
      : !qa, !qw -> tensor<?x32xf32>
  %2 = lowbit.matmul %qa scale(%sa : tensor<?x1xf32>), %ow scale(%os : tensor<37x1xf32>) transpose_rhs acc(i32)
      : !qa, !odd -> tensor<?x37xf32>
  return %0, %1, %2 : tensor<1x32xf32>, tensor<?x32xf32>, tensor<?x37xf32>
}
