# lowbit.reference: the host-side evaluator of quantize / dequantize /
# choose_params on numpy arrays, checked against hand-computed values.
# RUN: %python %s | FileCheck %s

import numpy as np

import lowbit
import lowbit.reference as ref

nan, inf = float("nan"), float("inf")


def show(name, *arrays):
    print(name, *[f"{a.dtype}{list(a.shape)} {a.ravel().tolist()}" for a in arrays])


def error(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except lowbit.LowBitError as e:
        print("error:", str(e).splitlines()[0])
    else:
        print("no error")


# Symmetric i8 per row: scales absmax / 127 over the finite elements; an
# all-zero (or all non-finite) row gets 1.0.
I8_ROWS = "#lowbit.scheme<i8, per_axis<0>>"
x = np.array([[127, -3, 2.5], [0, 0, 0], [-63.5, 1.25, nan], [nan, inf, -inf]],
             np.float32)
(s,) = ref.choose_params(I8_ROWS, x)
show("scale", s)
# CHECK: scale float32[4, 1] [1.0, 1.0, 0.5, 1.0]
q = ref.quantize(I8_ROWS, x, s)
show("codes", q)
# 2.5 rounds to even; NaN gives the zero point; +-Inf saturate.
# CHECK-NEXT: codes uint8[4, 3] [127, 253, 2, 0, 0, 0, 129, 2, 0, 0, 127, 128]
show("values", ref.dequantize(I8_ROWS, q, s))
# CHECK-NEXT: values float32[4, 3] [127.0, -3.0, 2.0, 0.0, 0.0, 0.0, -63.5, 1.0, 0.0, 0.0, 127.0, -128.0]
show("away", ref.quantize("#lowbit.scheme<i8, per_axis<0>, rounding = nearest_away>", x, s))
# CHECK-NEXT: away uint8[4, 3] [127, 253, 3, 0, 0, 0, 129, 3, 0, 0, 127, 128]

# Asymmetric ui8: [-1, 3] -> scale 4/255, zero point round(1 / scale) = 64.
U8_ASYM = "#lowbit.scheme<ui8, per_tensor, asymmetric>"
s, z = ref.choose_params(U8_ASYM, np.array([-1, 3, 0.5], np.float32))
print("asym", s.dtype, s.shape, s.item() == np.float32(4 / 255), z.dtype, z.tolist())
# CHECK-NEXT: asym float32 (1,) True int32 [64]
show("asym codes", ref.quantize(U8_ASYM, np.array([-1, 0, 3], np.float32), s, z))
# CHECK-NEXT: asym codes uint8[3] [0, 64, 255]
show("asym values", ref.dequantize(U8_ASYM, np.array([64, 0]), 0.5, zero_point=np.int32(64)))
# CHECK-NEXT: asym values float32[2] [0.0, -32.0]

# Groups of 2 along axis 1 with i4 (two's complement low 4 bits).
I4_GROUPS = "#lowbit.scheme<i4, per_group<axis = 1, size = 2>>"
print("grid", ref.grid_shape(I4_GROUPS, (2, 4)), ref.grid_index(I4_GROUPS, (2, 4), (1, 3)))
# CHECK-NEXT: grid (2, 2) (1, 1)
x = np.array([[1, -7, 0, 0], [7, 3.5, -0.5, 0.2]], np.float32)
(s,) = ref.choose_params(I4_GROUPS, x)
print("i4 scales", s.tolist() == [[1, 1], [1, np.float32(0.5 / 7)]])
# CHECK-NEXT: i4 scales True
show("i4 codes", ref.quantize(I4_GROUPS, x, s))
# CHECK-NEXT: i4 codes uint8[2, 4] [1, 9, 0, 0, 7, 4, 9, 3]
show("i4 values", ref.dequantize(I4_GROUPS, np.array([[15, 8, 7, 1], [0, 0, 0, 0]]), np.ones((2, 2), np.float32)))
# CHECK-NEXT: i4 values float32[2, 4] [-1.0, -8.0, 7.0, 1.0, 0.0, 0.0, 0.0, 0.0]

# A group size that does not divide the axis: groups of 2, 2 and a last
# one of 1, each with its own scale (absmax / 7).
I4_RAGGED = "#lowbit.scheme<i4, per_group<axis = 1, size = 2>>"
print("ragged grid", ref.grid_shape(I4_RAGGED, (2, 5)), ref.grid_index(I4_RAGGED, (2, 5), (1, 4)))
# CHECK-NEXT: ragged grid (2, 3) (1, 2)
x = np.array([[1, -7, 0, 0, 3.5], [7, 3.5, -0.5, 0.2, -14]], np.float32)
(s,) = ref.choose_params(I4_RAGGED, x)
print("ragged scales", s.tolist() == [[1, 1, 0.5], [1, np.float32(0.5 / 7), 2]])
# CHECK-NEXT: ragged scales True
show("ragged codes", ref.quantize(I4_RAGGED, x, s))
# CHECK-NEXT: ragged codes uint8[2, 5] [1, 9, 0, 0, 7, 7, 4, 9, 3, 9]

# Clusters [1, 2] along axis 1, shared by all rows (grid [1, 2]).
CLUSTERS = "#lowbit.scheme<i8, per_cluster<axis = 1, sizes = [1, 2]>>"
show("clusters", ref.quantize(CLUSTERS, np.array([[3, 10, 20], [4, 30, -40]], np.float32),
                              np.array([[1, 10]], np.float32)))
# CHECK-NEXT: clusters uint8[2, 3] [3, 1, 2, 4, 3, 252]

# f16 / f64 inputs are converted to f32; f16 scale types round the scale.
F16_SCALE = "#lowbit.scheme<i8, per_tensor, scale = f16>"
(s,) = ref.choose_params(F16_SCALE, np.array([1, -0.5], np.float16))
print("f16 scale", s.dtype, s.item())
# CHECK-NEXT: f16 scale float32 0.00787353515625
show("f64 input", ref.quantize("#lowbit.scheme<i8, per_tensor>", np.array([1.25, -300.0]), 0.5))
# CHECK-NEXT: f64 input uint8[2] [2, 128]
# int8 codes (how quant-run returns packed i8 tensors) are read as bytes.
show("int8 codes", ref.dequantize("#lowbit.scheme<i8, per_tensor>", np.array([-1, 5], np.int8), 0.5))
# CHECK-NEXT: int8 codes float32[2] [-0.5, 2.5]

# Float formats: E4M3 saturates to 448, keeps -0, NaN -> 0x7F.
show("e4m3", ref.quantize("#lowbit.scheme<f8E4M3FN, per_tensor>",
                          np.array([1, 448, 500, -0.0, nan, 0.3], np.float32), 1.0))
# CHECK-NEXT: e4m3 uint8[6] [56, 126, 126, 128, 127, 42]
show("e2m1", ref.dequantize("#lowbit.scheme<f4E2M1FN, per_tensor>", np.arange(16), 2.0))
# CHECK-NEXT: e2m1 float32[16] [0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, -0.0, -1.0, -2.0, -3.0, -4.0, -6.0, -8.0, -12.0]

# NF4 (absmax scale) and binary.
NF4 = "#lowbit.scheme<nf4, per_tensor>"
x = np.array([-4, 0, 4, 1], np.float32)
(s,) = ref.choose_params(NF4, x)
q = ref.quantize(NF4, x, s)
show("nf4", s, q, ref.dequantize(NF4, q[:3], s))
# CHECK-NEXT: nf4 float32[1] [4.0] uint8[4] [0, 7, 15, 10] float32[3] [-4.0, 0.0, 4.0]
BINARY = "#lowbit.scheme<binary, per_tensor>"
(s,) = ref.choose_params(BINARY, np.array([-0.5, 2], np.float32))
show("binary", s, ref.quantize(BINARY, np.array([-0.5, -0.0, 2], np.float32), s))
# CHECK-NEXT: binary float32[1] [2.0] uint8[3] [0, 1, 1]

# MXFP4: floor(log2(7)) - 2 = 0 -> E8M0 code 127 (X = 1); 7 clips to 6. A
# block with an Inf gets the NaN scale 0xFF and codes 0.
MXFP4 = "#lowbit.scheme<mxfp4, axis = 1>"
x = np.zeros((2, 32), np.float32)
x[0, :3] = [6, -1.5, 7]
x[1, 5] = inf
(s,) = ref.choose_params(MXFP4, x)
q = ref.quantize(MXFP4, x, s)
show("mxfp4", s, q[0, :4], q[1, 4:6])
# CHECK-NEXT: mxfp4 uint8[2, 1] [127, 255] uint8[4] [7, 11, 7, 0] uint8[2] [0, 0]
v = ref.dequantize(MXFP4, q, s)
print("mxfp4 values", v[0, :3].tolist(), bool(np.isnan(v[1]).all()))
# CHECK-NEXT: mxfp4 values [6.0, -1.5, 6.0] True

# MXINT8: X = 2^(floor(log2 2) - 0) = 2; codes are q * 2^-6.
MXINT8 = "#lowbit.scheme<mxint8, axis = 0>"
x = np.zeros(32, np.float32)
x[:3] = [1, -2, 0.5]
(s,) = ref.choose_params(MXINT8, x)
show("mxint8", s, ref.quantize(MXINT8, x, s)[:3])
# CHECK-NEXT: mxint8 uint8[1] [128] uint8[3] [32, 192, 16]

# NVFP4: global = absmax / 2688 = 1 here; block scales 2688/6 = 448 (0x7E),
# 6/6 = 1 (0x38); a block with a NaN gets 0x7F.
NVFP4 = "#lowbit.scheme<nvfp4, axis = 1>"
x = np.zeros((1, 48), np.float32)
x[0, :2] = [2688, 1344]
x[0, 16:18] = [6, -3]
x[0, 32] = nan
s, g = ref.choose_params(NVFP4, x)
q = ref.quantize(NVFP4, x, s, global_scale=g)
show("nvfp4", s, g, q[0, [0, 1, 16, 17, 33]])
# CHECK-NEXT: nvfp4 uint8[1, 3] [126, 56, 127] float32[1, 1] [1.0] uint8[5] [7, 5, 7, 13, 0]
v = ref.dequantize(NVFP4, q, s, global_scale=1.0)
print("nvfp4 values", v[0, [0, 1, 16, 17]].tolist(), bool(np.isnan(v[0, 32:]).all()))
# CHECK-NEXT: nvfp4 values [2688.0, 1344.0, 6.0, -3.0] True

# Packing: LSB-first per row, each row on a byte boundary (docs/numerics.md).
show("pack4", ref.pack(np.array([1, 2, 3], np.uint8), 4))
# CHECK-NEXT: pack4 uint8[2] [33, 3]
p = ref.pack(np.array([[5, 3, 7], [5, 3, 7]]), 3)
show("pack3", p, ref.unpack(p, 3, 3))
# CHECK-NEXT: pack3 uint8[2, 2] [221, 1, 221, 1] uint8[2, 3] [5, 3, 7, 5, 3, 7]

# Errors are LowBitError.
error(ref.quantize, I8_ROWS, np.zeros((4, 3), np.float32), np.ones(4, np.float32))
# CHECK-NEXT: error: scale has shape (4,) but the parameter grid is (4, 1)
error(ref.quantize, U8_ASYM, np.zeros(3, np.float32), 1.0)
# CHECK-NEXT: error: an asymmetric scheme needs a zero_point
error(ref.quantize, I8_ROWS, np.zeros((4, 3), np.float32), np.ones((4, 1)), zero_point=np.zeros((4, 1), np.int32))
# CHECK-NEXT: error: a symmetric scheme takes no zero point
error(ref.quantize, NVFP4, np.zeros((1, 16), np.float32), np.zeros((1, 1), np.uint8))
# CHECK-NEXT: error: the nvfp4 family needs a global_scale
error(ref.quantize, MXFP4, np.zeros((1, 32), np.float32), np.ones((1, 1), np.float32))
# CHECK-NEXT: error: scale must hold integers, got dtype float32
error(ref.quantize, I8_ROWS, np.zeros((4, 3), np.int32), np.ones((4, 1)))
# CHECK-NEXT: error: x must hold floating-point values, got dtype int32
error(ref.dequantize, "#lowbit.scheme<i4, per_tensor>", np.array([3, 16]), 1.0)
# CHECK-NEXT: error: code 16 of element 1 does not fit in 4 bits
error(ref.quantize, "#lowbit.scheme<i8, per_group<axis = 1, size = 2>>", np.zeros((2, 3), np.float32), np.ones((2, 1), np.float32))
# CHECK-NEXT: error: scale has shape (2, 1) but the parameter grid is (2, 2)
error(ref.choose_params, "#lowbit.scheme<i8, per_tensor, clip = percentile(99.9)>", np.zeros(4, np.float32))
# CHECK-NEXT: error: clip = percentile needs calibration data; run-time parameter choice supports none and ratio
error(ref.choose_params, "#lowbit.scheme<i8, per_axs<0>>", np.zeros(4, np.float32))
# CHECK-NEXT: error: failed to parse scheme '#lowbit.scheme<i8, per_axs<0>>':
error(ref.pack, np.array([8]), 3)
# CHECK-NEXT: error: {{.*}}
