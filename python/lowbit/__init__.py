"""LowBit: an MLIR compiler for low-bit quantization of LLMs.

The C++ core is exposed through :mod:`lowbit._lowbit`::

    import lowbit
    m = lowbit.Module.parse(text)
    m.run("canonicalize")
    print(m)

:mod:`lowbit.quantizer` is the compiler's host quantizer (what
lowbit-quantize runs on weights); :mod:`lowbit.reference` is the separately
written oracle with the same interface (what tests compare executed IR
with)::

    s, = lowbit.reference.choose_params("#lowbit.scheme<i8, per_axis<0>>", x)
    q = lowbit.reference.quantize("#lowbit.scheme<i8, per_axis<0>>", x, s)
"""

import sys as _sys

from ._lowbit import (LowBitError, Module, calibration, quantizer, reference,
                      scheme_from_spec)

# Make `import lowbit.reference` work for the extension's submodule.
_sys.modules[__name__ + ".reference"] = reference
_sys.modules[__name__ + ".quantizer"] = quantizer

__all__ = ["LowBitError", "Module", "quantizer", "reference", "run_pipeline",
           "scheme_from_spec"]


def run_pipeline(text: str, pipeline: str) -> str:
    """Parses `text`, runs `pipeline` on it and returns the printed result."""
    module = Module.parse(text)
    module.run(pipeline)
    return str(module)
