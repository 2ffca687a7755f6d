// The forms calibration samples come in, on a function of two inputs that
// both feed linear layers directly: the observers are on the inputs
// themselves, so the stats are numpy's per-channel min/max of the inputs,
// exactly (the JSON's shortest digits read back as the same floats).
// %t (tokens x channels) is read with its channel axis first, which the
// stats record as axis -2.
//
// RUN: rm -rf %t && mkdir -p %t/npz-dir
// RUN: %python -c "import numpy as np; r = np.random.default_rng(3); \
// RUN:   xs = [r.standard_normal((3, 4)).astype(np.float32) for i in range(3)]; \
// RUN:   ts = [r.standard_normal((2, 5)).astype(np.float32) * 4 for i in range(3)]; \
// RUN:   [np.savez('%t/npz-dir/s%%d.npz' %% i, x, t) for i, (x, t) in enumerate(zip(xs, ts))]; \
// RUN:   np.savez('%t/all.npz', **{'sample%%d_arg%%d' %% (i, j): a for i, p in enumerate(zip(xs, ts)) for j, a in enumerate(p)}); \
// RUN:   xm = np.stack(xs); tm = np.stack(ts); \
// RUN:   print('x.in min', xm.min(axis=(0, 1)).tolist()); print('x.in max', xm.max(axis=(0, 1)).tolist()); \
// RUN:   print('t.in min', tm.min(axis=(0, 2)).tolist()); print('t.in max', tm.max(axis=(0, 2)).tolist())" > %t/expected.txt
//
// A directory of .npz files, one sample each (members in argument order, as
// quant-run reads them), and one archive with members sample<i>_arg<j>.
// RUN: quant-calibrate %s --entry two --data %t/npz-dir --out %t/dir.json
// RUN: quant-calibrate %s --entry two --data %t/all.npz --out %t/npz.json
// RUN: cmp %t/dir.json %t/npz.json
// RUN: %python -c "import json; o = json.load(open('%t/dir.json'))['observers']; \
// RUN:   [print(k, m, o[k][m]) for k in ('x.in', 't.in') for m in ('min', 'max')]; \
// RUN:   print('axes', o['x.in']['axis'], o['t.in']['axis'], 'channels', o['x.in']['channels'], o['t.in']['channels'])" > %t/got.txt
// RUN: %python -c "import numpy as np; \
// RUN:   g = [l.split(' ', 2) for l in open('%t/got.txt') if not l.startswith('axes')]; \
// RUN:   e = [l.split(' ', 2) for l in open('%t/expected.txt')]; \
// RUN:   print('same', all(a[:2] == b[:2] and np.array_equal(np.float32(eval(a[2])), np.float32(eval(b[2]))) for a, b in zip(sorted(g), sorted(e))))" \
// RUN:   | FileCheck %s
// RUN: FileCheck %s --check-prefix=AXES < %t/got.txt
// CHECK: same True
// AXES: axes -1 -2 channels 4 2
//
// The JSON itself: sorted ids, one line per array, shortest f32 digits.
// RUN: FileCheck %s --check-prefix=JSON < %t/dir.json
// JSON:      {
// JSON-NEXT:   "format": "lowbit-stats",
// JSON-NEXT:   "version": 1,
// JSON-NEXT:   "samples": 3,
// JSON-NEXT:   "observers": {
// JSON-NEXT:     "t.in": {
// JSON-NEXT:       "axis": -2,
// JSON-NEXT:       "channels": 2,
// JSON-NEXT:       "min": [{{[-0-9.e]+}}, {{[-0-9.e]+}}],
// JSON-NEXT:       "max": [{{[-0-9.e]+}}, {{[-0-9.e]+}}]
// JSON-NEXT:     },
// JSON-NEXT:     "x.in": {
// JSON:        }
// JSON-NEXT:   }
// JSON-NEXT: }

func.func @two(%x: tensor<3x4xf32>, %t: tensor<2x5xf32>) -> (tensor<3x2xf32>, tensor<5x2xf32>) {
  %zero = arith.constant 0.0 : f32
  %e32 = tensor.empty() : tensor<3x2xf32>
  %z32 = linalg.fill ins(%zero : f32) outs(%e32 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %e52 = tensor.empty() : tensor<5x2xf32>
  %z52 = linalg.fill ins(%zero : f32) outs(%e52 : tensor<5x2xf32>) -> tensor<5x2xf32>
  %wx = arith.constant dense<[[1.0, 2.0, 3.0, 4.0], [0.5, 0.25, -1.0, 2.0]]> : tensor<2x4xf32> loc("x")
  %wt = arith.constant dense<[[1.0, -1.0], [2.0, 0.5]]> : tensor<2x2xf32> loc("t")
  %yx = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%x, %wx : tensor<3x4xf32>, tensor<2x4xf32>) outs(%z32 : tensor<3x2xf32>) -> tensor<3x2xf32>
  %yt = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%t, %wt : tensor<2x5xf32>, tensor<2x2xf32>) outs(%z52 : tensor<5x2xf32>) -> tensor<5x2xf32>
  return %yx, %yt : tensor<3x2xf32>, tensor<5x2xf32>
}
