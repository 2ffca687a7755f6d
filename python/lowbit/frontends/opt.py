"""Generate an OPT-style decoder stack with seeded synthetic weights.

    python3 -m lowbit.frontends.opt --layers L --hidden D --heads H --ffn F \\
        --seq-len S --seed N -o model.mlir [--save-weights w.npz]

emits ``func.func @forward(%x: tensor<SxDxf32>) -> tensor<SxDxf32>`` in the
form of docs/model-ir.md: ``L`` pre-LN OPT decoder layers (LayerNorm ->
q/k/v with biases -> causal multi-head attention with q scaled by
``1/sqrt(D/H)`` -> out_proj -> residual; LayerNorm -> fc1 -> ReLU -> fc2 ->
residual), no final LayerNorm, no embedding.

The weights are synthetic but give activations the per-channel range spread
of real LLMs (log-normal LayerNorm scales, a few persistent outlier channels
x10-x30, fc1 rows spread so that ReLU outputs spread too): see
:func:`generate_weights` and docs/frontends.md.
"""

import argparse
import sys
from collections import OrderedDict

import numpy as np

from .mlir_builder import ModuleBuilder, inv_sqrt, write_stdout
from lowbit import cli

__all__ = ["LN_EPS", "generate_weights", "build_module", "main"]

LN_EPS = 1e-5


def outlier_channels(hidden, rng):
    """The persistent outlier channels: ``min(8, max(2, D // 128))`` of them
    (at most ``D``), the same in every layer, as in real OPT models where a
    few channels (422 in OPT-125m, 1359 in OPT-1.3b) dominate nearly every
    layer."""
    n = min(hidden, 8, max(2, hidden // 128))
    return np.sort(rng.choice(hidden, size=n, replace=False))


def generate_weights(layers, hidden, heads, ffn, seed):
    """OrderedDict IR name -> f32 array; see docs/frontends.md for the recipe.

    * LayerNorm gamma: log-normal ``exp(N(0, 0.5^2))`` per channel; the outlier
      channels are multiplied by ``U(10, 30)`` (drawn per layer and norm).
      beta: ``gamma * N(0, 0.25^2)``, so outlier channels are also shifted
      (asymmetric ranges, as OmniQuant's shifts show on real OPT).
    * q/k/v/out_proj and fc2 weights: ``N(0, 1/fan_in)``, each output row
      scaled by ``exp(N(0, 0.3^2))`` (q/k/v output channels spread mildly);
      biases ``N(0, 0.02^2)``.
    * fc1: ``N(0, 1/fan_in)`` rows scaled by ``exp(N(0, 0.75^2))`` with
      ``max(1, F // 64)`` rows x10; bias ``row_scale * N(-0.25, 0.5^2)`` so
      ReLU outputs are sparse and their per-channel ranges spread.
    """
    rng = np.random.default_rng(seed)
    out_ch = outlier_channels(hidden, rng)
    w = OrderedDict()

    def norm(name):
        gamma = np.exp(rng.normal(0.0, 0.3, hidden))
        gamma[out_ch] = rng.uniform(10.0, 30.0, len(out_ch))
        w[name] = gamma
        w[name + ".bias"] = gamma * rng.normal(0.0, 0.25, hidden)

    def linear(name, n_out, n_in, row_sigma=0.3, bias_std=0.02):
        row = np.exp(rng.normal(0.0, row_sigma, n_out))
        w[name] = rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_out, n_in)) * row[:, None]
        w[name + ".bias"] = rng.normal(0.0, bias_std, n_out)
        return row

    for i in range(layers):
        p = f"layers.{i}."
        norm(p + "self_attn_layer_norm")
        for proj in ("q_proj", "k_proj", "v_proj", "out_proj"):
            linear(p + "self_attn." + proj, hidden, hidden)
        norm(p + "final_layer_norm")
        row = np.exp(rng.normal(0.0, 0.5, ffn))
        row[rng.choice(ffn, size=max(1, ffn // 256), replace=False)] *= 8.0
        w[p + "fc1"] = rng.normal(0.0, 1.0 / np.sqrt(hidden), (ffn, hidden)) * row[:, None]
        w[p + "fc1.bias"] = row * rng.normal(-0.25, 0.5, ffn)
        linear(p + "fc2", hidden, ffn)
    return OrderedDict((k, v.astype(np.float32)) for k, v in w.items())


def build_module(weights, layers, hidden, heads, seq_len, comment=None):
    """The model IR as a :class:`ModuleBuilder`."""
    S, D, H = seq_len, hidden, heads
    m = ModuleBuilder(comment=comment)
    f = m.function("forward", [("x", (S, D), "f32")])
    W = lambda name: f.weight(name, weights[name])
    x = f.args[0]
    for i in range(layers):
        p = f"layers.{i}."
        f.comment(f"layer {i}: self-attention")
        ln = p + "self_attn_layer_norm"
        h = f.layer_norm(x, W(ln), W(ln + ".bias"), LN_EPS, hint=f"ln1_{i}")
        qkv = []
        for t in ("q", "k", "v"):
            name = f"{p}self_attn.{t}_proj"
            qkv.append(f.linear(h, W(name), W(name + ".bias"), hint=f"{t}{i}"))
        q, k, v = qkv
        q = f.scale(q, inv_sqrt(D // H), hint=f"q{i}_scaled")
        a = f.attention(f.split_heads(q, H, hint=f"q{i}_heads"),
                        f.split_heads(k, H, hint=f"k{i}_heads"),
                        f.split_heads(v, H, hint=f"v{i}_heads"),
                        scale=None, hint=f"attn{i}")
        name = p + "self_attn.out_proj"
        o = f.linear(a, W(name), W(name + ".bias"), hint=f"o{i}")
        x = f.add(x, o, hint=f"x{i}_attn")
        f.comment(f"layer {i}: feed-forward")
        ln = p + "final_layer_norm"
        h = f.layer_norm(x, W(ln), W(ln + ".bias"), LN_EPS, hint=f"ln2_{i}")
        h = f.linear(h, W(p + "fc1"), W(p + "fc1.bias"), hint=f"fc1_{i}")
        h = f.relu(h, hint=f"relu{i}")
        h = f.linear(h, W(p + "fc2"), W(p + "fc2.bias"), hint=f"fc2_{i}")
        x = f.add(x, h, hint=f"x{i}")
    f.ret(x)
    return m


def main(argv=None):
    ap = cli.ArgumentParser(
        prog="python3 -m lowbit.frontends.opt",
        description="Generate an OPT-style pre-LN decoder stack with seeded "
                    "synthetic weights as LowBit model IR: func.func @forward"
                    "(%x: tensor<SxDxf32>) -> tensor<SxDxf32>.")
    ap.add_argument("--layers", type=int, required=True, help="decoder layers L")
    ap.add_argument("--hidden", type=int, required=True, help="model width D")
    ap.add_argument("--heads", type=int, required=True, help="attention heads H")
    ap.add_argument("--ffn", type=int, required=True, help="fc1 width F")
    ap.add_argument("--seq-len", type=int, required=True,
                    help="static sequence length S")
    ap.add_argument("--seed", type=int, default=0, help="weight seed (default 0)")
    ap.add_argument("-o", "--output", default="-",
                    help="output .mlir file (default: stdout)")
    ap.add_argument("--save-weights", metavar="NPZ",
                    help="also write the weights (IR names) to an .npz")
    args = ap.parse_args(argv)

    def fail(msg):
        print(f"opt: error: {msg}", file=sys.stderr)
        return 1

    for flag in ("layers", "hidden", "heads", "ffn", "seq_len"):
        if getattr(args, flag) <= 0:
            return fail(f"--{flag.replace('_', '-')} must be positive, got "
                        f"{getattr(args, flag)}")
    if args.seed < 0:
        return fail(f"--seed must be non-negative, got {args.seed}")
    if args.hidden % args.heads:
        return fail(f"--hidden {args.hidden} is not a multiple of --heads "
                    f"{args.heads}")
    weights = generate_weights(args.layers, args.hidden, args.heads, args.ffn,
                               args.seed)
    comment = (f"OPT-style decoder stack (lowbit.frontends.opt), synthetic "
               f"weights\nlayers={args.layers} hidden={args.hidden} heads="
               f"{args.heads} ffn={args.ffn} seq_len={args.seq_len} seed="
               f"{args.seed}")
    module = build_module(weights, args.layers, args.hidden, args.heads,
                          args.seq_len, comment=comment)
    try:
        if args.output == "-":
            write_stdout(module)
        else:
            module.write(args.output)
        if args.save_weights:
            np.savez(args.save_weights, **weights)
    except OSError as e:
        return fail(f"cannot write '{e.filename or args.output}': "
                    f"{e.strerror or e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
