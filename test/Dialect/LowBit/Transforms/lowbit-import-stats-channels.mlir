// RUN: quant-opt %s -lowbit-import-stats=stats=%S/Inputs/import-stats-channels.json -verify-diagnostics
//
// Statistics that do not fit the observer: another channel count, channels
// that do not split into the observer's heads (dynamic channel dimension),
// another channel axis.

func.func @f(%x: tensor<2x4xf32>, %d: tensor<2x?xf32>) -> (tensor<2x4xf32>, tensor<2x?xf32>, tensor<2x4xf32>) {
  // expected-error-re @+1 {{observer 'x.in': has 4 channels, the statistics in '{{.*}}import-stats-channels.json' have 3}}
  %0 = lowbit.observe "x.in" %x : tensor<2x4xf32>
  // expected-error-re @+1 {{observer 'heads': the 3 channels of the statistics in '{{.*}}' do not split into 2 heads}}
  %1 = lowbit.observe "heads" %d {heads = 2} : tensor<2x?xf32>
  // expected-error-re @+1 {{observer 'tokens': the statistics in '{{.*}}' are along axis -1, the observer's channel axis is 0}}
  %2 = lowbit.observe "tokens" %x {axis = 0} : tensor<2x4xf32>
  return %0, %1, %2 : tensor<2x4xf32>, tensor<2x?xf32>, tensor<2x4xf32>
}
