//===- InsertObservers.cpp - lowbit.observe on calibrated activations -----===//
//
// Puts a `lowbit.observe` on the activations that calibration measures
// (docs/model-ir.md, "Observers"; docs/calibration.md):
//
//   * `<weight>.in` on the activation operand of every `linalg.matmul` whose
//     other operand is a constant weight. One observer per distinct activation
//     value; when several linears read the same activation (q, k and v), the
//     observer is named after the first of them in program order.
//   * `<weight>.out` with `heads = H` on the output of every such linear
//     (after its bias add, if any) that is split into heads: it reaches a
//     `tensor.expand_shape` [..., H*Dh] -> [..., H, Dh], directly or through
//     elementwise ops (RoPE). These are the q, k and v projections; with
//     grouped-query attention the k and v splits give the kv head count.
//
// Every other use of an observed value is redirected to the observer's
// result. Values that are already observed (defined by, or used by, a
// lowbit.observe) are left alone, so the pass is idempotent.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Dialect/LowBit/IR/LowBitOps.h"
#include "lowbit/Dialect/LowBit/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/MapVector.h"
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/StringMap.h"

#include <deque>
#include <optional>

namespace mlir::lowbit {
#define GEN_PASS_DEF_INSERTOBSERVERS
#include "lowbit/Dialect/LowBit/Transforms/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;
using namespace mlir::lowbit;

namespace {

/// A linear layer: a matmul of an activation with a constant weight.
struct Linear {
  linalg::MatmulOp matmul;
  Value activation;
  /// The channel (reduction) axis of the activation.
  int64_t axis;
  /// The weight's name: its dense_resource key, else the constant's NameLoc,
  /// else `linear<i>` in module order.
  std::string weightName;
};

bool isObserved(Value value) {
  if (value.getDefiningOp<ObserveOp>())
    return true;
  return llvm::any_of(value.getUsers(),
                      [](Operation *user) { return isa<ObserveOp>(user); });
}

/// The name of a constant weight, or nullopt when `weight` is not an
/// `arith.constant` of a dense or dense_resource tensor.
std::optional<std::string> getConstantWeightName(Value weight) {
  auto constant = weight.getDefiningOp<arith::ConstantOp>();
  if (!constant)
    return std::nullopt;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(constant.getValue()))
    return resource.getRawHandle().getKey().str();
  if (!isa<DenseElementsAttr>(constant.getValue()))
    return std::nullopt;
  if (auto name = dyn_cast<NameLoc>(constant.getLoc()))
    return name.getName().str();
  return std::string();
}

/// Recognises `matmul` as a linear layer: operand 1 is a constant weight and
/// operand 0 a non-constant activation whose indexing map reads the
/// reduction dimension (the channel axis) as one of its results.
std::optional<Linear> matchLinear(linalg::MatmulOp matmul) {
  if (matmul.getNumDpsInputs() != 2 || matmul->getNumResults() != 1)
    return std::nullopt;
  Value activation = matmul.getDpsInputOperand(0)->get();
  Value weight = matmul.getDpsInputOperand(1)->get();
  std::optional<std::string> name = getConstantWeightName(weight);
  if (!name || getConstantWeightName(activation) ||
      !isa<RankedTensorType>(activation.getType()))
    return std::nullopt;

  SmallVector<AffineMap> maps = matmul.getIndexingMapsArray();
  SmallVector<utils::IteratorType> iterators = matmul.getIteratorTypesArray();
  std::optional<int64_t> axis;
  for (auto [pos, expr] : llvm::enumerate(maps[0].getResults())) {
    auto dim = dyn_cast<AffineDimExpr>(expr);
    if (dim && iterators[dim.getPosition()] == utils::IteratorType::reduction)
      axis = pos;
  }
  if (!axis)
    return std::nullopt;
  return Linear{matmul, activation, *axis, *name};
}

/// Whether `op` adds a per-channel vector to `value`: an all-parallel
/// linalg.generic of two inputs (`value` with an identity map) whose body is
/// one `arith.addf` of its two input arguments.
bool isBiasAdd(linalg::GenericOp op, Value value) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op->getNumResults() != 1 || op.getNumLoops() != op.getNumParallelLoops())
    return false;
  OpOperand *in = nullptr;
  for (OpOperand *operand : op.getDpsInputOperands())
    if (operand->get() == value)
      in = operand;
  if (!in || !op.getMatchingIndexingMap(in).isIdentity() ||
      op->getResult(0).getType() != value.getType())
    return false;
  Block &body = op.getRegion().front();
  if (body.getOperations().size() != 2)
    return false;
  auto add = dyn_cast<arith::AddFOp>(body.front());
  auto yield = dyn_cast<linalg::YieldOp>(body.getTerminator());
  if (!add || !yield || yield.getNumOperands() != 1 ||
      yield.getOperand(0) != add.getResult())
    return false;
  auto isInputArg = [&](Value v) {
    auto arg = dyn_cast<BlockArgument>(v);
    return arg && arg.getOwner() == &body && arg.getArgNumber() < 2;
  };
  return isInputArg(add.getLhs()) && isInputArg(add.getRhs()) &&
         add.getLhs() != add.getRhs();
}

/// The linear layer's output after its bias add (if it has exactly one use
/// and that use is a bias add).
Value getLinearOutput(linalg::MatmulOp matmul) {
  Value result = matmul->getResult(0);
  if (!result.hasOneUse())
    return result;
  auto generic = dyn_cast<linalg::GenericOp>(*result.getUsers().begin());
  if (generic && isBiasAdd(generic, result))
    return generic->getResult(0);
  return result;
}

/// Whether `op` is elementwise in `value`: an all-parallel linalg.generic
/// reading `value` with an identity map and producing one result of the same
/// type (activation functions, RoPE with its tables, scaling).
bool isElementwiseIn(linalg::GenericOp op, OpOperand &use) {
  return op.getNumLoops() == op.getNumParallelLoops() &&
         op->getNumResults() == 1 && op.isDpsInput(&use) &&
         op.getMatchingIndexingMap(&use).isIdentity() &&
         op->getResult(0).getType() == use.get().getType();
}

/// The head count of `value` when it is split into heads: the first
/// `tensor.expand_shape` that splits its last dimension into [H, Dh] (or
/// [H, Dh/2, 2] for rotary embeddings), reached
/// directly or through elementwise ops (at most a few steps away).
std::optional<int64_t> findHeads(Value value) {
  constexpr int kMaxDepth = 6;
  std::deque<std::pair<Value, int>> queue = {{value, 0}};
  llvm::SmallPtrSet<Operation *, 8> seen;
  while (!queue.empty()) {
    auto [current, depth] = queue.front();
    queue.pop_front();
    for (OpOperand &use : current.getUses()) {
      Operation *user = use.getOwner();
      if (!seen.insert(user).second)
        continue;
      if (auto expand = dyn_cast<tensor::ExpandShapeOp>(user)) {
        int64_t rank = expand.getSrcType().getRank();
        SmallVector<ReassociationIndices> groups =
            expand.getReassociationIndices();
        // [H, Dh], or [H, Dh/2, 2] where RoPE splits heads into channel
        // pairs.
        auto resultType = expand.getResultType();
        bool heads2 = resultType.getRank() == rank + 1 &&
                      groups.back().size() == 2;
        bool ropePairs = resultType.getRank() == rank + 2 &&
                         groups.back().size() == 3 &&
                         resultType.getDimSize(rank + 1) == 2;
        if (!heads2 && !ropePairs)
          continue;
        int64_t heads = resultType.getDimSize(rank - 1);
        if (!ShapedType::isDynamic(heads))
          return heads;
        continue;
      }
      auto generic = dyn_cast<linalg::GenericOp>(user);
      if (generic && depth + 1 < kMaxDepth && isElementwiseIn(generic, use))
        queue.push_back({generic->getResult(0), depth + 1});
    }
  }
  return std::nullopt;
}

struct InsertObserversPass
    : public mlir::lowbit::impl::InsertObserversBase<InsertObserversPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();

    // Ids already in use, and the value each one observes.
    llvm::StringMap<Value> ids;
    module.walk(
        [&](ObserveOp op) { ids.try_emplace(op.getId(), op.getInput()); });

    // Linear layers in program order; the first reader of each activation.
    SmallVector<Linear> linears;
    llvm::MapVector<Value, size_t> firstReader;
    unsigned unnamed = 0;
    module.walk([&](linalg::MatmulOp matmul) {
      std::optional<Linear> linear = matchLinear(matmul);
      if (!linear)
        return;
      if (linear->weightName.empty())
        linear->weightName = "linear" + std::to_string(unnamed++);
      firstReader.insert({linear->activation, linears.size()});
      linears.push_back(std::move(*linear));
    });

    OpBuilder builder(&getContext());
    // Observers of block arguments go to the start of the block, each after
    // the one inserted before it.
    llvm::DenseMap<Block *, Operation *> lastArgObserver;
    bool failed = false;
    auto claimId = [&](const std::string &id, Value value,
                       Operation *at) -> bool {
      auto [it, inserted] = ids.try_emplace(id, value);
      if (inserted || it->second == value)
        return true;
      at->emitError() << "observer id '" << id
                      << "' is already used for another value";
      failed = true;
      return false;
    };
    auto observe = [&](Value value, StringRef id, Location loc,
                       std::optional<int64_t> axis,
                       std::optional<int64_t> heads) {
      auto arg = dyn_cast<BlockArgument>(value);
      if (arg && lastArgObserver.count(arg.getOwner()))
        builder.setInsertionPointAfter(lastArgObserver[arg.getOwner()]);
      else if (arg)
        builder.setInsertionPointToStart(arg.getOwner());
      else
        builder.setInsertionPointAfter(value.getDefiningOp());
      auto type = cast<RankedTensorType>(value.getType());
      IntegerAttr axisAttr;
      if (axis && *axis != type.getRank() - 1)
        axisAttr = builder.getI64IntegerAttr(*axis);
      IntegerAttr headsAttr;
      if (heads)
        headsAttr = builder.getI64IntegerAttr(*heads);
      auto op = ObserveOp::create(builder, loc, id, value, axisAttr, headsAttr,
                                  /*min=*/nullptr, /*max=*/nullptr);
      value.replaceAllUsesExcept(op.getResult(), op);
      if (arg)
        lastArgObserver[arg.getOwner()] = op;
    };

    // Inputs: one observer per distinct activation. An activation that merges
    // heads ([..., H, Dh] -> [..., H*Dh], the attention output) records H,
    // so that its channels are planned per head and the plan can fold into
    // the v projection through the attention.
    auto mergedHeads = [](Value value) -> std::optional<int64_t> {
      auto collapse = value.getDefiningOp<tensor::CollapseShapeOp>();
      if (!collapse)
        return std::nullopt;
      int64_t rank = collapse.getResultType().getRank();
      SmallVector<ReassociationIndices> groups =
          collapse.getReassociationIndices();
      if (collapse.getSrcType().getRank() != rank + 1 ||
          groups.back().size() != 2)
        return std::nullopt;
      int64_t heads = collapse.getSrcType().getDimSize(rank - 1);
      if (ShapedType::isDynamic(heads))
        return std::nullopt;
      return heads;
    };
    for (auto [activation, index] : firstReader) {
      Linear &linear = linears[index];
      if (isObserved(activation))
        continue;
      std::string id = linear.weightName + ".in";
      if (claimId(id, activation, linear.matmul))
        observe(activation, id, linear.matmul.getLoc(), linear.axis,
                mergedHeads(activation));
    }

    // Outputs of linears that are split into heads (q, k, v).
    for (Linear &linear : linears) {
      Value output = getLinearOutput(linear.matmul);
      if (isObserved(output))
        continue;
      std::optional<int64_t> heads = findHeads(output);
      if (!heads)
        continue;
      std::string id = linear.weightName + ".out";
      if (claimId(id, output, linear.matmul))
        observe(output, id, linear.matmul.getLoc(), std::nullopt, heads);
    }

    if (failed)
      signalPassFailure();
  }
};
} // namespace
