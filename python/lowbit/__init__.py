"""LowBit: an MLIR compiler for low-bit quantization of LLMs.

The C++ core is exposed through :mod:`lowbit._lowbit`::

    import lowbit
    m = lowbit.Module.parse(text)
    m.run("canonicalize")
    print(m)

:mod:`lowbit.reference` is the host-side reference evaluator of lowbit ops
on numpy arrays (the oracle for executed IR)::

    s, = lowbit.reference.choose_params("#lowbit.scheme<i8, per_axis<0>>", x)
    q = lowbit.reference.quantize("#lowbit.scheme<i8, per_axis<0>>", x, s)
"""

import sys as _sys

from ._lowbit import (LowBitError, Module, calibration, reference,
                      scheme_from_spec)

# Make `import lowbit.reference` work for the extension's submodule.
_sys.modules[__name__ + ".reference"] = reference

__all__ = ["LowBitError", "Module", "reference", "run_pipeline",
           "scheme_from_spec"]


def run_pipeline(text: str, pipeline: str) -> str:
    """Parses `text`, runs `pipeline` on it and returns the printed result."""
    module = Module.parse(text)
    module.run(pipeline)
    return str(module)
