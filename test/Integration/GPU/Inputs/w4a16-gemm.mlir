!w = !lowbit.qtensor<100x256, #lowbit.scheme<i4, per_group<axis = 1, size = 64>>>
func.func @main(%a: tensor<20x256xf16>, %w: !w, %s: tensor<100x4xf32>) -> tensor<20x100xf32> {
  %y = lowbit.matmul %a, %w scale(%s : tensor<100x4xf32>) transpose_rhs acc(f32)
      : tensor<20x256xf16>, !w -> tensor<20x100xf32>
  return %y : tensor<20x100xf32>
}
