!w = !lowbit.qtensor<64x256, #lowbit.scheme<i4, per_axis<0>>>
func.func @main(%a: tensor<?x256xf32>, %w: !w, %s: tensor<64x1xf32>) -> tensor<?x64xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<64x1xf32>) transpose_rhs acc(f32)
      : tensor<?x256xf32>, !w -> tensor<?x64xf32>
  return %y : tensor<?x64xf32>
}
