//===- MapParallelLoops.cpp - scf.parallel to GPU blocks and threads ------===//
//
// The generic GPU lowering of everything that is not a fast kernel: each
// outermost scf.parallel of a host function (a linalg op's parallel
// dimensions) becomes one 1-D launch of block-size threads per block.
//
//===----------------------------------------------------------------------===//

#include "lowbit/Conversion/LowBitToGPU/LowBitToGPU.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/ParallelLoopMapper.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/IR/PatternMatch.h"

#include <numeric>
#include <vector>

namespace mlir::lowbit {
#define GEN_PASS_DEF_LOWBITGPUMAPPARALLELLOOPS
#include "lowbit/Conversion/Passes.h.inc"
} // namespace mlir::lowbit

using namespace mlir;

namespace {

/// Marks every dimension of `loop` with `processor`.
void mapAll(scf::ParallelOp loop, gpu::Processor processor) {
  MLIRContext *ctx = loop.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(1, ctx);
  SmallVector<gpu::ParallelLoopDimMappingAttr> mapping(
      loop.getNumLoops(),
      gpu::ParallelLoopDimMappingAttr::get(ctx, processor, identity, identity));
  (void)gpu::setMappingAttr(loop, mapping);
}

struct MapParallelLoopsPass
    : public mlir::lowbit::impl::LowBitGPUMapParallelLoopsBase<
          MapParallelLoopsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (blockSize < 1 || blockSize > 1024) {
      getOperation().emitError("lowbit-gpu-map-parallel-loops: block-size ")
          << blockSize.getValue() << " is not in 1-1024";
      return signalPassFailure();
    }
    // Outermost loops only, outside kernels; collected first because the
    // rewrite replaces them.
    SmallVector<scf::ParallelOp> outermost;
    getOperation().walk<WalkOrder::PreOrder>([&](Operation *op) {
      if (isa<gpu::LaunchOp>(op))
        return WalkResult::skip();
      if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
        outermost.push_back(loop);
        return WalkResult::skip();
      }
      return WalkResult::advance();
    });

    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : outermost) {
      // Loops nested inside run sequentially in each thread.
      loop.getBody()->walk([](scf::ParallelOp inner) {
        mapAll(inner, gpu::Processor::Sequential);
      });
      if (loop.getNumLoops() > 1) {
        std::vector<unsigned> all(loop.getNumLoops());
        std::iota(all.begin(), all.end(), 0u);
        rewriter.setInsertionPoint(loop);
        scf::ParallelOp collapsed;
        // collapseParallelLoops replaces the loop; find its replacement as
        // the op now at the loop's position.
        Operation *next = loop->getNextNode();
        collapseParallelLoops(rewriter, loop, {all});
        collapsed = dyn_cast_or_null<scf::ParallelOp>(next ? next->getPrevNode()
                                                           : nullptr);
        if (!collapsed) {
          getOperation().emitError("lowbit-gpu-map-parallel-loops: could not "
                                   "collapse a parallel loop");
          return signalPassFailure();
        }
        loop = collapsed;
      }
      auto [tiles, threads] = scf::tileParallelLoop(
          loop, {static_cast<int64_t>(blockSize)}, /*noMinMaxBounds=*/true);
      mapAll(tiles, gpu::Processor::BlockX);
      mapAll(threads, gpu::Processor::ThreadX);
    }
  }
};

} // namespace
