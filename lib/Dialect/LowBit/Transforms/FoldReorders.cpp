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
// load of the op that reads it. Where either direction is impossible, the
// pair is cancelled (it is the identity) and the report says why.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/Transforms/Passes.h"
#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"

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

namespace {

/// A permutation of `span` adjacent axes starting at `axis`, flattened in
/// row-major order: the permuted value at flat index i holds the original
/// value at flat index perm[i]. `span` > 1 arises where heads were split off
/// a channel axis ([H*Dh] -> [H, Dh]).
struct AxisPermutation {
  int64_t axis;
  ArrayRef<int64_t> perm;
  int64_t span = 1;
};

/// Reads the f32 data of a constant tensor, dense or dense_resource.
static std::optional<std::vector<float>> getConstantData(Value value) {
  auto cst = value.getDefiningOp<arith::ConstantOp>();
  if (!cst)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(cst.getType());
  if (!type || !type.getElementType().isF32() || !type.hasStaticShape())
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(cst.getValue())) {
    std::vector<float> data;
    for (APFloat v : dense.getValues<APFloat>())
      data.push_back(v.convertToFloat());
    return data;
  }
  if (auto resource = dyn_cast<DenseF32ResourceElementsAttr>(cst.getValue()))
    if (std::optional<ArrayRef<float>> data = resource.tryGetAsArrayRef())
      return std::vector<float>(data->begin(), data->end());
  return std::nullopt;
}

/// The name of a constant's resource blob, for reports ("" if dense).
static std::string getConstantName(Value value) {
  if (auto cst = value.getDefiningOp<arith::ConstantOp>())
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(cst.getValue()))
      return resource.getRawHandle().getKey().str();
  return "";
}

/// Creates a constant holding `value` gathered by `p` (a new resource blob
/// for resource constants, so tied weights elsewhere keep theirs).
static Value gatherConstant(OpBuilder &b, Value value, AxisPermutation p) {
  auto type = cast<RankedTensorType>(value.getType());
  std::vector<float> data = *getConstantData(value);
  ArrayRef<int64_t> shape = type.getShape();
  int64_t outer = 1, inner = 1, dim = 1;
  for (int64_t d = 0; d < p.axis; ++d)
    outer *= shape[d];
  for (int64_t d = p.axis; d < p.axis + p.span; ++d)
    dim *= shape[d];
  for (int64_t d = p.axis + p.span, e = shape.size(); d < e; ++d)
    inner *= shape[d];
  std::vector<float> out(data.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < dim; ++i)
      std::copy_n(&data[(o * dim + p.perm[i]) * inner], inner,
                  &out[(o * dim + i) * inner]);
  Location loc = value.getLoc();
  std::string name = getConstantName(value);
  Attribute attr;
  if (!name.empty())
    attr = DenseF32ResourceElementsAttr::get(
        type, name + ".reordered",
        HeapAsmResourceBlob::allocateAndCopyInferAlign(ArrayRef<float>(out)));
  else
    attr = DenseElementsAttr::get(type, ArrayRef<float>(out));
  return arith::ConstantOp::create(b, loc, cast<TypedAttr>(attr));
}

/// The loop dimension behind result position `pos` of `map`, if that result
/// is a plain dimension.
static std::optional<unsigned> getLoopDim(AffineMap map, int64_t pos) {
  if (auto dim = dyn_cast<AffineDimExpr>(map.getResult(pos)))
    return dim.getPosition();
  return std::nullopt;
}

/// The result position of loop dimension `d` in `map`: -1 if absent, -2 if
/// it appears inside a compound expression or more than once.
static int64_t findDim(AffineMap map, unsigned d) {
  int64_t found = -1;
  for (auto [pos, expr] : llvm::enumerate(map.getResults())) {
    if (!expr.isFunctionOfDim(d))
      continue;
    if (found != -1 || !isa<AffineDimExpr>(expr))
      return -2;
    found = pos;
  }
  return found;
}

static bool isReductionDim(linalg::LinalgOp op, unsigned d) {
  return op.getIteratorTypesArray()[d] == utils::IteratorType::reduction;
}

static bool isParallelDim(linalg::LinalgOp op, unsigned d) {
  return op.getIteratorTypesArray()[d] == utils::IteratorType::parallel;
}

/// Records what happened to one planned reorder.
struct Report {
  std::string id;
  std::vector<std::string> backward; // what absorbed P
  std::vector<std::string> forward;  // what absorbed P^-1
  std::string failure;               // why the pair was cancelled
};

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

private:
  /// With `b` null this only checks feasibility and returns `value`.
  std::optional<Value> push(OpBuilder *b, Value value, AxisPermutation p,
                            Operation *from) {
    if (getConstantData(value)) {
      if (!b)
        return value;
      OpBuilder::InsertionGuard guard(*b);
      b->setInsertionPointAfterValue(value);
      report.backward.push_back(describe(value) + " (gathered)");
      return gatherConstant(*b, value, p);
    }
    if (!onlyInvariantOtherUsers(value, p, from))
      return std::nullopt;
    Operation *def = value.getDefiningOp();
    if (auto observe = dyn_cast_or_null<ObserveOp>(def))
      return pushThroughObserve(b, observe, p);
    if (auto collapse = dyn_cast_or_null<tensor::CollapseShapeOp>(def))
      return pushThroughCollapse(b, collapse, p);
    if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(def))
      return pushThroughExpand(b, expand, p);
    auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(def);
    if (!linalgOp || linalgOp->getNumResults() != 1 ||
        linalgOp.getNumDpsInits() != 1)
      return std::nullopt;
    return pushThroughLinalg(b, linalgOp, p);
  }

  /// True when every user of `value` other than `from` is unaffected by
  /// permuting it: a reduction over the permuted axis that reads no other
  /// operand along that axis (mean, variance, sum of squares).
  bool onlyInvariantOtherUsers(Value value, AxisPermutation p,
                               Operation *from) {
    for (OpOperand &use : value.getUses()) {
      Operation *user = use.getOwner();
      if (user == from)
        continue;
      if (p.span != 1)
        return false;
      auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
      if (!linalgOp || !linalgOp.isDpsInput(&use))
        return false;
      std::optional<unsigned> d =
          getLoopDim(linalgOp.getMatchingIndexingMap(&use), p.axis);
      if (!d || !isReductionDim(linalgOp, *d))
        return false;
      for (OpOperand &other : linalgOp->getOpOperands())
        if (&other != &use &&
            findDim(linalgOp.getMatchingIndexingMap(&other), *d) != -1)
          return false;
      if (usesIndex(linalgOp, *d))
        return false;
    }
    return true;
  }

public:
  static bool usesIndexOf(linalg::LinalgOp op, unsigned d) {
    return usesIndex(op, d);
  }

private:
  static bool usesIndex(linalg::LinalgOp op, unsigned d) {
    bool uses = false;
    op->walk([&](linalg::IndexOp index) { uses |= index.getDim() == d; });
    return uses;
  }

  std::optional<Value> pushThroughObserve(OpBuilder *b, ObserveOp observe,
                                          AxisPermutation p) {
    if (observe.getChannelAxis() != p.axis || p.span != 1)
      return std::nullopt;
    std::optional<Value> input = push(b, observe.getInput(), p, observe);
    if (!input || !b)
      return input;
    OpBuilder::InsertionGuard guard(*b);
    b->setInsertionPoint(observe);
    // The observer now sees channels in cluster order: permute its stats.
    auto permuted = cast<ObserveOp>(b->clone(*observe));
    permuted.getInputMutable().assign(*input);
    if (std::optional<ArrayRef<float>> min = observe.getMin()) {
      ArrayRef<float> max = *observe.getMax();
      SmallVector<float> newMin, newMax;
      for (int64_t i : p.perm) {
        newMin.push_back((*min)[i]);
        newMax.push_back(max[i]);
      }
      permuted.setMinAttr(b->getDenseF32ArrayAttr(newMin));
      permuted.setMaxAttr(b->getDenseF32ArrayAttr(newMax));
    }
    replaced.push_back(observe);
    return permuted.getResult();
  }

  /// Pushes `srcPermutation` into the source of a reshape (operand 0) and
  /// rebuilds the reshape on the permuted source.
  std::optional<Value> pushThroughReshape(OpBuilder *b, Operation *op,
                                          AxisPermutation srcPermutation) {
    std::optional<Value> src =
        push(b, op->getOperand(0), srcPermutation, op);
    if (!src || !b)
      return src ? std::optional<Value>(op->getResult(0)) : std::nullopt;
    OpBuilder::InsertionGuard guard(*b);
    b->setInsertionPoint(op);
    Operation *clone = b->clone(*op);
    clone->setOperand(0, *src);
    report.backward.push_back(describe(op));
    replaced.push_back(op);
    return clone->getResult(0);
  }

  /// collapse_shape merging [H, Dh] into one channel axis: the channel
  /// permutation becomes a permutation of the merged source axes.
  std::optional<Value> pushThroughCollapse(OpBuilder *b,
                                           tensor::CollapseShapeOp op,
                                           AxisPermutation p) {
    if (p.span != 1)
      return std::nullopt;
    ReassociationIndices group = op.getReassociationIndices()[p.axis];
    AxisPermutation inner{group.front(), p.perm,
                          static_cast<int64_t>(group.size())};
    return pushThroughReshape(b, op, inner);
  }

  /// expand_shape splitting a channel axis into [H, Dh]: a permutation of
  /// exactly the split axes is a permutation of the source channel axis.
  std::optional<Value> pushThroughExpand(OpBuilder *b,
                                         tensor::ExpandShapeOp op,
                                         AxisPermutation p) {
    for (auto [srcAxis, group] :
         llvm::enumerate(op.getReassociationIndices())) {
      if (group.front() != p.axis ||
          static_cast<int64_t>(group.size()) != p.span)
        continue;
      return pushThroughReshape(
          b, op, {static_cast<int64_t>(srcAxis), p.perm, 1});
    }
    return std::nullopt;
  }

public:
  /// Restricts a permutation over axes of `sizes` to the axes in `keep`
  /// (row-major flat indices over the kept axes). Fails unless the kept
  /// coordinates of every image depend only on the kept coordinates.
  static std::optional<SmallVector<int64_t>>
  projectPermutation(ArrayRef<int64_t> perm, ArrayRef<int64_t> sizes,
                     ArrayRef<bool> keep) {
    int64_t keptSize = 1;
    for (auto [size, k] : llvm::zip_equal(sizes, keep))
      if (k)
        keptSize *= size;
    SmallVector<int64_t> projected(keptSize, -1);
    auto keptIndex = [&](int64_t flat) {
      int64_t index = 0;
      SmallVector<int64_t> coords(sizes.size());
      for (int64_t d = sizes.size() - 1; d >= 0; --d) {
        coords[d] = flat % sizes[d];
        flat /= sizes[d];
      }
      for (auto [d, c] : llvm::enumerate(coords))
        if (keep[d])
          index = index * sizes[d] + c;
      return index;
    };
    for (auto [i, image] : llvm::enumerate(perm)) {
      int64_t from = keptIndex(i), to = keptIndex(image);
      if (projected[from] != -1 && projected[from] != to)
        return std::nullopt;
      projected[from] = to;
    }
    return projected;
  }

private:
  /// A linalg op whose result axis is a parallel loop dimension d: every
  /// operand indexed by d is permuted along its matching axis (constants
  /// gathered, single-purpose producers rebuilt, others read through an
  /// index remap); operands not indexed by d are untouched.
  std::optional<Value> pushThroughLinalg(OpBuilder *b, linalg::LinalgOp op,
                                         AxisPermutation p) {
    OpOperand *init = op.getDpsInitOperand(0);
    AffineMap initMap = op.getMatchingIndexingMap(init);
    SmallVector<unsigned> dims;
    SmallVector<int64_t> sizes;
    auto initType = cast<RankedTensorType>(init->get().getType());
    for (int64_t i = 0; i < p.span; ++i) {
      std::optional<unsigned> d = getLoopDim(initMap, p.axis + i);
      if (!d || !isParallelDim(op, *d) || usesIndex(op, *d))
        return std::nullopt;
      dims.push_back(*d);
      sizes.push_back(initType.getDimSize(p.axis + i));
    }
    auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
    SmallVector<Value> operands;
    SmallVector<unsigned> remapped; // inputs read through an index remap
    SmallVector<SmallVector<int64_t>> projections; // keeps ArrayRefs alive
    projections.reserve(op->getNumOperands());
    for (OpOperand &operand : op->getOpOperands()) {
      AffineMap map = op.getMatchingIndexingMap(&operand);
      SmallVector<int64_t> positions;
      SmallVector<bool> keep;
      for (unsigned d : dims) {
        int64_t pos = findDim(map, d);
        if (pos == -2)
          return std::nullopt;
        keep.push_back(pos != -1);
        if (pos != -1)
          positions.push_back(pos);
      }
      if (positions.empty() ||
          (op.isDpsInit(&operand) && isPermutationInvariant(operand.get()))) {
        operands.push_back(operand.get());
        continue;
      }
      // The operand's axes along the permuted loop dims, in order.
      for (auto [i, pos] : llvm::enumerate(positions))
        if (pos != positions.front() + static_cast<int64_t>(i))
          return std::nullopt;
      ArrayRef<int64_t> perm = p.perm;
      if (positions.size() != dims.size()) {
        std::optional<SmallVector<int64_t>> projected =
            projectPermutation(p.perm, sizes, keep);
        if (!projected)
          return std::nullopt;
        bool identity = true;
        for (auto [i, v] : llvm::enumerate(*projected))
          identity &= static_cast<int64_t>(i) == v;
        if (identity) {
          operands.push_back(operand.get());
          continue;
        }
        projections.push_back(std::move(*projected));
        perm = projections.back();
      }
      AxisPermutation inner{positions.front(), perm,
                            static_cast<int64_t>(positions.size())};
      if (std::optional<Value> permuted =
              push(nullptr, operand.get(), inner, op)) {
        operands.push_back(b ? *push(b, operand.get(), inner, op)
                             : operand.get());
        continue;
      }
      // Keep the operand's order and remap the load (generic inputs only).
      if (!generic || !op.isDpsInput(&operand) || p.span != 1)
        return std::nullopt;
      remapped.push_back(operand.getOperandNumber());
      operands.push_back(operand.get());
    }
    if (!b)
      return op->getResult(0);
    OpBuilder::InsertionGuard guard(*b);
    b->setInsertionPoint(op);
    Value result;
    if (remapped.empty()) {
      Operation *clone = b->clone(*op);
      clone->setOperands(operands);
      result = clone->getResult(0);
    } else {
      result = buildRemappedGeneric(*b, generic, operands, remapped, dims[0],
                                    p);
    }
    report.backward.push_back(describe(op));
    replaced.push_back(op);
    return result;
  }

  /// An init that is the same value everywhere (a fill or an empty tensor)
  /// does not change under a permutation.
  static bool isPermutationInvariant(Value value) {
    return value.getDefiningOp<tensor::EmptyOp>() ||
           value.getDefiningOp<linalg::FillOp>();
  }

  /// Rebuilds `op` with the inputs listed in `remapped` read inside the body
  /// as input[..., perm[i_d], ...] instead of through an indexing map.
  Value buildRemappedGeneric(OpBuilder &b, linalg::GenericOp op,
                             ArrayRef<Value> operands,
                             ArrayRef<unsigned> remapped, unsigned d,
                             AxisPermutation p) {
    Location loc = op.getLoc();
    SmallVector<Value> inputs, outputs;
    SmallVector<AffineMap> maps;
    SmallVector<AffineMap> oldMaps = op.getIndexingMapsArray();
    for (auto [i, value] : llvm::enumerate(operands)) {
      if (llvm::is_contained(remapped, i))
        continue;
      (static_cast<int64_t>(i) < op.getNumDpsInputs() ? inputs : outputs).push_back(value);
      maps.push_back(oldMaps[i]);
    }
    auto generic = linalg::GenericOp::create(
        b, loc, op->getResultTypes(), inputs, outputs, maps,
        op.getIteratorTypesArray());
    Block *oldBody = op.getBody();
    Block *body = b.createBlock(&generic.getRegion());
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(body);
    IRMapping mapping;
    for (auto [i, arg] : llvm::enumerate(oldBody->getArguments()))
      if (!llvm::is_contained(remapped, i))
        mapping.map(arg, body->addArgument(arg.getType(), arg.getLoc()));
    for (unsigned i : remapped) {
      Value source = operands[i];
      AffineMap map = oldMaps[i];
      std::vector<int32_t> perm(p.perm.begin(), p.perm.end());
      auto permType = RankedTensorType::get(
          {static_cast<int64_t>(perm.size())}, b.getI32Type());
      Value table = arith::ConstantOp::create(
          b, loc, DenseIntElementsAttr::get(permType, ArrayRef<int32_t>(perm)));
      SmallVector<Value> indices;
      for (AffineExpr expr : map.getResults()) {
        unsigned dim = cast<AffineDimExpr>(expr).getPosition();
        Value index = linalg::IndexOp::create(b, loc, dim);
        if (dim == d) {
          Value entry = tensor::ExtractOp::create(b, loc, table, index);
          index = arith::IndexCastOp::create(b, loc, b.getIndexType(), entry);
        }
        indices.push_back(index);
      }
      mapping.map(oldBody->getArgument(i),
                  tensor::ExtractOp::create(b, loc, source, indices));
      report.backward.push_back("index remap of " + describe(source) +
                                " fused into the load of " + describe(op));
    }
    for (Operation &inner : oldBody->getOperations())
      b.clone(inner, mapping);
    return generic.getResult(0);
  }

public:
  static std::string describe(Value value) {
    std::string name = getConstantName(value);
    if (!name.empty())
      return "weight " + name;
    if (Operation *def = value.getDefiningOp())
      return describe(def);
    return "block argument";
  }

  static std::string describe(Operation *op) {
    std::string s;
    llvm::raw_string_ostream os(s);
    os << "'" << op->getName() << "' at " << op->getLoc();
    return s;
  }

private:
  Report &report;
};

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
      if (pos == -2 || weight || !getConstantData(other.get())) {
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

/// The forward path of a permuted value to the contraction that consumes
/// it: single-use elementwise generics whose other operands do not depend on
/// the permuted dims, and expand_shapes, ending at a linalg op that reduces
/// over (some of) the permuted dims.
struct ForwardChain {
  SmallVector<Operation *> ops;
  linalg::LinalgOp terminal;
  OpOperand *operand = nullptr;
  SmallVector<unsigned> dims; // loop dims of the permuted axes in `terminal`
  AxisPermutation p;
};

static std::optional<ForwardChain> followChain(Value value,
                                               AxisPermutation p) {
  ForwardChain chain;
  while (true) {
    if (!value.hasOneUse())
      return std::nullopt;
    OpOperand &use = *value.getUses().begin();
    Operation *user = use.getOwner();
    if (auto expand = dyn_cast<tensor::ExpandShapeOp>(user)) {
      if (p.span != 1)
        return std::nullopt;
      ReassociationIndices group = expand.getReassociationIndices()[p.axis];
      p = {group.front(), p.perm, static_cast<int64_t>(group.size())};
      chain.ops.push_back(expand);
      value = expand.getResult();
      continue;
    }
    auto op = dyn_cast<linalg::LinalgOp>(user);
    if (!op || !op.isDpsInput(&use) || op->getNumResults() != 1)
      return std::nullopt;
    AffineMap map = op.getMatchingIndexingMap(&use);
    SmallVector<unsigned> dims;
    for (int64_t i = 0; i < p.span; ++i) {
      std::optional<unsigned> d = getLoopDim(map, p.axis + i);
      if (!d)
        return std::nullopt;
      dims.push_back(*d);
    }
    bool reduces = llvm::any_of(
        dims, [&](unsigned d) { return isReductionDim(op, d); });
    if (reduces) {
      chain.terminal = op;
      chain.operand = &use;
      chain.dims = dims;
      chain.p = p;
      return chain;
    }
    // Elementwise along the permuted dims: only this operand and the output
    // (at the same, contiguous positions) may depend on them.
    AffineMap out = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    int64_t first = findDim(out, dims[0]);
    if (first < 0)
      return std::nullopt;
    for (auto [i, d] : llvm::enumerate(dims)) {
      if (findDim(out, d) != first + static_cast<int64_t>(i))
        return std::nullopt;
      for (OpOperand &other : op->getOpOperands())
        if (&other != &use && !op.isDpsInit(&other) &&
            findDim(op.getMatchingIndexingMap(&other), d) != -1)
          return std::nullopt;
      if (BackwardPusher::usesIndexOf(op, d))
        return std::nullopt;
    }
    chain.ops.push_back(op);
    p = {first, p.perm, p.span};
    value = op->getResult(0);
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
        emitRemark(loc) << "reorder of '" << r.id << "' folded: "
                        << r.backward.size() << " producer change(s), "
                        << r.forward.size() << " consumer weight(s)";
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
      chains.push_back(followChain(
          back.getResult(), {static_cast<int64_t>(fwd.getAxis()),
                             fwd.getPermutation()}));
    SmallVector<bool> done(pairs.size(), false);
    for (size_t i = 0; i < pairs.size(); ++i) {
      for (size_t j = i + 1; j < pairs.size() && chains[i] && !done[i]; ++j) {
        if (done[j] || !chains[j] ||
            !jointFoldable(*chains[i], *chains[j], pairs[i].first,
                           pairs[j].first))
          continue;
        reports.push_back(foldJoint(pairs[i], *chains[i], pairs[j],
                                    *chains[j]));
        done[i] = done[j] = true;
      }
    }
    SmallVector<std::pair<ReorderOp, ReorderOp>> rest;
    for (auto [pair, d] : llvm::zip_equal(pairs, done))
      if (!d)
        rest.push_back(pair);
    pairs.assign(rest.begin(), rest.end());
  }

  bool jointFoldable(const ForwardChain &a, const ForwardChain &b,
                     ReorderOp fwdA, ReorderOp fwdB) {
    if (a.terminal != b.terminal || a.operand == b.operand ||
        a.dims != b.dims || a.p.span != b.p.span ||
        fwdA.getPermutation() != fwdB.getPermutation())
      return false;
    linalg::LinalgOp op = a.terminal;
    // Dims seen by any other operand (or the output) must be left alone by
    // the permutation: its projection onto them is the identity.
    auto type = cast<RankedTensorType>(a.operand->get().getType());
    SmallVector<int64_t> sizes;
    for (int64_t i = 0; i < a.p.span; ++i)
      sizes.push_back(type.getDimSize(a.p.axis + i));
    for (OpOperand &other : op->getOpOperands()) {
      if (&other == a.operand || &other == b.operand)
        continue;
      AffineMap map = op.getMatchingIndexingMap(&other);
      SmallVector<bool> keep;
      bool any = false;
      for (unsigned d : a.dims) {
        int64_t pos = findDim(map, d);
        if (pos == -2)
          return false;
        keep.push_back(pos != -1);
        any |= pos != -1;
      }
      if (!any)
        continue;
      std::optional<SmallVector<int64_t>> projected =
          BackwardPusher::projectPermutation(fwdA.getPermutation(), sizes,
                                             keep);
      if (!projected)
        return false;
      for (auto [i, v] : llvm::enumerate(*projected))
        if (static_cast<int64_t>(i) != v)
          return false;
    }
    for (unsigned d : a.dims)
      if (BackwardPusher::usesIndexOf(op, d))
        return false;
    // Both producers must be able to write in cluster order.
    Report scratch;
    BackwardPusher pusher(scratch);
    AxisPermutation pa{static_cast<int64_t>(fwdA.getAxis()),
                       fwdA.getPermutation()};
    return pusher.canPush(fwdA.getInput(), pa, fwdA) &&
           pusher.canPush(fwdB.getInput(), pa, fwdB);
  }

  Report foldJoint(std::pair<ReorderOp, ReorderOp> a, const ForwardChain &ca,
                   std::pair<ReorderOp, ReorderOp> b, const ForwardChain &cb) {
    Report report;
    report.id = describeId(a.first.getInput()) + " + " +
                describeId(b.first.getInput());
    Location loc = a.first.getInput().getLoc();
    for (auto [pair, chain] : {std::make_pair(a, &ca), std::make_pair(b, &cb)}) {
      auto [fwd, back] = pair;
      AxisPermutation p{static_cast<int64_t>(fwd.getAxis()),
                        fwd.getPermutation()};
      BackwardPusher pusher(report);
      Value value = pusher.apply(fwd.getInput(), p, fwd);
      // Rebuild the forward path on the permuted value.
      Operation *previous = back;
      for (Operation *op : chain->ops) {
        OpBuilder builder(op);
        Operation *clone = builder.clone(*op);
        for (OpOperand &operand : clone->getOpOperands())
          if (operand.get() == previous->getResult(0))
            operand.set(value);
        value = clone->getResult(0);
        previous = op;
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
    if (forward && !pusher.canPush(fwd.getInput(), p, fwd))
      why = "the producer cannot write in cluster order";
    if (!forward || !pusher.canPush(fwd.getInput(), p, fwd)) {
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
      if (std::optional<ArrayRef<int64_t>> clusters = fwd.getClusterSizes())
        observe->setAttr("cluster_sizes",
                         b.getDenseI64ArrayAttr(*clusters));
    back.erase();
    fwd.erase();
    for (Operation *op : llvm::reverse(pusher.replaced))
      if (op->use_empty())
        op->erase();
    eraseDeadConstants();
    return report;
  }

  LogicalResult writeReport(ArrayRef<Report> reports) {
    if (reportFile.empty())
      return success();
    std::string error;
    auto file = openOutputFile(reportFile, &error);
    if (!file) {
      getOperation().emitError() << "cannot write the reorder report: "
                                 << error;
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
