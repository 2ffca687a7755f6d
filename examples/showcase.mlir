// LowBit showcase: one linear layer of an LLM at several low-bit schemes.
//
//   quant-opt examples/showcase.mlir            prints it back (verified)
//   quant-opt examples/showcase.mlir -canonicalize
//
// Activations x: [tokens, 256]; weight W stored [out, in] = [128, 256].

// Static RPTQ-style activation clusters (after a channel reorder) and
// weights quantized per output row x input cluster.
func.func @w4a4_rptq(%x: tensor<16x256xf32>,
                     %w: !lowbit.qtensor<128x256, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [64, 96, 64, 32], per_slice>>>,
                     %sw: tensor<128x4xf32>) -> tensor<16x128xf32> {
  %obs = lowbit.observe "layer0.fc1.in" %x : tensor<16x256xf32>
  // The channels, grouped by range: this permutation folds into the
  // producer's weights at compile time (RPTQ).
  %perm = lowbit.reorder %obs axis 1 permutation [3, 0, 1, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 126, 127, 128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143, 144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159, 160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175, 176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191, 192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223, 224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239, 240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255] : tensor<16x256xf32>
  %sa = arith.constant dense<[[0.05, 0.11, 0.02, 0.4]]> : tensor<1x4xf32>
  %za = arith.constant dense<[[0, -1, 0, 2]]> : tensor<1x4xi32>
  %qa = lowbit.quantize %perm scale(%sa : tensor<1x4xf32>) zero_point(%za : tensor<1x4xi32>)
      : tensor<16x256xf32> -> !lowbit.qtensor<16x256, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [64, 96, 64, 32]>, asymmetric>>
  %y = lowbit.matmul %qa scale(%sa : tensor<1x4xf32>) zero_point(%za : tensor<1x4xi32>),
                     %w scale(%sw : tensor<128x4xf32>) transpose_rhs acc(i32)
      : !lowbit.qtensor<16x256, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [64, 96, 64, 32]>, asymmetric>>,
        !lowbit.qtensor<128x256, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [64, 96, 64, 32], per_slice>>> -> tensor<16x128xf32>
  return %y : tensor<16x128xf32>
}

// W8A8: dynamic per-token activations x static per-channel weights.
func.func @w8a8(%x: tensor<?x256xf32>,
                %w: !lowbit.qtensor<128x256, #lowbit.scheme<i8, per_axis<0>, narrow>>,
                %sw: tensor<128x1xf32>) -> tensor<?x128xf32> {
  %sa = lowbit.choose_params %x {scheme = #lowbit.scheme<i8, per_axis<0>, narrow, dynamic>} : tensor<?x256xf32> -> tensor<?x1xf32>
  %qa = lowbit.quantize %x scale(%sa : tensor<?x1xf32>) : tensor<?x256xf32> -> !lowbit.qtensor<?x256, #lowbit.scheme<i8, per_axis<0>, narrow, dynamic>>
  %y = lowbit.matmul %qa scale(%sa : tensor<?x1xf32>), %w scale(%sw : tensor<128x1xf32>) transpose_rhs acc(i32)
      : !lowbit.qtensor<?x256, #lowbit.scheme<i8, per_axis<0>, narrow, dynamic>>,
        !lowbit.qtensor<128x256, #lowbit.scheme<i8, per_axis<0>, narrow>> -> tensor<?x128xf32>
  return %y : tensor<?x128xf32>
}

// Weight-only W4A16 with groups of 128 and f16 scales; NF4 and MXFP4 weights.
func.func @weight_only(%x: tensor<1x256xf16>,
                       %w4: !lowbit.qtensor<128x256, #lowbit.scheme<ui4, per_group<axis = 1, size = 128>, asymmetric, scale = f16>>,
                       %s4: tensor<128x2xf16>, %z4: tensor<128x2xi8>,
                       %wnf: !lowbit.qtensor<128x256, #lowbit.scheme<nf4, per_group<axis = 1, size = 64>>>,
                       %snf: tensor<128x4xf32>,
                       %wmx: !lowbit.qtensor<128x256, #lowbit.scheme<mxfp4, axis = 1>>,
                       %smx: tensor<128x8xf8E8M0FNU>) -> (tensor<1x128xf16>, tensor<1x128xf16>, tensor<1x128xf16>) {
  %a = lowbit.matmul %x, %w4 scale(%s4 : tensor<128x2xf16>) zero_point(%z4 : tensor<128x2xi8>) transpose_rhs acc(f32)
      : tensor<1x256xf16>, !lowbit.qtensor<128x256, #lowbit.scheme<ui4, per_group<axis = 1, size = 128>, asymmetric, scale = f16>> -> tensor<1x128xf16>
  %b = lowbit.matmul %x, %wnf scale(%snf : tensor<128x4xf32>) transpose_rhs acc(f32)
      : tensor<1x256xf16>, !lowbit.qtensor<128x256, #lowbit.scheme<nf4, per_group<axis = 1, size = 64>>> -> tensor<1x128xf16>
  %c = lowbit.matmul %x, %wmx scale(%smx : tensor<128x8xf8E8M0FNU>) transpose_rhs acc(f32)
      : tensor<1x256xf16>, !lowbit.qtensor<128x256, #lowbit.scheme<mxfp4, axis = 1>> -> tensor<1x128xf16>
  return %a, %b, %c : tensor<1x128xf16>, tensor<1x128xf16>, tensor<1x128xf16>
}
