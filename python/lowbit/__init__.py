"""LowBit: an MLIR compiler for low-bit quantization of LLMs.

The C++ core is exposed through :mod:`lowbit._lowbit`::

    import lowbit
    m = lowbit.Module.parse(text)
    m.run("canonicalize")
    print(m)
"""

from ._lowbit import LowBitError, Module

__all__ = ["LowBitError", "Module", "run_pipeline"]


def run_pipeline(text: str, pipeline: str) -> str:
    """Parses `text`, runs `pipeline` on it and returns the printed result."""
    module = Module.parse(text)
    module.run(pipeline)
    return str(module)
