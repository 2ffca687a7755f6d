//===- Pipelines.cpp - LowBit model pipelines -----------------------------===//

#include "lowbit/Dialect/LowBit/Transforms/Pipelines.h"
#include "lowbit/Dialect/LowBit/Transforms/Passes.h"

#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;
using namespace mlir::lowbit;

/// observers -> (stats import) -> plan -> fold, then canonicalize.
template <typename Derived>
static void addReorderPasses(OpPassManager &pm,
                             const RPTQReorderOptionsBase<Derived> &options) {
  pm.addPass(createInsertObservers());
  if (!options.stats.empty()) {
    ImportStatsOptions importOptions;
    importOptions.statsFile = options.stats;
    pm.addPass(createImportStats(importOptions));
  }
  PlanReorderOptions planOptions;
  planOptions.clusters = options.clusters;
  planOptions.headClusters = options.headClusters;
  planOptions.seed = options.seed;
  pm.addPass(createPlanReorder(planOptions));
  FoldReordersOptions foldOptions;
  foldOptions.reportFile = options.report;
  pm.addPass(createFoldReorders(foldOptions));
  pm.addPass(createCanonicalizerPass());
}

void mlir::lowbit::buildRPTQReorderPipeline(OpPassManager &pm,
                                            const RPTQReorderOptions &options) {
  addReorderPasses(pm, options);
}

void mlir::lowbit::buildRPTQPipeline(OpPassManager &pm,
                                     const RPTQOptions &options) {
  addReorderPasses(pm, options);
  QuantizeOptions quantize;
  quantize.weights = options.weights;
  quantize.activations = options.activations;
  quantize.kvCache = options.kvCache;
  quantize.exclude.assign(options.exclude.begin(), options.exclude.end());
  quantize.reportFile = options.quantReport;
  pm.addPass(createQuantize(quantize));
  if (options.fuse)
    pm.addPass(createFuseDequant());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
}

void mlir::lowbit::registerLowBitTransformsPipelines() {
  PassPipelineRegistration<RPTQReorderOptions>(
      "lowbit-rptq-reorder",
      "RPTQ channel reordering: insert observers, import statistics, plan "
      "k-means clusters, fold every reorder into weights and norms",
      buildRPTQReorderPipeline);
  PassPipelineRegistration<RPTQOptions>(
      "lowbit-rptq",
      "RPTQ end to end: reorder channels (lowbit-rptq-reorder), quantize "
      "weights, activations and the KV cache (lowbit-quantize), fuse "
      "dequantization into the matmuls (lowbit-fuse-dequant)",
      buildRPTQPipeline);
}
