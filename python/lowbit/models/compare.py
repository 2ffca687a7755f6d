"""The agreement check between executed IR and a numpy reference.

The error is normwise: ``max|got - want| / max|want|`` (the largest absolute
difference relative to the largest reference magnitude), so a tolerance of
1e-4 means every element agrees to 1e-4 of the output's scale; logits near
zero are not held to a relative bound of their own.
"""

import sys

import numpy as np

__all__ = ["max_rel_error", "compare_main_result"]


def max_rel_error(got, want):
    """``max|got - want| / max|want|`` in float64 (inf on a shape mismatch
    or non-finite values)."""
    got = np.asarray(got, np.float64)
    want = np.asarray(want, np.float64)
    if got.shape != want.shape or not (np.all(np.isfinite(got)) and
                                       np.all(np.isfinite(want))):
        return float("inf")
    scale = np.max(np.abs(want)) if want.size else 0.0
    diff = np.max(np.abs(got - want)) if want.size else 0.0
    return float(diff / scale) if scale > 0 else float(diff)


def compare_main_result(what, got, want, tol):
    """Prints one line ``WHAT: shape [..]: max|a-b|/max|b| = E (max|b| = M,
    tol T): OK`` (or ``FAIL``) and returns the exit code (0 if OK)."""
    got = np.asarray(got)
    want = np.asarray(want)
    if got.shape != want.shape:
        print(f"{what}: shape mismatch: got {list(got.shape)}, want "
              f"{list(want.shape)}: FAIL")
        return 1
    err = max_rel_error(got, want)
    scale = float(np.max(np.abs(want))) if want.size else 0.0
    ok = err <= tol
    print(f"{what}: shape {list(want.shape)}: max|a-b|/max|b| = {err:.3e} "
          f"(max|b| = {scale:.4g}, tol {tol:g}): {'OK' if ok else 'FAIL'}")
    sys.stdout.flush()
    return 0 if ok else 1
