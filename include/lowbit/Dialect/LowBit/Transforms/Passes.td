//===- Passes.td - LowBit model transforms -----------------*- tablegen -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PASSES_TD
#define LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def InsertObservers : Pass<"lowbit-insert-observers", "::mlir::ModuleOp"> {
  let summary = "Insert lowbit.observe on the activations that calibration measures";
  let description = [{
    Puts a `lowbit.observe` on the activation input of every linear layer
    with a constant weight (id `<weight>.in`; with `heads` when the input
    merges attention heads) and on the outputs of the q, k and v
    projections (ids `<weight>.out`, with `heads`), following
    docs/model-ir.md.
  }];
  let dependentDialects = ["::mlir::lowbit::LowBitDialect"];
}

def ImportStats : Pass<"lowbit-import-stats", "::mlir::ModuleOp"> {
  let summary = "Attach calibration statistics from a stats JSON file to observers";
  let description = [{
    Reads the versioned stats JSON (docs/calibration.md) and sets `min` and
    `max` on every `lowbit.observe` with the same id. Unknown ids, channel
    count mismatches, NaN/Inf values, a wrong version and malformed files
    are errors with locations.
  }];
  let options = [
    Option<"statsFile", "stats", "std::string", /*default=*/"\"\"",
           "Path of the stats JSON file">,
    Option<"allowMissing", "allow-missing", "bool", /*default=*/"false",
           "Leave observers without statistics instead of failing">,
  ];
}

def PlanReorder : Pass<"lowbit-plan-reorder", "::mlir::ModuleOp"> {
  let summary = "Cluster activation channels by range (RPTQ) and insert the reorders";
  let description = [{
    For every observer with statistics, clusters its channels with k-means
    (k-means++ initialisation, seeded, several restarts) on the points
    [max, min] (per head for q/k and v) and inserts a `lowbit.reorder` of
    the observed value that sorts channels by cluster, with the cluster
    sizes in `cluster_sizes`, followed by its inverse (the program is
    unchanged until `lowbit-fold-reorders`). q and k share one permutation;
    where rotary embeddings rotate channel pairs (2i, 2i+1), whole pairs are
    clustered. With grouped-query attention the query heads of a group
    share the attention output's per-head plan, which also covers v (v's
    own observer is not planned).
  }];
  let options = [
    Option<"clusters", "clusters", "int64_t", /*default=*/"32",
           "Clusters per activation (RPTQ default 32)">,
    Option<"headClusters", "head-clusters", "int64_t", /*default=*/"4",
           "Clusters per head for q/k and v (RPTQ default 4)">,
    Option<"restarts", "restarts", "int64_t", /*default=*/"10",
           "k-means restarts; the best inertia wins">,
    Option<"seed", "seed", "uint64_t", /*default=*/"0",
           "Seed of k-means++ initialisation">,
  ];
  let dependentDialects = ["::mlir::lowbit::LowBitDialect"];
}

def FoldReorders : Pass<"lowbit-fold-reorders", "::mlir::ModuleOp"> {
  let summary = "Fold channel reorders into neighbouring weights and norms";
  let description = [{
    Pushes every `lowbit.reorder` into the constants around it so that no
    reorder runs at inference time: consumer linear weights (input
    columns), producer linear weights and biases (output rows), norm gamma
    and beta and other per-channel constants of elementwise ops, and through
    the attention (collapse_shape, the probability-weighted sum over
    values, expand_shape) into the v projection for head-preserving
    permutations of the attention output. Two reorders with one permutation
    whose paths meet at a contraction over the permuted channels (q and k
    at QK^T) fold together: both producers write in cluster order and the
    contraction's sums are unchanged (also through RoPE, whose tables are
    gathered, and grouped-query `h floordiv g` reads). Values that must keep
    their order (the residual stream) are read through an index remap fused
    into the loading op; where the producer cannot write in cluster order,
    the consumers read the activation through such a remap. Reports where
    each reorder went.
  }];
  let options = [
    Option<"reportFile", "report", "std::string", /*default=*/"\"\"",
           "Write a summary of where each reorder went to this file ('-' for stdout)">,
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::mlir::linalg::LinalgDialect",
                           "::mlir::tensor::TensorDialect"];
}


def Quantize : Pass<"lowbit-quantize", "::mlir::ModuleOp"> {
  let summary = "Quantize linear-layer weights, activations and the KV cache";
  let description = [{
    Applies a scheme to each tensor kind of the model IR
    (docs/model-ir.md), written as `FORMAT[:PART]...`:

    * `FORMAT` is a format of the dialect (`i1`..`i8`, `ui1`..`ui8`,
      `f8E4M3FN`, `f8E5M2`, `f6E2M3FN`, `f6E3M2FN`, `f4E2M1FN`, `nf4`,
      `binary`) or a block-scaled preset (`mxfp4`, `mxfp6_e2m3`,
      `mxfp6_e3m2`, `mxfp8_e4m3`, `mxfp8_e5m2`, `mxint8`, `nvfp4`, blocks
      along the reduction axis); `none` leaves the kind in f32.
    * A granularity `PART`: `tensor`; `channel` (weights: per output row;
      activations: per input channel, static); `token` (activations, one
      scale per row computed at run time); `gN` (groups of N along the
      reduction axis; where N does not divide it, each row's last group is
      shorter); `cluster` (the RPTQ clusters that
      `lowbit-fold-reorders` left on the activation's observer as
      `cluster_sizes`: activations get one parameter set per cluster,
      weights one per output row and input cluster).
    * Any other `PART` is a scheme option: `asymmetric`, `narrow`,
      `dynamic`, `scale=f16`, `rounding=nearest_away`, `clip=ratio(0.9)`.

    Weights (constant operands of `linalg.matmul`) are quantized and packed
    at compile time by the numerics library into `lowbit.constant`
    (resource blobs for resource weights) and read through
    `lowbit.dequantize`. Static activation parameters come from the
    statistics on the observer that feeds the layer (`lowbit.observe` with
    `min`/`max`, see `lowbit-import-stats`); dynamic ones from
    `lowbit.choose_params` at run time. The KV cache is the output of the k
    and v projections (observer ids `<k>.out` / `<v>.out` with the
    projection names of docs/model-ir.md); it is quantized and dequantized
    in place. `lowbit-fuse-dequant` then turns dequantize -> matmul into
    `lowbit.matmul`.
  }];
  let options = [
    Option<"weights", "w", "std::string", /*default=*/"\"none\"",
           "Weight scheme, e.g. i4:g128, i8:channel, nf4:g64, mxfp4">,
    Option<"activations", "a", "std::string", /*default=*/"\"none\"",
           "Activation scheme, e.g. i8:token, i4:cluster, i8:tensor">,
    Option<"kvCache", "kv", "std::string", /*default=*/"\"none\"",
           "KV cache scheme, e.g. i4:cluster, i3:cluster:asymmetric">,
    ListOption<"exclude", "exclude", "std::string",
               "Weights (resource names) to leave in f32, e.g. output">,
    Option<"reportFile", "report", "std::string", /*default=*/"\"\"",
           "Write what was quantized, the weights' bytes before and after "
           "(packed codes + parameters) and the throughput (MB/s) to this "
           "file ('-' for stdout)">,
  ];
  let dependentDialects = ["::mlir::lowbit::LowBitDialect",
                           "::mlir::arith::ArithDialect"];
}

def FuseDequant : Pass<"lowbit-fuse-dequant"> {
  let summary = "Fuse lowbit.dequantize into the matmuls that read it";
  let description = [{
    Rewrites `linalg.matmul` whose init is a zero fill and whose operands
    come from `lowbit.dequantize` (either operand or both) into one
    `lowbit.matmul` that reads the codes and parameters directly, so no
    dequantized tensor is materialized. When both operands have integer
    formats the fused op accumulates in i32 (scales factored out of the K
    loop per segment of constant parameters); otherwise it decodes in
    registers and accumulates in f32. Matmuls with the weight stored
    `[N, K]` (maps `(m, k)`, `(n, k)`) become `transpose_rhs`.
  }];
  let options = [
    Option<"integerAccumulation", "integer", "bool", /*default=*/"true",
           "Accumulate in i32 when both operands have integer formats">,
  ];
  let dependentDialects = ["::mlir::lowbit::LowBitDialect"];
}

#endif // LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PASSES_TD
