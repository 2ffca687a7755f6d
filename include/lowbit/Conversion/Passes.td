//===- Passes.td - LowBit conversion passes ----------------*- tablegen -*-===//

#ifndef LOWBIT_CONVERSION_PASSES_TD
#define LOWBIT_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertLowBitToQuant : Pass<"convert-lowbit-to-quant", "::mlir::ModuleOp"> {
  let summary = "Convert lowbit quantize/dequantize pairs with constant "
                "parameters to upstream quant.qcast/quant.dcast";
  let description = [{
    Rewrites `lowbit.dequantize(lowbit.quantize(x, p), p)` with constant
    parameters `p` into `quant.dcast(quant.qcast(x))` on tensors of
    `!quant.uniform` (per-tensor, per-axis or sub-channel). Integer formats
    only. A quantize whose users are all dequantizes with the same SSA
    parameters becomes one `quant.qcast` shared by their `quant.dcast`s;
    parameter constants left unused are erased, and so are unused
    quantize ops.

    `per_tensor` maps to per-tensor types, `per_axis` to per-axis types,
    `per_group` and `per_block` to sub-channel types, listing only the
    dimensions that are split into more than one block (a single block
    over the whole tensor gives a per-tensor type). Scales widen exactly to
    the doubles of upstream types; sub-channel types store them in the
    expressed type and zero points in the storage type, so values that do
    not fit there exactly are errors, as are scales outside the range of
    the expressed type.

    Anything upstream cannot express (float, lookup-table or binary
    formats, cluster granularity, groups with a shorter last group, dynamic
    schemes, non-constant parameters, non-default rounding, a quantized
    value used by any other op) is reported as an error at the op's
    location, with the reason, and the pass fails.
  }];
  let dependentDialects = ["::mlir::quant::QuantDialect"];
}

def ConvertQuantToLowBit : Pass<"convert-quant-to-lowbit", "::mlir::ModuleOp"> {
  let summary = "Convert upstream quant ops and !quant.uniform types to lowbit";
  let description = [{
    `quant.qcast` becomes `lowbit.quantize` and `quant.dcast` becomes
    `lowbit.dequantize`, with the scales and zero points of the
    `!quant.uniform` type materialized as `arith.constant` tensors in the
    grid layout. Tensors of quantized type (also in function signatures,
    calls and returns) become `!lowbit.qtensor`. Per-tensor types map to
    `per_tensor`, per-axis types to `per_axis`, sub-channel types to
    `per_group` (exactly one dimension split into blocks of more than one
    element) or `per_block`.

    Signed storage maps to `iN`, unsigned to `uiN`; the narrow storage
    range maps to `narrow`. Zero points that are all 0 give a symmetric
    scheme, anything else `asymmetric` with an `i32` zero point tensor.
    Scales become `f32`: upstream keeps them as doubles (sub-channel types
    in the expressed type), and they are rounded to the nearest `f32`, so
    a round trip through lowbit only preserves scales that `f32`
    represents exactly. A `quant.dcast` of a converted `quant.qcast` reuses
    its parameter constants.

    Types lowbit cannot express (`!quant.any`, `!quant.calibrated`,
    storage wider than 8 bits, storage ranges that are neither full nor
    narrow, scalars, unranked tensors), quantized values of other ops and
    `quant.scast` are errors at the op's location, reported before any
    rewriting.
  }];
  let dependentDialects = ["::mlir::lowbit::LowBitDialect",
                           "::mlir::arith::ArithDialect"];
}

def ConvertLowBitToLinalg : Pass<"convert-lowbit-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Reference lowering of lowbit ops to linalg/tensor/arith/math";
  let description = [{
    Lowers every lowbit op to upstream ops on tensors, with the exact
    semantics of the numerics library (docs/numerics.md), for executing
    programs on CPU and as the oracle for faster lowerings:

    - `!lowbit.qtensor<..., N>` becomes `tensor<..., ceil(N * bits / 8) x i8>`:
      codes packed LSB-first along the innermost dimension, each row starting
      on a byte boundary (8-bit codes unpacked). Function signatures follow.
    - `quantize`/`dequantize` compute codes and values element by element;
      float, lookup-table, binary and MXINT8 codes are found by a binary
      search over decision thresholds that the numerics library computes at
      compile time, and decoded through tables it fills.
    - `choose_params` reduces each parameter block and applies the library's
      parameter rules.
    - `observe` is the identity; `reorder` is a gather along its axis.
    - `matmul` with a float accumulator dequantizes its operands and sums
      products in increasing k; with an integer accumulator it sums exact i32
      products within K segments (the maximal runs of K on which both
      operands' parameters are constant) and adds
      `float(sum) * (lhs scale * rhs scale)` per segment, in increasing k.

    Sub-byte quantized tensors need a static innermost dimension.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect"];
}

def ConvertLowBitMatmulToVector
    : Pass<"convert-lowbit-matmul-to-vector", "::mlir::ModuleOp"> {
  let summary = "Lower fused quantized matmuls to tiled vector code for CPUs";
  let description = [{
    Lowers the `lowbit.matmul` ops that LLM inference spends its time in to
    `scf` loops over 1-D `vector` operations on the packed codes (see
    docs/cpu-codegen.md for the layouts and tiling). Codes are unpacked in
    registers: no dequantized weight matrix is materialized.

    - Weight-only: f32 `[M, K]` times `transpose_rhs` weights
      `!lowbit.qtensor<NxK>` of `i4`/`ui4`/`i8`/`ui8` codes (symmetric, or
      asymmetric with i32 zero points subtracted after decoding),
      `per_group<axis = 1>` (group a multiple of 32) or `per_axis<0>` with f32
      scales, `acc(f32)`. 4-bit weights need an even K. Products of one
      scale group are summed in vector lanes and scaled once per group, so
      results agree with the reference within float reassociation. With
      `avx512`, each nibble's value comes from a 16-entry table through
      `llvm.x86.avx512.permvar.sf.512` (vpermps) instead of shifts and an
      int-to-float conversion; with `avx512`, 4-bit table formats (NF4 or
      any 16-entry `!lowbit.lut`, FP4 `f4E2M1FN`) with f32 scales, and
      MXFP4 (E2M1 with an f8E8M0FNU scale per 32, decoded through a table),
      take the same kernels with their code values in the table; NVFP4 (E2M1
      with an f8E4M3FN scale per 16 and an f32 global scale) takes the
      16-byte one with the two block scales of each 32 codes applied per
      lane. FP8
      weights (`f8E4M3FN`, `f8E5M2`) with f32 scales, and MXFP8 (the same
      elements with an f8E8M0FNU scale per 32), take the 8-bit kernel,
      each code decoded in registers through f16 (E5M2: the f16's top byte;
      E4M3FN: the f16 of its value times 2^-8, made up on each group's
      sums, NaN codes selected apart): exactly the reference's values.
      Codes packed densely in 2, 3, 5, 6 or 7 bits (integers with f32
      scales and optional zero points, FP6 `f6E2M3FN` / `f6E3M2FN` with f32
      scales, MXFP6) are unpacked 32 at a time in registers (a masked load,
      byte shuffles, per-lane shifts): integers decoded exactly through the
      f32 2^23 + code, FP6 through f16 like FP8.
    - Weight-only with bf16 activations (`avx512` and `bf16`): bf16 `[M, K]`
      times 4-bit integer or FP4 E2M1 weights (values exact in bf16; not
      NF4) in groups of a multiple of 128 (or per-channel
      with K a multiple of 128), f32 scales, `acc(f32)`, and densely packed
      codes of up to 6 bits without zero points. Codes become bf16
      values through `llvm.x86.avx512.permvar.hi.512` (vpermw; vpermi2w for
      6-bit codes) and pairs of products are accumulated in f32 by
      `llvm.x86.avx512bf16.dpbf16ps.512` (exact products, one rounding per
      addition, as the reference; vdpbf16ps treats denormal inputs and
      results as zero). Every other weight-only matmul with bf16
      activations (and all of them without these options) widens the
      activations to f32 once per call (exact) and takes the f32 kernels.
    - W8A8: symmetric `i8` `per_axis<0>` activations (per token) times
      symmetric `i8` `per_axis<0>` weights (per channel, `transpose_rhs`),
      `acc(i32)`, f32 scales: exact i32 dot products, scaled once after the
      K loop, bit-identical to the reference. With `vnni`, 64 products at a
      time go through `llvm.x86.avx512.vpdpbusd.512` (weights biased to
      unsigned bytes in registers, the bias removed with a per-row sum of
      the activations); without it, i8 -> i32 extends, multiplies and adds.
    - Integer matmuls with scales along K (W4A4 with RPTQ clusters, W4A8 or
      W8A8 with groups, W4A4 per token x per channel): signed `i4` or `i8`
      operands, each `per_tensor`, `per_axis<0>`, `per_group<axis = 1>` or
      `per_cluster<axis = 1>` (optionally `per_slice`), f32 scales,
      `acc(i32)`; activations may also be `ui4`, or asymmetric 4- or 8-bit
      codes with i32 zero points, and weights asymmetric 4- or 8-bit codes
      with zero points (one operand or both). Activations are unpacked to
      bytes once (minus the part of their zero point that keeps them in a
      byte); each tile sums exact i32 products per K segment (masked to the
      segment, 4-bit weights unpacked in registers, vpdpbusd with `vnni`),
      subtracts the zero-point terms (the rest of an activation zero point
      times the weight rows' segment sums, a weight zero point times the
      activation rows' segment sums: tables built once per call; with both,
      adds back their product times the segment length) and scales each
      segment as the reference does: bit-identical.

    M may be dynamic; N and K must be static. Everything else is left
    untouched for `convert-lowbit-to-linalg`, which runs after this pass
    (and should be followed by `reconcile-unrealized-casts`): quantized
    operands are read in that pass's packed storage.
  }];
  let options = [
    Option<"avx512", "avx512", "bool", /*default=*/"false",
           "Decode 4-bit codes with AVX-512 permutes (vpermps: a 16-entry "
           "table lookup); the code then needs a CPU with AVX-512F">,
    Option<"vnni", "vnni", "bool", /*default=*/"false",
           "Use AVX512-VNNI (vpdpbusd) for i8 x i8 dot products; the code "
           "then needs a CPU with AVX512-VNNI">,
    Option<"bf16", "bf16", "bool", /*default=*/"false",
           "With avx512: bf16 activations times 4-bit weights and densely "
           "packed codes of up to 6 bits through AVX512-BF16 (vpermw to "
           "bf16 values, vdpbf16ps); the code then needs a CPU with "
           "AVX512-BF16">,
    Option<"parallelChunks", "parallel-chunks", "unsigned", /*default=*/"1",
           "Split the output columns (weight rows) of each lowered matmul "
           "into this many equal chunks, the iterations of one scf.forall "
           "that a parallel lowering runs on threads (lowbit-to-llvm "
           "threads=N); 1, or a count that does not divide N, keeps plain "
           "loops">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::LLVM::LLVMDialect",
                           "::mlir::lowbit::x86::LowBitX86Dialect",
                           "::mlir::x86vector::X86VectorDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::tensor::TensorDialect",
                           "::mlir::vector::VectorDialect"];
}

//===----------------------------------------------------------------------===//
// Lowering to the LLVM dialect (lowbit-to-llvm)
//===----------------------------------------------------------------------===//

def LowBitDecomposeAggregatedOps
    : Pass<"lowbit-decompose-aggregated-ops", "::mlir::ModuleOp"> {
  let summary = "Decompose linalg aggregated ops (linalg.softmax) on tensors";
  let description = [{
    Replaces every op with `linalg::AggregatedOpInterface` and tensor
    results (`linalg.softmax`, the Winograd transforms) by the linalg, arith
    and math ops it stands for, which bufferize and lower to loops. Ops whose
    decomposition fails are left for bufferization to report. Stage 0 of
    `lowbit-to-llvm`.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::tensor::TensorDialect"];
}

def LowBitMemRefCopyToLinalg
    : Pass<"lowbit-memref-copy-to-linalg", "::mlir::ModuleOp"> {
  let summary = "Rewrite memref.copy with non-identity layouts into linalg.copy";
  let description = [{
    The LLVM lowering turns a `memref.copy` where either side has a
    non-identity layout into a call of the `memrefCopy` runtime routine
    (libmlir_c_runner_utils). This pass rewrites such copies into
    `linalg.copy`, which becomes plain loops, so JIT-compiled code needs no
    runtime library. Copies between identity layouts are left alone (they
    lower to `llvm.intr.memcpy`).
  }];
  let dependentDialects = ["::mlir::linalg::LinalgDialect"];
}

def LowBitInlineAllocaScopes
    : Pass<"lowbit-inline-alloca-scopes", "::mlir::ModuleOp"> {
  let summary = "Inline memref.alloca_scope bodies, saving and restoring the "
                "stack around those with allocas";
  let description = [{
    Replaces each `memref.alloca_scope` by its body, between
    `llvm.intr.stacksave` and `llvm.intr.stackrestore` when the body holds
    allocas. The OpenMP lowering wraps every parallel loop body in a scope
    (thread-private allocas) whose region must stay one block, which
    lowering the loops inside to branches would break. Inner scopes are
    inlined first. Used by `lowbit-to-llvm` with `threads` > 1.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

def ConvertLowBitX86ToLLVM
    : Pass<"convert-lowbit-x86-to-llvm", "::mlir::ModuleOp"> {
  let summary = "Lower lowbit_x86 ops to their LLVM intrinsic calls";
  let description = [{
    Replaces every `lowbit_x86` op (the AVX-512 instructions of the CPU
    kernels: `vpdpbusd`, `permps`, `permw`, `permi2w`) by the
    `llvm.call_intrinsic` of its instruction, operands in the same order.
    The ops are pure until here, so bufferization and buffer deallocation
    see them as the value computations they are; `lowbit-to-llvm` runs this
    pass just before the vector dialect becomes LLVM.
  }];
  let dependentDialects = ["::mlir::LLVM::LLVMDialect"];
}

//===----------------------------------------------------------------------===//
// Lowering to NVIDIA GPUs (lowbit-to-nvvm)
//===----------------------------------------------------------------------===//

def ConvertLowBitMatmulToGPU
    : Pass<"convert-lowbit-matmul-to-gpu", "::mlir::ModuleOp"> {
  let summary = "Lower fused quantized matmuls to GPU kernels (gpu.launch)";
  let description = [{
    Checks the target chip and lowers the `lowbit.matmul` ops that a GPU
    kernel of LowBit serves to `gpu.launch` ops written at the level of
    threads and warps (see docs/gpu.md). The matmul's tensors are read
    through `bufferization.to_buffer` and its result is a fresh buffer
    returned through `bufferization.to_tensor`; everything else is left for
    the generic lowering (`convert-lowbit-to-linalg`, then loops mapped to
    blocks and threads by `lowbit-gpu-map-parallel-loops`).

    - W4A16 GEMV: f32 `[M, K]` activations (any M, also dynamic: a block
      takes up to 8 rows, larger M is spread over the grid's y dimension
      and reads the weights once per 8 rows) times `transpose_rhs` weights `!lowbit.qtensor<NxK>` of `i4` or `ui4`
      codes, symmetric, `per_group<axis = 1>` (group a multiple of 32) or
      `per_axis<0>`, f32 scales, `acc(f32)`, K a multiple of 32. One warp
      per output column; each lane loads 16 bytes (32 codes) per step,
      decodes them in registers (the code ORed into the mantissa of 2^23,
      minus 2^23 and the zero offset: exact), multiplies them with the
      activations, scales each group's sum once, and the warp's lanes are
      summed with `gpu.shuffle xor`. Results agree with the reference within
      float reassociation.
    - Integer matmuls on tensor cores (W8A8, W4A8, W4A4, RPTQ clusters):
      signed, symmetric 4- or 8-bit codes on both operands (`transpose_rhs`),
      f32 scales per tensor, row, group along K or cluster along K, `acc(i32)`,
      K a multiple of 32, any M (also dynamic). Each warp computes a 16 x 32
      tile with `nvgpu.mma.sync` (m16n8k32, s8, i32 accumulators), fragments
      loaded from global memory in the PTX ISA's register layout; 4-bit codes
      are unpacked to s8 in registers. The K segments on which both
      operands' scales are constant (getIntegerMatmulSegments) are summed
      exactly in i32 and scaled into f32 in increasing k, as the reference
      lowering does, so results are bit-identical to it: with one segment in
      an epilogue, with several through a table of pieces (each step of 32
      once per segment it overlaps, codes outside the segment zeroed).
    - W4A16 GEMM on tensor cores: f16 `[M, K]` activations (any M) times
      `transpose_rhs` `i4`/`ui4` weights, symmetric, `per_group<axis = 1>`
      (a multiple of 16) or `per_axis<0>`, f32 scales, `acc(f32)`, K a
      multiple of 16: `nvgpu.mma.sync` m16n8k16 with f32 accumulators, the
      two codes of a weight byte decoded to an f16 pair per register, each
      group's sums scaled once. Within float reassociation of the reference.

    `chip` must be an NVIDIA architecture name LLVM's NVPTX back end knows
    (`sm_50` ... `sm_121a`); the kernels need `sm_80` or later. `features`,
    if given, must be `+ptxNN` with a PTX ISA version LLVM knows that is at
    least the one that introduced the chip, and `format` one of `isa`,
    `bin`, `fatbin`, `offload`. Anything else is reported as one error and
    the pass fails (LLVM would warn and ignore an unknown feature, and abort
    on a PTX version too old for the chip). With
    `fast-kernels=false` only the chip is checked.
  }];
  let options = [
    Option<"chip", "chip", "std::string", /*default=*/"\"sm_80\"",
           "The target GPU architecture (sm_80, sm_86, sm_89, sm_90, ...)">,
    Option<"fastKernels", "fast-kernels", "bool", /*default=*/"true",
           "Lower the matmuls that a kernel serves (false: check the chip "
           "only, everything takes the generic lowering)">,
    Option<"features", "features", "std::string", /*default=*/"\"\"",
           "PTX features to check with the chip: `+ptxNN`, a PTX ISA version "
           "LLVM knows and at least the chip's">,
    Option<"format", "format", "std::string", /*default=*/"\"isa\"",
           "The binary format to check: isa, bin, fatbin or offload">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::bufferization::BufferizationDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::math::MathDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::nvgpu::NVGPUDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

def LowBitGPUHostMemory
    : Pass<"lowbit-gpu-host-memory", "::mlir::ModuleOp"> {
  let summary = "Put every buffer of host functions in memory the GPU "
                "reaches; keep host memory at the function boundary";
  let description = [{
    After bufferization, in every function outside `gpu.module`s:
    `memref.alloc` becomes `gpu.alloc host_shared` (CUDA managed memory:
    kernels and host code may both touch it) and `memref.dealloc` becomes
    `gpu.dealloc`; every `memref.copy` becomes a `linalg.copy` (a kernel of
    its own once loops are mapped to the GPU); each memref argument and
    each `memref.get_global` (the model's weights) is copied into such a
    buffer at the function's entry with `gpu.memcpy`. Each returned memref
    is copied into a fresh `memref.alloc` (host memory) before the return,
    and the device buffers the function made are freed there. The
    function's callers therefore pass and receive ordinary host memory,
    exactly as with `lowbit-to-llvm`.
  }];
  let dependentDialects = ["::mlir::gpu::GPUDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect"];
}

def LowBitGPUMapParallelLoops
    : Pass<"lowbit-gpu-map-parallel-loops", "::mlir::func::FuncOp"> {
  let summary = "Map outermost scf.parallel loops to GPU blocks and threads";
  let description = [{
    Collapses each outermost `scf.parallel` of a host function into one
    dimension, tiles it by `block-size` (the last tile guarded by an
    `scf.if`) and maps the tile loop to `block_x` and the loop inside a tile
    to `thread_x`, so that `convert-parallel-loops-to-gpu` turns it into a
    `gpu.launch` of ceil(iterations / block-size) blocks of `block-size`
    threads. Nested `scf.parallel` loops run sequentially inside a thread;
    loops in `gpu.launch` bodies are left alone.
  }];
  let options = [
    Option<"blockSize", "block-size", "unsigned", /*default=*/"256",
           "Threads per block (1-1024)">,
  ];
  let dependentDialects = ["::mlir::affine::AffineDialect",
                           "::mlir::arith::ArithDialect",
                           "::mlir::gpu::GPUDialect",
                           "::mlir::scf::SCFDialect"];
}

def LowBitGPUEmulate : Pass<"lowbit-gpu-emulate", "::mlir::ModuleOp"> {
  let summary = "Turn outlined GPU kernels into CPU code that runs one thread "
                "per GPU thread, for checking kernels without a GPU";
  let description = [{
    Runs on the output of `lowbit-to-nvvm{kernels-only}`. Each kernel
    (`gpu.func` of a `gpu.module`) becomes a `func.func` taking the kernel's
    arguments and the block and thread ids and dimensions; each
    `gpu.launch_func` becomes loops over the blocks around an `scf.parallel`
    over the block's threads (an OpenMP loop with one OS thread per GPU
    thread once lowered with `num_threads` at least the block size), and
    the host's `gpu.alloc`, `gpu.memcpy`, `gpu.dealloc` and `gpu.wait`
    become memref ops. Warp collectives call the emulator runtime
    (lowbit/Runtime/GPUEmulator.h): `gpu.shuffle` of 32-bit values,
    `nvgpu.mma.sync` m16n8k32 on s8 (fragments assembled by the PTX ISA's
    register layout), `gpu.barrier`. Any other GPU op, or a kernel with
    workgroup or private memory, is an error naming it.

    The kernels' index arithmetic, masking, loads and stores run exactly as
    written, so `quant-run --device=gpu-emulator` checks them against the
    reference lowering on the CPU (docs/gpu.md).
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::func::FuncDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::memref::MemRefDialect",
                           "::mlir::scf::SCFDialect",
                           "::mlir::vector::VectorDialect"];
}

#endif // LOWBIT_CONVERSION_PASSES_TD
