// RUN: quant-opt %s -lowbit-import-stats -verify-diagnostics
//
// The stats file is required.

// expected-error @+1 {{lowbit-import-stats needs a stats file: lowbit-import-stats{stats=FILE}}}
module {
  func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %0 = lowbit.observe "x.in" %x : tensor<2x4xf32>
    return %0 : tensor<2x4xf32>
  }
}
