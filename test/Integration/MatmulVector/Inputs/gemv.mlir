// A W4A16 GEMV (N = 64, K = 256, groups of 128) for pipeline tests.
!w = !lowbit.qtensor<64x256, #lowbit.scheme<i4, per_group<axis = 1, size = 128>>>
func.func @main(%a: tensor<1x256xf32>, %w: !w, %s: tensor<64x2xf32>) -> tensor<1x64xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<64x2xf32>) transpose_rhs acc(f32)
      : tensor<1x256xf32>, !w -> tensor<1x64xf32>
  return %y : tensor<1x64xf32>
}
