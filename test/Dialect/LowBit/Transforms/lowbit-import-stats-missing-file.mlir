// RUN: rm -f %t.json
// RUN: quant-opt %s -lowbit-import-stats=stats=%t.json -verify-diagnostics
//
// A stats file that cannot be read: an error at the module.

// expected-error-re @+1 {{cannot read stats file '{{.*}}.json': No such file or directory}}
module {
  func.func @f(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
    %0 = lowbit.observe "x.in" %x : tensor<2x4xf32>
    return %0 : tensor<2x4xf32>
  }
}
