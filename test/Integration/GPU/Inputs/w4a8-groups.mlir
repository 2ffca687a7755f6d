!a = !lowbit.qtensor<20x256, #lowbit.scheme<i8, per_axis<0>>>
!w = !lowbit.qtensor<72x256, #lowbit.scheme<i4, per_group<axis = 1, size = 64>>>
func.func @main(%a: !a, %sa: tensor<20x1xf32>, %w: !w, %sw: tensor<72x4xf32>) -> tensor<20x72xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<20x1xf32>), %w scale(%sw : tensor<72x4xf32>) transpose_rhs acc(i32)
      : !a, !w -> tensor<20x72xf32>
  return %y : tensor<20x72xf32>
}
