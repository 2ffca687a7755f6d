!w = !lowbit.qtensor<100x2048, #lowbit.scheme<ui4, per_axis<0>>>
func.func @main(%a: tensor<8x2048xf32>, %w: !w, %s: tensor<100x1xf32>) -> tensor<8x100xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<100x1xf32>) transpose_rhs acc(f32)
      : tensor<8x2048xf32>, !w -> tensor<8x100xf32>
  return %y : tensor<8x100xf32>
}
