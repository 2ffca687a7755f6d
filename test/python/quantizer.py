# lowbit.quantizer (the compiler's host quantizer) and lowbit.reference (the
# separately written oracle) agree bit for bit through the Python package,
# on seeded data with zeros, outliers and NaN, for every format family.
# RUN: %python %s | FileCheck %s

import numpy as np

import lowbit
from lowbit import quantizer, reference

SCHEMES = [
    ("i8, per_axis<0>", (6, 40)),
    ("ui4, per_group<axis = 1, size = 16>, asymmetric", (5, 48)),
    ("i3, per_cluster<axis = 1, sizes = [5, 11], per_slice>, narrow", (4, 16)),
    ("f8E4M3FN, per_axis<0>, scale = bf16", (4, 33)),
    ("nf4, per_group<axis = 1, size = 32>", (3, 64)),
    ("binary, per_tensor", (3, 10)),
    ("mxfp4, axis = 1", (4, 64)),
    ("mxint8, axis = 1", (2, 64)),
    ("nvfp4, axis = 1", (4, 32)),
]

rng = np.random.default_rng(5)
agree = 0
for body, shape in SCHEMES:
    scheme = "#lowbit.scheme<%s>" % body
    x = rng.normal(0, 1, shape).astype(np.float32)
    x.flat[::7] = 0.0
    x.flat[3] = 1e4
    if "nvfp4" not in body:
        x.flat[5] = np.nan
    pq = quantizer.choose_params(scheme, x)
    pr = reference.choose_params(scheme, x)
    same = all(a.tobytes() == b.tobytes() for a, b in zip(pq, pr))
    # (scale, zero point) or, for nvfp4, (scale, global scale).
    kq = {"global_scale": pq[1]} if "nvfp4" in body else {}
    kr = {"global_scale": pr[1]} if "nvfp4" in body else {}
    aq, ar = (pq[:1], pr[:1]) if kq else (pq, pr)
    cq = quantizer.quantize(scheme, x, *aq, **kq)
    cr = reference.quantize(scheme, x, *ar, **kr)
    same &= cq.tobytes() == cr.tobytes()
    vq = quantizer.dequantize(scheme, cq, *aq, **kq)
    vr = reference.dequantize(scheme, cr, *ar, **kr)
    same &= vq.tobytes() == vr.tobytes()
    print("%s: %s" % (body, "same" if same else "DIFFERENT"))
    agree += same
print("agree on %d of %d schemes" % (agree, len(SCHEMES)))
# CHECK-NOT: DIFFERENT
# CHECK: agree on 9 of 9 schemes

# The same errors as the oracle's interface.
try:
    quantizer.quantize("#lowbit.scheme<i8, per_axis<0>>", np.zeros((4, 3), np.float32), np.ones(4, np.float32))
except lowbit.LowBitError as e:
    print("error:", e)
# CHECK: error: scale has shape (4,) but the parameter grid is (4, 1)
