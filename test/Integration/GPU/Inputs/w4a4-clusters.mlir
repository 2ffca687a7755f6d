!qa = !lowbit.qtensor<37x256, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [21, 15, 15, 4, 4, 3, 1, 1, 64, 32, 96]>>>
!qw = !lowbit.qtensor<100x256, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [21, 15, 15, 4, 4, 3, 1, 1, 64, 32, 96], per_slice>>>
func.func @main(%a: !qa, %sa: tensor<1x11xf32>, %w: !qw, %sw: tensor<100x11xf32>) -> tensor<37x100xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<1x11xf32>), %w scale(%sw : tensor<100x11xf32>) transpose_rhs acc(i32)
      : !qa, !qw -> tensor<37x100xf32>
  return %y : tensor<37x100xf32>
}
