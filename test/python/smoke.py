# The Python package parses a module, runs a textual pipeline and prints;
# errors surface as lowbit.LowBitError with file:line:col locations.
# RUN: %python %s 2>&1 | FileCheck %s

import lowbit

TEXT = """
func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %0 = lowbit.reorder %x axis 1 permutation [2, 0, 3, 1] : tensor<2x4xf32>
  %1 = lowbit.reorder %0 axis 1 permutation [1, 3, 0, 2] : tensor<2x4xf32>
  %2 = lowbit.observe "probe" %1 : tensor<2x4xf32>
  return %2 : tensor<2x4xf32>
}
"""

m = lowbit.Module.parse(TEXT, "smoke.mlir")
print(m)
# CHECK-LABEL: func.func @f
# CHECK-COUNT-2: lowbit.reorder
# CHECK: lowbit.observe "probe"

m.run("canonicalize")
print("after:", m)
# CHECK-LABEL: after:
# CHECK: func.func @f(%[[X:.*]]: tensor<2x4xf32>)
# CHECK-NOT: lowbit.reorder
# CHECK: lowbit.observe "probe" %[[X]]

# The anchored spelling of a pipeline works too.
print(lowbit.run_pipeline(TEXT, "builtin.module(canonicalize)").count("lowbit.reorder"))
# CHECK-NEXT: 0

try:
    lowbit.Module.parse(
        'func.func @g(%x: tensor<2x4xf32>) {\n'
        '  %0 = lowbit.reorder %x axis 1 permutation [0, 0, 1, 2] : tensor<2x4xf32>\n'
        '  return\n}\n', "bad.mlir")
except lowbit.LowBitError as e:
    print("error:", e)
# CHECK: error: failed to parse bad.mlir:
# CHECK-NEXT: bad.mlir:2:8: error: 'lowbit.reorder' op permutation is not a bijection: 0 appears twice

try:
    m.run("no-such-pass")
except lowbit.LowBitError as e:
    print("pipeline error:", e)
# CHECK: pipeline error: invalid pass pipeline 'no-such-pass'
