"""Compares a quant-run result with an expected array (both .npy files).

usage: check_close.py ACTUAL EXPECTED [--rtol R] [--atol A]

Shapes and dtypes must be equal; values must satisfy
|actual - expected| <= atol + rtol * |expected| elementwise (both 0 by
default, i.e. bitwise-equal values, NaNs equal). Prints one line starting with
"match:" or "MISMATCH:" and exits non-zero on a mismatch.
"""

import argparse
import sys

import numpy as np

parser = argparse.ArgumentParser()
parser.add_argument("actual")
parser.add_argument("expected")
parser.add_argument("--rtol", type=float, default=0.0)
parser.add_argument("--atol", type=float, default=0.0)
args = parser.parse_args()

actual = np.load(args.actual)
expected = np.load(args.expected)
if actual.shape != expected.shape or actual.dtype != expected.dtype:
    print(f"MISMATCH: got {actual.dtype}{list(actual.shape)}, "
          f"expected {expected.dtype}{list(expected.shape)}")
    sys.exit(1)
if actual.dtype.kind in "biuV":
    ok = np.array_equal(actual, expected)
    err = 0 if ok else int(np.count_nonzero(actual != expected))
else:
    a = actual.astype(np.float64)
    e = expected.astype(np.float64)
    close = np.isclose(a, e, rtol=args.rtol, atol=args.atol, equal_nan=True)
    ok = bool(np.all(close))
    diff = np.abs(a - e)
    err = float(np.nanmax(diff)) if diff.size else 0.0
if not ok:
    print(f"MISMATCH: {args.actual}: max error {err}")
    sys.exit(1)
print(f"match: {actual.dtype}{list(actual.shape)} max error {err}")
