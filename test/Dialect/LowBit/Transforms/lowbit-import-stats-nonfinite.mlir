// RUN: quant-opt %s -lowbit-import-stats=stats=%S/Inputs/import-stats-nonfinite.json -verify-diagnostics
//
// NaN and infinite statistics: Python's json module writes NaN and Infinity
// as bare words, this project's writer as strings; a finite number too large
// for f32 is infinite too. Errors at the observers, naming the channel.

func.func @f(%x: tensor<2x4xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>) {
  // expected-error-re @+1 {{observer 'nan': bad statistics in '{{.*}}import-stats-nonfinite.json': min[1] is NaN}}
  %0 = lowbit.observe "nan" %x : tensor<2x4xf32>
  // expected-error-re @+1 {{observer 'inf': bad statistics in '{{.*}}': max[3] is inf}}
  %1 = lowbit.observe "inf" %x : tensor<2x4xf32>
  // expected-error-re @+1 {{observer 'ninf': bad statistics in '{{.*}}': min[0] is -inf}}
  %2 = lowbit.observe "ninf" %x : tensor<2x4xf32>
  // expected-error-re @+1 {{observer 'overflow': bad statistics in '{{.*}}': max[1] is inf}}
  %3 = lowbit.observe "overflow" %x : tensor<2x4xf32>
  return %0, %1, %2, %3 : tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<2x4xf32>
}
