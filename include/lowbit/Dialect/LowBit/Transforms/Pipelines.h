//===- Pipelines.h - LowBit model pipelines ---------------------*- C++ -*-===//

#ifndef LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PIPELINES_H
#define LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PIPELINES_H

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"

namespace mlir::lowbit {

/// Options of the `lowbit-rptq-reorder` pipeline.
struct RPTQReorderOptions : public PassPipelineOptions<RPTQReorderOptions> {
  PassOptions::Option<std::string> stats{
      *this, "stats",
      llvm::cl::desc("Stats JSON to import (skip the import when empty: the "
                     "observers already carry statistics)")};
  PassOptions::Option<int64_t> clusters{
      *this, "clusters", llvm::cl::desc("Clusters per activation"),
      llvm::cl::init(32)};
  PassOptions::Option<int64_t> headClusters{
      *this, "head-clusters", llvm::cl::desc("Clusters per head (q/k, v)"),
      llvm::cl::init(4)};
  PassOptions::Option<uint64_t> seed{
      *this, "seed", llvm::cl::desc("k-means seed"), llvm::cl::init(0)};
  PassOptions::Option<std::string> report{
      *this, "report",
      llvm::cl::desc("Where to write the folding report (file or '-')")};
};

/// observers -> (stats import) -> plan -> fold, then canonicalize.
void buildRPTQReorderPipeline(OpPassManager &pm,
                              const RPTQReorderOptions &options);

/// Registers `lowbit-rptq-reorder`.
void registerLowBitTransformsPipelines();

} // namespace mlir::lowbit

#endif // LOWBIT_DIALECT_LOWBIT_TRANSFORMS_PIPELINES_H
