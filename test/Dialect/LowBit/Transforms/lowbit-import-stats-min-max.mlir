// RUN: quant-opt %s -lowbit-import-stats=stats=%S/Inputs/import-stats-min-max.json -verify-diagnostics
//
// A channel whose minimum exceeds its maximum: an error at the observer that
// names the channel.

func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error-re @+1 {{observer 'x.in': bad statistics in '{{.*}}import-stats-min-max.json': min[2] = 2.5 > max[2] = 1.5}}
  %0 = lowbit.observe "x.in" %x : tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}
