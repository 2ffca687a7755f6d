"""Checks lowbit-gpu-runner's generated inputs against the bundle builder's.

usage: check_generated.py MANIFEST DIR

For every `input gen ...` line of MANIFEST, the array the runner wrote to
DIR/<case>.in<i>.npy (lowbit-gpu-runner --write-inputs) must equal, bit for
bit, what scripts/gpu_check_prepare.py draws for the CPU reference.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..",
                                "..", "scripts"))
from gpu_check_prepare import Gen  # noqa: E402

manifest, out = sys.argv[1], sys.argv[2]
checked = 0
case, index = None, 0
for line in open(manifest):
    words = line.split()
    if not words:
        continue
    if words[0] == "case":
        case, index = words[1], 0
    elif words[0] == "input":
        if words[1] == "gen":
            dtype, seed, lo, hi, shape = words[2:7]
            lo, hi = (int(lo), int(hi)) if dtype == "i1" else \
                (float(lo), float(hi))
            want = Gen(dtype, int(seed), lo, hi,
                       [int(d) for d in shape.split("x")]).array()
            got = np.load(os.path.join(out, "%s.in%d.npy" % (case, index)))
            if got.dtype != want.dtype or got.shape != want.shape or \
                    got.tobytes() != want.tobytes():
                print("MISMATCH: %s input %d" % (case, index))
                sys.exit(1)
            checked += 1
        index += 1
print("generated inputs equal: %d" % checked)
