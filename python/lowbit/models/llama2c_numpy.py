"""Reference forward pass of a llama2.c model in plain numpy.

Independent of the MLIR path (its own checkpoint reader, no code shared with
:mod:`lowbit.frontends`): the math of llama2.c's ``run.c`` written out over a
whole sequence, computed in float64 by default.

    python3 -m lowbit.models.llama2c_numpy CKPT.bin --tokens t.npy \\
        [--out logits.npy] [--compare result0.npy] [--tol 1e-4]

``--compare`` checks an array of logits (e.g. ``quant-run``'s ``result0.npy``)
against this forward and prints one line, see :func:`lowbit.models.compare`.
"""

import argparse
import sys

import numpy as np

from .compare import compare_main_result
from lowbit import cli


def load(path):
    """Returns ``(cfg dict, weights dict)`` following ``run.c``'s
    ``memory_map_weights``. No validation beyond the file size."""
    raw = np.fromfile(path, dtype=np.uint8)
    dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len = \
        (int(v) for v in raw[:28].view("<i4"))
    shared = vocab > 0
    vocab = abs(vocab)
    head_size = dim // n_heads
    kv_dim = dim * n_kv_heads // n_heads
    f = raw[28:].view("<f4")
    pos = 0

    def take(*shape):
        nonlocal pos
        n = int(np.prod(shape))
        t = f[pos:pos + n].reshape(shape)
        if t.size != n:
            raise ValueError("checkpoint too short")
        pos += n
        return t

    w = {}
    w["token_embedding"] = take(vocab, dim)
    w["rms_att"] = take(n_layers, dim)
    w["wq"] = take(n_layers, dim, dim)
    w["wk"] = take(n_layers, kv_dim, dim)
    w["wv"] = take(n_layers, kv_dim, dim)
    w["wo"] = take(n_layers, dim, dim)
    w["rms_ffn"] = take(n_layers, dim)
    w["w1"] = take(n_layers, hidden, dim)
    w["w2"] = take(n_layers, dim, hidden)
    w["w3"] = take(n_layers, hidden, dim)
    w["rms_final"] = take(dim)
    take(seq_len, head_size // 2)  # freq_cis_real (unused by run.c)
    take(seq_len, head_size // 2)  # freq_cis_imag
    w["wcls"] = w["token_embedding"] if shared else take(vocab, dim)
    cfg = dict(dim=dim, hidden_dim=hidden, n_layers=n_layers, n_heads=n_heads,
               n_kv_heads=n_kv_heads, vocab_size=vocab, seq_len=seq_len)
    return cfg, w


def rmsnorm(x, weight, eps=1e-5):
    ss = np.mean(x * x, axis=-1, keepdims=True) + eps
    return weight * (x * (1.0 / np.sqrt(ss)))


def rope(x, n_heads, head_size):
    """Rotates pairs (2i, 2i+1) of each head of ``x: [S, n_heads*head_size]``
    by ``pos * 10000^(-2i/head_size)``."""
    S = x.shape[0]
    i = np.arange(0, head_size, 2)
    freq = 1.0 / np.power(10000.0, i / head_size)
    angle = np.arange(S)[:, None] * freq[None, :]          # [S, hs/2]
    c, s = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]
    xh = x.reshape(S, n_heads, head_size // 2, 2)
    x0, x1 = xh[..., 0], xh[..., 1]
    out = np.empty_like(xh)
    out[..., 0] = x0 * c - x1 * s
    out[..., 1] = x0 * s + x1 * c
    return out.reshape(S, n_heads * head_size)


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def forward(cfg, w, tokens, dtype=np.float64):
    """Logits ``[S, V]`` for ``tokens`` (positions 0..S-1, causal)."""
    w = {k: np.asarray(v, dtype) for k, v in w.items()}
    tokens = np.asarray(tokens, np.int64)
    S = tokens.shape[0]
    H, Hkv = cfg["n_heads"], cfg["n_kv_heads"]
    hs = cfg["dim"] // H
    group = H // Hkv
    mask = np.triu(np.ones((S, S), bool), k=1)              # key > query
    x = w["token_embedding"][tokens]
    for l in range(cfg["n_layers"]):
        h = rmsnorm(x, w["rms_att"][l])
        q = rope(h @ w["wq"][l].T, H, hs).reshape(S, H, hs)
        k = rope(h @ w["wk"][l].T, Hkv, hs).reshape(S, Hkv, hs)
        v = (h @ w["wv"][l].T).reshape(S, Hkv, hs)
        att = np.empty((S, H, hs), dtype)
        for head in range(H):
            kv = head // group
            scores = q[:, head, :] @ k[:, kv, :].T / np.sqrt(hs)
            scores[mask] = -np.inf
            att[:, head, :] = softmax(scores) @ v[:, kv, :]
        x = x + att.reshape(S, H * hs) @ w["wo"][l].T
        h = rmsnorm(x, w["rms_ffn"][l])
        gate = h @ w["w1"][l].T
        up = h @ w["w3"][l].T
        x = x + (gate / (1.0 + np.exp(-gate)) * up) @ w["w2"][l].T
    x = rmsnorm(x, w["rms_final"])
    return x @ w["wcls"].T


def main(argv=None):
    ap = cli.ArgumentParser(prog="python3 -m lowbit.models.llama2c_numpy",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("checkpoint")
    ap.add_argument("--tokens", required=True, help=".npy of int token ids [S]")
    ap.add_argument("--out", help="write the logits [S, V] (f32) here")
    ap.add_argument("--compare", help=".npy of logits to check against")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--float32", action="store_true",
                    help="compute in float32 instead of float64")
    args = ap.parse_args(argv)
    cfg, w = load(args.checkpoint)
    logits = forward(cfg, w, np.load(args.tokens),
                     np.float32 if args.float32 else np.float64)
    if args.out:
        np.save(args.out, logits.astype(np.float32))
    if args.compare:
        return compare_main_result("llama2c logits", np.load(args.compare),
                                   logits, args.tol)
    return 0


if __name__ == "__main__":
    sys.exit(main())
