// RUN: quant-opt %s -lowbit-import-stats=stats=%S/Inputs/import-stats-unknown.json -verify-diagnostics
// RUN: quant-opt %s '-lowbit-import-stats=stats=%S/Inputs/import-stats-unknown.json allow-missing=true' -verify-diagnostics
//
// Statistics for ids that no observer has are an error (even with
// allow-missing, which is about observers); the message lists them. The
// matching observer still gets its statistics.

// expected-error-re @+1 {{'{{.*}}import-stats-unknown.json' has statistics for 2 ids that no observer has: 'layers.7.fc1.in', 'lm_head.in'}}
module {
  func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %0 = lowbit.observe "x.in" %x : tensor<2x4xf32>
    return %0 : tensor<2x4xf32>
  }
}
