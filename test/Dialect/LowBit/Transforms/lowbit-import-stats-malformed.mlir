// RUN: quant-opt %s -lowbit-import-stats=stats=%S/Inputs/import-stats-malformed.json -verify-diagnostics
//
// A JSON syntax error: file, line and column of the parser's message.

// expected-error-re @+1 {{{{.*}}import-stats-malformed.json:5:36: Expected , or } after object property}}
module {
  func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %0 = lowbit.observe "x.in" %x : tensor<2x4xf32>
    return %0 : tensor<2x4xf32>
  }
}
