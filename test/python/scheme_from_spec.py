# lowbit.scheme_from_spec gives the schemes lowbit-quantize builds for a
# spec (the pass and the Python tools share one C++ owner,
# lowbit/Dialect/LowBit/Utils/SchemeSpec.h); invalid specs raise LowBitError
# with the pass's message.
# RUN: %python %s 2>&1 | FileCheck %s

import lowbit

def show(*args, **kwargs):
    try:
        print(lowbit.scheme_from_spec(*args, **kwargs))
    except lowbit.LowBitError as e:
        print("error:", e)

show("i4", "weight")
# CHECK: #lowbit.scheme<i4, per_axis<0>>
show("i4:g128", "weight")
# CHECK-NEXT: #lowbit.scheme<i4, per_group<axis = 1, size = 128>>
show("i4:g32", "weight", k_axis=0)
# CHECK-NEXT: #lowbit.scheme<i4, per_group<axis = 0, size = 32>>
show("ui4:cluster:asymmetric", "weight", clusters=[2, 6])
# CHECK-NEXT: #lowbit.scheme<ui4, per_cluster<axis = 1, sizes = [2, 6], per_slice>, asymmetric>
show("nf4:g64:scale=f16", "weight")
# CHECK-NEXT: #lowbit.scheme<nf4, per_group<axis = 1, size = 64>, scale = f16>
show("mxfp4", "weight")
# CHECK-NEXT: #lowbit.scheme<mxfp4, axis = 1>
show("i8", "activation")
# CHECK-NEXT: #lowbit.scheme<i8, per_axis<0>, dynamic>
show("i8:tensor", "activation")
# CHECK-NEXT: #lowbit.scheme<i8, per_tensor>
show("i4:cluster", "activation", clusters=[3, 5])
# CHECK-NEXT: #lowbit.scheme<i4, per_cluster<axis = 1, sizes = [3, 5]>>
show("i4:cluster", "activation")
# CHECK-NEXT: #lowbit.scheme<i4, per_tensor>
show("i8:g16:dynamic:clip=ratio(0.9)", "activation")
# CHECK-NEXT: #lowbit.scheme<i8, per_group<axis = 1, size = 16>, dynamic, clip = ratio(0.9{{0*}})>
show("i4:cluster", "weight")
# CHECK-NEXT: error: invalid weight scheme 'i4:cluster': 'cluster' needs the RPTQ cluster sizes of the layer's input
show("i8:token", "weight")
# CHECK-NEXT: error: invalid weight scheme 'i8:token': 'token' applies to activations only
show("i8:g16", "activation")
# CHECK-NEXT: error: invalid activation scheme 'i8:g16': group parameters of an activation differ per token; add ':dynamic' to compute them at run time
show("i4:g8:channel", "weight")
# CHECK-NEXT: error: invalid scheme 'i4:g8:channel': more than one granularity in 'i4:g8:channel'
show("i4:wobbly", "weight")
# CHECK-NEXT: error: invalid weight scheme 'i4:wobbly': unknown scheme option 'wobbly'
show("none", "weight")
# CHECK-NEXT: error: 'none' is no scheme (the value stays f32)
show("i4", "bias")
# CHECK-NEXT: error: role must be 'weight' or 'activation', got 'bias'
