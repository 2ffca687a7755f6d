"""Executes one linear layer quantized by lowbit-quantize and checks it.

For each weight scheme, the layer quantized at compile time (codes and
parameters computed by the pass) must compute bit for bit what the same
layer computes when it quantizes its float weight at run time
(lowbit.choose_params -> quantize -> dequantize, lowered by the reference
lowering). For each activation scheme, the fused layer (lowbit-fuse-dequant)
must compute what the unfused dequantize -> matmul computes, within float
reassociation (1e-5 relative).

Usage: check_quantize.py QUANT_OPT QUANT_RUN WORKDIR
"""
import os
import re
import subprocess
import sys

import numpy as np

QUANT_OPT, QUANT_RUN, WORK = sys.argv[1:4]
M, N, K = 5, 8, 64
CLUSTERS = [16, 16, 32]

rng = np.random.default_rng(11)
# Weights with per-row range spread and a few outliers, like real layers.
w = (rng.normal(0, 1, (N, K)) * rng.uniform(0.1, 2.0, (N, 1))).astype(np.float32)
w[1, 5] = 9.0
# Activations with per-channel spread; the observer's statistics are the
# exact ranges of this input.
x = (rng.normal(0, 1, (M, K)) * rng.uniform(0.2, 4.0, (1, K))).astype(np.float32)
os.makedirs(WORK, exist_ok=True)
np.save(os.path.join(WORK, "x.npy"), x)


def fmt(values):
    return "[" + ", ".join("%.9e" % v for v in values) + "]"


def dense(array):
    return "dense<" + fmt_nested(array) + ">"


def fmt_nested(array):
    if array.ndim == 1:
        return fmt(array)
    return "[" + ", ".join(fmt_nested(row) for row in array) + "]"


MAPS = ("indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
        "affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]")


def linear(weight_value):
    return f"""
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<{M}x{N}xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  %y = linalg.matmul {MAPS} ins(%obs, {weight_value} : tensor<{M}x{K}xf32>, tensor<{N}x{K}xf32>) outs(%z : tensor<{M}x{N}xf32>) -> tensor<{M}x{N}xf32>
  return %y : tensor<{M}x{N}xf32>
}}
"""


observer = (f'  %obs = lowbit.observe "w.in" %x {{cluster_sizes = array<i64: {", ".join(map(str, CLUSTERS))}>, '
            f'min = array<f32: {", ".join("%.9e" % v for v in x.min(0))}>, '
            f'max = array<f32: {", ".join("%.9e" % v for v in x.max(0))}>}} : tensor<{M}x{K}xf32>\n')
model = (f"func.func @main(%x: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32> {{\n"
         f"  %w = arith.constant {dense(w)} : tensor<{N}x{K}xf32>\n" + observer + linear("%w"))
model_path = os.path.join(WORK, "model.mlir")
with open(model_path, "w") as f:
    f.write(model)


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("command failed: %s\n%s" % (" ".join(cmd), result.stderr))
    return result.stdout


def execute(path, name):
    out = os.path.join(WORK, name)
    run([QUANT_RUN, path, "--entry", "main", "--input",
         os.path.join(WORK, "x.npy"), "--output-dir", out])
    return np.load(os.path.join(out, "result0.npy"))


def quantize(options, name, fuse=False):
    path = os.path.join(WORK, name + ".mlir")
    passes = ["--lowbit-quantize=" + options]
    if fuse:
        passes.append("--lowbit-fuse-dequant")
    run([QUANT_OPT, model_path, "-mlir-print-local-scope"] + passes + ["-o", path])
    return path


reference = execute(model_path, "f32")

WEIGHT_SCHEMES = [
    "i8:channel", "i8:channel:narrow", "i4:g32", "ui4:g32:asymmetric", "i3:channel",
    "i2:g16", "i4:tensor", "i4:channel:scale=f16", "i4:g32:scale=bf16",
    "nf4:g32", "binary:channel", "f8E4M3FN:channel", "f8E5M2:channel",
    "f6E2M3FN:g32", "f4E2M1FN:g32", "mxfp4", "mxfp6_e2m3", "mxfp6_e3m2",
    "mxfp8_e4m3", "mxfp8_e5m2", "mxint8", "nvfp4", "i4:cluster",
]
for spec in WEIGHT_SCHEMES:
    name = "w_" + re.sub(r"[^a-zA-Z0-9]", "_", spec)
    path = quantize("w=" + spec, name)
    text = open(path).read()
    match = re.search(r"lowbit\.constant .* -> !lowbit\.qtensor<%dx%d, (#lowbit\.scheme<.*>)>\n" % (N, K), text)
    scheme = match.group(1)
    # The same layer quantizing its float weight at run time.
    choose = scheme[:-1] + ", dynamic>"
    params = re.search(r"lowbit\.dequantize %\S+ (scale\(.*\)) : ", text).group(1)
    types = re.findall(r": (tensor<[^>]*>)\)", params)
    keywords = ["scale"] + (["zero_point"] if "zero_point(" in params else []) + \
        (["global_scale"] if "global_scale(" in params else [])
    names = ["%" + k for k in keywords]
    results = ", ".join(types)
    operands = " ".join("%s(%s : %s)" % p for p in zip(keywords, names, types))
    runtime = (f"func.func @main(%x: tensor<{M}x{K}xf32>) -> tensor<{M}x{N}xf32> {{\n"
               f"  %w = arith.constant {dense(w)} : tensor<{N}x{K}xf32>\n"
               f"  {', '.join(names)} = lowbit.choose_params %w {{scheme = {choose}}} : tensor<{N}x{K}xf32> -> {results}\n"
               f"  %q = lowbit.quantize %w {operands} : tensor<{N}x{K}xf32> -> !lowbit.qtensor<{N}x{K}, {choose}>\n"
               f"  %dw = lowbit.dequantize %q {operands} : !lowbit.qtensor<{N}x{K}, {choose}> -> tensor<{N}x{K}xf32>\n"
               + observer + linear("%dw"))
    runtime_path = os.path.join(WORK, name + "_runtime.mlir")
    with open(runtime_path, "w") as f:
        f.write(runtime)
    compiled = execute(path, name)
    at_runtime = execute(runtime_path, name + "_runtime")
    same = compiled.tobytes() == at_runtime.tobytes()
    error = float(np.max(np.abs(compiled - reference)) / np.max(np.abs(reference)))
    print("weight %-22s compile time == run time: %s (error vs f32 %.2e)" % (spec, same, error))

ACTIVATION_CONFIGS = [
    "w=i8:channel a=i8:token", "w=i8:channel a=i8:tensor", "w=i4:g32 a=i8:token",
    "w=i4:cluster a=i4:cluster", "w=i4:cluster a=i4:cluster:asymmetric",
    "w=i4:channel a=i8:channel", "w=none a=i8:token", "w=nf4:g32 a=none",
    "w=mxfp4 a=mxfp8_e4m3", "w=f8E4M3FN:channel a=f8E4M3FN:token",
]
for options in ACTIVATION_CONFIGS:
    name = "a_" + re.sub(r"[^a-zA-Z0-9]", "_", options)
    unfused = execute(quantize(options, name), name)
    fused_path = quantize(options, name + "_fused", fuse=True)
    fused_text = open(fused_path).read()
    fused = execute(fused_path, name + "_fused")
    diff = float(np.max(np.abs(fused - unfused)) / np.max(np.abs(unfused)))
    error = float(np.max(np.abs(unfused - reference)) / np.max(np.abs(reference)))
    kind = re.search(r"lowbit\.matmul .* acc\((\w+)\)", fused_text)
    print("config %-38s fused: %s acc(%s), fused == unfused within 1e-5: %s (error vs f32 %.2e)" % (
        options, "linalg.matmul" not in fused_text, kind.group(1) if kind else "-",
        diff < 1e-5, error))
