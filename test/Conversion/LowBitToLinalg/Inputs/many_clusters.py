"""Prints a function with lowbit.choose_params over N one-channel clusters."""
import sys

n = int(sys.argv[1])
sizes = ", ".join(["1"] * n)
print("func.func @f(%%x: tensor<4x%dxf32>) -> tensor<1x%dxf32> {" % (n, n))
print("  %%s = lowbit.choose_params %%x {scheme = #lowbit.scheme<i8, "
      "per_cluster<axis = 1, sizes = [%s]>, dynamic>} : tensor<4x%dxf32> -> "
      "tensor<1x%dxf32>" % (sizes, n, n))
print("  return %%s : tensor<1x%dxf32>" % n)
print("}")
