"""A small MLIR text emitter for the model IR of docs/model-ir.md.

The front ends (:mod:`lowbit.frontends.llama2c`, :mod:`lowbit.frontends.opt`)
build one ``func.func @forward`` on tensors with this module: linear layers as
``linalg.matmul`` with a transposed-weight ``indexing_maps``, elementwise ops
and reductions as ``linalg.generic``, heads split and merged with
``tensor.expand_shape`` / ``tensor.collapse_shape``, attention (causal mask,
softmax, grouped-query heads through the indexing maps) and RoPE as generics,
and weights as ``arith.constant dense_resource<NAME>`` whose bytes go to the
module's ``dialect_resources`` section.

Nothing here needs the MLIR bindings: the output is text, written in time
linear in the number of ops plus the weight bytes (each blob is hex-encoded
once with ``numpy``'s ``tobytes().hex()``).

Example::

    m = ModuleBuilder()
    f = m.function("forward", [("x", (4, 8), "f32")])
    w = f.weight("fc", np.ones((16, 8), np.float32))
    y = f.linear(f.args[0], w)
    f.ret(y)
    m.write("model.mlir")
"""

import math
import os
import re
import sys

import numpy as np

__all__ = ["Value", "ModuleBuilder", "FunctionBuilder", "BodyBuilder",
           "tensor_type", "affine_map", "rope_tables", "f32_literal",
           "inv_sqrt", "write_stdout"]

# Resource keys are written bare, so they must be MLIR bare identifiers.
_BARE_ID = re.compile(r"^[A-Za-z_][A-Za-z0-9_$.]*$")
_NEG_INF = "0xFF800000"


def tensor_type(shape, elt="f32"):
    """``tensor<2x3xf32>`` for shape (2, 3); ``tensor<f32>`` for ()."""
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def affine_map(ndims, results):
    """``affine_map<(d0, d1) -> (d1)>`` for ``affine_map(2, ["d1"])``."""
    dims = ", ".join(f"d{i}" for i in range(ndims))
    return f"affine_map<({dims}) -> ({', '.join(results)})>"


def f32_literal(x):
    """An MLIR f32 literal that round-trips ``np.float32(x)`` exactly."""
    v = np.float32(x)
    if not np.isfinite(v):
        return "0x%08X" % int(np.array(v, "<f4").view("<u4"))
    return "%.9e" % float(v)


def rope_tables(seq_len, head_size):
    """llama2.c's RoPE tables in f32: ``cos``/``sin`` of shape
    ``[seq_len, head_size // 2]`` with ``freq = 1 / 10000^(2i / head_size)``
    and ``angle = pos * freq``, computed in f32 as llama2.c's ``run.c`` does."""
    i = np.arange(0, head_size, 2, dtype=np.float32)
    freq = (np.float32(1.0) /
            np.power(np.float32(10000.0), i / np.float32(head_size))).astype(np.float32)
    pos = np.arange(seq_len, dtype=np.float32)
    angle = (pos[:, None] * freq[None, :]).astype(np.float32)
    return np.cos(angle).astype(np.float32), np.sin(angle).astype(np.float32)


class Value:
    """An SSA value of a ranked tensor (or scalar, ``shape=None``) type."""

    __slots__ = ("name", "shape", "elt")

    def __init__(self, name, shape, elt="f32"):
        self.name = name
        self.shape = None if shape is None else tuple(int(d) for d in shape)
        self.elt = elt

    @property
    def type(self):
        return self.elt if self.shape is None else tensor_type(self.shape, self.elt)

    @property
    def rank(self):
        return len(self.shape)

    def __str__(self):
        return self.name

    def __repr__(self):
        return f"Value({self.name}: {self.type})"


class _Namer:
    """Hands out unique SSA names: ``%hint``, then ``%hint_1``, ``%hint_2``..."""

    def __init__(self):
        self._counts = {}

    def __call__(self, hint="v"):
        hint = re.sub(r"[^A-Za-z0-9_$.]", "_", hint) or "v"
        if hint[0].isdigit():
            hint = "v" + hint
        n = self._counts.get(hint, 0)
        self._counts[hint] = n + 1
        return f"%{hint}" if n == 0 else f"%{hint}_{n}"


class BodyBuilder:
    """Emits the scalar ops of a ``linalg.generic`` region."""

    def __init__(self, namer, lines, indent):
        self._namer = namer
        self._lines = lines
        self._indent = indent

    def op(self, text, hint="t"):
        """Emits ``%t = <text>`` and returns ``%t``."""
        name = self._namer(hint)
        self._lines.append(f"{self._indent}{name} = {text}")
        return name

    # Shorthands for f32 arithmetic.
    def const(self, x, elt="f32"):
        lit = f32_literal(x) if elt == "f32" else str(int(x))
        return self.op(f"arith.constant {lit} : {elt}", "c")

    def add(self, a, b):
        return self.op(f"arith.addf {a}, {b} : f32")

    def sub(self, a, b):
        return self.op(f"arith.subf {a}, {b} : f32")

    def mul(self, a, b):
        return self.op(f"arith.mulf {a}, {b} : f32")

    def div(self, a, b):
        return self.op(f"arith.divf {a}, {b} : f32")

    def max(self, a, b):
        return self.op(f"arith.maximumf {a}, {b} : f32")

    def neg(self, a):
        return self.op(f"arith.negf {a} : f32")

    def exp(self, a):
        return self.op(f"math.exp {a} : f32")

    def sqrt(self, a):
        return self.op(f"math.sqrt {a} : f32")

    def index(self, dim):
        return self.op(f"linalg.index {dim} : index", "i")

    def select(self, cond, a, b, elt="f32"):
        return self.op(f"arith.select {cond}, {a}, {b} : {elt}")


class ModuleBuilder:
    """A module: functions plus the ``builtin`` dialect resources."""

    def __init__(self, comment=None):
        self.comment = comment
        self.functions = []
        self.resources = {}  # name -> contiguous little-endian f32 array

    def add_resource(self, name, array):
        """Registers ``array`` (cast to f32) as blob ``name``; names are unique."""
        if not _BARE_ID.match(name):
            raise ValueError(f"resource name {name!r} is not an MLIR bare identifier")
        if name in self.resources:
            raise ValueError(f"duplicate resource name {name!r}")
        self.resources[name] = np.ascontiguousarray(array, dtype="<f4")
        return name

    def function(self, name, args):
        """Starts ``func.func @name``; ``args`` is a list of
        ``(name, shape, elt)``. Result types come from :meth:`FunctionBuilder.ret`."""
        f = FunctionBuilder(self, name, args)
        self.functions.append(f)
        return f

    def chunks(self):
        """Yields the module text piece by piece (one blob per piece)."""
        if self.comment:
            for line in self.comment.splitlines():
                yield f"// {line}\n" if line else "//\n"
        yield "module {\n"
        for f in self.functions:
            yield from f.chunks()
        yield "}\n"
        if self.resources:
            yield "\n{-#\n  dialect_resources: {\n    builtin: {\n"
            names = list(self.resources)
            for i, name in enumerate(names):
                sep = "," if i + 1 < len(names) else ""
                # 0x, then the blob's alignment (4) as a little-endian u32,
                # then the data bytes.
                yield f'      {name}: "0x04000000'
                yield self.resources[name].tobytes().hex()
                yield f'"{sep}\n'
            yield "    }\n  }\n#-}\n"

    def write(self, path_or_file):
        if hasattr(path_or_file, "write"):
            for c in self.chunks():
                path_or_file.write(c)
            return
        with open(path_or_file, "w", encoding="ascii") as f:
            for c in self.chunks():
                f.write(c)

    def __str__(self):
        return "".join(self.chunks())


class FunctionBuilder:
    """Builds the body of one function. Every method that creates a tensor
    returns a :class:`Value`; ``hint`` names the SSA result."""

    def __init__(self, module, name, args):
        self.module = module
        self.name = name
        self._namer = _Namer()
        self.args = [Value(self._namer(a), s, e) for a, s, e in args]
        self.lines = []
        self.results = None
        self._consts = {}

    # ----------------------------------------------------------------- basics
    def emit(self, text, shape, elt="f32", hint="v"):
        """Emits ``%hint = <text>`` and returns it as a Value."""
        v = Value(self._namer(hint), shape, elt)
        self.lines.append(f"    {v.name} = {text}")
        return v

    def comment(self, text):
        self.lines.append(f"    // {text}")

    def ret(self, *values):
        self.results = values
        self.lines.append("    return " + ", ".join(v.name for v in values) +
                          " : " + ", ".join(v.type for v in values))

    def chunks(self):
        args = ", ".join(f"{a.name}: {a.type}" for a in self.args)
        res = ", ".join(v.type for v in (self.results or ()))
        if self.results is not None and len(self.results) != 1:
            res = f"({res})"
        arrow = f" -> {res}" if self.results else ""
        yield f"  func.func @{self.name}({args}){arrow} {{\n"
        for line in self.lines:
            yield line + "\n"
        yield "  }\n"

    def scalar(self, x):
        """An f32 ``arith.constant`` (one per distinct value)."""
        lit = f32_literal(x)
        if lit not in self._consts:
            hint = "ninf" if lit == _NEG_INF else "cst"
            self._consts[lit] = self.emit(f"arith.constant {lit} : f32", None,
                                          hint=hint)
        return self._consts[lit]

    def weight(self, name, array):
        """``arith.constant dense_resource<name>``, with ``array`` as the blob."""
        self.module.add_resource(name, array)
        return self.resource(name, np.shape(array))

    def resource(self, name, shape):
        """A constant referring to an already registered blob."""
        return self.emit(f"arith.constant dense_resource<{name}> : "
                         f"{tensor_type(shape)}", shape, hint=name)

    def empty(self, shape, hint="empty"):
        return self.emit(f"tensor.empty() : {tensor_type(shape)}", shape, hint=hint)

    def filled(self, shape, value, hint="init"):
        """``linalg.fill`` of ``value`` into a ``tensor.empty``."""
        e = self.empty(shape)
        c = self.scalar(value)
        t = tensor_type(shape)
        return self.emit(f"linalg.fill ins({c} : f32) outs({e} : {t}) -> {t}",
                         shape, hint=hint)

    def zeros(self, shape, hint="zero"):
        return self.filled(shape, 0.0, hint)

    def expand_shape(self, x, reassociation, shape, hint="expanded"):
        ra = "[" + ", ".join("[" + ", ".join(map(str, g)) + "]"
                             for g in reassociation) + "]"
        return self.emit(
            f"tensor.expand_shape {x} {ra} output_shape "
            f"[{', '.join(map(str, shape))}] : {x.type} into {tensor_type(shape)}",
            shape, hint=hint)

    def collapse_shape(self, x, reassociation, hint="collapsed"):
        shape = tuple(int(np.prod([x.shape[i] for i in g], dtype=np.int64))
                      for g in reassociation)
        ra = "[" + ", ".join("[" + ", ".join(map(str, g)) + "]"
                             for g in reassociation) + "]"
        return self.emit(f"tensor.collapse_shape {x} {ra} : {x.type} into "
                         f"{tensor_type(shape)}", shape, hint=hint)

    # ---------------------------------------------------------- linalg ops
    def generic(self, ins, init, maps, iterators, body, hint="v"):
        """``linalg.generic`` with one result.

        ``ins``: input Values; ``init``: the ``outs`` Value; ``maps``: the
        result lists of the indexing maps (one per input, then the output),
        e.g. ``["d0", "d1"]``, over ``len(iterators)`` dims; ``iterators``:
        ``"parallel"`` / ``"reduction"``; ``body(b, *args)``: emits the region
        with the :class:`BodyBuilder` ``b`` (``args``: the block arguments,
        inputs then the output) and returns the yielded scalar.
        """
        n = len(iterators)
        maps_txt = ", ".join(affine_map(n, m) if isinstance(m, (list, tuple))
                             else m for m in maps)
        iters = ", ".join(f'"{it}"' for it in iterators)
        result = Value(self._namer(hint), init.shape, init.elt)
        head = (f"    {result.name} = linalg.generic {{indexing_maps = [{maps_txt}], "
                f"iterator_types = [{iters}]}}")
        if ins:
            head += (f" ins({', '.join(v.name for v in ins)} : "
                     f"{', '.join(v.type for v in ins)})")
        head += f" outs({init} : {init.type}) {{"
        self.lines.append(head)
        block_args = [self._namer("in") for _ in ins] + [self._namer("out")]
        elts = [v.elt for v in ins] + [init.elt]
        self.lines.append("    ^bb0(" + ", ".join(
            f"{a}: {e}" for a, e in zip(block_args, elts)) + "):")
        b = BodyBuilder(self._namer, self.lines, "      ")
        y = body(b, *block_args)
        self.lines.append(f"      linalg.yield {y} : {init.elt}")
        self.lines.append(f"    }} -> {init.type}")
        return result

    def map(self, ins, body, shape=None, maps=None, hint="v"):
        """Elementwise: all-parallel generic into a fresh ``tensor.empty``.
        Full-size inputs get the identity map unless ``maps`` (one result list
        per input) says otherwise."""
        shape = tuple(shape if shape is not None else ins[0].shape)
        n = len(shape)
        ident = [f"d{i}" for i in range(n)]
        in_maps = list(maps) if maps is not None else [ident] * len(ins)
        return self.generic(ins, self.empty(shape), in_maps + [ident],
                            ["parallel"] * n, lambda b, *a: body(b, *a[:-1]),
                            hint=hint)

    def reduce_last(self, ins, body, init_value=0.0, hint="v"):
        """Reduction over the last dim of ``ins[0]`` (all inputs full-size or
        with given rank-1 map ``(s, c) -> (s)`` when of rank n-1). ``body(b,
        acc, *ins)`` returns the new accumulator."""
        shape = ins[0].shape
        n = len(shape)
        full = [f"d{i}" for i in range(n)]
        maps = [full if v.rank == n else full[:-1] for v in ins] + [full[:-1]]
        init = self.filled(shape[:-1], init_value)
        return self.generic(ins, init, maps, ["parallel"] * (n - 1) + ["reduction"],
                            lambda b, *a: body(b, a[-1], *a[:-1]), hint=hint)

    def matmul_nt(self, x, w, hint="mm"):
        """``x @ w^T`` for ``x: [M, K]``, ``w: [N, K]`` as ``linalg.matmul``
        with the transposed-B indexing maps of docs/model-ir.md."""
        (m, k), (n, k2) = x.shape, w.shape
        assert k == k2, (x, w)
        out = self.zeros((m, n))
        maps = ", ".join(affine_map(3, r) for r in
                         (["d0", "d2"], ["d1", "d2"], ["d0", "d1"]))
        return self.emit(
            f"linalg.matmul indexing_maps = [{maps}] ins({x}, {w} : {x.type}, "
            f"{w.type}) outs({out} : {out.type}) -> {out.type}", (m, n), hint=hint)

    def linear(self, x, w, b=None, hint="mm"):
        """``y = x w^T (+ b)``; the bias is an elementwise generic with map
        ``(s, n) -> (n)``."""
        y = self.matmul_nt(x, w, hint=hint)
        if b is None:
            return y
        return self.map([y, b], lambda bb, a, c: bb.add(a, c),
                        maps=[["d0", "d1"], ["d1"]], hint=hint + "_b")

    # ------------------------------------------------------- model building
    def add(self, x, y, hint="add"):
        return self.map([x, y], lambda b, a, c: b.add(a, c), hint=hint)

    def mul(self, x, y, hint="mul"):
        return self.map([x, y], lambda b, a, c: b.mul(a, c), hint=hint)

    def scale(self, x, s, hint="scaled"):
        return self.map([x], lambda b, a: b.mul(a, b.const(s)), hint=hint)

    def relu(self, x, hint="relu"):
        return self.map([x], lambda b, a: b.max(a, b.const(0.0)), hint=hint)

    def silu_mul(self, gate, up, hint="swiglu"):
        """``silu(gate) * up`` with ``silu(g) = g * (1 / (1 + exp(-g)))``."""
        def body(b, g, u):
            sig = b.div(b.const(1.0), b.add(b.const(1.0), b.exp(b.neg(g))))
            return b.mul(b.mul(g, sig), u)
        return self.map([gate, up], body, hint=hint)

    def embedding(self, tokens, table, hint="embed"):
        """Rows of ``table: [V, D]`` for ``tokens: [S] i32`` -> ``[S, D]``: the
        body reads the id and gathers with ``linalg.index`` + ``tensor.extract``."""
        (s,), (_, d) = tokens.shape, table.shape

        def body(b, tok):
            row = b.op(f"arith.index_cast {tok} : {tokens.elt} to index", "row")
            col = b.index(1)
            return b.op(f"tensor.extract {table}[{row}, {col}] : {table.type}", "e")
        return self.map([tokens], body, shape=(s, d), maps=[["d0"]], hint=hint)

    def rms_norm(self, x, gamma, eps, hint="rmsnorm"):
        """llama2.c: ``x * (1 / sqrt(mean(x^2) + eps)) * gamma``."""
        _, d = x.shape
        ss = self.reduce_last([x], lambda b, acc, a: b.add(acc, b.mul(a, a)),
                              hint="sumsq")
        inv = self.map([ss], lambda b, a: b.div(
            b.const(1.0), b.sqrt(b.add(b.div(a, b.const(d)), b.const(eps)))),
            hint="rstd")
        return self.map([x, inv, gamma],
                        lambda b, a, r, g: b.mul(g, b.mul(r, a)),
                        maps=[["d0", "d1"], ["d0"], ["d1"]], hint=hint)

    def layer_norm(self, x, gamma, beta, eps, hint="layernorm"):
        """``(x - mean) / sqrt(var + eps) * gamma + beta`` (biased variance)."""
        _, d = x.shape
        total = self.reduce_last([x], lambda b, acc, a: b.add(acc, a), hint="sum")
        mean = self.map([total], lambda b, a: b.div(a, b.const(d)), hint="mean")
        sq = self.reduce_last([x, mean], lambda b, acc, a, m: b.add(
            acc, b.mul(b.sub(a, m), b.sub(a, m))), hint="sqdev")
        rstd = self.map([sq], lambda b, a: b.div(
            b.const(1.0), b.sqrt(b.add(b.div(a, b.const(d)), b.const(eps)))),
            hint="rstd")
        return self.map(
            [x, mean, rstd, gamma, beta],
            lambda b, a, m, r, g, bt: b.add(b.mul(b.mul(b.sub(a, m), r), g), bt),
            maps=[["d0", "d1"], ["d0"], ["d0"], ["d1"], ["d1"]], hint=hint)

    def split_heads(self, x, heads, hint="heads"):
        """``[S, H*Dh] -> [S, H, Dh]``."""
        s, hd = x.shape
        return self.expand_shape(x, [[0], [1, 2]], (s, heads, hd // heads), hint)

    def merge_heads(self, x, hint="merged"):
        """``[S, H, Dh] -> [S, H*Dh]``."""
        return self.collapse_shape(x, [[0], [1, 2]], hint)

    def rope(self, x, heads, cos, sin, hint="rope"):
        """RoPE on ``x: [S, H*Dh]`` over the pairs ``(2i, 2i+1)`` of each head;
        ``cos``/``sin``: constant Values ``[S, Dh/2]``. Returns ``[S, H, Dh]``.

        The pairs are made explicit with ``expand_shape`` to ``[S, H, Dh/2, 2]``;
        the generic reads both members through constant indices in its maps
        and picks the member it writes with ``linalg.index 3``::

            out[.., 0] = x0 * cos - x1 * sin
            out[.., 1] = x0 * sin + x1 * cos
        """
        s, hd = x.shape
        dh = hd // heads
        pairs = self.expand_shape(x, [[0], [1, 2, 3]], (s, heads, dh // 2, 2),
                                  hint=hint + "_pairs")

        def body(b, x0, x1, c, sn):
            first = b.sub(b.mul(x0, c), b.mul(x1, sn))
            second = b.add(b.mul(x0, sn), b.mul(x1, c))
            t = b.index(3)
            zero = b.op("arith.constant 0 : index", "c")
            is_first = b.op(f"arith.cmpi eq, {t}, {zero} : index", "cond")
            return b.select(is_first, first, second)
        rotated = self.map(
            [pairs, pairs, cos, sin], body,
            maps=[["d0", "d1", "d2", "0"], ["d0", "d1", "d2", "1"],
                  ["d0", "d2"], ["d0", "d2"]], hint=hint)
        return self.collapse_shape(rotated, [[0], [1], [2, 3]], hint=hint + "_heads")

    def attention(self, q, k, v, scale=None, causal=True, hint="attn"):
        """Multi-head / grouped-query attention on ``q: [S, H, Dh]``,
        ``k, v: [S, Hkv, Dh]`` -> ``[S, H*Dh]``. Query head ``h`` reads key/value
        head ``h floordiv (H / Hkv)`` through the indexing maps. ``scale``
        multiplies the scores (``None``: q is already scaled)."""
        s, h, dh = q.shape
        hkv = k.shape[1]
        assert h % hkv == 0 and k.shape == v.shape == (s, hkv, dh)
        group = h // hkv
        kvh = "d0" if group == 1 else f"d0 floordiv {group}"

        # scores[h, i, j] = sum_d q[i, h, d] * k[j, h / g, d]
        scores = self.generic(
            [q, k], self.zeros((h, s, s)),
            [["d1", "d0", "d3"], ["d2", kvh, "d3"], ["d0", "d1", "d2"]],
            ["parallel", "parallel", "parallel", "reduction"],
            lambda b, a, c, acc: b.add(acc, b.mul(a, c)), hint=hint + "_scores")

        def mask_body(b, a):
            y = a if scale is None else b.mul(a, b.const(scale))
            if not causal:
                return y
            i, j = b.index(1), b.index(2)
            future = b.op(f"arith.cmpi ugt, {j}, {i} : index", "future")
            return b.select(future, b.const(float("-inf")), y)
        masked = self.map([scores], mask_body, hint=hint + "_masked")

        # Softmax over the key position: max, exp, sum, divide.
        mx = self.reduce_last([masked], lambda b, acc, a: b.max(acc, a),
                              init_value=float("-inf"), hint=hint + "_max")
        ex = self.map([masked, mx], lambda b, a, m: b.exp(b.sub(a, m)),
                      maps=[["d0", "d1", "d2"], ["d0", "d1"]], hint=hint + "_exp")
        sm = self.reduce_last([ex], lambda b, acc, a: b.add(acc, a),
                              hint=hint + "_sum")
        probs = self.map([ex, sm], lambda b, a, t: b.div(a, t),
                         maps=[["d0", "d1", "d2"], ["d0", "d1"]],
                         hint=hint + "_probs")

        # out[i, h, d] = sum_j probs[h, i, j] * v[j, h / g, d]
        kvh = "d1" if group == 1 else f"d1 floordiv {group}"
        out = self.generic(
            [probs, v], self.zeros((s, h, dh)),
            [["d1", "d0", "d3"], ["d3", kvh, "d2"], ["d0", "d1", "d2"]],
            ["parallel", "parallel", "parallel", "reduction"],
            lambda b, p, c, acc: b.add(acc, b.mul(p, c)), hint=hint + "_heads")
        return self.merge_heads(out, hint=hint)


def write_stdout(module):
    """Writes ``module`` to stdout; a closed pipe (``| head``) ends quietly."""
    try:
        module.write(sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:
        # Keep Python from complaining again when it flushes at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def inv_sqrt(n):
    return 1.0 / math.sqrt(n)
