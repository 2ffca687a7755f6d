//===- KMeans.h - deterministic k-means and RPTQ reorder planning -*- C++ -*-===//
//
// k-means clustering of small point sets (activation channels described by a
// few range features) and the channel reorder plans RPTQ derives from it.
// Plain C++17: no MLIR, no LLVM, no exceptions, so passes, tools and the
// Python package can all link it.
//
// Determinism. The result depends only on the points, k and the options,
// never on the platform or the standard library:
//  * random numbers come from SplitMix64 (below) and our own conversion to
//    doubles, not from <random>'s distributions (whose output differs
//    between standard libraries);
//  * all arithmetic is IEEE double in a fixed order, compiled without
//    floating-point contraction (no FMA), so sums round the same everywhere;
//  * every tie has a rule: a point equidistant from several centers joins
//    the lowest-index one; among restarts with equal inertia the first wins.
//
// Algorithm. k-means++ seeding (the first center is a uniformly drawn point,
// each further center a point drawn with probability proportional to its
// squared distance to the nearest chosen center), then Lloyd iterations
// (assign every point to its nearest center, move each center to the mean
// of its points) until no assignment changes or `maxIterations` updates
// have run. `restarts` independent seedings are run; the one with the
// lowest inertia (sum of squared distances to the assigned centers) wins.
//
// Degenerate inputs (the policies, stated once):
//  * fewer distinct points than clusters: the result has exactly as many
//    clusters as there are distinct points (one per distinct point, inertia
//    0); `numClusters` reports how many. It never contains an empty cluster.
//  * identical points always share a cluster.
//  * an empty cluster during Lloyd iterations is re-seeded with the point
//    farthest from its current center (lowest index on ties), which leaves a
//    cluster that still has other points; so empty clusters never survive.
//  * k = 1: one cluster at the mean of all points (no randomness involved).
//  * k >= n: as "fewer distinct points than clusters".
//  * n = 0, d = 0, k < 1, restarts < 1, maxIterations < 1 or a NaN/Inf
//    coordinate are errors.
//
// Canonical labels. Clusters are numbered in ascending lexicographic order
// of their centers (coordinate 0 first, then 1, ...; a tie, which would need
// two identical centers, goes to the cluster holding the lower point
// index). With RPTQ's features [max, min] this orders clusters by the
// center's max, then min: narrow-range channels first, outliers last. So
// labels, and the permutations made from them, do not depend on which
// restart found the clustering.
//
//===----------------------------------------------------------------------===//

#ifndef LOWBIT_CALIBRATION_KMEANS_H
#define LOWBIT_CALIBRATION_KMEANS_H

#include "lowbit/Numerics/Result.h"

#include <cstdint>
#include <vector>

namespace lowbit {
namespace calibration {

using numerics::Failure;
using numerics::Result;

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014; the constants of Vigna's public-domain
/// reference): the state advances by the golden-ratio increment and each
/// output is a bijective mix of the state. Fully specified by its 64-bit
/// seed, identical on every platform.
class SplitMix64 {
public:
  explicit SplitMix64(uint64_t seed) : state(seed) {}

  /// The next 64 random bits.
  uint64_t next();

  /// A uniform double in [0, 1): the top 53 bits of `next()` times 2^-53.
  double nextDouble();

private:
  uint64_t state;
};

struct KMeansOptions {
  /// Clusters requested (>= 1); the result may have fewer (see above).
  int64_t k = 1;
  /// Seed of the k-means++ draws. Restart r draws from a SplitMix64 seeded
  /// with the r-th output of a SplitMix64 seeded with `seed`.
  uint64_t seed = 0;
  /// Independent k-means++ seedings; the lowest inertia wins.
  int64_t restarts = 10;
  /// Upper bound on Lloyd center updates per restart.
  int64_t maxIterations = 300;
};

struct KMeansResult {
  /// Clusters found: min(k, number of distinct points).
  int64_t numClusters = 0;
  /// Canonical cluster of every point, in [0, numClusters).
  std::vector<int64_t> labels;
  /// numClusters x d centers (row-major), in label order.
  std::vector<double> centers;
  /// Sum over points of the squared distance to the assigned center.
  double inertia = 0.0;
  /// Lloyd updates run by the winning restart (0 when no iteration was
  /// needed, e.g. one cluster per distinct point).
  int64_t iterations = 0;
};

/// Clusters the `n` points of dimension `d` in `points` (n x d, row-major).
Result<KMeansResult> kmeans(const std::vector<double> &points, int64_t n,
                            int64_t d, const KMeansOptions &options);

/// Lloyd iterations from the given initial `centers` (k x d, row-major;
/// k = centers.size() / d), with the same empty-cluster rule, stopping rule
/// and canonical labels as `kmeans` but no seeding and no restarts. Needs
/// k <= the number of distinct points (an error otherwise); initial centers
/// may coincide or lie far from every point (their clusters start empty and
/// are re-seeded).
Result<KMeansResult> lloyd(const std::vector<double> &points, int64_t n,
                           int64_t d, const std::vector<double> &centers,
                           int64_t maxIterations = 300);

/// Renumbers `labels` (values in [0, numClusters), every value used) in the
/// canonical order of the clusters' means and recomputes those means;
/// exposed for tests and for callers that cluster by other means.
void canonicalizeLabels(const std::vector<double> &points, int64_t d,
                        int64_t numClusters, std::vector<int64_t> &labels,
                        std::vector<double> &centers);

/// A channel reorder: `result[i] = input[permutation[i]]` along the channel
/// axis (the convention of `lowbit.reorder`), and the sizes of the
/// contiguous clusters of the reordered channels.
struct ReorderPlan {
  std::vector<int64_t> permutation;
  std::vector<int64_t> clusterSizes;
};

/// The plan of one clustering: channels sorted by (label, original index);
/// `clusterSizes[c]` = number of channels labelled c. Labels must lie in
/// [0, numClusters) and every label must be used.
ReorderPlan planFromLabels(const std::vector<int64_t> &labels,
                           int64_t numClusters);

/// Clusters `channels` channels described by `features` (channels x d,
/// row-major) into at most `options.k` clusters and returns the plan.
///
/// With `heads` = H > 1 the channels form H contiguous heads of
/// channels / H channels each; every head is clustered on its own (into at
/// most `options.k` clusters, same options) and permuted inside its own
/// slots, so head h's channels stay in positions [h*Dh, (h+1)*Dh).
/// `clusterSizes` lists head 0's clusters, then head 1's, and so on.
/// `heads` must divide `channels`.
Result<ReorderPlan> planReorder(const std::vector<double> &features,
                                int64_t channels, int64_t d, int64_t heads,
                                const KMeansOptions &options);

/// RPTQ's features of one activation: the point [max, min] per channel.
std::vector<double> rangeFeatures(const std::vector<float> &min,
                                  const std::vector<float> &max);

/// RPTQ's shared q/k features: [qmax, kmax, qmin, kmin] per channel of the
/// key heads. q has `qHeads` heads and k `kHeads` (grouped-query attention:
/// query head h reads key head h / (qHeads / kHeads)), both of head size
/// `headDim`. The q ranges of a key head's group are merged (max of the
/// maxima, min of the minima), so one permutation per key head serves
/// every query head that reads it. The result has kHeads * headDim rows;
/// plan it with `heads = kHeads` and expand with `expandGroupedPlan` for q.
Result<std::vector<double>>
queryKeyFeatures(const std::vector<float> &qMin, const std::vector<float> &qMax,
                 const std::vector<float> &kMin, const std::vector<float> &kMax,
                 int64_t qHeads, int64_t kHeads, int64_t headDim);

/// The plan of the query projection from its key heads' plan `keyPlan`
/// (made with `heads = kHeads`): query head h gets key head
/// h / (qHeads / kHeads)'s permutation and clusters, shifted to its slots.
/// With qHeads == kHeads it returns `keyPlan`.
ReorderPlan expandGroupedPlan(const ReorderPlan &keyPlan, int64_t qHeads,
                              int64_t kHeads, int64_t headDim);

} // namespace calibration
} // namespace lowbit

#endif // LOWBIT_CALIBRATION_KMEANS_H
