# lowbit.calibration: the k-means and reorder-planning bindings, checked
# against hand-computed clusterings.
# RUN: %python %s | FileCheck %s

import numpy as np

import lowbit
import lowbit.calibration as cal


def show(name, *values):
    print(name, *[v.tolist() if isinstance(v, np.ndarray) else v for v in values])


def error(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except lowbit.LowBitError as e:
        print("error:", e)
    else:
        print("no error")


# {0, 1} and {10, 11}: labels in ascending center order.
labels, centers, inertia = cal.kmeans(np.array([[10.0], [0.0], [11.0], [1.0]]), 2)
show("kmeans", labels, centers, inertia, labels.dtype, centers.dtype)
# CHECK: kmeans [1, 0, 1, 0] {{\[\[}}0.5], [10.5]] 1.0 int64 float64
# 1-D points are points of dimension 1; integer arrays are accepted.
show("1d", *cal.kmeans(np.array([10, 0, 11, 1]), 2, seed=3, restarts=1)[:2])
# CHECK-NEXT: 1d [1, 0, 1, 0] {{\[\[}}0.5], [10.5]]
# Fewer distinct points than clusters: one cluster per distinct point.
show("distinct", *cal.kmeans(np.array([[2.0, -2], [2, -2], [1, 0]]), 5))
# CHECK-NEXT: distinct [1, 1, 0] {{\[\[}}1.0, 0.0], [2.0, -2.0]] 0.0
# k = 1: the mean.
show("one", *cal.kmeans(np.array([1.0, 2, 3, 10]), 1))
# CHECK-NEXT: one [0, 0, 0, 0] {{\[\[}}4.0]] 50.0

# Same seed, same result; the data set is fixed by a seeded generator.
pts = np.random.default_rng(0).normal(size=(500, 2))
a = cal.kmeans(pts, 7, seed=5)
b = cal.kmeans(pts, 7, seed=5)
print("deterministic", bool((a[0] == b[0]).all() and (a[1] == b[1]).all() and a[2] == b[2]))
# CHECK-NEXT: deterministic True
print("sizes sum", int(np.bincount(a[0]).sum()), len(np.bincount(a[0])))
# CHECK-NEXT: sizes sum 500 7

error(cal.kmeans, np.zeros((0, 2)), 2)
# CHECK-NEXT: error: k-means needs at least one point
error(cal.kmeans, np.array([[1.0, np.nan]]), 1)
# CHECK-NEXT: error: k-means got a non-finite coordinate at point 0, dimension 1
error(cal.kmeans, np.array([1.0, 2.0]), 0)
# CHECK-NEXT: error: k-means needs k >= 1, got 0
error(cal.kmeans, np.zeros((2, 2, 2)), 1)
# CHECK-NEXT: error: points must have rank 1 or 2, got shape (2, 2, 2)
error(cal.kmeans, np.array(["a"]), 1)
# CHECK-NEXT: error: points must hold real numbers, got dtype <U1

# Planning: channels 1 and 4 have a range of about 100.
lo = np.array([-1, -100, -0.5, -1, -98, -1.5], np.float32)
hi = np.array([1, 100, 1.5, 0.5, 102, 1], np.float32)
show("plan", *cal.plan(lo, hi, 2))
# CHECK-NEXT: plan [0, 2, 3, 5, 1, 4] [4, 2]
# Per head: two heads of three channels, each permuted inside its slots.
show("heads", *cal.plan(lo, hi, 2, heads=2))
# CHECK-NEXT: heads [0, 2, 1, 3, 5, 4] [2, 1, 2, 1]
# RPTQ's shared q/k features [qmax, kmax, qmin, kmin] from [C, 2] stacks:
# k's wide channel 3 joins the narrow cluster because q's channel 1
# dominates (the lit test of lowbit-plan-reorder has the same case).
qmax = np.array([1, 100, 1, 1], np.float32)
kmax = np.array([1, 1, 1, 50], np.float32)
show("qk", *cal.plan(-np.stack([qmax, kmax], 1), np.stack([qmax, kmax], 1), 2))
# CHECK-NEXT: qk [0, 2, 3, 1] [3, 1]
error(cal.plan, lo, hi[:5], 2)
# CHECK-NEXT: error: min and max must have the same shape
error(cal.plan, lo, hi, 2, heads=4)
# CHECK-NEXT: error: heads = 4 does not divide 6 channels
