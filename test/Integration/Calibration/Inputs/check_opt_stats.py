"""Checks quant-calibrate's stats of an OPT-style model (lowbit.frontends.opt)
against numpy: the activations at every observer are recomputed in float64
from the saved weights, reduced to per-channel min/max over the tokens of
each sample and combined across samples (min/max, or the EMA).

    check_opt_stats.py WEIGHTS.npz --heads H --stats stats.json
                       [--ema A] SAMPLE.npy...

Prints one line per observer id with the worst error relative to the
observer's absmax, then `OK` when all are within --tol.
"""

import argparse
import json
import sys

import numpy as np

from lowbit.models.opt_numpy import layer_norm, num_layers, softmax


def activations(w, x, heads):
    """{observer id: activation [S, C]} of one forward pass (float64)."""
    S, D = x.shape
    dh = D // heads
    mask = np.triu(np.ones((S, S), bool), k=1)
    lin = lambda h, name: h @ w[name].T + w[name + ".bias"]
    taps = {}
    for i in range(num_layers(w)):
        p = f"layers.{i}."
        h = layer_norm(x, w[p + "self_attn_layer_norm"], w[p + "self_attn_layer_norm.bias"])
        taps[p + "self_attn.q_proj.in"] = h
        q, k, v = (lin(h, p + f"self_attn.{t}_proj") for t in "qkv")
        for t, a in zip("qkv", (q, k, v)):
            taps[p + f"self_attn.{t}_proj.out"] = a
        q = q * dh ** -0.5
        q, k, v = (a.reshape(S, heads, dh).transpose(1, 0, 2) for a in (q, k, v))
        scores = q @ k.transpose(0, 2, 1)
        scores[:, mask] = -np.inf
        att = (softmax(scores) @ v).transpose(1, 0, 2).reshape(S, D)
        taps[p + "self_attn.out_proj.in"] = att
        x = x + lin(att, p + "self_attn.out_proj")
        h = layer_norm(x, w[p + "final_layer_norm"], w[p + "final_layer_norm.bias"])
        taps[p + "fc1.in"] = h
        r = np.maximum(lin(h, p + "fc1"), 0.0)
        taps[p + "fc2.in"] = r
        x = x + lin(r, p + "fc2")
    return taps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("weights")
    ap.add_argument("samples", nargs="+")
    ap.add_argument("--heads", type=int, required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--ema", type=float)
    ap.add_argument("--tol", type=float, default=1e-5)
    args = ap.parse_args()
    with np.load(args.weights) as z:
        w = {k: z[k].astype(np.float64) for k in z.files}
    total = {}
    for n, path in enumerate(args.samples):
        for oid, a in activations(w, np.load(path).astype(np.float64), args.heads).items():
            lo, hi = a.min(axis=0), a.max(axis=0)
            if n == 0:
                total[oid] = (lo, hi)
            elif args.ema is None:
                total[oid] = (np.minimum(total[oid][0], lo), np.maximum(total[oid][1], hi))
            else:
                e = args.ema
                total[oid] = (e * total[oid][0] + (1 - e) * lo, e * total[oid][1] + (1 - e) * hi)

    with open(args.stats) as f:
        stats = json.load(f)
    obs = stats["observers"]
    ok = stats["samples"] == len(args.samples) and sorted(obs) == sorted(total)
    print(f"samples {stats['samples']}, observers {len(obs)}, expected {len(total)}")
    for oid in sorted(total):
        lo, hi = total[oid]
        got = obs.get(oid)
        if got is None:
            print(f"{oid}: missing")
            ok = False
            continue
        scale = max(np.abs(lo).max(), np.abs(hi).max(), 1e-30)
        err = max(np.abs(np.array(got["min"]) - lo).max(),
                  np.abs(np.array(got["max"]) - hi).max()) / scale
        good = err <= args.tol and got["channels"] == lo.size and got["axis"] == -1
        ok &= bool(good)
        print(f"{oid}: channels {got['channels']}, error {err:.1e} {'ok' if good else 'BAD'}")
    print("OK" if ok else "MISMATCH")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
