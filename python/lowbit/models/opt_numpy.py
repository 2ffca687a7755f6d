"""Reference forward pass of the OPT-style pre-LN decoder stack in numpy.

The model of :mod:`lowbit.frontends.opt` (HF ``OPTDecoderLayer`` with
``do_layer_norm_before=True``, no final LayerNorm), computed in float64 by
default from the weights the generator saves with ``--save-weights``:

    python3 -m lowbit.models.opt_numpy w.npz --input x.npy \\
        [--out y.npy] [--compare result0.npy] [--tol 1e-4]

The number of layers and heads is read from the weight names and shapes
(``--heads`` is needed: it is not in the weights).
"""

import argparse
import re
import sys

import numpy as np

from .compare import compare_main_result
from lowbit import cli


def layer_norm(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * gamma + beta


def softmax(x):
    x = x - np.max(x, axis=-1, keepdims=True)
    e = np.exp(x)
    return e / np.sum(e, axis=-1, keepdims=True)


def num_layers(w):
    idx = {int(m.group(1)) for k in w for m in [re.match(r"layers\.(\d+)\.", k)] if m}
    return max(idx) + 1 if idx else 0


def forward(w, x, heads, dtype=np.float64):
    """Hidden states ``[S, D]`` after every layer of the stack."""
    w = {k: np.asarray(v, dtype) for k, v in w.items()}
    x = np.asarray(x, dtype)
    S, D = x.shape
    dh = D // heads
    mask = np.triu(np.ones((S, S), bool), k=1)
    lin = lambda h, name: h @ w[name].T + w[name + ".bias"]
    for i in range(num_layers(w)):
        p = f"layers.{i}."
        h = layer_norm(x, w[p + "self_attn_layer_norm"],
                       w[p + "self_attn_layer_norm.bias"])
        q = lin(h, p + "self_attn.q_proj") * (dh ** -0.5)
        k = lin(h, p + "self_attn.k_proj")
        v = lin(h, p + "self_attn.v_proj")
        q, k, v = (t.reshape(S, heads, dh).transpose(1, 0, 2) for t in (q, k, v))
        scores = q @ k.transpose(0, 2, 1)                   # [H, S, S]
        scores[:, mask] = -np.inf
        att = (softmax(scores) @ v).transpose(1, 0, 2).reshape(S, D)
        x = x + lin(att, p + "self_attn.out_proj")
        h = layer_norm(x, w[p + "final_layer_norm"], w[p + "final_layer_norm.bias"])
        x = x + lin(np.maximum(lin(h, p + "fc1"), 0.0), p + "fc2")
    return x


def main(argv=None):
    ap = cli.ArgumentParser(prog="python3 -m lowbit.models.opt_numpy",
                                 description=__doc__.splitlines()[0])
    ap.add_argument("weights", help=".npz from lowbit.frontends.opt --save-weights")
    ap.add_argument("--heads", type=int, required=True)
    ap.add_argument("--input", required=True, help=".npy of hidden states [S, D]")
    ap.add_argument("--out", help="write the output [S, D] (f32) here")
    ap.add_argument("--compare", help=".npy to check against")
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--float32", action="store_true",
                    help="compute in float32 instead of float64")
    args = ap.parse_args(argv)
    with np.load(args.weights) as z:
        w = {k: z[k] for k in z.files}
    y = forward(w, np.load(args.input), args.heads,
                np.float32 if args.float32 else np.float64)
    if args.out:
        np.save(args.out, y.astype(np.float32))
    if args.compare:
        return compare_main_result("opt hidden states", np.load(args.compare), y,
                                   args.tol)
    return 0


if __name__ == "__main__":
    sys.exit(main())
