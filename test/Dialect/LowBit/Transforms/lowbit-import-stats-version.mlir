// RUN: quant-opt %s -lowbit-import-stats=stats=%S/Inputs/import-stats-version.json -verify-diagnostics
//
// A version this build does not read.

// expected-error-re @+1 {{{{.*}}import-stats-version.json:3: unsupported version 2 (this build reads version 1)}}
module {
  func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %0 = lowbit.observe "x.in" %x : tensor<2x4xf32>
    return %0 : tensor<2x4xf32>
  }
}
