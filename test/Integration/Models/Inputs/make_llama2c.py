"""Writes a small random llama2.c v0 checkpoint, or a set of broken ones.

usage: make_llama2c.py OUT [--header dim,hidden,layers,heads,kv_heads,vocab,seq]
                           [--seed N]
       make_llama2c.py --broken DIR

The tensors follow the header's sizes (vocab < 0: with a separate classifier).
--broken writes DIR/ok.bin and the broken variants the error tests use
(see BROKEN).
"""
import argparse
import os

import numpy as np

DEFAULT = "16,24,2,4,2,-32,16"


def checkpoint(header, seed=0, truncate=0, extra=0, magic=False):
    dim, hidden, layers, heads, kv_heads, vocab, seq = header
    n = 0
    if all(v > 0 for v in header[:5]) and vocab and seq > 0 and dim % heads == 0:
        hs = dim // heads
        kv = dim * kv_heads // heads
        V = abs(vocab)
        n = (V * dim + layers * (2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * hidden * dim)
             + dim + seq * hs + (V * dim if vocab < 0 else 0))
    data = np.array(header, "<i4").tobytes()
    if magic:
        data = b"24ka" + data[4:]
    weights = np.random.default_rng(seed).normal(0.0, 0.3, n).astype("<f4")
    blob = data + weights.tobytes() + bytes(extra)
    return blob[:-truncate] if truncate else blob


def parse(h):
    return [int(v) for v in h.split(",")]


# name -> checkpoint() arguments
BROKEN = {
    "ok": dict(header=parse(DEFAULT)),
    "truncated": dict(header=parse(DEFAULT), truncate=5),   # 5 bytes short
    "extra": dict(header=parse(DEFAULT), extra=8),          # 8 trailing bytes
    "heads": dict(header=parse("18,24,2,4,2,32,16")),       # dim % n_heads
    "kvheads": dict(header=parse("16,24,2,4,3,32,16")),     # n_heads % n_kv_heads
    "zero": dict(header=parse("16,24,0,4,2,32,16")),        # n_layers = 0
    "odd": dict(header=parse("12,24,2,4,2,32,16")),         # head_size 3
    "magic": dict(header=parse(DEFAULT), magic=True),       # versioned export
}

ap = argparse.ArgumentParser()
ap.add_argument("out", nargs="?")
ap.add_argument("--header", default=DEFAULT)
ap.add_argument("--seed", type=int, default=0)
ap.add_argument("--broken", metavar="DIR")
args = ap.parse_args()

if args.broken:
    files = {k + ".bin": checkpoint(**v) for k, v in BROKEN.items()}
    files["short.bin"] = bytes(10)                           # no full header
    for name, blob in files.items():
        with open(os.path.join(args.broken, name), "wb") as f:
            f.write(blob)
else:
    with open(args.out, "wb") as f:
        f.write(checkpoint(parse(args.header), args.seed))
