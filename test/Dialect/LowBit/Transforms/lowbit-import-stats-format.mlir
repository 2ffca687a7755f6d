// RUN: quant-opt %s -lowbit-import-stats=stats=%S/Inputs/import-stats-format.json -verify-diagnostics
//
// A JSON file of another format.

// expected-error-re @+1 {{{{.*}}import-stats-format.json:2: not a stats file: "format" is "smoothquant-scales", expected "lowbit-stats"}}
module {
  func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %0 = lowbit.observe "x.in" %x : tensor<2x4xf32>
    return %0 : tensor<2x4xf32>
  }
}
