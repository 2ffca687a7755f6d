//===- FoldReorders.cpp - fold channel reorders into their neighbours -----===//
//
// Reorder planning leaves, for every clustered activation x,
//
//   %r    = lowbit.reorder %x  P      (the activation in cluster order)
//   %back = lowbit.reorder %r  P^-1   (original order, for the consumers)
//
// This pass makes both disappear. The inverse moves *forward* into the
// consumers' constant weights (a linear layer reading r instead of x takes
// its weight gathered by P along the reduction axis). P moves *backward*
// into the producer of x, which is rebuilt to write its result in cluster
// order: per-channel constants (norm gamma/beta, biases) and producer weight
// rows are gathered by P, per-token operands are untouched, consumers that
// reduce over the channels (mean, variance) are invariant, and a full-size
// operand that must keep its order (the residual stream: it has other,
// order-sensitive users) is read through an index remap fused into the
// load of the op that reads it.
//
// Through a linalg op, a permutation of result axes is a permutation of
// the loops that write them; every operand gets the permutation this
// induces through its indexing map, found by evaluating the map at every
// permuted point. So `h floordiv g` (grouped-query attention reading v or
// k) turns a permutation shared by the query heads of each group into one
// of the kv heads, and fails where heads of a group differ.
//
// q and k fold jointly: their forward paths (reshapes and elementwise ops,
// RoPE included) meet at QK^T, which sums over the permuted channels. RoPE
// reads each pair's members at constant indices 0 and 1 (fine for plans
// that move whole pairs) and its cos/sin tables per pair with (s, i): a
// table is gathered along i when every head moves its pairs alike, and
// otherwise becomes a per-head table [S, H, Dh/2] read with (s, h, i).
//
// When the consumers are linear layers but the producer cannot write in
// cluster order, the consumers read the activation through an index remap
// fused into their load (a matmul becomes the equivalent generic reading
// x[m, perm[k]]) and their weights absorb P^-1; the observer keeps the
// original order and records `cluster_permutation`. Only where the
// consumers cannot absorb P^-1 is the pair cancelled (it is the identity)
// and the report says why.
//
// The permutation algebra and the backward direction (BackwardPusher) are
// in ReorderPropagation.{h,cpp}; this file has the forward direction and
// the pass.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/Transforms/Passes.h"

#include "ReorderPropagation.h"

#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Dialect/LowBit/Transforms/ModelIR.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_FOLDREORDERS
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;
using namespace mlir::lowbit::reorder;

namespace {
/// Forward direction: every user of `back` must be a linalg op that reduces
/// over the permuted axis against a constant (a linear layer's weight).
struct ForwardUse {
  OpOperand *activation;
  OpOperand *weight;
  int64_t weightAxis;
};

static std::optional<SmallVector<ForwardUse>>
analyzeForward(Value value, int64_t axis, std::string &why) {
  SmallVector<ForwardUse> uses;
  for (OpOperand &use : value.getUses()) {
    auto op = dyn_cast<linalg::LinalgOp>(use.getOwner());
    if (!op || !op.isDpsInput(&use)) {
      why = "consumer '" + use.getOwner()->getName().getStringRef().str() +
            "' is not a linear layer";
      return std::nullopt;
    }
    std::optional<unsigned> d =
        getLoopDim(op.getMatchingIndexingMap(&use), axis);
    if (!d || !isReductionDim(op, *d)) {
      why = "consumer does not reduce over the channels";
      return std::nullopt;
    }
    OpOperand *weight = nullptr;
    int64_t weightAxis = -1;
    for (OpOperand &other : op->getOpOperands()) {
      if (&other == &use)
        continue;
      int64_t pos = findDim(op.getMatchingIndexingMap(&other), *d);
      if (pos == -1)
        continue;
      if (pos == -2 || weight || !hasConstantData(other.get())) {
        why = "consumer's other operand along the channels is not a "
              "constant weight";
        return std::nullopt;
      }
      weight = &other;
      weightAxis = pos;
    }
    if (!weight) {
      why = "consumer has no weight along the channels";
      return std::nullopt;
    }
    uses.push_back({&use, weight, weightAxis});
  }
  return uses;
}

/// A constant (dense or dense_resource) built like `value`, with `data`
/// and `type`.
static Value createConstantLike(OpBuilder &b, Value value,
                                RankedTensorType type, ArrayRef<float> data) {
  std::string name = getConstantName(value);
  Attribute attr;
  if (!name.empty())
    attr = DenseF32ResourceElementsAttr::get(
        type, name + ".reordered",
        HeapAsmResourceBlob::allocateAndCopyInferAlign(data));
  else
    attr = DenseElementsAttr::get(type, data);
  return arith::ConstantOp::create(b, value.getLoc(), cast<TypedAttr>(attr));
}

/// A constant read along permuted loops whose reads cannot follow one
/// permutation of its own axes (a RoPE table read per pair, `(s, i)`, when
/// the pairs of every head move differently): it gains the permuted loops
/// `extra` (indices into s.dims) as new axes in front of its permuted axes
/// at `positions`, filled so that the op reads at every point x what it
/// read at s(x). Returns the new value and indexing map.
static std::pair<Value, AffineMap>
expandConstant(OpBuilder &b, Value value, AffineMap map,
               ArrayRef<int64_t> positions, const LoopPermutation &s,
               ArrayRef<unsigned> extra, ArrayRef<int64_t> table) {
  auto type = cast<RankedTensorType>(value.getType());
  std::vector<float> data = *getConstantData(value);
  ArrayRef<int64_t> shape = type.getShape();
  int64_t outer = 1, axes = 1, inner = 1, extraSize = 1;
  for (int64_t d = 0; d < positions.front(); ++d)
    outer *= shape[d];
  for (int64_t pos : positions)
    axes *= shape[pos];
  for (int64_t d = positions.back() + 1, e = shape.size(); d < e; ++d)
    inner *= shape[d];
  SmallVector<int64_t> newShape(shape.take_front(positions.front()));
  SmallVector<AffineExpr> results(
      map.getResults().take_front(positions.front()));
  for (unsigned e : extra) {
    newShape.push_back(s.sizes[e]);
    results.push_back(getAffineDimExpr(s.dims[e], b.getContext()));
    extraSize *= s.sizes[e];
  }
  llvm::append_range(newShape, shape.drop_front(positions.front()));
  llvm::append_range(results, map.getResults().drop_front(positions.front()));
  std::vector<float> out(outer * extraSize * axes * inner);
  int64_t keys = extraSize * axes;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < keys; ++k)
      std::copy_n(&data[(o * axes + table[k]) * inner], inner,
                  &out[(o * keys + k) * inner]);
  auto newType = RankedTensorType::get(newShape, type.getElementType());
  return {createConstantLike(b, value, newType, out),
          AffineMap::get(map.getNumDims(), map.getNumSymbols(), results,
                         b.getContext())};
}

/// Forward through an elementwise (all-parallel along the permuted axes)
/// linalg op that reads `value`, permuted by `p`, in one or more operands:
/// the op writes its result permuted by the same permutation on the same
/// axes. Reads of `value` may fix a permuted axis to a constant (RoPE reads
/// the pair members 0 and 1) as long as the permutation agrees. Other
/// operands that depend on the permuted loops must be constants: gathered
/// by the permutation this induces on them, or, where none exists, expanded
/// by the permuted loops they need (see expandConstant). With `b`, builds
/// the op reading `replacement` instead of `value` and returns its result;
/// without, only checks.
static std::optional<Value>
forwardThroughElementwise(OpBuilder *b, linalg::LinalgOp op, Value value,
                          AxisPermutation p, Value replacement,
                          std::vector<std::string> *log) {
  if (op->getNumResults() != 1 || op.getNumDpsInits() != 1)
    return std::nullopt;
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  OpOperand *init = op.getDpsInitOperand(0);
  auto valueType = cast<RankedTensorType>(value.getType());
  if (cast<RankedTensorType>(init->get().getType()).getShape() !=
      valueType.getShape())
    return std::nullopt;
  std::optional<LoopPermutation> s = getLoopPermutation(op, *init, p);
  if (!s || !op.getMatchingIndexingMap(init).isPermutation() ||
      op.payloadUsesValueFromOperand(init))
    return std::nullopt;
  for (unsigned d : s->dims)
    if (!isParallelDim(op, d) || (opUsesIndex(op, d) && s->moves(d)))
      return std::nullopt;
  SmallVector<int64_t> chainPositions;
  for (int64_t i = 0; i < p.span; ++i)
    chainPositions.push_back(p.axis + i);
  SmallVector<int64_t> chainSizes = getAxisSizes(value, chainPositions);

  struct Change {
    unsigned operand;
    Value value;
    std::optional<AffineMap> map;
  };
  SmallVector<Change> changes;
  std::optional<OpBuilder::InsertionGuard> guard;
  if (b) {
    guard.emplace(*b);
    b->setInsertionPoint(op);
  }
  for (OpOperand *operand : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(operand);
    if (operand->get() == value) {
      if (!readsConsistently(map, chainPositions, chainSizes, *s, p.perm))
        return std::nullopt;
      changes.push_back({operand->getOperandNumber(), replacement, {}});
      continue;
    }
    std::optional<SmallVector<int64_t>> positions =
        getPermutedPositions(map, *s);
    if (!positions)
      return std::nullopt;
    if (positions->empty())
      continue;
    SmallVector<int64_t> sizes = getAxisSizes(operand->get(), *positions);
    std::optional<SmallVector<int64_t>> perm =
        getInducedPermutation(map, *positions, sizes, *s);
    if (perm && isIdentity(*perm))
      continue;
    if (!hasConstantData(operand->get()))
      return std::nullopt;
    if (perm) {
      if (b) {
        changes.push_back(
            {operand->getOperandNumber(),
             gatherConstant(*b, operand->get(),
                            {positions->front(), *perm,
                             static_cast<int64_t>(positions->size())}),
             {}});
        log->push_back(describeValue(operand->get()) + " (gathered)");
      }
      continue;
    }
    // Add the permuted loops the operand does not read, in order, until its
    // reads are determined.
    if (!generic)
      return std::nullopt;
    SmallVector<unsigned> extra;
    std::optional<SmallVector<int64_t>> table;
    for (unsigned e = 0; e < s->dims.size() && !table; ++e) {
      if (llvm::any_of(*positions, [&](int64_t pos) {
            return map.getResult(pos).isFunctionOfDim(s->dims[e]);
          }))
        continue;
      extra.push_back(e);
      table = getInducedTable(map, *positions, sizes, *s, extra);
    }
    if (!table)
      return std::nullopt;
    if (b) {
      auto [expanded, newMap] = expandConstant(*b, operand->get(), map,
                                               *positions, *s, extra, *table);
      std::string shape;
      llvm::raw_string_ostream os(shape);
      llvm::interleave(cast<RankedTensorType>(expanded.getType()).getShape(),
                       os, "x");
      log->push_back(describeValue(operand->get()) +
                     " (gathered per permuted loop, now " + shape + ")");
      changes.push_back({operand->getOperandNumber(), expanded, newMap});
    }
  }
  if (!b)
    return op->getResult(0);
  Operation *clone = b->clone(*op);
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  bool newMaps = false;
  for (const Change &change : changes) {
    clone->setOperand(change.operand, change.value);
    if (change.map) {
      maps[change.operand] = *change.map;
      newMaps = true;
    }
  }
  if (newMaps)
    cast<linalg::GenericOp>(clone).setIndexingMapsAttr(
        b->getAffineMapArrayAttr(maps));
  return clone->getResult(0);
}

/// The forward path of a permuted value to the contraction that consumes
/// it: elementwise linalg ops (forwardThroughElementwise) and reshapes,
/// ending at a linalg op that reduces over (some of) the permuted loops.
struct ForwardChain {
  SmallVector<Operation *> ops;
  /// The permutation of the value each op of `ops` reads.
  SmallVector<AxisPermutation> perms;
  linalg::LinalgOp terminal;
  OpOperand *operand = nullptr;
  AxisPermutation p; // of the terminal's operand
};

static std::optional<ForwardChain> followChain(Value value, AxisPermutation p) {
  ForwardChain chain;
  while (true) {
    if (value.use_empty())
      return std::nullopt;
    Operation *user = value.getUses().begin()->getOwner();
    if (!llvm::all_of(value.getUsers(),
                      [&](Operation *other) { return other == user; }))
      return std::nullopt;
    AxisPermutation next = p;
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(user)) {
      // Each permuted axis splits into its group of result axes.
      SmallVector<ReassociationIndices> groups =
          expand.getReassociationIndices();
      next.axis = groups[p.axis].front();
      next.span = groups[p.axis + p.span - 1].back() - next.axis + 1;
    } else if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(user)) {
      // The permuted axes must merge into whole result axes.
      std::optional<int64_t> first, last;
      for (auto [r, group] :
           llvm::enumerate(collapse.getReassociationIndices())) {
        if (group.front() == p.axis)
          first = r;
        if (group.back() == p.axis + p.span - 1)
          last = r;
      }
      if (!first || !last)
        return std::nullopt;
      next.axis = *first;
      next.span = *last - *first + 1;
    } else {
      auto op = dyn_cast<linalg::LinalgOp>(user);
      if (!op || op->getNumResults() != 1)
        return std::nullopt;
      SmallVector<OpOperand *> reads;
      for (OpOperand &use : value.getUses())
        reads.push_back(&use);
      if (!llvm::all_of(reads,
                        [&](OpOperand *use) { return op.isDpsInput(use); }))
        return std::nullopt;
      AffineMap map = op.getMatchingIndexingMap(reads.front());
      bool reduces = false;
      for (int64_t i = 0; i < p.span; ++i)
        if (std::optional<unsigned> d = getLoopDim(map, p.axis + i))
          reduces |= isReductionDim(op, *d);
      if (reduces) {
        if (reads.size() != 1)
          return std::nullopt;
        chain.terminal = op;
        chain.operand = reads.front();
        chain.p = p;
        return chain;
      }
      if (!forwardThroughElementwise(nullptr, op, value, p, value, nullptr))
        return std::nullopt;
    }
    chain.ops.push_back(user);
    chain.perms.push_back(p);
    p = next;
    value = user->getResult(0);
  }
}
struct FoldReordersPass
    : public mlir::lowbit::impl::FoldReordersBase<FoldReordersPass> {
  using Base::Base;

  void runOnOperation() override {
    // Planned pairs: reorder P whose only user is reorder P^-1.
    SmallVector<std::pair<ReorderOp, ReorderOp>> pairs;
    getOperation().walk([&](ReorderOp fwd) {
      if (!fwd->hasOneUse())
        return;
      auto back = dyn_cast<ReorderOp>(*fwd->user_begin());
      if (!back || back.getAxis() != fwd.getAxis())
        return;
      ArrayRef<int64_t> p = fwd.getPermutation(), q = back.getPermutation();
      for (auto [i, v] : llvm::enumerate(q))
        if (p[v] != static_cast<int64_t>(i))
          return;
      pairs.push_back({fwd, back});
    });

    std::vector<Report> reports;
    foldJointPairs(pairs, reports);
    for (auto [fwd, back] : pairs) {
      Location loc = fwd.getInput().getLoc();
      reports.push_back(foldPair(fwd, back));
      const Report &r = reports.back();
      if (r.failure.empty())
        emitRemark(loc) << "reorder of '" << r.id
                        << "' folded: " << r.backward.size()
                        << " producer change(s), " << r.forward.size()
                        << " consumer weight(s)";
      else
        emitRemark(loc) << "reorder of '" << r.id
                        << "' not folded: " << r.failure;
    }

    // Reorders left alone (not planned pairs) are reported too.
    getOperation().walk([&](ReorderOp op) {
      Report report;
      report.id = describeId(op.getInput());
      report.failure = "not a planned reorder pair; left in place";
      reports.push_back(report);
    });
    if (failed(writeReport(reports)))
      return signalPassFailure();
  }

  /// Weights and per-channel constants replaced by gathered copies.
  void eraseDeadConstants() {
    SmallVector<Operation *> dead;
    getOperation().walk([&](arith::ConstantOp op) {
      if (op->use_empty() && isa<RankedTensorType>(op.getType()))
        dead.push_back(op);
    });
    for (Operation *op : dead)
      op->erase();
  }

  static std::string describeId(Value value) {
    if (auto observe = value.getDefiningOp<ObserveOp>())
      return observe.getId().str();
    return "(unobserved value)";
  }

  /// q and k: two pairs with the same permutation whose forward paths meet
  /// at one contraction that reduces over the permuted channels. Permuting
  /// both operands alike leaves that contraction's sums unchanged, so both
  /// producers write in cluster order and both reorders go away. Handled
  /// pairs are removed from `pairs`.
  void foldJointPairs(SmallVectorImpl<std::pair<ReorderOp, ReorderOp>> &pairs,
                      std::vector<Report> &reports) {
    SmallVector<std::optional<ForwardChain>> chains;
    for (auto [fwd, back] : pairs)
      chains.push_back(
          followChain(back.getResult(), {static_cast<int64_t>(fwd.getAxis()),
                                         fwd.getPermutation()}));
    SmallVector<bool> done(pairs.size(), false);
    for (size_t i = 0; i < pairs.size(); ++i) {
      for (size_t j = i + 1; j < pairs.size() && chains[i] && !done[i]; ++j) {
        if (done[j] || !chains[j] ||
            !jointFoldable(*chains[i], *chains[j], pairs[i].first,
                           pairs[j].first))
          continue;
        reports.push_back(
            foldJoint(pairs[i], *chains[i], pairs[j], *chains[j]));
        done[i] = done[j] = true;
      }
    }
    SmallVector<std::pair<ReorderOp, ReorderOp>> rest;
    for (auto [pair, d] : llvm::zip_equal(pairs, done))
      if (!d)
        rest.push_back(pair);
    pairs.assign(rest.begin(), rest.end());
  }

  /// q and k: their forward chains meet at one contraction, and the
  /// permutation of the loops seen through one of them (read with plain
  /// loop dimensions) reproduces the other's permutation through its
  /// indexing map (with grouped-query attention, `h floordiv g` turns the
  /// query heads' permutation into the key heads') and leaves every other
  /// operand and the output alone. The contraction then computes the same
  /// sums over the permuted channels.
  bool jointFoldable(const ForwardChain &a, const ForwardChain &b,
                     ReorderOp fwdA, ReorderOp fwdB) {
    if (a.terminal != b.terminal || a.operand == b.operand)
      return false;
    linalg::LinalgOp op = a.terminal;
    std::optional<LoopPermutation> s = getLoopPermutation(op, *a.operand, a.p);
    if (!s)
      s = getLoopPermutation(op, *b.operand, b.p);
    if (!s)
      return false;
    for (OpOperand &other : op->getOpOperands()) {
      AffineMap map = op.getMatchingIndexingMap(&other);
      const ForwardChain *chain = &other == a.operand   ? &a
                                  : &other == b.operand ? &b
                                                        : nullptr;
      if (chain) {
        SmallVector<int64_t> positions;
        for (int64_t i = 0; i < chain->p.span; ++i)
          positions.push_back(chain->p.axis + i);
        if (!readsConsistently(map, positions,
                               getAxisSizes(other.get(), positions), *s,
                               chain->p.perm))
          return false;
        continue;
      }
      std::optional<SmallVector<int64_t>> positions =
          getPermutedPositions(map, *s);
      if (!positions)
        return false;
      if (positions->empty())
        continue;
      std::optional<SmallVector<int64_t>> perm = getInducedPermutation(
          map, *positions, getAxisSizes(other.get(), *positions), *s);
      if (!perm || !isIdentity(*perm))
        return false;
    }
    for (unsigned d : s->dims)
      if (opUsesIndex(op, d) && s->moves(d))
        return false;
    // Both producers must be able to write in cluster order.
    Report scratch;
    BackwardPusher pusher(scratch);
    return pusher.canPush(
               fwdA.getInput(),
               {static_cast<int64_t>(fwdA.getAxis()), fwdA.getPermutation()},
               fwdA) &&
           pusher.canPush(
               fwdB.getInput(),
               {static_cast<int64_t>(fwdB.getAxis()), fwdB.getPermutation()},
               fwdB);
  }

  Report foldJoint(std::pair<ReorderOp, ReorderOp> a, const ForwardChain &ca,
                   std::pair<ReorderOp, ReorderOp> b, const ForwardChain &cb) {
    Report report;
    report.id =
        describeId(a.first.getInput()) + " + " + describeId(b.first.getInput());
    Location loc = a.first.getInput().getLoc();
    for (auto [pair, chain] :
         {std::make_pair(a, &ca), std::make_pair(b, &cb)}) {
      auto [fwd, back] = pair;
      AxisPermutation p{static_cast<int64_t>(fwd.getAxis()),
                        fwd.getPermutation()};
      BackwardPusher pusher(report);
      Value value = pusher.apply(fwd.getInput(), p, fwd);
      // The cluster sizes stay with the activation for quantization.
      if (auto observe = value.getDefiningOp<ObserveOp>())
        if (std::optional<ArrayRef<int64_t>> clusters = fwd.getClusterSizes())
          observe->setAttr(
              "cluster_sizes",
              DenseI64ArrayAttr::get(observe->getContext(), *clusters));
      // Rebuild the forward path on the permuted value.
      Value previous = back.getResult();
      for (auto [op, perm] : llvm::zip_equal(chain->ops, chain->perms)) {
        OpBuilder builder(op);
        Value rebuilt;
        if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
          rebuilt = *forwardThroughElementwise(&builder, linalgOp, previous,
                                               perm, value, &report.forward);
        } else {
          Operation *clone = builder.clone(*op);
          clone->setOperand(0, value);
          rebuilt = clone->getResult(0);
        }
        value = rebuilt;
        previous = op->getResult(0);
      }
      chain->operand->set(value);
      linalg::LinalgOp terminal = chain->terminal;
      report.forward.push_back(
          BackwardPusher::describe(terminal.getOperation()) +
          " (reads both operands in cluster order; its sums over the "
          "channels are unchanged)");
      for (Operation *op : llvm::reverse(chain->ops))
        if (op->use_empty())
          op->erase();
      back.erase();
      fwd.erase();
      for (Operation *op : llvm::reverse(pusher.replaced))
        if (op->use_empty())
          op->erase();
    }
    eraseDeadConstants();
    emitRemark(loc) << "reorders of '" << report.id << "' folded jointly";
    return report;
  }

  Report foldPair(ReorderOp fwd, ReorderOp back) {
    Report report;
    report.id = describeId(fwd.getInput());
    AxisPermutation p{static_cast<int64_t>(fwd.getAxis()),
                      fwd.getPermutation()};
    std::string why;
    std::optional<SmallVector<ForwardUse>> forward =
        analyzeForward(back.getResult(), p.axis, why);
    BackwardPusher pusher(report);
    bool backward = forward && pusher.canPush(fwd.getInput(), p, fwd);
    if (forward && !backward) {
      // The producer keeps its order; the consumers read the activation in
      // cluster order through an index remap fused into their loads.
      if (remappable(*forward, p.axis, why))
        return remapConsumers(fwd, back, *forward, std::move(report));
      why = "the producer cannot write in cluster order and " + why;
    }
    if (!forward || !backward) {
      // The pair is the identity: drop it, keep the original order.
      report.failure = why;
      back.replaceAllUsesWith(fwd.getInput());
      back.erase();
      fwd.erase();
      return report;
    }
    Value permuted = pusher.apply(fwd.getInput(), p, fwd);
    OpBuilder b(back);
    for (ForwardUse &use : *forward) {
      Value weight = use.weight->get();
      use.weight->set(gatherConstant(b, weight, {use.weightAxis, p.perm}));
      use.activation->set(permuted);
      report.forward.push_back(BackwardPusher::describe(weight) + " (axis " +
                               std::to_string(use.weightAxis) + " gathered)");
    }
    // The cluster sizes stay with the activation for quantization.
    if (auto observe = permuted.getDefiningOp<ObserveOp>())
      if (std::optional<ArrayRef<int64_t>> clusters = fwd.getClusterSizes()) {
        observe->setAttr("cluster_sizes", b.getDenseI64ArrayAttr(*clusters));
        // A per-head plan that reached the value projection (R3) orders
        // its heads' channels too: they get the clusters of the query
        // heads they feed.
        for (ObserveOp other : pusher.rebuiltObservers)
          if (other != observe)
            if (std::optional<SmallVector<int64_t>> sizes =
                    getHeadClusterSizes(observe, other, *clusters))
              other->setAttr("cluster_sizes", b.getDenseI64ArrayAttr(*sizes));
      }
    back.erase();
    fwd.erase();
    for (Operation *op : llvm::reverse(pusher.replaced))
      if (op->use_empty())
        op->erase();
    eraseDeadConstants();
    return report;
  }

  /// Whether every consumer can read the activation through an index
  /// remap: one read per consumer, with plain loop dimensions.
  static bool remappable(ArrayRef<ForwardUse> uses, int64_t axis,
                         std::string &why) {
    SmallPtrSet<Operation *, 4> owners;
    for (const ForwardUse &use : uses) {
      auto op = cast<linalg::LinalgOp>(use.activation->getOwner());
      AffineMap map = op.getMatchingIndexingMap(use.activation);
      if (!owners.insert(op).second ||
          !llvm::all_of(map.getResults(), llvm::IsaPred<AffineDimExpr>)) {
        why = "a consumer cannot read it through an index remap";
        return false;
      }
    }
    return true;
  }

  /// The fallback when the producer cannot write in cluster order: every
  /// consumer (a linear layer) becomes a generic that reads the activation
  /// at the permuted channel inside its body (the reorder fused into the
  /// load, no pass over memory) with its weight gathered along the same
  /// channels. The observer keeps the original order and records the
  /// clusters as `cluster_permutation` (channels in cluster order) and
  /// `cluster_sizes`.
  Report remapConsumers(ReorderOp fwd, ReorderOp back,
                        ArrayRef<ForwardUse> uses, Report report) {
    Value input = fwd.getInput();
    AxisPermutation p{static_cast<int64_t>(fwd.getAxis()),
                      fwd.getPermutation()};
    Value producer = input;
    if (auto observe = input.getDefiningOp<ObserveOp>())
      producer = observe.getInput();
    report.backward.push_back("none: the producer keeps its order (" +
                              BackwardPusher::describe(producer) +
                              " cannot write in cluster order)");
    for (const ForwardUse &use : uses) {
      auto op = cast<linalg::LinalgOp>(use.activation->getOwner());
      OpBuilder b(op);
      unsigned activation = use.activation->getOperandNumber();
      unsigned d =
          *getLoopDim(op.getMatchingIndexingMap(use.activation), p.axis);
      Value weight = use.weight->get();
      SmallVector<Value> operands(op->getOperands());
      operands[activation] = input;
      operands[use.weight->getOperandNumber()] =
          gatherConstant(b, weight, {use.weightAxis, p.perm});
      report.forward.push_back(BackwardPusher::describe(weight) + " (axis " +
                               std::to_string(use.weightAxis) + " gathered)");
      linalg::GenericOp generic = buildRemappedGeneric(
          b, op, operands, {{activation, d, p.perm}}, report.forward);
      op->replaceAllUsesWith(generic);
      op->erase();
    }
    if (auto observe = input.getDefiningOp<ObserveOp>()) {
      Builder b(observe.getContext());
      observe->setAttr("cluster_permutation", b.getDenseI64ArrayAttr(p.perm));
      if (std::optional<ArrayRef<int64_t>> clusters = fwd.getClusterSizes())
        observe->setAttr("cluster_sizes", b.getDenseI64ArrayAttr(*clusters));
    }
    back.erase();
    fwd.erase();
    eraseDeadConstants();
    return report;
  }

  LogicalResult writeReport(ArrayRef<Report> reports) {
    if (reportFile.empty())
      return success();
    std::string error;
    auto file = openOutputFile(reportFile, &error);
    if (!file) {
      getOperation().emitError()
          << "cannot write the reorder report: " << error;
      return failure();
    }
    llvm::raw_ostream &os = file->os();
    for (const Report &r : reports) {
      if (!r.failure.empty()) {
        os << r.id << ": not folded: " << r.failure << "\n";
        continue;
      }
      os << r.id << ": folded\n";
      for (const std::string &s : r.backward)
        os << "  backward: " << s << "\n";
      for (const std::string &s : r.forward)
        os << "  forward: " << s << "\n";
    }
    file->keep();
    return success();
  }
};
} // namespace
