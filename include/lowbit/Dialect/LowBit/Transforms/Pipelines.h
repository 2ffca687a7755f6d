//===- Pipelines.h - LowBit model pipelines ---------------------*- C++ -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PIPELINES_H
#define LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::lowbit {

/// Options of the reordering stage, shared by `lowbit-rptq-reorder` and
/// `lowbit-rptq`.
template <typename Derived>
struct RPTQReorderOptionsBase : public PassPipelineOptions<Derived> {
  ::mlir::detail::PassOptions::Option<std::string> stats{
      *this, "stats",
      llvm::cl::desc("Stats JSON to import (skip the import when empty: the "
                     "observers already carry statistics)")};
  ::mlir::detail::PassOptions::Option<int64_t> clusters{
      *this, "clusters", llvm::cl::desc("Clusters per activation"),
      llvm::cl::init(32)};
  ::mlir::detail::PassOptions::Option<int64_t> headClusters{
      *this, "head-clusters", llvm::cl::desc("Clusters per head (q/k, v)"),
      llvm::cl::init(4)};
  ::mlir::detail::PassOptions::Option<uint64_t> seed{
      *this, "seed", llvm::cl::desc("k-means seed"), llvm::cl::init(0)};
  ::mlir::detail::PassOptions::Option<std::string> report{
      *this, "report",
      llvm::cl::desc("Where to write the folding report (file or '-')")};
};

/// Options of the `lowbit-rptq-reorder` pipeline.
struct RPTQReorderOptions : public RPTQReorderOptionsBase<RPTQReorderOptions> {
};

/// observers -> (stats import) -> plan -> fold, then canonicalize.
void buildRPTQReorderPipeline(OpPassManager &pm,
                              const RPTQReorderOptions &options);

/// The whole flow from a calibrated float model to fused quantized code:
/// `lowbit-rptq-reorder`, then `lowbit-quantize` with the schemes below,
/// then `lowbit-fuse-dequant` and canonicalization.
struct RPTQOptions : public RPTQReorderOptionsBase<RPTQOptions> {
  ::mlir::detail::PassOptions::Option<std::string> weights{
      *this, "w",
      llvm::cl::desc("Weight scheme (see lowbit-quantize), e.g. i4:channel, "
                     "i4:g128, i4:cluster, nf4:g64, mxfp4, none"),
      llvm::cl::init("i4:channel")};
  ::mlir::detail::PassOptions::Option<std::string> activations{
      *this, "a",
      llvm::cl::desc("Activation scheme, e.g. i4:cluster, i8:token, none"),
      llvm::cl::init("i4:cluster")};
  ::mlir::detail::PassOptions::Option<std::string> kvCache{
      *this, "kv", llvm::cl::desc("KV cache scheme, e.g. i4:cluster, none"),
      llvm::cl::init("i4:cluster")};
  ::mlir::detail::PassOptions::ListOption<std::string> exclude{
      *this, "exclude",
      llvm::cl::desc("Weights (resource names) to keep in f32")};
  ::mlir::detail::PassOptions::Option<std::string> quantReport{
      *this, "quant-report",
      llvm::cl::desc("Where to write the quantization report (file or '-')")};
  ::mlir::detail::PassOptions::Option<bool> fuse{
      *this, "fuse",
      llvm::cl::desc("Fuse dequantize -> matmul into lowbit.matmul"),
      llvm::cl::init(true)};
};

void buildRPTQPipeline(OpPassManager &pm, const RPTQOptions &options);

/// Registers `lowbit-rptq-reorder`.
void registerLowBitTransformsPipelines();

} // namespace mlir::lowbit

#endif // LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PIPELINES_H
