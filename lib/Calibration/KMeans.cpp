//===- KMeans.cpp - deterministic k-means and RPTQ reorder planning -------===//
//
// See KMeans.h for the algorithm, the determinism rules and the policies for
// degenerate inputs. This file is compiled with -ffp-contract=off (see
// KMeans.cmake) so that no multiply-add is fused differently on different
// targets.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Calibration/KMeans.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <string>

namespace lowbit {
namespace calibration {

//===----------------------------------------------------------------------===//
// SplitMix64
//===----------------------------------------------------------------------===//

uint64_t SplitMix64::next() {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double SplitMix64::nextDouble() {
  // 53 random bits scaled by 2^-53: exact, uniform on the grid of [0, 1).
  return static_cast<double>(next() >> 11) * 0x1.0p-53;
}

//===----------------------------------------------------------------------===//
// k-means
//===----------------------------------------------------------------------===//

namespace {

/// Points and the scratch state of one clustering.
struct Problem {
  const std::vector<double> &points;
  int64_t n;
  int64_t d;

  const double *point(int64_t i) const { return points.data() + i * d; }

  double distance2(int64_t i, const double *center) const {
    const double *p = point(i);
    double sum = 0.0;
    for (int64_t j = 0; j < d; ++j) {
      double diff = p[j] - center[j];
      sum += diff * diff;
    }
    return sum;
  }

  bool samePoint(int64_t a, int64_t b) const {
    const double *pa = point(a), *pb = point(b);
    for (int64_t j = 0; j < d; ++j)
      if (pa[j] != pb[j])
        return false;
    return true;
  }
};

/// Lexicographic order of two d-vectors; -1, 0 or 1.
int compareLex(const double *a, const double *b, int64_t d) {
  for (int64_t j = 0; j < d; ++j) {
    if (a[j] < b[j])
      return -1;
    if (a[j] > b[j])
      return 1;
  }
  return 0;
}

/// Means of the clusters of `labels` (every cluster non-empty), summed in
/// point order.
void computeMeans(const Problem &p, int64_t k,
                  const std::vector<int64_t> &labels,
                  std::vector<double> &centers) {
  centers.assign(k * p.d, 0.0);
  std::vector<int64_t> counts(k, 0);
  for (int64_t i = 0; i < p.n; ++i) {
    double *c = centers.data() + labels[i] * p.d;
    const double *x = p.point(i);
    for (int64_t j = 0; j < p.d; ++j)
      c[j] += x[j];
    ++counts[labels[i]];
  }
  for (int64_t c = 0; c < k; ++c)
    for (int64_t j = 0; j < p.d; ++j)
      centers[c * p.d + j] /= static_cast<double>(counts[c]);
}

/// Mean of one cluster.
void computeMean(const Problem &p, int64_t cluster,
                 const std::vector<int64_t> &labels, double *center) {
  std::fill(center, center + p.d, 0.0);
  int64_t count = 0;
  for (int64_t i = 0; i < p.n; ++i) {
    if (labels[i] != cluster)
      continue;
    const double *x = p.point(i);
    for (int64_t j = 0; j < p.d; ++j)
      center[j] += x[j];
    ++count;
  }
  for (int64_t j = 0; j < p.d; ++j)
    center[j] /= static_cast<double>(count);
}

/// Assigns every point to its nearest center (lowest index on ties);
/// returns whether any label changed.
bool assign(const Problem &p, int64_t k, const std::vector<double> &centers,
            std::vector<int64_t> &labels) {
  bool changed = false;
  for (int64_t i = 0; i < p.n; ++i) {
    int64_t best = 0;
    double bestDist = p.distance2(i, centers.data());
    for (int64_t c = 1; c < k; ++c) {
      double dist = p.distance2(i, centers.data() + c * p.d);
      if (dist < bestDist) {
        bestDist = dist;
        best = c;
      }
    }
    if (labels[i] != best) {
      labels[i] = best;
      changed = true;
    }
  }
  return changed;
}

/// Moves centers to the means of their clusters. An empty cluster is
/// re-seeded with the point farthest from its own cluster's mean (lowest
/// index on ties) among clusters of two or more points, together with every
/// point identical to it, so identical points keep sharing a cluster. With
/// at least k distinct points such a point lies at a positive distance and
/// its cluster keeps other points.
void updateCenters(const Problem &p, int64_t k, std::vector<int64_t> &labels,
                   std::vector<double> &centers) {
  std::vector<int64_t> counts(k, 0);
  for (int64_t label : labels)
    ++counts[label];
  // Means of the non-empty clusters (empty ones are filled below).
  centers.assign(k * p.d, 0.0);
  for (int64_t i = 0; i < p.n; ++i) {
    double *c = centers.data() + labels[i] * p.d;
    const double *x = p.point(i);
    for (int64_t j = 0; j < p.d; ++j)
      c[j] += x[j];
  }
  for (int64_t c = 0; c < k; ++c)
    if (counts[c])
      for (int64_t j = 0; j < p.d; ++j)
        centers[c * p.d + j] /= static_cast<double>(counts[c]);

  for (int64_t empty = 0; empty < k; ++empty) {
    if (counts[empty])
      continue;
    int64_t farthest = -1;
    double farthestDist = -1.0;
    for (int64_t i = 0; i < p.n; ++i) {
      if (counts[labels[i]] < 2)
        continue;
      double dist = p.distance2(i, centers.data() + labels[i] * p.d);
      if (dist > farthestDist) {
        farthestDist = dist;
        farthest = i;
      }
    }
    // Unreachable with k <= distinct points (see above); keep the cluster
    // empty rather than index out of range if it ever happens.
    if (farthest < 0)
      break;
    int64_t donor = labels[farthest];
    for (int64_t i = 0; i < p.n; ++i) {
      if (labels[i] == donor && p.samePoint(i, farthest)) {
        labels[i] = empty;
        --counts[donor];
        ++counts[empty];
      }
    }
    std::copy(p.point(farthest), p.point(farthest) + p.d,
              centers.begin() + empty * p.d);
    computeMean(p, donor, labels, centers.data() + donor * p.d);
  }
}

double computeInertia(const Problem &p, const std::vector<int64_t> &labels,
                      const std::vector<double> &centers) {
  double inertia = 0.0;
  for (int64_t i = 0; i < p.n; ++i)
    inertia += p.distance2(i, centers.data() + labels[i] * p.d);
  return inertia;
}

/// k-means++ seeding: k distinct centers (needs k <= distinct points).
std::vector<double> seedCenters(const Problem &p, int64_t k, SplitMix64 &rng) {
  std::vector<double> centers;
  centers.reserve(k * p.d);
  int64_t first = std::min<int64_t>(
      p.n - 1, static_cast<int64_t>(rng.nextDouble() * static_cast<double>(p.n)));
  centers.insert(centers.end(), p.point(first), p.point(first) + p.d);
  std::vector<double> nearest(p.n);
  for (int64_t i = 0; i < p.n; ++i)
    nearest[i] = p.distance2(i, centers.data());
  for (int64_t c = 1; c < k; ++c) {
    double total = 0.0;
    for (double dist : nearest)
      total += dist;
    double target = rng.nextDouble() * total;
    int64_t chosen = -1, lastPositive = -1;
    double cumulative = 0.0;
    for (int64_t i = 0; i < p.n; ++i) {
      if (nearest[i] <= 0.0)
        continue;
      lastPositive = i;
      cumulative += nearest[i];
      if (cumulative > target) {
        chosen = i;
        break;
      }
    }
    // Rounding can leave the running sum at or below the target: take the
    // last point with positive weight.
    if (chosen < 0)
      chosen = lastPositive;
    const double *x = p.point(chosen);
    centers.insert(centers.end(), x, x + p.d);
    for (int64_t i = 0; i < p.n; ++i)
      nearest[i] = std::min(nearest[i], p.distance2(i, x));
  }
  return centers;
}

struct Run {
  std::vector<int64_t> labels;
  std::vector<double> centers;
  double inertia = 0.0;
  int64_t iterations = 0;
};

Run runLloyd(const Problem &p, int64_t k, int64_t maxIterations,
             std::vector<double> centers) {
  Run run;
  run.labels.assign(p.n, -1);
  assign(p, k, centers, run.labels);
  bool converged = false;
  while (run.iterations < maxIterations) {
    updateCenters(p, k, run.labels, centers);
    ++run.iterations;
    if (!assign(p, k, centers, run.labels)) {
      converged = true;
      break;
    }
  }
  // Out of iterations with assignments still moving: the result's centers
  // are still the means of its labels (re-seeding any emptied cluster).
  if (!converged)
    updateCenters(p, k, run.labels, centers);
  run.centers = std::move(centers);
  run.inertia = computeInertia(p, run.labels, run.centers);
  return run;
}

} // namespace

void canonicalizeLabels(const std::vector<double> &points, int64_t d,
                        int64_t numClusters, std::vector<int64_t> &labels,
                        std::vector<double> &centers) {
  int64_t n = static_cast<int64_t>(labels.size());
  Problem p{points, n, d};
  computeMeans(p, numClusters, labels, centers);
  std::vector<int64_t> firstIndex(numClusters, n);
  for (int64_t i = n - 1; i >= 0; --i)
    firstIndex[labels[i]] = i;
  std::vector<int64_t> order(numClusters);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    int cmp = compareLex(centers.data() + a * d, centers.data() + b * d, d);
    if (cmp)
      return cmp < 0;
    return firstIndex[a] < firstIndex[b];
  });
  std::vector<int64_t> rank(numClusters);
  std::vector<double> sorted(numClusters * d);
  for (int64_t r = 0; r < numClusters; ++r) {
    rank[order[r]] = r;
    std::copy(centers.begin() + order[r] * d,
              centers.begin() + (order[r] + 1) * d, sorted.begin() + r * d);
  }
  for (int64_t &label : labels)
    label = rank[label];
  centers = std::move(sorted);
}

namespace {

/// Checks the points; returns an empty string when they are usable.
std::string checkPoints(const std::vector<double> &points, int64_t n,
                        int64_t d) {
  if (n < 1)
    return "k-means needs at least one point";
  if (d < 1)
    return "k-means needs points of dimension >= 1, got " + std::to_string(d);
  if (static_cast<int64_t>(points.size()) != n * d)
    return "k-means got " + std::to_string(points.size()) +
           " coordinates for " + std::to_string(n) + " points of dimension " +
           std::to_string(d);
  for (size_t i = 0; i < points.size(); ++i)
    if (!std::isfinite(points[i]))
      return "k-means got a non-finite coordinate at point " +
             std::to_string(i / d) + ", dimension " + std::to_string(i % d);
  return "";
}

/// Labels every point with the rank of its value among the distinct points
/// (lexicographic order); returns the number of distinct points.
int64_t labelDistinct(const Problem &p, std::vector<int64_t> &labels) {
  std::vector<int64_t> order(p.n);
  std::iota(order.begin(), order.end(), 0);
  // A total order (ties by index), so std::sort is deterministic.
  std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    int cmp = compareLex(p.point(a), p.point(b), p.d);
    return cmp ? cmp < 0 : a < b;
  });
  labels.assign(p.n, 0);
  int64_t distinct = 0;
  for (int64_t r = 0; r < p.n; ++r) {
    if (r > 0 && !p.samePoint(order[r - 1], order[r]))
      ++distinct;
    labels[order[r]] = distinct;
  }
  return distinct + 1;
}

} // namespace

Result<KMeansResult> lloyd(const std::vector<double> &points, int64_t n,
                           int64_t d, const std::vector<double> &centers,
                           int64_t maxIterations) {
  std::string error = checkPoints(points, n, d);
  if (!error.empty())
    return Failure{error};
  if (centers.empty() || centers.size() % d)
    return Failure{"k-means got " + std::to_string(centers.size()) +
                   " center coordinates for points of dimension " +
                   std::to_string(d)};
  for (double c : centers)
    if (!std::isfinite(c))
      return Failure{"k-means got a non-finite initial center"};
  if (maxIterations < 1)
    return Failure{"k-means needs max iterations >= 1, got " +
                   std::to_string(maxIterations)};
  Problem p{points, n, d};
  int64_t k = static_cast<int64_t>(centers.size()) / d;
  std::vector<int64_t> distinctLabels;
  int64_t distinct = labelDistinct(p, distinctLabels);
  if (k > distinct)
    return Failure{std::to_string(k) + " initial centers for " +
                   std::to_string(distinct) + " distinct points"};
  Run run = runLloyd(p, k, maxIterations, centers);
  KMeansResult result;
  result.numClusters = k;
  result.labels = std::move(run.labels);
  result.iterations = run.iterations;
  canonicalizeLabels(points, d, k, result.labels, result.centers);
  result.inertia = computeInertia(p, result.labels, result.centers);
  return result;
}

Result<KMeansResult> kmeans(const std::vector<double> &points, int64_t n,
                            int64_t d, const KMeansOptions &options) {
  std::string error = checkPoints(points, n, d);
  if (!error.empty())
    return Failure{error};
  if (options.k < 1)
    return Failure{"k-means needs k >= 1, got " + std::to_string(options.k)};
  if (options.restarts < 1)
    return Failure{"k-means needs restarts >= 1, got " +
                   std::to_string(options.restarts)};
  if (options.maxIterations < 1)
    return Failure{"k-means needs max iterations >= 1, got " +
                   std::to_string(options.maxIterations)};

  Problem p{points, n, d};
  KMeansResult result;

  std::vector<int64_t> distinctLabel;
  int64_t distinct = labelDistinct(p, distinctLabel);

  if (options.k >= distinct) {
    // One cluster per distinct point: nothing to optimise.
    result.numClusters = distinct;
    result.labels = std::move(distinctLabel);
  } else if (options.k == 1) {
    result.numClusters = 1;
    result.labels.assign(n, 0);
  } else {
    SplitMix64 seeds(options.seed);
    Run best;
    for (int64_t r = 0; r < options.restarts; ++r) {
      SplitMix64 rng(seeds.next());
      Run run = runLloyd(p, options.k, options.maxIterations,
                      seedCenters(p, options.k, rng));
      if (r == 0 || run.inertia < best.inertia)
        best = std::move(run);
    }
    result.numClusters = options.k;
    result.labels = std::move(best.labels);
    result.iterations = best.iterations;
  }
  canonicalizeLabels(points, d, result.numClusters, result.labels,
                     result.centers);
  result.inertia = computeInertia(p, result.labels, result.centers);
  return result;
}

//===----------------------------------------------------------------------===//
// Reorder planning
//===----------------------------------------------------------------------===//

ReorderPlan planFromLabels(const std::vector<int64_t> &labels,
                           int64_t numClusters) {
  ReorderPlan plan;
  plan.permutation.resize(labels.size());
  std::iota(plan.permutation.begin(), plan.permutation.end(), 0);
  // Sorted by (label, original index).
  std::sort(plan.permutation.begin(), plan.permutation.end(),
            [&](int64_t a, int64_t b) {
              return labels[a] != labels[b] ? labels[a] < labels[b] : a < b;
            });
  plan.clusterSizes.assign(numClusters, 0);
  for (int64_t label : labels)
    ++plan.clusterSizes[label];
  return plan;
}

Result<ReorderPlan> planReorder(const std::vector<double> &features,
                                int64_t channels, int64_t d, int64_t heads,
                                const KMeansOptions &options) {
  if (channels < 1)
    return Failure{"reorder planning needs at least one channel"};
  if (d < 1 || static_cast<int64_t>(features.size()) != channels * d)
    return Failure{"reorder planning got " + std::to_string(features.size()) +
                   " features for " + std::to_string(channels) +
                   " channels of dimension " + std::to_string(d)};
  if (heads < 1 || channels % heads)
    return Failure{"heads = " + std::to_string(heads) + " does not divide " +
                   std::to_string(channels) + " channels"};
  int64_t headDim = channels / heads;
  ReorderPlan plan;
  plan.permutation.reserve(channels);
  for (int64_t h = 0; h < heads; ++h) {
    std::vector<double> head(features.begin() + h * headDim * d,
                             features.begin() + (h + 1) * headDim * d);
    Result<KMeansResult> clusters = kmeans(head, headDim, d, options);
    if (!clusters)
      return Failure{(heads > 1 ? "head " + std::to_string(h) + ": " : "") +
                     clusters.getError()};
    ReorderPlan local = planFromLabels(clusters->labels, clusters->numClusters);
    for (int64_t index : local.permutation)
      plan.permutation.push_back(h * headDim + index);
    plan.clusterSizes.insert(plan.clusterSizes.end(),
                             local.clusterSizes.begin(),
                             local.clusterSizes.end());
  }
  return plan;
}

std::vector<double> rangeFeatures(const std::vector<float> &min,
                                  const std::vector<float> &max) {
  size_t channels = std::min(min.size(), max.size());
  std::vector<double> features(2 * channels);
  for (size_t c = 0; c < channels; ++c) {
    features[2 * c] = max[c];
    features[2 * c + 1] = min[c];
  }
  return features;
}

Result<std::vector<double>>
queryKeyFeatures(const std::vector<float> &qMin, const std::vector<float> &qMax,
                 const std::vector<float> &kMin, const std::vector<float> &kMax,
                 int64_t qHeads, int64_t kHeads, int64_t headDim) {
  if (qHeads < 1 || kHeads < 1 || headDim < 1 || qHeads % kHeads)
    return Failure{"query heads (" + std::to_string(qHeads) +
                   ") must be a positive multiple of key heads (" +
                   std::to_string(kHeads) + ")"};
  size_t qSize = static_cast<size_t>(qHeads * headDim);
  size_t kSize = static_cast<size_t>(kHeads * headDim);
  if (qMin.size() != qSize || qMax.size() != qSize)
    return Failure{"query statistics have " + std::to_string(qMin.size()) +
                   " and " + std::to_string(qMax.size()) + " entries for " +
                   std::to_string(qSize) + " channels"};
  if (kMin.size() != kSize || kMax.size() != kSize)
    return Failure{"key statistics have " + std::to_string(kMin.size()) +
                   " and " + std::to_string(kMax.size()) + " entries for " +
                   std::to_string(kSize) + " channels"};
  int64_t group = qHeads / kHeads;
  std::vector<double> features(4 * kSize);
  for (int64_t j = 0; j < kHeads; ++j) {
    for (int64_t c = 0; c < headDim; ++c) {
      int64_t k = j * headDim + c;
      double qmax = qMax[j * group * headDim + c];
      double qmin = qMin[j * group * headDim + c];
      for (int64_t g = 1; g < group; ++g) {
        int64_t q = (j * group + g) * headDim + c;
        qmax = std::max(qmax, static_cast<double>(qMax[q]));
        qmin = std::min(qmin, static_cast<double>(qMin[q]));
      }
      features[4 * k + 0] = qmax;
      features[4 * k + 1] = kMax[k];
      features[4 * k + 2] = qmin;
      features[4 * k + 3] = kMin[k];
    }
  }
  return features;
}

ReorderPlan expandGroupedPlan(const ReorderPlan &keyPlan, int64_t qHeads,
                              int64_t kHeads, int64_t headDim) {
  if (qHeads == kHeads)
    return keyPlan;
  // Split the key plan's clusters by head (clusters never cross heads).
  std::vector<std::vector<int64_t>> headSizes(kHeads);
  int64_t position = 0;
  for (int64_t size : keyPlan.clusterSizes) {
    headSizes[position / headDim].push_back(size);
    position += size;
  }
  int64_t group = qHeads / kHeads;
  ReorderPlan plan;
  plan.permutation.reserve(qHeads * headDim);
  for (int64_t h = 0; h < qHeads; ++h) {
    int64_t j = h / group;
    for (int64_t c = 0; c < headDim; ++c)
      plan.permutation.push_back(h * headDim +
                                 keyPlan.permutation[j * headDim + c] -
                                 j * headDim);
    plan.clusterSizes.insert(plan.clusterSizes.end(), headSizes[j].begin(),
                             headSizes[j].end());
  }
  return plan;
}

} // namespace calibration
} // namespace lowbit
