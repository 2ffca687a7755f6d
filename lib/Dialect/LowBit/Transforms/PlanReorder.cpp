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
//    would change QK^T. When q and k are rotated (RoPE, channel pairs
//    (2i, 2i+1) split off by a `tensor.expand_shape` to [..., Dh/2, 2]),
//    every pair is one point (the merged ranges of its two channels) and the
//    permutation moves whole pairs, keeping the order inside each pair.
//  * The attention output (the observer of a `tensor.collapse_shape` of the
//    contraction that reads v through an `expand_shape`, R3) is planned per
//    head. With grouped-query attention (H query heads read Hkv value heads)
//    the query heads of one group must share a permutation, because folding
//    moves it into v's rows: the group's ranges are merged per channel (max
//    of the maxima, min of the minima), the Hkv merged heads are clustered
//    and every query head gets its group's plan. The value projection's own
//    observer (`<wv>.out`) is then not planned separately (remark): the R3
//    plan reorders v's channels when it is folded.
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

#include <algorithm>
#include <limits>
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
  /// Heads sharing one permutation (grouped-query attention), 1 otherwise.
  int64_t group = 1;
  /// Whole RoPE pairs were clustered.
  bool pairs = false;
};

/// For the observer of an attention output (a `tensor.collapse_shape` of a
/// contraction), the observer of the value projection that the contraction
/// reads through a `tensor.expand_shape` (possibly through planned
/// reorders), if it has `heads`.
ObserveOp findValueObserver(ObserveOp out) {
  auto collapse = out.getInput().getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse)
    return {};
  auto contraction = collapse.getSrc().getDefiningOp<linalg::LinalgOp>();
  if (!contraction)
    return {};
  for (OpOperand *input : contraction.getDpsInputOperands()) {
    auto expand = input->get().getDefiningOp<tensor::ExpandShapeOp>();
    if (!expand)
      continue;
    Value source = expand.getSrc();
    while (auto reorder = source.getDefiningOp<ReorderOp>())
      source = reorder.getInput();
    if (auto value = source.getDefiningOp<ObserveOp>())
      if (value.getHeads())
        return value;
  }
  return {};
}

/// Merges the [min, max] ranges of the `group` consecutive heads that share
/// one permutation: per channel of each group, the max of the maxima and
/// the min of the minima. Returns [max, min] features of
/// heads / group heads of `headDim` channels.
std::vector<double> groupedRangeFeatures(ArrayRef<float> min,
                                         ArrayRef<float> max, int64_t heads,
                                         int64_t group, int64_t headDim) {
  std::vector<double> features;
  features.reserve(2 * heads / group * headDim);
  for (int64_t j = 0; j < heads / group; ++j)
    for (int64_t c = 0; c < headDim; ++c) {
      float hi = -std::numeric_limits<float>::infinity();
      float lo = std::numeric_limits<float>::infinity();
      for (int64_t h = j * group; h < (j + 1) * group; ++h) {
        hi = std::max(hi, max[h * headDim + c]);
        lo = std::min(lo, min[h * headDim + c]);
      }
      features.push_back(hi);
      features.push_back(lo);
    }
  return features;
}

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

  /// Plans a q/k pair; fills `plans` for both ops. With `pairs`, clusters
  /// whole RoPE pairs (2i, 2i+1). Returns failure after emitting an error.
  LogicalResult planQueryKey(ObserveOp q, ObserveOp k, bool pairs,
                             llvm::DenseMap<Operation *, Planned> &plans);

  /// Attention outputs (R3) and the value observers they read: `valueOf`
  /// maps each such output to its value observer, `subsumedBy` each value
  /// observer whose channels the output's plan reorders when folded.
  void findValueProjections(ArrayRef<ObserveOp> observers);

  /// The outcome of planning one observer.
  enum class Outcome { Planned, Skipped, Failed };

  /// Plans `op`, a q or k projection output, together with its partner
  /// (named by `partner`: id, and whether `op` is q).
  Outcome planPartnered(ObserveOp op, std::pair<std::string, bool> partner);

  /// Plans `op`, an activation of `channels` channels planned on its own
  /// (per head where it has heads; groups of query heads that read one value
  /// head share a permutation).
  Outcome planAlone(ObserveOp op, int64_t channels);

  /// Inserts the planned pair P / P^-1 after `op` and reports it.
  void insertReorders(ObserveOp op, const Planned &planned, int64_t channels);

  llvm::StringMap<ObserveOp> byId;
  llvm::DenseMap<Operation *, ObserveOp> subsumedBy, valueOf;
  llvm::DenseMap<Operation *, Planned> plans;
  /// q/k observers refused together with their partner.
  llvm::DenseSet<Operation *> refused;
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

/// The features of channel pairs (2i, 2i+1) from `d`-dimensional channel
/// features laid out as [maxima..., minima...] (d / 2 of each): the pair's
/// merged range, i.e. the max of its channels' maxima and the min of their
/// minima. A cluster's range is the union of its members' ranges, so this
/// is what a pair contributes once both channels share its cluster.
static std::vector<double> pairFeatures(const std::vector<double> &features,
                                        int64_t d) {
  std::vector<double> pairs;
  pairs.reserve(features.size() / 2);
  for (size_t row = 0; row + 2 * d <= features.size(); row += 2 * d)
    for (int64_t f = 0; f < d; ++f) {
      double a = features[row + f], b = features[row + d + f];
      pairs.push_back(f < d / 2 ? std::max(a, b) : std::min(a, b));
    }
  return pairs;
}

/// The channel plan of a plan over channel pairs: pair i becomes channels
/// (2i, 2i+1), in order, and every cluster doubles.
static cal::ReorderPlan expandPairPlan(const cal::ReorderPlan &pairPlan) {
  cal::ReorderPlan plan;
  for (int64_t pair : pairPlan.permutation) {
    plan.permutation.push_back(2 * pair);
    plan.permutation.push_back(2 * pair + 1);
  }
  for (int64_t size : pairPlan.clusterSizes)
    plan.clusterSizes.push_back(2 * size);
  return plan;
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
PlanReorderPass::planQueryKey(ObserveOp q, ObserveOp k, bool pairs,
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
  if (pairs && headDim % 2)
    return q.emitError() << "'" << q.getId() << "' and '" << k.getId()
                         << "' are rotated in channel pairs but their head "
                            "size "
                         << headDim << " is odd";
  // With RoPE, every pair (2i, 2i+1) is one point; pairs never cross heads.
  cal::Result<cal::ReorderPlan> keyPlan =
      pairs ? cal::planReorder(pairFeatures(*features, /*d=*/4), kChannels / 2,
                               /*d=*/4, kHeads, kmeansOptions(headClusters))
            : cal::planReorder(*features, kChannels, /*d=*/4, kHeads,
                               kmeansOptions(headClusters));
  if (!keyPlan)
    return q.emitError() << "cannot plan '" << q.getId() << "' and '"
                         << k.getId() << "': " << keyPlan.getError();
  cal::ReorderPlan key = pairs ? expandPairPlan(*keyPlan) : *keyPlan;
  plans[k] = Planned{key, kHeads, q.getId().str(), 1, pairs};
  plans[q] = Planned{cal::expandGroupedPlan(key, qHeads, kHeads, headDim),
                     qHeads, k.getId().str(), 1, pairs};
  return success();
}

void PlanReorderPass::findValueProjections(ArrayRef<ObserveOp> observers) {
  for (ObserveOp op : observers) {
    if (!op.getHeads() || getQueryKeyPartner(op.getId()))
      continue;
    ObserveOp value = findValueObserver(op);
    if (!value)
      continue;
    valueOf[op] = value;
    if (hasStats(op) &&
        !ShapedType::isDynamic(
            op.getInput().getType().getDimSize(op.getChannelAxis())))
      subsumedBy[value] = op;
  }
}

PlanReorderPass::Outcome
PlanReorderPass::planPartnered(ObserveOp op,
                               std::pair<std::string, bool> partner) {
  auto it = byId.find(partner.first);
  ObserveOp other = it == byId.end() ? ObserveOp() : it->second;
  if (other)
    refused.insert(other);
  if (!op.getHeads()) {
    op.emitWarning() << "not reordered: q/k projection output '" << op.getId()
                     << "' has no heads";
    return Outcome::Skipped;
  }
  if (!other || !hasStats(other) || !other.getHeads() ||
      ShapedType::isDynamic(
          other.getInput().getType().getDimSize(other.getChannelAxis()))) {
    op.emitWarning() << "not reordered: q and k must share one permutation but "
                     << (other ? "observer '" + partner.first +
                                     "' has no statistics, heads or static "
                                     "channels"
                               : "there is no observer '" + partner.first +
                                     "'");
    return Outcome::Skipped;
  }
  ObserveOp q = partner.second ? op : other;
  ObserveOp k = partner.second ? other : op;
  // RoPE rotates channel pairs with a per-pair frequency: whole pairs are
  // clustered so that no plan splits one.
  bool rotary = splitsIntoRotaryPairs(q.getResult()) ||
                splitsIntoRotaryPairs(k.getResult());
  if (failed(planQueryKey(q, k, rotary, plans)))
    return Outcome::Failed;
  // Cannot happen with pair clustering; kept as a guard.
  if (rotary && (!keepsPairs(plans[q].plan.permutation) ||
                 !keepsPairs(plans[k].plan.permutation))) {
    q.emitRemark() << "not reordered: '" << q.getId() << "' and '"
                   << k.getId()
                   << "' are rotated (RoPE) in channel pairs (2i, 2i+1) and "
                      "the clustering splits pairs";
    plans.erase(q);
    plans.erase(k);
    refused.insert(q);
    refused.insert(k);
    return Outcome::Skipped;
  }
  refused.erase(other);
  return Outcome::Planned;
}

PlanReorderPass::Outcome PlanReorderPass::planAlone(ObserveOp op,
                                                    int64_t channels) {
  int64_t heads = op.getHeads().value_or(1);
  // Grouped-query attention output: the query heads reading one value head
  // share its permutation (see the file comment).
  int64_t group = 1;
  if (auto it = valueOf.find(op); it != valueOf.end()) {
    int64_t valueHeads = *it->second.getHeads();
    if (valueHeads < heads && heads % valueHeads == 0 && channels % heads == 0)
      group = heads / valueHeads;
  }
  std::vector<double> features =
      group == 1 ? cal::rangeFeatures(toVector(*op.getMin()),
                                      toVector(*op.getMax()))
                 : groupedRangeFeatures(*op.getMin(), *op.getMax(), heads,
                                        group, channels / heads);
  cal::Result<cal::ReorderPlan> plan = cal::planReorder(
      features, channels / group, /*d=*/2, heads / group,
      kmeansOptions(op.getHeads() ? headClusters : clusters));
  if (!plan) {
    op.emitError() << "cannot plan '" << op.getId()
                   << "': " << plan.getError();
    return Outcome::Failed;
  }
  plans[op] = Planned{group == 1 ? *plan
                                 : cal::expandGroupedPlan(*plan, heads,
                                                          heads / group,
                                                          channels / heads),
                      heads, "", group, false};
  return Outcome::Planned;
}

void PlanReorderPass::insertReorders(ObserveOp op, const Planned &planned,
                                     int64_t channels) {
  int64_t axis = op.getChannelAxis();
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
  if (planned.heads > 1) {
    remark << " (" << planned.heads << " heads of "
           << channels / planned.heads << " channels, clustered per head";
    if (planned.group > 1)
      remark << "; groups of " << planned.group
             << " heads reading one value head share a permutation";
    if (planned.pairs)
      remark << "; RoPE pairs kept together";
    remark << ")";
  }
  if (!planned.sharedWith.empty())
    remark << ", permutation shared with '" << planned.sharedWith << "'";
  remark << ", sizes [";
  llvm::interleaveComma(planned.plan.clusterSizes, remark);
  remark << "]";
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

  // A pass instance may run again (on another module).
  byId.clear();
  subsumedBy.clear();
  valueOf.clear();
  plans.clear();
  refused.clear();
  SmallVector<ObserveOp> observers;
  module.walk([&](ObserveOp op) {
    observers.push_back(op);
    byId.try_emplace(op.getId(), op);
  });
  findValueProjections(observers);

  bool failedAny = false;
  for (ObserveOp op : observers) {
    if (!hasStats(op) || isPlanned(op) || refused.contains(op))
      continue;
    if (auto it = subsumedBy.find(op); it != subsumedBy.end()) {
      op.emitRemark() << "'" << op.getId()
                      << "': not planned on its own: the per-head plan of '"
                      << it->second.getId()
                      << "' (R3) reorders its channels when folded";
      continue;
    }
    int64_t axis = op.getChannelAxis();
    int64_t channels = op.getInput().getType().getDimSize(axis);
    if (ShapedType::isDynamic(channels)) {
      op.emitWarning() << "not reordered: channel axis " << axis
                       << " is dynamic";
      continue;
    }
    // A q/k partner planned earlier already has its plan.
    if (!plans.count(op)) {
      std::optional<std::pair<std::string, bool>> partner =
          getQueryKeyPartner(op.getId());
      Outcome outcome = partner ? planPartnered(op, *partner)
                                : planAlone(op, channels);
      failedAny |= outcome == Outcome::Failed;
      if (outcome != Outcome::Planned)
        continue;
    }
    insertReorders(op, plans[op], channels);
  }
  if (failedAny)
    signalPassFailure();
}

} // namespace
