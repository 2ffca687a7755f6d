"""LowBit's demo: one model through the whole compiler, end to end.

The real llama2.c model stories260K when ``../shared/models`` has it, else
the project's OPT-style generator (2 layers, hidden 64, synthetic outlier
channels):

1. import the model as MLIR (``lowbit.frontends``);
2. insert observers and calibrate by execution (``quant-calibrate``);
3. plan the RPTQ channel reordering and fold it into norms and weights
   (``--lowbit-rptq-reorder``; the fold report goes to a file);
4. quantize at W8A8, W4A16 and W4A4KV4 (per-tensor activations, and RPTQ
   clusters), fuse dequantization into ``lowbit.matmul`` (``quant-opt``);
5. lower to the fused CPU kernels, JIT-compile and run (``quant-run``);

then print one table: KL divergence and top-1 agreement of the next-token
distributions against FP32 (for the generator, which has no vocabulary: the
relative error of its output, Frobenius norm), time to compile (the
quantization passes, lowering to LLVM and code generation), time to run, and
the bytes of the linear layers' weights. The configurations are compiled in
parallel, one per core.

    PYTHONPATH=build/python /usr/bin/python3 -m lowbit.tools.demo \\
        --bin build/bin --work build/demo

Exits non-zero when a step fails or when the RPTQ-folded model does not
compute the original function.
"""

import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import time

import numpy as np

from lowbit.models import llama2c_numpy
from lowbit.tools.accuracy import next_token_agreement, sample_sequences
from lowbit import cli

# A folded model computes the original function up to f32 reassociation.
FOLD_TOLERANCE = 1e-4


class DemoError(Exception):
    pass


def run(cmd):
    """Runs a command; returns (stdout, stderr, seconds)."""
    start = time.monotonic()
    result = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.monotonic() - start
    if result.returncode != 0:
        message = (result.stderr.strip() or result.stdout.strip()).splitlines()
        raise DemoError("%s failed: %s" % (os.path.basename(cmd[0]),
                                           message[-1] if message else
                                           "exit %d" % result.returncode))
    return result.stdout, result.stderr, seconds


TIMING = re.compile(r"quant-run: timing: parse ([0-9.]+) s, lower ([0-9.]+) s, "
                    r"codegen ([0-9.]+) s, run ([0-9.]+) s")
WEIGHTS = re.compile(r"weights: ([0-9]+) B f32 -> ([0-9]+) B")


def host_description():
    """CPU model and the vector features the kernels are selected by."""
    name, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key.strip() == "model name" and name == "unknown CPU":
                    name = value.strip()
                elif key.strip() == "flags" and not flags:
                    flags = set(value.split())
    except OSError:
        pass
    if "avx512f" in flags:
        isa = "AVX-512" + "".join(
            "+" + n for f, n in (("avx512_vnni", "VNNI"), ("avx512_bf16", "BF16"))
            if f in flags)
    elif "avx2" in flags:
        isa = "AVX2 (no AVX-512)"
    else:
        isa = "no AVX2"
    return "%s, %s, %d cores" % (name, isa, os.cpu_count() or 1)


def main(argv=None):
    ap = cli.ArgumentParser(prog="python3 -m lowbit.tools.demo",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default="build/bin",
                    help="directory of quant-opt, quant-run, quant-calibrate")
    ap.add_argument("--work", default="build/demo",
                    help="where the IR, statistics and reports are written "
                    "(default build/demo)")
    ap.add_argument("--models", default=os.path.join("..", "shared", "models"),
                    help="directory holding stories260K.bin (default "
                    "../shared/models); the OPT-style generator where absent")
    ap.add_argument("--seq-len", type=int, default=64,
                    help="tokens per sequence (default 64)")
    ap.add_argument("--calib", type=int, default=8,
                    help="calibration sequences (default 8)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="configurations compiled at once (default: cores)")
    args = ap.parse_args(argv)
    try:
        return demo(args)
    except DemoError as e:
        print("demo: error: %s" % e, file=sys.stderr)
        return 1


def demo(args):
    if args.seq_len < 2 or args.calib < 1 or args.jobs < 1:
        raise DemoError("--seq-len must be at least 2, --calib and --jobs "
                        "at least 1")
    tool = lambda name: os.path.join(args.bin, name)
    for name in ("quant-opt", "quant-run", "quant-calibrate"):
        if not os.access(tool(name), os.X_OK):
            raise DemoError("%s not found in %s (build first: make build)"
                            % (name, args.bin))
    work = args.work
    os.makedirs(os.path.join(work, "calib"), exist_ok=True)
    start = time.monotonic()

    def step(message):
        print("[%5.1fs] %s" % (time.monotonic() - start, message), flush=True)

    print("LowBit demo on %s" % host_description())
    checkpoint = os.path.join(args.models, "stories260K.bin")
    model = os.path.join(work, "model.mlir")
    s = args.seq_len
    if os.path.isfile(checkpoint):
        cfg, w = llama2c_numpy.load(checkpoint)
        llama = True
        rng = np.random.default_rng(0)
        seqs = sample_sequences(cfg, w, args.calib + 1, s, rng)
        run([sys.executable, "-m", "lowbit.frontends.llama2c", checkpoint,
             "--seq-len", str(s), "-o", model])
        step("model: stories260K (llama2.c; %d layers, dim %d, vocabulary %d)"
             " imported; %d + 1 sequences of %d tokens sampled from it"
             % (cfg["n_layers"], cfg["dim"], cfg["vocab_size"], args.calib, s))
    else:
        llama = False
        rng = np.random.default_rng(0)
        seqs = [rng.normal(0, 1, (s, 64)).astype(np.float32)
                for _ in range(args.calib + 1)]
        run([sys.executable, "-m", "lowbit.frontends.opt", "--layers", "2",
             "--hidden", "64", "--heads", "4", "--ffn", "256", "--seq-len",
             str(s), "--seed", "0", "-o", model])
        step("model: OPT-style generator (2 layers, hidden 64, 4 heads; %s "
             "absent), %d + 1 inputs of %d tokens" % (checkpoint, args.calib, s))
    for i, seq in enumerate(seqs[:-1]):
        np.save(os.path.join(work, "calib", "sample%02d.npy" % i), seq)
    evaluation = os.path.join(work, "eval.npy")
    np.save(evaluation, seqs[-1])

    observed = os.path.join(work, "observed.mlir")
    run([tool("quant-opt"), model, "--lowbit-insert-observers", "-o", observed])
    with open(observed) as f:
        observers = f.read().count("lowbit.observe ")
    stats = os.path.join(work, "stats.json")
    run([tool("quant-calibrate"), observed, "--entry", "forward", "--data",
         os.path.join(work, "calib"), "--out", stats])
    step("calibrated: %d observers over %d sequences (quant-calibrate) -> %s"
         % (observers, args.calib, stats))

    fold_report = os.path.join(work, "fold-report.txt")
    rptq = "stats=%s clusters=8 head-clusters=2" % stats
    # (name, how it is built, lowbit-quantize options): "fp32" is the
    # imported model, "fold" the RPTQ reorder pipeline alone, "quantize"
    # lowbit-quantize + fusion on the observed model, "rptq" the whole
    # lowbit-rptq pipeline.
    configs = [
        ("FP32", "fp32", None),
        ("FP32, RPTQ reordered + folded", "fold", None),
        ("W8A8 (channel x token)", "quantize", "w=i8:channel a=i8:token kv=none"),
        ("W4A16 (g32)", "quantize", "w=i4:g32 a=none kv=none"),
        ("W4A4KV4 (per-tensor, no RPTQ)", "quantize",
         "w=i4:channel a=i4:tensor kv=i4:tensor"),
        ("W4A4KV4 (RPTQ clusters)", "rptq",
         "w=i4:cluster a=i4:cluster kv=i4:cluster"),
    ]

    def build_and_run(index):
        _, kind, options = configs[index]
        tag = "c%d" % index
        compile_seconds, weight_bytes = 0.0, None
        path, matmuls = model, 0
        report = os.path.join(work, tag + ".report.txt")
        flags = {
            "fold": ["--lowbit-rptq-reorder=%s report=%s" % (rptq, fold_report)],
            "quantize": ["--lowbit-import-stats=stats=" + stats,
                         "--lowbit-quantize=%s report=%s" % (options, report),
                         "--lowbit-fuse-dequant"],
            "rptq": ["--lowbit-rptq=%s %s quant-report=%s"
                     % (rptq, options, report)],
        }.get(kind)
        if flags:
            path = os.path.join(work, tag + ".mlir")
            _, _, seconds = run([tool("quant-opt"), observed] + flags +
                                ["-o", path])
            compile_seconds += seconds
            if options:
                with open(report) as f:
                    found = WEIGHTS.search(f.read())
                if not found:
                    raise DemoError("no weight summary in " + report)
                weight_bytes = (int(found.group(1)), int(found.group(2)))
            with open(path) as f:
                matmuls = len(re.findall(r"= lowbit\.matmul ", f.read()))
        out = os.path.join(work, "out", tag)
        _, err, _ = run([tool("quant-run"), path, "--entry", "forward",
                         "--input", evaluation, "--output-dir", out, "--timing"])
        timing = TIMING.search(err)
        if not timing:
            raise DemoError("quant-run printed no timing line")
        compile_seconds += float(timing.group(2)) + float(timing.group(3))
        result = np.load(os.path.join(out, "result0.npy")).astype(np.float64)
        return (result, matmuls, compile_seconds, float(timing.group(4)),
                weight_bytes)

    step("compiling and running %d configurations, %d at a time (quant-opt, "
         "quant-run)" % (len(configs), args.jobs))
    with concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        # The quantized configurations (last) compile longest: start them
        # first so that the FP32 ones fill the cores at the end.
        futures = {i: pool.submit(build_and_run, i)
                   for i in reversed(range(len(configs)))}
        results = [futures[i].result() for i in range(len(configs))]
    step("done; fold report: %s" % fold_report)

    reference = results[0][0]
    f32_bytes = next((r[4][0] for r in results if r[4]), None)
    rows = []
    for (name, _, _), (out, matmuls, compiled, ran, weights) in zip(
            configs, results):
        if llama:
            kls, agree = next_token_agreement(reference, out)
            kl, top1 = float(kls.mean()), float(agree.mean())
            quality = ["%.4f" % kl, "%.1f%%" % (100 * top1)]
        else:
            err = float(np.linalg.norm(out - reference) /
                        np.linalg.norm(reference))
            quality = ["%.2e" % err]
        if weights:
            size = "%.1f KiB (%.2fx smaller)" % (weights[1] / 1024,
                                                weights[0] / weights[1])
        else:
            size = "%.1f KiB" % (f32_bytes / 1024) if f32_bytes else "f32"
        rows.append([name, str(matmuls)] + quality +
                    ["%.1f" % compiled, "%.3f" % ran, size])
    header = (["configuration", "fused matmuls"] +
              (["KL vs FP32", "top-1 vs FP32"] if llama else
               ["|out - FP32| / |FP32|"]) +
              ["compile s", "run s", "linear-layer weights"])
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    print()
    for r in [header, ["-" * n for n in widths]] + rows:
        print("  " + "  ".join(c.ljust(n) if i == 0 else c.rjust(n)
                               for i, (c, n) in enumerate(zip(r, widths))))
    print()
    print("compile s: quantization passes + lowering to LLVM + code generation;"
          " run s: one forward over %d tokens, one thread. Total %.0f s."
          % (s, time.monotonic() - start))

    folded = results[1][0]
    error = float(np.abs(folded - reference).max() / np.abs(reference).max())
    if error > FOLD_TOLERANCE:
        raise DemoError("the RPTQ-folded model differs from the original: "
                        "max|diff|/max|FP32| = %.2e (tolerance %g)"
                        % (error, FOLD_TOLERANCE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
