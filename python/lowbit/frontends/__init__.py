"""Model front ends: emit the model IR of docs/model-ir.md as MLIR text.

* :mod:`lowbit.frontends.llama2c`: imports a llama2.c checkpoint
  (``python3 -m lowbit.frontends.llama2c CKPT.bin -o model.mlir --seq-len S``).
* :mod:`lowbit.frontends.opt`: generates an OPT-style decoder stack with
  seeded synthetic weights (``python3 -m lowbit.frontends.opt --layers L ...``).
* :mod:`lowbit.frontends.mlir_builder`: the text emitter both use.

The emitters use numpy only; nothing here calls the C++ extension.
"""
