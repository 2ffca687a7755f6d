"""Model-level accuracy of LowBit's quantization configurations.

For a llama2.c checkpoint: imports the model, samples calibration and
evaluation token sequences from the FP32 model (numpy reference forward,
fixed seed, disjoint sets), calibrates with ``quant-calibrate``, compiles
every configuration with ``quant-opt --lowbit-rptq=...`` (or
``--lowbit-quantize`` for configurations without reordering), executes it
with ``quant-run`` and compares next-token distributions with FP32:

* KL(FP32 || config), mean over positions and sequences (nats);
* top-1 agreement with FP32;
* perplexity of the evaluation sequences under the configuration.

    python3 -m lowbit.tools.accuracy ../shared/models/stories260K.bin \\
        --bin build/bin --work /tmp/acc --out docs/accuracy-stories260K.md

Progress goes to stderr; the Markdown table to ``--out`` (or stdout).
"""

import argparse
import os
import subprocess
import sys
import time

import numpy as np

from lowbit.models import llama2c_numpy
from lowbit import cli

# name, pass options (None: FP32). `reorder` picks lowbit-rptq (RPTQ
# reordering first) or lowbit-quantize on the observed model.
CONFIGS = [
    ("FP32", None, False),
    ("W4A16 (g{group})", "w=i4:g{group} a=none kv=none", False),
    ("W8A8 (per-channel x per-token)", "w=i8:channel a=i8:token kv=none", False),
    ("W4A8 (per-token x g{group})", "w=i4:g{group} a=i8:token kv=none", False),
    ("W4A4 per-tensor", "w=i4:channel a=i4:tensor kv=none", False),
    ("W4A4 per-channel (unfused ceiling)", "w=i4:channel a=i4:channel kv=none", False),
    ("W4A4 RPTQ clusters", "w=i4:cluster a=i4:cluster kv=none", True),
    ("W4A4KV4 RPTQ", "w=i4:cluster a=i4:cluster kv=i4:cluster", True),
    ("W4A3KV3 RPTQ", "w=i4:cluster a=i3:cluster kv=i3:cluster", True),
    ("W3A3KV3 RPTQ", "w=i3:cluster a=i3:cluster kv=i3:cluster", True),
]


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run(cmd):
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit("command failed: %s\n%s" % (" ".join(cmd), result.stderr))
    return result.stdout


def sample_sequences(cfg, w, count, length, rng):
    """Token sequences sampled from the FP32 model (temperature 1)."""
    sequences = []
    for _ in range(count):
        tokens = [1]  # llama2.c's BOS
        while len(tokens) < length:
            logits = llama2c_numpy.forward(cfg, w, np.array(tokens, np.int32))[-1]
            p = np.exp(logits - logits.max())
            p /= p.sum()
            tokens.append(int(rng.choice(len(p), p=p)))
        sequences.append(np.array(tokens, np.int32))
    return sequences


def log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def next_token_agreement(reference, logits):
    """Per position of two [S, V] logit arrays: KL(reference || logits) of
    the next-token distributions (nats) and whether their arg-max agrees."""
    lp, lq = log_softmax(reference), log_softmax(logits)
    kl = (np.exp(lp) * (lp - lq)).sum(-1)
    return kl, reference.argmax(-1) == logits.argmax(-1)


def main(argv=None):
    ap = cli.ArgumentParser(prog="python3 -m lowbit.tools.accuracy",
                                 description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--bin", default="build/bin", help="directory of quant-opt, quant-run, quant-calibrate")
    ap.add_argument("--work", required=True, help="scratch directory")
    ap.add_argument("--seq-len", type=int, default=32)
    ap.add_argument("--calib", type=int, default=8, help="calibration sequences")
    ap.add_argument("--eval", type=int, default=8, help="evaluation sequences")
    ap.add_argument("--clusters", type=int, default=8)
    ap.add_argument("--head-clusters", type=int, default=2)
    ap.add_argument("--group", type=int, default=128,
                    help="weight group size of W4A16/W4A8 (where it does not "
                    "divide K, the last group of a row is shorter)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default="-")
    args = ap.parse_args(argv)
    tool = lambda name: os.path.join(args.bin, name)
    os.makedirs(args.work, exist_ok=True)
    start = time.time()

    cfg, w = llama2c_numpy.load(args.checkpoint)
    rng = np.random.default_rng(args.seed)
    log("sampling %d + %d sequences of %d tokens from the FP32 model" %
        (args.calib, args.eval, args.seq_len))
    seqs = sample_sequences(cfg, w, args.calib + args.eval, args.seq_len, rng)
    calib, evals = seqs[:args.calib], seqs[args.calib:]
    calib_dir = os.path.join(args.work, "calib")
    os.makedirs(calib_dir, exist_ok=True)
    for i, s in enumerate(calib):
        np.save(os.path.join(calib_dir, "s%02d.npy" % i), s)
    eval_paths = []
    for i, s in enumerate(evals):
        path = os.path.join(args.work, "eval%02d.npy" % i)
        np.save(path, s)
        eval_paths.append(path)

    model = os.path.join(args.work, "model.mlir")
    run([sys.executable, "-m", "lowbit.frontends.llama2c", args.checkpoint,
         "--seq-len", str(args.seq_len), "-o", model])
    observed = os.path.join(args.work, "observed.mlir")
    run([tool("quant-opt"), model, "--lowbit-insert-observers", "-o", observed])
    stats = os.path.join(args.work, "stats.json")
    run([tool("quant-calibrate"), observed, "--data", calib_dir, "--out", stats])

    def logits_of(path, name):
        out = []
        for i, e in enumerate(eval_paths):
            d = os.path.join(args.work, "out", name, str(i))
            run([tool("quant-run"), path, "--entry", "forward", "--input", e, "--output-dir", d])
            out.append(np.load(os.path.join(d, "result0.npy")).astype(np.float64))
        return out

    rows = []
    reference = None
    group = "g%d" % args.group
    # Where the group does not divide K, each row's last group is shorter.
    short = ["last group %d of K = %d" % (k % args.group, k)
             for k in sorted({cfg["dim"], cfg["hidden_dim"]}) if k % args.group]
    group_name = ", ".join([group] + short)
    for name, options, reorder in CONFIGS:
        name = name.replace("g{group}", group_name)
        options = options and options.replace("g{group}", group)
        log("[%5.0fs] %s" % (time.time() - start, name))
        tag = "".join(c if c.isalnum() else "_" for c in name)
        if options is None:
            path = model
        else:
            path = os.path.join(args.work, tag + ".mlir")
            if reorder:
                flow = ("--lowbit-rptq=stats=%s %s clusters=%d head-clusters=%d seed=%d"
                        % (stats, options, args.clusters, args.head_clusters, args.seed))
                cmd = [tool("quant-opt"), observed, flow, "-o", path]
            else:
                cmd = [tool("quant-opt"), observed,
                       "--lowbit-import-stats=stats=" + stats,
                       "--lowbit-quantize=" + options, "--lowbit-fuse-dequant",
                       "-o", path]
            run(cmd)
        logits = logits_of(path, tag)
        if reference is None:
            reference = logits
        kl, top1, nll, n = 0.0, 0, 0.0, 0
        for ref, got, seq in zip(reference, logits, evals):
            kls, agree = next_token_agreement(ref, got)
            kl += float(kls.sum())
            top1 += int(agree.sum())
            # Next-token likelihood of the sequence itself.
            lq = log_softmax(got)
            nll -= float(lq[np.arange(len(seq) - 1), seq[1:]].sum())
            n += len(seq)
        rows.append((name, options or "-", kl / n, top1 / n,
                     float(np.exp(nll / (n - len(evals))))))

    lines = ["| configuration | options | KL vs FP32 (nats/token) | top-1 agreement | perplexity |",
             "|---|---|---|---|---|"]
    for name, options, kl, top1, ppl in rows:
        lines.append("| %s | `%s` | %.4f | %.1f%% | %.3f |" % (name, options, kl, 100 * top1, ppl))
    text = "\n".join(lines) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w") as f:
            f.write(text)
    log("done in %.0fs" % (time.time() - start))


if __name__ == "__main__":
    main()
