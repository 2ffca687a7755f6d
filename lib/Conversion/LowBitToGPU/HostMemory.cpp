//===- HostMemory.cpp - buffers of host functions in GPU-reachable memory -===//
//
// After bufferization, the host functions of a program allocate with
// memref.alloc, read weights through memref.get_global and receive and
// return host memory. Kernels can touch none of these. This pass puts every
// buffer the function works on in CUDA managed memory (gpu.alloc
// host_shared), copying arguments and globals in at the entry and results
// out before each return, so that callers keep passing host memory.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/LowBitToGPU/LowBitToGPU.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

namespace mlir::lowbit {
#define GEN_PASS_DEF_LOWBITGPUHOSTMEMORY
#include "lowbit/Conversion/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;

namespace {

/// A gpu.alloc of `type`: managed memory (host_shared) or, when
/// `deviceOnly`, device memory, which gpu-to-llvm lowers in the async form
/// only (on a stream of its own, waited for at once).
Value createAlloc(OpBuilder &b, Location loc, MemRefType type,
                  ValueRange dynamicSizes, bool deviceOnly) {
  if (!deviceOnly)
    return gpu::AllocOp::create(b, loc, type, Type(), ValueRange{},
                                dynamicSizes, ValueRange{}, /*hostShared=*/true)
        .getMemref();
  Type token = gpu::AsyncTokenType::get(b.getContext());
  Value start =
      gpu::WaitOp::create(b, loc, token, ValueRange{}).getAsyncToken();
  auto alloc = gpu::AllocOp::create(b, loc, type, token, ValueRange{start},
                                    dynamicSizes, ValueRange{},
                                    /*hostShared=*/false);
  gpu::WaitOp::create(b, loc, Type(), ValueRange{alloc.getAsyncToken()});
  return alloc.getMemref();
}

/// A buffer of `like`'s shape (identity layout), with its dynamic sizes; in
/// managed memory unless `deviceOnly`.
Value allocLike(OpBuilder &b, Location loc, Value like,
                bool deviceOnly = false) {
  auto type = cast<MemRefType>(like.getType());
  auto identity =
      MemRefType::get(type.getShape(), type.getElementType(),
                      MemRefLayoutAttrInterface(), type.getMemorySpace());
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(memref::DimOp::create(b, loc, like, d));
  return createAlloc(b, loc, identity, dynamicSizes, deviceOnly);
}

/// gpu-to-llvm lowers copies and frees in their async form only: each runs
/// on a stream of its own that is waited for at once (synchronous, as the
/// kernel launches are).
Operation *copySync(OpBuilder &b, Location loc, Value dst, Value src) {
  Type token = gpu::AsyncTokenType::get(b.getContext());
  Value start =
      gpu::WaitOp::create(b, loc, token, ValueRange{}).getAsyncToken();
  auto copy = gpu::MemcpyOp::create(b, loc, token, ValueRange{start}, dst, src);
  gpu::WaitOp::create(b, loc, Type(), ValueRange{copy.getAsyncToken()});
  return copy;
}

void freeSync(OpBuilder &b, Location loc, Value buffer) {
  Type token = gpu::AsyncTokenType::get(b.getContext());
  Value start =
      gpu::WaitOp::create(b, loc, token, ValueRange{}).getAsyncToken();
  Value done = gpu::DeallocOp::create(b, loc, token, ValueRange{start}, buffer)
                   .getAsyncToken();
  gpu::WaitOp::create(b, loc, Type(), ValueRange{done});
}

/// Whether host code only hands `buffer` (and views of it) to what runs on
/// the GPU or copies it: linalg ops (kernels once loops are mapped), GPU
/// ops and the bodies of gpu.launch (the fast kernels), deallocation, shape
/// queries and the return (copied out). Such a
/// buffer can live in device memory; any other host use (a memref.load, a
/// call, a loop-carried value) needs memory the host reaches too.
bool onlyUsedByDeviceCode(Value buffer) {
  for (Operation *user : buffer.getUsers()) {
    if (isa<linalg::LinalgOp, memref::DeallocOp, memref::DimOp, func::ReturnOp>(
            user) ||
        isa_and_nonnull<gpu::GPUDialect>(user->getDialect()) ||
        user->getParentOfType<gpu::LaunchOp>())
      continue;
    if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
      if (view.getViewSource() == buffer &&
          llvm::all_of(user->getResults(), onlyUsedByDeviceCode))
        continue;
    }
    return false;
  }
  return true;
}

/// The buffer a view of it comes from (through subviews, casts, reshapes).
Value getRootBuffer(Value value) {
  while (Operation *def = value.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def)) {
      value = view.getViewSource();
      continue;
    }
    break;
  }
  return value;
}

struct HostMemoryPass
    : public mlir::lowbit::impl::LowBitGPUHostMemoryBase<HostMemoryPass> {

  LogicalResult runOnFunction(func::FuncOp func) {
    if (func.isExternal())
      return success();
    MLIRContext *ctx = &getContext();
    OpBuilder b(ctx);
    Block &entry = func.getBody().front();

    // Copies become kernels; host code never moves data itself.
    SmallVector<memref::CopyOp> copies;
    func.walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies) {
      b.setInsertionPoint(copy);
      linalg::CopyOp::create(b, copy.getLoc(), ValueRange{copy.getSource()},
                             ValueRange{copy.getTarget()});
      copy.erase();
    }

    // Allocations and deallocations in managed memory.
    SmallVector<Operation *> toReplace;
    func.walk([&](Operation *op) {
      if (isa<memref::AllocOp, memref::DeallocOp>(op))
        toReplace.push_back(op);
    });
    for (Operation *op : toReplace) {
      b.setInsertionPoint(op);
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        if (!alloc.getSymbolOperands().empty())
          return alloc.emitError("cannot place an allocation with symbol "
                                 "operands in GPU memory");
        alloc.replaceAllUsesWith(createAlloc(
            b, alloc.getLoc(), alloc.getType(), alloc.getDynamicSizes(),
            onlyUsedByDeviceCode(alloc.getResult())));
      } else {
        auto dealloc = cast<memref::DeallocOp>(op);
        freeSync(b, dealloc.getLoc(), dealloc.getMemref());
      }
      op->erase();
    }

    // Arguments and globals copied in at the entry (globals hoisted there:
    // they are constants).
    SmallVector<Value> entryBuffers;
    b.setInsertionPointToStart(&entry);
    for (BlockArgument arg : entry.getArguments()) {
      if (!isa<MemRefType>(arg.getType()) || arg.use_empty())
        continue;
      Value buffer =
          allocLike(b, func.getLoc(), arg, onlyUsedByDeviceCode(arg));
      Operation *copy = copySync(b, func.getLoc(), buffer, arg);
      arg.replaceAllUsesExcept(buffer, copy);
      // The memcpy reads the argument itself; the dim ops of dynamic
      // sizes too.
      for (OpOperand &use : llvm::make_early_inc_range(buffer.getUses()))
        if (isa<memref::DimOp>(use.getOwner()) &&
            use.getOwner()->isBeforeInBlock(buffer.getDefiningOp()))
          use.set(arg);
      entryBuffers.push_back(buffer);
    }
    SmallVector<memref::GetGlobalOp> globals;
    func.walk([&](memref::GetGlobalOp global) { globals.push_back(global); });
    for (memref::GetGlobalOp global : globals) {
      global->moveBefore(&entry, b.getInsertionPoint());
      b.setInsertionPointAfter(global);
      Value buffer = allocLike(b, global.getLoc(), global.getResult(),
                               onlyUsedByDeviceCode(global.getResult()));
      Operation *copy =
          copySync(b, global.getLoc(), buffer, global.getResult());
      global.getResult().replaceAllUsesExcept(buffer, copy);
      entryBuffers.push_back(buffer);
    }

    // Results copied out to host memory; the entry buffers and any returned
    // managed buffer freed.
    SmallVector<func::ReturnOp> returns;
    func.walk([&](func::ReturnOp ret) { returns.push_back(ret); });
    for (func::ReturnOp ret : returns) {
      b.setInsertionPoint(ret);
      llvm::SmallPtrSet<Value, 8> freed;
      SmallVector<Value> toFree;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value value = operand.get();
        if (!isa<MemRefType>(value.getType()))
          continue;
        auto type = cast<MemRefType>(value.getType());
        SmallVector<Value> dynamicSizes;
        for (int64_t d = 0; d < type.getRank(); ++d)
          if (type.isDynamicDim(d))
            dynamicSizes.push_back(
                memref::DimOp::create(b, ret.getLoc(), value, d));
        Value host = memref::AllocOp::create(
            b, ret.getLoc(),
            MemRefType::get(type.getShape(), type.getElementType()),
            dynamicSizes);
        if (!type.getLayout().isIdentity()) {
          // gpu.memcpy needs equal types: copy the view into a managed
          // buffer with a kernel first.
          Value dense = allocLike(b, ret.getLoc(), value,
                                  /*deviceOnly=*/true);
          linalg::CopyOp::create(b, ret.getLoc(), ValueRange{value},
                                 ValueRange{dense});
          copySync(b, ret.getLoc(), host, dense);
          toFree.push_back(dense);
        } else {
          copySync(b, ret.getLoc(), host, value);
        }
        operand.set(host);
        // The returned buffer was handed to the caller by the deallocation
        // pipeline; it is ours again now that the caller gets a copy.
        Value root = getRootBuffer(value);
        if (root.getDefiningOp<gpu::AllocOp>() && freed.insert(root).second)
          toFree.push_back(root);
      }
      for (Value buffer : entryBuffers)
        if (freed.insert(buffer).second)
          toFree.push_back(buffer);
      for (Value buffer : toFree)
        freeSync(b, ret.getLoc(), buffer);
    }
    // Returned views are now dense host copies.
    if (!returns.empty())
      func.setType(FunctionType::get(ctx, func.getArgumentTypes(),
                                     returns.front()->getOperandTypes()));
    return success();
  }

  void runOnOperation() override {
    for (auto func : getOperation().getOps<func::FuncOp>())
      if (failed(runOnFunction(func)))
        return signalPassFailure();
  }
};

} // namespace
