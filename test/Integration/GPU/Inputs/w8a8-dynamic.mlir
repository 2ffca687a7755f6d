!a = !lowbit.qtensor<?x96, #lowbit.scheme<i8, per_axis<0>>>
!w = !lowbit.qtensor<100x96, #lowbit.scheme<i8, per_axis<0>>>
func.func @main(%a: !a, %sa: tensor<?x1xf32>, %w: !w, %sw: tensor<100x1xf32>) -> tensor<?x100xf32> {
  %y = lowbit.matmul %a scale(%sa : tensor<?x1xf32>), %w scale(%sw : tensor<100x1xf32>) transpose_rhs acc(i32)
      : !a, !w -> tensor<?x100xf32>
  return %y : tensor<?x100xf32>
}
