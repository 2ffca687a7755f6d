#!/usr/bin/env python3
"""Builds the GPU check bundle (see scripts/gpu-check.sh and docs/gpu.md).

    gpu_check_prepare.py BUNDLE [--bin DIR] [--quick] [--chip sm_80]

On a build machine (no GPU needed): every case is compiled by
`quant-compile --device=cuda` into an object and linked into a shared
library, its inputs are drawn at random and its expected results computed by
the CPU reference lowering (`quant-run --reference-lowering`); the runner's
sources (tools/lowbit-gpu-runner, the CUDA runtime) and a prebuilt runner
are copied in; `manifest.txt` lists the cases. The bundle needs only the
CUDA driver and a C++ compiler (or the prebuilt runner) on the GPU machine.
"""

import argparse
import os
import shutil
import subprocess
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(REPO, "python"))

GEMV = """!w = !lowbit.qtensor<{n}x{k}, #lowbit.scheme<{t}, {g}>>
func.func @main(%a: tensor<{m}x{k}xf32>, %w: !w, %s: tensor<{n}x{groups}xf32>) -> tensor<{m}x{n}xf32> {{
  %y = lowbit.matmul %a, %w scale(%s : tensor<{n}x{groups}xf32>) transpose_rhs acc(f32)
      : tensor<{m}x{k}xf32>, !w -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}
"""

W8A8 = """!a = !lowbit.qtensor<{m}x{k}, #lowbit.scheme<i8, per_axis<0>>>
!w = !lowbit.qtensor<{n}x{k}, #lowbit.scheme<i8, per_axis<0>>>
func.func @main(%a: !a, %sa: tensor<{m}x1xf32>, %w: !w, %sw: tensor<{n}x1xf32>) -> tensor<{m}x{n}xf32> {{
  %y = lowbit.matmul %a scale(%sa : tensor<{m}x1xf32>), %w scale(%sw : tensor<{n}x1xf32>) transpose_rhs acc(i32)
      : !a, !w -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}
"""

W4A4_CLUSTERS = """!a = !lowbit.qtensor<{m}x{k}, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = {sizes}>>>
!w = !lowbit.qtensor<{n}x{k}, #lowbit.scheme<i4, per_cluster<axis = 1, sizes = {sizes}, per_slice>>>
func.func @main(%a: !a, %sa: tensor<1x{c}xf32>, %w: !w, %sw: tensor<{n}x{c}xf32>) -> tensor<{m}x{n}xf32> {{
  %y = lowbit.matmul %a scale(%sa : tensor<1x{c}xf32>), %w scale(%sw : tensor<{n}x{c}xf32>) transpose_rhs acc(i32)
      : !a, !w -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}
"""


class Gen:
    """An input the runner generates itself (large weights need not travel
    in the bundle): element i is drawn from splitmix64(seed, i), as integers
    in [lo, hi] or floats lo + (hi - lo) * (top 24 bits / 2^24) rounded to
    f32. lowbit-gpu-runner implements the same generator."""

    DTYPES = {"i1": np.int8, "f4": np.float32}

    def __init__(self, dtype, seed, lo, hi, shape):
        self.dtype, self.seed, self.lo, self.hi = dtype, seed, lo, hi
        self.shape = tuple(shape)

    def array(self):
        n = int(np.prod(self.shape))
        with np.errstate(over="ignore"):
            z = np.uint64(self.seed) + (np.arange(n, dtype=np.uint64) +
                                        np.uint64(1)) * \
                np.uint64(0x9E3779B97F4A7C15)
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            z = z ^ (z >> np.uint64(31))
        if self.dtype == "i1":
            span = np.uint64(int(self.hi) - int(self.lo) + 1)
            values = (z % span).astype(np.int64) + int(self.lo)
        else:
            u = (z >> np.uint64(40)).astype(np.float64) / float(1 << 24)
            values = self.lo + (self.hi - self.lo) * u
        return values.astype(self.DTYPES[self.dtype]).reshape(self.shape)

    def directive(self):
        return "gen {} {} {!r} {!r} {}".format(
            self.dtype, self.seed, self.lo, self.hi,
            "x".join(str(d) for d in self.shape))


def run(cmd, **kw):
    proc = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if proc.returncode != 0:
        sys.exit("gpu-check prepare: error: {} failed:\n{}".format(
            " ".join(cmd), (proc.stdout + proc.stderr).strip()))
    return proc.stdout


class Bundle:
    def __init__(self, path, bin_dir, chip, cc):
        self.path, self.bin, self.chip, self.cc = path, bin_dir, chip, cc
        self.lines = []

    def tool(self, name):
        return os.path.join(self.bin, name)

    def add(self, name, mlir, entry, inputs, tolerance, reps=20,
            traffic=0):
        """Compiles `mlir` (a file) and records a case; `inputs` are arrays."""
        case_dir = os.path.join(self.path, name)
        os.makedirs(case_dir, exist_ok=True)
        obj = os.path.join(case_dir, name + ".o")
        run([self.tool("quant-compile"), mlir, "--entry", entry,
             "--device=cuda", "--chip", self.chip, "-o", obj])
        lib = os.path.join(case_dir, name + ".so")
        # -Bsymbolic: calls inside the library (the entry from its C
        # interface) stay there, even where the runner exports a symbol of
        # the same name (`main`).
        run([self.cc, "-shared", "-Wl,-Bsymbolic", obj,
             "-o", lib])
        os.remove(obj)
        args, directives = [], []
        for i, array in enumerate(inputs):
            if isinstance(array, Gen):
                # Written for the CPU reference only; the runner draws it.
                path = os.path.join(os.path.dirname(mlir),
                                    "%s.in%d.npy" % (name, i))
                np.save(path, array.array())
                directives.append("input " + array.directive())
            else:
                path = os.path.join(case_dir, "in%d.npy" % i)
                np.save(path, array)
                directives.append("input {}/in{}.npy".format(name, i))
            args += ["--input", path]
        expected_dir = os.path.join(case_dir, "expected")
        run([self.tool("quant-run"), mlir, "--entry", entry,
             "--reference-lowering", "--output-dir", expected_dir] + args)
        results = sorted(f for f in os.listdir(expected_dir)
                         if f.endswith(".npy"))
        self.lines.append("case {} {}/{}.so {} {} {} {}".format(
            name, name, name, entry, tolerance, reps, int(traffic)))
        self.lines += directives
        self.lines += ["expect {}/expected/{}".format(name, r)
                       for r in results]
        self.lines.append("end")
        print("prepared", name, flush=True)

    def write(self):
        with open(os.path.join(self.path, "manifest.txt"), "w") as f:
            f.write("# lowbit GPU check bundle: see docs/gpu.md\n")
            f.write("\n".join(self.lines) + "\n")


def gemv_case(bundle, work, rng, name, m, n, k, group, signed=True, reps=50):
    groups = k // group if group else 1
    gran = ("per_group<axis = 1, size = %d>" % group) if group else \
        "per_axis<0>"
    path = os.path.join(work, name + ".mlir")
    with open(path, "w") as f:
        f.write(GEMV.format(m=m, n=n, k=k, t="i4" if signed else "ui4",
                            g=gran, groups=groups))
    seed = int(rng.integers(1 << 40))
    a = Gen("f4", seed, -2.0, 2.0, (m, k))
    w = Gen("i1", seed + 1, -128, 127, (n, k // 2))
    s = Gen("f4", seed + 2, 0.5 / 64, 1.5 / 64, (n, groups))
    traffic = n * k // 2 + 4 * n * groups + 4 * m * k + 4 * m * n
    # f32 sums of up to K products in another order: relative to the
    # largest output, far below 1e-4.
    bundle.add(name, path, "main", [a, w, s], 1e-4, reps, traffic)


GEMM = """!w = !lowbit.qtensor<{n}x{k}, #lowbit.scheme<i4, per_group<axis = 1, size = {g}>>>
func.func @main(%a: tensor<{m}x{k}xf16>, %w: !w, %s: tensor<{n}x{groups}xf32>) -> tensor<{m}x{n}xf32> {{
  %y = lowbit.matmul %a, %w scale(%s : tensor<{n}x{groups}xf32>) transpose_rhs acc(f32)
      : tensor<{m}x{k}xf16>, !w -> tensor<{m}x{n}xf32>
  return %y : tensor<{m}x{n}xf32>
}}
"""


def w4a16_gemm_case(bundle, work, rng, name, m, n, k, group, reps=20):
    """W4A16 on tensor cores: f16 activations (stored), generated weights."""
    groups = k // group
    path = os.path.join(work, name + ".mlir")
    with open(path, "w") as f:
        f.write(GEMM.format(m=m, n=n, k=k, g=group, groups=groups))
    seed = int(rng.integers(1 << 40))
    a = rng.uniform(-2, 2, (m, k)).astype(np.float16)
    w = Gen("i1", seed, -128, 127, (n, k // 2))
    sc = Gen("f4", seed + 1, 0.5 / 64, 1.5 / 64, (n, groups))
    traffic = a.nbytes + n * k // 2 + 4 * n * groups + 4 * m * n
    # f32 sums of exact products in another order.
    bundle.add(name, path, "main", [a, w, sc], 1e-4, reps, traffic)


def w8a8_case(bundle, work, rng, name, m, n, k, reps=20):
    path = os.path.join(work, name + ".mlir")
    with open(path, "w") as f:
        f.write(W8A8.format(m=m, n=n, k=k))
    seed = int(rng.integers(1 << 40))
    a = Gen("i1", seed, -127, 127, (m, k))
    sa = Gen("f4", seed + 1, 0.5 / 127, 1.5 / 127, (m, 1))
    w = Gen("i1", seed + 2, -127, 127, (n, k))
    sw = Gen("f4", seed + 3, 0.5 / 127, 1.5 / 127, (n, 1))
    traffic = m * k + 4 * m + n * k + 4 * n + 4 * m * n
    # Exact i32 sums and the reference's epilogue: bit-identical.
    bundle.add(name, path, "main", [a, sa, w, sw], 0, reps, traffic)


def w4a4_clusters_case(bundle, work, rng, name, m, n, sizes, reps=20):
    """W4A4 with RPTQ clusters of the given sizes along K."""
    k, c = sum(sizes), len(sizes)
    path = os.path.join(work, name + ".mlir")
    with open(path, "w") as f:
        f.write(W4A4_CLUSTERS.format(m=m, n=n, k=k, c=c, sizes=list(sizes)))
    seed = int(rng.integers(1 << 40))
    a = Gen("i1", seed, -128, 127, (m, k // 2))
    sa = Gen("f4", seed + 1, 0.5 / 7, 1.5 / 7, (1, c))
    w = Gen("i1", seed + 2, -128, 127, (n, k // 2))
    sw = Gen("f4", seed + 3, 0.5 / 7, 1.5 / 7, (n, c))
    traffic = m * k // 2 + 4 * c + n * k // 2 + 4 * n * c + 4 * m * n
    # Exact i32 sums per cluster, scaled in the reference's order.
    bundle.add(name, path, "main", [a, sa, w, sw], 0, reps, traffic)


def model_cases(bundle, work, rng, quick):
    """The OPT-style generator, calibrated and quantized as in the tests."""
    py = sys.executable
    env = dict(os.environ, PYTHONPATH=os.path.join(
        os.path.dirname(bundle.bin), "python"))
    hidden, ffn, seq = (64, 256, 8) if quick else (256, 1024, 16)
    model = os.path.join(work, "opt.mlir")
    model1 = os.path.join(work, "opt1.mlir")
    common = ["--layers", "2", "--hidden", str(hidden), "--heads", "4",
              "--ffn", str(ffn), "--seed", "3"]
    run([py, "-m", "lowbit.frontends.opt"] + common +
        ["--seq-len", str(seq), "-o", model], env=env)
    run([py, "-m", "lowbit.frontends.opt"] + common +
        ["--seq-len", "1", "-o", model1], env=env)
    calib = os.path.join(work, "calib")
    os.makedirs(calib, exist_ok=True)
    for i in range(2):
        np.save(os.path.join(calib, "s%d.npy" % i),
                rng.normal(0, 1, (seq, hidden)).astype(np.float32))
    observed = os.path.join(work, "observed.mlir")
    stats = os.path.join(work, "stats.json")
    run([bundle.tool("quant-opt"), model, "--lowbit-insert-observers",
         "-o", observed])
    run([bundle.tool("quant-calibrate"), observed, "--data", calib,
         "--out", stats])
    x = rng.normal(0, 1, (seq, hidden)).astype(np.float32)
    x1 = rng.normal(0, 1, (1, hidden)).astype(np.float32)
    # Float-only programs: 1e-4 (reassociation, FMA contraction, libdevice
    # vs libm exp). With quantized activations, a value within an ulp of a
    # rounding boundary may round to the neighbouring code on one side:
    # one code step of one element, about 1e-2 of the output range.
    bundle.add("opt-fp32", model, "forward", [x], 1e-4, reps=10)
    rptq = "stats=%s clusters=8 head-clusters=2" % stats
    for name, options, tol in [
            ("opt-w8a8", "w=i8:channel a=i8:token kv=none", 2e-2),
            ("opt-w4a4kv4-rptq", "w=i4:cluster a=i4:cluster kv=i4:cluster",
             2e-2)]:
        path = os.path.join(work, name + ".mlir")
        run([bundle.tool("quant-opt"), observed,
             "--lowbit-rptq=%s %s" % (rptq, options), "-o", path])
        bundle.add(name, path, "forward", [x], tol, reps=10)
    path = os.path.join(work, "opt-w4a16-gemv.mlir")
    run([bundle.tool("quant-opt"), model1,
         "--lowbit-quantize=w=i4:g32 a=none kv=none", "--lowbit-fuse-dequant",
         "-o", path])
    bundle.add("opt-w4a16-gemv", path, "forward", [x1], 1e-4, reps=10)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bundle")
    parser.add_argument("--bin", default=os.path.join(REPO, "build", "bin"))
    parser.add_argument("--chip", default="sm_80",
                        help="PTX target; the driver compiles it for the "
                        "GPU it runs on (default sm_80)")
    parser.add_argument("--cc", default=os.environ.get("CC", "cc"),
                        help="C compiler that links the cases' shared "
                        "libraries (default: $CC or cc)")
    parser.add_argument("--quick", action="store_true",
                        help="small shapes only (what make check builds)")
    args = parser.parse_args()

    if os.path.exists(args.bundle):
        shutil.rmtree(args.bundle)
    os.makedirs(args.bundle)
    work = os.path.join(args.bundle, ".work")
    os.makedirs(work)
    bundle = Bundle(args.bundle, os.path.abspath(args.bin), args.chip,
                    args.cc)
    rng = np.random.default_rng(2026)

    gemv_case(bundle, work, rng, "gemv-ragged-100x96-g32", 1, 100, 96, 32)
    gemv_case(bundle, work, rng, "gemv-m8-256x2048-ui4-chan", 8, 256, 2048,
              0, signed=False)
    w8a8_case(bundle, work, rng, "w8a8-ragged-37x100x96", 37, 100, 96)
    w4a4_clusters_case(bundle, work, rng, "w4a4-clusters-37x100x256", 37, 100,
                       [21, 15, 15, 4, 4, 3, 1, 1, 64, 32, 96])
    w4a16_gemm_case(bundle, work, rng, "w4a16-gemm-20x100x256-g64", 20, 100,
                    256, 64)
    if not args.quick:
        for m in (16, 128):
            w8a8_case(bundle, work, rng, "w8a8-m%d-4096x4096" % m, m, 4096,
                      4096)
        # 32 clusters of uneven sizes over K = 4096, as RPTQ plans them.
        sizes = [int(x) for x in rng.multinomial(
            4096 - 32 * 16, np.full(32, 1 / 32)) + 16]
        w4a4_clusters_case(bundle, work, rng, "w4a4-rptq32-m128-4096x4096",
                           128, 4096, sizes)
        for m in (16, 128):
            w4a16_gemm_case(bundle, work, rng,
                            "w4a16-gemm-m%d-4096x4096-g128" % m, m, 4096,
                            4096, 128)
        for n, k in [(4096, 4096), (11008, 4096), (4096, 11008)]:
            gemv_case(bundle, work, rng, "gemv-w4a16-%dx%d-g128" % (n, k), 1,
                      n, k, 128)
        gemv_case(bundle, work, rng, "gemv-w4a16-m8-4096x4096", 8, 4096,
                  4096, 128)
    model_cases(bundle, work, rng, args.quick)
    bundle.write()
    shutil.rmtree(work)

    # The runner: its sources (built on the GPU machine) and a prebuilt copy.
    src = os.path.join(args.bundle, "runner")
    os.makedirs(os.path.join(src, "lowbit", "Runtime"))
    shutil.copy(os.path.join(REPO, "tools", "lowbit-gpu-runner",
                             "lowbit-gpu-runner.cpp"), src)
    shutil.copy(os.path.join(REPO, "lib", "Runtime", "CUDARuntime.cpp"), src)
    for header in ("CUDARuntime.h", "RuntimeSymbols.h"):
        shutil.copy(os.path.join(REPO, "include", "lowbit", "Runtime",
                                 header),
                    os.path.join(src, "lowbit", "Runtime"))
    shutil.copy(os.path.join(args.bin, "lowbit-gpu-runner"),
                os.path.join(args.bundle, "lowbit-gpu-runner.prebuilt"))
    size = sum(os.path.getsize(os.path.join(d, f))
               for d, _, fs in os.walk(args.bundle) for f in fs)
    print("bundle: {} ({} cases, {:.1f} MiB)".format(
        args.bundle, sum(l.startswith("case ") for l in bundle.lines),
        size / 2**20))


if __name__ == "__main__":
    main()
