//===- ReorderPropagation.h - moving channel permutations through IR -*- C++
//-*-===//
//
// The permutation algebra of lowbit-fold-reorders: permutations of tensor
// axes and of linalg loops, the permutations they induce on operands
// through indexing maps, and BackwardPusher, which rebuilds a producer
// chain to write its result permuted. FoldReorders.cpp uses these for both
// directions (see its file comment).
//
//===----------------------------------------------------------------------===//

#ifndef LIB_DIALECT_LOWBIT_TRANSFORMS_REORDERPROPAGATION_H
#define LIB_DIALECT_LOWBIT_TRANSFORMS_REORDERPROPAGATION_H

#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::lowbit::reorder {

/// A permutation of `span` adjacent axes starting at `axis`, flattened in
/// row-major order: the permuted value at flat index i holds the original
/// value at flat index perm[i]. `span` > 1 arises where heads were split off
/// a channel axis ([H*Dh] -> [H, Dh]).
struct AxisPermutation {
  int64_t axis;
  ArrayRef<int64_t> perm;
  int64_t span = 1;
};

/// The cluster sizes of `value`'s channels when `value` (Hkv heads) feeds
/// attention whose output `out` (H heads, a multiple) was clustered per head
/// with `sizes` and the query heads of a group share their plan: head j of
/// `value` takes the clusters of query head j * H / Hkv. Nothing when the
/// head structure does not fit.
std::optional<SmallVector<int64_t>>
getHeadClusterSizes(ObserveOp out, ObserveOp value, ArrayRef<int64_t> sizes);

/// Creates a constant holding `value` gathered by `p` (a new resource blob
/// for resource constants, so tied weights elsewhere keep theirs).
Value gatherConstant(OpBuilder &b, Value value, AxisPermutation p);

/// The loop dimension behind result position `pos` of `map`, if that result
/// is a plain dimension.
std::optional<unsigned> getLoopDim(AffineMap map, int64_t pos);

/// The result position of loop dimension `d` in `map`: -1 if absent, -2 if
/// it appears inside a compound expression or more than once.
int64_t findDim(AffineMap map, unsigned d);

/// The iterator type of loop `d` of `op`.
bool isReductionDim(linalg::LinalgOp op, unsigned d);
bool isParallelDim(linalg::LinalgOp op, unsigned d);

/// True when the body of `op` reads `linalg.index d`.
bool opUsesIndex(linalg::LinalgOp op, unsigned d);

/// A permutation of a subspace of a linalg op's iteration space: the loop
/// dimensions `dims` of extents `sizes`, points flattened in row-major
/// order. The rewritten op computes at point x what the original op
/// computed at point perm[x] (the convention of AxisPermutation).
struct LoopPermutation {
  SmallVector<unsigned> dims;
  SmallVector<int64_t> sizes;
  ArrayRef<int64_t> perm;
  unsigned numLoops = 0;

  /// The coordinates of all loops (0 outside `dims`) at point `flat`.
  SmallVector<int64_t> point(int64_t flat) const {
    SmallVector<int64_t> loops(numLoops, 0);
    for (int64_t i = dims.size() - 1; i >= 0; --i) {
      loops[dims[i]] = flat % sizes[i];
      flat /= sizes[i];
    }
    return loops;
  }

  bool dependsOn(AffineExpr expr) const {
    return llvm::any_of(dims,
                        [&](unsigned d) { return expr.isFunctionOfDim(d); });
  }

  /// True when some point changes its coordinate along loop `d`.
  bool moves(unsigned d) const {
    for (auto [x, image] : llvm::enumerate(perm))
      if (point(x)[d] != point(image)[d])
        return true;
    return false;
  }
};

/// The permutation of the loops that read the axes [p.axis, p.axis + p.span)
/// of `operand` with plain, distinct loop dimensions (nullopt otherwise).
std::optional<LoopPermutation>
getLoopPermutation(linalg::LinalgOp op, OpOperand &operand, AxisPermutation p);

/// The positions of `map`'s results that depend on the loops of `s`, which
/// must be contiguous and depend on no other loop (nullopt otherwise).
std::optional<SmallVector<int64_t>>
getPermutedPositions(AffineMap map, const LoopPermutation &s);

/// For an operand read with `map` (axes at `positions`, of extents
/// `axisSizes`), the table T with T[(x_extra, M(x))] = M(perm[x]) over
/// every point x, where x_extra are the coordinates of the loops
/// `s.dims[extra[i]]` (flattened before M's index). Nullopt when some entry
/// is ambiguous or never reached. With no `extra` this is the permutation
/// the operand must undergo so that the op reads what it read before.
std::optional<SmallVector<int64_t>>
getInducedTable(AffineMap map, ArrayRef<int64_t> positions,
                ArrayRef<int64_t> axisSizes, const LoopPermutation &s,
                ArrayRef<unsigned> extra = {});

/// getInducedTable without extra loops, when it is a permutation.
std::optional<SmallVector<int64_t>>
getInducedPermutation(AffineMap map, ArrayRef<int64_t> positions,
                      ArrayRef<int64_t> axisSizes, const LoopPermutation &s);

/// True when an operand read with `map` at `positions` (extents
/// `axisSizes`) and permuted by `perm` along those axes gives the op, at
/// every point x, what it read at perm[x] before: perm[M(x)] = M(s(x)).
/// Reads at constant positions (RoPE's even/odd members) are allowed.
bool readsConsistently(AffineMap map, ArrayRef<int64_t> positions,
                       ArrayRef<int64_t> axisSizes, const LoopPermutation &s,
                       ArrayRef<int64_t> perm);

/// True for the identity permutation.
bool isIdentity(ArrayRef<int64_t> perm);

/// The extents of `value`'s axes at `positions`.
SmallVector<int64_t> getAxisSizes(Value value, ArrayRef<int64_t> positions);

/// Records what happened to one planned reorder.
struct Report {
  std::string id;
  std::vector<std::string> backward; // what absorbed P
  std::vector<std::string> forward;  // what absorbed P^-1
  std::string failure;               // why the pair was cancelled
};

/// "'op' at loc", for reports and remarks.
std::string describeOp(Operation *op);

/// A weight by its name, else the op that defines `value`.
std::string describeValue(Value value);

/// An input of a generic read through an index remap: along loop `dim`, at
/// iteration i, it is read at perm[i] instead of i.
struct RemappedOperand {
  unsigned operand;
  unsigned dim;
  ArrayRef<int64_t> perm;
};

/// Rebuilds `op` with the inputs listed in `remapped` read inside the body
/// (`tensor.extract` at their indexing map's indices, remapped through an
/// i32 table) instead of through an indexing map: the reorder is fused into
/// the load. `operands` replace op's operands.
linalg::GenericOp buildRemappedGeneric(OpBuilder &b, linalg::LinalgOp op,
                                       ArrayRef<Value> operands,
                                       ArrayRef<RemappedOperand> remapped,
                                       std::vector<std::string> &log);

/// Pushes permutations backward through producers (see file comment).
class BackwardPusher {
public:
  BackwardPusher(Report &report) : report(report) {}

  /// Whether `value` can be produced permuted by `p`. `from` is the op that
  /// will read the permuted value (its use does not count as another user).
  bool canPush(Value value, AxisPermutation p, Operation *from) {
    return push(nullptr, value, p, from).has_value();
  }

  /// Returns `value` permuted by `p`, built right after its producers.
  Value apply(Value value, AxisPermutation p, Operation *from) {
    OpBuilder b(value.getContext());
    return *push(&b, value, p, from);
  }

  /// Ops made dead by `apply`, to erase once all uses are replaced.
  SmallVector<Operation *> replaced;

  /// Observers rebuilt with permuted statistics, in push order.
  SmallVector<ObserveOp> rebuiltObservers;

private:
  /// With `b` null this only checks feasibility and returns `value`.
  std::optional<Value> push(OpBuilder *b, Value value, AxisPermutation p,
                            Operation *from);

  /// True when every user of `value` other than `from` is unaffected by
  /// permuting it: a reduction over the permuted axis that reads no other
  /// operand along that axis (mean, variance, sum of squares).
  bool onlyInvariantOtherUsers(Value value, AxisPermutation p, Operation *from);

  /// push() past the checks: through the op that defines `value`.
  std::optional<Value> pushThroughDefiningOp(OpBuilder *b, Value value,
                                             AxisPermutation p);

  std::optional<Value> pushThroughObserve(OpBuilder *b, ObserveOp observe,
                                          AxisPermutation p);

  /// Pushes `srcPermutation` into the source of a reshape (operand 0) and
  /// rebuilds the reshape on the permuted source.
  std::optional<Value> pushThroughReshape(OpBuilder *b, Operation *op,
                                          AxisPermutation srcPermutation);

  /// collapse_shape merging [H, Dh] into one channel axis: the channel
  /// permutation becomes a permutation of the merged source axes.
  std::optional<Value> pushThroughCollapse(OpBuilder *b,
                                           tensor::CollapseShapeOp op,
                                           AxisPermutation p);

  /// expand_shape splitting a channel axis into [H, Dh]: a permutation of
  /// exactly the split axes is a permutation of the source channel axis.
  std::optional<Value> pushThroughExpand(OpBuilder *b, tensor::ExpandShapeOp op,
                                         AxisPermutation p);

  /// A linalg op whose result axes [p.axis, p.axis + p.span) are parallel
  /// loops L: the op is rebuilt to compute at every point of L what it
  /// computed at the permuted point. Every operand that depends on L gets
  /// the permutation this induces on its axes (a `d floordiv g` read, as of
  /// v by the query heads of grouped-query attention, induces the
  /// permutation of the value heads, which exists when the query heads of a
  /// group share one), and is gathered (constants), rebuilt (single-purpose
  /// producers) or read through an index remap; operands whose induced
  /// permutation is the identity are untouched.
  std::optional<Value> pushThroughLinalg(OpBuilder *b, linalg::LinalgOp op,
                                         AxisPermutation p);

  /// An init that is the same value everywhere (a fill or an empty tensor)
  /// does not change under a permutation.
  static bool isPermutationInvariant(Value value);

public:
  static std::string describe(Value value) { return describeValue(value); }
  static std::string describe(Operation *op) { return describeOp(op); }

private:
  Report &report;
};

} // namespace mlir::lowbit::reorder

#endif // LIB_DIALECT_LOWBIT_TRANSFORMS_REORDERPROPAGATION_H
