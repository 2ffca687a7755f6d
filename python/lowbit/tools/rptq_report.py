"""RPTQ Figure-1 style report: activation quantization error of OPT layers
per tensor, per channel and per RPTQ cluster.

For the inputs of the q/k/v projections (R1), the output projection (R3),
fc1 (R4) and fc2 (R5) of the chosen decoder layers, this tool

1. derives approximate per-channel [min, max] ranges from published
   activation statistics (OmniQuant ``act_scales`` = max |x| per channel and
   ``act_shifts`` = EMA of (max + min) / 2 per channel; the rule is the one in
   shared/models/README.md),
2. plans the RPTQ reorder with ``lowbit.calibration.plan`` (k-means on the
   points [max, min], 32 clusters by default; the same code as
   ``lowbit-plan-reorder``),
3. draws synthetic activations uniformly within every channel's [min, max]
   (seeded numpy generator), and
4. quantizes them with asymmetric min/max parameters chosen from the ranges
   (not from the samples), per tensor, per channel and per RPTQ cluster, all
   through ``lowbit.reference`` (the library's numerics), and reports MSE
   and SQNR.

The ranges are real measurements; the values are synthetic. Usage::

    python3 -m lowbit.tools.rptq_report \\
        --scales opt-1.3b.omniquant.act_scales.pt \\
        --shifts opt-1.3b.omniquant.act_shifts.pt --layer 12 [--bits 4] \\
        [-o docs/rptq-opt-1.3b.md]

A summary goes to stdout (one block per tensor, plus an ``ordering`` line
that says whether per-tensor error > RPTQ error >= per-channel error);
``-o`` also writes a Markdown report.
"""

import argparse
import math
import shlex
import sys

import numpy as np

import lowbit
from lowbit import reference
from lowbit._lowbit import calibration
from lowbit.tools.opt_act_stats import channel_ranges, load
from lowbit import cli

# (id, RPTQ name, module suffix, description). R2 (q/k heads) is not here:
# its statistics are projection outputs, which the files do not hold.
TENSORS = [
    ("R1", "self_attn.q_proj", "norm-1 output (q/k/v projection input)"),
    ("R3", "self_attn.out_proj", "attention output (out_proj input)"),
    ("R4", "fc1", "norm-2 output (fc1 input)"),
    ("R5", "fc2", "fc1 output after ReLU (fc2 input)"),
]


def quantization_error(x, stats, scheme):
    """MSE and SQNR (dB) of quantizing `x` ([T, C]) with `scheme`, its
    parameters chosen by lowbit.reference from `stats` ([2, C]: the channel
    minima and maxima, so the parameters are those of the ranges)."""
    scale, zero_point = reference.choose_params(scheme, stats)
    codes = reference.quantize(scheme, x, scale, zero_point)
    y = reference.dequantize(scheme, codes, scale, zero_point)
    err = x.astype(np.float64) - y.astype(np.float64)
    noise = float(np.sum(err * err))
    signal = float(np.sum(x.astype(np.float64) ** 2))
    mse = noise / x.size
    sqnr = math.inf if noise == 0 else 10 * math.log10(signal / noise)
    return mse, sqnr


def cluster_scheme(fmt, sizes):
    return ("#lowbit.scheme<%s, per_cluster<axis = 1, sizes = [%s]>, asymmetric>"
            % (fmt, ", ".join(str(int(s)) for s in sizes)))


def analyse(name, lo, hi, args, rng, heads=None, head_clusters=None):
    """Plans clusters and measures the three granularities for one tensor."""
    channels = lo.shape[0]
    k = head_clusters if heads else args.clusters
    perm, sizes = calibration.plan(lo, hi, k, heads=heads, seed=args.seed,
                                   restarts=args.restarts)
    u = rng.random((args.samples, channels), dtype=np.float64)
    x = (lo.astype(np.float64) + u * (hi.astype(np.float64) - lo)).astype(np.float32)
    stats = np.stack([lo, hi])
    fmt = "ui%d" % args.bits
    per_tensor = quantization_error(
        x, stats, "#lowbit.scheme<%s, per_tensor, asymmetric>" % fmt)
    per_channel = quantization_error(
        x, stats, "#lowbit.scheme<%s, per_axis<1>, asymmetric>" % fmt)
    rptq = quantization_error(np.ascontiguousarray(x[:, perm]),
                              np.ascontiguousarray(stats[:, perm]),
                              cluster_scheme(fmt, sizes))
    width = hi.astype(np.float64) - lo
    return {
        "name": name,
        "channels": channels,
        "sizes": [int(s) for s in sizes],
        "per_tensor": per_tensor,
        "per_channel": per_channel,
        "rptq": rptq,
        "range": (float(lo.min()), float(hi.max())),
        "width_ratio": float(width.max() / np.median(width)),
        "negative_min": int(np.count_nonzero(lo < 0)),
    }


def ordering(result):
    t, c, r = (result[key][0] for key in ("per_tensor", "per_channel", "rptq"))
    return ("per-tensor > rptq: %s; per-channel <= rptq: %s"
            % ("yes" if t > r else "no", "yes" if c <= r else "no"))


def format_summary(layer, tensor_id, module, result):
    lines = ["%s layer %d %s.in: %d channels, %d clusters, range [%.4g, %.4g]"
             % (tensor_id, layer, module, result["channels"],
                len(result["sizes"]), *result["range"])]
    for key, label in (("per_tensor", "per-tensor "), ("rptq", "rptq       "),
                       ("per_channel", "per-channel")):
        mse, sqnr = result[key]
        lines.append("  %s MSE %.4e  SQNR %6.2f dB" % (label, mse, sqnr))
    lines.append("  cluster sizes %s" % result["sizes"])
    lines.append("  %s ordering: %s" % (tensor_id, ordering(result)))
    return "\n".join(lines)


def markdown(args, command, rows, clamped_total):
    fmt = "ui%d" % args.bits
    out = []
    out.append("# RPTQ activation quantization error: OPT-1.3b (Figure-1 style)")
    out.append("")
    out.append("Generated by `lowbit.tools.rptq_report`; regenerate from the repository "
               "root, with the built package on the path (`PYTHONPATH=build/python`), with:")
    out.append("")
    out.append("```sh")
    out.append(command)
    out.append("```")
    out.append("")
    out.append("## What is real and what is synthetic")
    out.append("")
    out.append("- **Real:** the per-channel ranges. They come from OmniQuant's published "
               "OPT-1.3b activation statistics (`act_scales` = max |x| per input channel "
               "of each linear layer, `act_shifts` = EMA of (max + min) / 2), converted "
               "to [min, max] by the rule in shared/models/README.md. The EMA makes them "
               "approximate; %d channel(s) of the tensors below had |shift| > scale and "
               "got the shift clamped to [-scale, scale]." % clamped_total)
    out.append("- **Real:** the clustering. `lowbit.calibration.plan` (the code behind "
               "`lowbit-plan-reorder`) runs k-means on the points [max, min], "
               "%d clusters (per head: %d heads x %d clusters for the R3 per-head row), "
               "seed %d, %d restarts." % (args.clusters, args.heads, args.head_clusters,
                                          args.seed, args.restarts))
    out.append("- **Synthetic:** the activation values. %d tokens per tensor are drawn "
               "uniformly within every channel's [min, max] (numpy `default_rng(%d)`), "
               "so every channel fills its range; real activations concentrate near 0 "
               "and the absolute errors below are not those of the model." %
               (args.samples, args.seed))
    out.append("")
    out.append("## Method")
    out.append("")
    out.append("Asymmetric `%s` quantization (%d-bit, codes 0..%d) with static min/max "
               "parameters chosen from the ranges (not from the drawn values), through "
               "`lowbit.reference.choose_params` / `quantize` / `dequantize`: the "
               "library's numerics, which extend every range to include 0, round the "
               "zero point to nearest-even and clamp. Granularities:" %
               (fmt, args.bits, 2 ** args.bits - 1))
    out.append("")
    out.append("- per tensor: one (scale, zero point) for the tensor;")
    out.append("- RPTQ: channels reordered by the plan, one (scale, zero point) per "
               "cluster (`per_cluster<axis = 1, sizes = [...]>`);")
    out.append("- per channel: one per channel (`per_axis<1>`), the lower bound that "
               "clustering approaches as the number of clusters grows.")
    out.append("")
    out.append("MSE is the mean of (x - dequant(quant(x)))^2; SQNR = 10 log10(sum x^2 / "
               "sum (x - x')^2) in dB. Width ratio = largest channel range width / "
               "median width.")
    out.append("")
    out.append("| tensor | layer | channels | width ratio | per-tensor MSE | per-tensor SQNR "
               "| RPTQ clusters | RPTQ MSE | RPTQ SQNR | per-channel MSE | per-channel SQNR |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for layer, tensor_id, module, r in rows:
        out.append("| %s `%s` | %d | %d | %.1f | %.3e | %.2f dB | %d | %.3e | %.2f dB "
                   "| %.3e | %.2f dB |" % (
                       tensor_id, module, layer, r["channels"], r["width_ratio"],
                       r["per_tensor"][0], r["per_tensor"][1], len(r["sizes"]),
                       r["rptq"][0], r["rptq"][1], r["per_channel"][0],
                       r["per_channel"][1]))
    out.append("")
    out.append("## Cluster sizes")
    out.append("")
    out.append("In plan order (ascending cluster center max: narrow channels first, "
               "outlier channels last).")
    out.append("")
    for layer, tensor_id, module, r in rows:
        out.append("- layer %d %s `%s`: %s" % (layer, tensor_id, module,
                                              ", ".join(map(str, r["sizes"]))))
    out.append("")
    out.append("## Caveats")
    out.append("")
    r5 = ["layer %d: %d of %d" % (layer, r["negative_min"], r["channels"])
          for layer, tensor_id, _, r in rows if tensor_id == "R5"]
    if r5:
        out.append("- R5 (fc2 input) follows a ReLU, so its true minimum is 0, but the "
                   "range rule gives a negative min to many channels (%s): the EMA of "
                   "per-sample midpoints is below half the global max. These ranges are "
                   "used as derived, so R5's are too wide on the negative side." %
                   "; ".join(r5))
    out.append("- R2 (q/k projection outputs, per head) is missing: the statistics files "
               "hold linear-layer inputs only.")
    out.append("- RPTQ's R3 is 4 clusters per head: a permutation of the attention output "
               "folds into v's weight rows only when it keeps every channel in its head. "
               "The 32-cluster R3 row ignores heads (as the other rows do); the "
               "\"R3 per head\" row is the foldable plan (%d heads x %d clusters)." %
               (args.heads, args.head_clusters))
    out.append("- Uniform values make every channel use its full range, so the errors "
               "compare granularities on the measured ranges; they are not the model's "
               "errors and not comparable with the paper's perplexities.")
    out.append("")
    out.append("## Ordering check")
    out.append("")
    for layer, tensor_id, module, r in rows:
        out.append("- layer %d %s: %s" % (layer, tensor_id, ordering(r)))
    out.append("")
    return "\n".join(out)


def main(argv=None):
    parser = cli.ArgumentParser(
        prog="python3 -m lowbit.tools.rptq_report", description=__doc__.split("\n")[0])
    parser.add_argument("--scales", required=True, help="act_scales .pt (max |x| per channel)")
    parser.add_argument("--shifts", required=True, help="act_shifts .pt (EMA midpoint)")
    parser.add_argument("--layer", type=int, action="append", required=True,
                        help="decoder layer index (repeatable)")
    parser.add_argument("--bits", type=int, default=4, help="activation bits (default 4)")
    parser.add_argument("--clusters", type=int, default=32, help="RPTQ clusters (default 32)")
    parser.add_argument("--heads", type=int, default=32,
                        help="attention heads, for the R3 per-head row (OPT-1.3b: 32)")
    parser.add_argument("--head-clusters", type=int, default=4,
                        help="clusters per head for the R3 per-head row (RPTQ: 4)")
    parser.add_argument("--samples", type=int, default=1024,
                        help="synthetic tokens per tensor (default 1024)")
    parser.add_argument("--seed", type=int, default=0, help="k-means and sampling seed")
    parser.add_argument("--restarts", type=int, default=10, help="k-means restarts")
    parser.add_argument("--prefix", default="model.decoder.layers.",
                        help="module name prefix of a layer in the stats files")
    parser.add_argument("-o", "--output", help="write the Markdown report here")
    args = parser.parse_args(argv)
    if not 1 <= args.bits <= 8:
        parser.error("--bits must be in 1..8")

    scales = load(args.scales, "rptq_report")
    shifts = load(args.shifts, "rptq_report")
    rows = []
    clamped_total = 0
    blocks = []
    for layer in args.layer:
        for tensor_id, module, _ in TENSORS:
            key = "%s%d.%s" % (args.prefix, layer, module)
            if key not in scales or key not in shifts:
                sys.exit("rptq_report: no statistics for '%s'" % key)
            lo, hi, clamped, _ = channel_ranges(scales[key], shifts[key])
            lo, hi = lo.astype(np.float32), hi.astype(np.float32)
            clamped_total += clamped
            # One generator per tensor, so a tensor's values do not depend on
            # which other tensors are analysed.
            rng = np.random.default_rng([args.seed, layer, int(tensor_id[1])])
            result = analyse(key, lo, hi, args, rng)
            rows.append((layer, tensor_id, module, result))
            blocks.append(format_summary(layer, tensor_id, module, result))
            if tensor_id == "R3" and args.heads > 1:
                rng = np.random.default_rng([args.seed, layer, int(tensor_id[1])])
                result = analyse(key, lo, hi, args, rng, heads=args.heads,
                                 head_clusters=args.head_clusters)
                rows.append((layer, "R3 per head", module, result))
                blocks.append(format_summary(layer, "R3h", module, result))
    print("\n".join(blocks))
    if args.output:
        argv_text = sys.argv[1:] if argv is None else argv
        command = "python3 -m lowbit.tools.rptq_report " + " ".join(
            shlex.quote(a) for a in argv_text)
        with open(args.output, "w") as f:
            f.write(markdown(args, command, rows, clamped_total))
    return 0


if __name__ == "__main__":
    sys.exit(main())
