// RUN: quant-opt %s '-lowbit-import-stats=stats=%S/Inputs/import-stats.json allow-missing=true' | FileCheck %s
//
// Statistics go to every observer with the same id; existing ones are
// replaced. The file has the extras other producers write (no "channels",
// unknown keys, "source"), an entry along axis 0 and one for a dynamic
// channel dimension. With allow-missing, an observer the file does not know
// keeps no statistics.

// CHECK-LABEL: func.func @model
// CHECK: lowbit.observe "x.in" %{{.*}} {max = array<f32: 1.000000e+00, 2.500000e+00, 5.000000e-01, 8.000000e+00>, min = array<f32: -1.000000e+00, -2.500000e+00, 0.000000e+00, -2.500000e-01>} : tensor<3x4xf32>
// CHECK: lowbit.observe "q.out" %{{.*}} {heads = 2 : i64, max = array<f32: 1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00>, min = array<f32: -1.000000e+00, -1.000000e+00, -2.000000e+00, -2.000000e+00>} : tensor<3x4xf32>
// CHECK: lowbit.observe "tokens" %{{.*}} {axis = 0 : i64, max = array<f32: 3.000000e+00, 1.250000e-01>, min = array<f32: -3.000000e+00, 0.000000e+00>} : tensor<2x4xf32>
// CHECK: lowbit.observe "dyn" %{{.*}} {max = array<f32: 1.000000e+00, 2.000000e+00, 3.000000e+00>, min = array<f32: 0.000000e+00, 0.000000e+00, 0.000000e+00>} : tensor<2x?xf32>
// CHECK: lowbit.observe "other" %{{.*}} : tensor<3x4xf32>
// CHECK-LABEL: func.func @again
// CHECK: lowbit.observe "x.in" %{{.*}} {max = array<f32: 1.000000e+00, 2.500000e+00, 5.000000e-01, 8.000000e+00>, min = array<f32: -1.000000e+00, -2.500000e+00, 0.000000e+00, -2.500000e-01>} : tensor<3x4xf32>
func.func @model(%x: tensor<3x4xf32>, %t: tensor<2x4xf32>, %d: tensor<2x?xf32>)
    -> (tensor<3x4xf32>, tensor<3x4xf32>, tensor<2x4xf32>, tensor<2x?xf32>, tensor<3x4xf32>) {
  %0 = lowbit.observe "x.in" %x : tensor<3x4xf32>
  %1 = lowbit.observe "q.out" %x {heads = 2} : tensor<3x4xf32>
  %2 = lowbit.observe "tokens" %t {axis = 0} : tensor<2x4xf32>
  %3 = lowbit.observe "dyn" %d : tensor<2x?xf32>
  %4 = lowbit.observe "other" %x : tensor<3x4xf32>
  return %0, %1, %2, %3, %4 : tensor<3x4xf32>, tensor<3x4xf32>, tensor<2x4xf32>, tensor<2x?xf32>, tensor<3x4xf32>
}

func.func @again(%x: tensor<3x4xf32>) -> tensor<3x4xf32> {
  %0 = lowbit.observe "x.in" %x {min = array<f32: 0.0, 0.0, 0.0, 0.0>, max = array<f32: 0.0, 0.0, 0.0, 0.0>} : tensor<3x4xf32>
  return %0 : tensor<3x4xf32>
}
