"""Executes lowbit quantize/dequantize (and choose_params) through quant-run
and compares every code, value and parameter bit for bit with the numerics
library (through lowbit.reference).

Usage: qdq_check.py QUANT_RUN --scheme '#lowbit.scheme<...>' --shape 8x64
                    [--choose] [--pow2] [--seed N] [--dtype f32|f16]

--choose   parameters come from lowbit.choose_params inside the program
           (dynamic); otherwise they are chosen by the reference from the
           data and passed in as inputs.
--pow2     round static f32 scales to powers of two, so that the special
           values placed at code midpoints are exact ties.
"""

import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

import lowbit
from lowbit import reference as ref

# Multiples of the scale that hit rounding boundaries and saturation of every
# format: midpoints of small integers, fine binary fractions (FP8/FP6/FP4
# mantissas), format maxima and just beyond them.
SPECIAL_MULTIPLES = np.array(
    sorted(set(
        [k / 32.0 for k in range(-640, 641)] +
        [k + 0.5 for k in range(-130, 130)] +
        [v * s for v in (6, 7.5, 28, 240, 448, 464, 480, 57344, 61440, 1e6)
         for s in (1, -1)] +
        [2.0 ** e for e in range(-20, 20)])),
    dtype=np.float32)


def mlir_type(shape, elem):
    return "tensor<" + "x".join(str(d) for d in shape) + "x" + elem + ">"


def make_input(shape, rng, dtype):
    """LLM-like data: per-channel ranges spread over two decades, a few
    outliers, zeros of both signs, NaN and infinities."""
    channel_scale = 10.0 ** rng.uniform(-1.0, 1.0, size=shape[-1])
    x = (rng.standard_normal(shape) * channel_scale).astype(np.float32)
    flat = x.reshape(-1)
    n = flat.size
    picks = rng.choice(n, size=min(n, 12), replace=False)
    specials = [0.0, -0.0, np.nan, -np.nan, np.inf, -np.inf, 1e30, -1e30,
                1e-30, -1e-30, 3e-39, -3e-39]
    for i, v in zip(picks, specials):
        flat[i] = v
    return x.astype(dtype)


def place_special_multiples(x, scheme, scale, rng):
    """Overwrites a quarter of the elements with scale * m for boundary
    multiples m, using each element's own effective scale."""
    flat = x.reshape(-1)
    shape = x.shape
    count = max(1, flat.size // 4)
    for i in rng.choice(flat.size, size=count, replace=False):
        index = np.unravel_index(i, shape)
        g = tuple(ref.grid_index(scheme, list(shape), list(map(int, index))))
        m = SPECIAL_MULTIPLES[rng.integers(len(SPECIAL_MULTIPLES))]
        flat[i] = np.float32(m) * np.float32(scale[g])
    return x


def same_bits(a, b):
    """Element-wise: identical bits, or both NaN (NaN payloads are not part
    of any format's value)."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.dtype.kind == "f":
        nan = np.isnan(a) & np.isnan(b)
        view = {2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize]
        return nan | (a.view(view) == b.astype(a.dtype).view(view))
    return a == b


def report(name, got, want):
    got = np.asarray(got).reshape(np.shape(want))
    ok = same_bits(got, want)
    print(f"{name}: {int(ok.sum())}/{ok.size} bit-exact")
    if not ok.all():
        for i in np.argwhere(~ok)[:5]:
            i = tuple(i)
            print(f"  mismatch at {list(i)}: got {got[i]!r}, want {want[i]!r}",
                  file=sys.stderr)
    return bool(ok.all())


def main():
    p = argparse.ArgumentParser()
    p.add_argument("quant_run")
    p.add_argument("--scheme", required=True)
    p.add_argument("--shape", required=True)
    p.add_argument("--choose", action="store_true")
    p.add_argument("--pow2", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dtype", default="f32", choices=["f32", "f16"])
    args = p.parse_args()

    scheme = args.scheme
    shape = [int(d) for d in args.shape.split("x")]
    np_dtype = {"f32": np.float32, "f16": np.float16}[args.dtype]
    rng = np.random.default_rng(args.seed)
    x = make_input(shape, rng, np_dtype)
    bits = ref.code_bits(scheme)
    qtype = "!lowbit.qtensor<" + "x".join(map(str, shape)) + ", " + scheme + ">"
    xtype = mlir_type(shape, args.dtype)

    # Parameters: names and MLIR types of (scale, zero point, global scale).
    params = ref.choose_params(scheme, x.astype(np.float32))
    grid = ref.grid_shape(scheme, shape)
    scale_elem = scheme_scale_type(scheme)
    names = ["%s"] + (["%z"] if "asymmetric" in scheme else []) + \
        (["%g"] if "nvfp4" in scheme else [])
    types = [mlir_type(grid, scale_elem)]
    if "asymmetric" in scheme:
        types.append(mlir_type(grid, "i32"))
    if "nvfp4" in scheme:
        types.append(mlir_type([1] * len(shape), "f32"))

    if not args.choose:
        params = list(params)
        if args.pow2:
            params[0] = np.exp2(np.round(np.log2(params[0]))).astype(
                params[0].dtype)
        x = place_special_multiples(x.astype(np.float32), scheme,
                                    params[0].astype(np.float32),
                                    rng).astype(np_dtype)

    param_ops = " ".join(
        f"{kw}({n} : {t})" for kw, n, t in
        zip(["scale", "zero_point", "global_scale"][:1] +
            (["zero_point"] if "asymmetric" in scheme else []) +
            (["global_scale"] if "nvfp4" in scheme else []), names, types))
    lines = []
    if args.choose:
        args_sig = f"%x: {xtype}"
        lines.append(f"  {', '.join(names)} = lowbit.choose_params %x "
                     f"{{scheme = {scheme}}} : {xtype} -> {', '.join(types)}")
    else:
        args_sig = ", ".join([f"%x: {xtype}"] +
                             [f"{n}: {t}" for n, t in zip(names, types)])
    lines.append(f"  %q = lowbit.quantize %x {param_ops} : {xtype} -> {qtype}")
    lines.append(f"  %d = lowbit.dequantize %q {param_ops} : {qtype} -> "
                 f"{xtype}")
    results = ["%q", "%d"]
    result_types = [qtype, xtype]
    if args.choose:
        # 8-bit scales are returned as their codes.
        for n, t in zip(names, types):
            if "f8E" in t:
                lines.append(f"  {n}_bits = arith.bitcast {n} : {t} to "
                             f"{t.replace(scale_elem, 'i8')}")
                results.append(n + "_bits")
                result_types.append(t.replace(scale_elem, "i8"))
            else:
                results.append(n)
                result_types.append(t)
    program = (f"func.func @main({args_sig}) -> ({', '.join(result_types)}) {{\n"
               + "\n".join(lines) +
               f"\n  return {', '.join(results)} : {', '.join(result_types)}\n}}\n")

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "qdq.mlir")
        with open(path, "w") as f:
            f.write(program)
        inputs = [("x", x)]
        if not args.choose:
            inputs += [(f"p{i}", v) for i, v in enumerate(params)]
            # The reference returns f16/bf16 scales as exact f32 values;
            # quant-run takes bf16 as its raw bits in uint16.
            if scale_elem == "f16":
                inputs[1] = ("p0", params[0].astype(np.float16))
            elif scale_elem == "bf16":
                raw = params[0].astype(np.float32).view(np.uint32) >> 16
                inputs[1] = ("p0", raw.astype(np.uint16))
        command = [args.quant_run, path, "--output-dir", tmp]
        for name, value in inputs:
            npy = os.path.join(tmp, name + ".npy")
            np.save(npy, value)
            command += ["--input", npy]
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            print(program, file=sys.stderr)
            print(run.stdout + run.stderr, file=sys.stderr)
            return 1
        outputs = [np.load(os.path.join(tmp, f"result{i}.npy"))
                   for i in range(len(results))]

    scale_values = params if not args.choose else ref.choose_params(
        scheme, x.astype(np.float32))
    keywords = ["scale"] + (["zero_point"] if "asymmetric" in scheme else []) \
        + (["global_scale"] if "nvfp4" in scheme else [])
    kwargs = dict(zip(keywords, scale_values))
    codes = ref.quantize(scheme, x.astype(np.float32), **kwargs)
    values = ref.dequantize(scheme, codes, **kwargs).astype(np_dtype)
    ok = report("codes", outputs[0].view(np.uint8),
                ref.pack(codes, bits).view(np.uint8))
    ok &= report("values", outputs[1], values)
    for name, got, want in zip(keywords, outputs[2:], scale_values):
        ok &= report(name, got.view(np.uint8) if got.dtype == np.int8 else got,
                     want)
    return 0 if ok else 1


def scheme_scale_type(scheme):
    presets = {"mxfp": "f8E8M0FNU", "mxint8": "f8E8M0FNU", "nvfp4": "f8E4M3FN"}
    for key, value in presets.items():
        if "<" + key in scheme:
            return value
    marker = "scale = "
    if marker in scheme:
        rest = scheme[scheme.index(marker) + len(marker):]
        return rest.split(",")[0].split(">")[0].strip()
    return "f32"


if __name__ == "__main__":
    # Inputs deliberately include values that overflow f16.
    with np.errstate(over="ignore", invalid="ignore"):
        sys.exit(main())
