"""Command-line conventions of LowBit's Python tools.

Every tool reports a problem as one line, ``NAME: error: message``, on
stderr and exits with status 1, argument errors included (argparse itself
prints its usage block and exits with 2).
"""

import argparse
import sys

__all__ = ["ArgumentParser"]


class ArgumentParser(argparse.ArgumentParser):
    """argparse.ArgumentParser whose errors are one line and exit 1.

    ``name`` is the word before ``: error:`` (default: the last part of
    ``prog``)."""

    def __init__(self, *args, name=None, **kwargs):
        super().__init__(*args, **kwargs)
        last = self.prog.split()[-1]
        if last.endswith(".py"):
            last = last[:-3]
        self._name = name or last.split(".")[-1]

    def error(self, message):
        sys.stderr.write("%s: error: %s\n" % (self._name, message))
        sys.exit(1)
