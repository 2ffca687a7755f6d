// A stats file nested 40,000 arrays (and objects) deep is refused with one
// line before JSON parsing, whose recursion would overflow the stack.
// RUN: %python -c "open('%t.json', 'w').write('{\"format\": \"lowbit-stats\",\n \"observers\": {\"x.in\": {\"min\": ' + '[' * 40000 + ']' * 40000 + '}}}')"
// RUN: not quant-opt %s -lowbit-import-stats=stats=%t.json 2>&1 | FileCheck %s
// RUN: %python -c "open('%t.obj.json', 'w').write('{\"a\": ' * 100000 + '1' + '}' * 100000)"
// RUN: not quant-opt %s -lowbit-import-stats=stats=%t.obj.json -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=OBJ
// CHECK: error: {{.*}}.json:2: arrays and objects nested more than 64 levels deep
// (The error is about the file, not an op: no dump of the module follows.)
// CHECK-NOT: see current operation
// OBJ: error: {{.*}}.obj.json:1: arrays and objects nested more than 64 levels deep
module {
  func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %0 = lowbit.observe "x.in" %x : tensor<2x4xf32>
    return %0 : tensor<2x4xf32>
  }
}
