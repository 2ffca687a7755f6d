//===- ReorderPropagation.cpp - moving channel permutations through IR ----===//

#include "ReorderPropagation.h"

#include "lowbit/Dialect/LowBit/Transforms/ModelIR.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace mlir::lowbit;

namespace mlir::lowbit::reorder {

std::optional<SmallVector<int64_t>>
getHeadClusterSizes(ObserveOp out, ObserveOp value, ArrayRef<int64_t> sizes) {
  std::optional<int64_t> heads = out.getHeads(), kvHeads = value.getHeads();
  auto outType = cast<RankedTensorType>(out.getType());
  auto valueType = cast<RankedTensorType>(value.getType());
  int64_t channels = outType.getDimSize(out.getChannelAxis());
  int64_t kvChannels = valueType.getDimSize(value.getChannelAxis());
  if (!heads || !kvHeads || *heads % *kvHeads ||
      ShapedType::isDynamic(channels) || channels % *heads ||
      kvChannels != channels / *heads * *kvHeads)
    return std::nullopt;
  int64_t headDim = channels / *heads, group = *heads / *kvHeads;
  // Split the sizes per head: every head's clusters sum to headDim.
  SmallVector<SmallVector<int64_t>> perHead(1);
  int64_t filled = 0;
  for (int64_t size : sizes) {
    if (filled == headDim) {
      perHead.emplace_back();
      filled = 0;
    }
    perHead.back().push_back(size);
    filled += size;
    if (filled > headDim)
      return std::nullopt;
  }
  if (filled != headDim || static_cast<int64_t>(perHead.size()) != *heads)
    return std::nullopt;
  SmallVector<int64_t> result;
  for (int64_t j = 0; j < *kvHeads; ++j)
    llvm::append_range(result, perHead[j * group]);
  return result;
}

Value gatherConstant(OpBuilder &b, Value value, AxisPermutation p) {
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

std::optional<unsigned> getLoopDim(AffineMap map, int64_t pos) {
  if (auto dim = dyn_cast<AffineDimExpr>(map.getResult(pos)))
    return dim.getPosition();
  return std::nullopt;
}

int64_t findDim(AffineMap map, unsigned d) {
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

bool isReductionDim(linalg::LinalgOp op, unsigned d) {
  return op.getIteratorTypesArray()[d] == utils::IteratorType::reduction;
}

bool isParallelDim(linalg::LinalgOp op, unsigned d) {
  return op.getIteratorTypesArray()[d] == utils::IteratorType::parallel;
}

bool opUsesIndex(linalg::LinalgOp op, unsigned d) {
  bool uses = false;
  op->walk([&](linalg::IndexOp index) { uses |= index.getDim() == d; });
  return uses;
}

std::optional<LoopPermutation>
getLoopPermutation(linalg::LinalgOp op, OpOperand &operand, AxisPermutation p) {
  AffineMap map = op.getMatchingIndexingMap(&operand);
  auto type = cast<RankedTensorType>(operand.get().getType());
  LoopPermutation s;
  s.perm = p.perm;
  s.numLoops = op.getNumLoops();
  for (int64_t i = 0; i < p.span; ++i) {
    std::optional<unsigned> d = getLoopDim(map, p.axis + i);
    if (!d || llvm::is_contained(s.dims, *d))
      return std::nullopt;
    s.dims.push_back(*d);
    s.sizes.push_back(type.getDimSize(p.axis + i));
  }
  return s;
}

/// The flat index over axes of extents `axisSizes` of the results at
/// `positions` of `map` at loop coordinates `loops`; -1 when out of range.
static int64_t evaluateAxes(AffineMap map, ArrayRef<int64_t> positions,
                            ArrayRef<int64_t> axisSizes,
                            ArrayRef<int64_t> loops) {
  SmallVector<int64_t> values = map.compose(loops);
  int64_t flat = 0;
  for (auto [pos, size] : llvm::zip_equal(positions, axisSizes)) {
    int64_t v = values[pos];
    if (v < 0 || v >= size)
      return -1;
    flat = flat * size + v;
  }
  return flat;
}

std::optional<SmallVector<int64_t>>
getPermutedPositions(AffineMap map, const LoopPermutation &s) {
  SmallVector<int64_t> positions;
  for (auto [pos, expr] : llvm::enumerate(map.getResults())) {
    if (!s.dependsOn(expr))
      continue;
    for (unsigned d = 0; d < map.getNumDims(); ++d)
      if (!llvm::is_contained(s.dims, d) && expr.isFunctionOfDim(d))
        return std::nullopt;
    if (!positions.empty() && positions.back() + 1 != static_cast<int64_t>(pos))
      return std::nullopt;
    positions.push_back(pos);
  }
  return positions;
}

std::optional<SmallVector<int64_t>> getInducedTable(AffineMap map,
                                                    ArrayRef<int64_t> positions,
                                                    ArrayRef<int64_t> axisSizes,
                                                    const LoopPermutation &s,
                                                    ArrayRef<unsigned> extra) {
  int64_t axesSize = 1, extraSize = 1;
  for (int64_t size : axisSizes)
    axesSize *= size;
  for (unsigned e : extra)
    extraSize *= s.sizes[e];
  SmallVector<int64_t> table(extraSize * axesSize, -1);
  for (auto [x, image] : llvm::enumerate(s.perm)) {
    SmallVector<int64_t> loops = s.point(x);
    int64_t from = evaluateAxes(map, positions, axisSizes, loops);
    int64_t to = evaluateAxes(map, positions, axisSizes, s.point(image));
    if (from < 0 || to < 0)
      return std::nullopt;
    int64_t key = 0;
    for (unsigned e : extra)
      key = key * s.sizes[e] + loops[s.dims[e]];
    key = key * axesSize + from;
    if (table[key] != -1 && table[key] != to)
      return std::nullopt;
    table[key] = to;
  }
  if (llvm::is_contained(table, -1))
    return std::nullopt;
  return table;
}

std::optional<SmallVector<int64_t>>
getInducedPermutation(AffineMap map, ArrayRef<int64_t> positions,
                      ArrayRef<int64_t> axisSizes, const LoopPermutation &s) {
  std::optional<SmallVector<int64_t>> table =
      getInducedTable(map, positions, axisSizes, s);
  if (!table)
    return std::nullopt;
  SmallVector<bool> seen(table->size(), false);
  for (int64_t v : *table) {
    if (seen[v])
      return std::nullopt;
    seen[v] = true;
  }
  return table;
}

bool readsConsistently(AffineMap map, ArrayRef<int64_t> positions,
                       ArrayRef<int64_t> axisSizes, const LoopPermutation &s,
                       ArrayRef<int64_t> perm) {
  for (auto [pos, expr] : llvm::enumerate(map.getResults())) {
    bool inside = llvm::is_contained(positions, static_cast<int64_t>(pos));
    for (unsigned d = 0; d < map.getNumDims(); ++d)
      if (expr.isFunctionOfDim(d) && llvm::is_contained(s.dims, d) != inside)
        return false;
  }
  for (auto [x, image] : llvm::enumerate(s.perm)) {
    int64_t from = evaluateAxes(map, positions, axisSizes, s.point(x));
    int64_t to = evaluateAxes(map, positions, axisSizes, s.point(image));
    if (from < 0 || to < 0 || perm[from] != to)
      return false;
  }
  return true;
}

bool isIdentity(ArrayRef<int64_t> perm) {
  for (auto [i, v] : llvm::enumerate(perm))
    if (static_cast<int64_t>(i) != v)
      return false;
  return true;
}

SmallVector<int64_t> getAxisSizes(Value value, ArrayRef<int64_t> positions) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<int64_t> sizes;
  for (int64_t pos : positions)
    sizes.push_back(type.getDimSize(pos));
  return sizes;
}

std::string describeOp(Operation *op) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "'" << op->getName() << "' at " << op->getLoc();
  return s;
}

std::string describeValue(Value value) {
  std::string name = getConstantName(value);
  if (!name.empty())
    return "weight " + name;
  if (Operation *def = value.getDefiningOp())
    return describeOp(def);
  return "block argument";
}

linalg::GenericOp buildRemappedGeneric(OpBuilder &b, linalg::LinalgOp op,
                                       ArrayRef<Value> operands,
                                       ArrayRef<RemappedOperand> remapped,
                                       std::vector<std::string> &log) {
  Location loc = op.getLoc();
  auto find = [&](unsigned i) -> const RemappedOperand * {
    for (const RemappedOperand &r : remapped)
      if (r.operand == i)
        return &r;
    return nullptr;
  };
  SmallVector<Value> inputs, outputs;
  SmallVector<AffineMap> maps;
  SmallVector<AffineMap> oldMaps = op.getIndexingMapsArray();
  for (auto [i, value] : llvm::enumerate(operands)) {
    if (find(i))
      continue;
    (static_cast<int64_t>(i) < op.getNumDpsInputs() ? inputs : outputs)
        .push_back(value);
    maps.push_back(oldMaps[i]);
  }
  auto generic =
      linalg::GenericOp::create(b, loc, op->getResultTypes(), inputs, outputs,
                                maps, op.getIteratorTypesArray());
  Block *oldBody = op.getBlock();
  Block *body = b.createBlock(&generic.getRegion());
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(body);
  IRMapping mapping;
  for (auto [i, arg] : llvm::enumerate(oldBody->getArguments()))
    if (!find(i))
      mapping.map(arg, body->addArgument(arg.getType(), arg.getLoc()));
  for (const RemappedOperand &r : remapped) {
    Value source = operands[r.operand];
    AffineMap map = oldMaps[r.operand];
    std::vector<int32_t> perm(r.perm.begin(), r.perm.end());
    auto permType = RankedTensorType::get({static_cast<int64_t>(perm.size())},
                                          b.getI32Type());
    Value table = arith::ConstantOp::create(
        b, loc, DenseIntElementsAttr::get(permType, ArrayRef<int32_t>(perm)));
    SmallVector<Value> indices;
    for (AffineExpr expr : map.getResults()) {
      unsigned dim = cast<AffineDimExpr>(expr).getPosition();
      Value index = linalg::IndexOp::create(b, loc, dim);
      if (dim == r.dim) {
        Value entry = tensor::ExtractOp::create(b, loc, table, index);
        index = arith::IndexCastOp::create(b, loc, b.getIndexType(), entry);
      }
      indices.push_back(index);
    }
    mapping.map(oldBody->getArgument(r.operand),
                tensor::ExtractOp::create(b, loc, source, indices));
    log.push_back("index remap of " + describeValue(source) +
                  " fused into the load of " + describeOp(op));
  }
  for (Operation &inner : oldBody->getOperations())
    b.clone(inner, mapping);
  return generic;
}

//===----------------------------------------------------------------------===//
// BackwardPusher
//===----------------------------------------------------------------------===//

std::optional<Value> BackwardPusher::push(OpBuilder *b, Value value,
                                          AxisPermutation p, Operation *from) {
  if (hasConstantData(value)) {
    if (!b)
      return value;
    OpBuilder::InsertionGuard guard(*b);
    b->setInsertionPointAfterValue(value);
    report.backward.push_back(describe(value) + " (gathered)");
    return gatherConstant(*b, value, p);
  }
  if (!onlyInvariantOtherUsers(value, p, from))
    return std::nullopt;
  std::optional<Value> permuted = pushThroughDefiningOp(b, value, p);
  if (!b || !permuted || *permuted == value)
    return permuted;
  // The other users reduce over the permuted axis and nothing else they read
  // depends on it: they read the permuted value too, so that the producer in
  // the original order dies instead of being computed twice.
  value.replaceUsesWithIf(
      *permuted, [&](OpOperand &use) { return use.getOwner() != from; });
  return permuted;
}

std::optional<Value> BackwardPusher::pushThroughDefiningOp(OpBuilder *b,
                                                           Value value,
                                                           AxisPermutation p) {
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

bool BackwardPusher::onlyInvariantOtherUsers(Value value, AxisPermutation p,
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
    if (opUsesIndex(linalgOp, *d))
      return false;
  }
  return true;
}

std::optional<Value> BackwardPusher::pushThroughObserve(OpBuilder *b,
                                                        ObserveOp observe,
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
  rebuiltObservers.push_back(permuted);
  return permuted.getResult();
}

std::optional<Value>
BackwardPusher::pushThroughReshape(OpBuilder *b, Operation *op,
                                   AxisPermutation srcPermutation) {
  std::optional<Value> src = push(b, op->getOperand(0), srcPermutation, op);
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

std::optional<Value>
BackwardPusher::pushThroughCollapse(OpBuilder *b, tensor::CollapseShapeOp op,
                                    AxisPermutation p) {
  if (p.span != 1)
    return std::nullopt;
  ReassociationIndices group = op.getReassociationIndices()[p.axis];
  AxisPermutation inner{group.front(), p.perm,
                        static_cast<int64_t>(group.size())};
  return pushThroughReshape(b, op, inner);
}

std::optional<Value> BackwardPusher::pushThroughExpand(OpBuilder *b,
                                                       tensor::ExpandShapeOp op,
                                                       AxisPermutation p) {
  for (auto [srcAxis, group] : llvm::enumerate(op.getReassociationIndices())) {
    if (group.front() != p.axis || static_cast<int64_t>(group.size()) != p.span)
      continue;
    return pushThroughReshape(b, op,
                              {static_cast<int64_t>(srcAxis), p.perm, 1});
  }
  return std::nullopt;
}

std::optional<Value> BackwardPusher::pushThroughLinalg(OpBuilder *b,
                                                       linalg::LinalgOp op,
                                                       AxisPermutation p) {
  OpOperand *init = op.getDpsInitOperand(0);
  std::optional<LoopPermutation> s = getLoopPermutation(op, *init, p);
  if (!s)
    return std::nullopt;
  for (unsigned d : s->dims)
    if (!isParallelDim(op, d) || (opUsesIndex(op, d) && s->moves(d)))
      return std::nullopt;
  auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
  SmallVector<Value> operands;
  SmallVector<RemappedOperand> remapped;
  SmallVector<SmallVector<int64_t>> induced; // keeps ArrayRefs alive
  induced.reserve(op->getNumOperands());
  for (OpOperand &operand : op->getOpOperands()) {
    AffineMap map = op.getMatchingIndexingMap(&operand);
    std::optional<SmallVector<int64_t>> positions =
        getPermutedPositions(map, *s);
    if (!positions)
      return std::nullopt;
    if (positions->empty() ||
        (op.isDpsInit(&operand) && isPermutationInvariant(operand.get()))) {
      operands.push_back(operand.get());
      continue;
    }
    std::optional<SmallVector<int64_t>> perm = getInducedPermutation(
        map, *positions, getAxisSizes(operand.get(), *positions), *s);
    if (!perm)
      return std::nullopt;
    if (isIdentity(*perm)) {
      operands.push_back(operand.get());
      continue;
    }
    induced.push_back(std::move(*perm));
    AxisPermutation inner{positions->front(), induced.back(),
                          static_cast<int64_t>(positions->size())};
    if (push(nullptr, operand.get(), inner, op)) {
      operands.push_back(b ? *push(b, operand.get(), inner, op)
                           : operand.get());
      continue;
    }
    // Keep the operand's order and remap its load (generic inputs read
    // along one permuted loop only).
    std::optional<unsigned> d = positions->size() == 1
                                    ? getLoopDim(map, positions->front())
                                    : std::nullopt;
    if (!generic || !op.isDpsInput(&operand) || !d ||
        !llvm::all_of(map.getResults(), llvm::IsaPred<AffineDimExpr>))
      return std::nullopt;
    remapped.push_back({operand.getOperandNumber(), *d, induced.back()});
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
    result =
        buildRemappedGeneric(*b, generic, operands, remapped, report.backward)
            .getResult(0);
  }
  report.backward.push_back(describe(op));
  replaced.push_back(op);
  return result;
}

bool BackwardPusher::isPermutationInvariant(Value value) {
  return value.getDefiningOp<tensor::EmptyOp>() ||
         value.getDefiningOp<linalg::FillOp>();
}

} // namespace mlir::lowbit::reorder
