// Each misuse of lowbit-quantize is an error at the layer it concerns.
// RUN: not quant-opt %s --lowbit-quantize="w=i4:cluster" 2>&1 | FileCheck %s --check-prefix=NOCLUSTER
// RUN: not quant-opt %s --lowbit-quantize="a=i8:tensor" 2>&1 | FileCheck %s --check-prefix=NOSTATS
// RUN: not quant-opt %s --lowbit-quantize="w=i9:channel" 2>&1 | FileCheck %s --check-prefix=FORMAT
// RUN: not quant-opt %s --lowbit-quantize="w=i4:g0" 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not quant-opt %s --lowbit-quantize="a=i8:g2" 2>&1 | FileCheck %s --check-prefix=STATICGROUP
// RUN: not quant-opt %s --lowbit-quantize="w=i4:g2:channel" 2>&1 | FileCheck %s --check-prefix=TWO
// RUN: not quant-opt %s --lowbit-quantize="w=mxfp4:g32" 2>&1 | FileCheck %s --check-prefix=PRESET
// RUN: not quant-opt %s --lowbit-quantize="w=i8:token" 2>&1 | FileCheck %s --check-prefix=TOKEN
// RUN: quant-opt %s --lowbit-quantize="a=i8:cluster:dynamic" -mlir-print-op-on-diagnostic=false 2>&1 -o /dev/null | FileCheck %s --check-prefix=FALLBACK
// Scheme options are checked where the scheme is built (one line each):
// RUN: not quant-opt %s --lowbit-quantize="w=i4:shiny" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=OPTION
// RUN: not quant-opt %s --lowbit-quantize="w=i4:rounding=up" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=ROUNDING
// RUN: not quant-opt %s --lowbit-quantize="w=i4:clip=ratio" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=CLIP
// RUN: not quant-opt %s --lowbit-quantize="w=i4:scale=f17" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=SCALE
// RUN: not quant-opt %s --lowbit-quantize="w=f8E4M3FN:asymmetric" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=VERIFY
// RUN: not quant-opt %s --lowbit-quantize="a=i4:token:family=gpu" -mlir-print-op-on-diagnostic=false 2>&1 | FileCheck %s --check-prefix=FAMILY
// OPTION: error: invalid option w=i4:shiny: unknown scheme option 'shiny'
// OPTION-NOT: error
// ROUNDING: error: invalid option w=i4:rounding=up: unknown rounding mode 'up'
// CLIP: error: invalid option w=i4:clip=ratio: clip policy 'ratio': expected none, mse, ratio(F) or percentile(F)
// SCALE: error: invalid option w=i4:scale=f17: 'f17' is not a type
// FAMILY: error: invalid option a=i4:token:family=gpu: unknown family 'gpu' (expected mx or nvfp4)
// Granularity-dependent rules of the verifier, where the layer is known:
// VERIFY: lowbit-quantize-errors.mlir:{{[0-9]+}}:9: error: invalid weight scheme 'f8E4M3FN:asymmetric': {{.+}}

// GROUP: error: invalid option w=i4:g0: group size must be positive in 'i4:g0'
// TWO: error: invalid option w=i4:g2:channel: more than one granularity in 'i4:g2:channel'
// PRESET: error: invalid option w=mxfp4:g32: 'mxfp4' is a block-scaled preset with its own granularity; drop 'g32'
// TOKEN: error: invalid option w=i8:token: 'token' applies to activations only
func.func @layers(%x: tensor<3x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %w = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [-1.0, -2.0, -3.0, -4.0]]> : tensor<2x4xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x2xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x2xf32>) -> tensor<3x2xf32>
  %obs = lowbit.observe "w.in" %x {min = array<f32: -2.0, -1.0, 0.0, 0.5>, max = array<f32: 1.0, 4.0, 2.0, 3.0>} : tensor<3x4xf32>
  // A layer whose input has statistics but no clusters.
  // NOCLUSTER: lowbit-quantize-errors.mlir:[[@LINE+6]]:9: error: weight scheme 'i4:cluster' needs the RPTQ clusters of the layer's input: no lowbit.observe with contiguous `cluster_sizes` feeds this matmul (run lowbit-rptq-reorder first)
  // FORMAT: lowbit-quantize-errors.mlir:[[@LINE+5]]:9: error: invalid weight scheme 'i9:channel': integer format width must be in 1..8, got 9
  // (w=i4:g3 is valid here: groups of 3 and 1 along K = 4.)
  // STATICGROUP: lowbit-quantize-errors.mlir:[[@LINE+3]]:9: error: invalid activation scheme 'i8:g2': group parameters of an activation differ per token; add ':dynamic' to compute them at run time
  // FALLBACK: lowbit-quantize-errors.mlir:[[@LINE+2]]:9: warning: activation scheme 'i8:cluster:dynamic': observer 'w.in' has no contiguous RPTQ clusters (`cluster_sizes`); quantizing per tensor
  // FALLBACK-NOT: error:
  %y0 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%obs, %w : tensor<3x4xf32>, tensor<2x4xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  // A layer without an observer.
  // NOSTATS: lowbit-quantize-errors.mlir:[[@LINE+1]]:9: error: activation scheme 'i8:tensor' is static and needs calibration statistics: no lowbit.observe with min/max feeds this op (run quant-calibrate and lowbit-import-stats, or use ':token' or ':dynamic')
  %y1 = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %w : tensor<3x4xf32>, tensor<2x4xf32>) outs(%z : tensor<3x2xf32>) -> tensor<3x2xf32>
  return %y0, %y1 : tensor<3x2xf32>, tensor<3x2xf32>
}
