"""Convert per-channel activation statistics of OPT models measured with
PyTorch hooks (SmoothQuant/OmniQuant ``act_scales`` and ``act_shifts``) to
LowBit's stats JSON (docs/calibration.md), for ``lowbit-import-stats``::

    python3 -m lowbit.tools.opt_act_stats \\
        --scales opt-125m.omniquant.act_scales.pt \\
        [--shifts opt-125m.omniquant.act_shifts.pt] \\
        -o stats.json [--layers N] [--all]

Inputs are ``torch.save`` dicts keyed by the Hugging Face module names of the
``nn.Linear`` layers (``model.decoder.layers.<i>.self_attn.q_proj``, ...,
``lm_head``), each a float tensor with one value per *input* channel:

* ``act_scales``: max |x| over the calibration tokens;
* ``act_shifts``: an EMA (0.99/0.01 over samples) of (max + min) / 2.

Per channel, [min, max] is derived as in shared/models/README.md: with
shift >= 0, max = scale and min = 2 shift - scale; otherwise min = -scale and
max = 2 shift + scale. The EMA can leave |shift| > scale, which would give
min > max; such shifts are clamped to [-scale, scale] first and counted.
Without ``--shifts`` the ranges are symmetric, [-scale, scale].

Observer ids follow docs/model-ir.md: ``model.decoder.layers.<i>.<name>``
becomes ``layers.<i>.<name>.in``. The q, k and v projections read the same
activation, so their entries become the single observer
``layers.<i>.self_attn.q_proj.in`` (the union of their ranges). Other
linears (``lm_head``, OPT-350m's ``project_in``/``project_out``) have no
observer in the decoder-stack IR; they are left out unless ``--all`` is
given (ids ``lm_head.in``, ``project_in.in``, ...). ``--layers N`` keeps
layers 0..N-1 only, for models built with fewer layers.

A summary goes to stderr: observers written, channels whose shift was
clamped (and how many of those exceed the scale by more than 1e-6, the
margin shared/models/README.md counts with).
"""

import argparse
import json
import re
import sys

import numpy as np
from lowbit import cli

__all__ = ["channel_ranges", "convert", "main"]

LAYER_KEY = re.compile(r"^model\.decoder\.layers\.(\d+)\.(.+)$")
SHARED_INPUT = re.compile(r"^(self_attn\.)(k_proj|v_proj)$")
README_MARGIN = 1e-6


def load(path, tool="opt_act_stats"):
    """The dict of a ``torch.save`` file, as float64 numpy arrays; errors
    exit with one line naming ``tool``."""
    try:
        import torch
    except ImportError:
        raise SystemExit(f"{tool}: error: reading .pt files needs PyTorch "
                         "(Debian: apt-get install python3-torch)")
    try:
        data = torch.load(path, map_location="cpu")
    except Exception as e:  # torch raises many types for unreadable files
        raise SystemExit(f"{tool}: error: cannot read '{path}': {e}")
    if not isinstance(data, dict):
        raise SystemExit(f"{tool}: error: '{path}' holds a "
                         f"{type(data).__name__}, expected a dict of tensors")
    return {k: np.asarray(v.detach().cpu().double().numpy()) for k, v in data.items()}


def channel_ranges(scale, shift=None):
    """Per-channel (min, max, clamped, clamped_beyond_margin) from absmax
    ``scale`` and midpoint ``shift`` (see the module docstring)."""
    scale = np.asarray(scale, np.float64)
    if shift is None:
        return -scale, scale.copy(), 0, 0
    shift = np.asarray(shift, np.float64)
    excess = np.abs(shift) - scale
    clamped = int(np.count_nonzero(excess > 0))
    beyond = int(np.count_nonzero(excess > README_MARGIN))
    shift = np.clip(shift, -scale, scale)
    lo = np.where(shift >= 0, 2 * shift - scale, -scale)
    hi = np.where(shift >= 0, scale, 2 * shift + scale)
    return lo, hi, clamped, beyond


def observer_id(key, layers=None, keep_all=False):
    """The observer id of a Hugging Face linear name, or None to skip it."""
    m = LAYER_KEY.match(key)
    if m:
        if layers is not None and int(m.group(1)) >= layers:
            return None
        name = SHARED_INPUT.sub(r"\1q_proj", m.group(2))
        return f"layers.{m.group(1)}.{name}.in"
    if not keep_all:
        return None
    return key[len("model.decoder."):] + ".in" if key.startswith("model.decoder.") \
        else key + ".in"


def f32(values):
    """Floats that print with the fewest digits that read back as the same
    float32 (so the JSON stays readable)."""
    return [float(str(v)) for v in np.asarray(values, np.float32)]


def convert(scales, shifts=None, layers=None, keep_all=False, source=""):
    """The stats JSON document and a summary dict."""
    if shifts is not None:
        missing = sorted(set(scales) - set(shifts))
        if missing:
            raise SystemExit(f"opt_act_stats: error: no shift for {len(missing)} "
                             f"linear(s), e.g. '{missing[0]}'")
    ranges = {}
    clamped = beyond = skipped = 0
    for key, scale in scales.items():
        oid = observer_id(key, layers, keep_all)
        if oid is None:
            skipped += 1
            continue
        if scale.ndim != 1:
            raise SystemExit(f"opt_act_stats: error: '{key}' has shape "
                             f"{list(scale.shape)}, expected one value per channel")
        shift = None if shifts is None else shifts[key]
        if shift is not None and shift.shape != scale.shape:
            raise SystemExit(f"opt_act_stats: error: '{key}': shift shape "
                             f"{list(shift.shape)} != scale shape {list(scale.shape)}")
        lo, hi, c, b = channel_ranges(scale, shift)
        clamped += c
        beyond += b
        if oid in ranges:  # k/v next to q: the same activation
            plo, phi = ranges[oid]
            if plo.shape != lo.shape:
                raise SystemExit(f"opt_act_stats: error: '{key}' has "
                                 f"{lo.shape[0]} channels, other readers of "
                                 f"'{oid}' have {plo.shape[0]}")
            lo, hi = np.minimum(plo, lo), np.maximum(phi, hi)
        ranges[oid] = (lo, hi)

    def order(oid):  # layer order, then name
        m = re.match(r"^layers\.(\d+)\.(.*)$", oid)
        return (0, int(m.group(1)), m.group(2)) if m else (1, 0, oid)

    observers = {}
    for oid in sorted(ranges, key=order):
        lo, hi = ranges[oid]
        observers[oid] = {"axis": -1, "channels": int(lo.shape[0]),
                          "min": f32(lo), "max": f32(hi)}
    doc = {"format": "lowbit-stats", "version": 1}
    if source:
        doc["source"] = source
    doc["observers"] = observers
    summary = {"observers": len(observers), "linears": len(scales) - skipped,
               "skipped": skipped, "clamped": clamped, "beyond": beyond}
    return doc, summary


def write(doc, out):
    """One line per array, as quant-calibrate writes."""
    lines = ["{"]
    for key in ("format", "version", "source"):
        if key in doc:
            lines.append(f"  {json.dumps(key)}: {json.dumps(doc[key])},")
    lines.append('  "observers": {')
    entries = []
    for oid, e in doc["observers"].items():
        entries.append(
            f"    {json.dumps(oid)}: {{\n"
            f"      \"axis\": {e['axis']},\n"
            f"      \"channels\": {e['channels']},\n"
            f"      \"min\": {json.dumps(e['min'], allow_nan=False)},\n"
            f"      \"max\": {json.dumps(e['max'], allow_nan=False)}\n"
            f"    }}")
    lines.append(",\n".join(entries))
    lines.append("  }")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if out == "-":
        sys.stdout.write(text)
    else:
        with open(out, "w") as f:
            f.write(text)


def main(argv=None):
    ap = cli.ArgumentParser(
        prog="python3 -m lowbit.tools.opt_act_stats",
        description="Convert OPT act_scales/act_shifts (.pt) to LowBit stats JSON.")
    ap.add_argument("--scales", required=True, help="act_scales .pt (max |x| per channel)")
    ap.add_argument("--shifts", help="act_shifts .pt (EMA of (max + min) / 2); "
                                     "without it the ranges are symmetric")
    ap.add_argument("-o", "--output", required=True, help="stats JSON ('-' for stdout)")
    ap.add_argument("--layers", type=int, help="keep decoder layers 0..N-1 only")
    ap.add_argument("--all", action="store_true",
                    help="also convert linears outside the decoder layers (lm_head, ...)")
    args = ap.parse_args(argv)
    if args.layers is not None and args.layers < 0:
        ap.error("--layers must be >= 0")

    scales = load(args.scales)
    shifts = load(args.shifts) if args.shifts else None
    source = "opt_act_stats: " + args.scales.rsplit("/", 1)[-1]
    if args.shifts:
        source += " + " + args.shifts.rsplit("/", 1)[-1]
    doc, s = convert(scales, shifts, args.layers, args.all, source)
    try:
        write(doc, args.output)
    except OSError as e:
        raise SystemExit(f"opt_act_stats: error: cannot write '{args.output}': "
                         f"{e.strerror}")
    ranges = "asymmetric (scale + shift)" if shifts is not None else "symmetric (scale only)"
    print(f"opt_act_stats: {s['observers']} observers from {s['linears']} linears "
          f"({s['skipped']} skipped), {ranges}; {s['clamped']} channel(s) had "
          f"|shift| > scale ({s['beyond']} by more than {README_MARGIN:g}), "
          f"clamped -> {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
