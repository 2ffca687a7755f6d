"""Plain-numpy reference forwards of the models the front ends emit.

* :mod:`lowbit.models.llama2c_numpy`: llama2.c (``run.c``'s math) from a
  checkpoint, with its own reader.
* :mod:`lowbit.models.opt_numpy`: the OPT-style pre-LN decoder stack of
  :mod:`lowbit.frontends.opt`, from the generator's ``--save-weights`` .npz.
* :mod:`lowbit.models.compare`: the agreement check the tests print.

They share no code with :mod:`lowbit.frontends`, so agreement between
``quant-run`` on the emitted IR and these forwards checks the IR.
"""
