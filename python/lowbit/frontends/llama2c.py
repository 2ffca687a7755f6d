"""Import a llama2.c checkpoint (legacy v0 format) as model IR.

    python3 -m lowbit.frontends.llama2c CKPT.bin -o model.mlir --seq-len S

emits ``func.func @forward(%tokens: tensor<Sxi32>) -> tensor<SxVxf32>``: the
logits of every position for a causal forward pass over ``S`` tokens, in the
form of docs/model-ir.md. See docs/frontends.md.

Checkpoint layout (llama2.c ``export.py`` legacy / ``run.c``): seven int32
``dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len``
(``vocab_size < 0``: the classifier is not shared with the embedding), then
f32 tensors ``token_embedding [V, dim]``, ``rms_att [L, dim]``,
``wq [L, dim, dim]``, ``wk [L, kv_dim, dim]``, ``wv [L, kv_dim, dim]``,
``wo [L, dim, dim]``, ``rms_ffn [L, dim]``, ``w1 [L, hidden, dim]``,
``w2 [L, dim, hidden]``, ``w3 [L, hidden, dim]``, ``rms_final [dim]``,
``freq_cis_real``/``freq_cis_imag [seq_len, head_size/2]`` (not used: RoPE is
recomputed as ``run.c`` does), then ``wcls [V, dim]`` when unshared.
"""

import argparse
import os
import sys
from collections import OrderedDict

import numpy as np

from .mlir_builder import ModuleBuilder, inv_sqrt, rope_tables, write_stdout
from lowbit import cli

__all__ = ["CheckpointError", "Config", "read_checkpoint", "build_module",
           "main", "RMS_EPS", "ROPE_THETA"]

RMS_EPS = 1e-5
ROPE_THETA = 10000.0
HEADER_BYTES = 7 * 4
# llama2.c's newer export versions start with this magic (0x616b3432).
_MAGIC_V1 = b"24ka"


class CheckpointError(Exception):
    """A malformed checkpoint; the message is one line."""


class Config:
    FIELDS = ("dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads",
              "vocab_size", "seq_len")

    def __init__(self, header):
        (self.dim, self.hidden_dim, self.n_layers, self.n_heads,
         self.n_kv_heads, vocab, self.seq_len) = (int(v) for v in header)
        self.shared_classifier = vocab > 0
        self.vocab_size = abs(vocab)

    @property
    def head_size(self):
        return self.dim // self.n_heads

    @property
    def kv_dim(self):
        return self.dim * self.n_kv_heads // self.n_heads

    def __repr__(self):
        return ("Config(" + ", ".join(f"{k}={getattr(self, k)}" for k in
                                      self.FIELDS) +
                f", shared_classifier={self.shared_classifier})")

    def validate(self):
        names = dict(zip(self.FIELDS, (self.dim, self.hidden_dim, self.n_layers,
                                       self.n_heads, self.n_kv_heads,
                                       self.vocab_size, self.seq_len)))
        for k, v in names.items():
            if v <= 0:
                raise CheckpointError(f"bad header: {k} = {v} (must be positive)")
        if self.dim % self.n_heads:
            raise CheckpointError(f"bad header: dim {self.dim} is not a multiple "
                                  f"of n_heads {self.n_heads}")
        if self.n_heads % self.n_kv_heads:
            raise CheckpointError(f"bad header: n_heads {self.n_heads} is not a "
                                  f"multiple of n_kv_heads {self.n_kv_heads}")
        if self.head_size % 2:
            raise CheckpointError(f"bad header: head_size {self.head_size} is odd "
                                  "(RoPE rotates channel pairs)")

    def tensor_shapes(self):
        """(name, shape) of every f32 tensor in file order."""
        L, d, h, kv = self.n_layers, self.dim, self.hidden_dim, self.kv_dim
        shapes = [("token_embedding", (self.vocab_size, d)), ("rms_att", (L, d)),
                  ("wq", (L, d, d)), ("wk", (L, kv, d)), ("wv", (L, kv, d)),
                  ("wo", (L, d, d)), ("rms_ffn", (L, d)), ("w1", (L, h, d)),
                  ("w2", (L, d, h)), ("w3", (L, h, d)), ("rms_final", (d,)),
                  ("freq_cis_real", (self.seq_len, self.head_size // 2)),
                  ("freq_cis_imag", (self.seq_len, self.head_size // 2))]
        if not self.shared_classifier:
            shapes.append(("wcls", (self.vocab_size, d)))
        return shapes

    def expected_bytes(self):
        return HEADER_BYTES + 4 * sum(int(np.prod(s, dtype=object))
                                      for _, s in self.tensor_shapes())


def read_checkpoint(path):
    """Returns ``(Config, OrderedDict name -> f32 array)`` with the IR's
    weight names (``tok_embeddings``, ``layers.<i>.attention.wq``, ...,
    ``norm``, ``output``). Raises CheckpointError / OSError."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(HEADER_BYTES)
    if len(head) < HEADER_BYTES:
        raise CheckpointError(f"truncated checkpoint: the llama2.c header needs "
                              f"{HEADER_BYTES} bytes, the file has {size}")
    if head[:4] == _MAGIC_V1:
        raise CheckpointError("this is a versioned llama2.c export (magic 'ak42'); "
                              "only the legacy v0 format is supported")
    cfg = Config(np.frombuffer(head, dtype="<i4"))
    cfg.validate()
    want = cfg.expected_bytes()
    if size < want:
        raise CheckpointError(f"truncated checkpoint: the header (dim={cfg.dim}, "
                              f"n_layers={cfg.n_layers}, vocab_size="
                              f"{cfg.vocab_size}) needs {want} bytes, the file "
                              f"has {size}")
    if size > want:
        raise CheckpointError(f"{size - want} unexpected bytes after the last "
                              f"tensor: the header (dim={cfg.dim}, n_layers="
                              f"{cfg.n_layers}, vocab_size={cfg.vocab_size}) "
                              f"needs {want} bytes, the file has {size}")
    data = np.memmap(path, dtype="<f4", mode="r", offset=HEADER_BYTES)
    raw, off = {}, 0
    for name, shape in cfg.tensor_shapes():
        n = int(np.prod(shape))
        raw[name] = data[off:off + n].reshape(shape)
        off += n

    w = OrderedDict()
    w["tok_embeddings"] = raw["token_embedding"]
    for i in range(cfg.n_layers):
        p = f"layers.{i}."
        w[p + "attention_norm"] = raw["rms_att"][i]
        for t in ("wq", "wk", "wv", "wo"):
            w[p + "attention." + t] = raw[t][i]
        w[p + "ffn_norm"] = raw["rms_ffn"][i]
        for t in ("w1", "w2", "w3"):
            w[p + "feed_forward." + t] = raw[t][i]
    w["norm"] = raw["rms_final"]
    w["output"] = raw["token_embedding"] if cfg.shared_classifier else raw["wcls"]
    return cfg, w


def build_module(cfg, weights, seq_len, source="checkpoint"):
    """The model IR as a :class:`ModuleBuilder`."""
    S, H, Hkv, hs = seq_len, cfg.n_heads, cfg.n_kv_heads, cfg.head_size
    m = ModuleBuilder(
        comment=f"llama2.c model from {source} (lowbit.frontends.llama2c)\n"
                f"dim={cfg.dim} hidden_dim={cfg.hidden_dim} n_layers="
                f"{cfg.n_layers} n_heads={H} n_kv_heads={Hkv} vocab_size="
                f"{cfg.vocab_size} seq_len={S} shared_classifier="
                f"{str(cfg.shared_classifier).lower()}")
    f = m.function("forward", [("tokens", (S,), "i32")])
    W = lambda name: f.weight(name, weights[name])

    f.comment("token embedding")
    x = f.embedding(f.args[0], W("tok_embeddings"), hint="x")
    cos_t, sin_t = rope_tables(S, hs)
    cos = f.weight("rope.cos", cos_t)
    sin = f.weight("rope.sin", sin_t)
    for i in range(cfg.n_layers):
        p = f"layers.{i}."
        f.comment(f"layer {i}: attention")
        h = f.rms_norm(x, W(p + "attention_norm"), RMS_EPS, hint=f"attn_norm{i}")
        q = f.linear(h, W(p + "attention.wq"), hint=f"q{i}")
        k = f.linear(h, W(p + "attention.wk"), hint=f"k{i}")
        v = f.linear(h, W(p + "attention.wv"), hint=f"v{i}")
        q = f.rope(q, H, cos, sin, hint=f"q{i}_rope")
        k = f.rope(k, Hkv, cos, sin, hint=f"k{i}_rope")
        v = f.split_heads(v, Hkv, hint=f"v{i}_heads")
        a = f.attention(q, k, v, scale=inv_sqrt(hs), hint=f"attn{i}")
        o = f.linear(a, W(p + "attention.wo"), hint=f"o{i}")
        x = f.add(x, o, hint=f"x{i}_attn")
        f.comment(f"layer {i}: feed-forward")
        h = f.rms_norm(x, W(p + "ffn_norm"), RMS_EPS, hint=f"ffn_norm{i}")
        gate = f.linear(h, W(p + "feed_forward.w1"), hint=f"gate{i}")
        up = f.linear(h, W(p + "feed_forward.w3"), hint=f"up{i}")
        g = f.silu_mul(gate, up, hint=f"swiglu{i}")
        d = f.linear(g, W(p + "feed_forward.w2"), hint=f"down{i}")
        x = f.add(x, d, hint=f"x{i}")
    f.comment("final norm and classifier")
    x = f.rms_norm(x, W("norm"), RMS_EPS, hint="final_norm")
    f.ret(f.linear(x, W("output"), hint="logits"))
    return m


def main(argv=None):
    ap = cli.ArgumentParser(
        prog="python3 -m lowbit.frontends.llama2c",
        description="Import a llama2.c checkpoint (legacy v0 format) as LowBit "
                    "model IR: func.func @forward(%tokens: tensor<Sxi32>) -> "
                    "tensor<SxVxf32>.")
    ap.add_argument("checkpoint", help="llama2.c .bin checkpoint")
    ap.add_argument("-o", "--output", default="-",
                    help="output .mlir file (default: stdout)")
    ap.add_argument("--seq-len", type=int, default=None,
                    help="static sequence length S (default: the checkpoint's "
                         "seq_len)")
    ap.add_argument("--save-weights", metavar="NPZ",
                    help="also write the weights (IR names) to an .npz")
    args = ap.parse_args(argv)

    def fail(msg):
        print(f"llama2c: error: {msg}", file=sys.stderr)
        return 1

    try:
        cfg, weights = read_checkpoint(args.checkpoint)
    except CheckpointError as e:
        return fail(f"{args.checkpoint}: {e}")
    except OSError as e:
        return fail(f"cannot read '{args.checkpoint}': {e.strerror or e}")
    seq_len = cfg.seq_len if args.seq_len is None else args.seq_len
    if seq_len <= 0:
        return fail(f"--seq-len must be positive, got {seq_len}")
    if seq_len > cfg.seq_len:
        return fail(f"--seq-len {seq_len} exceeds the checkpoint's seq_len "
                    f"{cfg.seq_len}")
    module = build_module(cfg, weights, seq_len,
                          source=os.path.basename(args.checkpoint))
    try:
        if args.output == "-":
            write_stdout(module)
        else:
            module.write(args.output)
        if args.save_weights:
            np.savez(args.save_weights, **{k: np.asarray(v, np.float32)
                                           for k, v in weights.items()})
    except OSError as e:
        return fail(f"cannot write '{e.filename or args.output}': "
                    f"{e.strerror or e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
