//===- PlanReorder.cpp - RPTQ channel clustering and reorder planning -----===//
//
// For every `lowbit.observe` that carries `min`/`max` statistics, clusters
// its channels with k-means (lowbit/Calibration/KMeans.h) and inserts
//
//   %r    = lowbit.reorder %obs axis <channel axis> permutation P
//               {cluster_sizes = array<i64: ...>}
//   %back = lowbit.reorder %r axis <channel axis> permutation P^-1
//
// right after the observer, redirecting every use of the observer to %back:
// the program is unchanged, %r is the activation in cluster order, and
// lowbit-fold-reorders then moves P into the producer and P^-1 into the
// consumers.
// The permutation sorts channels by (cluster label, original index); labels
// are canonical (ascending cluster center), so the plan is reproducible.
//
//  * Observers without `heads`: features [max, min] per channel, at most
//    `clusters` clusters over all channels.
//  * Observers with `heads = H` (the q, k, v projection outputs): every head
//    is clustered on its own into at most `head-clusters` clusters and its
//    channels stay in its slots.
//  * q and k of one layer (ids `<prefix>.<q>.out` and `<prefix>.<k>.out`
//    with <q>/<k> one of q_proj/k_proj, wq/wk, query/key, q/k) share one
//    permutation, planned on RPTQ's features [qmax, kmax, qmin, kmin], so
//    QK^T is unchanged. With grouped-query attention (H query heads, Hkv key
//    heads) the features of a key head merge the ranges of the query heads
//    that read it and those query heads all get its permutation. A q or k
//    observer whose partner is missing, has no statistics or no `heads` is
//    not reordered, nor is its partner (warning): reordering only one side
//    would change QK^T.
//
// Every planned observer gets a remark (always emitted; there is no verbose
// switch) saying how many clusters it got and their sizes. Observers
// without statistics are left alone silently; an observer whose result is
// already read by a `lowbit.reorder` with `cluster_sizes` on its channel
// axis, or which carries `cluster_sizes` itself (its reorder was folded),
// counts as planned and is skipped, so the pass is idempotent.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/Transforms/Passes.h"
#include "lowbit/Calibration/KMeans.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::lowbit {
#define GEN_PASS_DEF_PLANREORDER
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;
namespace cal = ::lowbit::calibration;

namespace {

/// Query/key projection names whose outputs share a permutation.
constexpr std::pair<StringLiteral, StringLiteral> kQueryKeyNames[] = {
    {"q_proj", "k_proj"}, {"wq", "wk"}, {"query", "key"}, {"q", "k"}};

/// If `id` is the output observer of a query or key projection, returns the
/// partner's id and whether `id` is the query side.
std::optional<std::pair<std::string, bool>> getQueryKeyPartner(StringRef id) {
  if (!id.consume_back(".out"))
    return std::nullopt;
  size_t dot = id.rfind('.');
  StringRef name = dot == StringRef::npos ? id : id.drop_front(dot + 1);
  std::string head = dot == StringRef::npos ? "" : id.take_front(dot + 1).str();
  for (auto [q, k] : kQueryKeyNames) {
    if (name == q)
      return std::make_pair(head + k.str() + ".out", true);
    if (name == k)
      return std::make_pair(head + q.str() + ".out", false);
  }
  return std::nullopt;
}

std::vector<float> toVector(ArrayRef<float> values) {
  return std::vector<float>(values.begin(), values.end());
}

bool hasStats(ObserveOp op) { return op.getMin() && op.getMax(); }

/// True when the observer is already followed by a planned reorder, or when
/// its reorder was already folded away (lowbit-fold-reorders leaves the
/// reorder's `cluster_sizes` on the observer).
bool isPlanned(ObserveOp op) {
  if (op->hasAttr("cluster_sizes"))
    return true;
  for (Operation *user : op.getResult().getUsers()) {
    auto reorder = dyn_cast<ReorderOp>(user);
    if (reorder && reorder.getInput() == op.getResult() &&
        static_cast<int64_t>(reorder.getAxis()) == op.getChannelAxis() &&
        reorder.getClusterSizes())
      return true;
  }
  return false;
}

/// A plan and how it was made, for the remark.
struct Planned {
  cal::ReorderPlan plan;
  int64_t heads = 1;
  std::string sharedWith;
};

struct PlanReorderPass
    : public mlir::lowbit::impl::PlanReorderBase<PlanReorderPass> {
  using Base::Base;

  void runOnOperation() override;

private:
  cal::KMeansOptions kmeansOptions(int64_t k) const {
    cal::KMeansOptions options;
    options.k = k;
    options.seed = seed;
    options.restarts = restarts;
    return options;
  }

  /// Plans a q/k pair; fills `plans` for both ops. Returns failure after
  /// emitting an error.
  LogicalResult planQueryKey(ObserveOp q, ObserveOp k,
                             llvm::DenseMap<Operation *, Planned> &plans);
};

/// True when `value` is split into RoPE channel pairs: it reaches (directly
/// or through elementwise ops) a `tensor.expand_shape` whose last group ends
/// in a dimension of 2 ([..., H, Dh/2, 2]).
static bool splitsIntoRotaryPairs(Value value) {
  SmallVector<std::pair<Value, int>> worklist = {{value, 0}};
  while (!worklist.empty()) {
    auto [current, depth] = worklist.pop_back_val();
    for (Operation *user : current.getUsers()) {
      if (auto expand = dyn_cast<tensor::ExpandShapeOp>(user)) {
        if (expand.getReassociationIndices().back().size() >= 3 &&
            expand.getResultType().getShape().back() == 2)
          return true;
        continue;
      }
      if (depth < 6 && user->getNumResults() == 1 &&
          isa<linalg::GenericOp, ReorderOp, ObserveOp>(user))
        worklist.push_back({user->getResult(0), depth + 1});
    }
  }
  return false;
}

/// True when the permutation maps every channel pair (2i, 2i+1) onto a
/// pair (2j, 2j+1), in order: rotary embeddings stay correct.
static bool keepsPairs(ArrayRef<int64_t> perm) {
  if (perm.size() % 2)
    return false;
  for (size_t i = 0; i < perm.size(); i += 2)
    if (perm[i] % 2 || perm[i + 1] != perm[i] + 1)
      return false;
  return true;
}

LogicalResult
PlanReorderPass::planQueryKey(ObserveOp q, ObserveOp k,
                              llvm::DenseMap<Operation *, Planned> &plans) {
  int64_t qChannels = q.getInput().getType().getDimSize(q.getChannelAxis());
  int64_t kChannels = k.getInput().getType().getDimSize(k.getChannelAxis());
  int64_t qHeads = *q.getHeads(), kHeads = *k.getHeads();
  int64_t headDim = qChannels / qHeads;
  if (kChannels / kHeads != headDim || qHeads % kHeads)
    return q.emitError() << "query observer '" << q.getId() << "' ("
                         << qHeads << " heads of " << headDim
                         << " channels) does not match key observer '"
                         << k.getId() << "' (" << kHeads << " heads of "
                         << kChannels / kHeads << " channels)";
  cal::Result<std::vector<double>> features = cal::queryKeyFeatures(
      toVector(*q.getMin()), toVector(*q.getMax()), toVector(*k.getMin()),
      toVector(*k.getMax()), qHeads, kHeads, headDim);
  if (!features)
    return q.emitError() << features.getError();
  cal::Result<cal::ReorderPlan> keyPlan =
      cal::planReorder(*features, kChannels, /*d=*/4, kHeads,
                       kmeansOptions(headClusters));
  if (!keyPlan)
    return q.emitError() << "cannot plan '" << q.getId() << "' and '"
                         << k.getId() << "': " << keyPlan.getError();
  plans[k] = Planned{*keyPlan, kHeads, q.getId().str()};
  plans[q] = Planned{cal::expandGroupedPlan(*keyPlan, qHeads, kHeads, headDim),
                     qHeads, k.getId().str()};
  return success();
}

void PlanReorderPass::runOnOperation() {
  ModuleOp module = getOperation();
  if (clusters < 1 || headClusters < 1 || restarts < 1) {
    module.emitError() << "lowbit-plan-reorder needs clusters, head-clusters "
                          "and restarts >= 1 (got "
                       << static_cast<int64_t>(clusters) << ", "
                       << static_cast<int64_t>(headClusters) << ", "
                       << static_cast<int64_t>(restarts) << ")";
    return signalPassFailure();
  }

  SmallVector<ObserveOp> observers;
  llvm::StringMap<ObserveOp> byId;
  module.walk([&](ObserveOp op) {
    observers.push_back(op);
    byId.try_emplace(op.getId(), op);
  });

  llvm::DenseMap<Operation *, Planned> plans;
  // q/k observers refused together with their partner.
  llvm::DenseSet<Operation *> refused;
  bool failedAny = false;
  for (ObserveOp op : observers) {
    if (!hasStats(op) || isPlanned(op) || refused.contains(op))
      continue;
    int64_t axis = op.getChannelAxis();
    int64_t channels = op.getInput().getType().getDimSize(axis);
    if (ShapedType::isDynamic(channels)) {
      op.emitWarning() << "not reordered: channel axis " << axis
                       << " is dynamic";
      continue;
    }

    if (!plans.count(op)) {
      std::optional<std::pair<std::string, bool>> partner =
          getQueryKeyPartner(op.getId());
      if (partner) {
        auto it = byId.find(partner->first);
        ObserveOp other = it == byId.end() ? ObserveOp() : it->second;
        if (other)
          refused.insert(other);
        if (!op.getHeads()) {
          op.emitWarning() << "not reordered: q/k projection output '"
                           << op.getId() << "' has no heads";
          continue;
        }
        if (!other || !hasStats(other) || !other.getHeads() ||
            ShapedType::isDynamic(other.getInput().getType().getDimSize(
                other.getChannelAxis()))) {
          op.emitWarning()
              << "not reordered: q and k must share one permutation but "
              << (other ? "observer '" + partner->first +
                              "' has no statistics, heads or static channels"
                        : "there is no observer '" + partner->first + "'");
          continue;
        }
        ObserveOp q = partner->second ? op : other;
        ObserveOp k = partner->second ? other : op;
        if (failed(planQueryKey(q, k, plans))) {
          failedAny = true;
          continue;
        }
        // RoPE rotates channel pairs with a per-pair frequency: a plan that
        // splits a pair would change the model, so q and k are left out.
        if ((splitsIntoRotaryPairs(q.getResult()) ||
             splitsIntoRotaryPairs(k.getResult())) &&
            (!keepsPairs(plans[q].plan.permutation) ||
             !keepsPairs(plans[k].plan.permutation))) {
          q.emitRemark() << "not reordered: '" << q.getId() << "' and '"
                         << k.getId()
                         << "' are rotated (RoPE) in channel pairs (2i, 2i+1) "
                            "and the clustering splits pairs";
          plans.erase(q);
          plans.erase(k);
          refused.insert(q);
          refused.insert(k);
          continue;
        }
        refused.erase(other);
      } else {
        int64_t heads = op.getHeads().value_or(1);
        cal::Result<cal::ReorderPlan> plan = cal::planReorder(
            cal::rangeFeatures(toVector(*op.getMin()), toVector(*op.getMax())),
            channels, /*d=*/2, heads,
            kmeansOptions(op.getHeads() ? headClusters : clusters));
        if (!plan) {
          op.emitError() << "cannot plan '" << op.getId()
                         << "': " << plan.getError();
          failedAny = true;
          continue;
        }
        plans[op] = Planned{*plan, heads, ""};
      }
    }

    const Planned &planned = plans[op];
    OpBuilder builder(op.getContext());
    builder.setInsertionPointAfter(op);
    auto reorder = ReorderOp::create(
        builder, op.getLoc(), op.getType(), op.getResult(), axis,
        planned.plan.permutation,
        builder.getDenseI64ArrayAttr(planned.plan.clusterSizes));
    SmallVector<int64_t> inverse(planned.plan.permutation.size());
    for (auto [i, p] : llvm::enumerate(planned.plan.permutation))
      inverse[p] = i;
    auto back = ReorderOp::create(builder, op.getLoc(), op.getType(),
                                  reorder.getResult(), axis, inverse,
                                  DenseI64ArrayAttr());
    op.getResult().replaceAllUsesExcept(back.getResult(), reorder);

    InFlightDiagnostic remark = op.emitRemark();
    remark << "'" << op.getId() << "': " << channels << " channels in "
           << planned.plan.clusterSizes.size() << " clusters";
    if (planned.heads > 1)
      remark << " (" << planned.heads << " heads of "
             << channels / planned.heads << " channels, clustered per head)";
    if (!planned.sharedWith.empty())
      remark << ", permutation shared with '" << planned.sharedWith << "'";
    remark << ", sizes [";
    llvm::interleaveComma(planned.plan.clusterSizes, remark);
    remark << "]";
  }
  if (failedAny)
    signalPassFailure();
}

} // namespace
