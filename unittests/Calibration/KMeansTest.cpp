//===- KMeansTest.cpp - k-means clustering and reorder planning -----------===//

#include "lowbit/Calibration/KMeans.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

using namespace lowbit::calibration;

namespace {

using Labels = std::vector<int64_t>;

KMeansResult cluster(const std::vector<double> &points, int64_t d, int64_t k,
                     uint64_t seed = 0, int64_t restarts = 10) {
  KMeansOptions options;
  options.k = k;
  options.seed = seed;
  options.restarts = restarts;
  Result<KMeansResult> result =
      kmeans(points, static_cast<int64_t>(points.size()) / d, d, options);
  EXPECT_TRUE(result.ok()) << result.getError();
  return result.ok() ? *result : KMeansResult();
}

std::string kmeansError(const std::vector<double> &points, int64_t n,
                        int64_t d, KMeansOptions options) {
  Result<KMeansResult> result = kmeans(points, n, d, options);
  EXPECT_FALSE(result.ok());
  return result.getError();
}

/// FNV-1a over the labels' little-endian bytes.
uint64_t checksum(const Labels &labels) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (int64_t label : labels)
    for (int byte = 0; byte < 8; ++byte) {
      hash ^= (static_cast<uint64_t>(label) >> (8 * byte)) & 0xff;
      hash *= 0x100000001b3ULL;
    }
  return hash;
}

/// 2-D points from 6 overlapping Gaussian-like blobs (sums of uniforms) of
/// unequal spread, generated with SplitMix64 only, so the data set is the
/// same on every machine.
std::vector<double> generatedDataset(int64_t n) {
  SplitMix64 rng(2024);
  const double centers[6][2] = {{0, 0}, {3, 1}, {1, 4},
                                {6, 5}, {-2, 3}, {4, -3}};
  std::vector<double> points;
  for (int64_t i = 0; i < n; ++i) {
    int64_t blob = static_cast<int64_t>(rng.next() % 6);
    double spread = 0.5 + 0.25 * static_cast<double>(blob);
    for (int j = 0; j < 2; ++j) {
      double noise = rng.nextDouble() + rng.nextDouble() + rng.nextDouble() -
                     1.5;
      points.push_back(centers[blob][j] + spread * noise);
    }
  }
  return points;
}

TEST(SplitMix64Test, ReferenceOutputs) {
  // Outputs of the reference implementation for seed 0.
  SplitMix64 rng(0);
  EXPECT_EQ(rng.next(), 0xe220a8397b1dcdafULL);
  EXPECT_EQ(rng.next(), 0x6e789e6aa1b965f4ULL);
  EXPECT_EQ(rng.next(), 0x06c45d188009454fULL);
}

TEST(SplitMix64Test, DoublesAreIn01) {
  SplitMix64 rng(7);
  for (int i = 0; i < 10000; ++i) {
    double u = rng.nextDouble();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  SplitMix64 a(0), b(0);
  EXPECT_EQ(a.nextDouble(),
            static_cast<double>(b.next() >> 11) / 9007199254740992.0);
}

TEST(KMeansTest, HandComputedOneDimensional) {
  // {0, 1} and {10, 11}: centers 0.5 and 10.5, inertia 4 * 0.25.
  KMeansResult r = cluster({10, 0, 11, 1}, 1, 2);
  EXPECT_EQ(r.numClusters, 2);
  EXPECT_EQ(r.labels, (Labels{1, 0, 1, 0}));
  EXPECT_EQ(r.centers, (std::vector<double>{0.5, 10.5}));
  EXPECT_EQ(r.inertia, 1.0);
}

TEST(KMeansTest, HandComputedRanges) {
  // RPTQ points [max, min]: four channels with range ~1, two with ~100 and
  // one with ~20. Three clusters.
  std::vector<double> points = {
      1.0,   -1.0,   // 0
      100.0, -100.0, // 1
      1.5,   -0.5,   // 2
      20.0,  -20.0,  // 3
      0.5,   -1.5,   // 4
      99.0,  -101.0, // 5
      1.0,   -1.0,   // 6
  };
  KMeansResult r = cluster(points, 2, 3);
  ASSERT_EQ(r.numClusters, 3);
  // Canonical: ascending center max.
  EXPECT_EQ(r.labels, (Labels{0, 2, 0, 1, 0, 2, 0}));
  EXPECT_EQ(r.centers, (std::vector<double>{1.0, -1.0, 20.0, -20.0, 99.5,
                                            -100.5}));
  // 4 * ... : (0 + 0.5 + 0.5 + 0) for the small ones, 0.5 + 0.5 for the big.
  EXPECT_EQ(r.inertia, 2.0);
}

TEST(KMeansTest, CanonicalOrderIsLexicographic) {
  // Centers (1, 5), (1, 2), (0, 9) -> labels 2, 1, 0.
  std::vector<double> points = {1, 5, 1, 2, 0, 9, 1, 5};
  KMeansResult r = cluster(points, 2, 3);
  EXPECT_EQ(r.labels, (Labels{2, 1, 0, 2}));
  EXPECT_EQ(r.centers, (std::vector<double>{0, 9, 1, 2, 1, 5}));
}

TEST(KMeansTest, LabelsDoNotDependOnTheSeedForSeparatedData) {
  std::vector<double> points;
  for (int blob = 0; blob < 4; ++blob)
    for (int i = 0; i < 5; ++i)
      points.push_back(100.0 * ((blob * 3) % 4) + i * 0.1);
  KMeansResult first = cluster(points, 1, 4, 0);
  for (uint64_t seed : {1ULL, 2ULL, 99ULL, ~0ULL}) {
    KMeansResult other = cluster(points, 1, 4, seed, 3);
    EXPECT_EQ(other.labels, first.labels) << "seed " << seed;
  }
  // Blob b sits at 100 * (3b mod 4): labels are ranks of the blob centers.
  EXPECT_EQ(first.labels, (Labels{0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 2, 2, 2, 2, 2,
                                  1, 1, 1, 1, 1}));
}

TEST(KMeansTest, Deterministic) {
  std::vector<double> points = generatedDataset(600);
  KMeansResult a = cluster(points, 2, 8, 5);
  KMeansResult b = cluster(points, 2, 8, 5);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.centers, b.centers);
  EXPECT_EQ(a.inertia, b.inertia);
  EXPECT_EQ(a.iterations, b.iterations);
}

TEST(KMeansTest, GoldenChecksum) {
  // Any change of behaviour (RNG, seeding, tie rules, iteration, restarts,
  // canonical order) or of floating-point results across machines changes
  // these values. They were cross-checked with an independent Python port
  // of the algorithm as specified in KMeans.h (Python floats are IEEE
  // doubles without contraction), which gives the same labels, inertia and
  // iteration count.
  std::vector<double> points = generatedDataset(1000);
  KMeansResult r = cluster(points, 2, 8, 42);
  ASSERT_EQ(r.numClusters, 8);
  EXPECT_EQ(checksum(r.labels), 0x0664f8e22ef86de3ULL);
  EXPECT_EQ(r.inertia, 0x1.1ab547e455560p+9); // 565.4162564675025
  EXPECT_EQ(r.iterations, 10);
}

TEST(KMeansTest, MoreRestartsNeverIncreaseInertia) {
  std::vector<double> points = generatedDataset(400);
  double previous = std::numeric_limits<double>::infinity();
  for (int64_t restarts : {1, 2, 5, 10, 20}) {
    // Restart r draws from the same stream whatever the restart count, so
    // the candidates of fewer restarts are a prefix of those of more.
    KMeansResult r = cluster(points, 2, 6, 3, restarts);
    EXPECT_LE(r.inertia, previous) << restarts << " restarts";
    previous = r.inertia;
  }
}

TEST(KMeansTest, EveryClusterIsNonEmptyAndCentersAreMeans) {
  std::vector<double> points = generatedDataset(300);
  for (int64_t k : {2, 3, 7, 16, 40}) {
    KMeansResult r = cluster(points, 2, k, 11, 3);
    ASSERT_EQ(r.numClusters, k);
    std::vector<double> sums(2 * k, 0.0);
    std::vector<int64_t> counts(k, 0);
    for (size_t i = 0; i < r.labels.size(); ++i) {
      ASSERT_GE(r.labels[i], 0);
      ASSERT_LT(r.labels[i], k);
      ++counts[r.labels[i]];
      sums[2 * r.labels[i]] += points[2 * i];
      sums[2 * r.labels[i] + 1] += points[2 * i + 1];
    }
    for (int64_t c = 0; c < k; ++c) {
      ASSERT_GT(counts[c], 0) << "k = " << k << ", cluster " << c;
      EXPECT_EQ(r.centers[2 * c], sums[2 * c] / counts[c]);
      EXPECT_EQ(r.centers[2 * c + 1], sums[2 * c + 1] / counts[c]);
    }
    for (int64_t c = 1; c < k; ++c)
      EXPECT_LE(r.centers[2 * (c - 1)], r.centers[2 * c]);
  }
}

//===----------------------------------------------------------------------===//
// Degenerate inputs
//===----------------------------------------------------------------------===//

TEST(KMeansDegenerateTest, SingleCluster) {
  KMeansResult r = cluster({1, 2, 3, 10}, 1, 1);
  EXPECT_EQ(r.numClusters, 1);
  EXPECT_EQ(r.labels, (Labels{0, 0, 0, 0}));
  EXPECT_EQ(r.centers, (std::vector<double>{4.0}));
  EXPECT_EQ(r.inertia, 9.0 + 4.0 + 1.0 + 36.0);
  EXPECT_EQ(r.iterations, 0);
}

TEST(KMeansDegenerateTest, IdenticalPoints) {
  KMeansResult r = cluster({2, -2, 2, -2, 2, -2}, 2, 3);
  EXPECT_EQ(r.numClusters, 1);
  EXPECT_EQ(r.labels, (Labels{0, 0, 0}));
  EXPECT_EQ(r.centers, (std::vector<double>{2, -2}));
  EXPECT_EQ(r.inertia, 0.0);
}

TEST(KMeansDegenerateTest, FewerDistinctPointsThanClusters) {
  // Two distinct values among five points, four clusters requested.
  KMeansResult r = cluster({5, 1, 5, 1, 1}, 1, 4);
  EXPECT_EQ(r.numClusters, 2);
  EXPECT_EQ(r.labels, (Labels{1, 0, 1, 0, 0}));
  EXPECT_EQ(r.centers, (std::vector<double>{1, 5}));
  EXPECT_EQ(r.inertia, 0.0);
}

TEST(KMeansDegenerateTest, IdenticalPointsShareAClusterWhenKIsSmaller) {
  // Three distinct values, each repeated; two clusters.
  std::vector<double> points = {0, 0, 0, 1, 1, 9, 9, 9, 9, 0, 1};
  KMeansResult r = cluster(points, 1, 2);
  EXPECT_EQ(r.labels, (Labels{0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 0}));
}

TEST(KMeansDegenerateTest, KAtLeastN) {
  for (int64_t k : {3, 4, 100}) {
    KMeansResult r = cluster({7, 7, -1, 0, 3, 3}, 2, k);
    EXPECT_EQ(r.numClusters, 3);
    // One cluster per point, in lexicographic order of the points.
    EXPECT_EQ(r.labels, (Labels{2, 0, 1}));
    EXPECT_EQ(r.centers, (std::vector<double>{-1, 0, 3, 3, 7, 7}));
    EXPECT_EQ(r.inertia, 0.0);
  }
}

TEST(KMeansDegenerateTest, OnePoint) {
  KMeansResult r = cluster({4, 2}, 2, 5);
  EXPECT_EQ(r.numClusters, 1);
  EXPECT_EQ(r.labels, (Labels{0}));
}

TEST(KMeansDegenerateTest, NegativeZeroEqualsZero) {
  KMeansResult r = cluster({0.0, -0.0, 1.0}, 1, 3);
  EXPECT_EQ(r.numClusters, 2);
  EXPECT_EQ(r.labels, (Labels{0, 0, 1}));
}

TEST(KMeansDegenerateTest, EmptyClusterIsReseededWithTheFarthestPoint) {
  // Center 100 attracts no point. Cluster 0 = {0, 1, 2} (mean 1); its
  // farthest points are 0 and 2 (distance 1): the lower index, 0, re-seeds
  // the empty cluster. Then {0}, {1, 2}, {10} is stable.
  Result<KMeansResult> r = lloyd({0, 1, 2, 10}, 4, 1, {0, 100, 10});
  ASSERT_TRUE(r.ok()) << r.getError();
  EXPECT_EQ(r->numClusters, 3);
  EXPECT_EQ(r->labels, (Labels{0, 1, 1, 2}));
  EXPECT_EQ(r->centers, (std::vector<double>{0, 1.5, 10}));
  EXPECT_EQ(r->inertia, 0.5);
  EXPECT_EQ(r->iterations, 1);
}

TEST(KMeansDegenerateTest, CoincidingInitialCenters) {
  // Both centers at 5: every point ties and joins center 0; the empty
  // cluster 1 is re-seeded with point 0 (farthest from the mean 5.5, tied
  // with point 3; lowest index wins), then Lloyd separates the pairs.
  Result<KMeansResult> r = lloyd({0, 1, 10, 11}, 4, 1, {5, 5});
  ASSERT_TRUE(r.ok()) << r.getError();
  EXPECT_EQ(r->labels, (Labels{0, 0, 1, 1}));
  EXPECT_EQ(r->centers, (std::vector<double>{0.5, 10.5}));
  EXPECT_EQ(r->iterations, 2);
}

TEST(KMeansDegenerateTest, ReseedingMovesIdenticalPointsTogether) {
  // Mean of everything is 2.4; the farthest points are the two 6s, which
  // move together, so the next assignment changes nothing.
  Result<KMeansResult> r = lloyd({0, 0, 0, 6, 6}, 5, 1, {1, 100});
  ASSERT_TRUE(r.ok()) << r.getError();
  EXPECT_EQ(r->labels, (Labels{0, 0, 0, 1, 1}));
  EXPECT_EQ(r->iterations, 1);
  EXPECT_EQ(r->inertia, 0.0);
}

TEST(KMeansDegenerateTest, MaxIterationsStillGivesMeansOfLabels) {
  std::vector<double> points = generatedDataset(200);
  KMeansOptions options;
  options.k = 5;
  options.maxIterations = 1;
  Result<KMeansResult> r = kmeans(points, 200, 2, options);
  ASSERT_TRUE(r.ok());
  EXPECT_LE(r->iterations, 1);
  std::vector<int64_t> counts(5, 0);
  for (int64_t label : r->labels)
    ++counts[label];
  for (int64_t count : counts)
    EXPECT_GT(count, 0);
}

TEST(KMeansDegenerateTest, Errors) {
  KMeansOptions options;
  options.k = 2;
  EXPECT_EQ(kmeansError({}, 0, 1, options), "k-means needs at least one point");
  EXPECT_EQ(kmeansError({1}, 1, 0, options),
            "k-means needs points of dimension >= 1, got 0");
  EXPECT_EQ(kmeansError({1, 2, 3}, 2, 2, options),
            "k-means got 3 coordinates for 2 points of dimension 2");
  EXPECT_EQ(kmeansError({1, std::nan(""), 3, 4}, 2, 2, options),
            "k-means got a non-finite coordinate at point 0, dimension 1");
  EXPECT_EQ(kmeansError({1, 2, std::numeric_limits<double>::infinity()}, 3,
                        1, options),
            "k-means got a non-finite coordinate at point 2, dimension 0");
  KMeansOptions bad = options;
  bad.k = 0;
  EXPECT_EQ(kmeansError({1, 2}, 2, 1, bad), "k-means needs k >= 1, got 0");
  bad = options;
  bad.restarts = 0;
  EXPECT_EQ(kmeansError({1, 2}, 2, 1, bad),
            "k-means needs restarts >= 1, got 0");
  bad = options;
  bad.maxIterations = 0;
  EXPECT_EQ(kmeansError({1, 2}, 2, 1, bad),
            "k-means needs max iterations >= 1, got 0");
  Result<KMeansResult> r = lloyd({1, 1, 2}, 3, 1, {0, 1, 2});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.getError(), "3 initial centers for 2 distinct points");
}

//===----------------------------------------------------------------------===//
// Planning
//===----------------------------------------------------------------------===//

TEST(PlanTest, FromLabels) {
  ReorderPlan plan = planFromLabels({1, 0, 1, 0, 2}, 3);
  EXPECT_EQ(plan.permutation, (Labels{1, 3, 0, 2, 4}));
  EXPECT_EQ(plan.clusterSizes, (Labels{2, 2, 1}));
}

TEST(PlanTest, RangeFeatures) {
  EXPECT_EQ(rangeFeatures({-1, -2}, {3, 4}),
            (std::vector<double>{3, -1, 4, -2}));
}

TEST(PlanTest, WholeTensor) {
  // Channels with range ~100 at 1 and 4; ~1 elsewhere.
  std::vector<float> min = {-1, -100, -1.5f, -0.5f, -99};
  std::vector<float> max = {1, 100, 0.5f, 1.5f, 101};
  KMeansOptions options;
  options.k = 2;
  Result<ReorderPlan> plan =
      planReorder(rangeFeatures(min, max), 5, 2, 1, options);
  ASSERT_TRUE(plan.ok()) << plan.getError();
  EXPECT_EQ(plan->permutation, (Labels{0, 2, 3, 1, 4}));
  EXPECT_EQ(plan->clusterSizes, (Labels{3, 2}));
}

TEST(PlanTest, PerHeadKeepsChannelsInTheirHead) {
  // Two heads of four channels: head 0 has wide channels 1 and 3, head 1
  // wide channels 4 and 6.
  std::vector<float> max = {1, 100, 2, 90, 80, 1, 70, 2};
  std::vector<float> min = {-1, -100, -2, -90, -80, -1, -70, -2};
  KMeansOptions options;
  options.k = 2;
  Result<ReorderPlan> plan =
      planReorder(rangeFeatures(min, max), 8, 2, 2, options);
  ASSERT_TRUE(plan.ok()) << plan.getError();
  EXPECT_EQ(plan->permutation, (Labels{0, 2, 1, 3, 5, 7, 4, 6}));
  EXPECT_EQ(plan->clusterSizes, (Labels{2, 2, 2, 2}));
  // More clusters than a head has distinct channels: fewer clusters there.
  options.k = 4;
  std::vector<float> max2 = {1, 1, 1, 1, 1, 2, 3, 4};
  std::vector<float> min2(8, 0.0f);
  plan = planReorder(rangeFeatures(min2, max2), 8, 2, 2, options);
  ASSERT_TRUE(plan.ok()) << plan.getError();
  EXPECT_EQ(plan->permutation, (Labels{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(plan->clusterSizes, (Labels{4, 1, 1, 1, 1}));
}

TEST(PlanTest, Errors) {
  KMeansOptions options;
  options.k = 2;
  Result<ReorderPlan> plan = planReorder({1, 2, 3, 4, 5, 6}, 3, 2, 2, options);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.getError(), "heads = 2 does not divide 3 channels");
  plan = planReorder({1, 2, 3}, 2, 2, 1, options);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.getError(),
            "reorder planning got 3 features for 2 channels of dimension 2");
  plan = planReorder({1, 2, 3, std::nan("")}, 2, 2, 2, options);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.getError(),
            "head 1: k-means got a non-finite coordinate at point 0, "
            "dimension 1");
}

TEST(PlanTest, QueryKeyFeatures) {
  // Same number of heads: rows [qmax, kmax, qmin, kmin].
  Result<std::vector<double>> f =
      queryKeyFeatures({-1, -2}, {1, 2}, {-3, -4}, {3, 4}, 1, 1, 2);
  ASSERT_TRUE(f.ok()) << f.getError();
  EXPECT_EQ(*f, (std::vector<double>{1, 3, -1, -3, 2, 4, -2, -4}));
  // Grouped: 4 query heads read 2 key heads (head dim 1); the q ranges of
  // heads {0, 1} and {2, 3} merge.
  f = queryKeyFeatures({-1, -5, -2, -3}, {1, 2, 7, 3}, {-10, -20}, {10, 20},
                       4, 2, 1);
  ASSERT_TRUE(f.ok()) << f.getError();
  EXPECT_EQ(*f, (std::vector<double>{2, 10, -5, -10, 7, 20, -3, -20}));
  f = queryKeyFeatures({0, 0, 0}, {0, 0, 0}, {0}, {0}, 3, 2, 1);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.getError(),
            "query heads (3) must be a positive multiple of key heads (2)");
  f = queryKeyFeatures({0}, {0, 0}, {0}, {0}, 2, 1, 1);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.getError(), "query statistics have 1 and 2 entries for 2 "
                          "channels");
}

TEST(PlanTest, QueryKeySharePermutation) {
  // q and k: 2 heads of 4 channels; in head 0 channels 0 and 2 are wide in
  // k only, in head 1 channel 5 is wide in q only.
  std::vector<float> qMax = {1, 1, 1, 1, 1, 50, 1, 1};
  std::vector<float> kMax = {40, 1, 40, 1, 1, 1, 1, 1};
  std::vector<float> qMin(8), kMin(8);
  for (int i = 0; i < 8; ++i) {
    qMin[i] = -qMax[i];
    kMin[i] = -kMax[i];
  }
  Result<std::vector<double>> f =
      queryKeyFeatures(qMin, qMax, kMin, kMax, 2, 2, 4);
  ASSERT_TRUE(f.ok());
  KMeansOptions options;
  options.k = 2;
  Result<ReorderPlan> plan = planReorder(*f, 8, 4, 2, options);
  ASSERT_TRUE(plan.ok()) << plan.getError();
  // Canonical order compares qmax first: in head 0 the k-wide channels have
  // the same qmax and a larger kmax, so they come last.
  EXPECT_EQ(plan->permutation, (Labels{1, 3, 0, 2, 4, 6, 7, 5}));
  EXPECT_EQ(plan->clusterSizes, (Labels{2, 2, 3, 1}));
  // Same heads: the q plan is the k plan.
  ReorderPlan q = expandGroupedPlan(*plan, 2, 2, 4);
  EXPECT_EQ(q.permutation, plan->permutation);
  EXPECT_EQ(q.clusterSizes, plan->clusterSizes);
}

TEST(PlanTest, ExpandGroupedPlan) {
  // 2 key heads of 3 channels; 4 query heads.
  ReorderPlan key;
  key.permutation = {2, 0, 1, 4, 5, 3};
  key.clusterSizes = {1, 2, 3};
  ReorderPlan q = expandGroupedPlan(key, 4, 2, 3);
  EXPECT_EQ(q.permutation, (Labels{2, 0, 1, 5, 3, 4, 7, 8, 6, 10, 11, 9}));
  EXPECT_EQ(q.clusterSizes, (Labels{1, 2, 1, 2, 3, 3}));
}

} // namespace
