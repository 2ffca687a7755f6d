// RUN: quant-opt %s -lowbit-import-stats=stats=%S/Inputs/import-stats-min-max.json -verify-diagnostics
//
// Observers without statistics are errors at each observer, unless
// allow-missing=true (lowbit-import-stats.mlir). Every one is reported; the
// observer with statistics passes (its error, min > max, is
// lowbit-import-stats-min-max.mlir's).

func.func @f(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>) {
  // expected-error-re @+1 {{observer 'layers.0.fc1.in' has no statistics in '{{.*}}import-stats-min-max.json' (allow-missing=true leaves it without)}}
  %0 = lowbit.observe "layers.0.fc1.in" %x : tensor<2x4xf32>
  // expected-error-re @+1 {{observer 'layers.0.fc2.in' has no statistics in '{{.*}}'}}
  %1 = lowbit.observe "layers.0.fc2.in" %x : tensor<2x4xf32>
  // expected-error-re @+1 {{observer 'x.in': bad statistics in '{{.*}}': min[2] = 2.5 > max[2] = 1.5}}
  %2 = lowbit.observe "x.in" %x : tensor<2x4xf32>
  return %0, %1 : tensor<2x4xf32>, tensor<2x4xf32>
}
