"""Differential test of lowbit.matmul through quant-run.

W8A8 with dynamic per-token activations and static per-channel weights
(transposed, [N, K]):
  * integer accumulation (acc(i32)) equals the exact integer dot products of
    the reference codes times the scales, up to f32 rounding of the final
    scaling and summation;
  * float accumulation of the same quantized operands agrees with it;
  * both stay within the error bound that 8-bit rounding implies of the
    float matmul: |y - y_q| <= sum_k |a| * s_w / 2 + |w_q| * s_a / 2.

Usage: matmul_check.py QUANT_RUN --m 16 --k 96 --n 24 [--seed N]
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

from lowbit import reference as ref

ACT = "#lowbit.scheme<i8, per_axis<0>, narrow, dynamic>"
WGT = "#lowbit.scheme<i8, per_axis<0>, narrow>"


def run(quant_run, program, inputs):
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mm.mlir")
        with open(path, "w") as f:
            f.write(program)
        command = [quant_run, path, "--output-dir", tmp]
        for i, value in enumerate(inputs):
            npy = os.path.join(tmp, f"in{i}.npy")
            np.save(npy, value)
            command += ["--input", npy]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(program + result.stdout + result.stderr)
        return np.load(os.path.join(tmp, "result0.npy"))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("quant_run")
    p.add_argument("--m", type=int, default=16)
    p.add_argument("--k", type=int, default=96)
    p.add_argument("--n", type=int, default=24)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    m, k, n = args.m, args.k, args.n
    rng = np.random.default_rng(args.seed)
    a = (rng.standard_normal((m, k)) *
         10.0 ** rng.uniform(-1, 1, size=k)).astype(np.float32)
    w = (rng.standard_normal((n, k)) * 0.05).astype(np.float32)
    (sw,) = ref.choose_params(WGT, w)

    qt = lambda rows, s: f"!lowbit.qtensor<{rows}x{k}, {s}>"
    body = lambda acc: f"""
func.func @main(%a: tensor<{m}x{k}xf32>, %w: tensor<{n}x{k}xf32>, %sw: tensor<{n}x1xf32>) -> tensor<{m}x{n}xf32> {{
  %sa = lowbit.choose_params %a {{scheme = {ACT}}} : tensor<{m}x{k}xf32> -> tensor<{m}x1xf32>
  %qa = lowbit.quantize %a scale(%sa : tensor<{m}x1xf32>) : tensor<{m}x{k}xf32> -> {qt(m, ACT)}
  %qw = lowbit.quantize %w scale(%sw : tensor<{n}x1xf32>) : tensor<{n}x{k}xf32> -> {qt(n, WGT)}
  %y = lowbit.matmul %qa scale(%sa : tensor<{m}x1xf32>), %qw scale(%sw : tensor<{n}x1xf32>) transpose_rhs acc({acc})
      : {qt(m, ACT)}, {qt(n, WGT)} -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}
"""
    y_int = run(args.quant_run, body("i32"), [a, w, sw])
    y_flt = run(args.quant_run, body("f32"), [a, w, sw])
    # The unfused form: quantize -> dequantize -> upstream linalg.matmul.
    unfused = f"""
func.func @main(%a: tensor<{m}x{k}xf32>, %w: tensor<{n}x{k}xf32>, %sw: tensor<{n}x1xf32>) -> tensor<{m}x{n}xf32> {{
  %sa = lowbit.choose_params %a {{scheme = {ACT}}} : tensor<{m}x{k}xf32> -> tensor<{m}x1xf32>
  %qa = lowbit.quantize %a scale(%sa : tensor<{m}x1xf32>) : tensor<{m}x{k}xf32> -> {qt(m, ACT)}
  %qw = lowbit.quantize %w scale(%sw : tensor<{n}x1xf32>) : tensor<{n}x{k}xf32> -> {qt(n, WGT)}
  %da = lowbit.dequantize %qa scale(%sa : tensor<{m}x1xf32>) : {qt(m, ACT)} -> tensor<{m}x{k}xf32>
  %dw = lowbit.dequantize %qw scale(%sw : tensor<{n}x1xf32>) : {qt(n, WGT)} -> tensor<{n}x{k}xf32>
  %init = arith.constant dense<0.0> : tensor<{m}x{n}xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%da, %dw : tensor<{m}x{k}xf32>, tensor<{n}x{k}xf32>) outs(%init : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}
"""
    y_qdq = run(args.quant_run, unfused, [a, w, sw])

    # Oracle from the reference codes: exact integer dot products.
    (sa,) = ref.choose_params(ACT, a)
    qa = ref.quantize(ACT, a, sa).view(np.int8).astype(np.int64)
    qw = ref.quantize(WGT, w, sw).view(np.int8).astype(np.int64)
    exact = (qa @ qw.T).astype(np.float64) * (sa.astype(np.float64) *
                                               sw.astype(np.float64).T)
    magnitude = np.abs(qa) @ np.abs(qw).T * (sa * sw.T)
    rel = lambda y: float(np.max(np.abs(y - exact) / np.maximum(magnitude, 1e-30)))
    print(f"acc(i32) vs exact integer oracle: max error {rel(y_int):.2e} of magnitude")
    print(f"acc(f32) vs exact integer oracle: max error {rel(y_flt):.2e} of magnitude")
    print(f"quantize-dequantize-matmul vs exact integer oracle: max error {rel(y_qdq):.2e} of magnitude")
    ok = rel(y_int) < 1e-6 and rel(y_flt) < 1e-6 and rel(y_qdq) < 1e-6

    # Against the float matmul: within the bound that rounding implies.
    y = a.astype(np.float64) @ w.astype(np.float64).T
    wq = ref.dequantize(WGT, ref.quantize(WGT, w, sw), sw).astype(np.float64)
    bound = (np.abs(a) @ np.ones((k, n)) * (sw.T / 2) +
             (np.ones((m, k)) * (sa / 2)) @ np.abs(wq).T)
    slack = 1e-5 * (np.abs(a) @ np.abs(w).T)
    worst = float(np.max(np.abs(y - y_int) / (bound + slack)))
    print(f"acc(i32) vs float matmul: worst error at {worst:.2f} of the bound")
    worst_qdq = float(np.max(np.abs(y - y_qdq) / (bound + slack)))
    print(f"quantize-dequantize-matmul vs float matmul: worst error at {worst_qdq:.2f} of the bound")
    ok &= worst <= 1.0 and worst_qdq <= 1.0
    # The bound is not vacuous: the error is a visible part of it.
    print(f"bound is tight: {worst > 0.01}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
