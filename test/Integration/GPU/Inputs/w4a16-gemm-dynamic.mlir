!w = !lowbit.qtensor<72x512, #lowbit.scheme<ui4, per_axis<0>>>
func.func @main(%a: tensor<?x512xf16>, %w: !w, %s: tensor<72x1xf32>) -> tensor<?x72xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<72x1xf32>) transpose_rhs acc(f32)
      : tensor<?x512xf16>, !w -> tensor<?x72xf32>
  return %y : tensor<?x72xf32>
}
