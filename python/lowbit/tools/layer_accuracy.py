"""Layer-level accuracy of OPT linears with real activation ranges.

For the q/k/v projections, out_proj, fc1 and fc2 of the chosen decoder
layers of an OPT model (sizes from the statistics: OPT-1.3b has hidden 2048,
FFN 8192), this tool measures the output error of ``y = x W^T`` under
several weight x activation quantization configurations:

1. the per-channel [min, max] of every linear's input is derived from the
   published OmniQuant ``act_scales`` / ``act_shifts`` (real measurements;
   the rule of shared/models/README.md, as in ``lowbit.tools.opt_act_stats``:
   q/k/v read one activation, so their ranges are united);
2. the RPTQ reorder of that input is planned with ``lowbit.calibration.plan``
   (k-means on the points [max, min]; the code behind lowbit-plan-reorder);
3. synthetic activations ``x [tokens, K]`` are drawn within every channel's
   [min, max] (``--dist uniform``: uniform over the range; ``normal``: mean
   at the range midpoint, standard deviation width / 6, clipped to the
   range), and synthetic weights ``W [N, K] = z * s_n / sqrt(K)`` with
   ``z ~ N(0, 1)`` and a log-normal scale per output row,
   ``s_n = exp(--row-spread * N(0, 1))``; all seeded numpy generators;
4. every configuration (``w=SPEC a=SPEC``, the option syntax of
   lowbit-quantize) is turned into the schemes the pass builds for a
   PyTorch-layout weight (K axis 1) and its input by
   ``lowbit.scheme_from_spec`` (the pass's own code). Static activation parameters
   are chosen from the [2, K] rows (min, max) as the pass does; dynamic ones
   and weight parameters from the data. Quantize and dequantize go through
   ``lowbit.quantizer`` (the pass's own host quantizer);
5. the error of ``dequant(x) dequant(W)^T`` against the float64 product of
   the unquantized x and W is reported as the relative Frobenius error
   ``||y' - y|| / ||y||`` and as SQNR = -20 log10(relative error) in dB.

Cluster configurations work in the reordered channel order (x and W
columns permuted alike, so the exact product is unchanged).

Usage::

    python3 -m lowbit.tools.layer_accuracy \\
        --scales opt-1.3b.omniquant.act_scales.pt \\
        --shifts opt-1.3b.omniquant.act_shifts.pt --layer 0 --layer 12 \\
        [--tokens 128] [--dist uniform] [--act-option asymmetric] [-o table.md]

One line per linear and configuration goes to stdout, then per linear a
``checks`` line (RPTQ error < per-tensor error; W8A8 error < every W4A4
error); ``-o`` writes a Markdown table of SQNR in dB. Progress goes to
stderr.
"""

import argparse
import math
import shlex
import sys
import time

import numpy as np

import lowbit
from lowbit import quantizer
from lowbit._lowbit import calibration
from lowbit.tools.opt_act_stats import channel_ranges, load
from lowbit import cli

# (label, lowbit-quantize options); W8A8 and RPTQ are named for the checks.
CONFIGS = [
    ("W4A4 per-tensor", "w=i4:channel a=i4:tensor"),
    ("W4A4 per-token", "w=i4:channel a=i4:token"),
    ("W4A4 RPTQ", "w=i4:cluster a=i4:cluster"),
    ("W4A4 per-channel", "w=i4:channel a=i4:channel"),
    ("W8A8", "w=i8:channel a=i8:token"),
]

# (linear, module suffix, input id); q/k/v share the input "qkv".
LINEARS = [
    ("q_proj", "self_attn.q_proj", "qkv"),
    ("k_proj", "self_attn.k_proj", "qkv"),
    ("v_proj", "self_attn.v_proj", "qkv"),
    ("out_proj", "self_attn.out_proj", "out_proj"),
    ("fc1", "fc1", "fc1"),
    ("fc2", "fc2", "fc2"),
]


def weight_scheme(spec, sizes):
    """The scheme lowbit-quantize gives a weight [N, K] for `spec`."""
    return lowbit.scheme_from_spec(spec, "weight", clusters=list(sizes), k_axis=1)


def activation_scheme(spec, sizes):
    """(scheme text, dynamic) of an activation [tokens, K] for `spec`."""
    text = lowbit.scheme_from_spec(spec, "activation", clusters=list(sizes))
    return text, ", dynamic" in text


def fake_quant(scheme, x, param_source):
    params = quantizer.choose_params(scheme, param_source)
    codes = quantizer.quantize(scheme, x, *params)
    return quantizer.dequantize(scheme, codes, *params).astype(np.float64)


def linear_error(x, w, stats, perm, sizes, options, cache):
    """Relative Frobenius error of the quantized linear for one config;
    `cache` keeps quantized weights by scheme for the other configs."""
    words = dict(part.split("=", 1) for part in options.split())
    wspec, aspec = words["w"], words["a"]
    clustered = "cluster" in wspec or "cluster" in aspec
    if clustered:
        x, w, stats = (np.ascontiguousarray(a[:, perm]) for a in (x, w, stats))
    ascheme, dynamic = activation_scheme(aspec, sizes)
    xq = fake_quant(ascheme, x, x if dynamic else stats)
    wscheme = weight_scheme(wspec, sizes)
    if (wscheme, clustered) not in cache:
        cache[(wscheme, clustered)] = fake_quant(wscheme, w, w)
    wq = cache[(wscheme, clustered)]
    y = x.astype(np.float64) @ w.astype(np.float64).T
    err = np.linalg.norm(xq @ wq.T - y) / np.linalg.norm(y)
    return float(err), ascheme, wscheme


def sample(lo, hi, tokens, dist, rng):
    lo64, hi64 = lo.astype(np.float64), hi.astype(np.float64)
    if dist == "uniform":
        x = lo64 + rng.random((tokens, lo.shape[0])) * (hi64 - lo64)
    else:
        x = np.clip((lo64 + hi64) / 2 + rng.standard_normal((tokens, lo.shape[0]))
                    * (hi64 - lo64) / 6, lo64, hi64)
    return x.astype(np.float32)


def sqnr(err):
    return math.inf if err == 0 else -20 * math.log10(err)


def main(argv=None):
    parser = cli.ArgumentParser(
        prog="python3 -m lowbit.tools.layer_accuracy",
        description=__doc__.split("\n")[0])
    parser.add_argument("--scales", required=True, help="act_scales .pt (max |x| per channel)")
    parser.add_argument("--shifts", required=True, help="act_shifts .pt (EMA midpoint)")
    parser.add_argument("--layer", type=int, action="append", required=True,
                        help="decoder layer index (repeatable)")
    parser.add_argument("--linear", action="append", choices=[l[0] for l in LINEARS],
                        help="linears to measure (repeatable; default all six)")
    parser.add_argument("--tokens", type=int, default=128, help="synthetic tokens (default 128)")
    parser.add_argument("--dist", choices=["uniform", "normal"], default="uniform",
                        help="activation values within each channel's range")
    parser.add_argument("--row-spread", type=float, default=0.5,
                        help="sigma of the log-normal per-row weight scale (default 0.5)")
    parser.add_argument("--act-option", action="append", default=[],
                        help="extra option appended to every activation spec, e.g. "
                             "asymmetric (repeatable)")
    parser.add_argument("--clusters", type=int, default=32, help="RPTQ clusters (default 32)")
    parser.add_argument("--seed", type=int, default=0, help="sampling and k-means seed")
    parser.add_argument("--restarts", type=int, default=10, help="k-means restarts")
    parser.add_argument("--prefix", default="model.decoder.layers.",
                        help="module name prefix of a layer in the stats files")
    parser.add_argument("-o", "--output", help="write a Markdown table (SQNR dB) here")
    args = parser.parse_args(argv)

    configs = []
    for label, options in CONFIGS:
        words = options.split()
        words = [w + "".join(":" + o for o in args.act_option) if w.startswith("a=") else w
                 for w in words]
        configs.append((label, " ".join(words)))
    wanted = args.linear or [l[0] for l in LINEARS]

    scales = load(args.scales, "layer_accuracy")
    shifts = load(args.shifts, "layer_accuracy")
    rows = []
    failures = 0
    start = time.time()
    for layer in args.layer:
        inputs = {}
        for name, module, input_id in LINEARS:
            key = "%s%d.%s" % (args.prefix, layer, module)
            if key not in scales or key not in shifts:
                raise SystemExit("layer_accuracy: no statistics for '%s'" % key)
            lo, hi, _, _ = channel_ranges(scales[key], shifts[key])
            if input_id in inputs:
                plo, phi = inputs[input_id]
                lo, hi = np.minimum(plo, lo), np.maximum(phi, hi)
            inputs[input_id] = (lo, hi)
        planned = {}
        for index, (name, module, input_id) in enumerate(LINEARS):
            if name not in wanted:
                continue
            lo, hi = (a.astype(np.float32) for a in inputs[input_id])
            if input_id not in planned:
                print("layer %d %s: planning %d clusters on %d channels (%.0f s)"
                      % (layer, input_id, args.clusters, lo.shape[0], time.time() - start),
                      file=sys.stderr, flush=True)
                perm, sizes = calibration.plan(lo, hi, args.clusters, seed=args.seed,
                                               restarts=args.restarts)
                # One generator per input: the values do not depend on which
                # linears or layers are measured.
                rng = np.random.default_rng([args.seed, layer, len(planned)])
                planned[input_id] = (perm, [int(s) for s in sizes],
                                     sample(lo, hi, args.tokens, args.dist, rng))
            perm, sizes, x = planned[input_id]
            k = lo.shape[0]
            n = scales["%s%d.%s" % (args.prefix, layer, "fc2")].shape[0] \
                if name == "fc1" else (k // 4 if name == "fc2" else k)
            wrng = np.random.default_rng([args.seed, layer, 100 + index])
            row_scale = np.exp(args.row_spread * wrng.standard_normal(n))
            w = (wrng.standard_normal((n, k)) * row_scale[:, None] / math.sqrt(k)).astype(np.float32)
            stats = np.stack([lo, hi])
            print("layer %d %s: [%d, %d] x [%d, %d]^T (%.0f s)"
                  % (layer, name, args.tokens, k, n, k, time.time() - start),
                  file=sys.stderr, flush=True)
            errors, cache = {}, {}
            for label, options in configs:
                err, ascheme, wscheme = linear_error(x, w, stats, perm, sizes, options,
                                                       cache)
                errors[label] = err
                short = lambda s: s if len(s) < 70 else s[:60] + "...>"
                print("layer %d %-8s %-17s rel.err %.4e  SQNR %6.2f dB  a=%s w=%s"
                      % (layer, name, label, err, sqnr(err), short(ascheme), short(wscheme)))
            w4 = [e for label, e in errors.items() if label.startswith("W4A4")]
            ok_rptq = errors["W4A4 RPTQ"] < errors["W4A4 per-tensor"]
            ok_w8 = errors["W8A8"] < min(w4)
            failures += (not ok_rptq) + (not ok_w8)
            print("layer %d %s checks: rptq < per-tensor: %s; w8a8 < all w4a4: %s"
                  % (layer, name, "yes" if ok_rptq else "no", "yes" if ok_w8 else "no"))
            rows.append((layer, name, n, k, errors))

    if args.output:
        argv_text = sys.argv[1:] if argv is None else argv
        labels = [label for label, _ in configs]
        out = ["Generated by `python3 -m lowbit.tools.layer_accuracy %s`."
               % " ".join(shlex.quote(a) for a in argv_text), "",
               "Output SQNR in dB (-20 log10 of the relative Frobenius error); "
               "higher is better.", "",
               "| layer | linear | W [N, K] | " + " | ".join(labels) + " |",
               "|---|---|---|" + "---|" * len(labels),
               "| | options | | " + " | ".join("`%s`" % o for _, o in configs) + " |"]
        for layer, name, n, k, errors in rows:
            out.append("| %d | %s | [%d, %d] | " % (layer, name, n, k)
                       + " | ".join("%.2f" % sqnr(errors[l]) for l in labels) + " |")
        mean = {l: sum(sqnr(r[4][l]) for r in rows) / len(rows) for l in labels}
        out.append("| | **mean** | | " + " | ".join("**%.2f**" % mean[l] for l in labels) + " |")
        with open(args.output, "w") as f:
            f.write("\n".join(out) + "\n")
    print("done in %.0f s, %d failed check(s)" % (time.time() - start, failures),
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
